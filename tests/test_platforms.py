from __future__ import annotations

import pytest
from cerebrium_cli.errors import UnsupportedPlatformError
from cerebrium_cli.platforms import (
    SUPPORTED,
    Target,
    current_target,
    parse_target,
    wheel_platform_tag,
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
        ("Linux", "aarch64", 32, "linux/arm"),
        ("Linux", "i686", 32, "linux/386"),
        ("FreeBSD", "amd64", 64, "freebsd/amd64"),
    ],
)
def test_current_target_uses_go_names(system: str, machine: str, bits: int, expected: str) -> None:
    assert str(current_target(system, machine, bits)) == expected


def test_current_target_defaults_to_this_interpreter() -> None:
    import platform

    target = current_target()
    assert target.os == platform.system().lower()


@pytest.mark.parametrize(
    ("target", "tag"),
    [
        (
            Target("linux", "amd64"),
            "manylinux_2_17_x86_64.manylinux2014_x86_64.musllinux_1_1_x86_64",
        ),
        (
            Target("linux", "arm64"),
            "manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64",
        ),
        (Target("darwin", "amd64"), "macosx_10_12_x86_64"),
        (Target("darwin", "arm64"), "macosx_11_0_arm64"),
        (Target("windows", "amd64"), "win_amd64"),
        (Target("windows", "arm64"), "win_arm64"),
    ],
)
def test_wheel_platform_tags(target: Target, tag: str) -> None:
    assert wheel_platform_tag(target) == tag
    assert "any" not in tag.split(".")


def test_every_supported_target_has_a_tag_and_nothing_else_does() -> None:
    assert len(SUPPORTED) == 6
    with pytest.raises(UnsupportedPlatformError, match="linux/riscv64"):
        wheel_platform_tag(Target("linux", "riscv64"))


def test_parse_target() -> None:
    assert parse_target("Linux/ARM64") == Target("linux", "arm64")
    with pytest.raises(UnsupportedPlatformError, match="OS/ARCH"):
        parse_target("linux")
