"""Snappy's block format, decoded: how GitHub stores attestation bundles behind ``bundle_url``.

Since July 2026 GitHub's attestations API may answer ``"bundle": null`` with a ``bundle_url``
whose body is the bundle's JSON compressed with Snappy (``application/x-snappy``, ``.json.sn``;
``gh`` reads it with Go's ``snappy.Decode``). The format is small enough to decode here rather
than depend on a compiled library (google/snappy, format_description.txt):

* a preamble: the decoded length as a little-endian base-128 varint;
* then elements, each a tag byte whose low two bits say what follows: a *literal* (bytes copied
  as they are; a length up to 60 in the tag, or in 1-4 bytes after it), or a *copy* of
  ``length`` bytes from ``offset`` bytes back in the output, with a 1-, 2- or 4-byte offset. A
  copy may overlap what it writes, which repeats the last ``offset`` bytes.

The decoded length is declared up front, so a bomb is refused before anything is allocated, and
every element is checked against the input and output bounds: a hostile body raises
:class:`SnappyError` and never an IndexError.
"""

from __future__ import annotations

__all__ = ["SnappyError", "decompress"]


class SnappyError(ValueError):
    """The bytes are not a valid Snappy block, or decode to more than allowed."""


def decompress(data: bytes, *, limit: int) -> bytes:
    """Decode one Snappy block, refusing a declared length over ``limit`` before decoding."""
    view = memoryview(data)
    size, pos = _varint(view, 0)
    if size > limit:
        raise SnappyError(f"it declares {size} bytes once decompressed, over the {limit} allowed")
    out = bytearray()
    end = len(view)
    while pos < end:
        tag = view[pos]
        kind = tag & 3
        pos += 1
        if kind == 0:  # literal
            length = tag >> 2
            if length >= 60:
                extra = length - 59
                length = int.from_bytes(_take(view, pos, extra), "little")
                pos += extra
            length += 1
            out += _take(view, pos, length)
            pos += length
        else:
            if kind == 1:
                length = 4 + ((tag >> 2) & 7)
                offset = ((tag >> 5) << 8) | _take(view, pos, 1)[0]
                pos += 1
            else:
                width = 2 if kind == 2 else 4
                length = 1 + (tag >> 2)
                offset = int.from_bytes(_take(view, pos, width), "little")
                pos += width
            if not 0 < offset <= len(out):
                raise SnappyError(f"a copy reaches {offset} bytes back, before the start")
            start = len(out) - offset
            if offset >= length:
                out += out[start : start + length]
            else:  # the copy overlaps its own output: it repeats the last `offset` bytes
                whole, part = divmod(length, offset)
                pattern = out[start:]
                out += pattern * whole + pattern[:part]
        if len(out) > size:
            raise SnappyError(f"it decodes to more than the {size} bytes it declares")
    if len(out) != size:
        raise SnappyError(f"it decodes to {len(out)} bytes, not the {size} it declares")
    return bytes(out)


def _varint(view: memoryview, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(view):
            raise SnappyError("it ends inside its length preamble")
        byte = view[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            if value >> 32:
                raise SnappyError("its length preamble is over 32 bits")
            return value, pos
        shift += 7
        if shift > 28:
            raise SnappyError("its length preamble is over 5 bytes")


def _take(view: memoryview, pos: int, count: int) -> memoryview:
    if pos + count > len(view):
        raise SnappyError("it ends in the middle of an element")
    return view[pos : pos + count]
