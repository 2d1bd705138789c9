"""End to end, offline use: cache, archive files, mirrors, pins, concurrency and kills.

Every install is a real ``pip install`` of the sdist into a fresh venv, with pip's index off.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import VERSION
from support.installs import assert_installed, assert_not_installed
from support.venvs import Venv

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import trustme
    from support.installs import Installer, Tools
    from support.release import Release
    from support.server import ReleaseServer

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX process control"),
]

ARCHIVE = "cerebrium_cli_linux_amd64.tar.gz"


def _ok(venv: Venv, result: subprocess.CompletedProcess[str]) -> None:
    assert_installed(venv, result, VERSION)


@pytest.fixture
def fresh_venv(tmp_path: Path) -> Callable[[], Venv]:
    counter = iter(range(100))
    return lambda: Venv.create(tmp_path / f"venv{next(counter)}")


@pytest.fixture
def own_server(server_root: Path, ca: trustme.CA, release: Release) -> Iterator[ReleaseServer]:
    """A server of the test's own, which the test may stop."""
    from support.server import ReleaseServer

    server = ReleaseServer(server_root, ca)
    yield server
    server.stop()


def _bootstrap(tools: Tools, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    venv, base = tools
    return venv.run(
        "python", "-m", "cerebrium_cli.bootstrap", *args, env={**base, **env}, timeout=300
    )


def test_online_install_warms_the_cache_then_offline_needs_no_server(
    installer: Installer, fresh_venv: Callable[[], Venv], own_server: ReleaseServer
) -> None:
    env = replace(installer, server=own_server).env("good")  # the cache: tmp_path / "cache"
    first = fresh_venv()
    _ok(first, installer.install_into(first, env))
    assert [r.path for r in own_server.requests] == ["/good/checksums.txt", f"/good/{ARCHIVE}"]
    own_server.stop()  # from here on, any connection attempt would fail

    second = fresh_venv()
    result = installer.install_into(second, {**env, "CEREBRIUM_OFFLINE": "1"})
    _ok(second, result)
    assert f"using the cached {ARCHIVE}" in result.stderr + result.stdout
    assert len(own_server.requests) == 2  # nothing more was asked of the server


def test_offline_with_nothing_local_fails_clearly_and_installs_nothing(
    tmp_path: Path,
    installer: Installer,
    fresh_venv: Callable[[], Venv],
    server: ReleaseServer,
) -> None:
    env = {"CEREBRIUM_OFFLINE": "1", "CEREBRIUM_CACHE_DIR": str(tmp_path / "empty-cache")}
    before = len(server.requests)
    venv = fresh_venv()
    out = assert_not_installed(venv, installer.install_into(venv, env))
    assert f"CEREBRIUM_OFFLINE is set and no local copy of {ARCHIVE} was found" in out
    assert "CEREBRIUM_ARCHIVE=" in out
    assert "bootstrap mirror" in out
    assert len(server.requests) == before


def test_offline_install_from_an_archive_file(
    tmp_path: Path, installer: Installer, fresh_venv: Callable[[], Venv], release: Release
) -> None:
    env = {
        "CEREBRIUM_OFFLINE": "1",
        "CEREBRIUM_ARCHIVE": str(release.dir / ARCHIVE),  # checksums.txt lies beside it
        "CEREBRIUM_CACHE_DIR": str(tmp_path / "cache"),
    }
    venv = fresh_venv()
    _ok(venv, installer.install_into(venv, env))


def test_mirror_then_air_gapped_install(
    tmp_path: Path,
    installer: Installer,
    fresh_venv: Callable[[], Venv],
    tools: Tools,
    release: Release,
) -> None:
    mirror = tmp_path / "mirror"
    made = _bootstrap(tools, "mirror", str(mirror), "--all")
    assert made.returncode == 0, made.stderr
    # Every archive and the checksums file; the deb and rpm packages are not the wrapper's.
    published = [*release.archives.values(), release.checksums]
    assert sorted(p.name for p in mirror.iterdir()) == sorted(p.name for p in published)
    for path in mirror.iterdir():
        assert path.read_bytes() == (release.dir / path.name).read_bytes()

    env = {
        "CEREBRIUM_RELEASE_URL": str(mirror),
        "CEREBRIUM_OFFLINE": "1",
        "CEREBRIUM_CACHE_DIR": str(tmp_path / "c"),
    }
    venv = fresh_venv()
    _ok(venv, installer.install_into(venv, env))


def test_fetch_and_info_commands(tmp_path: Path, tools: Tools) -> None:
    fetched = _bootstrap(tools, "fetch", "--dest", str(tmp_path / "out"))
    assert fetched.returncode == 0, fetched.stderr
    binary = Path(fetched.stdout.strip())
    assert binary == tmp_path / "out" / "cerebrium"
    assert (
        subprocess.run([binary, "version"], capture_output=True, text=True).stdout.strip()
        == f"cerebrium version {VERSION}"
    )

    info = _bootstrap(tools, "info")
    assert info.returncode == 0, info.stderr
    text = info.stdout
    assert "target: linux/amd64" in text
    assert f"archive: {ARCHIVE}" in text
    assert "trust: integrity only" in text
    assert "cache: " in text
    assert "sha256-" in text
    assert f"binary version: cerebrium version {VERSION}" in text


def test_commands_fail_with_one_line_reason(tmp_path: Path, tools: Tools) -> None:
    result = _bootstrap(tools, "names", "--config", str(tmp_path / "missing.yaml"))
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot read the release description ")
    # A platform the release does not build is a usage error that lists those it does.
    result = _bootstrap(tools, "fetch", "--dest", str(tmp_path), "--platform", "linux/riscv64")
    assert result.returncode == 2
    assert "'linux/riscv64' is not a target of this release; use one of: linux/amd64" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
    assert _bootstrap(tools, "mirror", "--help").returncode == 0


@pytest.fixture(scope="module")
def pinned_sdist(
    tmp_path_factory: pytest.TempPathFactory, tools: Tools, server: ReleaseServer, release: Release
) -> Path:
    """An sdist whose package carries pins made by the ``pin`` command from the good release."""
    from support.sdist import build_sdist, copy_checkout

    checkout = copy_checkout(tmp_path_factory.mktemp("pinned") / "src")
    pins = checkout / "wrapper" / "pinned-checksums.txt"
    made = _bootstrap(tools, "pin", "--from", f"{server.url}/good/", "--output", str(pins))
    assert made.returncode == 0, made.stderr
    # The release's whole checksums file: the six archives and the Linux packages.
    listed = len(release.archives) + len(release.packages)
    assert f"pinned {listed} checksums of v2.0.0" in made.stdout
    return build_sdist(tmp_path_factory.mktemp("pinned-dist"), checkout)


def test_pinned_package_installs_the_real_release(
    tmp_path: Path,
    installer: Installer,
    fresh_venv: Callable[[], Venv],
    pinned_sdist: Path,
    server: ReleaseServer,
) -> None:
    env = installer.env("good", tmp_path / "c")
    venv = fresh_venv()
    result = installer.install_into(venv, env, sdist=pinned_sdist)
    _ok(venv, result)
    assert "verified against the pinned checksums" in result.stderr + result.stdout
    shipped = list(venv.path.glob("lib/python*/site-packages/cerebrium_cli/pinned-checksums.txt"))
    assert len(shipped) == 1  # the wheel carries the pins too


def test_swapped_release_is_refused_by_the_pins(
    tmp_path: Path,
    installer: Installer,
    fresh_venv: Callable[[], Venv],
    pinned_sdist: Path,
    server: ReleaseServer,
    server_root: Path,
    release: Release,
) -> None:
    from support.release import make_archive, write_checksums

    # An attacker who controls the release replaces the archive and its checksums file alike.
    swapped = server_root / "swapped"
    shutil.copytree(release.dir, swapped)
    evil = tmp_path / "cerebrium"
    evil.write_bytes(b"#!/bin/sh\necho pwned\n")
    make_archive(evil, swapped / ARCHIVE, "linux")
    write_checksums(
        sorted(p for p in swapped.iterdir() if p.name != "checksums.txt"), swapped / "checksums.txt"
    )

    env = installer.env("swapped", tmp_path / "c")
    venv = fresh_venv()
    out = assert_not_installed(venv, installer.install_into(venv, env, sdist=pinned_sdist))
    assert "disagrees with the checksums pinned in this package" in out
    assert f"{ARCHIVE}: pinned " in out


def test_corrupt_cache_entry_is_refused_offline_and_healed_online(
    tmp_path: Path,
    installer: Installer,
    fresh_venv: Callable[[], Venv],
    release: Release,  # publishes <server>/good/
) -> None:
    cache = tmp_path / "cache"
    env = installer.env("good", cache)
    warm = fresh_venv()
    _ok(warm, installer.install_into(warm, env))
    (entry,) = (cache / "archives").glob("sha256-*")
    good = entry.read_bytes()
    entry.write_bytes(good[: len(good) // 3])  # truncated on disk

    offline = fresh_venv()
    out = assert_not_installed(
        offline,
        installer.install_into(offline, {**env, "CEREBRIUM_OFFLINE": "1"}),
    )
    assert "is corrupt" in out
    assert "no local copy" in out

    online = fresh_venv()
    result = installer.install_into(online, env)
    _ok(online, result)
    assert entry.read_bytes() == good  # healed


def test_eight_concurrent_installs_share_a_cold_cache(
    tmp_path: Path,
    installer: Installer,
    fresh_venv: Callable[[], Venv],
    release: Release,  # publishes <server>/good/
) -> None:
    env = installer.env("good")  # all eight with one cache
    with ThreadPoolExecutor(8) as pool:
        venvs = list(pool.map(lambda _: fresh_venv(), range(8)))
        results = list(pool.map(lambda v: installer.install_into(v, env), venvs))
    for venv, result in zip(venvs, results):
        _ok(venv, result)
    archives = Path(env["CEREBRIUM_CACHE_DIR"], "archives")
    assert len(list(archives.glob("sha256-*"))) == 1
    assert list(archives.glob(".*.tmp")) == []


def test_an_install_killed_mid_download_leaves_nothing_trusted(
    tmp_path: Path,
    installer: Installer,
    fresh_venv: Callable[[], Venv],
    own_server: ReleaseServer,
) -> None:
    cache = tmp_path / "cache"
    env = replace(installer, server=own_server).env("good", cache)
    unblock = threading.Event()
    own_server.stall(f"/good/{ARCHIVE}", after=100_000, release=unblock)
    venv = fresh_venv()
    command = [
        str(venv.python),
        "-m",
        "pip",
        "install",
        "--no-index",
        "--no-cache-dir",
        "--find-links",
        str(installer.wheelhouse),
        str(installer.sdist),
    ]
    proc = subprocess.Popen(
        command,
        env=venv.environ({"PIP_CONFIG_FILE": os.devnull, **env}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not any(r.path.endswith(ARCHIVE) for r in own_server.requests):
            assert time.monotonic() < deadline, "the install never asked for the archive"
            time.sleep(0.1)
        time.sleep(0.5)  # let some bytes land in the cache's temporary file
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        unblock.set()
    assert list((cache / "archives").glob("sha256-*")) == []  # no entry a later install would use
    assert not venv.script("cerebrium").exists()

    own_server.routes.clear()
    again = fresh_venv()
    _ok(again, installer.install_into(again, env))


# --- the configured source is authoritative --------------------------------------------------


def _republish(server_root: Path, release: Release, name: str, tmp_path: Path) -> bytes:
    """The same version re-published at ``<server>/<name>/`` with another linux/amd64 binary
    (the test CLI with bytes appended: it still runs) and its own checksums file."""
    from support.release import make_archive, write_checksums

    where = server_root / name
    shutil.copytree(release.dir, where)
    with tarfile.open(release.dir / ARCHIVE) as tf:
        handle = tf.extractfile("cerebrium")
        assert handle is not None
        binary = handle.read() + b"\0re-published\n"
    staged = tmp_path / "republished" / "cerebrium"
    staged.parent.mkdir(parents=True)
    staged.write_bytes(binary)
    make_archive(staged, where / ARCHIVE, "linux")
    write_checksums(
        sorted(p for p in where.iterdir() if p.name != "checksums.txt"), where / "checksums.txt"
    )
    return binary


def _installed_binary(venv: Venv) -> bytes:
    (binary,) = venv.path.glob("lib/python*/site-packages/cerebrium_cli/bin/cerebrium")
    return binary.read_bytes()


def test_a_second_release_location_is_read_and_its_binary_installed(
    tmp_path: Path,
    installer: Installer,
    fresh_venv: Callable[[], Venv],
    server: ReleaseServer,
    server_root: Path,
    release: Release,
) -> None:
    cache = tmp_path / "cache"
    first = fresh_venv()
    _ok(
        first,
        installer.install_into(first, installer.env("good", cache)),
    )
    republished = _republish(server_root, release, "republished", tmp_path)
    before = len(server.requests)

    second = fresh_venv()
    env = installer.env("republished", cache)
    _ok(second, installer.install_into(second, env))
    asked = [r.path for r in server.requests[before:]]
    assert asked == ["/republished/checksums.txt", f"/republished/{ARCHIVE}"]
    assert _installed_binary(second) == republished
    assert _installed_binary(first) != republished

    # Offline, each location answers for itself from the cache: B's copy, never A's.
    third = fresh_venv()
    _ok(
        third,
        installer.install_into(third, {**env, "CEREBRIUM_OFFLINE": "1"}),
    )
    assert _installed_binary(third) == republished


# --- no home directory -------------------------------------------------------------------------


def _homeless(command: list[str], env: dict[str, str]) -> list[str]:
    """``command`` as a uid with no passwd entry (a user namespace), HOME unset."""
    unshare = shutil.which("unshare")
    if unshare is None:
        if sys.platform != "linux":
            pytest.skip("needs unshare(1), from Linux's util-linux")
        raise AssertionError("unshare(1) comes with util-linux, on every Linux CI runs on")
    probe = subprocess.run(
        [unshare, "--user", "--map-user=54321", "--map-group=54321", "true"], capture_output=True
    )
    if probe.returncode != 0:
        why = f"user namespaces are not available here: {probe.stderr.decode().strip()}"
        if os.environ.get("CI"):  # CI's machines have them: failing there, not skipping
            raise AssertionError(why)
        pytest.skip(why)
    return [unshare, "--user", "--map-user=54321", "--map-group=54321", *command]


@pytest.mark.parametrize("xdg", [True, False], ids=["xdg-cache-home", "no-cache"])
def test_an_install_without_a_home_directory(
    tmp_path: Path,
    installer: Installer,
    fresh_venv: Callable[[], Venv],
    release: Release,
    xdg: bool,
) -> None:
    venv = fresh_venv()
    env = venv.environ({"PIP_CONFIG_FILE": os.devnull, **installer.env("good")})
    for variable in ("HOME", "XDG_CACHE_HOME", "CEREBRIUM_CACHE_DIR"):
        env.pop(variable, None)
    if xdg:
        env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    pip = [str(venv.python), "-m", "pip", "install", "-v", "--no-index", "--no-cache-dir"]
    # With the bootstrap extra, for `info` below.
    wheels = ["--find-links", str(installer.wheelhouse)]
    command = _homeless([*pip, *wheels, f"{installer.sdist}[bootstrap]"], env)
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-4000:]
    assert "Could not determine home directory" not in out
    assert "Traceback" not in out
    if xdg:
        assert list((tmp_path / "xdg" / "cerebrium" / "archives").glob("sha256-*"))
    else:
        assert "no home directory to keep a cache in" in out
    assert venv.run("cerebrium", "version").stdout.strip() == f"cerebrium version {VERSION}"

    info = subprocess.run(
        _homeless([str(venv.python), "-m", "cerebrium_cli.bootstrap", "info"], env),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert info.returncode == 0, info.stderr
    assert "Traceback" not in info.stderr, info.stderr
    if xdg:
        assert f"cache: {tmp_path / 'xdg' / 'cerebrium'}" in info.stdout
    else:
        assert "cache: none (no home directory" in info.stdout


# --- relative path settings: the user's directory, not pip's -------------------------------


def _pip_from(
    work: Path, venv: Venv, sdist: Path, wheelhouse: Path, env: dict[str, str], *, pwd: bool = True
) -> subprocess.CompletedProcess[str]:
    """``cd work && pip install -v SDIST`` run by a real shell, which sets ``PWD`` as a user's
    does (``pwd=False``: the shell unsets it first)."""
    script = 'cd "$1" && { [ -n "$5" ] || unset PWD; } && exec "$2" -m pip install -v ' + (
        '--no-index --no-cache-dir --find-links "$3" "$4"'
    )
    pip_env = {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", **env}
    return subprocess.run(
        ["sh", "-c", script, "sh", str(work), str(venv.python), str(wheelhouse), str(sdist),
         "1" if pwd else ""],
        env=venv.environ(pip_env),
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip


@pytest.mark.parametrize("pwd", [True, False], ids=["shell", "no PWD"])
def test_relative_archive_and_cache_are_the_users_directory_under_pip(
    tmp_path: Path,
    fresh_venv: Callable[[], Venv],
    sdist: Path,
    wheelhouse: Path,
    release: Release,
    pwd: bool,
) -> None:
    # cd work && CEREBRIUM_OFFLINE=1 CEREBRIUM_ARCHIVE=dl/<archive> pip install SDIST: pip runs
    # the build in a temporary directory, and the paths are still the user's. Without PWD
    # (unset by the shell here), they are refused, asking for an absolute path.
    work = tmp_path / "work"
    (work / "dl").mkdir(parents=True)
    for name in (ARCHIVE, "checksums.txt"):
        shutil.copy(release.dir / name, work / "dl" / name)
    env = {
        "CEREBRIUM_OFFLINE": "1",
        "CEREBRIUM_ARCHIVE": f"dl/{ARCHIVE}",
        "CEREBRIUM_CACHE_DIR": "cache",
    }
    venv = fresh_venv()
    result = _pip_from(work, venv, sdist, wheelhouse, env, pwd=pwd)
    if pwd:
        _ok(venv, result)
        assert (work / "cache").is_dir()  # the relative cache is in the user's directory too
        return
    out = assert_not_installed(venv, result)
    assert f"CEREBRIUM_ARCHIVE='dl/{ARCHIVE}' is a relative path" in out
    assert "PWD, which names the directory the command was run from, is not set" in out
    assert f'An absolute path is needed: set CEREBRIUM_ARCHIVE="$PWD/dl/{ARCHIVE}"' in out
    assert sorted(p.name for p in work.iterdir()) == ["dl"]  # nothing was written


def test_a_relative_local_release_url_is_the_users_directory_under_pip(
    tmp_path: Path, fresh_venv: Callable[[], Venv], sdist: Path, wheelhouse: Path, release: Release
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    shutil.copytree(release.dir, work / "mirror")
    env = {
        "CEREBRIUM_OFFLINE": "1",
        "CEREBRIUM_RELEASE_URL": "mirror",
        "CEREBRIUM_CACHE_DIR": str(tmp_path / "cache"),
    }
    venv = fresh_venv()
    _ok(venv, _pip_from(work, venv, sdist, wheelhouse, env))
