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

__all__ = ["AssetPlan", "CheckedAsset"]


@dataclass(frozen=True)
class CheckedAsset:
    """An asset, the checksums file that lists it, and the signatures on that file.

    ``checksums`` is the release's one checksums file, or with ``checksum.split`` the asset's
    own; ``signatures`` are its ``(signature, certificate)`` asset names (``""``: none).
    """

    name: str
    checksums: str
    signatures: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class AssetPlan:
    """The names and URL of ``target``'s assets in the release ``tag``.

    ``archive`` is the archive (or, with the ``binary`` format, the binary itself) and the
    checksums file vouching for it; ``sboms`` the SBOMs published for it. ``release_url`` is
    the directory URL (ending in ``/``) of the release's assets, None when the configuration
    names no repository: ``no_release_url`` then says why.
    """

    tag: str
    target: Target
    archive: CheckedAsset
    archive_format: Format
    binary_member: str  # the binary's path inside the archive
    binary_name: str  # the binary's file name, ``.exe`` on Windows
    ldflags: tuple[str | None, ...]  # the build's ldflags, as Release.ldflags renders them
    sboms: tuple[CheckedAsset, ...]
    release_url: str | None
    no_release_url: ConfigError | None = field(default=None, compare=False)

    @property
    def archive_name(self) -> str:
        return self.archive.name

    @property
    def checksums_name(self) -> str:
        """The checksums file that lists the archive."""
        return self.archive.checksums

    @property
    def sbom_names(self) -> tuple[str, ...]:
        return tuple(sbom.name for sbom in self.sboms)

    def release_location(self) -> str:
        """:attr:`release_url`; raises :class:`ConfigError` saying why there is none."""
        if self.release_url is None:
            assert self.no_release_url is not None
            raise self.no_release_url.with_traceback(None)
        return self.release_url
