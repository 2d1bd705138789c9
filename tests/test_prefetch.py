"""The build hook's prefetch: a real child process's result, or error, taken into the build."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cerebrium_cli import _prefetch, errors
from cerebrium_cli.description import load_release
from cerebrium_cli.evidence import Recorded
from cerebrium_cli.platforms import current_target
from cerebrium_cli.release import Release
from conftest import VERSION
from support.release import archive_name, make_archive, write_checksums

if TYPE_CHECKING:
    from support.release import Release as PublishedRelease
    from support.server import ReleaseServer
    from support.venvs import Venv

ROOT = Path(__file__).resolve().parent.parent
WRAPPER = ROOT / "wrapper"
BINARY = b"\x7fELF the prefetched binary\n" * 64

# A stand-in for the child: stages the files named in argv[2] (JSON {relative path: mode}) in
# the staging folder (argv[1]), prints argv[3] as its whole output and exits with argv[4].
_REPORTER = """
import json, sys
from pathlib import Path
staging = Path(sys.argv[1])
for name, mode in json.loads(sys.argv[2]).items():
    path = staging / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"staged " + name.encode())
    path.chmod(mode)
sys.stdout.write(sys.argv[3])
sys.exit(int(sys.argv[4]))
"""

# A child that waits for its stop, as the real one does: the end of its standard input.
_SLEEPER = "import sys; sys.stdin.read()"
# A child deaf to the stop, for close() to kill once the grace period is over.
_DEAF = "import time; time.sleep(60)"

# The real main() in a child (argv[1] its staging folder), the package loaded as conftest loads
# it (argv[2] is wrapper/), with a scratch folder (argv[3]); what follows replaces its fetch.
_REAL_MAIN = """
import importlib.util, sys, time
from pathlib import Path
staging, wrapper, scratch = sys.argv[1:4]
spec = importlib.util.spec_from_file_location(
    "cerebrium_cli", Path(wrapper, "__init__.py"), submodule_search_locations=[wrapper]
)
module = importlib.util.module_from_spec(spec)
sys.modules["cerebrium_cli"] = module
spec.loader.exec_module(module)
from cerebrium_cli import _prefetch
"""

# ... a fetch that blocks, holding a temporary file (argv[3]/partial) only its finally removes.
_BLOCKED_MAIN = (
    _REAL_MAIN
    + """

def fetch_into(release, bin_dir):
    partial = Path(scratch, "partial")
    partial.write_bytes(b"half a binary")
    try:
        time.sleep(60)
    finally:
        partial.unlink()
    raise AssertionError("the fetch was not stopped")

_prefetch.fetch_into = fetch_into
sys.exit(_prefetch.main(staging))
"""
)

# ... a fetch the stop cannot reach (as a socket read on Windows, which no interrupt ends): it
# swallows the SystemExit of the stop and goes on waiting.
_UNREACHABLE_MAIN = (
    _REAL_MAIN
    + """
import tempfile

def fetch_into(release, bin_dir):
    work = tempfile.mkdtemp(prefix="work-")  # as fetch.verified_archive makes its own
    Path(scratch, "began").write_text(work)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            time.sleep(deadline - time.monotonic())
        except BaseException:
            pass
    raise AssertionError("the child was not ended")

_prefetch.fetch_into = fetch_into
_prefetch.SELF_STOP = 0.5
sys.exit(_prefetch.main(staging))
"""
)

# _backend.build_wheel in a fresh interpreter (pytest has imported setuptools already), with
# begin() replaced: it records whether setuptools was imported by then and, per argv[3], stops
# the build ("stop-at-begin") or leaves a real sleeping child for end() to stop, and the build
# then fails ("requirements-fail": the second requirements check; "setuptools-fails": its
# import). Prints what it saw, as JSON.
_BUILD_WHEEL = """
import importlib, json, subprocess, sys
from pathlib import Path
wrapper, wheel_dir, mode, staging = sys.argv[1:5]
sys.path.insert(0, wrapper)
import _backend
prefetch = importlib.import_module(_backend.import_wrapper().__name__ + "._prefetch")
seen = {"setuptools_at_begin": None, "ended": 0, "raised": None, "child_status": None}
children = []

class Sentinel(Exception):
    pass

def begin(package_source, build_base=Path("build")):
    seen["setuptools_at_begin"] = "setuptools" in sys.modules
    seen["package_source"] = str(package_source)
    if mode == "stop-at-begin":
        raise Sentinel
    if mode == "setuptools-fails":
        sys.modules["setuptools"] = None  # from here on, importing it fails
    Path(staging).mkdir()
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    children.append(child)
    prefetch._started.append(prefetch.Prefetch(child, Path(staging)))

real_end = prefetch.end

def end():
    seen["ended"] += 1
    real_end()

def refuse(which):
    raise SystemExit("error: refused after begin")

prefetch.begin, prefetch.end = begin, end
if mode == "requirements-fail":
    _backend._requirements = refuse
try:
    _backend.build_wheel(wheel_dir)
except BaseException as exc:
    seen["raised"] = type(exc).__name__ + ": " + str(exc)
if children:
    seen["child_status"] = children[0].poll()
    children[0].kill()  # had end() not stopped it
print(json.dumps(seen))
"""


_spawned: list[subprocess.Popen[str]] = []  # the children tests start, killed after each test


@pytest.fixture(autouse=True)
def _nothing_left_started() -> Iterator[None]:
    """Each test starts and ends with no prefetch pending (the module keeps them globally) and
    no child of its own running, whether it passed or not."""
    _prefetch.end()
    yield
    _prefetch.end()
    while _spawned:
        process = _spawned.pop()
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _child(tmp_path: Path, program: str, *args: str) -> _prefetch.Prefetch:
    """``program`` run as the child, its staging folder (argv[1]) under ``tmp_path/build``."""
    staging = tmp_path / "build" / "prefetch-test"
    staging.mkdir(parents=True)
    process = subprocess.Popen(
        [sys.executable, "-c", program, str(staging), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    _spawned.append(process)
    return _prefetch.Prefetch(process, staging)


def _reporter(
    tmp_path: Path, output: str, *, stage: dict[str, int] | None = None, status: int = 0
) -> _prefetch.Prefetch:
    return _child(tmp_path, _REPORTER, json.dumps(stage or {}), output, str(status))


def _record_fetches(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Release, Path]]:
    """Replace the in-process fetch with one that records its calls and stages a file."""
    calls: list[tuple[Release, Path]] = []

    def fetch_into(release: Release, bin_dir: Path) -> Recorded:
        calls.append((release, bin_dir))
        bin_dir.mkdir(parents=True, exist_ok=True)
        (bin_dir / "in-process").write_bytes(b"fetched here")
        return Recorded(bin_dir / "in-process", {})

    monkeypatch.setattr(_prefetch, "fetch_into", fetch_into)
    return calls


def _no_fetch_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def fetch_into(release: Release, bin_dir: Path) -> Recorded:
        raise AssertionError("fetched in the build process, not by the child")

    monkeypatch.setattr(_prefetch, "fetch_into", fetch_into)


# --- take(): the child's result ---


def test_take_moves_the_staged_binary_into_a_new_bin_dir_keeping_its_mode(
    tmp_path: Path,
) -> None:
    prefetch = _reporter(tmp_path, json.dumps({"binary": "cerebrium"}), stage={"cerebrium": 0o751})
    bin_dir = tmp_path / "lib" / "cerebrium_cli" / "bin"
    binary = prefetch.take(bin_dir).binary
    assert binary == bin_dir / "cerebrium"
    assert binary.read_bytes() == b"staged cerebrium"
    assert stat.S_IMODE(binary.stat().st_mode) == 0o751
    staging = tmp_path / "build" / "prefetch-test"
    assert staging.is_dir()
    assert not (staging / "cerebrium").exists()  # moved, not copied
    prefetch.close()
    assert not staging.exists()
    assert binary.is_file()  # close() removes the staging folder, not what was taken from it


def test_take_returns_at_the_result_line_without_waiting_for_the_child_to_exit(
    tmp_path: Path,
) -> None:
    # The child's interpreter shutdown is not the build's to wait for: close() ends it.
    program = (
        "import sys, time; from pathlib import Path\n"
        "Path(sys.argv[1], 'cerebrium').write_bytes(b'done')\n"
        'print(\'{"binary": "cerebrium"}\', flush=True)\n'
        "sys.stdin.read()\n"
    )
    prefetch = _child(tmp_path, program)
    began = time.monotonic()
    binary = prefetch.take(tmp_path / "bin").binary
    assert time.monotonic() - began < 30
    assert binary.read_bytes() == b"done"
    assert prefetch._process.poll() is None  # still "shutting down"
    prefetch.close()
    assert prefetch._process.poll() is not None
    assert not (tmp_path / "build" / "prefetch-test").exists()


@pytest.mark.parametrize(
    "kind",
    [
        errors.ChecksumMismatchError,
        errors.OfflineError,
        errors.DownloadError,
        errors.TemplateError,
        errors.BootstrapError,
    ],
)
def test_take_raises_the_childs_error_as_its_class_with_its_message(
    tmp_path: Path, kind: type[errors.BootstrapError]
) -> None:
    message = "cerebrium_cli_linux_amd64.tar.gz does not match.\n  Expected: 'ab\u00e9'\nTry again."
    prefetch = _reporter(
        tmp_path, json.dumps({"error": kind.__name__, "message": message}), status=1
    )
    bin_dir = tmp_path / "bin"
    with pytest.raises(errors.BootstrapError) as info:
        prefetch.take(bin_dir)
    assert type(info.value) is kind
    assert str(info.value) == message
    assert info.value.__cause__ is None
    assert info.value.__context__ is None  # nothing chained behind it: a JSON error, say
    assert not bin_dir.exists()


def test_take_raises_the_childs_error_with_the_facts_it_carried(tmp_path: Path) -> None:
    sent = errors.NotListedError(asset="a.tar.gz", checksums="checksums.txt", listed=["b", "c"])
    result = {"error": "NotListedError", "message": str(sent), "facts": _prefetch._facts(sent)}
    prefetch = _reporter(tmp_path, json.dumps(result), status=1)
    with pytest.raises(errors.NotListedError) as info:
        prefetch.take(tmp_path / "bin")
    assert (info.value.asset, info.value.checksums) == ("a.tar.gz", "checksums.txt")
    assert info.value.listed == ("b", "c")
    assert str(info.value) == str(sent)


def test_facts_a_class_does_not_take_leave_its_message(tmp_path: Path) -> None:
    result = {"error": "ConfigError", "message": "bad", "facts": {"field": "x"}}
    prefetch = _reporter(tmp_path, json.dumps(result), status=1)
    with pytest.raises(errors.ConfigError, match=r"^bad$"):
        prefetch.take(tmp_path / "bin")


@pytest.mark.parametrize(
    "name", ["SystemExit", "OSError", "KeyboardInterrupt", "NoSuchError", "annotations", "json"]
)
def test_an_error_name_outside_the_packages_tree_becomes_bootstrap_error(
    tmp_path: Path, name: str
) -> None:
    prefetch = _reporter(tmp_path, json.dumps({"error": name, "message": "it failed"}), status=1)
    with pytest.raises(errors.BootstrapError) as info:
        prefetch.take(tmp_path / "bin")
    assert type(info.value) is errors.BootstrapError
    assert str(info.value) == "it failed"


@pytest.mark.parametrize(
    ("output", "stage", "status"),
    [
        pytest.param("", {}, 3, id="exits-non-zero-silently"),
        pytest.param("", {"cerebrium": 0o755}, 0, id="stages-but-says-nothing"),
        pytest.param("Traceback (most recent call last):\n", {}, 1, id="garbage"),
        pytest.param('["cerebrium"]', {"cerebrium": 0o755}, 0, id="json-not-an-object"),
        pytest.param('{"binary": "cerebrium"}', {}, 0, id="names-a-missing-file"),
        pytest.param('{"binary": 7}', {"7": 0o755}, 0, id="name-not-a-string"),
        pytest.param('{"binary": ""}', {}, 0, id="empty-name"),
        pytest.param('{"binary": ".."}', {}, 0, id="dot-dot"),
        pytest.param('{"binary": "../x"}', {"../x": 0o755}, 0, id="escapes-staging"),
        pytest.param('{"binary": "a/b"}', {"a/b": 0o755}, 0, id="names-a-path"),
        pytest.param('{"binary": "a"}', {"a/b": 0o755}, 0, id="names-a-folder"),
        pytest.param('{"error": "ChecksumMismatchError"}', {}, 1, id="error-without-message"),
    ],
)
def test_a_child_without_a_result_is_a_bootstrap_error_and_nothing_moves(
    tmp_path: Path, output: str, stage: dict[str, int], status: int
) -> None:
    prefetch = _reporter(tmp_path, output, stage=stage, status=status)
    bin_dir = tmp_path / "bin"
    with pytest.raises(errors.BootstrapError) as info:
        prefetch.take(bin_dir)
    assert type(info.value) is errors.BootstrapError
    message = str(info.value)
    assert message.startswith("the download of the binary ended without a result")
    assert f"exited with status {status})" in message
    assert not bin_dir.exists()
    staging = tmp_path / "build" / "prefetch-test"
    for name in stage:  # every staged file is still where the child put it
        assert (staging / name).is_file()


# --- close(): a child still running ---


def test_close_stops_a_running_child_promptly_and_removes_its_staging(tmp_path: Path) -> None:
    prefetch = _child(tmp_path, _SLEEPER)
    staging = tmp_path / "build" / "prefetch-test"
    (staging / "partial").write_bytes(b"half")
    process = prefetch._process
    assert process.poll() is None
    began = time.monotonic()
    prefetch.close()
    assert time.monotonic() - began < 5
    assert process.poll() is not None
    assert not staging.exists()
    assert (tmp_path / "build").is_dir()  # only the staging folder goes


def test_close_kills_a_child_deaf_to_the_stop_after_the_grace_period(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_prefetch, "STOP_GRACE", 0.5)
    prefetch = _child(tmp_path, _DEAF)
    process = prefetch._process
    began = time.monotonic()
    prefetch.close()
    assert 0.4 < time.monotonic() - began < 5
    if sys.platform != "win32":
        assert process.returncode == -signal.SIGKILL
    assert not (tmp_path / "build" / "prefetch-test").exists()


def test_lines_before_the_result_are_not_the_result(tmp_path: Path) -> None:
    # A sitecustomize or .pth file that prints, in the child's interpreter.
    output = "Welcome to this interpreter\n" + json.dumps({"binary": "cerebrium"})
    prefetch = _reporter(tmp_path, output, stage={"cerebrium": 0o755})
    assert prefetch.take(tmp_path / "bin").binary.read_bytes() == b"staged cerebrium"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")
def test_the_child_runs_in_a_process_group_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A Ctrl-C (SIGINT to the terminal's process group) is the build's to handle: it stops the
    # child once, through its input, never twice while it removes its temporary files.
    monkeypatch.setenv("CEREBRIUM_RELEASE_URL", str(tmp_path / "no-release"))  # no network
    monkeypatch.setenv("CEREBRIUM_CACHE_DIR", str(tmp_path / "cache"))
    prefetch = _prefetch.Prefetch.start(WRAPPER, tmp_path / "build")
    assert prefetch is not None
    try:
        assert os.getpgid(prefetch._process.pid) != os.getpgid(0)
    finally:
        prefetch.close()
    assert list((tmp_path / "build").iterdir()) == []


def test_close_twice_and_after_take_is_harmless(tmp_path: Path) -> None:
    prefetch = _reporter(tmp_path, json.dumps({"binary": "c"}), stage={"c": 0o755})
    binary = prefetch.take(tmp_path / "bin").binary
    prefetch.close()
    prefetch.close()
    assert binary.read_bytes() == b"staged c"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX: the stop interrupts a blocked call")
def test_main_stopped_by_the_end_of_its_input_unwinds_removing_its_temporary_files(
    tmp_path: Path,
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    prefetch = _child(tmp_path, _BLOCKED_MAIN, str(WRAPPER), str(scratch))
    process = prefetch._process
    deadline = time.monotonic() + 60
    while not (scratch / "partial").exists():  # the fetch has begun: main's handler is set
        assert process.poll() is None, "the child ended before its fetch began"
        assert time.monotonic() < deadline, "the child's fetch never began"
        time.sleep(0.02)
    prefetch.close()  # the end of its input, as end() stops it
    assert process.returncode == 128 + signal.SIGTERM  # SystemExit, not death by the signal
    assert not (scratch / "partial").exists()  # the fetch's finally ran
    assert not (tmp_path / "build" / "prefetch-test").exists()


def test_a_stopped_child_whose_fetch_the_stop_cannot_reach_ends_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # When the build died, nobody kills the child at STOP_GRACE: it ends itself at SELF_STOP.
    monkeypatch.setattr(_prefetch, "STOP_GRACE", 60.0)  # close() does not kill it in time
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    prefetch = _child(tmp_path, _UNREACHABLE_MAIN, str(WRAPPER), str(scratch))
    process = prefetch._process
    deadline = time.monotonic() + 60
    while not (scratch / "began").exists():
        assert process.poll() is None, "the child ended before its fetch began"
        assert time.monotonic() < deadline, "the child's fetch never began"
        time.sleep(0.02)
    began = time.monotonic()
    prefetch.close()
    assert time.monotonic() - began < 10
    assert process.returncode == 1  # os._exit(1): neither killed nor unwound
    # Its temporary folder, never removed by the child, was in the staging folder close()
    # removed: nothing is left in the system's temporary folder.
    work = Path((scratch / "began").read_text())
    assert work.parent == tmp_path / "build" / "prefetch-test"
    assert not work.exists()


# --- begin(), binary_into(), end() ---


def test_binary_into_without_begin_fetches_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _record_fetches(monkeypatch)
    release = load_release()
    bin_dir = tmp_path / "bin"
    assert _prefetch.binary_into(release, bin_dir).binary == bin_dir / "in-process"
    assert calls == [(release, bin_dir)]


def test_binary_into_takes_from_the_started_child_once_then_fetches_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    child = _reporter(tmp_path, json.dumps({"binary": "cerebrium"}), stage={"cerebrium": 0o755})
    starts: list[tuple[Path, Path]] = []

    def start(package_source: Path, build_base: Path) -> _prefetch.Prefetch:
        starts.append((package_source, build_base))
        return child

    monkeypatch.setattr(_prefetch.Prefetch, "start", start)
    calls = _record_fetches(monkeypatch)
    release = load_release()
    _prefetch.begin(WRAPPER, tmp_path / "build")
    assert starts == [(WRAPPER, tmp_path / "build")]
    first = _prefetch.binary_into(release, tmp_path / "one").binary
    assert first == tmp_path / "one" / "cerebrium"
    assert first.read_bytes() == b"staged cerebrium"
    assert calls == []
    second = _prefetch.binary_into(release, tmp_path / "two").binary
    assert second == tmp_path / "two" / "in-process"
    assert calls == [(release, tmp_path / "two")]
    staging = tmp_path / "build" / "prefetch-test"
    assert staging.is_dir()  # kept until the build ends
    _prefetch.end()
    assert not staging.exists()
    assert not _prefetch._started
    assert not _prefetch._ended
    _prefetch.end()  # idempotent
    assert first.is_file()


def test_end_stops_a_child_never_taken_and_nothing_is_left_to_take(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    child = _child(tmp_path, _SLEEPER)
    monkeypatch.setattr(_prefetch.Prefetch, "start", lambda source, base: child)
    _prefetch.begin(WRAPPER, tmp_path / "build")
    began = time.monotonic()
    _prefetch.end()
    assert time.monotonic() - began < 5
    assert child._process.poll() is not None
    assert not (tmp_path / "build" / "prefetch-test").exists()
    calls = _record_fetches(monkeypatch)
    _prefetch.binary_into(load_release(), tmp_path / "bin")
    assert len(calls) == 1  # nothing was left started
    _prefetch.end()


def test_start_gives_none_when_the_staging_folder_cannot_be_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    assert _prefetch.Prefetch.start(WRAPPER, blocker / "build") is None
    _prefetch.begin(WRAPPER, blocker / "build")
    calls = _record_fetches(monkeypatch)
    release = load_release()
    taken = _prefetch.binary_into(release, tmp_path / "bin").binary
    assert taken == tmp_path / "bin" / "in-process"
    assert calls == [(release, tmp_path / "bin")]


def test_start_gives_none_and_removes_the_staging_when_the_child_cannot_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    build_base = tmp_path / "build"
    assert _prefetch.Prefetch.start(WRAPPER, build_base) is None
    assert build_base.is_dir()
    assert list(build_base.iterdir()) == []


# --- the real child (_CHILD, main, fetch_into) against a local release, no network ---


@pytest.fixture
def local_release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A release for this machine in a local folder, named by CEREBRIUM_RELEASE_URL."""
    target = current_target()
    fake = tmp_path / "binary"
    fake.write_bytes(BINARY)
    out = tmp_path / "release"
    out.mkdir()
    archive = make_archive(fake, out / archive_name(target.os, target.arch), target.os)
    write_checksums([archive], out / "checksums.txt")
    for name in ("ARCHIVE", "OFFLINE", "VERIFY", "SIGSTORE_TRUSTED_ROOT"):
        monkeypatch.delenv(f"CEREBRIUM_{name}", raising=False)
    monkeypatch.setenv("CEREBRIUM_RELEASE_URL", str(out))
    monkeypatch.setenv("CEREBRIUM_CACHE_DIR", str(tmp_path / "cache"))
    return archive


def test_the_started_child_fetches_the_binary_the_build_takes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_release: Path
) -> None:
    build_base = tmp_path / "build"
    fetch_into = _prefetch.fetch_into
    _prefetch.begin(WRAPPER, build_base)
    _no_fetch_here(monkeypatch)  # after begin: the child has its own, real fetch_into
    (staging,) = build_base.glob("prefetch-*")
    fetched = _prefetch.binary_into(load_release(), tmp_path / "bin")
    binary = fetched.binary
    assert binary.parent == tmp_path / "bin"
    assert binary.read_bytes() == BINARY
    # The child's record of what it verified came with its result.
    record = json.loads(fetched.dist_info["verification.json"])
    assert record["binary"]["sha256"] == hashlib.sha256(BINARY).hexdigest()
    assert record["archive"]["digest"] == hashlib.sha256(local_release.read_bytes()).hexdigest()
    # The same record as the fetch in the build process itself (build_py's path) makes.
    in_process = fetch_into(load_release(), tmp_path / "here")
    assert in_process.dist_info == fetched.dist_info
    if sys.platform != "win32":
        assert os.access(binary, os.X_OK)
    assert staging.is_dir()
    _prefetch.end()
    assert list(build_base.iterdir()) == []


def test_the_childs_checksum_error_is_the_one_the_build_would_raise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_release: Path
) -> None:
    data = bytearray(local_release.read_bytes())
    data[len(data) // 2] ^= 0xFF
    local_release.write_bytes(bytes(data))
    release = load_release()
    with pytest.raises(errors.ChecksumMismatchError) as in_process:
        _prefetch.fetch_into(release, tmp_path / "here")
    _prefetch.begin(WRAPPER, tmp_path / "build")
    _no_fetch_here(monkeypatch)
    with pytest.raises(errors.BootstrapError) as from_child:
        _prefetch.binary_into(release, tmp_path / "bin")
    assert type(from_child.value) is errors.ChecksumMismatchError
    assert str(from_child.value) == str(in_process.value)
    assert vars(from_child.value) == vars(in_process.value)  # its facts came back too
    assert not (tmp_path / "bin").exists()
    _prefetch.end()
    assert list((tmp_path / "build").iterdir()) == []


def _real_child(tmp_path: Path) -> subprocess.Popen[bytes]:
    """The real child (``_CHILD``) as Prefetch.start runs it, its standard error captured."""
    staging = tmp_path / "build" / "prefetch-real"
    staging.mkdir(parents=True)
    process = subprocess.Popen(
        [sys.executable, "-c", _prefetch._CHILD, str(staging), str(WRAPPER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _spawned.append(process)  # type: ignore[arg-type] # killed after the test, if it must be
    return process


def _ended(process: subprocess.Popen[bytes]) -> tuple[int, str, str]:
    """Wait (60 s at most) for ``process`` to exit by itself; its status, output and errors."""
    status = process.wait(timeout=60)  # its output is a line and a few: no pipe fills
    assert process.stdout is not None
    assert process.stderr is not None
    return status, process.stdout.read().decode(), process.stderr.read().decode()


@pytest.mark.parametrize("run", range(3))
def test_the_child_exits_cleanly_after_its_result_with_its_input_still_open(
    tmp_path: Path, local_release: Path, run: int
) -> None:
    # The build keeps the input open until it has taken the binary, so the watcher thread is
    # still reading it when the child's interpreter finalises: read through sys.stdin, that
    # aborted the child (cpython#129536) on every run, exit status 134 (SIGABRT) on Linux.
    process = _real_child(tmp_path)
    status, stdout, stderr = _ended(process)
    assert "Fatal Python error" not in stderr
    assert status == 0, stderr
    assert json.loads(stdout)["binary"] == "cerebrium"
    assert process.poll() == 0  # exited while its input was still open
    assert process.stdin is not None
    process.stdin.close()


def test_the_child_exits_cleanly_when_its_input_ends_as_its_result_is_out(
    tmp_path: Path, local_release: Path
) -> None:
    # take() reads the line, then end() closes the input at once: the watcher wakes as the
    # interpreter finalises, and must neither abort it nor stop a fetch that is over.
    process = _real_child(tmp_path)
    assert process.stdout is not None
    assert process.stdin is not None
    line = process.stdout.readline()
    process.stdin.close()
    status, rest, stderr = _ended(process)
    assert "Fatal Python error" not in stderr
    assert (status, json.loads(line)["binary"], rest) == (0, "cerebrium", ""), stderr


# --- _backend.build_wheel: begin() before setuptools, end() whatever happens ---


def _build_wheel(tmp_path: Path, mode: str) -> dict[str, object]:
    staging = tmp_path / "staging"
    run = subprocess.run(
        [sys.executable, "-c", _BUILD_WHEEL, str(WRAPPER), str(tmp_path / "wheels"), mode,
         str(staging)],
        cwd=tmp_path,  # build/ is relative to the working directory: never the checkout's
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    seen: dict[str, object] = json.loads(run.stdout)
    assert not staging.exists()
    return seen


def test_build_wheel_starts_the_child_before_importing_setuptools(tmp_path: Path) -> None:
    seen = _build_wheel(tmp_path, "stop-at-begin")
    assert seen["setuptools_at_begin"] is False
    assert seen["package_source"] == str(WRAPPER)
    assert seen["raised"] == "Sentinel: "
    assert seen["ended"] == 0  # begin() itself failed: nothing was started


@pytest.mark.parametrize(
    ("mode", "raised"),
    [
        ("requirements-fail", "SystemExit: error: refused after begin"),
        ("setuptools-fails", "ModuleNotFoundError: import of setuptools halted"),
    ],
)
def test_build_wheel_ends_the_prefetch_when_the_build_fails_after_begin(
    tmp_path: Path, mode: str, raised: str
) -> None:
    seen = _build_wheel(tmp_path, mode)
    assert seen["setuptools_at_begin"] is False
    assert isinstance(seen["raised"], str)
    assert seen["raised"].startswith(raised)
    assert seen["ended"] == 1
    assert seen["child_status"] is not None  # end() stopped the sleeping child
    # _build_wheel checked that end() removed its staging folder


# --- end to end: pip wheel of a checkout against the HTTPS release server ---


@pytest.fixture(scope="module")
def builder(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    from support.venvs import Venv

    return Venv.create(tmp_path_factory.mktemp("prefetch") / "venv")


def _pip_wheel(
    builder: Venv, tmp_path: Path, wheelhouse: Path, env: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    """``pip wheel`` of a copy of the checkout, built in place: pip's result, the copy, the
    wheels' folder."""
    from support.sdist import copy_checkout

    checkout = copy_checkout(tmp_path / "checkout")
    out = tmp_path / "wheels"
    index = ["--no-index", "--no-cache-dir", "--find-links", str(wheelhouse)]
    result = builder.pip("wheel", "-v", "--no-deps", *index, "-w", str(out), str(checkout),
                         env=env)  # fmt: skip
    return result, checkout, out


@pytest.mark.e2e
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX")
def test_pip_wheel_of_a_checkout_holds_the_binary_and_leaves_no_staging(
    tmp_path: Path,
    builder: Venv,
    wheelhouse: Path,
    server: ReleaseServer,
    release: PublishedRelease,
    ca_file: Path,
) -> None:
    from support.installs import settings

    env = settings(ca_file, f"{server.url}/good/", tmp_path / "cache")
    before = len(server.requests)
    result, checkout, out = _pip_wheel(builder, tmp_path, wheelhouse, env)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    target = current_target()
    # One fetch, the child's: a build that fetched again itself would read checksums.txt twice.
    paths = [r.path for r in server.requests[before:]]
    assert paths == ["/good/checksums.txt", f"/good/{archive_name(target.os, target.arch)}"]
    (wheel,) = out.glob(f"cerebrium-{VERSION}-py3-none-*.whl")
    with tarfile.open(release.archives[(target.os, target.arch)]) as archive:
        member = archive.extractfile("cerebrium")
        assert member is not None
        expected = member.read()
    with zipfile.ZipFile(wheel) as zf:
        assert zf.read("cerebrium_cli/bin/cerebrium") == expected
        assert (zf.getinfo("cerebrium_cli/bin/cerebrium").external_attr >> 16) & 0o111
    build = checkout / "build"
    assert build.is_dir()  # built in the tree, where the staging folder was made
    assert list(build.glob("prefetch-*")) == []


@pytest.mark.e2e
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX")
def test_pip_wheel_against_a_mismatching_archive_stops_with_the_in_process_message(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    builder: Venv,
    wheelhouse: Path,
    server: ReleaseServer,
    server_root: Path,
    release: PublishedRelease,
    ca_file: Path,
) -> None:
    from support.installs import copy_release, settings

    broken = copy_release(release, server_root / "prefetch-mismatch")
    for archive in release.archives.values():
        data = bytearray((broken / archive.name).read_bytes())
        data[len(data) // 2] ^= 0xFF
        (broken / archive.name).write_bytes(bytes(data))
    env = settings(ca_file, f"{server.url}/prefetch-mismatch/", tmp_path / "cache")
    for name, value in env.items():  # the same settings for the in-process fetch here
        monkeypatch.setenv(name, value)
    with pytest.raises(errors.ChecksumMismatchError) as in_process:
        _prefetch.fetch_into(load_release(), tmp_path / "here")

    result, checkout, out = _pip_wheel(builder, tmp_path, wheelhouse, env)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-4000:]
    # pip -v indents each line of the build's output by two spaces.
    shown = "\n".join(line.removeprefix("  ") for line in output.splitlines())
    assert f"\nerror: {in_process.value}\nNothing was installed.\n" in shown, output[-4000:]
    assert "Traceback" not in output
    assert not list(out.glob("*.whl"))
    assert (checkout / "build").is_dir()
    assert list((checkout / "build").glob("prefetch-*")) == []


# --- end to end: pip install -v and uv pip install -v of the sdist, no abort shown ---


@pytest.mark.e2e
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX")
@pytest.mark.parametrize("run", range(2))
@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_an_sdist_install_shows_no_fatal_error_of_the_child(
    tmp_path: Path,
    installer: str,
    run: int,
    sdist: Path,
    wheelhouse: Path,
    server: ReleaseServer,
    release: PublishedRelease,
    ca_file: Path,
) -> None:
    # Each install's -v output holds the build's standard error, which the child shares: the
    # abort of cpython#129536 showed there on every install, through pip and uv alike.
    from support.installs import assert_installed, settings
    from support.venvs import Venv

    env = settings(ca_file, f"{server.url}/good/", tmp_path / "cache")
    if installer == "pip":
        venv = Venv.create(tmp_path / "venv")
        result = venv.install(str(sdist), wheelhouse=wheelhouse, env=env)
    else:
        uv = Path(sys.executable).parent / "uv"  # the test environment's
        venv = Venv.create(tmp_path / "venv")
        index = ["--no-index", "--no-cache", "--find-links", str(wheelhouse)]
        result = subprocess.run(
            [str(uv), "pip", "install", "-v", *index, "--python", str(venv.python), str(sdist)],
            env=venv.environ({**env, "UV_NO_CONFIG": "1", "UV_PYTHON_DOWNLOADS": "never"}),
            capture_output=True,
            text=True,
            timeout=600,
        )
    output = result.stdout + result.stderr
    assert "sha256 verified" in output  # the build's own lines are shown: the child's too
    assert "Fatal Python error" not in output, output[-4000:]
    assert_installed(venv, result, VERSION)
