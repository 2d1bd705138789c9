"""Tar archives whose headers alone are hostile, written byte by byte (tarfile writes neither).

Each holds a member ``cerebrium``; what precedes or describes it is what the red team found
costs the reader: an old GNU sparse map chaining extension blocks (tarfile keeps every entry
before the member is seen), and extended headers chained one after another (tarfile follows
each to the next by recursion).
"""

from __future__ import annotations

import tarfile

__all__ = ["chained_headers", "old_gnu_sparse"]


def _octal(number: int, width: int) -> bytes:
    return b"%0*o\0" % (width - 1, number)


def old_gnu_sparse(extension_blocks: int) -> bytes:
    """A type 'S' member ``cerebrium`` of 100 bytes (``\\0x`` then zeros) whose map chains
    ``extension_blocks`` extension headers, every entry one byte at offset 1; no end blocks."""
    entry = _octal(1, 12) * 2  # one byte of data at offset 1: tarfile keeps every such entry
    header = bytearray(512)
    header[0:9] = b"cerebrium"
    header[100:108], header[124:136] = _octal(0o755, 8), _octal(1, 12)
    header[108:116] = header[116:124] = _octal(0, 8)
    header[136:148] = _octal(0, 12)
    header[156:157], header[257:265] = b"S", b"ustar  \0"
    header[386:495] = entry * 4 + b"\x01" + _octal(100, 12)  # isextended, then the real size
    header[148:156] = b"        "
    header[148:156] = b"%06o\0 " % sum(header)
    more = (entry * 21 + b"\x01" + bytes(7)) * extension_blocks
    return bytes(header) + more + entry * 21 + bytes(8) + b"x" * 512


def chained_headers(kind: bytes, count: int, binary: bytes) -> bytes:
    """``count`` GNU long name (``kind`` ``L``) or PAX (``x``) headers naming ``cerebrium``,
    chained, then the member ``cerebrium`` holding ``binary``; no end blocks."""
    extended = tarfile.TarInfo("././@LongLink" if kind == tarfile.GNUTYPE_LONGNAME else "pax")
    extended.type = kind
    body = b"cerebrium\0" if kind == tarfile.GNUTYPE_LONGNAME else b"18 path=cerebrium\n"
    extended.size = len(body)
    chained = extended.tobuf(tarfile.GNU_FORMAT) + body.ljust(512, b"\0")
    member = tarfile.TarInfo("cerebrium")
    member.size, member.mode = len(binary), 0o755
    padded = binary + bytes(-len(binary) % 512)
    return chained * count + member.tobuf(tarfile.GNU_FORMAT) + padded
