"""What an executable says of itself: the headers of the ELF, Mach-O and PE files Go builds.

GoReleaser ships one binary per target; this module reads, without running it, what that binary
is: its operating system and architecture (in Go's names: ``linux``/``amd64``), whether it is an
executable at all, for Mach-O the minimum OS version it declares, and for ELF whether it is
static or names an interpreter (``PT_INTERP``), which C library that interpreter belongs to and
the highest ``GLIBC_x.y`` symbol version it needs (``DT_VERNEED``). Wheel tags are chosen from
these facts (:func:`platforms.executable_tag`), never from the archive's name.

Only the headers are read, each with a seek and a bounded read (a few KiB in all for a Go
binary), so the size of the file does not matter. Malformed, truncated or unknown input raises
:class:`ExecutableError`, naming the file; nothing else escapes (``tests/fuzz``).

Sources for the layouts: the System V gABI and the LSB (ELF, symbol versioning), Apple's
``<mach-o/loader.h>`` and ``<mach-o/fat.h>``, Microsoft's PE format specification, and Go's
linker (``cmd/link/internal/ld/elf.go``, ``macho.go``, ``pe.go``) for what Go writes.

What the headers cannot say: Go writes no microarchitecture level. ``GOAMD64`` shows only when a
toolchain recorded it (a GNU property note ``X86_ISA_1_NEEDED`` from a C linker, or the Mach-O
``x86_64h`` subtype); ``GOARM`` never does: Go writes the same ELF flags (``0x5000002``, EABI 5,
no float ABI) and no ``.ARM.attributes`` for GOARM 5, 6 and 7. Both are in the binary's Go build
information instead, which this module does not read.
"""

from __future__ import annotations

import logging
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from .errors import ExecutableError, UnsupportedPlatformError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from .platforms import Target

__all__ = ["Executable", "binary_wheel_tag", "parse_executable", "read_executable"]

_logger = logging.getLogger(__name__)

# Bounds on what is read; far above anything a linker writes, far below what could hurt.
_MAX_TABLE = 1 << 20  # a header table (program headers, load commands, dynamic section)
_MAX_STRING = 4096  # one name in a string table, an interpreter path
_MAX_ENTRIES = 4096  # version needs and their aux entries, together
_MAX_NOTES = 64 << 10  # one note segment, and all note segments together
_MAX_SLICES = 16  # architectures in a universal Mach-O (Apple's tools make 2 or 3)


@dataclass(frozen=True)
class Executable:
    """The facts an executable's headers state.

    ``os`` and ``arch`` use Go's GOOS/GOARCH names; a universal Mach-O has arch ``all`` (as
    GoReleaser names its ``universal_binaries``) and its architectures in ``slices``. ``kind`` is
    ``executable``, ``shared library``, ``object file``, ``core dump`` or another Mach-O file
    type. ``min_os`` is the minimum OS version a Mach-O declares, as (major, minor, patch), None
    if it declares none (and for ELF and PE). ``interpreter`` is an ELF's ``PT_INTERP`` (None:
    static); ``libc`` is ``glibc``, ``musl``, ``bionic`` or ``unknown`` for a dynamic ELF, None
    otherwise; ``glibc`` the highest ``GLIBC_x.y`` it needs, None when it needs none.
    ``goamd64`` (``v1``..``v4``) only when the headers record a level (see the module doc);
    ``detail`` is the format's own words (``ELF 64-bit LSB``, ``PE32+``, ``Mach-O 64-bit``).
    """

    format: str  # "ELF", "Mach-O", "Mach-O universal", "PE"
    os: str
    arch: str
    bits: int  # 32 or 64
    kind: str
    detail: str
    min_os: tuple[int, int, int] | None = None
    interpreter: str | None = None
    libc: str | None = None
    glibc: tuple[int, int] | None = None
    goamd64: str | None = None
    slices: tuple[Executable, ...] = ()

    @property
    def static(self) -> bool:
        """True for an ELF that names no interpreter: it needs no C library at all."""
        return self.format == "ELF" and self.interpreter is None

    def describe(self) -> str:
        """In words, for messages: ``a macOS amd64 executable (Mach-O 64-bit, macOS >= 12.0)``."""
        arches = "+".join(s.arch for s in self.slices) if self.slices else self.arch
        facts = [self.detail]
        if self.min_os is not None:
            facts.append(f"{_OS_WORDS.get(self.os, self.os)} >= {_version(self.min_os)}")
        if self.format == "ELF":
            interpreter = self.interpreter
            facts.append("static" if interpreter is None else f"interpreter {interpreter}")
        if self.glibc is not None:
            facts.append(f"needs GLIBC_{self.glibc[0]}.{self.glibc[1]}")
        if self.slices:
            facts.extend(
                f"{s.arch}: {_OS_WORDS.get(s.os, s.os)} >= {_version(s.min_os)}"
                for s in self.slices
                if s.min_os is not None
            )
        system = _OS_WORDS.get(self.os, self.os)
        article = "an" if system[:1].lower() in "aeiou" else "a"
        return f"{article} {system} {arches} {self.kind} ({', '.join(facts)})"


_OS_WORDS = {"linux": "Linux", "darwin": "macOS", "windows": "Windows", "ios": "iOS"}
_OS_WORDS.update(android="Android", freebsd="FreeBSD", netbsd="NetBSD", openbsd="OpenBSD")
_OS_WORDS.update(solaris="Solaris", illumos="illumos", dragonfly="DragonFly BSD", aix="AIX")

# The other formats Go's linker writes (cmd/link/internal/ld: xcoff.go, the Plan 9 a.out of
# asmb2, wasm): no wheel is made of them, but a message can say what the file is. Plan 9's
# magics are ``_MAGIC(b)`` of its a.out.h (big-endian), with HDR_MAGIC for amd64.
_FOREIGN = (
    (b"\x01\xf7", "an AIX XCOFF64 file"),
    (b"\x01\xdf", "an AIX XCOFF file"),
    (b"\x00asm", "a WebAssembly module"),
    (b"\x00\x00\x01\xeb", "a Plan 9 386 executable"),
    (b"\x00\x00\x8a\x97", "a Plan 9 amd64 executable"),
    (b"\x00\x00\x06\x47", "a Plan 9 arm executable"),
)


def _version(version: tuple[int, int, int] | None) -> str:
    if version is None:
        return "?"
    major, minor, patch = version
    return f"{major}.{minor}" + (f".{patch}" if patch else "")


def read_executable(path: Path, name: str | None = None) -> Executable:
    """Read the executable at ``path``; ``name`` is how messages call it (default: the path).

    Raises :class:`ExecutableError` when it is not an ELF, Mach-O or PE executable this module
    can read, or is malformed or truncated; ``OSError`` escapes only when it cannot be opened.
    """
    with open(path, "rb") as stream:
        return parse_executable(stream, name or str(path))


def parse_executable(stream: BinaryIO, name: str) -> Executable:
    """Read the executable in a seekable binary ``stream``; see :func:`read_executable`."""
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    reader = _Reader(stream, 0, size, name)
    magic = reader.bytes(0, min(size, 4), "the magic number")
    if magic.startswith(b"\x7fELF"):
        return _elf(reader)
    if magic in _MACHO_MAGICS:
        return _macho(reader)
    if magic in (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf"):
        return _fat(reader)
    if magic.startswith(b"MZ"):
        return _pe(reader)
    what = "a script" if magic.startswith(b"#!") else "not an ELF, Mach-O or PE executable"
    shown = magic.hex(" ") if magic else "nothing: the file is empty"
    foreign = next((words for head, words in _FOREIGN if magic.startswith(head)), None)
    if foreign is not None:
        raise ExecutableError(
            f"{name} is {foreign} (it begins with {shown}), not an ELF, Mach-O or PE "
            "executable: no wheel platform tag names the systems that run it"
        )
    raise ExecutableError(
        f"{name} is {what}: it begins with {shown}; expected the Go binary the release "
        "builds. The archive does not hold the release's binary: report it to the publisher"
    )


class _Reader:
    """Bounded reads of a window (``base``, ``size``) of a stream: a whole file or one slice
    of a universal Mach-O. Every read past the window's end is an :class:`ExecutableError`."""

    def __init__(self, stream: BinaryIO, base: int, size: int, name: str) -> None:
        self.stream, self.base, self.size, self.name = stream, base, size, name

    def fail(self, problem: str) -> ExecutableError:
        return ExecutableError(
            f"{self.name} is not a readable executable: {problem}. The archive does not hold "
            "a binary the release's toolchain builds: report it to the publisher"
        )

    def bytes(self, offset: int, length: int, what: str) -> bytes:
        if offset < 0 or length < 0 or offset + length > self.size:
            raise self.fail(
                f"{what} ({length} bytes at offset {offset}) lies beyond its end "
                f"({self.size} bytes): truncated or malformed"
            )
        if length > _MAX_TABLE:
            raise self.fail(f"{what} is {length} bytes, more than any linker writes")
        self.stream.seek(self.base + offset)
        data = self.stream.read(length)
        if len(data) != length:
            raise self.fail(f"{what} could not be read whole: the file changed or is truncated")
        return data

    def unpack(self, fmt: str, offset: int, what: str) -> tuple[int, ...]:
        return struct.unpack(fmt, self.bytes(offset, struct.calcsize(fmt), what))

    def string(self, offset: int, what: str, limit: int) -> str:
        """A NUL-terminated string at ``offset``, read in a bounded chunk, within ``limit``."""
        end = min(self.size, limit, offset + _MAX_STRING)
        chunk = self.bytes(offset, max(end - offset, 0), what)
        text, nul, _ = chunk.partition(b"\0")
        if not nul:
            raise self.fail(f"{what} at offset {offset} is not terminated")
        return text.decode("utf-8", "replace")


# --- ELF -------------------------------------------------------------------------------------

_ELF_MACHINES: dict[tuple[int, int], str] = {  # (e_machine, bits) -> GOARCH, little-endian
    (3, 32): "386",
    (62, 64): "amd64",
    (40, 32): "arm",
    (183, 64): "arm64",
    (21, 64): "ppc64le",
    (22, 64): "s390x",
    (243, 64): "riscv64",
    (258, 64): "loong64",
    (8, 32): "mipsle",
    (8, 64): "mips64le",
}
_ELF_BIG_ENDIAN = {"ppc64le": "ppc64", "mipsle": "mips", "mips64le": "mips64", "s390x": "s390x"}
_ELF_OSABI = {3: "linux", 9: "freebsd", 2: "netbsd", 12: "openbsd", 6: "solaris"}
_ELF_NOTE_OS = {b"NetBSD": "netbsd", b"OpenBSD": "openbsd", b"FreeBSD": "freebsd"}
_ELF_NOTE_OS.update({b"Android": "android", b"DragonFly": "dragonfly"})
_GNU_ABI_OS = {0: "linux", 2: "solaris", 3: "freebsd"}  # NT_GNU_ABI_TAG's first word
_INTERP_OS = (  # interpreters of systems whose binaries carry no other mark
    ("/system/bin/linker", "android"),
    ("/libexec/ld-elf.so", "freebsd"),
    ("/usr/libexec/ld.elf_so", "netbsd"),
    ("/usr/libexec/ld.so", "openbsd"),
    ("/lib/amd64/ld.so", "solaris"),
)
_ELF_TYPES = {1: "object file", 2: "executable", 3: "shared library", 4: "core dump"}
_PT_LOAD, _PT_DYNAMIC, _PT_INTERP, _PT_NOTE = 1, 2, 3, 4
_PT_GNU_PROPERTY = 0x6474E553
_DT_NEEDED, _DT_STRTAB, _DT_STRSZ = 1, 5, 10
_DT_FLAGS_1, _DT_VERNEED, _DT_VERNEEDNUM = 0x6FFFFFFB, 0x6FFFFFFE, 0x6FFFFFFF
_DF_1_PIE = 0x08000000
_X86_ISA_NEEDED = 0xC0008002  # GNU_PROPERTY_X86_ISA_1_NEEDED: bit n set = level v(n+1)
_GLIBC = re.compile(r"GLIBC_(\d+)\.(\d+)(?:\.\d+)?")


def _elf(r: _Reader) -> Executable:
    ident = r.bytes(0, 16, "the ELF identification")
    klass, data, version, osabi = ident[4], ident[5], ident[6], ident[7]
    if klass not in (1, 2) or data not in (1, 2) or version != 1:
        raise r.fail(f"its ELF identification (class {klass}, data {data}) is invalid")
    bits = 32 if klass == 1 else 64
    e = "<" if data == 1 else ">"
    word = "I" if bits == 32 else "Q"
    header = r.unpack(f"{e}HHI{word}{word}{word}IHHHHHH", 16, "the ELF header")
    e_type, machine, _, _, phoff, _, flags, _, phentsize, phnum = header[:10]
    arch = _elf_arch(r, machine, bits, e)
    segments = _program_headers(r, e, bits, phoff, phentsize, phnum)
    interpreter = next(
        (
            r.string(offset, "the interpreter path", offset + filesz)
            for p_type, offset, _, filesz, _ in segments
            if p_type == _PT_INTERP
        ),
        None,
    )
    dynamic = _dynamic(r, e, bits, segments)
    kind = _ELF_TYPES.get(e_type, f"ELF file of type {e_type}")
    if e_type == 3 and (interpreter is not None or dynamic.pie):
        kind = "executable"  # a position-independent executable
    goos, goamd64 = _elf_notes(r, e, segments, osabi)
    if goos is None:
        goos = next((o for p, o in _INTERP_OS if (interpreter or "").startswith(p)), "linux")
    libc = None if interpreter is None else _elf_libc(interpreter, goos, dynamic)
    detail = f"ELF {bits}-bit {'LSB' if e == '<' else 'MSB'}"
    if arch == "arm":
        float_abi = {0x400: ", hard-float", 0x200: ", soft-float"}.get(flags & 0x600, "")
        detail += f", EABI {flags >> 24}{float_abi}"
    return Executable(
        format="ELF",
        os=goos,
        arch=arch,
        bits=bits,
        kind=kind,
        detail=detail,
        interpreter=interpreter,
        libc=libc,
        glibc=dynamic.glibc,
        goamd64=goamd64 if arch == "amd64" else None,
    )


_Segment = tuple[int, int, int, int, int]  # type, offset, vaddr, filesz, align


def _elf_arch(r: _Reader, machine: int, bits: int, e: str) -> str:
    """GOARCH of an ELF for ``machine`` (e_machine), ``bits`` wide, in byte order ``e``."""
    arch = _ELF_MACHINES.get((machine, bits))
    if arch is None:
        raise r.fail(f"it is a {bits}-bit ELF for machine {machine}, which Go builds none for")
    if e == ">":
        if arch not in _ELF_BIG_ENDIAN:
            raise r.fail(f"it is a big-endian ELF for {arch}, which Go builds none for")
        return _ELF_BIG_ENDIAN[arch]
    if arch == "s390x":
        raise r.fail("it is a little-endian ELF for s390x, which is big-endian only")
    return arch


def _program_headers(
    r: _Reader, e: str, bits: int, phoff: int, phentsize: int, phnum: int
) -> list[_Segment]:
    """The ELF's segments, from its program header table (e_phoff, e_phentsize, e_phnum)."""
    ph_format = f"{e}8I" if bits == 32 else f"{e}IIQQQQQQ"
    if phnum and phentsize < struct.calcsize(ph_format):
        raise r.fail(f"its program headers are {phentsize} bytes each, too small")
    table = r.bytes(phoff, phnum * phentsize, "the program header table") if phnum else b""
    segments: list[_Segment] = []
    for index in range(phnum):
        fields = struct.unpack_from(ph_format, table, index * phentsize)
        if bits == 32:
            p_type, p_offset, p_vaddr, _, p_filesz, _, _, p_align = fields
        else:
            p_type, _, p_offset, p_vaddr, _, p_filesz, _, p_align = fields
        segments.append((p_type, p_offset, p_vaddr, p_filesz, p_align))
    return segments


def _elf_libc(interpreter: str, goos: str, dynamic: _Dynamic) -> str:
    """The C library a dynamically linked ELF asks its ``interpreter`` for."""
    base = interpreter.rsplit("/", 1)[-1]
    if base.startswith("ld-musl-"):
        return "musl"
    if goos == "android":
        return "bionic"
    if dynamic.glibc or "libc.so.6" in dynamic.needed or _glibc_loader(goos, base):
        return "glibc"
    return "unknown"


def _glibc_loader(goos: str, base: str) -> bool:
    """Whether an interpreter's file name is glibc's dynamic loader (ld-linux-x86-64.so.2,
    ld-linux-aarch64.so.1, ld64.so.2 on ppc64le, ld64.so.1 on s390x, ld.so.1 on mips)."""
    return goos == "linux" and (base.startswith(("ld-linux", "ld64.so")) or base == "ld.so.1")


@dataclass(frozen=True)
class _Dynamic:
    pie: bool = False
    needed: tuple[str, ...] = ()
    glibc: tuple[int, int] | None = None


def _dynamic(r: _Reader, e: str, bits: int, segments: list[_Segment]) -> _Dynamic:
    """The dynamic section's facts: PIE flag, needed libraries, highest GLIBC_x.y needed."""
    found = [s for s in segments if s[0] == _PT_DYNAMIC]
    if not found:
        return _Dynamic()
    _, offset, _, filesz, _ = found[0]
    entry = struct.calcsize(f"{e}{'ii' if bits == 32 else 'qQ'}")
    table = r.bytes(offset, filesz - filesz % entry, "the dynamic section")
    tags: dict[int, int] = {}
    needed: list[int] = []
    for d_tag, d_val in struct.iter_unpack(f"{e}{'iI' if bits == 32 else 'qQ'}", table):
        if d_tag == 0:
            break
        if d_tag == _DT_NEEDED:
            needed.append(d_val)
        else:
            tags.setdefault(d_tag, d_val)
    pie = bool(tags.get(_DT_FLAGS_1, 0) & _DF_1_PIE)
    if _DT_STRTAB not in tags:
        return _Dynamic(pie=pie)
    loads = [s for s in segments if s[0] == _PT_LOAD]
    strtab = _file_offset(r, loads, tags[_DT_STRTAB], "the dynamic string table")
    strsz = tags.get(_DT_STRSZ, _MAX_STRING)
    limit = strtab + strsz

    def name_at(index: int) -> str:
        if index >= strsz:
            raise r.fail(f"a name's index {index} lies beyond the dynamic string table")
        return r.string(strtab + index, "a name in the dynamic string table", limit)

    libraries = tuple(name_at(i) for i in needed[:_MAX_ENTRIES])
    versions: list[tuple[int, int]] = []
    if _DT_VERNEED in tags:
        at = _file_offset(r, loads, tags[_DT_VERNEED], "the version needs (.gnu.version_r)")
        for name in _version_needs(r, e, at, tags.get(_DT_VERNEEDNUM, 0), name_at):
            if match := _GLIBC.fullmatch(name):
                versions.append((int(match[1]), int(match[2])))
    return _Dynamic(pie=pie, needed=libraries, glibc=max(versions) if versions else None)


def _version_needs(
    r: _Reader, e: str, at: int, count: int, name_at: Callable[[int], str]
) -> Iterator[str]:
    """The version names (``GLIBC_2.34``, ...) of the ``count`` version needs at file offset
    ``at`` (the Elf_Verneed chain, each with its Vernaux chain), at most _MAX_ENTRIES."""
    if count > _MAX_ENTRIES:
        raise r.fail(f"it claims {count} version needs, more than any linker writes")
    seen = 0
    for _ in range(count):
        _, cnt, _, aux, nxt = r.unpack(f"{e}HHIII", at, "a version need (Elf_Verneed)")
        where = at + aux
        for _ in range(cnt):
            seen += 1
            if seen > _MAX_ENTRIES:
                raise r.fail("its version needs hold more entries than any linker writes")
            _, _, _, vna_name, vna_next = r.unpack(f"{e}IHHII", where, "a version (Vernaux)")
            yield name_at(vna_name)
            if not vna_next:
                break
            where += vna_next
        if not nxt:
            break
        at += nxt


def _file_offset(r: _Reader, loads: list[_Segment], address: int, what: str) -> int:
    """The file offset of a virtual address, through the PT_LOAD segment that maps it."""
    for _, offset, vaddr, filesz, _ in loads:
        if vaddr <= address < vaddr + filesz:
            return offset + address - vaddr
    raise r.fail(f"{what} (address {address:#x}) lies in no loaded segment")


def _elf_notes(
    r: _Reader, e: str, segments: list[_Segment], osabi: int
) -> tuple[str | None, str | None]:
    """The OS the ELF names (OS/ABI byte, then ABI notes) and the x86 ISA level it needs."""
    goos = _ELF_OSABI.get(osabi)
    level = None
    budget = (
        _MAX_NOTES  # over all segments: thousands of headers naming one note would cost minutes
    )
    for p_type, offset, _, filesz, align in segments:
        if p_type not in (_PT_NOTE, _PT_GNU_PROPERTY) or filesz > _MAX_NOTES:
            continue
        budget -= filesz
        if budget < 0:
            raise r.fail(
                f"its note segments hold more than {_MAX_NOTES} bytes, more than any linker writes"
            )
        data = r.bytes(offset, filesz, "a note segment")
        pad = 8 if align == 8 else 4
        at = 0
        while at + 12 <= len(data):
            namesz, descsz, n_type = struct.unpack_from(f"{e}III", data, at)
            name_end = at + 12 + namesz
            desc_at = name_end + (-name_end) % pad if namesz else at + 12
            if namesz > len(data) or descsz > len(data) or desc_at + descsz > len(data):
                break  # a malformed note ends the segment; the OS/ABI byte still stands
            name = data[at + 12 : name_end].rstrip(b"\0")
            desc = data[desc_at : desc_at + descsz]
            if goos is None and name in _ELF_NOTE_OS:
                goos = _ELF_NOTE_OS[name]
            elif goos is None and name == b"GNU" and n_type == 1 and len(desc) >= 4:
                goos = _GNU_ABI_OS.get(struct.unpack_from(f"{e}I", desc)[0])
            elif name == b"GNU" and n_type == 5:
                level = _x86_level(e, desc, pad) or level
            end = desc_at + descsz
            at = end + (-end) % pad
    return goos, level


def _x86_level(e: str, desc: bytes, pad: int) -> str | None:
    """GNU_PROPERTY_X86_ISA_1_NEEDED in a NT_GNU_PROPERTY_TYPE_0 note, as a GOAMD64 level."""
    at = 0
    while at + 8 <= len(desc):
        pr_type, size = struct.unpack_from(f"{e}II", desc, at)
        if pr_type == _X86_ISA_NEEDED and size >= 4 and at + 12 <= len(desc):
            bits = struct.unpack_from(f"{e}I", desc, at + 8)[0] & 0xF
            return f"v{bits.bit_length()}" if bits else None
        end = at + 8 + size
        at = end + (-end) % pad
    return None


# --- Mach-O ----------------------------------------------------------------------------------

_MACHO_MAGICS = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
_MACHO_CPUS = {
    7: "386",
    0x01000007: "amd64",
    12: "arm",
    0x0100000C: "arm64",
}
_MACHO_TYPES = {1: "object file", 2: "executable", 6: "shared library", 8: "bundle"}
_MACHO_PLATFORMS = {1: "darwin", 2: "ios", 6: "ios", 7: "ios"}  # macOS, iOS, Catalyst, simulator
_LC_BUILD_VERSION, _LC_VERSION_MIN_MACOSX, _LC_VERSION_MIN_IPHONEOS = 0x32, 0x24, 0x25
_CPU_SUBTYPE_X86_64_H = 8  # Haswell: the x86-64-v3 features


def _macho(r: _Reader) -> Executable:
    magic = r.bytes(0, 4, "the Mach-O magic")
    e = ">" if magic[:3] == b"\xfe\xed\xfa" else "<"
    bits = 64 if magic in (b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe") else 32
    _, cputype, subtype, filetype, ncmds, sizeofcmds, _ = r.unpack(f"{e}IiiIIII", 0, "the header")
    arch = _MACHO_CPUS.get(cputype)
    if arch is None:
        raise r.fail(f"it is a Mach-O for CPU type {cputype:#x}, which Go builds none for")
    if (bits == 64) != bool(cputype & 0x01000000):
        raise r.fail(f"it is a {bits}-bit Mach-O for {arch}, a CPU of the other width")
    commands = r.bytes(28 if bits == 32 else 32, sizeofcmds, "the load commands")
    if ncmds > _MAX_ENTRIES:
        raise r.fail(f"it claims {ncmds} load commands, more than any linker writes")
    # (platform, minimum) per version command: LC_BUILD_VERSION (Go 1.21+, Xcode 10+), or the
    # LC_VERSION_MIN_* of older toolchains. A zippered binary has two; macOS's is the one here.
    declared: list[tuple[str, tuple[int, int, int]]] = []
    at = 0
    for _ in range(ncmds):
        if at + 8 > len(commands):
            raise r.fail(f"its {ncmds} load commands overrun their {sizeofcmds} bytes")
        cmd, cmdsize = struct.unpack_from(f"{e}II", commands, at)
        if cmdsize < 8 or at + cmdsize > len(commands):
            raise r.fail(f"a load command ({cmd:#x}) has an impossible size, {cmdsize}")
        if cmd == _LC_BUILD_VERSION and cmdsize >= 16:
            platform, minos = struct.unpack_from(f"{e}II", commands, at + 8)
            if platform not in _MACHO_PLATFORMS:
                raise r.fail(f"it is built for Apple platform {platform}, not macOS or iOS")
            declared.append((_MACHO_PLATFORMS[platform], _nibbles(minos)))
        elif cmd in (_LC_VERSION_MIN_MACOSX, _LC_VERSION_MIN_IPHONEOS) and cmdsize >= 12:
            version = _nibbles(struct.unpack_from(f"{e}I", commands, at + 8)[0])
            declared.append(("darwin" if cmd == _LC_VERSION_MIN_MACOSX else "ios", version))
        at += cmdsize
    goos, min_os = next(
        (d for d in declared if d[0] == "darwin"), declared[0] if declared else ("darwin", None)
    )
    goamd64 = "v3" if arch == "amd64" and subtype & 0xFFFFFF == _CPU_SUBTYPE_X86_64_H else None
    return Executable(
        format="Mach-O",
        os=goos,
        arch=arch,
        bits=bits,
        kind=_MACHO_TYPES.get(filetype, f"Mach-O file of type {filetype}"),
        detail=f"Mach-O {bits}-bit",
        min_os=min_os,
        goamd64=goamd64,
    )


def _nibbles(version: int) -> tuple[int, int, int]:
    """A Mach-O version, ``xxxx.yy.zz`` in nibbles (loader.h), as (major, minor, patch)."""
    return version >> 16, (version >> 8) & 0xFF, version & 0xFF


def _fat(r: _Reader) -> Executable:
    magic, count = r.unpack(">II", 0, "the universal header")
    wide = magic == 0xCAFEBABF
    if not 0 < count <= _MAX_SLICES:
        raise r.fail(
            f"its universal header claims {count} architectures (a Java class file also begins "
            "with CAFEBABE)"
        )
    entry = ">iiQQII" if wide else ">iiIII"
    size = struct.calcsize(entry)
    slices: list[Executable] = []
    for index in range(count):
        fields = r.unpack(entry, 8 + index * size, f"architecture {index} of the universal header")
        offset, length = fields[2], fields[3]
        if offset < 8 + count * size or offset + length > r.size:
            raise r.fail(
                f"architecture {index} ({length} bytes at offset {offset}) lies outside the file"
            )
        inner = _Reader(r.stream, r.base + offset, length, f"{r.name} (architecture {index})")
        head = inner.bytes(0, min(length, 4), "the magic number")
        if head not in _MACHO_MAGICS:
            raise r.fail(f"architecture {index} is not a Mach-O (it begins with {head.hex(' ')})")
        thin = _macho(inner)
        if fields[0] != {v: k for k, v in _MACHO_CPUS.items()}[thin.arch]:
            raise r.fail(f"architecture {index} says CPU {fields[0]:#x} but holds {thin.arch}")
        slices.append(thin)
    if len({s.arch for s in slices}) != len(slices):
        raise r.fail("its universal header lists one architecture twice")
    if len({s.os for s in slices}) != 1 or len({s.kind for s in slices}) != 1:
        raise r.fail("its architectures are for different systems or of different kinds")
    slices.sort(key=lambda s: s.arch)
    return Executable(
        format="Mach-O universal",
        os=slices[0].os,
        arch="all",
        bits=max(s.bits for s in slices),
        kind=slices[0].kind,
        detail=f"Mach-O universal, {len(slices)} architectures",
        slices=tuple(slices),
    )


# --- PE --------------------------------------------------------------------------------------

_PE_MACHINES = {0x14C: "386", 0x8664: "amd64", 0x1C4: "arm", 0xAA64: "arm64", 0x5064: "riscv64"}
_PE_WIDE = {"amd64", "arm64", "riscv64"}  # the machines whose images are PE32+
_IMAGE_FILE_EXECUTABLE_IMAGE, _IMAGE_FILE_DLL = 0x0002, 0x2000


def _pe(r: _Reader) -> Executable:
    (lfanew,) = r.unpack("<I", 0x3C, "the DOS header's e_lfanew")
    if r.bytes(lfanew, 4, "the PE signature") != b"PE\0\0":
        raise r.fail("it begins with MZ but has no PE signature: a DOS program, not Windows")
    machine, _, _, _, _, optsize, flags = r.unpack("<HHIIIHH", lfanew + 4, "the COFF header")
    arch = _PE_MACHINES.get(machine)
    if arch is None:
        raise r.fail(f"it is a PE image for machine {machine:#06x}, which Go builds none for")
    if optsize < 2:
        raise r.fail("it has no optional header: an object file, not an image")
    (magic,) = r.unpack("<H", lfanew + 24, "the optional header")
    if magic not in (0x10B, 0x20B):
        raise r.fail(f"its optional header magic is {magic:#x}, neither PE32 nor PE32+")
    bits = 64 if magic == 0x20B else 32
    if (arch in _PE_WIDE) != (bits == 64):
        raise r.fail(f"it is a PE{'32+' if bits == 64 else '32'} image for {arch}, the wrong width")
    if flags & _IMAGE_FILE_DLL:
        kind = "shared library"
    elif flags & _IMAGE_FILE_EXECUTABLE_IMAGE:
        kind = "executable"
    else:
        kind = "image not marked executable"
    return Executable(
        format="PE",
        os="windows",
        arch=arch,
        bits=bits,
        kind=kind,
        detail="PE32+" if bits == 64 else "PE32",
    )


def binary_wheel_tag(
    binary: Path,
    target: Target,
    asset: str,
    *,
    armv7l: bool = False,
) -> str:
    """The wheel platform tag of the extracted ``binary`` of ``target``'s archive ``asset``:
    read from the binary (:func:`read_executable`), checked against the target and tagged by
    :func:`platforms.executable_tag`; what the binary is and its tag are logged.

    Raises :class:`ExecutableError` (unreadable, or not an executable for ``target``) or
    :class:`UnsupportedPlatformError` (no wheel tag exists for it: for a target PyPI takes no
    wheel for, also when its binary is in a format no tag is read from, such as AIX's XCOFF,
    Plan 9's a.out or WebAssembly). ``armv7l``: a GOARM 6
    binary also serves armv7l machines (:func:`platforms.executable_tag`).
    """
    from .platforms import executable_tag, no_wheel_reason

    try:
        executable = read_executable(binary, f"{binary.name} from {asset}")
    except OSError as exc:
        raise ExecutableError(f"{binary.name} from {asset} could not be read: {exc}") from None
    except ExecutableError as exc:
        reason = no_wheel_reason(target)
        if reason is None:
            raise
        # AIX's XCOFF, Plan 9, WebAssembly: of a target PyPI takes no wheel for, that is why.
        raise UnsupportedPlatformError(
            f"{reason} ({exc})", target=f"{target} ({asset})", subject="wheel platform tag"
        ) from None
    tag = executable_tag(executable, target, asset, armv7l=armv7l)
    if target.arch == "arm":
        _logger.info(
            "%s from %s: GOARM %s as the build declared it", binary.name, asset, target.variant
        )
    _logger.info("%s from %s is %s: wheel tag %s", binary.name, asset, executable.describe(), tag)
    return tag
