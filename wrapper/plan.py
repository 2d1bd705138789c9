"""The asset plan: every name and URL one install of one target from one release uses.

Made once by :meth:`Release.plan <wrapper.release.Release.plan>` (the only place the name
templates of ``goreleaser.yaml`` are rendered), then read by every step of a fetch: no step
asks the release for a name again, so no name can differ between two steps of one install.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import ConfigError
from .formats import Format
from .platforms import Target

__all__ = ["AssetPlan"]


@dataclass(frozen=True)
class AssetPlan:
    """The names and URL of ``target``'s assets in the release ``tag``.

    ``checksums_name`` is the checksums file that lists the archive: the release's one file, or
    with ``checksum.split`` the archive's own. ``checksum_signatures`` are the ``(signature,
    certificate)`` asset names on that file (``""``: no certificate). ``release_url`` is the
    directory URL (ending in ``/``) of the release's assets, None when the configuration names
    no repository: ``no_release_url`` then says why.
    """

    tag: str
    target: Target
    archive_name: str
    archive_format: Format
    binary_member: str  # the binary's path inside the archive
    binary_name: str  # the binary's file name, ``.exe`` on Windows
    checksums_name: str
    checksum_signatures: tuple[tuple[str, str], ...]
    sbom_names: tuple[str, ...]
    release_url: str | None
    no_release_url: ConfigError | None = field(default=None, compare=False)

    def release_location(self) -> str:
        """:attr:`release_url`; raises :class:`ConfigError` saying why there is none."""
        if self.release_url is None:
            assert self.no_release_url is not None
            raise self.no_release_url.with_traceback(None)
        return self.release_url
