"""Snappy blocks written element by element (google/snappy, format_description.txt).

A real compressor never writes the elements a hostile body would hold (a copy from before the
start, a length that lies), so the stored-bundle tests and the fuzz strategy spell them out here.
"""

from __future__ import annotations


def varint(value: int) -> bytes:
    """The preamble: the decoded length, little-endian base 128."""
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    return bytes(out + bytes([value]))


def literal(data: bytes) -> bytes:
    """``data`` as it is: its length - 1 in the tag below 60, else in 1-4 bytes after it."""
    n = len(data) - 1
    if n < 60:
        return bytes([n << 2]) + data
    width = (n.bit_length() + 7) // 8
    return bytes([(59 + width) << 2]) + n.to_bytes(width, "little") + data


def copy(width: int, length: int, offset: int) -> bytes:
    """A copy of ``length`` bytes from ``offset`` back, with a 1-byte (length 4-11, offset below
    2048), 2-byte or 4-byte (length 1-64) offset."""
    if width == 1:
        return bytes([1 | (length - 4) << 2 | (offset >> 8) << 5, offset & 0xFF])
    kind = 2 if width == 2 else 3
    return bytes([kind | (length - 1) << 2]) + offset.to_bytes(width, "little")
