"""Hypothesis strategies that produce the inputs worth fuzzing: near-valid checksums files,
real archives of every format with hostile members (tar under each compression, zip, a gz of
one member), Snappy blocks built element by element (as GitHub stores attestation bundles),
JSON documents in and out of the shapes of every downloaded format (bundles, GitHub's
attestations answer, in-toto statements, release.json), nested past any limit, plus raw bytes
and corpus mutations."""

from __future__ import annotations

import io
import json
import struct
import tarfile
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import Literal

import zstandard
from hypothesis import strategies as st
from support import executables
from support.snappy_blocks import copy, literal, varint

CORPUS = Path(__file__).resolve().parent / "corpus"

_HEX = st.text("0123456789abcdefABCDEF", min_size=60, max_size=68)
_NAME = st.text(st.sampled_from(list("cerebium_2.0-x/\\.: *\t")), min_size=0, max_size=40)
_LINE = st.one_of(
    st.builds(
        lambda d, sep, n: f"{d}{sep}{n}",
        _HEX,
        st.sampled_from(["  ", " *", " ", "\t", "   "]),
        _NAME,
    ),
    st.text(max_size=80),
)
_CHECKSUMS = st.lists(_LINE, max_size=12).map(
    lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass")
)

_PART = st.sampled_from(
    ["cerebrium", "..", "", ".", "d", "C:", "a\\..\\b", "/", "x.txt", "cerebrium.exe"]
)
_PATH = st.lists(_PART, min_size=1, max_size=4).map("/".join)
_KINDS = [
    tarfile.REGTYPE,
    tarfile.AREGTYPE,
    tarfile.DIRTYPE,
    tarfile.SYMTYPE,
    tarfile.LNKTYPE,
    tarfile.CHRTYPE,
    tarfile.FIFOTYPE,
]
_MEMBER = st.tuples(
    _PATH, st.sampled_from(_KINDS), _PATH, st.binary(max_size=300), st.integers(0, 0o7777)
)


MEMBERS = st.lists(_MEMBER, max_size=6)
"""Tar or zip members: (path, kind, link target, data, mode), hostile ones included."""


def tarball(members: list[tuple[str, bytes, str, bytes, int]], compression: str) -> bytes:
    """A tar of ``members`` under ``compression``: "" (none), "gz", "xz" or "zst"."""
    if compression == "zst":
        return _zst(_tar(members, "w"))
    return _tar(members, _WRITE_MODES[compression])


_TarMode = Literal["w", "w:gz", "w:xz"]  # what tarfile.open writes here
_WRITE_MODES: dict[str, _TarMode] = {"": "w", "gz": "w:gz", "xz": "w:xz"}


def _tar(members: list[tuple[str, bytes, str, bytes, int]], mode: _TarMode) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as tf:
        for name, kind, link, data, perm in members:
            info = tarfile.TarInfo(name)
            info.type, info.linkname, info.mode = kind, link, perm
            has_data = kind in (tarfile.REGTYPE, tarfile.AREGTYPE)
            info.size = len(data) if has_data else 0
            tf.addfile(info, io.BytesIO(data) if has_data else None)
    return out.getvalue()


def _zip(members: list[tuple[str, bytes, str, bytes, int]]) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        warnings.simplefilter("ignore")  # duplicate names are one of the hostile cases
        for name, kind, link, data, perm in members:
            info = zipfile.ZipInfo(name or "x")
            file_type = {tarfile.SYMTYPE: 0o120000, tarfile.DIRTYPE: 0o040000}.get(kind, 0o100000)
            info.external_attr = (file_type | (perm & 0o7777)) << 16
            zf.writestr(info, link.encode() if kind == tarfile.SYMTYPE else data)
    return out.getvalue()


def _gz(members: list[tuple[str, bytes, str, bytes, int]]) -> bytes:
    """The first member as GoReleaser's gz format holds it: its whole path in the gzip header
    (RFC 1952 FNAME; Python's gzip module would keep only the base name)."""
    name, _, _, data, _ = members[0] if members else ("", b"", "", b"", 0)
    header = b"\x1f\x8b\x08\x08" + bytes(4) + b"\x02\xff" + name.encode("latin-1") + b"\x00"
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = deflate.compress(data) + deflate.flush()
    return header + body + struct.pack("<II", zlib.crc32(data), len(data))


def _zst(tar: bytes) -> bytes:
    return zstandard.ZstdCompressor(write_checksum=True).compress(tar)


_ARCHIVES = MEMBERS.flatmap(
    lambda members: st.sampled_from(
        [
            _tar(members, "w:gz"),
            _tar(members, "w"),
            _zip(members),
            _tar(members, "w:xz"),
            _zst(_tar(members, "w")),
            _gz(members),
        ]
    )
)


def _element(kind: int, data: bytes, length: int, offset: int) -> tuple[bytes, int]:
    """One Snappy element and how many bytes it writes: a literal of ``data``, or a copy of
    ``length`` bytes from ``offset`` back with a 1-, 2- or 4-byte offset."""
    if kind == 0:
        return literal(data), len(data)
    length = 4 + length % 8 if kind == 1 else 1 + length % 64
    return copy({1: 1, 2: 2, 3: 4}[kind], length, offset), length


@st.composite
def _snappy(draw: st.DrawFn) -> bytes:
    """A Snappy block that is valid, mostly: copies reach back within what was written unless
    Hypothesis picks a stray offset, and the preamble is right unless it picks a skew."""
    out, written = bytearray(), 0
    for _ in range(draw(st.integers(0, 30))):
        kind = draw(st.integers(0, 3)) if written else 0
        chunk = draw(st.sampled_from([b"{", b'"a": ', b"}", b"[1, 2]", b'"mediaType"', b"x" * 70]))
        length = draw(st.integers(0, 63))
        limit = min(written, 2047 if kind == 1 else 65535)
        stray = draw(st.integers(0, 19)) == 0
        offset = draw(
            st.integers(0, 2047 if kind == 1 else 65535) if stray else st.integers(1, max(1, limit))
        )
        element, size = _element(kind, chunk, length, offset)
        out += element
        written += size
    skew = draw(st.integers(-3, 3)) if draw(st.integers(0, 9)) == 0 else 0
    return varint(max(0, written + skew)) + bytes(out)


_SNAPPY = _snappy()


def _mutate(data: bytes, position: int, value: int, cut: int) -> bytes:
    if not data:
        return data
    mutated = bytearray(data)
    mutated[position % len(mutated)] = value
    return bytes(mutated[: max(1, len(mutated) - cut)])


def _corpus(name: str) -> st.SearchStrategy[bytes]:
    seeds = [p.read_bytes() for p in sorted((CORPUS / name).iterdir())]
    return st.builds(
        _mutate,
        st.sampled_from(seeds),
        st.integers(0, 1 << 16),
        st.integers(0, 255),
        st.integers(0, 64),
    )


# JSON in the shapes the downloaded formats have, and out of them: every member name they read,
# values of every type and the strings they expect, nested at random.
_MEMBER_NAMES = st.sampled_from(
    [
        "mediaType", "verificationMaterial", "certificate", "x509CertificateChain", "publicKey",
        "messageSignature", "messageDigest", "algorithm", "digest", "signature",
        "attestations", "bundle", "bundle_url", "_type", "subject", "sha256", "predicateType",
        "format", "config", "origin", "a",
    ]
)  # fmt: skip
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(
        [
            "application/vnd.dev.sigstore.bundle.v0.3+json", "SHA2_256", "AAAA", "é",
            "https://in-toto.io/Statement/v1", "bundles/1.json.sn", "https://x.example/1.sn",
        ]
    ),
)  # fmt: skip
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(_MEMBER_NAMES, inner, max_size=5)
    ),
    max_leaves=40,
)
# Nesting past any parser's limits: the inputs of issue 22 (1 MiB of "[", {"a": ...) and kin.
_DEEP = st.builds(
    lambda opener, depth, close: opener * depth + (b"]" * depth if close else b""),
    st.sampled_from([b"[", b'{"a":', b'{"attestations":[', b'{"messageSignature":']),
    st.integers(1, 4000),
    st.booleans(),
)
_DOCUMENTS = st.one_of(_JSON.map(lambda value: json.dumps(value).encode()), _DEEP)
_VERSIONS = st.lists(
    st.sampled_from(["GLIBC_2.2.5", "GLIBC_2.34", "GLIBC_PRIVATE", "GLIBC_99.0", "X_1.0", ""]),
    max_size=4,
)
_ELF = st.builds(
    executables.elf,
    bits=st.sampled_from([32, 64]),
    big_endian=st.booleans(),
    machine=st.sampled_from([3, 8, 21, 22, 40, 62, 183, 243, 258, 0, 0xFFFF]),
    e_type=st.integers(0, 5),
    osabi=st.sampled_from([0, 3, 6, 9, 12, 255]),
    interpreter=st.one_of(st.none(), st.sampled_from(["/lib/ld-musl-x86_64.so.1", "/x", ""])),
    needed=st.lists(st.sampled_from(["libc.so.6", "libm.so.6", ""]), max_size=2),
    versions=_VERSIONS,
)
_VERSION = st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255))
_MACHO = st.builds(
    executables.macho,
    cputype=st.sampled_from([7, 12, 0x01000007, 0x0100000C, 0x01000012, 0x0200000C, 99]),
    bits=st.sampled_from([32, 64]),
    big_endian=st.booleans(),
    filetype=st.integers(0, 9),
    minimum=st.one_of(st.none(), _VERSION),
    platform=st.integers(0, 8),
    old_command=st.booleans(),
)
_FAT = st.builds(
    executables.fat,
    st.lists(st.tuples(st.sampled_from([7, 0x01000007, 0x0100000C, 5]), _MACHO), max_size=3),
    wide=st.booleans(),
    align=st.integers(0, 6),
)
_PE = st.builds(
    executables.pe,
    machine=st.sampled_from([0x14C, 0x8664, 0xAA64, 0x1C4, 0x5064, 0]),
    wide=st.booleans(),
    characteristics=st.integers(0, 0xFFFF),
)
_MUTATED = st.builds(
    _mutate,
    st.one_of(_ELF, _MACHO, _FAT, _PE),
    st.integers(0, 1 << 16),
    st.integers(0, 255),
    st.sampled_from([0, 0, 0, 1, 4, 16, 64]),
)


def inputs(name: str) -> st.SearchStrategy[bytes]:
    structured = {
        "checksums": _CHECKSUMS,
        "extract": _ARCHIVES,
        "bundle": st.one_of(_SNAPPY, _DOCUMENTS),
        "executable": _MUTATED,
    }.get(name, _DOCUMENTS)
    return st.one_of(structured, _corpus(name), st.binary(max_size=2048))
