from __future__ import annotations

import pytest
from cerebrium_cli.errors import ExecutableError, UnsupportedPlatformError
from cerebrium_cli.executables import Executable
from cerebrium_cli.platforms import (
    SUPPORTED,
    Target,
    current_target,
    executable_tag,
    parse_target,
)


@pytest.mark.parametrize(
    ("system", "machine", "bits", "expected"),
    [
        ("Linux", "x86_64", 64, "linux/amd64"),
        ("Linux", "aarch64", 64, "linux/arm64"),
        ("Darwin", "x86_64", 64, "darwin/amd64"),
        ("Darwin", "arm64", 64, "darwin/arm64"),
        ("Windows", "AMD64", 64, "windows/amd64"),
        ("Windows", "ARM64", 64, "windows/arm64"),
        ("Linux", "riscv64", 64, "linux/riscv64"),
        ("Linux", "x86_64", 32, "linux/386"),  # 32-bit Python on a 64-bit machine
        ("Windows", "AMD64", 32, "windows/386"),
        ("Linux", "aarch64", 32, "linux/armv7"),  # 32-bit Python on a 64-bit ARM
        ("Linux", "i686", 32, "linux/386"),
        ("Linux", "armv7l", 32, "linux/armv7"),
        ("Linux", "armv6l", 32, "linux/armv6"),
        ("Linux", "armv8l", 32, "linux/armv7"),
        ("Linux", "ppc64le", 64, "linux/ppc64le"),
        ("Linux", "s390x", 64, "linux/s390x"),
        ("Linux", "loongarch64", 64, "linux/loong64"),
        ("Windows", "x86", 32, "windows/386"),
        ("Windows", "ARM64", 32, "windows/armv7"),
        ("FreeBSD", "amd64", 64, "freebsd/amd64"),
        ("FreeBSD", "i386", 32, "freebsd/386"),
        ("SunOS", "i86pc", 64, "solaris/amd64"),
        ("Linux", "armv5tel", 32, "linux/armv5"),  # older than any wheel: the release decides
        ("Linux", "armv8l", 64, "linux/armv7"),  # AArch32 whatever the pointer size says
        ("Linux", "armv7b", 32, "linux/armv7b"),  # big-endian: no Go target of that name
        ("Linux", "s390x", 32, "linux/s390x"),  # no 32-bit Go port: the name stays
    ],
)
def test_current_target_uses_go_names(system: str, machine: str, bits: int, expected: str) -> None:
    assert str(current_target(system, machine, bits)) == expected


@pytest.mark.parametrize(
    ("machine", "bits", "byteorder", "expected"),
    [
        ("mips64", 64, "little", Target("linux", "mips64le", "hardfloat")),
        ("mips64", 64, "big", Target("linux", "mips64", "hardfloat")),
        ("mips64", 32, "little", Target("linux", "mipsle", "hardfloat")),  # o32 userland
        ("mips", 32, "big", Target("linux", "mips", "hardfloat")),
        ("mips", 32, "little", Target("linux", "mipsle", "hardfloat")),
        ("ppc64", 64, "big", Target("linux", "ppc64")),
        ("ppc64le", 64, "little", Target("linux", "ppc64le")),
    ],
)
def test_current_target_of_a_mips_machine_follows_its_byte_order(
    machine: str, bits: int, byteorder: str, expected: Target
) -> None:
    # uname -m says mips64 on Debian's mips64el too: only the byte order tells them apart.
    assert current_target("Linux", machine, bits, byteorder) == expected


def test_current_targets_are_release_targets() -> None:
    # What current_target names is what the release description names (parse_target reads
    # GoReleaser's own spelling), so check_target can find it among the release's targets.
    for machine, bits in [("armv7l", 32), ("armv6l", 32), ("mips64", 64), ("i686", 32)]:
        target = current_target("Linux", machine, bits, "little")
        assert parse_target(str(target)) == target


def test_current_target_defaults_to_this_interpreter(monkeypatch: pytest.MonkeyPatch) -> None:
    import platform
    import struct
    import sys

    target = current_target()
    assert target.os == platform.system().lower()
    assert target == current_target(
        platform.system(), platform.machine(), struct.calcsize("P") * 8, sys.byteorder
    )
    # Each fact comes from where packaging.tags takes it: patched, the answer follows.
    monkeypatch.setattr(platform, "system", lambda: "Linux")
    monkeypatch.setattr(platform, "machine", lambda: "aarch64")
    assert current_target() == Target("linux", "arm64")
    from types import SimpleNamespace

    from cerebrium_cli import platforms

    # A 32-bit interpreter: sizeof(void *) is 4 (only the module's own view of struct patched).
    monkeypatch.setattr(platforms, "struct", SimpleNamespace(calcsize={"P": 4}.__getitem__))
    assert current_target() == Target("linux", "arm", "7")
    monkeypatch.setattr(platform, "machine", lambda: "mips64")
    monkeypatch.setattr(sys, "byteorder", "little")
    assert current_target() == Target("linux", "mipsle", "hardfloat")


@pytest.mark.parametrize(
    ("sysconfig_platform", "bits", "expected"),
    [
        ("win-amd64", 64, Target("windows", "amd64")),  # x64 Python emulated on ARM64
        ("win32", 32, Target("windows", "386")),  # x86 Python emulated on ARM64
        ("win-arm64", 64, Target("windows", "arm64")),  # native
        ("mingw_x86_64", 64, Target("windows", "arm64")),  # unknown: platform.machine() says
    ],
)
def test_on_windows_the_interpreters_own_machine_decides(
    monkeypatch: pytest.MonkeyPatch, sysconfig_platform: str, bits: int, expected: Target
) -> None:
    # pip installs the wheels of the interpreter's platform (packaging.tags reads
    # sysconfig.get_platform() on Windows), not of the processor it is emulated on.
    import platform
    import sysconfig
    from types import SimpleNamespace

    from cerebrium_cli import platforms

    monkeypatch.setattr(platform, "system", lambda: "Windows")
    monkeypatch.setattr(platform, "machine", lambda: "ARM64")
    monkeypatch.setattr(sysconfig, "get_platform", lambda: sysconfig_platform)
    monkeypatch.setattr(platforms, "struct", SimpleNamespace(calcsize={"P": bits // 8}.__getitem__))
    assert current_target() == expected


def _elf(
    arch: str,
    interpreter: str | None = None,
    libc: str | None = None,
    glibc: tuple[int, int] | None = None,
) -> Executable:
    return Executable(
        "ELF", "linux", arch, 64, "executable", "ELF 64-bit LSB", None, interpreter, libc, glibc
    )


def _macho(arch: str, min_os: tuple[int, int, int] | None, os: str = "darwin") -> Executable:
    return Executable("Mach-O", os, arch, 64, "executable", "Mach-O 64-bit", min_os)


def _universal(*slices: Executable) -> Executable:
    return Executable(
        "Mach-O universal", "darwin", "all", 64, "executable", "universal", slices=slices
    )


def _pe(arch: str, kind: str = "executable") -> Executable:
    return Executable("PE", "windows", arch, 32 if arch == "386" else 64, kind, "PE")


STATIC_X86_64 = "manylinux_2_17_x86_64.manylinux2014_x86_64.musllinux_1_1_x86_64"
ARMV7L = "manylinux_2_17_armv7l.manylinux2014_armv7l.musllinux_1_1_armv7l"


@pytest.mark.parametrize(
    ("executable", "target", "tag"),
    [
        # Linux static: every glibc and every musl, from the lowest each architecture has.
        (_elf("amd64"), "linux/amd64", STATIC_X86_64),
        (
            _elf("arm64"),
            "linux/arm64",
            "manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64",
        ),
        (_elf("386"), "linux/386", "manylinux_2_17_i686.manylinux2014_i686.musllinux_1_1_i686"),
        (
            _elf("s390x"),
            "linux/s390x",
            "manylinux_2_17_s390x.manylinux2014_s390x.musllinux_1_1_s390x",
        ),
        (_elf("riscv64"), "linux/riscv64", "manylinux_2_27_riscv64.musllinux_1_1_riscv64"),
        (
            _elf("ppc64le"),
            "linux/ppc64le",
            "manylinux_2_17_ppc64le.manylinux2014_ppc64le.musllinux_1_1_ppc64le",
        ),
        (_elf("arm"), "linux/armv7", f"{ARMV7L}.linux_armv7l"),
        (_elf("arm"), "linux/armv6", "linux_armv6l"),
        (  # dynamic: a glibc armv7l (hard-float) system only
            _elf("arm", "/lib/ld-linux-armhf.so.3", "glibc", (2, 28)),
            "linux/armv7",
            "manylinux_2_28_armv7l",
        ),
        # Linux dynamic: glibc's floor is the highest GLIBC_x.y, never below 2.17; musl only musl.
        (
            _elf("amd64", "/lib64/ld-linux-x86-64.so.2", "glibc", (2, 34)),
            "linux/amd64",
            "manylinux_2_34_x86_64",
        ),
        (
            _elf("amd64", "/lib64/ld-linux-x86-64.so.2", "glibc", (2, 2)),
            "linux/amd64",
            "manylinux_2_17_x86_64.manylinux2014_x86_64",
        ),
        (
            _elf("amd64", "/lib64/ld-linux-x86-64.so.2", "glibc", None),
            "linux/amd64",
            "manylinux_2_17_x86_64.manylinux2014_x86_64",
        ),
        (
            _elf("riscv64", "/lib/ld-linux-riscv64-lp64d.so.1", "glibc", (2, 17)),
            "linux/riscv64",
            "manylinux_2_27_riscv64",
        ),
        (
            _elf("arm64", "/lib/ld-musl-aarch64.so.1", "musl"),
            "linux/arm64",
            "musllinux_1_2_aarch64",
        ),
        # macOS: the minimum the Mach-O declares, never lower; arm64 from 11.0.
        (_macho("amd64", (12, 0, 0)), "darwin/amd64", "macosx_12_0_x86_64"),
        (_macho("amd64", (11, 0, 0)), "darwin/amd64", "macosx_11_0_x86_64"),
        (_macho("amd64", (10, 13, 0)), "darwin/amd64", "macosx_10_13_x86_64"),
        (_macho("amd64", (10, 15, 0)), "darwin/amd64", "macosx_10_15_x86_64"),
        (_macho("amd64", (10, 15, 7)), "darwin/amd64", "macosx_11_0_x86_64"),
        (_macho("amd64", (10, 12, 1)), "darwin/amd64", "macosx_10_13_x86_64"),
        (_macho("amd64", (11, 3, 0)), "darwin/amd64", "macosx_12_0_x86_64"),
        (_macho("arm64", (12, 0, 0)), "darwin/arm64", "macosx_12_0_arm64"),
        (_macho("arm64", (11, 0, 0)), "darwin/arm64", "macosx_11_0_arm64"),
        (_macho("arm64", (10, 13, 0)), "darwin/arm64", "macosx_11_0_arm64"),
        # Universal: one version for both slices.
        (
            _universal(_macho("amd64", (12, 0, 0)), _macho("arm64", (12, 0, 0))),
            "darwin/amd64",
            "macosx_12_0_universal2",
        ),
        (
            _universal(_macho("amd64", (10, 13, 0)), _macho("arm64", (11, 0, 0))),
            "darwin/arm64",
            "macosx_10_13_universal2",
        ),
        (
            _universal(_macho("amd64", (10, 13, 0)), _macho("arm64", (12, 0, 0))),
            "darwin/arm64",
            "macosx_12_0_universal2",
        ),
        (
            _universal(_macho("amd64", (12, 0, 0)), _macho("arm64", (11, 0, 0))),
            "darwin/arm64",
            "macosx_12_0_universal2",
        ),
        # Windows: from the PE machine.
        (_pe("amd64"), "windows/amd64", "win_amd64"),
        (_pe("arm64"), "windows/arm64", "win_arm64"),
        (_pe("386"), "windows/386", "win32"),
    ],
)
def test_the_tag_is_what_the_binary_is(executable: Executable, target: str, tag: str) -> None:
    assert executable_tag(executable, parse_target(target), "asset.tar.gz") == tag


def _pip_accepts(tag: str, interpreter: str, platforms: list[str]) -> bool:
    from packaging.tags import Tag, parse_tag

    wanted = parse_tag(f"py3-none-{tag}")
    return any(Tag("py3", "none", p) in wanted for p in platforms)


def test_pip_installs_the_tags_on_the_systems_they_claim_and_not_below() -> None:
    # packaging (pip's vendored copy) lists what each macOS accepts: the tag must be among them
    # on the minimum, and absent one release lower.
    from packaging.tags import mac_platforms

    def accepts(tag: str, version: tuple[int, int], arch: str) -> bool:
        return _pip_accepts(tag, "cp3", list(mac_platforms(version, arch)))

    x86_12 = executable_tag(_macho("amd64", (12, 0, 0)), Target("darwin", "amd64"), "a")
    assert accepts(x86_12, (12, 0), "x86_64")
    assert not accepts(x86_12, (11, 0), "x86_64")
    x86_1013 = executable_tag(_macho("amd64", (10, 13, 0)), Target("darwin", "amd64"), "a")
    assert accepts(x86_1013, (10, 13), "x86_64")
    assert not accepts(x86_1013, (10, 12), "x86_64")
    arm_11 = executable_tag(_macho("arm64", (11, 0, 0)), Target("darwin", "arm64"), "a")
    assert accepts(arm_11, (11, 0), "arm64")
    arm_12 = executable_tag(_macho("arm64", (12, 0, 0)), Target("darwin", "arm64"), "a")
    assert accepts(arm_12, (12, 0), "arm64")
    assert not accepts(arm_12, (11, 0), "arm64")
    rounded = executable_tag(_macho("amd64", (11, 3, 0)), Target("darwin", "amd64"), "a")
    assert accepts(rounded, (12, 0), "x86_64")
    assert not accepts(rounded, (11, 5), "x86_64")
    old = _universal(_macho("amd64", (10, 13, 0)), _macho("arm64", (11, 0, 0)))
    universal = executable_tag(old, Target("darwin", "amd64"), "a")
    assert accepts(universal, (10, 13), "x86_64")
    assert accepts(universal, (11, 0), "arm64")
    assert not accepts(universal, (10, 12), "x86_64")
    # darwin/all, GoReleaser's universal binary: its universal2 wheel; a thin binary is not one.
    darwin_all = Target("darwin", "all")
    assert executable_tag(old, darwin_all, "a") == "macosx_10_13_universal2"
    with pytest.raises(ExecutableError, match="not an executable for darwin/all"):
        executable_tag(_macho("arm64", (12, 0, 0)), darwin_all, "a")


@pytest.mark.parametrize(
    ("executable", "target", "words"),
    [
        (_elf("arm64"), "linux/amd64", "a Linux arm64 executable (ELF 64-bit LSB, static)"),
        (_macho("arm64", (12, 0, 0)), "linux/amd64", "a macOS arm64 executable"),
        (_pe("amd64"), "darwin/amd64", "a Windows amd64 executable (PE)"),
        (_pe("amd64", "shared library"), "windows/amd64", "a Windows amd64 shared library"),
        (_macho("arm64", (12, 0, 0), os="ios"), "darwin/arm64", "an iOS arm64 executable"),
        (
            _universal(_macho("amd64", (12, 0, 0)), _macho("arm64", (12, 0, 0))),
            "linux/arm64",
            "a macOS amd64+arm64 executable",
        ),
    ],
)
def test_a_binary_not_for_its_target_is_refused_naming_asset_what_and_expected(
    executable: Executable, target: str, words: str
) -> None:
    with pytest.raises(ExecutableError) as info:
        executable_tag(executable, parse_target(target), "cerebrium_cli_x.tar.gz")
    message = str(info.value)
    assert "cerebrium_cli_x.tar.gz holds" in message
    assert words in message
    assert f"not an executable for {target}" in message
    assert "No wheel was made" in message


def test_what_cannot_be_tagged_honestly_is_refused() -> None:
    with pytest.raises(ExecutableError, match="declares no minimum macOS version"):
        executable_tag(_macho("amd64", None), Target("darwin", "amd64"), "a")
    with pytest.raises(ExecutableError, match="neither glibc nor musl"):
        executable_tag(_elf("arm64", "/x/ld.so", "unknown"), Target("linux", "arm64"), "a")
    with pytest.raises(UnsupportedPlatformError, match="GOARM 5 is older"):
        executable_tag(_elf("arm"), Target("linux", "arm", "5"), "a")
    with pytest.raises(
        UnsupportedPlatformError, match="no manylinux or musllinux tag for mips64le"
    ) as mips:
        executable_tag(_elf("mips64le"), Target("linux", "mips64le", "hardfloat"), "a")
    with pytest.raises(
        UnsupportedPlatformError, match="win32, win_amd64 and win_arm64 only"
    ) as windows:
        executable_tag(_pe("arm"), Target("windows", "arm"), "a")
    assert windows.value.subject == "wheel platform tag"
    assert "mips64le" in mips.value.target
    assert {"linux/amd64", "darwin/arm64", "windows/386"} <= set(windows.value.supported)
    assert {"linux/armv6", "linux/armv7", "linux/riscv64"} <= set(windows.value.supported)
    assert not {"linux/arm", "linux/loong64", "linux/mips64le"} & set(windows.value.supported)
    one = _universal(_macho("amd64", (12, 0, 0)))
    with pytest.raises(UnsupportedPlatformError, match="exactly x86_64 and arm64") as universal:
        executable_tag(one, Target("darwin", "amd64"), "a")
    assert universal.value.supported == ("darwin/amd64", "darwin/arm64")


def test_the_targets_a_wheel_can_carry() -> None:
    assert len(SUPPORTED) == 6
    assert {str(t) for t in SUPPORTED} == {
        f"{goos}/{goarch}"
        for goos in ("linux", "darwin", "windows")
        for goarch in ("amd64", "arm64")
    }


def test_parse_target() -> None:
    assert parse_target("Linux/ARM64") == Target("linux", "arm64")
    with pytest.raises(UnsupportedPlatformError, match="OS/ARCH"):
        parse_target("linux")
