"""A real Windows CPython under Wine, for the Windows end-to-end tests (tests/test_windows_e2e.py).

``prepare()`` makes, once, and keeps in the user cache (``$XDG_CACHE_HOME/cerebrium-tests/wine``,
as ``support/gotools.py`` keeps the Go tools):

- a Wine prefix (``wineboot``) whose crash debugger cannot start: ``AeDebug\\Debugger`` names a
  program that does not exist, with ``Auto=1`` so no dialog is asked for, and Wine ends a faulting
  process at once (exit status 5) instead of holding it under ``winedbg``, which would keep the
  test waiting;
- Windows CPython 3.11.11, from the Go module proxy: ``github.com/kluctl/go-embed-python``
  carries it in ``python/internal/data/windows-amd64/``, each file gzip-compressed and listed in
  ``files.json``;
- a venv of it with pip, installed from pip's own wheel (the wheelhouse's), as the Python has
  none: each test copies this venv.

Every run is bounded in time and killed with its whole process group when over; standard input
is ``NUL`` (``/dev/null``), data, or a pipe left open, and output goes through pipes: CPython
under Wine cannot set up its standard streams on a regular file. A persistent ``wineserver``
with no standard streams of ours is started first, or the one ``wine`` starts would hold the
output pipes open for its 3 s of idle life, and each run would wait for it.

Wine 8 cannot run a Go binary built by Go 1.21 or newer (it needs ``bcryptprimitives.dll``), so
the Windows test CLI is built with :data:`GO_TOOLCHAIN` (``gocli.build_binaries`` fetches it from
the module proxy once).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

if __package__ in (None, ""):  # run as a script: python tests/support/wine.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from support.gocli import go_env

__all__ = [
    "GO_TOOLCHAIN",
    "PYTHON_MODULE",
    "WinVenv",
    "Wine",
    "prepare",
    "processes",
    "windows_path",
    "wine_missing",
]

PYTHON_MODULE = "github.com/kluctl/go-embed-python@v0.0.0-3.11.11-20241219-1"
PYTHON_DATA = "python/internal/data/windows-amd64"
GO_TOOLCHAIN = "go1.20.14"  # the newest Go whose Windows binaries run under Wine 8
AEDEBUG = r"HKLM\Software\Microsoft\Windows NT\CurrentVersion\AeDebug"
NO_DEBUGGER = "no-crash-debugger.exe %ld %ld"  # CreateProcess fails: the faulting process ends
# Settings of the host that would change what pip, the build or Python do under test.
HOST_SETTINGS = ("PIP_", "UV_", "CEREBRIUM_", "PYTHON", "VIRTUAL_ENV")
PROXIES = ("https_proxy", "http_proxy", "all_proxy", "no_proxy")


def _root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cerebrium-tests" / "wine"


def wine_missing() -> str | None:
    """Why Wine cannot run here (a sentence with the remedy), or None when it can."""
    if sys.platform != "linux":
        return "the Windows tests run Windows CPython under Wine, on Linux"
    if shutil.which("wine") is None or shutil.which("wineserver") is None:
        return "Wine is not installed: apt-get install wine64 (nox -s tests installs it as root)"
    return None


def windows_path(path: Path | str) -> str:
    """The Windows name of a Linux path under Wine: drive ``Z:`` is ``/``."""
    return "Z:" + str(Path(path).absolute()).replace("/", "\\")


@dataclass(frozen=True)
class Wine:
    """A prepared prefix, Windows CPython and a venv template with pip."""

    prefix: Path
    python: Path  # the base interpreter, python.exe
    template: Path  # a venv with pip, copied by each test

    def unix_path(self, windows: str) -> Path:
        """The Linux path of a Windows path in this prefix (``C:`` or ``Z:``)."""
        path = PureWindowsPath(windows)
        drive = path.drive.upper()
        if drive == "Z:":
            return Path("/", *path.parts[1:])
        if drive == "C:":
            return Path(self.prefix, "drive_c", *path.parts[1:])
        raise ValueError(f"no Linux path for {windows!r}: only C: and Z: are mapped")

    @property
    def profile(self) -> Path:
        """The Windows user's profile folder (``%USERPROFILE%``), as a Linux path."""
        (profile,) = [
            p for p in (self.prefix / "drive_c" / "users").iterdir() if p.name != "Public"
        ]
        return profile

    @property
    def local_app_data(self) -> Path:
        """``%LOCALAPPDATA%``: Wine sets it from the prefix, whatever the environment says."""
        return self.profile / "AppData" / "Local"

    @property
    def temp(self) -> Path:
        """``%TEMP%``, where pip makes its build folders."""
        return self.profile / "Temp"

    def environ(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """The host's environment without its pip, uv, Python and proxy settings, for Wine."""
        kept = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(HOST_SETTINGS) and k.lower() not in PROXIES
        }
        return {
            **kept,
            "WINEPREFIX": str(self.prefix),
            "WINEDEBUG": "-all",
            "WINEDLLOVERRIDES": "mscoree,mshtml=",  # no Mono or Gecko installer, ever
            "PIP_CONFIG_FILE": "NUL",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1",
            "PYTHONUTF8": "1",
            **(env or {}),
        }

    def run(
        self,
        *args: str | os.PathLike[str],
        env: Mapping[str, str] | None = None,
        timeout: float = 120,
        stdin: bytes | None = None,
        keep_stdin_open: bool = False,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a Windows program (``args[0]``, a Linux path or a name) under Wine.

        Standard input is ``stdin`` (then closed), or a pipe left open until the program ends
        (``keep_stdin_open``), or ``NUL``. Raises :class:`subprocess.TimeoutExpired` after
        ``timeout`` seconds, the program and all it started having been killed.
        """
        self.start_server()
        command = ["wine", *(str(a) for a in args)]
        process = subprocess.Popen(
            command,
            env=self.environ(env),
            cwd=cwd,
            stdin=subprocess.PIPE if stdin is not None or keep_stdin_open else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: killed whole when over time
        )
        try:
            if keep_stdin_open:
                stdout, stderr = _communicate_keeping_stdin_open(process, timeout)
            else:
                stdout, stderr = process.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            _kill_group(process)
            stdout, stderr = process.communicate()
            raise subprocess.TimeoutExpired(command, timeout, stdout, stderr) from exc
        finally:
            if process.poll() is None:
                _kill_group(process)
        return subprocess.CompletedProcess(
            command, process.returncode, _text(stdout), _text(stderr)
        )

    def start_server(self) -> None:
        """A persistent wineserver (60 s past its last client) and Wine's services, started
        with no stream of ours: the services the first program of a new server starts
        (services.exe, rpcss.exe, ...) would inherit its output pipes and hold them open."""
        if self._quietly(["wineserver", "-p60"], 30) == 0:  # a new one (2: one runs already)
            self._quietly(["wineboot"], 120)

    def _quietly(self, command: list[str], timeout: float) -> int:
        quiet = subprocess.DEVNULL
        return subprocess.run(
            command, env=self.environ(), stdin=quiet, stdout=quiet, stderr=quiet, timeout=timeout
        ).returncode

    def stop_server(self) -> None:
        """End every process of the prefix and its wineserver."""
        subprocess.run(["wineserver", "-k"], env=self.environ(), capture_output=True, timeout=60)

    def venv(self, dest: Path) -> WinVenv:
        """A fresh venv with pip at ``dest``: a copy of the template."""
        shutil.copytree(self.template, dest, symlinks=True)
        return WinVenv(self, dest)


@dataclass(frozen=True)
class WinVenv:
    """A Windows venv under Wine; ``path`` is its Linux path."""

    wine: Wine
    path: Path

    @property
    def python(self) -> Path:
        return self.path / "Scripts" / "python.exe"

    def script(self, name: str) -> Path:
        return self.path / "Scripts" / f"{name}.exe"

    @property
    def site_packages(self) -> Path:
        return self.path / "Lib" / "site-packages"

    def pip(self, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
        """``python.exe -m pip ARGS`` (with :meth:`Wine.run`'s keyword arguments)."""
        return self.wine.run(self.python, "-m", "pip", *args, **kwargs)  # type: ignore[arg-type]


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", "replace")


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _communicate_keeping_stdin_open(
    process: subprocess.Popen[bytes], timeout: float
) -> tuple[bytes, bytes]:
    """Read the output to its end while standard input stays open; close it afterwards."""
    assert process.stdin is not None
    try:
        process.stdin.flush()
        # communicate() with no input would close stdin at once: read the pipes ourselves.
        out: dict[str, bytes] = {}

        def read(name: str, stream: object) -> None:
            out[name] = stream.read()  # type: ignore[attr-defined]

        readers = [
            threading.Thread(target=read, args=("out", process.stdout), daemon=True),
            threading.Thread(target=read, args=("err", process.stderr), daemon=True),
        ]
        for reader in readers:
            reader.start()
        process.wait(timeout=timeout)
        for reader in readers:
            reader.join(timeout=30)
        return out.get("out", b""), out.get("err", b"")
    finally:
        process.stdin.close()


def processes(marker: str) -> list[tuple[int, str]]:
    """The processes (pid, command line) whose environment holds ``marker``: a test sets it
    in an install's environment, and every Windows process started from it inherits it."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in environ.split(b"\0"):
            found.append((int(entry.name), cmdline.replace(b"\0", b" ").decode("utf-8", "replace")))
    return found


# --- preparing it all, once ---


def _run(command: Sequence[str], env: Mapping[str, str], timeout: float, what: str) -> str:
    try:
        result = subprocess.run(
            command,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"{what} took over {timeout} s: {' '.join(command)}") from exc
    if result.returncode != 0:
        raise RuntimeError(
            f"{what} failed ({result.returncode}): {' '.join(command)}\n"
            f"{result.stdout[-2000:]}{result.stderr[-4000:]}"
        )
    return result.stdout


def _python_source() -> Path:
    """go-embed-python's Windows data folder, downloaded by the Go module proxy once."""
    env = {**go_env(), "GOPROXY": "https://proxy.golang.org", "GOFLAGS": "-mod=mod"}
    out = _run(["go", "mod", "download", "-json", PYTHON_MODULE], env, 600, "go mod download")
    return Path(json.loads(out)["Dir"]) / PYTHON_DATA


def _unpack_python(source: Path, dest: Path) -> None:
    """Lay out the files ``files.json`` lists, ungzipping those marked compressed."""
    listing = json.loads((source / "files.json").read_text())["files"]
    for entry in listing:
        target = dest / entry["name"]
        if entry["perm"] & 0x80000000:  # Go's fs.ModeDir
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if entry.get("compressed"):
            with gzip.open(source / f"{entry['name']}.gz") as packed, target.open("wb") as out:
                shutil.copyfileobj(packed, out)
        else:
            shutil.copyfile(source / entry["name"], target)


def prepare(wheelhouse: Path) -> Wine:
    """The prepared Wine, made now unless the cache holds it. Raises RuntimeError."""
    missing = wine_missing()
    if missing:
        raise RuntimeError(missing)
    root = _root() / "python-3.11.11"
    wine = Wine(root / "prefix", root / "python" / "python.exe", root / "venv")
    if (root / "ready").is_file():
        return wine
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    env = wine.environ()
    _run(["wineboot", "--init"], env, 600, "wineboot")
    _run(["wineserver", "-w"], env, 120, "wineserver -w")  # the prefix is written out
    wine.start_server()
    reg = ["wine", "reg", "add", AEDEBUG, "/f", "/v"]
    _run([*reg, "Debugger", "/t", "REG_SZ", "/d", NO_DEBUGGER], env, 120, "reg add")
    _run([*reg, "Auto", "/t", "REG_SZ", "/d", "1"], env, 120, "reg add")
    _unpack_python(_python_source(), wine.python.parent)
    venv_command = [str(wine.python), "-m", "venv", "--without-pip", windows_path(wine.template)]
    _run(["wine", *venv_command], env, 300, "python -m venv")
    (pip_wheel,) = sorted(wheelhouse.glob("pip-*.whl"))[-1:]  # pip installs itself from it
    pip = ["-m", "pip", "install", "--no-index", windows_path(pip_wheel)]
    install_env = {**env, "PYTHONPATH": windows_path(pip_wheel)}
    _run(["wine", str(wine.template / "Scripts" / "python.exe"), *pip], install_env, 600, "pip")
    (root / "ready").write_text(f"{PYTHON_MODULE}\n{pip_wheel.name}\n")
    return wine


def _timed(step: str, seconds: float) -> None:
    print(f"wine: {step} ready in {seconds:.1f} s", file=sys.stderr)


def main(argv: Sequence[str]) -> int:
    """``python tests/support/wine.py WHEELHOUSE``: prepare everything (nox's tests session)."""
    began = time.monotonic()
    wine = prepare(Path(argv[0]))
    _timed(str(wine.prefix.parent), time.monotonic() - began)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
