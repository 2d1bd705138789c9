"""Windows for real: a Windows CPython 3.11 under Wine installs the wheel and builds the sdist.

Everything here runs ``python.exe`` and ``pip`` of a real Windows CPython under Wine
(``support/wine.py``): the platform wheel made by ``bootstrap wheels`` (the shim's Windows
branch, ``cerebrium.exe``, exit codes, arguments, standard streams, ``python -m``, uninstall),
and the sdist's build hook (HTTPS on loopback, a proxy, the default cache folder under
``%LOCALAPPDATA%``, offline installs, ``CEREBRIUM_ARCHIVE`` and mirror folders as Windows
paths, hostile zips, a failed and an interrupted build). The Windows test CLI is built with
Go 1.20 (support/wine.py says why). Every run is bounded in time; a crash ends at once, as
Wine's crash debugger cannot start.

On this machine kind (Linux with root, where ``nox -s tests`` installs Wine) these tests never
skip in CI: a missing Wine fails them when ``CI`` is set.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cerebrium_cli._prefetch import SELF_STOP
from conftest import VERSION

if TYPE_CHECKING:
    from support.installs import Tools
    from support.server import ReleaseServer
    from support.wine import Wine, WinVenv

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(sys.platform != "linux", reason="Wine")]

ARCHIVE = "cerebrium_cli_windows_amd64.zip"
INSTALL_TIMEOUT = 240  # seconds: a cold sdist install under Wine takes about 35
CHILD = "import _backend"  # in the prefetch child's command line (_prefetch._CHILD)


@pytest.fixture(scope="session")
def wine(wheelhouse: Path) -> Iterator[Wine]:
    from support.wine import prepare, wine_missing

    missing = wine_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI runs the Windows tests under Wine, and {missing}")
        pytest.skip(missing)
    prepared = prepare(wheelhouse)
    yield prepared
    prepared.stop_server()  # whatever a test left running in the prefix ends here


@pytest.fixture(scope="session")
def win_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from support.gocli import build_binaries
    from support.wine import GO_TOOLCHAIN

    target = ("windows", "amd64")
    out = tmp_path_factory.mktemp("go-windows")
    return build_binaries(out, VERSION, (target,), toolchain=GO_TOOLCHAIN)[target]


@pytest.fixture(scope="session")
def win_release(win_binary: Path, server_root: Path) -> Path:
    """A release of the Windows binary at ``<server>/windows/``: its zip and checksums.txt."""
    from support.release import make_release

    return make_release({("windows", "amd64"): win_binary}, VERSION, server_root / "windows").dir


@pytest.fixture(scope="session")
def win_wheel(tools: Tools, win_release: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``win_amd64`` wheel ``bootstrap wheels`` makes from that release."""
    venv, env = tools
    out = tmp_path_factory.mktemp("win-wheel")
    command = ["python", "-m", "cerebrium_cli.bootstrap", "wheels", "--from", str(win_release)]
    result = venv.run(*command, "--platform", "windows/amd64", "--out", str(out), env=env)
    assert result.returncode == 0, result.stderr
    (wheel,) = out.glob("*-win_amd64.whl")
    return wheel


@pytest.fixture
def marker() -> str:
    """An environment entry every process of one install inherits, to find them by."""
    return f"CEREBRIUM_TEST_RUN={uuid.uuid4().hex}"


def _env(marker: str, **more: str) -> dict[str, str]:
    name, _, value = marker.partition("=")
    return {name: value, **more}


def _online(marker: str, ca_file: Path, url: str, cache: Path) -> dict[str, str]:
    """An install's settings: the test CA, the release at ``url``, a cache of its own."""
    from support.wine import windows_path

    return _env(
        marker,
        SSL_CERT_FILE=windows_path(ca_file),
        CEREBRIUM_RELEASE_URL=url,
        CEREBRIUM_CACHE_DIR=windows_path(cache),
    )


def _sdist_install(
    wine: Wine, venv: WinVenv, sdist: Path, wheelhouse: Path, env: dict[str, str], **run: object
) -> subprocess.CompletedProcess[str]:
    from support.wine import windows_path

    index = ["--no-index", "--no-cache-dir", "--find-links", windows_path(wheelhouse)]
    return venv.pip(
        "install", "-v", *index, windows_path(sdist), env=env, timeout=INSTALL_TIMEOUT, **run
    )


def _output(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def _assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    """No abort, no crash, no traceback in what the install showed."""
    out = _output(result)
    for sign in ("Fatal Python error", "Unhandled exception", "starting debugger", "Traceback"):
        assert sign not in out, out[-4000:]


def _assert_installed(venv: WinVenv, result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, _output(result)[-4000:]
    _assert_clean(result)
    run = venv.wine.run(venv.script("cerebrium"), "version")
    assert (run.returncode, run.stdout.strip()) == (0, f"cerebrium version {VERSION}"), run.stderr


def _assert_not_installed(venv: WinVenv, result: subprocess.CompletedProcess[str]) -> str:
    out = _output(result)
    assert result.returncode != 0, out[-4000:]
    assert not venv.script("cerebrium").exists()
    assert not list(venv.site_packages.glob("cerebrium*"))
    for sign in ("Fatal Python error", "Unhandled exception", "starting debugger"):
        assert sign not in out, out[-4000:]
    return out


def _left_running(marker: str, within: float = 30) -> list[tuple[int, str]]:
    """The install's processes still running ``within`` seconds from now (Wine ends a process
    a moment after its parent sees it exit)."""
    from support.wine import processes

    deadline = time.monotonic() + within
    while (found := processes(marker)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


# --- the harness itself ---


_CRASH = """
import ctypes, time
kernel32 = ctypes.windll.kernel32
kernel32.CreateThread.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p,
                                  ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p]
kernel32.CreateThread.restype = ctypes.c_void_p
kernel32.CreateThread(None, 0, ctypes.c_void_p(16), None, 0, None)  # runs at address 16
time.sleep(60)
print("the crash was survived")
"""


def test_a_crash_under_wine_ends_at_once_without_a_debugger(wine: Wine) -> None:
    # An unhandled fault in a thread of no Python's: Wine would start winedbg and, on a pipe,
    # could hold the test until its timeout; the prefix names no debugger that can start.
    began = time.monotonic()
    result = wine.run(wine.python, "-c", _CRASH, timeout=60)
    assert time.monotonic() - began < 30
    assert result.returncode == 5, _output(result)  # Wine's status for an unhandled fault
    assert "the crash was survived" not in result.stdout
    assert "Register dump" not in result.stderr  # winedbg's report: it never ran


# --- the platform wheel ---


def test_the_wheel_installs_runs_and_uninstalls_under_windows_python(
    tmp_path: Path, wine: Wine, win_wheel: Path
) -> None:
    from support.wine import windows_path

    venv = wine.venv(tmp_path / "venv")
    result = venv.pip("install", "--no-index", "--no-deps", windows_path(win_wheel))
    assert result.returncode == 0, _output(result)
    exe = venv.script("cerebrium")
    assert exe.is_file()  # the console script, pip's .exe launcher
    binary = venv.site_packages / "cerebrium_cli" / "bin" / "cerebrium.exe"
    assert binary.is_file()

    version = wine.run(exe, "version")
    assert (version.returncode, version.stdout) == (0, f"cerebrium version {VERSION}\n")
    assert wine.run(exe, "exit", "7").returncode == 7  # passed on by the shim's child branch
    assert wine.run(exe, "exit", "0").returncode == 0
    arguments = ["a b", 'c"d', "e\\f", "\u00e9", "", "x\\\\"]
    passed = wine.run(exe, "args", *arguments)
    assert passed.returncode == 0, passed.stderr
    assert json.loads(passed.stdout) == arguments
    data = b"line one\nzwei\r\n\x00\xff drei\n" * 1000
    echoed = subprocess.run(  # bytes through both pipes: Wine.run decodes
        ["wine", str(exe), "cat"],
        input=data,
        capture_output=True,
        env=wine.environ(),
        timeout=60,
    )
    assert (echoed.returncode, echoed.stdout) == (0, data)
    module = wine.run(venv.python, "-m", "cerebrium_cli", "version")
    assert (module.returncode, module.stdout.strip()) == (0, f"cerebrium version {VERSION}")

    removed = venv.pip("uninstall", "-y", "cerebrium")
    assert removed.returncode == 0, _output(removed)
    assert not exe.exists()
    assert not list(venv.site_packages.glob("cerebrium*"))  # the package, bin\ and .dist-info


# --- the sdist's build hook under Windows ---


def _default_cache(wine: Wine) -> Path:
    return wine.local_app_data / "cerebrium" / "Cache"


def test_the_sdist_builds_over_https_through_a_proxy_then_offline_from_the_default_cache(
    tmp_path: Path,
    wine: Wine,
    sdist: Path,
    wheelhouse: Path,
    server: ReleaseServer,
    win_release: Path,
    ca_file: Path,
    marker: str,
) -> None:
    from support.proxy import ConnectProxy
    from support.wine import windows_path

    shutil.rmtree(wine.local_app_data / "cerebrium", ignore_errors=True)
    temp_before = set(wine.temp.iterdir())
    url = f"{server.url}/windows/"
    settings = {"SSL_CERT_FILE": windows_path(ca_file), "CEREBRIUM_RELEASE_URL": url}
    before = len(server.requests)
    with ConnectProxy() as proxy:
        env = _env(marker, HTTPS_PROXY=proxy.url, **settings)
        venv = wine.venv(tmp_path / "online")
        result = _sdist_install(wine, venv, sdist, wheelhouse, env)  # standard input: NUL
        _assert_installed(venv, result)
    assert proxy.connects == [server.url.removeprefix("https://")]
    assert [r.path for r in server.requests[before:]] == [
        "/windows/checksums.txt",
        f"/windows/{ARCHIVE}",
    ]
    assert "sha256 verified" in _output(result)  # the build's own lines are shown
    assert len(list((_default_cache(wine) / "archives").glob("sha256-*"))) == 1
    assert _left_running(marker) == []
    assert set(wine.temp.iterdir()) == temp_before  # pip's and the build's folders are gone

    before = len(server.requests)
    offline = wine.venv(tmp_path / "offline")
    env = _env(marker, CEREBRIUM_OFFLINE="1", **settings)
    result = _sdist_install(wine, offline, sdist, wheelhouse, env, keep_stdin_open=True)
    _assert_installed(offline, result)
    assert server.requests[before:] == []
    assert f"using the cached {ARCHIVE}" in _output(result)
    assert _left_running(marker) == []
    shutil.rmtree(wine.local_app_data / "cerebrium")


@pytest.mark.parametrize("where", ["C:", "Z:", "mirror-C:"])
def test_the_sdist_installs_offline_from_a_windows_path(
    tmp_path: Path,
    wine: Wine,
    sdist: Path,
    wheelhouse: Path,
    win_release: Path,
    marker: str,
    where: str,
) -> None:
    from support.wine import windows_path

    # C: is the prefix's drive_c, Z: the Linux root; checksums.txt lies beside the archive.
    on_c = f"C:\\cerebrium-test-{uuid.uuid4().hex[:8]}"
    if where in ("C:", "mirror-C:"):
        shutil.copytree(win_release, wine.unix_path(on_c))
    if where == "C:":
        setting = {"CEREBRIUM_ARCHIVE": f"{on_c}\\{ARCHIVE}"}
    elif where == "Z:":
        setting = {"CEREBRIUM_ARCHIVE": windows_path(win_release / ARCHIVE)}
    else:
        setting = {"CEREBRIUM_RELEASE_URL": on_c}  # a mirror folder: bootstrap mirror's layout
    cache = windows_path(tmp_path / "cache")
    env = _env(marker, CEREBRIUM_OFFLINE="1", CEREBRIUM_CACHE_DIR=cache, **setting)
    venv = wine.venv(tmp_path / "venv")
    try:
        result = _sdist_install(wine, venv, sdist, wheelhouse, env)
    finally:
        shutil.rmtree(wine.unix_path(on_c), ignore_errors=True)
    _assert_installed(venv, result)
    installed = venv.site_packages / "cerebrium_cli" / "bin" / "cerebrium.exe"
    with zipfile.ZipFile(win_release / ARCHIVE) as archive:
        assert installed.read_bytes() == archive.read("cerebrium.exe")
    assert _left_running(marker) == []


def test_a_relative_archive_setting_is_refused_with_a_windows_remedy(
    tmp_path: Path, wine: Wine, sdist: Path, wheelhouse: Path, win_release: Path, marker: str
) -> None:
    # pip builds in a folder of its own, and Windows' shells set no PWD to say where pip was
    # run from: the path is refused, with the remedy in cmd's and PowerShell's words.
    relative = f"{win_release.name}\\{ARCHIVE}"
    from support.wine import windows_path

    cache = windows_path(tmp_path / "cache")
    env = _env(marker, CEREBRIUM_OFFLINE="1", CEREBRIUM_CACHE_DIR=cache, CEREBRIUM_ARCHIVE=relative)
    venv = wine.venv(tmp_path / "venv")
    result = _sdist_install(wine, venv, sdist, wheelhouse, env, cwd=win_release.parent)
    out = _assert_not_installed(venv, result)
    assert f"error: CEREBRIUM_ARCHIVE={relative!r} is a relative path" in out
    assert f"in cmd, set CEREBRIUM_ARCHIVE=%CD%\\{relative};" in out
    assert f'in PowerShell, $env:CEREBRIUM_ARCHIVE = "$PWD\\{relative}"' in out
    assert "Traceback" not in out
    assert _left_running(marker) == []


# --- hostile archives, failed and interrupted builds ---


def _hostile_zip(dest: Path, evil: str, payload: bytes) -> Path:
    """A release folder whose zip holds ``evil`` before the binary, listed in checksums.txt."""
    from support.release import write_checksums

    dest.mkdir(parents=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(zipfile.ZipInfo(evil), payload)  # the name as given: ZipInfo keeps "\\"
        zf.writestr("cerebrium.exe", payload)
    (dest / ARCHIVE).write_bytes(buffer.getvalue())
    write_checksums([dest / ARCHIVE], dest / "checksums.txt")
    return dest


def _evil_names(target: Path) -> dict[str, str]:
    """Member names that would land on ``target`` (a Linux path, ``Z:`` under Wine)."""
    from support.wine import windows_path

    win = windows_path(target)  # Z:\...\outside\evil.exe
    return {
        "backslash-dotdot": "..\\" * 12 + win[3:],
        "drive-letter": win,
        "drive-relative": "Z:" + win[3:].replace("\\", "/"),
        "slash-dotdot": "../" * 12 + win[3:].replace("\\", "/"),
    }


@pytest.mark.parametrize(
    "case", ["backslash-dotdot", "drive-letter", "drive-relative", "slash-dotdot"]
)
def test_bootstrap_fetch_refuses_a_hostile_zip_and_writes_nothing(
    tmp_path: Path, wine: Wine, win_wheel: Path, wheelhouse: Path, case: str
) -> None:
    # The extractor under Windows Python, where "\\" and "C:" mean what they say; the same
    # code runs in the build hook, which the next test drives through pip.
    from support.wine import windows_path

    target = tmp_path / "outside" / "evil.exe"
    target.parent.mkdir()
    release = _hostile_zip(tmp_path / "release", _evil_names(target)[case], b"MZ pwned")
    venv = wine.venv(tmp_path / "venv")
    # The wheel and packaging, all a fetch from a folder imports (no httpx, PyYAML, ...).
    (packaging,) = wheelhouse.glob("packaging-*.whl")
    wheels = [windows_path(win_wheel), windows_path(packaging)]
    assert venv.pip("install", "--no-index", "--no-deps", *wheels).returncode == 0
    dest = tmp_path / "dest"
    env = {"CEREBRIUM_RELEASE_URL": windows_path(release),
           "CEREBRIUM_CACHE_DIR": windows_path(tmp_path / "cache")}  # fmt: skip
    command = ["-m", "cerebrium_cli.bootstrap", "fetch", "--dest", windows_path(dest)]
    result = wine.run(venv.python, *command, env=env)
    out = _output(result)
    assert result.returncode != 0, out
    assert "refusing the archive as unsafe" in out
    assert "Traceback" not in out
    assert list(target.parent.iterdir()) == []
    assert not dest.exists() or list(dest.iterdir()) == []


def test_a_failed_sdist_build_on_a_hostile_zip_leaves_nothing_behind(
    tmp_path: Path,
    wine: Wine,
    sdist: Path,
    wheelhouse: Path,
    server: ReleaseServer,
    server_root: Path,
    ca_file: Path,
    marker: str,
) -> None:

    target = tmp_path / "outside" / "evil.exe"
    target.parent.mkdir()
    name = f"hostile-{uuid.uuid4().hex[:8]}"
    _hostile_zip(server_root / name, _evil_names(target)["drive-letter"], b"MZ pwned")
    temp_before = set(wine.temp.iterdir())
    env = _online(marker, ca_file, f"{server.url}/{name}/", tmp_path / "cache")
    venv = wine.venv(tmp_path / "venv")
    result = _sdist_install(wine, venv, sdist, wheelhouse, env, keep_stdin_open=True)
    out = _assert_not_installed(venv, result)
    assert "refusing the archive as unsafe" in out
    assert list(target.parent.iterdir()) == []
    assert _left_running(marker) == []
    assert set(wine.temp.iterdir()) == temp_before


def test_a_build_killed_mid_download_leaves_no_child_and_no_temporary_folder(
    tmp_path: Path,
    wine: Wine,
    sdist: Path,
    wheelhouse: Path,
    server: ReleaseServer,
    server_root: Path,
    win_release: Path,
    ca_file: Path,
    marker: str,
) -> None:
    # The build process dies while its prefetch child waits on a stalled download: the child's
    # input ends, and it must end too, on Windows where a blocked read is not interrupted, so
    # that pip can remove its build folder (Windows refuses to remove what a process holds).
    from support.wine import processes, windows_path

    name = f"stalled-{uuid.uuid4().hex[:8]}"
    shutil.copytree(win_release, server_root / name)
    unblock = threading.Event()
    server.stall(f"/{name}/{ARCHIVE}", after=1000, release=unblock)
    temp_before = set(wine.temp.iterdir())
    env = _online(marker, ca_file, f"{server.url}/{name}/", tmp_path / "cache")
    venv = wine.venv(tmp_path / "venv")
    index = ["--no-index", "--no-cache-dir", "--find-links", windows_path(wheelhouse)]
    wine.start_server()
    pip = subprocess.Popen(
        ["wine", str(venv.python), "-m", "pip", "install", *index, windows_path(sdist)],
        env=wine.environ(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + INSTALL_TIMEOUT
        while not any(r.path == f"/{name}/{ARCHIVE}" for r in server.requests):
            assert pip.poll() is None, "pip ended before the download began"
            assert time.monotonic() < deadline, "the build never asked for the archive"
            time.sleep(0.2)
        running = processes(marker)
        children = [pid for pid, command in running if CHILD in command]
        assert children, running  # the prefetch child is the one downloading
        # The build: pip's hook runner (the venv's python.exe and the base one it starts),
        # which the child's input pipe comes from.
        builds = [pid for pid, command in running if "_in_process" in command]
        assert builds, running
        for pid in builds:
            os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        # pip reads the build's output to its end, and the child holds it open: pip ends when
        # the child does. Unstopped, it would wait for the read timeout (30 s, or never on a
        # trickle).
        out, _ = pip.communicate(timeout=INSTALL_TIMEOUT)
        ended = time.monotonic() - killed
    finally:
        if pip.poll() is None:
            os.killpg(pip.pid, signal.SIGKILL)
        # SELF_STOP, and Wine's few seconds to end a process: well before any read timeout.
        left = _left_running(marker, within=SELF_STOP + 10)
        unblock.set()
    assert pip.returncode != 0
    assert ended < SELF_STOP + 10, ended
    assert b"Fatal Python error" not in out
    assert left == []  # the child ended without the build to stop or kill it
    assert set(wine.temp.iterdir()) == temp_before, out.decode(errors="replace")[-3000:]
    assert list((tmp_path / "cache" / "archives").glob("sha256-*")) == []
