"""The sources of a fetch: where the release is, what may vouch for it, the cache, one HTTP client.

Assembled once from the settings (``<PREFIX>RELEASE_URL``, ``<PREFIX>ARCHIVE``, the cache
directory, the verify policy) and handed to the pipeline in ``fetch.py``, which reads from
them and assembles nothing itself.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from . import __version__
from ._redact import redact
from .cache import ArchiveCache, default_cache_dir
from .errors import ConfigError
from .locations import DirectoryLocation, HttpSession, Location, location_for
from .pins import load_pins
from .release import NO_ENVIRONMENT, Release
from .settings import Settings
from .verification import Verification

if TYPE_CHECKING:  # httpx is imported only when something is downloaded
    from ._http import Downloader

__all__ = ["ReleaseLocation", "Sources", "http_session", "shown"]

_logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReleaseLocation:
    """The release location: as configured, and the reader of its assets.

    ``where`` is the text the user gave (or the release's own URL): messages show it and the
    cache keys the checksums files it read by it. ``reader`` reads the assets; building it
    opens no connection.
    """

    where: str
    reader: Location

    @classmethod
    def directory(cls, path: Path) -> ReleaseLocation:
        """A local directory as the release location."""
        return cls(str(path), DirectoryLocation(path))

    @property
    def remote(self) -> bool:
        """Whether reading it needs the network (an http(s) URL)."""
        return urlsplit(self.where).scheme in {"https", "http"}


@dataclass(frozen=True)
class Sources:
    """Everything that may supply or vouch for the archive, as the environment configures it.

    A context manager: ``with Sources.from_settings(...) as sources`` closes the one HTTP
    client every https location of the fetch shares, on every path.
    """

    location: ReleaseLocation | None = None  # None: unknown, and an archive file is the source
    archive_file: Path | None = None
    cache: ArchiveCache | None = None
    pins: Mapping[str, str] | None = None
    offline: bool = False
    verification: Verification = field(default_factory=Verification)  # what proves it authentic
    session: HttpSession | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_settings(
        cls,
        release: Release,
        tag: str,
        settings: Settings,
        *,
        show_progress: bool = False,
        where: str | None = None,
        direct: bool = False,
        environ: Mapping[str, str] = NO_ENVIRONMENT,
    ) -> Sources:
        """The sources the settings configure.

        ``where`` replaces the configured release location (``--from``). ``direct`` reads the
        release location and nothing else: no cache, no ``<PREFIX>ARCHIVE`` (``verify``,
        ``mirror``, ``pin`` and ``wheels`` read what they are pointed at). ``environ`` is what
        the templates' ``.Env`` reads in the release's own URL. Raises
        :class:`BootstrapError` subclasses for settings that cannot be used.
        """
        where = (
            where or settings.release_url or _own_location(release, tag, settings, direct, environ)
        )
        session = http_session(release, settings, show_progress=show_progress)
        try:

            def locate(url: str) -> Location:
                return location_for(url, session.downloader)

            verification = Verification.from_settings(release, tag, settings, locate)
            return cls(
                location=None if where is None else ReleaseLocation(where, locate(where)),
                archive_file=None if direct else settings.archive,
                cache=None if direct else _open_cache(release, settings),
                pins=load_pins(algorithm=release.checksum_algorithm),
                offline=settings.offline,
                verification=verification,
                session=session,
            )
        except BaseException:
            session.close()
            raise

    @property
    def reader(self) -> Location | None:
        """The release location's reader; None when there is none or it is out of reach
        (offline, and the location is remote)."""
        location = self.location
        if location is None or (self.offline and location.remote):
            return None
        return location.reader

    @property
    def trust(self) -> str:
        """What a successful verification proves, for logs and ``info``."""
        return ("pinned" if self.pins is not None else "integrity only") + self.verification.proves

    def close(self) -> None:
        """Close the HTTP client, if one was opened."""
        if self.session is not None:
            self.session.close()

    def __enter__(self) -> Sources:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def http_session(
    release: Release, settings: Settings, *, show_progress: bool = False
) -> HttpSession:
    """The one HTTP client of a fetch session, built on first use (httpx is imported then)."""

    def open_downloader() -> Downloader:
        from ._http import Downloader, NetworkPolicy

        return Downloader(
            NetworkPolicy(limits=settings.transfer),
            token=settings.token,
            user_agent=f"{release.import_name}/{__version__} (pip bootstrap)",
            show_progress=show_progress,
        )

    return HttpSession(open_downloader)


def _open_cache(release: Release, settings: Settings) -> ArchiveCache | None:
    root = settings.cache_dir or default_cache_dir(release.project_name)
    if root is None:
        _logger.warning(
            "warning: there is no home directory to keep a cache in, and neither "
            f"XDG_CACHE_HOME nor {release.env_prefix}CACHE_DIR is set; going on without a cache"
        )
        return None
    # A directory the user named must be safe or the install stops; the default one that is
    # not is skipped with a warning (ArchiveCache.open).
    named_by = f"{release.env_prefix}CACHE_DIR" if settings.cache_dir is not None else None
    return ArchiveCache.open(root, named_by=named_by)


def _own_location(
    release: Release, tag: str, settings: Settings, direct: bool, environ: Mapping[str, str]
) -> str | None:
    """The release's own location; None when it is unknown and an archive file is the source.

    With ``<PREFIX>ARCHIVE`` set, a configuration that names no repository still installs:
    the archive and the checksums file beside it are all the install reads.
    """
    try:
        return release.release_url(tag, environ)
    except ConfigError:
        if direct or settings.archive is None:
            raise
        return None


def shown(where: str | None) -> str:
    """A configured location for messages (:func:`._redact.redact`), ``(none)`` for none."""
    return "(none)" if where is None else redact(where)
