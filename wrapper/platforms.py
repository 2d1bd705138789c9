"""Which release target this machine is, and which wheel platform tags a target's binary gets.

GoReleaser names targets by Go's GOOS/GOARCH (``linux/amd64``); Python reports the same machine
as ``Linux``/``x86_64`` or ``Windows``/``AMD64``. A wheel's platform tag comes from what its
binary is (:func:`executable_tag`, given what :mod:`executables` read), not from the target's
name. These functions translate, and are pure so tests can hand them any platform or binary.
"""

from __future__ import annotations

import platform
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import ExecutableError, UnsupportedPlatformError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from .executables import Executable

__all__ = ["SUPPORTED", "Target", "current_target", "executable_tag", "parse_target"]


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

# The targets a wheel can carry: the release builds these, and pip installs wheels for them.
SUPPORTED = tuple(
    Target(goos, goarch) for goos in ("darwin", "linux", "windows") for goarch in ("amd64", "arm64")
)


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


# Wheel tags from what the binary is (PEP 425 platform tags; PEP 600 manylinux, PEP 656
# musllinux; packaging.tags for macOS and Windows). GOARCH -> the machine name in the tag.
_LINUX_MACHINES = {
    "amd64": "x86_64",
    "arm64": "aarch64",
    "386": "i686",
    "ppc64le": "ppc64le",
    "ppc64": "ppc64",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "loong64": "loongarch64",
}
# The lowest glibc and musl that exist for an architecture (their first releases to support it):
# a static binary runs on every one, so its wheel claims the lowest tags pip knows.
# manylinux_2_17 is manylinux2014's floor, whose legacy alias old pips need.
_LINUX_FLOORS = {"riscv64": ((2, 27), (1, 1)), "loong64": ((2, 36), (1, 2))}
_MANYLINUX2014 = {"x86_64", "i686", "aarch64", "ppc64", "ppc64le", "s390x"}
# musl records no symbol versions, so a binary linked against it cannot say which musl it
# needs: claim the musl of today's musl systems (Alpine since 3.13), never an older one.
_MUSL_DYNAMIC = (1, 2)
_MACOS_MACHINES = {"amd64": "x86_64", "arm64": "arm64"}
_MACOS_FLOORS = {"arm64": (11, 0)}  # Apple silicon began with macOS 11
_WINDOWS_TAGS = {"amd64": "win_amd64", "arm64": "win_arm64", "386": "win32"}
_WHEEL_TARGETS = tuple(
    f"{goos}/{goarch}"
    for goos, machines in (
        ("linux", _LINUX_MACHINES),
        ("darwin", _MACOS_MACHINES),
        ("windows", _WINDOWS_TAGS),
    )
    for goarch in machines
)


def executable_tag(executable: Executable, target: Target, asset: str) -> str:
    """The wheel platform tag (a compressed tag set, ``a.b.c``) for ``executable``, the binary
    of ``target``'s archive ``asset``: what the binary is, never what its name says.

    - macOS: ``macosx_<minimum>_<arch>`` from the minimum macOS the Mach-O declares, never
      lower (arm64 never below 11.0; a minor version above 11 rounds up to the next major, as
      pip matches ``macosx_12_0`` only); a universal binary (x86_64 + arm64) gives
      ``macosx_<minimum>_universal2``.
    - Linux: static gives ``manylinux_2_17_<m>.manylinux2014_<m>.musllinux_1_1_<m>`` (or the
      lowest the architecture has); dynamic against glibc ``manylinux_<floor>_<m>`` with floor
      ``max(2.17, highest GLIBC_x.y needed)``; dynamic against musl ``musllinux_1_2_<m>``.
    - Windows: ``win_amd64``, ``win_arm64``, ``win32`` from the PE machine.

    Raises :class:`ExecutableError` when the binary is not an executable for ``target`` (other
    OS, other architecture, a library) or declares too little to be tagged honestly, and
    :class:`UnsupportedPlatformError` when no wheel tag exists for what it is.
    """
    names = {s.arch for s in executable.slices} if executable.slices else {executable.arch}
    if executable.kind != "executable" or executable.os != target.os or target.arch not in names:
        raise ExecutableError(
            f"{asset} holds {executable.describe()}, not an executable for {target}: the "
            "release's archive holds another target's file. No wheel was made; report it to "
            "the release's publisher"
        )
    if target.os == "darwin":
        return _macos_tag(executable, asset)
    if target.os == "linux":
        return _linux_tag(executable, asset)
    if target.os == "windows" and executable.arch in _WINDOWS_TAGS:
        return _WINDOWS_TAGS[executable.arch]
    raise _no_tag(executable, asset, _WHEEL_TARGETS)


def _targets(goos: str, machines: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(f"{goos}/{goarch}" for goarch in machines)


def _no_tag(
    executable: Executable, asset: str, supported: Sequence[str], advice: str = ""
) -> UnsupportedPlatformError:
    return UnsupportedPlatformError(
        target=f"{executable.describe()} ({asset})",
        supported=supported,
        subject="wheel platform tag",
        advice=advice,
    )


def _macos_tag(executable: Executable, asset: str) -> str:
    slices = executable.slices or (executable,)
    for part in slices:
        if part.min_os is None:
            raise ExecutableError(
                f"{asset} holds {executable.describe()}, which declares no minimum macOS version "
                "(no LC_BUILD_VERSION or LC_VERSION_MIN_MACOSX): no wheel tag can say which "
                "macOS runs it. Build it with a Go toolchain from this decade"
            )
        if part.arch not in _MACOS_MACHINES:
            raise _no_tag(executable, asset, _targets("darwin", _MACOS_MACHINES))
    if not executable.slices:
        floor = _MACOS_FLOORS.get(executable.arch, (10, 0))
        version = max(_macos_version(executable.min_os), floor)
        return f"macosx_{version[0]}_{version[1]}_{_MACOS_MACHINES[executable.arch]}"
    if {s.arch for s in slices} != {"amd64", "arm64"}:
        raise _no_tag(
            executable,
            asset,
            _targets("darwin", _MACOS_MACHINES),
            "A universal wheel (universal2) holds exactly x86_64 and arm64",
        )
    # One version for both: on an Intel Mac the x86_64 slice's minimum rules; on Apple silicon
    # (never below 11.0) the arm64 slice's only when it is above 11.0.
    versions = [_macos_version(s.min_os) for s in slices]
    version = max(v for s, v in zip(slices, versions) if s.arch == "amd64" or v > (11, 0))
    return f"macosx_{version[0]}_{version[1]}_universal2"


def _macos_version(version: tuple[int, int, int] | None) -> tuple[int, int]:
    """The lowest macOS version a tag can name that is not below ``version``: pip matches
    ``macosx_10_<minor>`` and, from 11 on, ``macosx_<major>_0`` only (packaging.tags)."""
    major, minor, patch = version or (0, 0, 0)
    if major >= 11:
        return (major + 1, 0) if minor or patch else (major, 0)
    if patch:
        minor += 1
    return (11, 0) if minor > 15 else (major, minor)


def _linux_tag(executable: Executable, asset: str) -> str:
    machine = _LINUX_MACHINES.get(executable.arch)
    if machine is None:
        raise _no_tag(
            executable,
            asset,
            _targets("linux", _LINUX_MACHINES),
            "A Linux arm binary's GOARM (armv6l or armv7l) is not in its headers"
            if executable.arch == "arm"
            else "",
        )
    glibc_floor, musl_floor = _LINUX_FLOORS.get(executable.arch, ((2, 17), (1, 1)))
    if executable.static:
        musllinux = f"musllinux_{musl_floor[0]}_{musl_floor[1]}_{machine}"
        return f"{_manylinux(glibc_floor, machine)}.{musllinux}"
    if executable.libc == "glibc":
        return _manylinux(max(glibc_floor, executable.glibc or glibc_floor), machine)
    if executable.libc == "musl":
        musl = max(musl_floor, _MUSL_DYNAMIC)
        return f"musllinux_{musl[0]}_{musl[1]}_{machine}"
    raise ExecutableError(
        f"{asset} holds {executable.describe()}, linked against a C library that is neither "
        "glibc nor musl: no manylinux or musllinux tag fits it. Build it with CGO_ENABLED=0"
    )


def _manylinux(glibc: tuple[int, int], machine: str) -> str:
    tag = f"manylinux_{glibc[0]}_{glibc[1]}_{machine}"
    if glibc == (2, 17) and machine in _MANYLINUX2014:
        tag += f".manylinux2014_{machine}"  # the legacy name pip < 20.3 knows (PEP 599)
    return tag
