"""End to end through ``pip install`` of the sdist: a cache that is not the user's alone, and a
cache on a full disk (the fetch API's side is in test_cache_safety.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import VERSION
from support.installs import assert_installed, assert_not_installed
from support.tinydisk import on_a_tiny_disk
from support.venvs import Venv

if TYPE_CHECKING:
    from support.installs import Installer
    from support.release import Release
    from support.server import ReleaseServer

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX owners, modes and mounts"),
]


@pytest.mark.parametrize("shared", ["cache", "folder above"])
def test_a_named_cache_others_can_write_stops_the_install(
    tmp_path: Path,
    installer: Installer,
    release: Release,
    shared: str,
) -> None:
    cache = tmp_path / "shared" / "cache"
    cache.mkdir(parents=True, mode=0o700)
    # As another user may have made it: drwxrwxrwx. Above the cache (red team), they can rename
    # the checked cache away and put their own in its place.
    (cache if shared == "cache" else cache.parent).chmod(0o777)
    out = assert_not_installed(*installer.install(installer.env("good", cache)))
    why = (
        f"{cache} can be written by group or others (mode 0777)."
        if shared == "cache"
        else f"{cache.parent}, a directory above {cache}, can be written by group or others "
        "without the sticky bit (mode 0777), so they can rename what it holds."
    )
    assert (
        f"CEREBRIUM_CACHE_DIR={str(cache)!r} names a cache directory that is not safe to use: {why}"
    ) in out
    assert "Point CEREBRIUM_CACHE_DIR at a directory of your own" in out
    assert list(cache.iterdir()) == []


def test_a_default_cache_with_a_link_below_it_is_skipped_and_nothing_written_outside(
    tmp_path: Path,
    sdist: Path,
    wheelhouse: Path,
    ca_file: Path,
    server: ReleaseServer,
    release: Release,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CEREBRIUM_CACHE_DIR", raising=False)
    cache = tmp_path / "xdg" / "cerebrium"
    cache.mkdir(parents=True, mode=0o700)
    outside = tmp_path / "outside"
    outside.mkdir()
    (cache / "archives").symlink_to(outside)  # planted: downloads would land outside
    venv = Venv.create(tmp_path / "venv")
    env = {
        "SSL_CERT_FILE": str(ca_file),
        "CEREBRIUM_RELEASE_URL": f"{server.url}/good/",
        "XDG_CACHE_HOME": str(tmp_path / "xdg"),
    }
    result = venv.install(str(sdist), wheelhouse=wheelhouse, env=env)
    assert_installed(venv, result, VERSION)
    assert (
        f"warning: not using the cache directory {cache}: {cache / 'archives'} is a symbolic "
        f"link (to {str(outside)!r})"
    ) in result.stderr + result.stdout
    assert list(outside.iterdir()) == []
    assert sorted(p.name for p in cache.iterdir()) == ["archives"]


def test_a_cache_on_a_full_disk_means_no_cache_through_pip(
    tmp_path: Path,
    installer: Installer,
    release: Release,
) -> None:
    # A real full disk: a 64 KiB tmpfs at the cache, mounted for pip's process tree alone.
    disk = tmp_path / "disk"
    cache = disk / "cache"
    venv = Venv.create(tmp_path / "venv")
    env = venv.environ({"PIP_CONFIG_FILE": os.devnull, **installer.env("good", cache)})
    pip = [str(venv.python), "-m", "pip", "install", "-v", "--no-index", "--no-cache-dir"]
    wheels = ["--find-links", str(installer.wheelhouse)]
    command = on_a_tiny_disk(disk, [*pip, *wheels, str(installer.sdist)])
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert_installed(venv, result, VERSION)
    out = result.stdout + result.stderr
    assert "No space left on device" in out  # it was full, and said so
    assert (
        f"warning: cannot write the download to the cache directory {cache} "
        "(No space left on device); going on without the cache"
    ) in out
    assert "Traceback" not in out
