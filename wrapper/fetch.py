"""Fetching one verified binary: the single code path of the build hook and the commands.

Where the archive comes from is decided here, in this order: an archive file the user named,
the cache (when the digest is known without asking the network), then the release location
(GitHub, a mirror URL or a local directory). Whatever the source, the expected digest comes
from the pinned checksums when the package has them, else from the release's checksums file,
and the archive is hashed as it is copied and compared before it is opened. Nothing reaches
the destination until every check has passed.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import urlsplit

from . import __version__
from .cache import ArchiveCache, default_cache_dir
from .checksums import lookup, parse_checksums, verify_digest
from .digests import copy_hashing
from .errors import (
    BootstrapError,
    ChecksumFileError,
    DownloadError,
    OfflineError,
    StorageError,
)
from .extract import extract_binary
from .locations import DirectoryLocation, Location, location_for
from .pins import check_agreement, load_pins
from .platforms import Target
from .release import Release
from .settings import Settings
from .verification import Verification

if TYPE_CHECKING:  # httpx is imported only when something is downloaded
    from ._http import Downloader

__all__ = [
    "MAX_ARCHIVE_SIZE",
    "MAX_CHECKSUMS_SIZE",
    "Sources",
    "fetch_binary",
    "stderr_log",
    "verified_archive",
]

MAX_CHECKSUMS_SIZE = 1 << 20  # a checksums file lists a few dozen lines
MAX_ARCHIVE_SIZE = 2 << 30

Log = Callable[[str], None]


def stderr_log(message: str) -> None:
    """Progress goes to stderr: pip shows a build's output with ``-v`` and hides it otherwise."""
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Sources:
    """Everything that may supply or vouch for the archive, as the environment configures it."""

    location: Location | None = None  # None: offline, and the release location is remote
    archive_file: Path | None = None
    cache: ArchiveCache | None = None
    pins: Mapping[str, str] | None = None
    offline: bool = False
    remote: str | None = None  # the release location that offline mode kept us from using
    verification: Verification = field(default_factory=Verification)  # what proves it authentic

    @classmethod
    def from_settings(
        cls,
        release: Release,
        tag: str,
        settings: Settings,
        log: Log = stderr_log,
        *,
        show_progress: bool = False,
    ) -> Sources:
        where = settings.release_url or release.release_url(tag)

        def downloader() -> Downloader:
            from ._http import Downloader

            return Downloader(
                token=settings.token,
                user_agent=f"{release.import_name}/{__version__} (pip bootstrap)",
                log=log,
                show_progress=show_progress,
            )

        remote = urlsplit(where).scheme in {"https", "http"}
        verification = Verification.from_settings(
            release, tag, settings, lambda url: location_for(url, downloader)
        )
        return cls(
            location=None if settings.offline and remote else location_for(where, downloader),
            archive_file=settings.archive,
            cache=ArchiveCache.open(
                settings.cache_dir or default_cache_dir(release.project_name), log
            ),
            pins=load_pins(algorithm=release.checksum_algorithm),
            offline=settings.offline,
            remote=where if remote else None,
            verification=verification,
        )

    @property
    def trust(self) -> str:
        """What a successful verification proves, for logs and ``info``."""
        return ("pinned" if self.pins is not None else "integrity only") + self.verification.proves


def fetch_binary(
    release: Release,
    target: Target,
    tag: str,
    dest_dir: Path,
    *,
    sources: Sources,
    log: Log = stderr_log,
) -> Path:
    """Obtain, verify and extract the binary for ``target`` into ``dest_dir``; return its path."""
    with verified_archive(release, target, tag, sources, log) as archive:
        binary = extract_binary(
            archive,
            release.archive_format(target),
            release.binary_member(target, tag),
            dest_dir / release.binary_name(target, tag),
        )
    log(f"{release.project_name}: extracted {binary.name} for {target}")
    return binary


@contextlib.contextmanager
def verified_archive(
    release: Release, target: Target, tag: str, sources: Sources, log: Log = stderr_log
) -> Iterator[Path]:
    """A path to the archive for ``target``, its digest checked; temporary unless cached."""
    release.check_target(target)
    with tempfile.TemporaryDirectory(prefix=f"{release.import_name}-") as workdir:
        fetch = _Fetch(release, target, tag, sources, log, Path(workdir))
        archive = fetch.run()
        name = release.archive_name(target, tag)
        if sources.verification.policy == "attestation":
            # Attestations name sha256: the digest just verified when the checksums use it too,
            # else a second pass over the archive.
            if fetch.algorithm == "sha256":
                digest = fetch.digest
            else:
                with archive.open("rb") as handle:
                    digest = copy_hashing(handle, None, "sha256")
            how = sources.verification.check_archive(name, digest)
            log(f"{release.project_name}: {name} {how}")
        yield archive


class _Fetch:
    """One fetch: the names involved and the order in which sources are tried."""

    def __init__(
        self, release: Release, target: Target, tag: str, sources: Sources, log: Log, workdir: Path
    ) -> None:
        self.release = release
        self.tag = tag
        self.sources = sources
        self.log = log
        self.workdir = workdir
        self.algorithm = release.checksum_algorithm
        self.archive_name = release.archive_name(target, tag)
        self.checksums_name = release.checksum_name(tag)
        self.project = release.project_name
        self.digest = ""  # the archive's verified digest (``algorithm``), once run() returns

    def run(self) -> Path:
        sources = self.sources
        if sources.archive_file is not None:
            return self._from_archive_file(sources.archive_file)
        cached = self._from_cache()
        if cached is not None:
            return cached
        if sources.location is None:
            raise self._offline_error()
        return self._from_location(sources.location)

    # --- the sources, in order --------------------------------------------------------

    def _from_archive_file(self, path: Path) -> Path:
        beside = DirectoryLocation(path.parent)
        entries, source = self._entries(beside, required=self.sources.pins is None)
        expected = lookup(entries, self.archive_name, source)
        self.digest = expected
        self.log(f"{self.project}: installing from {path}")
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise DownloadError(
                f"cannot read {path} (from {self._var('ARCHIVE')}): {exc.strerror}"
            ) from exc
        with handle:
            return self._store(
                lambda out: copy_hashing(handle, out, self.algorithm), expected, source
            )

    def _from_cache(self) -> Path | None:
        cache = self.sources.cache
        if cache is None:
            return None
        known = self.sources.pins
        if known is None:
            text = cache.load_checksums(self.tag, self.checksums_name)
            if text is None:
                return None
            known = parse_checksums(text, f"the cached {self.checksums_name}", self.algorithm)
        digest = known.get(self.archive_name)
        hit = cache.lookup(self.algorithm, digest) if digest else None
        if hit is not None:
            self.digest = digest or ""
            self.log(
                f"{self.project}: using the cached {self.archive_name} "
                f"({self.algorithm} {digest}, {self.sources.trust})"
            )
        return hit

    def _from_location(self, location: Location) -> Path:
        entries, source = self._entries(location, required=self.sources.pins is None)
        expected = lookup(entries, self.archive_name, source)
        self.digest = expected
        cache = self.sources.cache
        if cache is not None and (hit := cache.lookup(self.algorithm, expected)) is not None:
            self.log(f"{self.project}: using the cached {self.archive_name}")
            return hit
        self.log(f"{self.project}: downloading {location.describe(self.archive_name)}")
        return self._store(
            lambda out: location.copy(
                self.archive_name, out, algorithm=self.algorithm, limit=MAX_ARCHIVE_SIZE
            ),
            expected,
            source,
        )

    # --- helpers ---------------------------------------------------------------------------

    def _entries(self, location: Location, *, required: bool) -> tuple[Mapping[str, str], str]:
        """The checksums to verify against, and their name for messages.

        With pins, the release's checksums file is optional, but if it is there it must be
        exactly the pinned one. Without pins, it is required and it is all there is.
        """
        source = location.describe(self.checksums_name)
        pins = self.sources.pins
        try:
            raw = location.read(self.checksums_name, limit=MAX_CHECKSUMS_SIZE)
        except DownloadError:
            if required:
                raise
            raw = None
        fetched = None
        if raw is not None:
            self.log(f"{self.project}: read {source}")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise ChecksumFileError(
                    f"{source} is not text; expected GoReleaser's checksums file"
                ) from None
            how = self.sources.verification.check_checksums(
                location, self.checksums_name, raw, self.log
            )
            if how is not None:
                self.log(f"{self.project}: {self.checksums_name} {how}")
            fetched = parse_checksums(text, source, self.algorithm)
            if pins is None and self.sources.cache is not None:
                self.sources.cache.store_checksums(self.tag, self.checksums_name, text)
        if pins is not None:
            if fetched is not None:
                check_agreement(pins, fetched, source)
            return pins, "the checksums pinned in this package"
        assert fetched is not None
        return fetched, source

    def _store(self, copy: Callable[[IO[bytes]], str], expected: str, source: str) -> Path:
        """Copy the archive into the cache (or a temporary file), verify, then commit it."""
        cache = self.sources.cache
        if cache is not None:
            with cache.new_entry() as temp:
                got = _write(temp, copy)
                self._verify(expected, got, source)
                return cache.commit(temp, self.algorithm, got)
        temp = self.workdir / self.archive_name
        got = _write(temp, copy)
        self._verify(expected, got, source)
        return temp

    def _verify(self, expected: str, got: str, source: str) -> None:
        verify_digest(self.archive_name, expected, got, source=source)
        if self.sources.pins is not None:
            self.log(
                f"{self.project}: {self.algorithm} verified against the pinned checksums: {got}"
            )
        else:
            self.log(
                f"{self.project}: {self.algorithm} verified: {got} (integrity only: this package "
                f"carries no pinned checksums, so {source} was trusted as published)"
            )

    def _var(self, name: str) -> str:
        return f"{self.release.env_prefix}{name}"

    def _offline_error(self) -> OfflineError:
        cache = self.sources.cache
        if cache is None:
            cache_note = "no usable cache directory"
        else:
            cache_note = f"{cache.root} holds no verified copy of it"
        return OfflineError(
            f"{self._var('OFFLINE')} is set and no local copy of {self.archive_name} was found, "
            "so nothing was installed. Looked in:\n"
            f"  - the cache: {cache_note}\n"
            f"  - {self._var('ARCHIVE')}: not set\n"
            f"  - {self._var('RELEASE_URL')}: {self.sources.remote} is not local\n"
            "Supply the archive in one of three ways:\n"
            f"  1. {self._var('ARCHIVE')}=/path/to/{self.archive_name} (verified against the "
            f"pinned checksums, or a {self.checksums_name} beside it)\n"
            f"  2. {self._var('RELEASE_URL')}=/path/to/mirror, a directory made with "
            f"'python -m {self.release.import_name}.bootstrap mirror DIR'\n"
            f"  3. install once with the network (without {self._var('OFFLINE')}) to fill the cache"
        )


def _write(path: Path, copy: Callable[[IO[bytes]], str]) -> str:
    try:
        with path.open("wb") as out:
            return copy(out)
    except BootstrapError:
        raise
    except OSError as exc:
        # The reader's errors are already translated; what is left is our own write failing.
        raise StorageError(
            f"cannot write the download to {path.parent}: {exc.strerror or exc}. Free some space "
            "there, or point CEREBRIUM_CACHE_DIR (or TMPDIR) at a disk with room."
        ) from exc
