"""The ``mycli`` command: run the bundled binary as if it had been called directly.

This runs on every invocation, so it imports only ``os`` and ``sys`` (``subprocess``
on Windows), which the interpreter has loaded already: not even ``__future__``, whose import
alone would add a tenth of a millisecond to a start of ten. On POSIX the process becomes the
binary through ``execv``: no Python parent stays behind, so signals, the exit status and the
terminal go straight to the binary. Windows has no exec that keeps the console and the exit
code, so there the binary runs as a child and its exit code is passed on; Ctrl-C is left to the
child, as uv's and ruff's shims do.
"""

import os
import sys

_BIN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin")
# The import package (<project>_cli): the folder this file is installed in, when run as a script.
_PACKAGE = (__spec__.parent if __spec__ is not None else None) or os.path.basename(
    os.path.dirname(os.path.abspath(__file__))
)


def find_binary(bin_dir: str = _BIN_DIR) -> str:
    """Return the path of the one binary the wheel installed into ``bin/``."""
    try:
        names = sorted(name for name in os.listdir(bin_dir) if not name.startswith("."))
    except OSError:
        names = []
    if len(names) == 1:
        return os.path.join(bin_dir, names[0])
    found = f"it holds {', '.join(names)}" if names else "it is missing or empty"
    distribution = _PACKAGE.removesuffix("_cli")
    raise SystemExit(
        f"{distribution}: cannot find the {distribution} binary: looked in {bin_dir}, "
        f"and {found}.\n{_reinstall()}"
    )


def _reinstall(verb: str = "Reinstall") -> str:
    """The remedy for a damaged installation, which the failure messages end with."""
    distribution = _PACKAGE.removesuffix("_cli")
    return f"{verb} it: python -m pip install --force-reinstall --no-cache-dir {distribution}"


def _exec_failure(binary: str, exc: OSError) -> str:
    """What to say when ``execv(binary)`` raised ``exc``: what happened, then how to repair it.

    ``EACCES`` (POSIX ``execve(2)``; Python raises :class:`PermissionError`, so ``errno``, which
    the interpreter has not loaded, is not imported at every start) means the file lacks execute
    permission, or the file system holding it is mounted ``noexec``; ``os.access`` tells the two
    apart.
    """
    name = os.path.basename(binary)
    said = f"{name}: cannot run {binary}: {exc.strerror or exc}"
    if isinstance(exc, PermissionError) and not os.access(binary, os.X_OK):
        return (
            f"{said}: it has lost its execute permission.\n"
            f"Repair it: chmod +x {binary}\nor {_reinstall('reinstall')}"
        )
    if isinstance(exc, PermissionError):
        return (
            f"{said}: it is executable, so the file system holding it is probably mounted "
            f"noexec.\nInstall {_PACKAGE.removesuffix('_cli')} into an environment on a file "
            "system that allows running programs."
        )
    return f"{said}.\n{_reinstall()}"


def main() -> None:
    binary = find_binary()
    args = sys.argv[1:]
    if sys.platform == "win32":
        import signal
        import subprocess

        signal.signal(signal.SIGINT, signal.SIG_IGN)
        sys.exit(subprocess.run([binary, *args]).returncode)
    name = os.path.basename(binary)
    try:
        os.execv(binary, [name, *args])  # noqa: S606 - exec, no shell, is the point
    except OSError as exc:
        raise SystemExit(_exec_failure(binary, exc)) from None


if __name__ == "__main__":
    main()
