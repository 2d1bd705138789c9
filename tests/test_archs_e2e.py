"""Every target GoReleaser builds, on binaries Go really built: the wheel tag or the refusal.

A tiny Go program is cross-built for each target (``support/crossbuild.py``); ``readelf`` and
``file`` say independently what each file is. The expected tags are the rules' own: PEP 599
(manylinux2014), PEP 600 (``manylinux_x_y``), PEP 656 (musllinux), PEP 425 (``win32``,
``linux_armv6l``), and pypi/warehouse's list of the platform tags it accepts
(``warehouse/forklift/legacy.py``). The sdist build is then run, for each kind of machine
(``platform`` facts patched in), on a release shaped as trivy's (``crossbuild.TRIVY_SHAPE``),
with those real binaries.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cerebrium_cli import bootstrap, build
from cerebrium_cli.description import read_config
from cerebrium_cli.errors import UnsupportedPlatformError
from cerebrium_cli.executables import binary_wheel_tag, read_executable
from cerebrium_cli.platforms import Target, current_target, no_wheel_reason
from support.crossbuild import CROSS, Cross, build_cross, write_trivy_shape

if TYPE_CHECKING:
    from setuptools.command.bdist_wheel import bdist_wheel

ARMV7L = "manylinux_2_17_armv7l.manylinux2014_armv7l.musllinux_1_1_armv7l.linux_armv7l"


def _static(machine: str, *, musl: bool = True) -> str:
    """A static binary's tags: manylinux2014's floor and its legacy alias, musl's first."""
    tag = f"manylinux_2_17_{machine}.manylinux2014_{machine}"
    return tag + (f".musllinux_1_1_{machine}" if musl else "")


# What each build is as a target, and its wheel tag, or words of the reason it has none.
EXPECTED: dict[str, tuple[Target, str]] = {
    "linux_amd64": (Target("linux", "amd64"), _static("x86_64")),
    "linux_amd64_goamd64v3": (Target("linux", "amd64"), _static("x86_64")),
    "linux_arm64": (Target("linux", "arm64"), _static("aarch64")),
    "linux_386": (Target("linux", "386"), _static("i686")),
    "linux_arm_goarm5": (Target("linux", "arm", "5"), "GOARM 5 is older"),
    "linux_arm_goarm6": (Target("linux", "arm", "6"), "linux_armv6l"),
    "linux_arm_goarm7": (Target("linux", "arm", "7"), ARMV7L),
    "linux_ppc64le": (Target("linux", "ppc64le"), _static("ppc64le")),
    "linux_ppc64": (Target("linux", "ppc64"), _static("ppc64", musl=False)),  # manylinux only
    "linux_s390x": (Target("linux", "s390x"), _static("s390x")),
    # glibc 2.27 was the first with riscv64; warehouse takes no manylinux2014 alias for it.
    "linux_riscv64": (Target("linux", "riscv64"), "manylinux_2_27_riscv64.musllinux_1_1_riscv64"),
    "linux_loong64": (Target("linux", "loong64"), "no manylinux or musllinux tag for loongarch64"),
    "linux_mips64le_gomips64hardfloat": (
        Target("linux", "mips64le", "hardfloat"),
        "no manylinux or musllinux tag for mips64le",
    ),
    "linux_mips_gomipshardfloat": (
        Target("linux", "mips", "hardfloat"),
        "no manylinux or musllinux tag for mips",
    ),
    "linux_mipsle_gomipssoftfloat": (
        Target("linux", "mipsle", "softfloat"),
        "no manylinux or musllinux tag for mipsle",
    ),
    "windows_386": (Target("windows", "386"), "win32"),
    "windows_amd64": (Target("windows", "amd64"), "win_amd64"),
    "windows_arm64": (Target("windows", "arm64"), "win_arm64"),
    "freebsd_amd64": (Target("freebsd", "amd64"), "Linux, macOS and Windows only, not freebsd"),
    "freebsd_arm_goarm7": (Target("freebsd", "arm", "7"), "not freebsd"),
    "openbsd_arm64": (Target("openbsd", "arm64"), "not openbsd"),
    "netbsd_amd64": (Target("netbsd", "amd64"), "not netbsd"),
    "android_arm64": (Target("android", "arm64"), "not android"),
    "solaris_amd64": (Target("solaris", "amd64"), "not solaris"),
    "aix_ppc64": (Target("aix", "ppc64"), "not aix"),
    "plan9_amd64": (Target("plan9", "amd64"), "not plan9"),
    "wasip1_wasm": (Target("wasip1", "wasm"), "not wasip1"),
}
TAGGED = {name for name, (_, want) in EXPECTED.items() if re.fullmatch(r"[a-z0-9_.]+", want)}

# readelf's "Machine", byte order and class -> GOARCH, from the gABI's e_machine names.
_READELF = """\
Advanced Micro Devices X86-64 little 64 amd64
AArch64 little 64 arm64
Intel 80386 little 32 386
ARM little 32 arm
PowerPC64 little 64 ppc64le
PowerPC64 big 64 ppc64
IBM S/390 big 64 s390x
RISC-V little 64 riscv64
LoongArch little 64 loong64
MIPS R3000 little 64 mips64le
MIPS R3000 little 32 mipsle
MIPS R3000 big 32 mips
"""
READELF_ARCH = {
    (machine, order, int(bits)): goarch
    for machine, order, bits, goarch in (line.rsplit(maxsplit=3) for line in _READELF.splitlines())
}
READELF_OS = {"UNIX - FreeBSD": "freebsd", "UNIX - NetBSD": "netbsd"}  # Go's OS/ABI marks
FILE_PE = {  # file(1)'s words for a PE image's machine
    "386": "PE32 executable (console) Intel 80386",
    "amd64": "PE32+ executable (console) x86-64",
    "arm64": "PE32+ executable (console) Aarch64",
}
# GOOS whose binaries are neither ELF nor PE nor Mach-O (XCOFF, Plan 9 a.out, WebAssembly).
FOREIGN = {"aix", "plan9", "wasip1"}


@pytest.fixture(scope="session")
def cross_binaries(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The tiny program built for every entry of ``crossbuild.CROSS`` (Go's build cache under
    the tests' cache keeps it to seconds), by build name."""
    return {c.name: path for c, path in build_cross(tmp_path_factory.mktemp("cross")).items()}


def test_every_cross_build_has_an_expectation() -> None:
    assert sorted(c.name for c in CROSS) == sorted(EXPECTED)


def _readelf(binary: Path) -> dict[str, str]:
    out = subprocess.run(
        ["readelf", "-h", str(binary)], capture_output=True, text=True, check=True
    ).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def _check_against_the_oracles(binary: Path, cross: Cross) -> None:
    """What readelf (ELF) or file (PE) says the binary is, against the reader, and both
    against what Go was asked to build."""
    found = read_executable(binary)
    assert (found.os, found.arch, found.kind) == (cross.goos, cross.goarch, "executable")
    if found.format == "ELF":
        header = _readelf(binary)
        order = "little" if "little endian" in header["Data"] else "big"
        bits = int(header["Class"].removeprefix("ELF"))
        assert READELF_ARCH[(header["Machine"], order, bits)] == found.arch
        assert found.bits == bits
        assert ("MSB" in found.detail) is (order == "big")
        assert READELF_OS.get(header["OS/ABI"], found.os) == found.os
    else:
        assert found.format == "PE"
        words = subprocess.run(["file", "-b", str(binary)], capture_output=True, text=True).stdout
        assert words.startswith(FILE_PE[cross.goarch]), words
        assert found.bits == (32 if cross.goarch == "386" else 64)


@pytest.mark.e2e
@pytest.mark.parametrize("cross", CROSS, ids=lambda c: c.name)
def test_every_target_gets_its_tag_or_its_refusal(
    logged: list[str], cross_binaries: dict[str, Path], cross: Cross
) -> None:
    binary = cross_binaries[cross.name]
    target, want = EXPECTED[cross.name]
    asset = f"tool_{cross.name}.tar.gz"
    reason = no_wheel_reason(target)
    if cross.goos not in FOREIGN:
        _check_against_the_oracles(binary, cross)
    if cross.name in TAGGED:
        assert reason is None
        assert binary_wheel_tag(binary, target, asset) == want
        assert logged[-1].endswith(f"wheel tag {want}")
        return
    assert reason is not None
    assert want in reason
    assert reason.startswith(f"{target} gets no wheel:")
    with pytest.raises(UnsupportedPlatformError) as refused:
        binary_wheel_tag(binary, target, asset)
    assert str(refused.value).startswith(reason)
    assert refused.value.subject == "wheel platform tag"


@pytest.mark.e2e
def test_formats_no_tag_is_read_from_say_what_they_are(cross_binaries: dict[str, Path]) -> None:
    for name, words in (
        ("aix_ppc64", "an AIX XCOFF64 file"),
        ("plan9_amd64", "a Plan 9 amd64 executable"),
        ("wasip1_wasm", "a WebAssembly module"),
    ):
        with pytest.raises(UnsupportedPlatformError, match=re.escape(words)):
            binary_wheel_tag(cross_binaries[name], EXPECTED[name][0], "asset")


@pytest.mark.e2e
def test_a_goarm6_build_serves_armv7l_when_the_release_builds_no_goarm7(
    cross_binaries: dict[str, Path],
) -> None:
    binary = cross_binaries["linux_arm_goarm6"]
    tag = binary_wheel_tag(binary, Target("linux", "arm", "6"), "a.tar.gz", armv7l=True)
    assert tag == f"linux_armv6l.{ARMV7L}"
    # A GOARM 7 binary declared as GOARM 6 reads the same (Go writes no GOARM in the ELF):
    # the declared variant is what the tag can follow, and it never claims armv6l for v7.
    seven = read_executable(cross_binaries["linux_arm_goarm7"])
    six = read_executable(binary)
    assert (seven.arch, seven.bits, seven.detail) == (six.arch, six.bits, six.detail)


@pytest.mark.e2e
def test_goamd64_levels_are_not_in_the_headers(cross_binaries: dict[str, Path]) -> None:
    v1, v3 = (read_executable(cross_binaries[n]) for n in ("linux_amd64", "linux_amd64_goamd64v3"))
    assert v1 == v3
    assert v3.goamd64 is None


# --- the sdist build on each kind of machine -------------------------------------------------

# (platform.system(), platform.machine(), pointer bits, byte order) -> (the build that serves
# it, its wheel's tag).
MACHINES = [
    (("Linux", "x86_64", 64, "little"), "linux_amd64", _static("x86_64")),
    (("Linux", "aarch64", 64, "little"), "linux_arm64", _static("aarch64")),
    (("Linux", "armv7l", 32, "little"), "linux_arm_goarm6", f"linux_armv6l.{ARMV7L}"),
    (("Linux", "armv8l", 32, "little"), "linux_arm_goarm6", f"linux_armv6l.{ARMV7L}"),
    (("Linux", "aarch64", 32, "little"), "linux_arm_goarm6", f"linux_armv6l.{ARMV7L}"),
    (("Linux", "armv6l", 32, "little"), "linux_arm_goarm6", f"linux_armv6l.{ARMV7L}"),
    (("Linux", "i686", 32, "little"), "linux_386", _static("i686")),
    (("Linux", "x86_64", 32, "little"), "linux_386", _static("i686")),
    (("Linux", "ppc64le", 64, "little"), "linux_ppc64le", _static("ppc64le")),
    (("Linux", "s390x", 64, "big"), "linux_s390x", _static("s390x")),
    (
        ("Linux", "riscv64", 64, "little"),
        "linux_riscv64",
        "manylinux_2_27_riscv64.musllinux_1_1_riscv64",
    ),
    (("Windows", "AMD64", 64, "little"), "windows_amd64", "win_amd64"),
    (("Windows", "AMD64", 32, "little"), "windows_386", "win32"),
    (("Windows", "x86", 32, "little"), "windows_386", "win32"),
    (("Windows", "ARM64", 64, "little"), "windows_arm64", "win_arm64"),
]


def _sdist_wheel_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, machine: tuple[str, str, int, str]
) -> tuple[bdist_wheel, Path]:
    """The sdist's bdist_wheel for the trivy-shaped project on ``machine``, and where its
    binary goes in the wheel's tree."""
    from types import SimpleNamespace

    description = read_config(write_trivy_shape(tmp_path / "goreleaser.yaml"))
    release = description.release()
    target = current_target(*machine)
    monkeypatch.setattr(build, "current_target", lambda: target)
    classes = build.command_classes(release, description)
    command: bdist_wheel = classes["bdist_wheel"](
        build.BinaryDistribution({"name": "tool", "version": "2.0.0"})
    )
    command.ensure_finalized()
    tree = tmp_path / "tree"
    finalized = SimpleNamespace(install_dir=str(tree))
    monkeypatch.setattr(command, "get_finalized_command", lambda name: finalized)
    return command, tree / release.import_name / "bin"


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("machine", "served", "tag"), MACHINES, ids=[" ".join(map(str, m[0])) for m in MACHINES]
)
def test_the_sdist_build_on_each_machine_tags_the_binary_it_is_served(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    cross_binaries: dict[str, Path],
    machine: tuple[str, str, int, str],
    served: str,
    tag: str,
) -> None:
    command, bin_dir = _sdist_wheel_command(monkeypatch, tmp_path, machine)
    bin_dir.mkdir(parents=True)
    exe = ".exe" if served.startswith("windows") else ""
    (bin_dir / f"tool{exe}").write_bytes(cross_binaries[served].read_bytes())
    assert command.get_tag() == ("py3", "none", tag)
    # pip on that machine installs the wheel (packaging.tags, pip's own rules): with glibc, with
    # musl, and on ARM with neither offered (a soft-float userland, Debian armel, on ARMv7).
    libcs = ["glibc", "musl"] + (["none"] if served.startswith("linux_arm_") else [])
    for libc in libcs:
        platforms = _pip_platforms(monkeypatch, machine, libc)
        assert set(tag.split(".")) & set(platforms), (libc, platforms)


# sysconfig.get_platform() of CPython on Windows, by machine and interpreter width.
_WINDOWS_PLATFORMS = {
    ("AMD64", 64): "win-amd64",
    ("AMD64", 32): "win32",
    ("x86", 32): "win32",
    ("ARM64", 64): "win-arm64",
}


def _pip_platforms(
    monkeypatch: pytest.MonkeyPatch, machine: tuple[str, str, int, str], libc: str
) -> list[str]:
    """The platform tags packaging.tags gives an interpreter on ``machine`` (as pip asks it),
    its C library being ``libc`` (``glibc`` 2.31, a hard-float one on ARM; ``musl`` 1.2; or
    ``none`` of the two)."""
    import sysconfig

    from packaging import _manylinux, _musllinux, tags

    system, uname, bits, _ = machine
    if system == "Windows":
        monkeypatch.setattr(sysconfig, "get_platform", lambda: _WINDOWS_PLATFORMS[(uname, bits)])
        return list(tags._generic_platforms())
    # CPython's get_platform() on Linux is linux-<uname -m>, whatever the interpreter's width.
    monkeypatch.setattr(sysconfig, "get_platform", lambda: f"linux-{uname}")
    monkeypatch.setattr(_manylinux, "_have_compatible_abi", lambda exe, archs: libc == "glibc")
    monkeypatch.setattr(_manylinux, "_get_glibc_version", lambda: (2, 31))
    musl = _musllinux._MuslVersion(1, 2) if libc == "musl" else None
    monkeypatch.setattr(_musllinux, "_get_musl_version", lambda exe: musl)
    return list(tags._linux_platforms(is_32bit=bits == 32))


@pytest.mark.parametrize(
    ("machine", "words"),
    [
        (("Linux", "armv5tel", 32, "little"), "linux/armv5"),
        (("Linux", "mips64", 64, "little"), "linux/mips64le"),
        (("FreeBSD", "amd64", 64, "little"), "freebsd/amd64"),
    ],
)
def test_the_sdist_build_on_a_machine_no_build_serves_stops_listing_them(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    machine: tuple[str, str, int, str],
    words: str,
) -> None:
    command, _ = _sdist_wheel_command(monkeypatch, tmp_path, machine)
    with pytest.raises(SystemExit) as stopped:
        command.get_tag()
    message = str(stopped.value.code)
    assert f"tool publishes no build for this platform, {words}" in message
    assert "linux/armv6, linux/ppc64le" in message


# --- bootstrap wheels --config: --platform against that project's targets ---------------------


def test_wheels_platform_is_checked_against_the_configured_projects_targets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_trivy_shape(tmp_path / "goreleaser.yaml")
    release_dir = tmp_path / "release"
    release_dir.mkdir()
    common = ["wheels", "--config", str(config), "--from", str(release_dir), "--version", "1.0.0"]
    out = ["--out", str(tmp_path / "out")]
    # linux/armv7: not among this project's targets (it builds GOARM 6 only), nor this
    # package's own (amd64 and arm64): refused with the project's list, nothing written.
    assert bootstrap.main([*common, *out, "--platform", "linux/armv7"]) == 1
    err = capsys.readouterr().err
    targets = ", ".join(str(t) for t in read_config(config).release().targets)
    assert (
        f"--platform linux/armv7: tool builds no such target; its targets are {targets} "
        "(linux/armv6's wheel is tagged for armv7l machines too)"
    ) in err
    assert "linux/armv6" in targets
    assert not (tmp_path / "out").exists()
    # linux/ppc64le is the project's, though not this package's own: accepted by the check,
    # and the command goes on to the release, where this empty directory has no checksums.
    assert bootstrap.main([*common, *out, "--platform", "linux/ppc64le"]) == 1
    err = capsys.readouterr().err
    assert "builds no such target" not in err
    assert "checksums" in err
