"""Every branch of the shim: where it looks, what it execs, and what it says when it cannot."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import cerebrium_cli.__main__ as shim
import pytest


def test_finds_the_one_binary(tmp_path: Path) -> None:
    (tmp_path / "cerebrium").write_bytes(b"")
    assert shim.find_binary(str(tmp_path)) == str(tmp_path / "cerebrium")


def test_ignores_hidden_files_such_as_an_interrupted_extraction(tmp_path: Path) -> None:
    (tmp_path / "cerebrium").write_bytes(b"")
    (tmp_path / ".cerebrium.abc.tmp").write_bytes(b"")
    assert shim.find_binary(str(tmp_path)) == str(tmp_path / "cerebrium")


def test_missing_bin_dir_says_where_it_looked_and_how_to_reinstall(tmp_path: Path) -> None:
    missing = tmp_path / "bin"
    with pytest.raises(SystemExit) as info:
        shim.find_binary(str(missing))
    message = str(info.value.code)
    assert str(missing) in message
    assert "missing or empty" in message
    assert "pip install --force-reinstall --no-cache-dir cerebrium" in message


def test_empty_bin_dir(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="missing or empty"):
        shim.find_binary(str(tmp_path))


def test_ambiguous_bin_dir_lists_what_it_found(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"")
    (tmp_path / "b").write_bytes(b"")
    with pytest.raises(SystemExit, match="it holds a, b"):
        shim.find_binary(str(tmp_path))


def test_posix_execs_with_the_arguments_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cerebrium").write_bytes(b"")
    calls: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(shim, "_BIN_DIR", str(tmp_path))
    monkeypatch.setattr(shim.find_binary, "__defaults__", (str(tmp_path),))
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(sys, "argv", ["cerebrium", "a b", "", '"q"'])
    monkeypatch.setattr(os, "execv", lambda path, argv: calls.append((path, argv)))
    shim.main()
    assert calls == [(str(tmp_path / "cerebrium"), ["cerebrium", "a b", "", '"q"'])]


def _run_shim(bin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """What ``main()`` exits with when it execs the one file in ``bin_dir`` (for real)."""
    monkeypatch.setattr(shim.find_binary, "__defaults__", (str(bin_dir),))
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(sys, "argv", ["cerebrium"])
    with pytest.raises(SystemExit) as info:
        shim.main()
    return str(info.value.code)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX execute permission")
def test_a_binary_that_lost_its_exec_bit_is_named_with_the_repair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    binary = tmp_path / "cerebrium"
    binary.write_bytes(b"#!/bin/sh\necho repaired\n")
    binary.chmod(0o644)
    message = _run_shim(tmp_path, monkeypatch)
    first, *remedy = message.splitlines()
    assert first == (
        f"cerebrium: cannot run {binary}: Permission denied: it has lost its execute permission."
    )
    assert remedy == [
        f"Repair it: chmod +x {binary}",
        "or reinstall it: python -m pip install --force-reinstall --no-cache-dir cerebrium",
    ]
    # The repair it names is the one that works.
    subprocess.run(remedy[0].removeprefix("Repair it: ").split(), check=True)
    assert subprocess.run([str(binary)], capture_output=True, text=True).stdout == "repaired\n"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX execute permission")
def test_an_executable_binary_refused_by_its_file_system_says_noexec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What execve(2) answers on a file system mounted noexec, whatever the file's mode.
    def refuse(path: str, argv: list[str]) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)

    (tmp_path / "cerebrium").write_bytes(b"")
    (tmp_path / "cerebrium").chmod(0o755)
    monkeypatch.setattr(os, "execv", refuse)
    message = _run_shim(tmp_path, monkeypatch)
    assert "Permission denied: it is executable" in message
    assert "mounted noexec" in message
    assert "chmod" not in message  # not a remedy there


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX exec")
def test_a_binary_the_kernel_cannot_run_ends_with_the_reinstall_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    binary = tmp_path / "cerebrium"
    binary.write_bytes(b"\x7fELF not really")  # another platform's binary, or a damaged one
    binary.chmod(0o755)
    message = _run_shim(tmp_path, monkeypatch)
    assert message.splitlines() == [
        f"cerebrium: cannot run {binary}: Exec format error.",
        "Reinstall it: python -m pip install --force-reinstall --no-cache-dir cerebrium",
    ]


def test_windows_runs_a_child_and_passes_its_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import signal

    (tmp_path / "cerebrium.exe").write_bytes(b"")
    ran: list[list[str]] = []
    handlers: list[object] = []

    def fake_run(argv: list[str]) -> subprocess.CompletedProcess[bytes]:
        ran.append(argv)
        return subprocess.CompletedProcess(argv, 7)

    monkeypatch.setattr(shim.find_binary, "__defaults__", (str(tmp_path),))
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(sys, "argv", ["cerebrium", "x y"])
    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.setattr(signal, "signal", lambda sig, handler: handlers.append((sig, handler)))
    with pytest.raises(SystemExit) as info:
        shim.main()
    assert info.value.code == 7
    assert ran == [[str(tmp_path / "cerebrium.exe"), "x y"]]
    assert handlers == [(signal.SIGINT, signal.SIG_IGN)]  # Ctrl-C is the child's to handle


def test_shim_imports_only_the_standard_library_it_needs() -> None:
    # A fresh interpreter, so nothing the test session imported counts.
    root = Path(__file__).resolve().parent.parent
    init, folder = str(root / "wrapper" / "__init__.py"), str(root / "wrapper")
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('cerebrium_cli', {init!r},"
        f" submodule_search_locations=[{folder!r}])\n"
        "m = importlib.util.module_from_spec(spec)\n"
        "sys.modules['cerebrium_cli'] = m\n"
        "spec.loader.exec_module(m)\n"
        "before = set(sys.modules)\n"
        "import cerebrium_cli.__main__\n"
        "print(' '.join(sorted(set(sys.modules) - before)))\n"
    )
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    heavy = {
        "httpx",
        "tarfile",
        "zipfile",
        "hashlib",
        "packaging",
        "yaml",
        "subprocess",
        "pathlib",
        "ssl",
    }
    assert loaded & heavy == set(), loaded
    assert "cerebrium_cli.__main__" in loaded
