"""The user's settings: environment variables, named with the release description's prefix.

Reading them in one place gives every variable one spelling, one parse and one line in
README's table; the prefix comes from the project name (``CEREBRIUM_``), so a second wrapped
CLI gets its own variables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from .errors import ConfigError
from .release import Release

__all__ = ["VERIFY_POLICIES", "Settings", "VerifyPolicy", "package_stem"]

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

    @classmethod
    def from_environ(cls, release: Release, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings in ``environ`` (default ``os.environ``), named with the release's prefix.

        Raises :class:`ConfigError` for a value that is not one of its choices (``VERIFY``).
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
        )

    def __repr__(self) -> str:
        # Never show the token, even in a debugger or a log of this object.
        return (
            f"Settings(release_url={self.release_url!r}, token={'***' if self.token else None}, "
            f"offline={self.offline!r}, archive={self.archive!r}, cache_dir={self.cache_dir!r}, "
            f"verify={self.verify!r}, trusted_root={self.trusted_root!r}, "
            f"github_api={self.github_api!r})"
        )


def _path(value: str | None) -> Path | None:
    # os.path.expanduser leaves "~" alone where there is no home directory; Path.expanduser
    # raises RuntimeError ("Could not determine home directory").
    return Path(os.path.expanduser(value)) if value else None
