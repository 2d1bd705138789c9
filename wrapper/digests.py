"""Hashing a file as it is read (and copied), in one reusable buffer.

Every local read of an archive goes through here: an archive named by ``<PREFIX>ARCHIVE``, a
mirror directory, a cache entry re-hashed before use. One buffer for the whole file keeps memory
flat and allocates nothing per block, whatever the archive's size.
"""

from __future__ import annotations

import hashlib
from typing import IO, Protocol

__all__ = ["copy_hashing"]

_BLOCK = 256 << 10


class _ReadInto(Protocol):
    def readinto(self, buffer: memoryview, /) -> int | None: ...


def copy_hashing(source: _ReadInto, out: IO[bytes] | None, algorithm: str) -> str:
    """Read ``source`` to its end, writing it to ``out`` if given; return its hex digest."""
    hasher = hashlib.new(algorithm)
    block = memoryview(bytearray(_BLOCK))
    while size := source.readinto(block):
        hasher.update(block[:size])
        if out is not None:
            out.write(block[:size])
    return hasher.hexdigest()
