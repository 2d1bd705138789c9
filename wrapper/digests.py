"""Hashing by GoReleaser's algorithm names, and hashing a file as it is read (and copied).

GoReleaser's ``checksum.algorithm`` names its hash functions its own way (``sha3-256`` where
hashlib says ``sha3_256``); :func:`new_hash` is the one place that maps them. Every local read of
an archive goes through :func:`copy_hashing`: an archive named by ``<PREFIX>ARCHIVE``, a mirror
directory, a cache entry re-hashed before use. One buffer for the whole file keeps memory flat
and allocates nothing per block, whatever the archive's size.
"""

from __future__ import annotations

import hashlib
import os
from typing import IO, Protocol

from .errors import ConfigError

__all__ = [
    "ALGORITHMS",
    "REFUSED_ALGORITHMS",
    "WEAK_ALGORITHMS",
    "Hasher",
    "HashingWriter",
    "copy_hashing",
    "new_hash",
]

_BLOCK = 256 << 10

# GoReleaser's name -> hashlib's, for each strong algorithm of ``Artifact.Checksum``
# (internal/artifact/artifact.go, v2.15.1). blake2b there is BLAKE2b-512 and blake2s is
# BLAKE2s-256: hashlib's default digest sizes. md5, sha1 and crc32 are left out on purpose
# (too weak to verify a download: WEAK_ALGORITHMS), and blake3 is not in hashlib.
_HASHLIB_NAMES = {
    "sha224": "sha224",
    "sha256": "sha256",
    "sha384": "sha384",
    "sha512": "sha512",
    "sha3-224": "sha3_224",
    "sha3-256": "sha3_256",
    "sha3-384": "sha3_384",
    "sha3-512": "sha3_512",
    "blake2b": "blake2b",
    "blake2s": "blake2s",
}

ALGORITHMS: tuple[str, ...] = tuple(_HASHLIB_NAMES)
"""The ``checksum.algorithm`` values this package verifies, in GoReleaser's spelling."""

REFUSED_ALGORITHMS: dict[str, str] = {
    "md5": "broken: anyone can make two files with the same MD5; use sha256",
    "sha1": "broken: anyone can make two files with the same SHA-1; use sha256",
    "crc32": "an error check, not a cryptographic hash: it proves nothing; use sha256",
    "blake3": "not in Python's standard library, so the wrapper cannot verify it; use sha256",
}
"""The other ``checksum.algorithm`` values GoReleaser offers, each with why it is refused."""

WEAK_ALGORITHMS: tuple[str, ...] = ("md5", "sha1", "crc32")
"""Algorithms GoReleaser offers that are too weak to prove a download is the released one: md5
and sha1 have practical collisions and crc32 is no cryptographic hash at all. A release
description naming one is refused, not verified with it."""


class Hasher(Protocol):
    """What :func:`new_hash` returns: the part of hashlib's hash objects this package uses."""

    @property
    def digest_size(self) -> int: ...

    def update(self, data: bytes | memoryview, /) -> None: ...

    def hexdigest(self) -> str: ...


class _ReadInto(Protocol):
    def readinto(self, buffer: memoryview, /) -> int | None: ...


def new_hash(algorithm: str) -> Hasher:
    """A new hash object for GoReleaser's ``checksum.algorithm`` name (``sha256``, ``sha3-512``,
    ``blake2b``, ...; see :data:`ALGORITHMS`).

    Raises ConfigError for any other name, weak ones included.
    """
    try:
        name = _HASHLIB_NAMES[algorithm]
    except KeyError:
        weak = " (too weak to verify a download)" if algorithm in WEAK_ALGORITHMS else ""
        raise ConfigError(
            f"checksum algorithm {algorithm!r}{weak} is not supported; expected one of "
            f"{', '.join(ALGORITHMS)} (GoReleaser's checksum.algorithm)"
        ) from None
    return hashlib.new(name)


class HashingWriter:
    """The one hashing sink: bytes in, hashed and (if ``out`` is given) written, a block at a time.

    Pieces handed to :meth:`write` (a socket's 16 KiB reads) are gathered into one reusable
    buffer, so the hash and the file see a few large updates instead of many small ones, and
    nothing is allocated per piece; :meth:`read_from` fills the same buffer straight from a file.
    """

    def __init__(self, out: IO[bytes] | None, algorithm: str) -> None:
        self._out = out
        self._algorithm = algorithm
        self._hasher = new_hash(algorithm)  # raises ConfigError for an unknown algorithm
        self._block = memoryview(bytearray(_BLOCK))
        self._filled = 0

    def write(self, chunk: bytes) -> None:
        """Take ``chunk``: buffered, hashed and written when the block is full."""
        size = len(chunk)
        if self._filled + size > _BLOCK:
            self._flush()
            if size > _BLOCK:  # a source that hands over large pieces: no copy needed
                self._emit(chunk)
                return
        self._block[self._filled : self._filled + size] = chunk
        self._filled += size

    def read_from(self, source: _ReadInto) -> None:
        """Take everything ``source`` holds, read into the block itself (no copy)."""
        self._flush()
        while size := source.readinto(self._block):
            self._emit(self._block[:size])

    def restart(self) -> None:
        """Start over (a retried download): a new hash, and ``out`` emptied if it holds bytes.

        Only a file that holds something is truncated: on ext4, truncating a file to empty
        marks it to flush all its data on close (``auto_da_alloc``), 30 ms per 100 MB.
        """
        self._hasher = new_hash(self._algorithm)
        self._filled = 0
        out = self._out
        if out is not None and out.seek(0, os.SEEK_END):
            out.seek(0)
            out.truncate()

    def hexdigest(self) -> str:
        """The lowercase hex digest of every byte taken, all of them written by now."""
        self._flush()
        return self._hasher.hexdigest()

    def _flush(self) -> None:
        if self._filled:
            self._emit(self._block[: self._filled])
            self._filled = 0

    def _emit(self, data: bytes | memoryview) -> None:
        self._hasher.update(data)
        if self._out is not None:
            self._out.write(data)


def copy_hashing(source: _ReadInto, out: IO[bytes] | None, algorithm: str) -> str:
    """Read ``source`` to its end, writing it to ``out`` if given; return its lowercase hex
    digest by GoReleaser's ``algorithm`` name (raises ConfigError for an unknown one)."""
    sink = HashingWriter(out, algorithm)
    sink.read_from(source)
    return sink.hexdigest()
