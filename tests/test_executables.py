"""The executable reader and the wheel tags it gives, on binaries Go really built.

The test CLI is built by the machine's Go for the six targets (conftest ``go_binaries``), by
older toolchains from the Go module proxy for macOS (``old_darwin_binaries``), with cgo against
this machine's glibc, and joined into universal binaries; ``readelf`` and Go's own release notes
are the oracles. Files written by hand (``support/executables.py``) cover what Go cannot build
here; the fuzz target (``fuzz/targets.py``) covers every other byte string.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import struct
import subprocess
import time
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from cerebrium_cli.errors import (
    ArchiveError,
    BootstrapError,
    ExecutableError,
    UnsupportedPlatformError,
)
from cerebrium_cli.executables import (
    Executable,
    binary_wheel_tag,
    parse_executable,
    read_executable,
)
from cerebrium_cli.platforms import Target, executable_tag, no_wheel_reason
from support import executables as handmade
from support.gocli import MAIN, SOURCE, TARGETS, go_env, macos_minimum

STATIC = {
    "amd64": "manylinux_2_17_x86_64.manylinux2014_x86_64.musllinux_1_1_x86_64",
    "arm64": "manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64",
}
CPU = {"amd64": 0x01000007, "arm64": 0x0100000C}


def _local_macos() -> tuple[int, int, int]:
    return (*macos_minimum(), 0)


# --- the six targets, as the machine's Go builds them --------------------------------------


@pytest.mark.e2e
@pytest.mark.parametrize("target", TARGETS, ids=lambda t: "/".join(t))
def test_the_reader_says_what_go_built_for_each_target(
    go_binaries: dict[tuple[str, str], Path], target: tuple[str, str]
) -> None:
    goos, goarch = target
    found = read_executable(go_binaries[target])
    assert (found.os, found.arch, found.bits, found.kind) == (goos, goarch, 64, "executable")
    assert found.format == {"linux": "ELF", "darwin": "Mach-O", "windows": "PE"}[goos]
    assert found.static is (goos == "linux")  # CGO_ENABLED=0: no interpreter, no libc
    assert found.interpreter is None
    assert found.libc is None
    assert found.glibc is None
    assert found.min_os == (_local_macos() if goos == "darwin" else None)
    assert found.goamd64 is None  # Go records no level in the headers (see the module doc)


@pytest.mark.e2e
@pytest.mark.parametrize("target", TARGETS, ids=lambda t: "/".join(t))
def test_each_targets_binary_gets_its_tag(
    logged: list[str], go_binaries: dict[tuple[str, str], Path], target: tuple[str, str]
) -> None:
    goos, goarch = target
    major = _local_macos()[0]
    expected = {
        "linux": STATIC[goarch],
        "darwin": f"macosx_{major}_0_{'x86_64' if goarch == 'amd64' else 'arm64'}",
        "windows": f"win_{goarch}",
    }[goos]

    tag = binary_wheel_tag(go_binaries[target], Target(goos, goarch), "asset.tar.gz")
    assert tag == expected
    what = read_executable(go_binaries[target]).describe()
    assert logged == [f"{go_binaries[target].name} from asset.tar.gz is {what}: wheel tag {tag}"]


# --- macOS minimums by Go version -----------------------------------------------------------

# (toolchain, arch): (minimum macOS in LC_BUILD_VERSION, wheel tag). Go 1.22's release notes ask
# for macOS 10.15, but its linker writes 10.13 on amd64: the tag says what the binary declares.
OLD = {
    ("go1.22.12", "amd64"): ((10, 13, 0), "macosx_10_13_x86_64"),
    ("go1.22.12", "arm64"): ((11, 0, 0), "macosx_11_0_arm64"),
    ("go1.24.11", "amd64"): ((11, 0, 0), "macosx_11_0_x86_64"),
    ("go1.24.11", "arm64"): ((11, 0, 0), "macosx_11_0_arm64"),
}


@pytest.mark.e2e
@pytest.mark.parametrize(("toolchain", "arch"), sorted(OLD), ids=lambda v: str(v))
def test_older_go_toolchains_declare_older_macos_and_get_older_tags(
    old_darwin_binaries: dict[str, dict[tuple[str, str], Path]], toolchain: str, arch: str
) -> None:
    binary = old_darwin_binaries[toolchain][("darwin", arch)]
    minimum, tag = OLD[toolchain, arch]
    assert read_executable(binary).min_os == minimum
    assert binary_wheel_tag(binary, Target("darwin", arch), "asset") == tag


@pytest.mark.e2e
def test_the_machines_go_declares_macos_12(go_binaries: dict[tuple[str, str], Path]) -> None:
    if macos_minimum() < (12, 0):
        pytest.skip("the machine's Go is older than 1.25")
    for arch in ("amd64", "arm64"):
        binary = go_binaries[("darwin", arch)]
        assert read_executable(binary).min_os == (12, 0, 0)
        tag = binary_wheel_tag(binary, Target("darwin", arch), "asset")
        assert tag == f"macosx_12_0_{'x86_64' if arch == 'amd64' else 'arm64'}"


# --- universal binaries ---------------------------------------------------------------------


def _lipo(slices: dict[str, Path], out: Path, *, wide: bool = False) -> Path:
    """``lipo -create``: a universal binary of whole thin binaries (page-aligned, as Apple's)."""
    pairs = [(CPU[arch], path.read_bytes()) for arch, path in sorted(slices.items())]
    out.write_bytes(handmade.fat(pairs, wide=wide, align=14))
    return out


@pytest.mark.e2e
@pytest.mark.parametrize("wide", [False, True], ids=["FAT_MAGIC", "FAT_MAGIC_64"])
def test_a_universal_binary_gives_one_universal2_tag(
    go_binaries: dict[tuple[str, str], Path], tmp_path: Path, wide: bool
) -> None:
    thin = {arch: go_binaries[("darwin", arch)] for arch in ("amd64", "arm64")}
    universal = _lipo(thin, tmp_path / "cerebrium", wide=wide)
    found = read_executable(universal)
    assert (found.format, found.os, found.arch) == ("Mach-O universal", "darwin", "all")
    assert [(s.arch, s.min_os) for s in found.slices] == [
        ("amd64", _local_macos()),
        ("arm64", _local_macos()),
    ]
    major = _local_macos()[0]
    for arch in ("amd64", "arm64"):  # it serves both darwin targets, with one tag
        tag = binary_wheel_tag(universal, Target("darwin", arch), "asset")
        assert tag == f"macosx_{major}_0_universal2"


@pytest.mark.e2e
def test_a_universal_binary_of_older_toolchains_claims_the_lowest_both_slices_allow(
    old_darwin_binaries: dict[str, dict[tuple[str, str], Path]],
    go_binaries: dict[tuple[str, str], Path],
    tmp_path: Path,
) -> None:
    go122 = old_darwin_binaries["go1.22.12"]
    both_old = _lipo({a: go122[("darwin", a)] for a in CPU}, tmp_path / "old")
    assert binary_wheel_tag(both_old, Target("darwin", "arm64"), "a") == "macosx_10_13_universal2"
    newer_arm = _lipo(
        {"amd64": go122[("darwin", "amd64")], "arm64": go_binaries[("darwin", "arm64")]},
        tmp_path / "mixed",
    )
    major = _local_macos()[0]
    assert binary_wheel_tag(newer_arm, Target("darwin", "amd64"), "a") == (
        f"macosx_{major}_0_universal2" if major > 11 else "macosx_10_13_universal2"
    )


@pytest.mark.e2e
def test_goreleasers_universal_binary_gives_one_universal2_tag(
    goreleaser: object, tmp_path: Path
) -> None:
    from support.goreleaser import UNIVERSAL_BINARY, GoReleaser

    assert isinstance(goreleaser, GoReleaser)
    config = Path(__file__).parent / "goreleaser_configs" / "universal-replace.yaml"
    dist = goreleaser.run(config)
    (universal,) = dist.of_type(UNIVERSAL_BINARY)
    found = read_executable(universal.path)
    assert found.arch == "all"
    assert [s.arch for s in found.slices] == ["amd64", "arm64"]
    major = _local_macos()[0]
    assert binary_wheel_tag(universal.path, Target("darwin", "arm64"), "a") == (
        f"macosx_{major}_0_universal2"
    )


# --- dynamic linking ------------------------------------------------------------------------


def _cgo_build(out: Path, *flags: str) -> Path:
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("a C compiler is needed for a cgo build")
    env = {**go_env(), "CGO_ENABLED": "1"}
    command = ["go", "build", *flags, "-o", str(out), MAIN]
    result = subprocess.run(command, cwd=SOURCE, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return out


def _readelf_glibc(path: Path) -> tuple[int, int]:
    """The highest GLIBC_x.y readelf lists among the binary's version needs: the oracle."""
    out = subprocess.run(
        ["readelf", "-V", "-W", str(path)], capture_output=True, text=True, check=True
    ).stdout
    needs = out.split("Version needs section", 1)[1]
    found = re.findall(r"Name: GLIBC_(\d+)\.(\d+)", needs)
    return max((int(a), int(b)) for a, b in found)


@pytest.mark.e2e
@pytest.mark.skipif(os.uname().sysname != "Linux", reason="links against this machine's glibc")
def test_a_cgo_binary_needs_glibc_and_gets_manylinux_of_its_floor_only(tmp_path: Path) -> None:
    if shutil.which("readelf") is None:
        pytest.skip("readelf (binutils) is the oracle")
    binary = _cgo_build(tmp_path / "cerebrium", "-ldflags=-linkmode=external")
    found = read_executable(binary)
    assert found.libc == "glibc"
    assert found.interpreter is not None
    assert found.interpreter.startswith("/lib")
    assert found.glibc == _readelf_glibc(binary)
    floor = max(found.glibc, (2, 17))
    machine = {"amd64": "x86_64", "arm64": "aarch64"}[found.arch]
    tag = binary_wheel_tag(binary, Target("linux", found.arch), "asset")
    expected = f"manylinux_{floor[0]}_{floor[1]}_{machine}"
    assert tag.split(".")[0] == expected
    assert "musllinux" not in tag


@pytest.mark.e2e
@pytest.mark.skipif(os.uname().sysname != "Linux", reason="links against this machine's glibc")
def test_a_position_independent_go_binary_names_glibcs_loader(tmp_path: Path) -> None:
    # -buildmode=pie without cgo: ET_DYN with glibc's loader as interpreter, no GLIBC_ needs.
    binary = _cgo_build(tmp_path / "cerebrium", "-buildmode=pie")
    found = read_executable(binary)
    assert found.kind == "executable"
    assert found.libc == "glibc"
    assert not found.static
    assert binary_wheel_tag(binary, Target("linux", found.arch), "a").startswith("manylinux_2_17_")


def test_handmade_dynamic_binaries_of_other_shapes() -> None:
    def read(data: bytes) -> Executable:
        return parse_executable(io.BytesIO(data), "x")

    glibc = ["GLIBC_2.0", "GLIBC_2.28"]
    i386 = read(handmade.elf(bits=32, machine=3, interpreter="/lib/ld-linux.so.2", versions=glibc))
    assert (i386.arch, i386.bits, i386.libc, i386.glibc) == ("386", 32, "glibc", (2, 28))
    assert executable_tag(i386, Target("linux", "386"), "a") == "manylinux_2_28_i686"
    s390x = read(handmade.elf(big_endian=True, machine=22, interpreter="/lib/ld64.so.1",
                              versions=["GLIBC_2.17", "GLIBC_PRIVATE"]))  # fmt: skip
    assert (s390x.arch, s390x.glibc) == ("s390x", (2, 17))
    ppc64 = read(handmade.elf(big_endian=True, machine=21))
    assert ppc64.arch == "ppc64"
    musl = read(handmade.elf(interpreter="/lib/ld-musl-x86_64.so.1", needed=["libc.so"]))
    assert (musl.libc, musl.glibc) == ("musl", None)
    assert executable_tag(musl, Target("linux", "amd64"), "a") == "musllinux_1_2_x86_64"
    freebsd = read(handmade.elf(osabi=9))
    assert freebsd.os == "freebsd"
    library = read(handmade.elf(e_type=3))  # ET_DYN with neither interpreter nor PIE flag
    assert library.kind == "shared library"
    old = read(handmade.macho(old_command=True, minimum=(10, 9, 0)))
    assert old.min_os == (10, 9, 0)
    assert executable_tag(old, Target("darwin", "amd64"), "a") == "macosx_10_9_x86_64"
    haswell = read(handmade.macho(subtype=8))
    assert haswell.goamd64 == "v3"
    dll = read(handmade.pe(characteristics=0x2022))
    assert dll.kind == "shared library"
    win32 = read(handmade.pe(machine=0x14C, wide=False))
    assert executable_tag(win32, Target("windows", "386"), "a") == "win32"


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("built", "target", "what"),
    [
        (("linux", "arm64"), "linux/amd64", "a Linux arm64 executable (ELF 64-bit LSB, static)"),
        (("darwin", "amd64"), "linux/amd64", "a macOS amd64 executable (Mach-O 64-bit, macOS"),
        (("windows", "arm64"), "windows/amd64", "a Windows arm64 executable (PE32+)"),
        (("linux", "amd64"), "darwin/amd64", "a Linux amd64 executable"),
    ],
)
def test_a_binary_for_another_target_is_refused_naming_asset_what_and_expected(
    go_binaries: dict[tuple[str, str], Path], built: tuple[str, str], target: str, what: str
) -> None:
    goos, goarch = target.split("/")
    with pytest.raises(ExecutableError) as info:
        binary_wheel_tag(go_binaries[built], Target(goos, goarch), f"cerebrium_cli_{goos}.tgz")
    message = str(info.value)
    assert message.startswith(f"cerebrium_cli_{goos}.tgz holds {what}")
    assert f"not an executable for {target}" in message
    assert isinstance(info.value, ArchiveError)
    assert isinstance(info.value, BootstrapError)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "is not an ELF, Mach-O or PE executable: it begins with nothing: the file is empty"),
        (b"#!/bin/sh\nexec true\n", "is a script: it begins with 23 21 2f 62"),
        (b"PK\x03\x04rest", "is not an ELF, Mach-O or PE executable: it begins with 50 4b 03 04"),
        (b"\x7fELF", "the ELF identification (16 bytes at offset 0) lies beyond its end (4 bytes)"),
        (b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + bytes(32), "claims 52 architectures (a Java class"),
        (b"MZ" + bytes(62), "no PE signature"),
        (handmade.elf(machine=0x1234), "for machine 4660, which Go builds none for"),
        (handmade.macho(cputype=99), "CPU type 0x63, which Go builds none for"),
        (handmade.pe(machine=0x8664, wide=False), "PE32 image for amd64, the wrong width"),
        (handmade.macho(platform=3), "built for Apple platform 3, not macOS or iOS"),
    ],
)
def test_what_is_not_a_readable_executable_is_refused_clearly(data: bytes, words: str) -> None:
    with pytest.raises(ExecutableError) as info:
        parse_executable(io.BytesIO(data), "cerebrium from asset.tar.gz")
    message = str(info.value)
    assert message.startswith("cerebrium from asset.tar.gz ")
    assert words in message
    assert "report it to the publisher" in message


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x01\xf7\x00\x04" + bytes(60), "an AIX XCOFF64 file (it begins with 01 f7 00 04)"),
        (b"\x00asm\x01\x00\x00\x00", "a WebAssembly module (it begins with 00 61 73 6d)"),
        (b"\x00\x00\x8a\x97" + bytes(36), "a Plan 9 amd64 executable"),
    ],
)
def test_the_other_formats_go_writes_are_named(data: bytes, words: str, tmp_path: Path) -> None:
    # GOOS aix, plan9, wasip1/js: no wheel tag is read from them, but the message says what
    # they are; for a target that gets wheels, it is still an executable error.
    with pytest.raises(ExecutableError) as info:
        parse_executable(io.BytesIO(data), "tool")
    assert str(info.value).startswith(f"tool is {words}")
    binary = tmp_path / "tool"
    binary.write_bytes(data)
    with pytest.raises(ExecutableError, match=re.escape(words)):
        binary_wheel_tag(binary, Target("linux", "amd64"), "tool.tar.gz")
    with pytest.raises(UnsupportedPlatformError) as refused:
        binary_wheel_tag(binary, Target("aix", "ppc64"), "tool.tar.gz")
    assert str(refused.value).startswith("aix/ppc64 gets no wheel: ")
    assert words in str(refused.value)


@pytest.mark.e2e
def test_every_truncation_of_a_real_binary_is_a_value_or_a_clear_refusal(
    go_binaries: dict[tuple[str, str], Path], tmp_path: Path
) -> None:
    refused = 0
    for target, path in go_binaries.items():
        data = path.read_bytes()
        for cut in [*range(0, 600, 7), 4096, len(data) // 2, len(data) - 1]:
            try:
                found = parse_executable(io.BytesIO(data[:cut]), f"{target}@{cut}")
            except ExecutableError as exc:
                message = str(exc)
            else:
                message = ""
                assert (found.os, found.arch) == target  # what is read is still the truth
            if message:
                assert message.startswith(f"{target}@{cut} ")
                refused += 1
    assert refused > 100


class _Counting(io.RawIOBase):
    """A file that counts the bytes read from it."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream, self.read_bytes = stream, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.stream.seek(offset, whence)

    def tell(self) -> int:
        return self.stream.tell()

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.stream.read(len(buffer))
        buffer[: len(data)] = data
        self.read_bytes += len(data)
        return len(data)


@pytest.mark.e2e
def test_only_the_headers_are_read(
    go_binaries: dict[tuple[str, str], Path], tmp_path: Path
) -> None:
    dynamic = _cgo_build(tmp_path / "dynamic", "-ldflags=-linkmode=external")
    for path in [*go_binaries.values(), dynamic]:
        with open(path, "rb") as raw:
            counting = _Counting(raw)
            parse_executable(counting, path.name)  # type: ignore[arg-type]
        assert counting.read_bytes < 16 << 10, (path, counting.read_bytes)
        assert path.stat().st_size > 1 << 20


def test_a_huge_claimed_table_is_refused_without_reading_it() -> None:
    data = bytearray(handmade.elf())
    struct.pack_into("<H", data, 56, 0xFFFE)  # e_phnum: 65534 program headers of 56 bytes
    with pytest.raises(ExecutableError, match="lies beyond its end"):
        parse_executable(io.BytesIO(bytes(data)), "x")
    macho = bytearray(handmade.macho())
    struct.pack_into("<I", macho, 20, 1 << 30)  # sizeofcmds: 1 GiB
    with pytest.raises(ExecutableError, match="lies beyond its end"):
        parse_executable(io.BytesIO(bytes(macho)), "x")


def test_an_unreadable_binary_is_an_executable_error(tmp_path: Path) -> None:
    with pytest.raises(ExecutableError, match="could not be read"):
        binary_wheel_tag(tmp_path / "missing", Target("linux", "amd64"), "asset")


@pytest.mark.e2e
def test_bootstrap_wheels_writes_one_universal2_wheel_for_both_darwin_targets(
    logged: list[str],
    go_binaries: dict[tuple[str, str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GoReleaser's universal_binaries (replace: true) serve both darwin targets from one
    # archive: build_wheels, its verification stubbed here, writes that binary's wheel once.
    from types import SimpleNamespace

    from cerebrium_cli import wheels

    universal = _lipo({a: go_binaries[("darwin", a)] for a in CPU}, tmp_path / "universal")

    def extract(install: object, archive: object, dest: Path) -> Path:
        dest.mkdir(parents=True)
        return Path(shutil.copy(universal, dest / "cerebrium"))

    content = wheels.WheelContent(
        "cerebrium", "2.0.0", {"cerebrium_cli/__init__.py": b""}, {"METADATA": b"Name: cerebrium\n"}
    )

    release: Any = SimpleNamespace(
        project_name="cerebrium",
        no_wheel=no_wheel_reason,
        armv7l_from=lambda target: False,
        level=lambda target: None,
    )

    def each(release: object, tag: str, targets: list[Target], *a: object, **k: object) -> object:
        name = "cerebrium_darwin_all.tar.gz"
        for target in targets:
            plan = SimpleNamespace(target=target, tag=tag, archive_name=name, sboms=())
            yield SimpleNamespace(release=release, plan=plan)

    monkeypatch.setattr(wheels, "installed_content", lambda release: content)
    monkeypatch.setattr(wheels, "Install", SimpleNamespace(each=each))
    monkeypatch.setattr(
        wheels, "verified_archives", lambda installs, *a, **k: ((i, None) for i in installs)
    )
    monkeypatch.setattr(wheels, "extract", extract)
    record = {"verification.json": b"{}\n"}  # evidence.py, tested on its own
    monkeypatch.setattr(wheels, "dist_info_files", lambda *a, **k: dict(record))
    sources: Any = None
    darwin = [Target("darwin", "amd64"), Target("darwin", "arm64")]
    made = wheels.build_wheels(
        release, "v2.0.0", darwin, sources, tmp_path / "out", tmp_path / "work"
    )
    major = _local_macos()[0]
    assert [p.name for p in made] == [f"cerebrium-2.0.0-py3-none-macosx_{major}_0_universal2.whl"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [made[0].name]
    assert sum("wrote" in line for line in logged) == 1


def test_thousands_of_headers_naming_one_note_are_refused_in_bounded_time() -> None:
    # Red team: 18724 PT_NOTE headers (1 MiB) all naming one 64 KiB note of empty notes made the
    # reader walk 100 million notes (36 s) for a 1 MiB file.
    data = handmade.note_flood()
    started = time.monotonic()
    with pytest.raises(ExecutableError, match="note segments hold more than 65536 bytes"):
        parse_executable(io.BytesIO(data), "x")
    assert time.monotonic() - started < 2
