"""The user's settings: environment variables, named with the release description's prefix.

Reading them in one place gives every variable one spelling, one parse and one line in
README's table; the prefix comes from the project name (``MYCLI_``), so a second wrapped
CLI gets its own variables.

A path setting (``ARCHIVE``, ``CACHE_DIR``, ``SIGSTORE_TRUSTED_ROOT``, and ``RELEASE_URL`` and
``GITHUB_API_URL`` when they name a local directory) may be relative: it is made absolute here,
against the directory the user ran the command from (:func:`invocation_directory`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args
from urllib.parse import urlsplit

from . import package_stem
from .errors import ConfigError
from .release import Release

__all__ = [
    "VERIFY_POLICIES",
    "Origin",
    "Settings",
    "TransferLimits",
    "VerifyPolicy",
    "invocation_directory",
]

# <PREFIX>VERIFY: how much proof of authenticity a fetch demands (see verification.py).
VerifyPolicy = Literal["auto", "signature", "attestation"]
VERIFY_POLICIES: tuple[VerifyPolicy, ...] = get_args(VerifyPolicy)

_TRUE = {"1", "true", "yes", "on"}


def _verify_policy(text: str | None, prefix: str) -> VerifyPolicy:
    """``<PREFIX>VERIFY``'s value, any case, empty meaning ``auto``; ConfigError otherwise."""
    verify = (text or "auto").strip().lower()
    if verify not in VERIFY_POLICIES:
        raise ConfigError(
            f"{prefix}VERIFY={verify!r} is not a policy: use 'auto' (verify what the package "
            "and the release provide), 'signature' (refuse without a verified signature) or "
            "'attestation' (also refuse an archive without a verified GitHub attestation); "
            "turning verification off is not offered"
        )
    return verify


@dataclass(frozen=True)
class TransferLimits:
    """How slow, and how long, one file's download may be before it is given up.

    A floor on speed over a window, as curl's ``--speed-limit``/``--speed-time``: a transfer
    that receives fewer than ``min_speed`` bytes per second, averaged over ``speed_time``
    seconds, is stopped (a server or proxy trickling one byte every few seconds never trips a
    read timeout). ``deadline`` bounds the whole download of one file, retries and their waits
    included. The defaults end a trickle within ``speed_time`` (20 s) and any download within
    15 minutes. Read from ``<PREFIX>MIN_SPEED``, ``<PREFIX>SPEED_TIME`` and
    ``<PREFIX>DEADLINE``; ``env_prefix`` names them in messages.
    """

    min_speed: int = 1024  # bytes per second; 0: no floor (the deadline still holds)
    speed_time: float = 20.0  # seconds the speed is averaged over
    deadline: float = 900.0  # seconds for one file, every attempt and wait included
    env_prefix: str = field(default_factory=lambda: package_stem().upper() + "_")

    @classmethod
    def from_environ(cls, env: Mapping[str, str], prefix: str) -> TransferLimits:
        """The limits ``env`` sets, an unset or empty variable keeping its default.

        Raises :class:`ConfigError` for a value that is not a number or is out of its range
        (:data:`_LIMITS`), naming the variable, the value, the range and the default.
        """
        defaults = cls(env_prefix=prefix)
        return cls(
            min_speed=int(_limit(env, prefix, "MIN_SPEED", defaults.min_speed)),
            speed_time=_limit(env, prefix, "SPEED_TIME", defaults.speed_time),
            deadline=_limit(env, prefix, "DEADLINE", defaults.deadline),
            env_prefix=prefix,
        )


# Each limit's range and unit. The ranges keep a typo from disabling the guard (a deadline of
# 10**9 s) or from failing every download (a floor of 10 GB/s); a floor of 0 turns the speed
# check off, and nothing turns the deadline off.
_LIMITS: dict[str, tuple[float, float, str]] = {
    "MIN_SPEED": (0, 1 << 30, "a whole number of bytes per second"),
    "SPEED_TIME": (1, 3600, "a number of seconds"),
    "DEADLINE": (1, 86400, "a number of seconds"),
}


def _limit(env: Mapping[str, str], prefix: str, name: str, default: float) -> float:
    """``<prefix><name>`` from ``env`` within its range in :data:`_LIMITS`, or ``default`` if
    unset or empty; :class:`ConfigError` for anything else."""
    text = env.get(prefix + name, "").strip()
    if not text:
        return default
    low, high, kind = _LIMITS[name]
    try:
        value = float(int(text)) if kind.startswith("a whole") else float(text)
    except ValueError:
        value = math.nan
    if not low <= value <= high:  # NaN and the infinities fail this too
        raise ConfigError(
            f"{prefix}{name}={text!r} is not {kind} from {low:.15g} to {high:.15g}; set it to one, "
            f"or unset it for the default ({default:.15g})"
        )
    return value


@dataclass(frozen=True)
class Settings:
    """What the environment asks of a fetch."""

    release_url: str | None  # <PREFIX>RELEASE_URL: the directory (https or local) of the assets
    token: str | None  # GITHUB_TOKEN or GH_TOKEN, sent only to GitHub hosts
    offline: bool = False  # <PREFIX>OFFLINE: never touch the network
    archive: Path | None = None  # <PREFIX>ARCHIVE: install from this archive file
    cache_dir: Path | None = None  # <PREFIX>CACHE_DIR: instead of the platform's cache directory
    verify: VerifyPolicy = "auto"  # <PREFIX>VERIFY (never "off")
    trusted_root: Path | None = None  # <PREFIX>SIGSTORE_TRUSTED_ROOT: instead of Sigstore's own
    github_api: str = "https://api.github.com"  # GITHUB_API_URL, as GitHub Actions sets it
    transfer: TransferLimits = TransferLimits()  # <PREFIX>MIN_SPEED, SPEED_TIME, DEADLINE

    @classmethod
    def from_environ(
        cls, release: Release, environ: Mapping[str, str] | None = None, *, build: bool = False
    ) -> Settings:
        """The settings in ``environ`` (default ``os.environ``), named with the release's prefix.

        Relative path settings are made absolute against the directory the user ran the
        command from: this process's working directory, or, in a build (``build``: the build
        backend and its prefetch child, which pip runs in a directory of its own), the one
        :func:`invocation_directory` finds. Raises :class:`ConfigError` for a value that is not
        one of its choices (``VERIFY``), not a number in its range (the transfer limits), and
        for a relative path when that directory is unknown.
        """
        env = os.environ if environ is None else environ
        prefix = release.env_prefix
        paths = _Paths(env, invocation_directory(env) if build else _working_directory())
        verify = _verify_policy(env.get(f"{prefix}VERIFY"), prefix)
        release_url = paths.location(f"{prefix}RELEASE_URL")
        return cls(
            release_url=release_url,
            token=env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or None,
            offline=env.get(f"{prefix}OFFLINE", "").strip().lower() in _TRUE,
            archive=paths.path(f"{prefix}ARCHIVE"),
            cache_dir=paths.path(f"{prefix}CACHE_DIR"),
            verify=verify,
            trusted_root=paths.path(f"{prefix}SIGSTORE_TRUSTED_ROOT"),
            github_api=(paths.location("GITHUB_API_URL") or cls.github_api).rstrip("/"),
            transfer=TransferLimits.from_environ(env, prefix),
        )

    def __repr__(self) -> str:
        # Never show the token, even in a debugger or a log of this object.
        return (
            f"Settings(release_url={self.release_url!r}, token={'***' if self.token else None}, "
            f"offline={self.offline!r}, archive={self.archive!r}, cache_dir={self.cache_dir!r}, "
            f"verify={self.verify!r}, trusted_root={self.trusted_root!r}, "
            f"github_api={self.github_api!r}, transfer={self.transfer!r})"
        )


@dataclass(frozen=True)
class Origin:
    """The directory relative path settings are resolved against, or why none is known."""

    directory: Path | None
    unknown: str = ""  # when ``directory`` is None: why, as a clause of a sentence


def _working_directory() -> Origin:
    try:
        return Origin(Path(os.getcwd()))
    except OSError as exc:  # removed while we run
        return Origin(None, f"the current directory cannot be read ({exc.strerror or exc})")


def invocation_directory(environ: Mapping[str, str]) -> Origin:
    """The directory the user ran an install from, seen from its build backend.

    pip, uv and ``python -m build`` run the backend in a directory of their own (pip: a
    temporary one), and pass their environment on: ``PWD``, which POSIX shells set to the
    absolute path of the directory they run a command in, with no ``.`` or ``..`` components
    (POSIX.1-2017, Shell and Utilities 2.5.3 and ``cd``), still names the user's. It is used
    only when it is written so and names an existing directory; otherwise the directory is
    unknown, and a relative path setting is refused rather than resolved against pip's.

    A program that changes directory without a shell, then runs pip (Python's
    ``subprocess.run(cwd=...)``), leaves its own ``PWD`` behind: the messages of a refused
    path name the absolute path that was tried, so such a mix-up shows.
    """
    pwd = environ.get("PWD", "")
    if not pwd:
        return Origin(None, "PWD, which names the directory the command was run from, is not set")
    parts = pwd.replace(os.sep, "/").split("/")
    if not os.path.isabs(pwd) or "." in parts or ".." in parts:
        return Origin(
            None, f"PWD={pwd!r} is not an absolute path free of '.' and '..', as shells set it"
        )
    if not os.path.isdir(pwd):
        return Origin(None, f"PWD={pwd!r} is not a directory")
    return Origin(Path(pwd))


def _absolute(name: str, value: str) -> str:
    """How to make the path setting absolute in the user's shell: Windows' shells set no
    ``PWD`` (tested under Wine: tests/test_windows_e2e.py), and name the directory otherwise."""
    if os.name == "nt":
        return f'in cmd, set {name}=%CD%\\{value}; in PowerShell, $env:{name} = "$PWD\\{value}"'
    return f'set {name}="$PWD/{value}"'


@dataclass(frozen=True)
class _Paths:
    """Path settings read from ``environ``, made absolute against ``origin``."""

    environ: Mapping[str, str]
    origin: Origin

    def path(self, name: str) -> Path | None:
        """The path setting ``name``, absolute; None when unset or empty. Raises ConfigError
        for a relative path when the origin is unknown."""
        value = self.environ.get(name)
        if not value:
            return None
        # os.path.expanduser leaves "~" alone where there is no home directory; Path.expanduser
        # raises RuntimeError ("Could not determine home directory").
        path = Path(os.path.expanduser(value))
        if path.is_absolute():
            return path
        if self.origin.directory is None:
            raise ConfigError(
                f"{name}={value!r} is a relative path, and the directory it is relative to is "
                f"not known here: {self.origin.unknown} (pip builds in a directory of its own). "
                f"An absolute path is needed: {_absolute(name, value)}, or the full path."
            )
        return self.origin.directory / path

    def location(self, name: str) -> str | None:
        """The setting ``name``, a URL as it is, or a local directory made absolute as
        :meth:`path` does (a one-letter scheme is a Windows drive); None when unset or empty."""
        value = self.environ.get(name)
        if value and len(urlsplit(value).scheme) > 1:
            return value
        path = self.path(name)
        return None if path is None else str(path)
