"""The user's settings: environment variables, named with the release description's prefix.

Reading them in one place gives every variable one spelling, one parse and one line in
README's table; the prefix comes from the project name (``CEREBRIUM_``), so a second wrapped
CLI gets its own variables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from .release import Release

__all__ = ["Settings"]


@dataclass(frozen=True)
class Settings:
    """What the environment asks of a fetch."""

    release_url: str | None  # <PREFIX>RELEASE_URL: the directory (https or local) of the assets
    token: str | None  # GITHUB_TOKEN or GH_TOKEN, sent only to GitHub hosts

    @classmethod
    def from_environ(cls, release: Release, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        prefix = release.env_prefix
        return cls(
            release_url=env.get(f"{prefix}RELEASE_URL") or None,
            token=env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or None,
        )

    def __repr__(self) -> str:
        # Never show the token, even in a debugger or a log of this object.
        return f"Settings(release_url={self.release_url!r}, token={'***' if self.token else None})"
