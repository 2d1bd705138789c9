"""Which release target this machine is, and which wheel platform tags each target gets.

GoReleaser names targets by Go's GOOS/GOARCH (``linux/amd64``); Python reports the same machine
as ``Linux``/``x86_64`` or ``Windows``/``AMD64``. These functions translate, and are pure so
tests can hand them any platform.
"""

from __future__ import annotations

import platform
import struct
from dataclasses import dataclass

from .errors import UnsupportedPlatformError

__all__ = ["Target", "current_target", "parse_target", "wheel_platform_tag"]


@dataclass(frozen=True, order=True)
class Target:
    """A GoReleaser build target: Go's GOOS and GOARCH."""

    os: str
    arch: str

    def __str__(self) -> str:
        return f"{self.os}/{self.arch}"


# platform.machine() -> GOARCH, for the 64-bit machines Go and Python agree on.
_ARCH_NAMES = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "x64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "armv8": "arm64",
    "armv8l": "arm64",
    "i386": "386",
    "i686": "386",
    "x86": "386",
    "armv7l": "arm",
}
# What a 64-bit machine is to a 32-bit interpreter running on it.
_ARCH_32 = {"amd64": "386", "arm64": "arm"}

# PEP 600 / PEP 656 / macOS / Windows tags. A CGO_ENABLED=0 Go binary is static: it runs on any
# Linux libc, so the wheel claims both manylinux and musllinux. Go 1.17+ needs macOS 10.12 on
# Intel (Go's release notes); Apple silicon begins at macOS 11.
_WHEEL_TAGS = {
    Target("linux", "amd64"): "manylinux_2_17_x86_64.manylinux2014_x86_64.musllinux_1_1_x86_64",
    Target("linux", "arm64"): (
        "manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64"
    ),
    Target("darwin", "amd64"): "macosx_10_12_x86_64",
    Target("darwin", "arm64"): "macosx_11_0_arm64",
    Target("windows", "amd64"): "win_amd64",
    Target("windows", "arm64"): "win_arm64",
}

SUPPORTED = tuple(sorted(_WHEEL_TAGS))


def current_target(
    system: str | None = None, machine: str | None = None, pointer_bits: int | None = None
) -> Target:
    """Return this machine's target in Go's names, supported or not.

    Whether the release has an archive for it is the release description's call
    (:meth:`Release.check_target`), so unsupported machines still get a precise name
    (``linux/riscv64``, ``windows/386``) for the error. A 32-bit Python on a 64-bit machine
    counts as 32-bit: it could not load a 64-bit wheel. The arguments default to this
    interpreter's platform; tests pass their own.
    """
    system = platform.system() if system is None else system
    machine = platform.machine() if machine is None else machine
    bits = struct.calcsize("P") * 8 if pointer_bits is None else pointer_bits
    goos = system.lower()
    goarch = _ARCH_NAMES.get(machine.lower(), machine.lower() or "unknown")
    if bits == 32:
        goarch = _ARCH_32.get(goarch, goarch)
    return Target(goos, goarch)


def parse_target(text: str) -> Target:
    """Parse ``OS/ARCH`` as given on a command line (``linux/arm64``)."""
    goos, sep, goarch = text.strip().lower().partition("/")
    if not sep or not goos or not goarch:
        raise UnsupportedPlatformError(
            f"{text!r} is not a target: expected OS/ARCH, e.g. linux/amd64"
        )
    return Target(goos, goarch)


def wheel_platform_tag(target: Target) -> str:
    """Return the wheel platform tag (possibly a compressed tag set) for a release target."""
    try:
        return _WHEEL_TAGS[target]
    except KeyError:
        supported = ", ".join(str(t) for t in SUPPORTED)
        raise UnsupportedPlatformError(
            f"no wheel platform tag for {target}; wheels exist for: {supported}"
        ) from None
