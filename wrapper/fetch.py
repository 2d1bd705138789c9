"""Fetching one verified binary: the single code path of the build hook and the commands.

Order matters: the checksums file first (small, capped), then the archive streamed to a
temporary file while it is hashed, then the digest compared, and only then is the archive
opened. Nothing reaches the destination until every check has passed.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .checksums import lookup, parse_checksums, verify_digest
from .errors import ChecksumFileError
from .extract import extract_binary
from .locations import Location, location_for
from .platforms import Target
from .release import Release
from .settings import Settings

if TYPE_CHECKING:  # httpx is imported only when something is downloaded
    from ._http import Downloader

__all__ = ["MAX_ARCHIVE_SIZE", "MAX_CHECKSUMS_SIZE", "fetch_binary", "open_location", "stderr_log"]

MAX_CHECKSUMS_SIZE = 1 << 20  # a checksums file lists a few dozen lines
MAX_ARCHIVE_SIZE = 2 << 30


def stderr_log(message: str) -> None:
    """Progress goes to stderr: pip shows a build's output with ``-v`` and hides it otherwise."""
    print(message, file=sys.stderr, flush=True)


def open_location(
    release: Release, tag: str, settings: Settings, log: Callable[[str], None] = stderr_log
) -> Location:
    """The release's assets: the configured location, else GitHub's download URL for ``tag``."""

    def downloader() -> Downloader:
        from ._http import Downloader

        return Downloader(
            token=settings.token,
            user_agent=f"{release.import_name}/{__version__} (pip bootstrap)",
            log=log,
        )

    return location_for(settings.release_url or release.release_url(tag), downloader)


def fetch_binary(
    release: Release,
    target: Target,
    tag: str,
    dest_dir: Path,
    *,
    location: Location,
    log: Callable[[str], None] = stderr_log,
) -> Path:
    """Download, verify and extract the binary for ``target`` into ``dest_dir``; return its path."""
    release.check_target(target)
    algorithm = release.checksum_algorithm
    checksums_name = release.checksum_name(tag)
    archive_name = release.archive_name(target, tag)
    source = location.describe(checksums_name)

    log(f"{release.project_name}: reading checksums from {source}")
    raw = location.read(checksums_name, limit=MAX_CHECKSUMS_SIZE)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ChecksumFileError(
            f"{source} is not text; expected GoReleaser's checksums file"
        ) from None
    expected = lookup(parse_checksums(text, source, algorithm), archive_name, source)

    with tempfile.TemporaryDirectory(prefix=f"{release.import_name}-") as tmp:
        archive = Path(tmp) / archive_name
        log(f"{release.project_name}: downloading {location.describe(archive_name)}")
        with archive.open("wb") as out:
            got = location.copy(archive_name, out, algorithm=algorithm, limit=MAX_ARCHIVE_SIZE)
        verify_digest(archive_name, expected, got, source=source)
        log(f"{release.project_name}: {algorithm} verified: {got}")
        binary = extract_binary(
            archive,
            release.archive_format(target),
            release.binary_member(target, tag),
            dest_dir / release.binary_name(target, tag),
        )
    log(f"{release.project_name}: extracted {binary.name} for {target}")
    return binary
