"""Which release target this machine is, and which wheel platform tags a target's binary gets.

GoReleaser names targets by Go's GOOS/GOARCH (``linux/amd64``); Python reports the same machine
as ``Linux``/``x86_64`` or ``Windows``/``AMD64``. A wheel's platform tag comes from what its
binary is (:func:`executable_tag`, given what :mod:`executables` read), not from the target's
name. These functions translate, and are pure so tests can hand them any platform or binary.
"""

from __future__ import annotations

import platform
import re
import struct
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import ExecutableError, UnsupportedPlatformError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from .executables import Executable

__all__ = [
    "SUPPORTED",
    "Target",
    "current_target",
    "executable_tag",
    "no_wheel_reason",
    "parse_target",
]


@dataclass(frozen=True, order=True)
class Target:
    """A GoReleaser build target: Go's GOOS and GOARCH, and the variant that makes two builds
    of one GOARCH different programs: GOARM (``"6"``, ``"7"``) for arm, GOMIPS
    (``"hardfloat"``, ``"softfloat"``) for the mips family; empty for the others.

    Written ``linux/armv7``, ``linux/mips64le`` (hardfloat, GoReleaser's default) and
    ``linux/mips_softfloat``, as GoReleaser's default archive names join them.
    """

    os: str
    arch: str
    variant: str = ""

    def __str__(self) -> str:
        return f"{self.os}/{self.arch}{_variant_suffix(self.arch, self.variant)}"


def _variant_suffix(arch: str, variant: str) -> str:
    if not variant:
        return ""
    if arch == "arm":
        return f"v{variant}"
    if arch.startswith("mips"):
        return "" if variant == _DEFAULT_GOMIPS else f"_{variant}"
    return f"_{variant}"


# internal/builders/golang/targets.go: the GOARM and GOMIPS a build makes when it names none.
_DEFAULT_GOARM = "6"
_DEFAULT_GOMIPS = "hardfloat"
_VARIANT_WORD = re.compile(r"^(?P<arch>arm|mips(?:64)?(?:le)?)(?:v(?P<arm>\d+)|_(?P<mips>\w+))?$")


# platform.machine() (uname -m on POSIX, PROCESSOR_ARCHITECTURE on Windows) -> GOARCH.
_ARCH_NAMES = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "x64": "amd64",
    "em64t": "amd64",
    "i86pc": "amd64",  # illumos and Solaris on x86; a 32-bit Python there counts as 386
    "aarch64": "arm64",
    "arm64": "arm64",
    "armv8": "arm64",
    "i386": "386",
    "i486": "386",
    "i586": "386",
    "i686": "386",
    "x86": "386",
    "ppc64le": "ppc64le",
    "ppc64": "ppc64",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "loongarch64": "loong64",
    # uname says mips64 (mips) on both byte orders: sys.byteorder tells mips64le (mipsle).
    "mips64": "mips64",
    "mips64el": "mips64",
    "mips": "mips",
    "mipsel": "mips",
}
# A little-endian 32-bit ARM machine: armv5tel, armv6l, armv7l, and armv8l (AArch32 on a
# 64-bit CPU). ARMv8 runs ARMv7 code, ARMv7 ARMv6 code: the GOARM is the version, at most 7.
# (armv7b and armv8b are big-endian: Go builds no big-endian ARM.)
_ARM_MACHINE = re.compile(r"^armv(?P<version>\d+)[a-z]*l$")
_HIGHEST_GOARM = 7
# What a 64-bit machine is to a 32-bit interpreter running on it (packaging.tags does the same
# from the interpreter's pointer size: linux_x86_64 becomes linux_i686, aarch64 armv8l).
_ARCH_32 = {"amd64": "386", "arm64": "arm", "mips64": "mips", "mips64le": "mipsle"}
# platform.system() -> GOOS where the two differ.
_SYSTEMS = {"sunos": "solaris"}

# The targets a wheel can carry: the release builds these, and pip installs wheels for them.
SUPPORTED = tuple(
    Target(goos, goarch) for goos in ("darwin", "linux", "windows") for goarch in ("amd64", "arm64")
)


def current_target(
    system: str | None = None,
    machine: str | None = None,
    pointer_bits: int | None = None,
    byteorder: str | None = None,
) -> Target:
    """Return this machine's target in Go's names, supported or not: ``linux/armv7`` on an
    armv7l (or armv8l) machine, ``linux/armv6`` on armv6l, ``linux/386`` on i686,
    ``linux/mips64le`` (GOMIPS hardfloat, GoReleaser's default) on a little-endian mips64.

    Whether the release has an archive for it is the release description's call
    (:meth:`Release.check_target`: an armv7l machine takes GOARM 6 when there is no GOARM 7),
    so unsupported machines still get a precise name (``linux/riscv64``, ``windows/386``) for
    the error. A 32-bit Python on a 64-bit machine counts as 32-bit, decided by the
    interpreter's pointer size as packaging.tags decides (``_linux_platforms``): pip installs
    no 64-bit wheel there. GOAMD64 and the other microarchitecture levels are not a machine's
    target: of several, the release description takes the baseline every machine of the
    architecture runs (``_config._pick_level``). GOMIPS softfloat cannot be told from Python.

    ``system``, ``machine``, ``pointer_bits`` (32 or 64) and ``byteorder`` (``little`` or
    ``big``) default to this interpreter's ``platform.system()``, ``platform.machine()`` (on
    Windows the interpreter's own machine, from ``sysconfig.get_platform()``),
    ``struct.calcsize("P") * 8`` and ``sys.byteorder``; tests pass their own.
    """
    system = platform.system() if system is None else system
    machine = (_interpreter_machine(system) if machine is None else machine).lower()
    bits = struct.calcsize("P") * 8 if pointer_bits is None else pointer_bits
    order = sys.byteorder if byteorder is None else byteorder
    goos = _SYSTEMS.get(system.lower(), system.lower())
    arm = _ARM_MACHINE.match(machine)
    if arm is not None:
        return Target(goos, "arm", str(min(int(arm["version"]), _HIGHEST_GOARM)))
    goarch = _ARCH_NAMES.get(machine, machine or "unknown")
    if goarch in ("mips", "mips64") and order == "little":
        goarch += "le"
    if bits == 32:
        goarch = _ARCH_32.get(goarch, goarch)
    if goarch == "arm":  # a 32-bit Python on a 64-bit ARM: AArch32 runs ARMv7 code
        return Target(goos, goarch, str(_HIGHEST_GOARM))
    if goarch.startswith("mips"):
        return Target(goos, goarch, _DEFAULT_GOMIPS)
    return Target(goos, goarch)


# sysconfig.get_platform() on Windows -> the machine the interpreter was built for.
_WINDOWS_INTERPRETERS = {"win32": "x86", "win-amd64": "AMD64", "win-arm64": "ARM64"}


def _interpreter_machine(system: str) -> str:
    """``platform.machine()``, except on Windows: there the machine this interpreter was built
    for, from ``sysconfig.get_platform()`` as packaging.tags reads it, since an x86 or x64
    Python runs emulated on ARM64 Windows and pip installs win32 or win_amd64 wheels for it."""
    if system == "Windows":
        import sysconfig

        found = _WINDOWS_INTERPRETERS.get(sysconfig.get_platform())
        if found is not None:
            return found
    return platform.machine()


def parse_target(text: str) -> Target:
    """Parse ``OS/ARCH`` as given on a command line (``linux/arm64``, ``linux/armv7``,
    ``linux/mips_softfloat``); an arm target without its GOARM is GoReleaser's default, 6."""
    goos, sep, goarch = text.strip().lower().partition("/")
    if not sep or not goos or not goarch:
        raise UnsupportedPlatformError(
            f"{text!r} is not a target: expected OS/ARCH, e.g. linux/amd64"
        )
    match = _VARIANT_WORD.match(goarch)
    if match is None:
        return Target(goos, goarch)
    arch = match["arch"]
    if arch == "arm":
        return Target(goos, arch, match["arm"] or _DEFAULT_GOARM)
    if match["arm"]:
        raise UnsupportedPlatformError(f"{text!r} is not a target: {arch} has no GOARM")
    return Target(goos, arch, match["mips"] or _DEFAULT_GOMIPS)


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
_MANYLINUX2014 = {"x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x"}
# musl records no symbol versions, so a binary linked against it cannot say which musl it
# needs: claim the musl of today's musl systems (Alpine since 3.13), never an older one.
_MUSL_DYNAMIC = (1, 2)
_MACOS_MACHINES = {"amd64": "x86_64", "arm64": "arm64"}
_MACOS_FLOORS = {"arm64": (11, 0)}  # Apple silicon began with macOS 11
_WINDOWS_TAGS = {"amd64": "win_amd64", "arm64": "win_arm64", "386": "win32"}


# pypi/warehouse warehouse/forklift/legacy.py (_valid_platform_tag): the machines its manylinux
# and musllinux tags accept, and its plain allowed tags (win32, win_amd64, win_arm64,
# linux_armv6l, linux_armv7l). A tag PyPI refuses makes a wheel no one can upload.
_WAREHOUSE_MANYLINUX = {
    "x86_64",
    "i686",
    "aarch64",
    "armv7l",
    "ppc64le",
    "s390x",
    "riscv64",
    "ppc64",
}
_WAREHOUSE_MUSLLINUX = _WAREHOUSE_MANYLINUX - {"ppc64"}


def no_wheel_reason(target: Target) -> str | None:
    """Why PyPI can take no wheel for ``target`` (one line), or ``None`` when it can.

    The authority is the list of platform tags PyPI accepts (pypi/warehouse,
    warehouse/forklift/legacy.py ``_valid_platform_tag``): macOS x86_64/arm64 (and universal2),
    Windows win32/win_amd64/win_arm64, Linux manylinux/musllinux for x86_64, i686, aarch64,
    armv7l, ppc64le, s390x, riscv64 (ppc64 manylinux only) and linux_armv6l.
    """
    where = f"{target} gets no wheel:"
    if target.os == "darwin":
        if target.arch in ("amd64", "arm64", "all"):
            return None
        return f"{where} PyPI takes macOS wheels for x86_64 and arm64 only"
    if target.os == "windows":
        if target.arch in _WINDOWS_TAGS:
            return None
        return f"{where} PyPI takes Windows wheels for win32, win_amd64 and win_arm64 only"
    if target.os != "linux":
        return f"{where} PyPI takes wheels for Linux, macOS and Windows only, not {target.os}"
    if target.arch == "arm":
        if target.variant in ("6", "7"):
            return None
        return f"{where} PyPI's ARM tags are armv6l and armv7l, and GOARM {target.variant} is older"
    machine = _LINUX_MACHINES.get(target.arch)
    if machine is None or machine not in _WAREHOUSE_MANYLINUX:
        return f"{where} PyPI takes no manylinux or musllinux tag for {machine or target.arch}"
    return None


# Every GOOS/GOARCH a wheel can be made for, as the errors list them.
_WHEEL_TARGETS = tuple(
    str(target)
    for goos, machines in (
        ("linux", [*_LINUX_MACHINES, "arm"]),
        ("darwin", _MACOS_MACHINES),
        ("windows", _WINDOWS_TAGS),
    )
    for goarch in machines
    for variant in (("6", "7") if goarch == "arm" else ("",))
    if no_wheel_reason(target := Target(goos, goarch, variant)) is None
)


def executable_tag(
    executable: Executable, target: Target, asset: str, *, armv7l: bool = False
) -> str:
    """The wheel platform tag (a compressed tag set, ``a.b.c``) for ``executable``, the binary
    of ``target``'s archive ``asset``: what the binary is, never what its name says.

    - macOS: ``macosx_<minimum>_<arch>`` from the minimum macOS the Mach-O declares, never
      lower (arm64 never below 11.0; a minor version above 11 rounds up to the next major, as
      pip matches ``macosx_12_0`` only); a universal binary (x86_64 + arm64) gives
      ``macosx_<minimum>_universal2``.
    - Linux: static gives ``manylinux_2_17_<m>.manylinux2014_<m>.musllinux_1_1_<m>`` (or the
      lowest the architecture has); dynamic against glibc ``manylinux_<floor>_<m>`` with floor
      ``max(2.17, highest GLIBC_x.y needed)``; dynamic against musl ``musllinux_1_2_<m>``.
      An arm binary's GOARM is not in its ELF headers (Go's linker writes no ARM attributes),
      so it is the one the build declared (``target.variant``): GOARM 7 gives ``armv7l``
      tags (static: manylinux, musllinux and ``linux_armv7l``), GOARM 6 ``linux_armv6l``, and
      with ``armv7l`` (the release builds no GOARM 7: ARMv7 runs ARMv6 code) the ``armv7l``
      tags too.
    - Windows: ``win_amd64``, ``win_arm64``, ``win32`` from the PE machine.

    Raises :class:`ExecutableError` when the binary is not an executable for ``target`` (other
    OS, other architecture, a library) or declares too little to be tagged honestly, and
    :class:`UnsupportedPlatformError` when PyPI takes no wheel for what it is
    (:func:`no_wheel_reason`).
    """
    _check_taggable(executable, target, asset)
    if target.os == "darwin":
        return _macos_tag(executable, asset)
    if target.os == "linux" and target.arch == "arm":
        return _arm_tag(executable, target, asset, armv7l=armv7l)
    if target.os == "linux":
        return _linux_tag(executable, asset)
    if target.os == "windows" and executable.arch in _WINDOWS_TAGS:
        return _WINDOWS_TAGS[executable.arch]
    raise _no_tag(executable, asset, _WHEEL_TARGETS)


def _check_taggable(executable: Executable, target: Target, asset: str) -> None:
    """Raises :class:`ExecutableError` unless ``executable`` is an executable for ``target``,
    and :class:`UnsupportedPlatformError` when PyPI takes no wheel for ``target``."""
    names = {s.arch for s in executable.slices} if executable.slices else {executable.arch}
    if target.arch == "all":  # GoReleaser's universal binary: a universal Mach-O, nothing less
        names = {executable.arch}
    if executable.kind != "executable" or executable.os != target.os or target.arch not in names:
        raise ExecutableError(
            f"{asset} holds {executable.describe()}, not an executable for {target}: the "
            "release's archive holds another target's file. No wheel was made; report it to "
            "the release's publisher"
        )
    reason = no_wheel_reason(target)
    if reason is not None:
        raise UnsupportedPlatformError(
            f"{reason} ({asset} holds {executable.describe()})",
            target=f"{executable.describe()} ({asset})",
            supported=_WHEEL_TARGETS,
            subject="wheel platform tag",
            advice=reason,
        )


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


def _arm_tag(executable: Executable, target: Target, asset: str, *, armv7l: bool) -> str:
    """Linux arm: the declared GOARM picks the machine (see :func:`executable_tag`)."""
    tags = []
    if target.variant == "6":
        if not executable.static:
            raise ExecutableError(
                f"{asset} holds {executable.describe()}: PyPI's armv6l tag is linux_armv6l, "
                "which promises no C library, so only a static binary (CGO_ENABLED=0) can have it"
            )
        tags.append("linux_armv6l")
    if target.variant == "7" or armv7l:
        tags.append(_linux_tag(executable, asset, machine="armv7l"))
        if executable.static:
            # packaging.tags offers an armv7l machine manylinux and musllinux tags only when
            # its Python is hard-float (_have_compatible_abi); a soft-float userland on ARMv7
            # (Debian armel) is offered linux_armv7l alone, and a static binary runs there too.
            tags.append("linux_armv7l")
    return ".".join(tags)


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


def _linux_tag(executable: Executable, asset: str, machine: str | None = None) -> str:
    machine = machine or _LINUX_MACHINES.get(executable.arch)
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
        if machine not in _WAREHOUSE_MUSLLINUX:  # ppc64: PyPI takes manylinux only
            return _manylinux(glibc_floor, machine)
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
