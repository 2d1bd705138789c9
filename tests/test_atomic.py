"""Writing files all at once (``_atomic``)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cerebrium_cli import _atomic
from cerebrium_cli._atomic import atomic_copy, atomic_write, atomic_writer

# A second process: loads _atomic.py (standard library only) by its path and writes the file
# 400 times, each time 64 KiB of one letter.
WRITER = r"""
import importlib.util, sys
from pathlib import Path
spec = importlib.util.spec_from_file_location("_atomic", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
for _ in range(400):
    module.atomic_write(Path(sys.argv[2]), sys.argv[3].encode() * 65536)
"""


def test_two_processes_writing_one_file_never_collide_nor_leave_temporary_files(
    tmp_path: Path,
) -> None:
    target = tmp_path / "checksums.txt"
    module = str(Path(_atomic.__file__))
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, module, str(target), letter])
        for letter in "ab"
    ]
    while any(writer.poll() is None for writer in writers):
        if target.exists():
            data = target.read_bytes()
            assert len(data) == 65536  # one writer's whole file, never a part
            assert len(set(data)) == 1  # nor a mix of the two
    assert [writer.wait() for writer in writers] == [0, 0]
    assert target.read_bytes() in (b"a" * 65536, b"b" * 65536)
    assert os.listdir(tmp_path) == ["checksums.txt"]


def test_a_failure_while_writing_leaves_the_old_file_and_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "evidence.json"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="disk went away"):
        _write_half_then_fail(target)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["evidence.json"]


def _write_half_then_fail(target: Path) -> None:
    with atomic_writer(target) as out:
        out.write(b"half of the new")
        raise RuntimeError("disk went away")


def test_a_failure_of_a_new_file_leaves_nothing(tmp_path: Path) -> None:
    source = io.BytesIO(b"archive")
    source.read = _broken  # type: ignore[method-assign]
    with pytest.raises(OSError, match="read error"):
        atomic_copy(source, tmp_path / "archive.tar.gz")
    assert os.listdir(tmp_path) == []


def _broken(size: int | None = -1, /) -> bytes:
    raise OSError("read error")


def test_a_copy_starts_at_the_beginning_of_its_source(tmp_path: Path) -> None:
    source = io.BytesIO(b"the whole archive")
    source.seek(4)
    atomic_copy(source, tmp_path / "a")
    assert (tmp_path / "a").read_bytes() == b"the whole archive"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_the_mode_is_filtered_by_the_umask_as_open_does(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "shared", b"x")
        atomic_write(tmp_path / "private", b"x", mode=0o600)
    finally:
        os.umask(old)
    assert (tmp_path / "shared").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "private").stat().st_mode & 0o777 == 0o600
