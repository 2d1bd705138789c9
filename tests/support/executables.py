"""Executable headers written by hand, from the format specifications, not from the reader.

Small files in each layout the reader must handle (ELF of both classes and byte orders, with
an interpreter and ``GLIBC_x.y`` version needs; Mach-O with either minimum-version command;
universal Mach-O of either header width; PE32 and PE32+), for tests of what real Go cannot
build here (big-endian, 32-bit dynamic, musl, DLLs) and as the fuzz targets' structured input.
Real binaries built by Go are the tests' main evidence; these fill the corners.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

__all__ = ["elf", "fat", "macho", "note_flood", "pe"]

_BASE = 0x400000  # the one PT_LOAD maps the whole file here


def elf(
    *,
    bits: int = 64,
    big_endian: bool = False,
    machine: int = 62,
    e_type: int = 2,
    osabi: int = 0,
    flags: int = 0,
    interpreter: str | None = None,
    needed: Sequence[str] = (),
    versions: Sequence[str] = (),
) -> bytes:
    """An ELF with one PT_LOAD over the whole file and, when given, PT_INTERP and PT_DYNAMIC
    (DT_NEEDED, DT_STRTAB, DT_STRSZ and, with ``versions``, DT_VERNEED for ``libc.so.6``)."""
    e = ">" if big_endian else "<"
    w = "I" if bits == 32 else "Q"
    ehsize, phentsize = (52, 32) if bits == 32 else (64, 56)
    dynamic = bool(needed or versions)
    phnum = 1 + (interpreter is not None) + dynamic
    body_at = ehsize + phnum * phentsize

    strings = bytearray(b"\0")

    def intern(text: str) -> int:
        at = len(strings)
        strings.extend(text.encode() + b"\0")
        return at

    interp_bytes = (interpreter.encode() + b"\0") if interpreter is not None else b""
    needed_at = [intern(n) for n in needed]
    libc_at = intern("libc.so.6")
    version_at = [intern(v) for v in versions]
    verneed = b""
    if versions:
        verneed = struct.pack(f"{e}HHIII", 1, len(versions), libc_at, 16, 0)
        for index, name_at in enumerate(version_at):
            last = index == len(versions) - 1
            verneed += struct.pack(f"{e}IHHII", 0, 0, index + 2, name_at, 0 if last else 16)

    interp_at = body_at
    strtab_at = interp_at + len(interp_bytes)
    verneed_at = strtab_at + len(strings)
    verneed_at += (-verneed_at) % 8
    entries = [(1, n) for n in needed_at] + [(5, _BASE + strtab_at), (10, len(strings))]
    if versions:
        entries += [(0x6FFFFFFE, _BASE + verneed_at), (0x6FFFFFFF, 1)]
    entries.append((0, 0))
    dyn_format = f"{e}iI" if bits == 32 else f"{e}qQ"
    dyn = b"".join(struct.pack(dyn_format, tag, value) for tag, value in entries)
    dynamic_at = verneed_at + len(verneed)
    dynamic_at += (-dynamic_at) % 8
    size = dynamic_at + (len(dyn) if dynamic else 0)

    def phdr(p_type: int, offset: int, filesz: int) -> bytes:
        vaddr = _BASE + offset
        if bits == 32:
            return struct.pack(f"{e}8I", p_type, offset, vaddr, vaddr, filesz, filesz, 4, 8)
        return struct.pack(f"{e}IIQQQQQQ", p_type, 4, offset, vaddr, vaddr, filesz, filesz, 8)

    phdrs = phdr(1, 0, size)
    if interpreter is not None:
        phdrs += phdr(3, interp_at, len(interp_bytes))
    if dynamic:
        phdrs += phdr(2, dynamic_at, len(dyn))
    ident = b"\x7fELF" + bytes([1 if bits == 32 else 2, 2 if big_endian else 1, 1, osabi])
    header = ident + bytes(8) + struct.pack(
        f"{e}HHI{w}{w}{w}IHHHHHH", e_type, machine, 1, _BASE, ehsize, 0, flags, ehsize,
        phentsize, phnum, 0, 0, 0,
    )  # fmt: skip
    out = bytearray(header + phdrs)
    out += interp_bytes + strings
    out += bytes(verneed_at - len(out)) + verneed
    if dynamic:
        out += bytes(dynamic_at - len(out)) + dyn
    return bytes(out)


def macho(
    *,
    cputype: int = 0x01000007,
    bits: int = 64,
    big_endian: bool = False,
    filetype: int = 2,
    minimum: tuple[int, int, int] | None = (12, 0, 0),
    platform: int = 1,
    old_command: bool = False,
    subtype: int = 3,
) -> bytes:
    """A Mach-O with one minimum-version command: LC_BUILD_VERSION, or with ``old_command``
    LC_VERSION_MIN_MACOSX (what toolchains wrote before macOS 10.14's SDK)."""
    e = ">" if big_endian else "<"
    commands = b""
    if minimum is not None:
        major, minor, patch = minimum
        version = major << 16 | minor << 8 | patch
        if old_command:
            commands = struct.pack(f"{e}IIII", 0x24, 16, version, version)
        else:
            commands = struct.pack(f"{e}IIIIII", 0x32, 24, platform, version, version, 0)
    magic = 0xFEEDFACF if bits == 64 else 0xFEEDFACE
    header = struct.pack(
        f"{e}IiiIIII", magic, cputype, subtype, filetype, 1 if commands else 0, len(commands), 0
    )
    if bits == 64:
        header += bytes(4)
    return header + commands


def fat(slices: Sequence[tuple[int, bytes]], *, wide: bool = False, align: int = 12) -> bytes:
    """A universal Mach-O of ``(cputype, thin Mach-O)`` slices, each at a 2**``align`` offset;
    ``wide`` writes FAT_MAGIC_64 with 64-bit offsets."""
    entry = ">iiQQII" if wide else ">iiIII"
    out = bytearray(struct.pack(">II", 0xCAFEBABF if wide else 0xCAFEBABE, len(slices)))
    header = 8 + len(slices) * struct.calcsize(entry)
    at = header + (-header) % (1 << align)
    placed = []
    for cputype, data in slices:
        placed.append((at, data))
        fields = (cputype, 3, at, len(data), align) + ((0,) if wide else ())
        out += struct.pack(entry, *fields)
        at += len(data) + (-len(data)) % (1 << align)
    for offset, data in placed:
        out += bytes(offset - len(out)) + data
    return bytes(out)


def pe(*, machine: int = 0x8664, wide: bool = True, characteristics: int = 0x0022) -> bytes:
    """A PE image's headers: DOS stub header, signature, COFF header and an optional header
    (PE32+ when ``wide``) with the console subsystem."""
    optional = struct.pack("<H", 0x20B if wide else 0x10B) + bytes(66) + struct.pack("<H", 3)
    optional += bytes((240 if wide else 224) - len(optional))
    coff = struct.pack("<HHIIIHH", machine, 0, 0, 0, 0, len(optional), characteristics)
    dos = b"MZ" + bytes(58) + struct.pack("<I", 64)
    return dos + b"PE\0\0" + coff + optional


def note_flood() -> bytes:
    """An amd64 ELF whose 18,724 program headers (1 MiB) are all PT_NOTE naming one 64 KiB
    segment of empty notes: a hundred million notes to walk, for 1.1 MiB (red team)."""
    count, note_size = (1 << 20) // 56, 64 << 10
    note_at = 64 + count * 56
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    header = ident + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0, 64, 0, 0, 64, 56, count, 0, 0, 0)
    note = struct.pack("<IIQQQQQQ", 4, 4, note_at, 0, 0, note_size, note_size, 4)
    return header + note * count + bytes(note_size)
