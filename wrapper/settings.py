"""The user's settings: environment variables, named with the release description's prefix.

Reading them in one place gives every variable one spelling, one parse and one line in
README's table; the prefix comes from the project name (``CEREBRIUM_``), so a second wrapped
CLI gets its own variables.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from .errors import ConfigError
from .release import Release

__all__ = ["VERIFY_POLICIES", "Settings", "TransferLimits", "VerifyPolicy", "package_stem"]

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


def package_stem() -> str:
    """The wrapped project's name as this import package spells it (``<name>_cli``, made by
    :attr:`Release.import_name`), for defaults and messages where no release is at hand."""
    return (__package__ or __name__).partition(".")[0].removesuffix("_cli")


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
    def from_environ(cls, release: Release, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings in ``environ`` (default ``os.environ``), named with the release's prefix.

        Raises :class:`ConfigError` for a value that is not one of its choices (``VERIFY``) or
        not a number in its range (the transfer limits).
        """
        env = os.environ if environ is None else environ
        prefix = release.env_prefix
        archive = env.get(f"{prefix}ARCHIVE")
        cache_dir = env.get(f"{prefix}CACHE_DIR")
        trusted_root = env.get(f"{prefix}SIGSTORE_TRUSTED_ROOT")
        verify = _verify_policy(env.get(f"{prefix}VERIFY"), prefix)
        return cls(
            release_url=env.get(f"{prefix}RELEASE_URL") or None,
            token=env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or None,
            offline=env.get(f"{prefix}OFFLINE", "").strip().lower() in _TRUE,
            archive=_path(archive),
            cache_dir=_path(cache_dir),
            verify=verify,
            trusted_root=_path(trusted_root),
            github_api=(env.get("GITHUB_API_URL") or cls.github_api).rstrip("/"),
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


def _path(value: str | None) -> Path | None:
    # os.path.expanduser leaves "~" alone where there is no home directory; Path.expanduser
    # raises RuntimeError ("Could not determine home directory").
    return Path(os.path.expanduser(value)) if value else None
