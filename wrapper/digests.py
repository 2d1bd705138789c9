"""Hashing by GoReleaser's algorithm names, and hashing a file as it is read (and copied).

GoReleaser's ``checksum.algorithm`` names its hash functions its own way (``sha3-256`` where
hashlib says ``sha3_256``); :func:`new_hash` is the one place that maps them. Every local read of
an archive goes through :func:`copy_hashing`: an archive named by ``<PREFIX>ARCHIVE``, a mirror
directory, a cache entry re-hashed before use. One buffer for the whole file keeps memory flat
and allocates nothing per block, whatever the archive's size.
"""

from __future__ import annotations

import hashlib
from typing import IO, Protocol

from .errors import ConfigError

__all__ = ["ALGORITHMS", "WEAK_ALGORITHMS", "Hasher", "copy_hashing", "new_hash"]

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


def copy_hashing(source: _ReadInto, out: IO[bytes] | None, algorithm: str) -> str:
    """Read ``source`` to its end, writing it to ``out`` if given; return its lowercase hex
    digest by GoReleaser's ``algorithm`` name (raises ConfigError for an unknown one)."""
    hasher = new_hash(algorithm)
    block = memoryview(bytearray(_BLOCK))
    while size := source.readinto(block):
        hasher.update(block[:size])
        if out is not None:
            out.write(block[:size])
    return hasher.hexdigest()
