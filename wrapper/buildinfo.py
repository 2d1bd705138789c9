"""The build information Go embeds in every binary: what ``go version -m`` prints, read without
running the binary.

Rules from Go's own reader (Go 1.26: ``src/debug/buildinfo/buildinfo.go`` and
``src/runtime/debug/mod.go``, ``ParseBuildInfo``). The linker writes a 32-byte header,
16-byte aligned: the magic ``"\\xff Go buildinf:"`` (14 bytes), the pointer size (1 byte), a
flags byte, then 16 bytes that only the pre-1.18 layout uses. Since Go 1.18 (flags bit 2 set) two
strings follow the header inline, each a uvarint length and its bytes: the Go version
(``go1.26.8``) and the module information, wrapped in two 16-byte sentinels
(``cmd/go/internal/modload.infoStart``/``infoEnd``). The module information is lines of tab-
separated fields::

    path    github.com/example/mycli/cmd/mycli
    mod     github.com/example/mycli    v2.0.0  h1:...
    dep     golang.org/x/sys    v0.30.0 h1:...
    =>      ../sys  (devel)                           (replaces the module on the line before)
    build   -ldflags="-s -w -X ...version.Version=2.0.0"
    build   vcs.revision=0123abcd...

Where Go's reader looks in the data section it finds from the executable's headers, this one
scans the whole file at 16-byte file offsets, a chunk at a time (never the whole file in
memory): the linker aligns the blob's address, and every format GoReleaser ships maps file
offsets to addresses in multiples of at least 16 (ELF and Mach-O by the page, PE by its file
alignment, a universal Mach-O by its slices' alignment), so the blob sits at a 16-byte offset.
The bytes scanned are the binary just extracted from an archive whose digest was verified, so
this reads what the release published; a candidate that does not decode is skipped, as an
accidental match in read-only data would be. A universal Mach-O yields its first slice's blob,
as Go's reader does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from .errors import ArchiveError

__all__ = [
    "BuildInfo",
    "BuildInfoError",
    "Module",
    "NoBuildInfoError",
    "parse_modinfo",
    "read_buildinfo",
]

MAGIC = b"\xff Go buildinf:"
_ALIGN = 16
_HEADER_SIZE = 32
_FLAGS_OFFSET = 15
_FLAGS_INLINE = 0x2  # flagsVersionInl: the strings follow the header (Go 1.18+)
_CHUNK = 1 << 20  # bytes scanned per read, a multiple of _ALIGN, as Go's searchChunkSize
_MAX_VERSION = 1 << 10  # bytes: "go1.26.8", "devel go1.27-abcdef Tue ..." and the like
# Bytes of module information: a few hundred dependencies at ~100 bytes a line is under 100 KiB;
# a length beyond this is corruption, and reading it would be a memory bomb.
_MAX_MODINFO = 16 << 20
_SENTINEL = 16  # bytes of each of infoStart and infoEnd around the module information


class BuildInfoError(ArchiveError):
    """A binary's Go build information is malformed, or in a format this reader does not read."""


# parse_modinfo's fail(): a problem, to an error naming the binary and the line.
_Fail = Callable[[str], BuildInfoError]


class NoBuildInfoError(BuildInfoError):
    """The binary holds no Go build information this reader can use: not a Go binary, or one
    built by Go older than 1.18 (the pointer-based layout)."""


@dataclass(frozen=True)
class Module:
    """One module line of Go's build information (``mod``/``dep``), with its ``=>`` replacement.

    ``version`` is as Go records it: ``v1.2.3``, a pseudo-version, or ``(devel)`` (a main
    module not stamped from VCS, a replacement by a directory); ``sum`` is
    ``h1:<base64 sha256>`` or ``""`` when absent.
    """

    path: str
    version: str
    sum: str
    replace: Module | None = None


@dataclass(frozen=True)
class BuildInfo:
    """What ``go version -m`` prints for one binary (``runtime/debug.BuildInfo``).

    ``main`` is ``Module("", "", "")`` when the binary records none (a GOPATH build);
    ``settings`` are the ``build`` lines as (key, value) pairs in the binary's order, values
    unquoted: ``("-ldflags", "-s -w -X a.b=c")``, ``("CGO_ENABLED", "0")``, ``("GOOS",
    "linux")``, ``("vcs.revision", "0123...")``.
    """

    go_version: str
    path: str
    main: Module
    deps: tuple[Module, ...]
    settings: tuple[tuple[str, str], ...]

    def setting(self, key: str) -> str | None:
        """The value of the last build setting named ``key``, or None."""
        found = [value for k, value in self.settings if k == key]
        return found[-1] if found else None


def read_buildinfo(file: BinaryIO, *, name: str) -> BuildInfo:
    """Read the Go build information of the executable open (binary, seekable) in ``file``.

    ``name`` is how the messages call the binary (``mycli in mycli_cli_linux_amd64
    .tar.gz``). Raises NoBuildInfoError when the file holds no Go build information (not a Go
    binary, or built by Go older than 1.18), BuildInfoError when it is malformed, both
    ArchiveErrors naming ``name``.
    """
    old_format = False
    size = file.seek(0, 2)
    for offset in _candidates(file):
        file.seek(offset)
        header = file.read(_HEADER_SIZE)
        if len(header) < _HEADER_SIZE:
            continue
        if not header[_FLAGS_OFFSET] & _FLAGS_INLINE:
            # Go 1.13-1.17 stored pointers to the strings instead (flagsVersionPtr): reading them
            # means mapping addresses through the executable's segments. Go 1.18 is from 2022.
            old_format = True
            continue
        decoded = _inline_strings(file, offset + _HEADER_SIZE, size)
        if decoded is not None:
            go_version, modinfo = decoded
            return _build_info(go_version, modinfo, name)
    if old_format:
        raise NoBuildInfoError(
            f"{name} was built by Go older than 1.18: its build information is in the "
            "pointer-based layout, which this package does not read; the release's version "
            "and modules cannot be read from it. Build releases with Go 1.18 or later"
        )
    raise NoBuildInfoError(
        f"{name} holds no Go build information (no {MAGIC!r} header at a 16-byte offset): "
        "it is not a Go binary, or one whose build information was removed"
    )


def _candidates(file: BinaryIO) -> Iterator[int]:
    """The 16-byte aligned offsets of ``MAGIC`` in ``file``, found a chunk at a time. Chunks
    start at multiples of ``_CHUNK`` (itself a multiple of 16), so an aligned 14-byte magic never
    straddles two of them. The caller may move the file's position between offsets."""
    start = 0
    while True:
        file.seek(start)
        chunk = file.read(_CHUNK)
        if not chunk:
            return
        at = chunk.find(MAGIC)
        while at >= 0:
            if at % _ALIGN == 0:
                yield start + at
            at = chunk.find(MAGIC, at + 1)
        start += len(chunk)


def _uvarint(file: BinaryIO) -> int | None:
    """Go's binary.Uvarint from ``file``'s position: None when malformed or over 64 bits."""
    value = 0
    for shift in range(0, 70, 7):
        byte = file.read(1)
        if not byte:
            return None
        b = byte[0]
        if shift == 63 and b > 1:
            return None  # overflows uint64, as binary.Uvarint refuses
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value
    return None


def _inline_strings(file: BinaryIO, offset: int, size: int) -> tuple[bytes, bytes] | None:
    """The Go version and module information strings at ``offset`` of a ``size``-byte file, or
    None when they do not decode (a length past the end, a version that is not one).

    Each is checked before the next is read, and a length against the bytes left, so a file
    packed with false candidates costs a few reads each: reading 16 MiB for each of them made a
    64 MiB file of candidates take hours.
    """
    file.seek(offset)
    strings: list[bytes] = []
    for limit in (_MAX_VERSION, _MAX_MODINFO):
        length = _uvarint(file)
        if length is None or length > limit or file.tell() + length > size:
            return None
        data = file.read(length)
        if len(data) < length:
            return None
        # debug/buildinfo requires a non-empty version; a real one is "go1.x" or "devel ...".
        if not strings and (
            not (data.startswith(b"go") or data.startswith(b"devel")) or b"\n" in data
        ):
            return None
        strings.append(data)
    version, modinfo = strings
    return version, modinfo


def _build_info(go_version: bytes, modinfo: bytes, name: str) -> BuildInfo:
    # Strip the sentinels as debug/buildinfo does: only when the framing is there; else the
    # binary was built outside module mode and records no modules.
    if len(modinfo) >= 2 * _SENTINEL + 1 and modinfo[-_SENTINEL - 1] == ord("\n"):
        modinfo = modinfo[_SENTINEL:-_SENTINEL]
    else:
        modinfo = b""
    parsed = parse_modinfo(modinfo, name=name)
    return BuildInfo(
        go_version=_text(go_version),
        path=parsed.path,
        main=parsed.main,
        deps=parsed.deps,
        settings=parsed.settings,
    )


def parse_modinfo(data: bytes, *, name: str) -> BuildInfo:
    """Parse module information (``runtime/debug.ParseBuildInfo``): the inverse of
    ``BuildInfo.String()`` without the ``go`` line; ``go_version`` is left ``""``.

    Unknown lines are skipped and a last line without its newline ignored, as Go does. Raises
    BuildInfoError naming ``name`` and the line for what Go's parser refuses.
    """
    path = ""
    main = Module("", "", "")
    deps: list[Module] = []
    settings: list[tuple[str, str]] = []
    last: str | None = None  # "main", "dep" or None: what an "=>" line would replace
    lines = data.split(b"\n")[:-1]  # text after the last newline is not a line
    for number, line in enumerate(lines, start=1):

        def fail(problem: str, number: int = number) -> BuildInfoError:
            return BuildInfoError(
                f"{name}: its Go build information is malformed: line {number}: {problem}"
            )

        if line.startswith(b"path\t"):
            path = _text(line[5:])
        elif line.startswith(b"mod\t"):
            main = _module(line[4:].split(b"\t"), fail)
            last = "main"
        elif line.startswith(b"dep\t"):
            deps.append(_module(line[4:].split(b"\t"), fail))
            last = "dep"
        elif line.startswith(b"=>\t"):
            fields = line[3:].split(b"\t")
            if len(fields) != 3:
                raise fail(f"expected 3 columns for replacement; got {len(fields)}")
            replacement = Module(_text(fields[0]), _text(fields[1]), _text(fields[2]))
            if last == "main":
                main = Module(main.path, main.version, main.sum, replacement)
            elif last == "dep":
                old = deps[-1]
                deps[-1] = Module(old.path, old.version, old.sum, replacement)
            else:
                raise fail("replacement with no module on previous line")
            last = None
        elif line.startswith(b"build\t"):
            settings.append(_setting(line[6:], fail))
    return BuildInfo("", path, main, tuple(deps), tuple(settings))


def _module(fields: list[bytes], fail: _Fail) -> Module:
    if len(fields) not in (2, 3):
        raise fail(f"expected 2 or 3 columns; got {len(fields)}")
    return Module(_text(fields[0]), _text(fields[1]), _text(fields[2]) if len(fields) == 3 else "")


_NEEDS_QUOTE_KEY = b'= \t\r\n"`'
_NEEDS_QUOTE_VALUE = b' \t\r\n"`'


def _setting(kv: bytes, fail: _Fail) -> tuple[str, str]:
    """One ``build`` line's ``key=value``, either side Go-quoted when it must be
    (``runtime/debug``'s quoteKey/quoteValue)."""
    if not kv:
        raise fail("build line missing '='")
    if kv[:1] == b"=":
        raise fail("build line with missing key")
    if kv[:1] in (b"`", b'"'):
        raw_key = _quoted_prefix(kv)
        if raw_key is None:
            raise fail("invalid quoted key in build line")
        if len(kv) == len(raw_key):
            raise fail("build line missing '=' after quoted key")
        if kv[len(raw_key) : len(raw_key) + 1] != b"=":
            raise fail(f"unexpected character after quoted key: {kv[len(raw_key) :][:1]!r}")
        key = _unquote(raw_key)
        assert key is not None  # a quoted prefix unquotes
        raw_value = kv[len(raw_key) + 1 :]
    else:
        key, eq, raw_value = kv.partition(b"=")
        if not eq:
            raise fail("build line missing '=' after key")
        if not key or any(c in _NEEDS_QUOTE_KEY for c in key):
            raise fail(f"unquoted key {_text(key)!r} must be quoted")
    value = raw_value
    if raw_value[:1] in (b"`", b'"'):
        unquoted = _unquote(raw_value)
        if unquoted is None:
            raise fail("invalid quoted value in build line")
        value = unquoted
    elif any(c in _NEEDS_QUOTE_VALUE for c in raw_value):
        raise fail(f"unquoted value {_text(raw_value)!r} must be quoted")
    return _text(key), _text(value)


def _text(data: bytes) -> str:
    # Go strings are bytes; Go's JSON and fmt show invalid UTF-8 as U+FFFD, and so does this.
    return data.decode("utf-8", "replace")


# Go's strconv, for the quoted keys and values of build lines: Unquote and QuotedPrefix of
# "..." and `...` strings (src/strconv/quote.go).
_SIMPLE_ESCAPES = {
    ord("a"): b"\a",
    ord("b"): b"\b",
    ord("f"): b"\f",
    ord("n"): b"\n",
    ord("r"): b"\r",
    ord("t"): b"\t",
    ord("v"): b"\v",
    ord("\\"): b"\\",
    ord('"'): b'"',
}
_HEX = b"0123456789abcdefABCDEF"


def _unquote_prefix(s: bytes) -> tuple[bytes, int] | None:
    """Unquote the Go string literal at the start of ``s``: (its value, its length in ``s``),
    or None when ``s`` does not start with a valid one."""
    if len(s) < 2:
        return None
    if s[0] == ord("`"):
        end = s.find(b"`", 1)
        if end < 0:
            return None
        return s[1:end].replace(b"\r", b""), end + 1
    if s[0] != ord('"'):
        return None
    out = bytearray()
    i = 1
    while i < len(s) and s[i] != ord('"'):
        c = s[i]
        if c == ord("\n"):
            return None
        if c >= 0x80:
            piece, i = _utf8_at(s, i)
        elif c != ord("\\"):
            piece, i = bytes((c,)), i + 1
        elif (escaped := _escape_at(s, i)) is not None:
            piece, i = escaped
        else:
            return None
        out += piece
    if i >= len(s):
        return None
    return bytes(out), i + 1


def _utf8_at(s: bytes, i: int) -> tuple[bytes, int]:
    """The UTF-8 sequence at ``s[i]`` and the index after it; an invalid byte becomes U+FFFD
    (and only it is passed over), as Go's utf8.DecodeRune."""
    c = s[i]
    size = 2 if 0xC2 <= c <= 0xDF else 3 if 0xE0 <= c <= 0xEF else 4 if c <= 0xF4 else 1
    piece = s[i : i + size]
    try:
        valid = len(piece) == size and len(piece.decode("utf-8")) == 1
    except UnicodeDecodeError:
        valid = False
    return (piece, i + size) if valid else ("\ufffd".encode(), i + 1)


def _escape_at(s: bytes, i: int) -> tuple[bytes, int] | None:
    """The value of the escape whose backslash is ``s[i]`` and the index after it; None when
    it is not a valid escape of a Go interpreted string literal."""
    if i + 1 >= len(s):
        return None
    e = s[i + 1]
    i += 2
    if e in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[e], i
    if e in b"xuU":
        n = {ord("x"): 2, ord("u"): 4, ord("U"): 8}[e]
        digits = s[i : i + n]
        if len(digits) < n or any(d not in _HEX for d in digits):
            return None
        v = int(digits, 16)
        if e == ord("x"):
            return bytes((v,)), i + n
        if v > 0x10FFFF or 0xD800 <= v <= 0xDFFF:
            return None
        return chr(v).encode(), i + n
    if ord("0") <= e <= ord("7"):
        digits = s[i - 1 : i + 2]
        if len(digits) < 3 or any(not ord("0") <= d <= ord("7") for d in digits):
            return None
        v = int(digits, 8)
        return (bytes((v,)), i + 2) if v <= 255 else None
    return None


def _quoted_prefix(s: bytes) -> bytes | None:
    """strconv.QuotedPrefix: the quoted string at the start of ``s``, quotes included."""
    found = _unquote_prefix(s)
    return None if found is None else s[: found[1]]


def _unquote(s: bytes) -> bytes | None:
    """strconv.Unquote: the value of ``s``, which must be exactly one quoted string."""
    found = _unquote_prefix(s)
    if found is None or found[1] != len(s):
        return None
    return found[0]
