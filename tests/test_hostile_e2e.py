"""Hostile archives through a real ``pip install``: only the extractor stands in the way.

Each archive is listed in a matching checksums.txt, so every integrity check passes; the install
must still be refused, name the problem, install nothing and write nothing outside its temp dir.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from support.installs import assert_not_installed

if TYPE_CHECKING:
    from support.installs import Installer
    from support.release import Release

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(sys.platform == "win32", reason="POSIX")]

ARCHIVE = "cerebrium_cli_linux_amd64.tar.gz"


def _hostile_release(
    root: Path, name: str, members: list[tuple[tarfile.TarInfo, bytes | None]]
) -> Path:
    from support.release import write_checksums

    out = root / name
    out.mkdir()
    with tarfile.open(out / ARCHIVE, "w:gz") as tf:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    write_checksums([out / ARCHIVE], out / "checksums.txt")
    return out


def _member(
    name: str, kind: bytes = tarfile.REGTYPE, link: str = "", mode: int = 0o755
) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, link, mode
    return info


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("sparse-map", "tar headers (GNU sparse map, long names, PAX records) run past"),
        ("chained-headers", "chains more extended tar headers"),
    ],
)
def test_an_archive_hostile_in_its_headers_is_refused_through_pip(
    installer: Installer,
    server_root: Path,
    case: str,
    message: str,
) -> None:
    # Red team: a GNU sparse map of a million extension blocks (1.7 MiB gzipped) held 3.9 GiB
    # before the member was seen; 2000 chained long names ended in a RecursionError traceback.
    import gzip

    from support import tarbombs
    from support.release import write_checksums

    tar = {
        "sparse-map": lambda: tarbombs.old_gnu_sparse(1_000_000),
        "chained-headers": lambda: tarbombs.chained_headers(b"L", 2000, b"\x7fELF"),
    }[case]()
    out = server_root / f"hostile-{case}"
    out.mkdir()
    (out / ARCHIVE).write_bytes(gzip.compress(tar + bytes(1024), compresslevel=6))
    write_checksums([out / ARCHIVE], out / "checksums.txt")
    venv, result = installer.install(installer.env(f"hostile-{case}"))
    out_text = assert_not_installed(venv, result)
    assert message in out_text
    assert "Traceback" not in out_text


def test_a_binary_of_a_hundred_million_notes_is_refused_through_pip_at_once(
    installer: Installer,
    server_root: Path,
) -> None:
    # Red team: the wheel tag's reader walked every note of 18,724 headers naming one segment
    # (36 s for 1.1 MiB); now the build stops at once, naming the binary.
    from support.executables import note_flood

    _hostile_release(server_root, "note-flood", [(_member("cerebrium"), note_flood())])
    started = time.monotonic()
    venv, result = installer.install(installer.env("note-flood"))
    out = assert_not_installed(venv, result)
    assert "its note segments hold more than 65536 bytes" in out
    assert time.monotonic() - started < 120


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("dotdot", "climbs out with '..'"),
        ("absolute", "is an absolute path"),
        ("symlink", "is a link"),
        ("symlinked-dir", "which is a link"),
    ],
)
def test_hostile_archive_is_refused_and_nothing_escapes(
    tmp_path: Path,
    installer: Installer,
    server_root: Path,
    case: str,
    message: str,
) -> None:
    target = tmp_path / "outside" / "evil"  # where a naive extractor would write
    target.parent.mkdir()
    payload = b"#!/bin/sh\necho pwned\n"
    depth = "../" * 12
    cases: dict[str, list[tuple[tarfile.TarInfo, bytes | None]]] = {
        "dotdot": [
            (_member(f"{depth}{str(target).lstrip('/')}"), payload),
            (_member("cerebrium"), payload),
        ],
        "absolute": [(_member(str(target)), payload), (_member("cerebrium"), payload)],
        "symlink": [(_member("cerebrium", tarfile.SYMTYPE, str(target)), None)],
        "symlinked-dir": [
            (_member("d", tarfile.SYMTYPE, str(target.parent)), None),
            (_member("d/evil"), payload),
            (_member("cerebrium"), payload),
        ],
    }
    _hostile_release(server_root, f"hostile-{case}", cases[case])
    venv, result = installer.install(installer.env(f"hostile-{case}"))
    out = assert_not_installed(venv, result)
    assert message in out
    assert "refusing" in out
    assert list(target.parent.iterdir()) == []  # nothing was written outside


@pytest.mark.parametrize(
    ("built", "what"),
    [
        (("linux", "arm64"), "a Linux arm64 executable (ELF 64-bit LSB, static)"),
        (("darwin", "amd64"), "a macOS amd64 executable (Mach-O 64-bit, macOS >= "),
    ],
)
def test_an_archive_holding_another_targets_binary_installs_nothing(
    installer: Installer,
    server_root: Path,
    go_binaries: dict[tuple[str, str], Path],
    built: tuple[str, str],
    what: str,
) -> None:
    from support.release import make_archive, write_checksums

    # Genuine, and listed in checksums.txt: only what the binary is gives it away.
    name = f"wrong-binary-{'-'.join(built)}"
    out = server_root / name
    out.mkdir()
    make_archive(go_binaries[built], out / ARCHIVE, "linux")
    write_checksums([out / ARCHIVE], out / "checksums.txt")
    venv, result = installer.install(installer.env(name))
    out_text = assert_not_installed(venv, result)
    assert f"error: {ARCHIVE} holds {what}" in out_text
    assert "not an executable for linux/amd64" in out_text
    assert "Nothing was installed." in out_text
    assert not list(venv.path.glob("lib/python*/site-packages/cerebrium_cli"))


_FETCH = r"""
import sys
sys.path.insert(0, {tests!r})
import conftest
from pathlib import Path
from cerebrium_cli.cache import ArchiveCache
from cerebrium_cli.fetch import fetch_binary
from cerebrium_cli.sources import ReleaseLocation, Sources
from cerebrium_cli.locations import DirectoryLocation
from cerebrium_cli.platforms import Target
from cerebrium_cli.description import load_release

cache = ArchiveCache.open(Path({cache!r}))
sources = Sources(location=ReleaseLocation.directory(Path({release!r})), cache=cache)
linux = Target("linux", "amd64")
binary = fetch_binary(load_release(), linux, "v2.0.0", Path({dest!r}), sources=sources)
print("DONE", binary)
"""


def test_kills_at_any_point_leave_nothing_a_later_fetch_trusts(
    tmp_path: Path, release: Release
) -> None:
    import hashlib

    tests = str(Path(__file__).parent)
    cache = tmp_path / "cache"
    killed = 0
    for n, delay in enumerate([0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5]):
        dest = tmp_path / f"bin{n}"
        code = _FETCH.format(
            tests=tests, cache=str(cache), release=str(release.dir), dest=str(dest)
        )
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        # A run the kill did not reach must have finished its fetch, not crashed before it.
        assert proc.returncode == -signal.SIGKILL or "DONE" in out, out
        killed += proc.returncode == -signal.SIGKILL
        # Whatever the moment, every entry the cache would serve is complete and verified...
        for entry in (cache / "archives").glob("sha256-*") if (cache / "archives").exists() else []:
            assert hashlib.sha256(entry.read_bytes()).hexdigest() == entry.name.removeprefix(
                "sha256-"
            )
        # ...and no half-written binary sits where an install would look.
        binary = dest / "cerebrium"
        if binary.exists():  # renamed into place only when complete: it must run
            assert os.access(binary, os.X_OK)
            assert subprocess.run([binary, "version"], capture_output=True).returncode == 0
    assert killed, "every run finished before its kill: the test killed nothing"
    final = tmp_path / "final"
    code = _FETCH.format(tests=tests, cache=str(cache), release=str(release.dir), dest=str(final))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "DONE" in done.stdout, done.stderr
    assert subprocess.run(
        [final / "cerebrium", "version"], capture_output=True, text=True
    ).stdout.startswith("cerebrium version")
