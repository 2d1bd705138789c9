"""Writing a file all at once: readers see the old file or the whole new one, never a part.

The data go to a temporary file with a unique name in the destination's directory (so two
processes writing the same file never share one), are flushed to disk, then ``os.replace``
puts the file in place; on any failure the temporary file is removed. Temporary names are
``.<name>.<random>.tmp``, the pattern the cache's sweep removes after a killed install.
"""

from __future__ import annotations

__all__ = ["atomic_copy", "atomic_write", "atomic_writer"]

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_writer(path: Path, *, mode: int = 0o666) -> Iterator[IO[bytes]]:
    """A binary file to write; when the block ends without an error it becomes ``path``.

    ``mode`` is filtered by the umask, as for ``open()``. Raises ``OSError`` from creating,
    writing or renaming; ``path`` is then untouched and no temporary file is left.
    """
    temp, fd = _create_unique(path, mode)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def atomic_write(path: Path, data: bytes, *, mode: int = 0o666) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_writer`)."""
    with atomic_writer(path, mode=mode) as out:
        out.write(data)


def atomic_copy(source: IO[bytes], path: Path, *, mode: int = 0o666) -> None:
    """Copy the whole of the open file ``source`` (from its start) to ``path`` atomically."""
    source.seek(0)
    with atomic_writer(path, mode=mode) as out:
        shutil.copyfileobj(source, out)


def _create_unique(path: Path, mode: int) -> tuple[Path, int]:
    """A new file beside ``path``, created exclusively (``O_EXCL``), and its descriptor."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
        try:
            return temp, os.open(temp, flags, mode)
        except FileExistsError:  # 2**-64 per try; a name is never shared, only retried
            continue
