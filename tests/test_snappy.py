"""The Snappy block decoder, against a real Snappy implementation and against hostile blocks.

cramjam wraps the Rust ``snap`` crate, an independent implementation of the format GitHub's
blob storage serves attestation bundles in; everything it compresses must decode to the same
bytes. The hostile cases are written element by element, as the format describes them.
"""

from __future__ import annotations

import tracemalloc

import cramjam
import pytest
from cerebrium_cli._snappy import SnappyError, decompress
from hypothesis import given, settings
from hypothesis import strategies as st
from support.snappy_blocks import copy, literal, varint


def snappy(data: bytes) -> bytes:
    return bytes(cramjam.snappy.compress_raw(data))


def copy1(length: int, offset: int) -> bytes:
    return copy(1, length, offset)


def copy2(length: int, offset: int) -> bytes:
    return copy(2, length, offset)


def copy4(length: int, offset: int) -> bytes:
    return copy(4, length, offset)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=5000),
        st.lists(
            st.sampled_from([b"{", b'"bundle"', b": ", b"abc", b"\x00" * 70]), max_size=300
        ).map(b"".join),
    )
)
def test_whatever_a_real_snappy_compresses_decodes_to_the_same_bytes(data: bytes) -> None:
    assert decompress(snappy(data), limit=len(data)) == data


@pytest.mark.parametrize("size", [0, 1, 60, 61, 256, 257, 65536, 65537, 3 << 20])
def test_sizes_across_the_literal_and_block_boundaries(size: int) -> None:
    data = (b"attestation bundle " * (size // 19 + 1))[:size]
    assert decompress(snappy(data), limit=size) == data


def test_every_element_kind_including_overlapping_and_four_byte_copies() -> None:
    block = (
        varint(4 + 6 + 9 + 3 + 64 + 1)
        + literal(b"abcd")
        + copy1(6, 2)  # overlaps: "cdcdcd"
        + copy1(9, 10)  # "abcdcdcdc" ... at most 11 with a one-byte offset
        + copy2(3, 19)  # "abc"
        + copy4(64, 1)  # 64 times the last byte
        + literal(b"!")
    )
    expected = b"abcd" + b"cdcdcd" + b"abcdcdcdc" + b"abc" + b"c" * 64 + b"!"
    assert decompress(block, limit=1 << 10) == expected
    big = b"x" * 70_000
    assert decompress(varint(70_000) + literal(big), limit=70_000) == big


@pytest.mark.parametrize(
    ("block", "reason"),
    [
        (b"", "ends inside its length preamble"),
        (b"\x80\x80", "ends inside its length preamble"),
        (b"\xff\xff\xff\xff\xff\x01", "over 5 bytes"),
        (b"\xff\xff\xff\xff\x7f", "over 32 bits"),
        (varint(5) + bytes([4 << 2]) + b"ab", "ends in the middle of an element"),
        (varint(5) + bytes([61 << 2]), "ends in the middle of an element"),
        (varint(8) + literal(b"ab") + bytes([1]), "ends in the middle of an element"),
        (varint(4) + copy2(4, 1), "before the start"),
        (varint(6) + literal(b"ab") + copy2(4, 3), "before the start"),
        (varint(6) + literal(b"ab") + copy4(4, 0), "before the start"),
        (varint(3) + literal(b"abcd"), "more than the 3 bytes it declares"),
        (varint(9) + literal(b"abcd"), "decodes to 4 bytes, not the 9"),
        (b'{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"}', "before the start"),
    ],
)
def test_a_malformed_block_is_refused_with_a_reason(block: bytes, reason: str) -> None:
    with pytest.raises(SnappyError, match=reason):
        decompress(block, limit=1 << 20)


def test_a_bomb_is_refused_from_its_preamble_before_anything_is_allocated() -> None:
    # 4 GiB declared by five bytes, then copies that would repeat one byte without end.
    bomb = varint((1 << 32) - 1) + literal(b"x") + copy2(64, 1) * 10_000
    tracemalloc.start()
    try:
        with pytest.raises(SnappyError, match=r"declares 4294967295 bytes .* over the 1048576"):
            decompress(bomb, limit=1 << 20)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 << 10
    # Within the limit, a block that declares little cannot write much more than it declares.
    with pytest.raises(SnappyError, match="more than the 100 bytes it declares"):
        decompress(varint(100) + literal(b"x") + copy2(64, 1) * 10_000, limit=1 << 20)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=512))
def test_arbitrary_bytes_decode_or_raise_snappy_error_only(data: bytes) -> None:
    try:
        out = decompress(data, limit=1 << 16)
    except SnappyError:
        return
    assert len(out) <= 1 << 16
