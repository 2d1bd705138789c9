"""The build hook's download, started before setuptools so that the two run side by side.

PEP 517's ``build_wheel`` runs in a process of its own, in a build environment that pip fills
without bytecode (``--no-compile``): importing setuptools and building the wheel's tree there
takes about 0.4 s, most of it compiling, and fetching the release archive (importing httpx
included) about 0.3 s. Neither needs the other until the wheel is zipped. So the backend
(``_backend.build_wheel``) calls :func:`begin` before it imports setuptools, which starts
:func:`main` in a child process (the same interpreter and environment); the wheel command, once
everything else is in the wheel's tree, calls :func:`binary_into`, which waits for the child and
moves the binary it verified into that tree (``build.py``); the backend calls :func:`end`
whatever happened, which stops a child still running and removes its staging folder.

The child runs in a process group of its own, so a Ctrl-C reaches the build alone, and it is
stopped one way only: its standard input, a pipe from the build, ends (the build closed it in
:meth:`Prefetch.close`, or died). It then unwinds as on an error, removing its temporary files
(on POSIX at once, interrupting a blocked read; on Windows at its next Python instruction). One
still running :data:`SELF_STOP` seconds later ends itself, and the build kills one running at
:data:`STOP_GRACE`; the cache's sweep of stale downloads removes what such a child left.

Both ways run :func:`fetch_into`, the one code path from release to verified binary: in the
child, or in the build process itself when no child was started (``python setup.py``, editable
builds), in ``build_py`` as before. The child reports on its standard output, as one JSON line:
the binary's file name, or the error's class (from ``errors.py``), message and facts, which
``binary_into`` raises again in the build process, where the build stops as it always has. Its
progress lines go to the standard error it shares with the build.
"""

from __future__ import annotations

import _thread
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import errors
from ._logging import to_stderr

if TYPE_CHECKING:
    from .evidence import Recorded
    from .release import Release

__all__ = [
    "SELF_STOP",
    "STOP_GRACE",
    "Prefetch",
    "begin",
    "binary_into",
    "end",
    "fetch_into",
    "main",
    "prefetching",
]

# Run by the child: the package's source is imported as the backend imports it (its name at
# build time is private), then main() fetches into the staging folder given as argv[1]. The
# child is started before the build process has checked pyproject.toml's requirements: when
# one is not even importable, it ends at once, having fetched nothing, and the build stops on
# its own check, with the message naming them (a version too old is left to that check).
_CHILD = (
    "import importlib, importlib.util, sys\n"
    "sys.path.insert(0, sys.argv[2])\n"
    "import _backend\n"
    "for name in _backend.STATIC_IMPORTS:\n"
    "    if importlib.util.find_spec(name) is None:\n"
    "        sys.exit(3)\n"
    "package = _backend.import_wrapper().__name__\n"
    "sys.exit(importlib.import_module(package + '._prefetch').main(sys.argv[1]))\n"
)


def fetch_into(release: Release, bin_dir: Path) -> Recorded:
    """Fetch, verify and extract this machine's binary into ``bin_dir``: its path, and the
    ``.dist-info`` files that record what was verified (:mod:`evidence`).

    Raises the :class:`~errors.BootstrapError` of the step that refused (see
    :func:`fetch.fetch_binary`); ``bin_dir`` receives nothing then.
    """
    from . import __version__
    from ._process import prepare_downloads
    from .evidence import Recorded, dist_info_files
    from .fetch import Install, extract, read_checksums, verified_archive
    from .platforms import current_target
    from .settings import Settings
    from .sources import Sources
    from .versions import tag_for

    prepare_downloads()  # the build owns this process: quiet httpx's log, skip its CLI
    target = release.check_target(current_target())
    tag = tag_for(__version__)
    # A build: relative paths are the user's, not relative to pip's build directory.
    settings = Settings.from_environ(release, build=True)
    with Sources.from_settings(release, tag, settings, environ=os.environ) as sources:
        # fetch.fetch_binary's steps, keeping the verified archive for the record.
        install = Install.of(release, target, tag, sources, environ=os.environ)
        with verified_archive(install, read_checksums(install)) as archive:
            binary = extract(install, archive, bin_dir)
        files = dist_info_files(release, target, tag, archive, binary)
    return Recorded(binary, files)


class Prefetch:
    """A child process fetching the binary into a staging folder of its own."""

    def __init__(self, process: subprocess.Popen[str], staging: Path) -> None:
        self._process = process
        self._staging = staging

    @classmethod
    def start(cls, package_source: Path, build_base: Path) -> Prefetch | None:
        """Start the child, with the package's source folder (``wrapper/``) and the folder for
        its staging folder (setuptools' ``build/``, so the binary is renamed, not copied, into
        the wheel's tree). None when it cannot be started: the build then fetches in-process.
        """
        try:
            build_base.mkdir(parents=True, exist_ok=True)
            # Absolute: the build may change its working directory before it takes the binary.
            staging = Path(tempfile.mkdtemp(prefix="prefetch-", dir=build_base)).absolute()
        except OSError:
            return None
        command = [sys.executable, "-c", _CHILD, str(staging), str(package_source)]
        try:
            process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, **_own_group()
            )
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
            return None
        return cls(process, staging)

    def take(self, bin_dir: Path) -> Recorded:
        """Wait for the child; move the binary it verified into ``bin_dir``; its path and
        record (the ``.dist-info`` files the child sent as text in its result).

        Raises the error that stopped the child, as the class it had: the one
        :func:`fetch_into` would have raised here; :class:`errors.BootstrapError` when the
        child ended without saying why (its own output, above, says what it could).
        """
        assert self._process.stdout is not None
        # The result is the child's JSON line; its exit (interpreter shutdown) is awaited later.
        # Lines before it are not the child's own (a sitecustomize that prints, say).
        result: dict[str, object] = {}
        for line in iter(self._process.stdout.readline, ""):
            result = _parse(line)
            if "binary" in result or "error" in result:
                break
        kind, message, name = result.get("error"), result.get("message"), result.get("binary")
        if isinstance(kind, str) and isinstance(message, str):
            raise _rebuilt(kind, message, result.get("facts"))
        # A file name alone: the child writes nothing outside its staging folder.
        staged = self._staging / name if isinstance(name, str) and name == Path(name).name else None
        if staged is None or not staged.is_file():
            status = self._process.wait()
            raise errors.BootstrapError(
                "the download of the binary ended without a result (its process exited with "
                f"status {status}); the lines above say what it reported. "
                "Try again; if it recurs, report it with the output of pip install -v."
            )
        from .evidence import Recorded

        # Absent or malformed, the record is empty, and the wheel refuses to be made without
        # one (evidence.write_dist_info).
        sent = result.get("dist_info")
        if not (isinstance(sent, dict) and all(isinstance(v, str) for v in sent.values())):
            sent = {}
        try:
            bin_dir.mkdir(parents=True, exist_ok=True)
            moved = Path(shutil.move(str(staged), str(bin_dir / staged.name)))
            return Recorded(moved, {name: text.encode() for name, text in sent.items()})
        except OSError as exc:
            raise errors.StorageError(
                f"could not move the verified binary into {bin_dir}: {exc.strerror or exc}. "
                "Check the free space and permissions of the build folder, then try again."
            ) from exc

    def close(self) -> None:
        """Stop the child if it still runs, and remove the staging folder with what it holds.

        The stop is the end of the child's standard input; a child still running
        :data:`STOP_GRACE` seconds later is killed.
        """
        if self._process.stdin is not None:
            self._process.stdin.close()  # the child unwinds, removing its temporary files
        try:
            self._process.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        shutil.rmtree(self._staging, ignore_errors=True)


STOP_GRACE = 10.0  # seconds a stopped child has to remove its temporary files
SELF_STOP = STOP_GRACE / 2  # seconds after which a stopped child ends itself, unwound or not


def _own_group() -> dict[str, Any]:
    """Popen's arguments for a process group of its own: a Ctrl-C is the build's to handle."""
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def _stop_when_input_ends(finished: threading.Event) -> None:
    """In the child: when standard input ends, and unless the result is out already, stop the
    main thread: SystemExit from SIGTERM on POSIX (a blocked read is interrupted at once),
    KeyboardInterrupt on Windows.

    The watching thread is a daemon (the child exits once its result is out, its input still
    open), so it reads the file descriptor with ``os.read``, never through ``sys.stdin``: a
    daemon thread blocked in a buffered reader holds the reader's lock, which the interpreter
    takes when it finalises, and it then aborts with "Fatal Python error:
    _enter_buffered_busy" (cpython#129536; under Wine, the abort starts the crash debugger and
    the build hangs). ``os.read`` takes no lock of the interpreter's while it waits.
    """

    def watch() -> None:
        _wait_for_end(0)  # the pipe from Prefetch.start, whatever became of sys.stdin
        if finished.is_set():
            return
        if sys.platform == "win32":
            _thread.interrupt_main()
        else:
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGTERM)
        # A main thread that has not ended by now is blocked where the stop cannot reach it
        # (a socket read, on Windows): end the process. The build, when it still runs, would
        # kill it at STOP_GRACE; when the build died, nobody else would, and on Windows pip
        # could not remove the build folder this process holds open. The cache's sweep of
        # stale downloads removes a temporary file left behind.
        time.sleep(SELF_STOP)
        os._exit(1)

    threading.Thread(target=watch, name="stop-watch", daemon=True).start()


def _wait_for_end(fd: int) -> None:
    """Read ``fd`` until it ends (EOF), or fails (closed, say): both mean the build is gone."""
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _rebuilt(kind: str, message: str, facts: object) -> errors.BootstrapError:
    """The child's error, rebuilt as the class it had (named in :mod:`.errors`, else
    :class:`errors.BootstrapError`) with its message and the facts it carried (its public
    attributes, sent as JSON: a tuple comes back a list, which the class makes a tuple again).
    Facts the class does not take as arguments are dropped: the message still says them."""
    error = getattr(errors, kind, None)
    if not (isinstance(error, type) and issubclass(error, errors.BootstrapError)):
        error = errors.BootstrapError
    if isinstance(facts, dict) and facts:
        try:
            rebuilt: errors.BootstrapError = error(message, **facts)
        except TypeError:  # facts this class does not take (a class without any: ConfigError)
            pass
        else:
            return rebuilt
    return error(message)


def _facts(exc: BaseException) -> dict[str, object]:
    """``exc``'s public attributes: the facts :func:`_rebuilt` passes back to its class."""
    return {key: value for key, value in vars(exc).items() if not key.startswith("_")}


def _parse(output: str) -> dict[str, object]:
    try:
        result = json.loads(output)
    except ValueError:
        return {}
    return result if isinstance(result, dict) else {}


_started: list[Prefetch] = []  # the child begin() started and binary_into() has not taken yet
_ended: list[Prefetch] = []  # those taken, whose staging folders end() removes


def begin(package_source: Path, build_base: Path = Path("build")) -> None:
    """Start fetching the binary in a child process, for :func:`binary_into` to take.

    ``build_base`` is relative to the working directory, which PEP 517 makes the source tree.
    """
    prefetch = Prefetch.start(package_source, build_base)
    if prefetch is not None:
        _started.append(prefetch)


def prefetching() -> bool:
    """Whether a child :func:`begin` started has a binary not taken yet."""
    return bool(_started)


def binary_into(release: Release, bin_dir: Path) -> Recorded:
    """This machine's verified binary in ``bin_dir``: from the child :func:`begin` started, or,
    without one, fetched here (:func:`fetch_into`). Raises what :func:`fetch_into` raises."""
    if not _started:
        return fetch_into(release, bin_dir)
    prefetch = _started.pop()
    _ended.append(prefetch)
    return prefetch.take(bin_dir)


def end() -> None:
    """Stop the child if it runs, and remove every staging folder; the build has ended."""
    while _started or _ended:
        (_started or _ended).pop().close()


def main(staging: str) -> int:
    """The child: fetch the binary into ``staging``; print the JSON result; 0 when fetched.

    Stopped (its standard input ends: :meth:`Prefetch.close`, or the build died), it unwinds
    as on an error, so that its temporary files are removed. They are made in ``staging``
    (``tempfile.tempdir``), not the system's temporary folder: what a child ended before it
    unwound leaves (:data:`SELF_STOP`, a kill) goes with the staging folder, which the build
    removes, or pip with its build folder when the build died.
    """
    tempfile.tempdir = staging
    to_stderr()  # on the standard error it shares with the build, as the build's own lines
    signal.signal(signal.SIGTERM, _stop)
    finished = threading.Event()
    _stop_when_input_ends(finished)
    result: dict[str, object]
    try:
        from .description import read_description

        fetched = fetch_into(read_description().release(), Path(staging))
    except errors.BootstrapError as exc:
        result = {"error": type(exc).__name__, "message": str(exc), "facts": _facts(exc)}
    except ImportError as exc:  # without build isolation: the build stops naming what is missing
        result = {"error": "BootstrapError", "message": f"a package is missing: {exc}"}
    except KeyboardInterrupt:
        return 130  # the build was interrupted too, and says so
    else:
        # The record travels in the result: UTF-8 JSON, sent as text.
        dist_info = {name: data.decode() for name, data in fetched.dist_info.items()}
        result = {"binary": fetched.binary.name, "dist_info": dist_info}
    finished.set()  # the result is out: a stop from here on is the build's end, not a cancel
    print(json.dumps(result, default=str), flush=True)  # a fact that is a Path: its text
    return 0 if "binary" in result else 1
