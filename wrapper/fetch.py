"""Fetching one verified binary: the single code path of the build hook and the commands.

A fetch is a pipeline of immutable values, each made once and passed on::

    Sources           where the release is, what may vouch for it, the cache, one HTTP client
      | read_checksums     read from the configured location; signature checked; pins agree
    VerifiedChecksums raw bytes, entries, where they came from, what vouched for them
      | verified_archive   an archive file, the cache (by digest only) or the location
    VerifiedArchive   the open file that was hashed, algorithm, digest, asset name, checksums
      | extract            the one binary, by its exact member name, from that same file
    the binary

The configured source is authoritative: with a release location, its checksums file (and its
signatures) is read and verified on every fetch, and the cache answers only for an archive
with the digest those checksums name. Only offline, with the release location out of reach,
does a cached checksums file stand in for it, and only one read from that same location.
Nothing reaches the destination until every check has passed, and what is extracted is what
was verified: the archive is handed on as the open file that was hashed (a cache entry) or
written while hashing (a download, an archive file, a mirror's file), never as a path that
could be opened again after another process swapped the file.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Literal, Union
from urllib.parse import urlsplit

from . import __version__, binding
from .cache import ArchiveCache, default_cache_dir
from .checksums import lookup, parse_checksums, parse_split_checksum, verify_digest
from .digests import copy_hashing
from .errors import (
    AssetNotFoundError,
    BootstrapError,
    ChecksumFileError,
    ConfigError,
    DownloadError,
    OfflineError,
    SignatureError,
    StorageError,
)
from .extract import extract_binary
from .locations import DirectoryLocation, HttpSession, Location, location_for
from .ownership import open_nofollow
from .pins import check_agreement, load_pins
from .platforms import Target
from .proofs import Proofs
from .release import Release
from .settings import Settings, VerifyPolicy
from .verification import Verification

if TYPE_CHECKING:  # httpx is imported only when something is downloaded
    from ._http import Downloader

__all__ = [
    "MAX_ARCHIVE_SIZE",
    "MAX_CHECKSUMS_SIZE",
    "ReleaseChecksums",
    "Sources",
    "VerifiedArchive",
    "VerifiedChecksums",
    "Voucher",
    "extract",
    "fetch_binary",
    "http_session",
    "read_checksums",
    "stderr_log",
    "verified_archive",
]

MAX_CHECKSUMS_SIZE = 1 << 20  # a checksums file lists a few dozen lines
MAX_ARCHIVE_SIZE = 2 << 30

Log = Callable[[str], None]
# What vouched for a checksums file: the pins the package carries, a verified signature on the
# file, or nothing beyond its arrival intact from the configured location.
Voucher = Literal["pins", "signature", "integrity"]
# A verified archive, open: a cache entry opened for reading, or a copy written and read back.
ArchiveFile = Union[io.BufferedReader, io.BufferedRandom]
PINNED = "the checksums pinned in this package"


def stderr_log(message: str) -> None:
    """Progress goes to stderr: pip shows a build's output with ``-v`` and hides it otherwise."""
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class VerifiedChecksums:
    """A checksums file, verified as far as the package and the release allow.

    ``raw`` is the file as published (None when the pins vouch and the release location does
    not have it); ``entries`` map asset names to lowercase hex digests (``algorithm``): the
    pins when the package has them, else the file's own. ``signatures`` are the signature
    files read beside it while it was verified, by asset name; ``proofs`` what was verified.
    """

    name: str  # its asset name: checksums.txt, or <asset>.<algorithm> when split
    raw: bytes | None
    entries: Mapping[str, str]
    algorithm: str
    source: str  # where the entries came from, for messages: a URL, a path, the pins, the cache
    vouched_by: Voucher
    signatures: Mapping[str, bytes] = field(default_factory=dict)
    proofs: Proofs = field(default_factory=Proofs)

    def digest_of(self, asset: str) -> str:
        """The digest listed for exactly ``asset``; raises :class:`ChecksumFileError` if none."""
        return lookup(self.entries, asset, self.source)

    @property
    def trust(self) -> str:
        """What these checksums prove, for logs: ``pinned``, ``signed`` or ``integrity only``."""
        return {"pins": "pinned", "signature": "signed", "integrity": "integrity only"}[
            self.vouched_by
        ]


@dataclass(frozen=True)
class VerifiedArchive:
    """An archive whose digest matched its checksums, as the open file that was hashed.

    ``file`` holds exactly the verified bytes: a cache entry read through the handle that
    hashed it, or the private copy written while hashing a download, an archive file or a
    mirror's file. Readers seek it where they need; :func:`verified_archive` closes it. There
    is no path on purpose: a path opened again later may name other bytes by then.
    """

    file: ArchiveFile
    name: str  # the asset name, as the release publishes it and the user knows it
    algorithm: str
    digest: str  # lowercase hex
    checksums: VerifiedChecksums
    proofs: Proofs  # all that was verified, attestation too
    # The verify policy the fetch ran under: binding.py refuses under ``signature`` an archive
    # whose version nothing binds. No default: a weaker one would be a silent way round it.
    policy: VerifyPolicy


@dataclass(frozen=True)
class Sources:
    """Everything that may supply or vouch for the archive, as the environment configures it.

    A context manager: ``with Sources.from_settings(...) as sources`` closes the one HTTP
    client every https location of the fetch shares, on every path.
    """

    location: Location | None = None  # None: offline, and the release location is remote
    archive_file: Path | None = None
    cache: ArchiveCache | None = None
    pins: Mapping[str, str] | None = None
    offline: bool = False
    where: str | None = None  # the release location as configured: the cache's key for checksums
    verification: Verification = field(default_factory=Verification)  # what proves it authentic
    session: HttpSession | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_settings(
        cls,
        release: Release,
        tag: str,
        settings: Settings,
        log: Log = stderr_log,
        *,
        show_progress: bool = False,
        where: str | None = None,
        direct: bool = False,
    ) -> Sources:
        """The sources the settings configure.

        ``where`` replaces the configured release location (``--from``). ``direct`` reads the
        release location and nothing else: no cache, no ``<PREFIX>ARCHIVE`` (``verify``,
        ``mirror``, ``pin`` and ``wheels`` read what they are pointed at). Raises
        :class:`BootstrapError` subclasses for settings that cannot be used.
        """
        where = where or settings.release_url or _release_location(release, tag, settings, direct)
        session = http_session(release, settings, log, show_progress=show_progress)
        try:

            def locate(url: str) -> Location:
                return location_for(url, session.downloader)

            remote = where is not None and urlsplit(where).scheme in {"https", "http"}
            verification = Verification.from_settings(release, tag, settings, locate)
            return cls(
                location=None if where is None or (settings.offline and remote) else locate(where),
                archive_file=None if direct else settings.archive,
                cache=None if direct else _open_cache(release, settings, log),
                pins=load_pins(algorithm=release.checksum_algorithm),
                offline=settings.offline,
                where=where,
                verification=verification,
                session=session,
            )
        except BaseException:
            session.close()
            raise

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
    release: Release, settings: Settings, log: Log, *, show_progress: bool = False
) -> HttpSession:
    """The one HTTP client of a fetch session, built on first use (httpx is imported then)."""

    def open_downloader() -> Downloader:
        from ._http import Downloader, NetworkPolicy

        return Downloader(
            NetworkPolicy(limits=settings.transfer),
            token=settings.token,
            user_agent=f"{release.import_name}/{__version__} (pip bootstrap)",
            log=log,
            show_progress=show_progress,
        )

    return HttpSession(open_downloader)


def _open_cache(release: Release, settings: Settings, log: Log) -> ArchiveCache | None:
    root = settings.cache_dir or default_cache_dir(release.project_name)
    if root is None:
        log(
            "warning: there is no home directory to keep a cache in, and neither "
            f"XDG_CACHE_HOME nor {release.env_prefix}CACHE_DIR is set; going on without a cache"
        )
        return None
    # A directory the user named must be safe or the install stops; the default one that is
    # not is skipped with a warning (ArchiveCache.open).
    named_by = f"{release.env_prefix}CACHE_DIR" if settings.cache_dir is not None else None
    return ArchiveCache.open(root, log, named_by=named_by)


# --- the pipeline ---------------------------------------------------------------------------


def fetch_binary(
    release: Release,
    target: Target,
    tag: str,
    dest_dir: Path,
    *,
    sources: Sources,
    log: Log = stderr_log,
) -> Path:
    """Obtain, verify and extract the binary for ``target`` into ``dest_dir``; return its path.

    Raises the :class:`BootstrapError` of the step that refused: :class:`DownloadError`,
    :class:`OfflineError`, a :class:`ChecksumError` (checksums file, mismatch, pins),
    :class:`SignatureError` (a proof the verify policy requires), :class:`ArchiveError` or
    :class:`StorageError`. ``dest_dir`` receives the binary only when every check passed.
    """
    checksums = read_checksums(release, tag, sources, release.archive_name(target, tag), log)
    with verified_archive(release, target, tag, sources, checksums, log) as archive:
        return extract(release, target, tag, archive, dest_dir, log)


def extract(
    release: Release,
    target: Target,
    tag: str,
    archive: VerifiedArchive,
    dest_dir: Path,
    log: Log = stderr_log,
) -> Path:
    """Extract the binary of ``target`` from a verified archive into ``dest_dir``; its path.

    Raises :class:`ArchiveError` (hostile, corrupt, or no such binary, or another release's:
    binding.py), :class:`SignatureError` (nothing binds the version, and the policy demands it)
    or :class:`StorageError` (the binary cannot be written); ``dest_dir`` receives nothing then.
    """
    binary = extract_binary(
        archive.file,
        release.archive_format(target),
        release.binary_member(target, tag),
        dest_dir / release.binary_name(target, tag),
        name=archive.name,  # messages name the archive as published, not its cache entry
    )
    try:
        binding.check_binary(release, target, tag, binary, archive, log)
    except BaseException:
        binary.unlink(missing_ok=True)
        raise
    log(f"{release.project_name}: extracted {binary.name} for {target}")
    return binary


def checksums_name(release: Release, tag: str, asset: str) -> str:
    """The asset name of the checksums file that lists ``asset``: the release's one file, or,
    with GoReleaser's ``checksum.split``, the file holding ``asset``'s digest alone."""
    return (
        release.checksum_name(tag, asset) if release.checksum_split else release.checksum_name(tag)
    )


def _release_location(release: Release, tag: str, settings: Settings, direct: bool) -> str | None:
    """The release's own location; None when it is unknown and an archive file is the source.

    With ``<PREFIX>ARCHIVE`` set, a configuration that names no repository still installs:
    the archive and the checksums file beside it are all the install reads.
    """
    try:
        return release.release_url(tag)
    except ConfigError:
        if direct or settings.archive is None:
            raise
        return None


def read_checksums(
    release: Release, tag: str, sources: Sources, asset: str, log: Log = stderr_log
) -> VerifiedChecksums:
    """The checksums that vouch for ``asset``, read and verified once.

    From the checksums file beside ``<PREFIX>ARCHIVE``, else the release location (always read
    online, whatever the cache holds), else (offline, the location remote) the pins or the copy
    an earlier install kept from this same location. The file's signature is checked as the
    verify policy demands, and with pins it must agree with them. Raises
    :class:`DownloadError` (unreadable and no pins), :class:`ChecksumFileError`,
    :class:`SignatureError`, :class:`PinnedChecksumsError` or :class:`OfflineError`.
    """
    name = checksums_name(release, tag, asset)
    if sources.archive_file is not None:
        beside = DirectoryLocation(sources.archive_file.parent)
        read = _ReadChecksums(release, tag, sources, name, asset, log)
        return read.from_location(beside, keep=False)
    if sources.location is not None:
        return _ReadChecksums(release, tag, sources, name, asset, log).from_location(
            sources.location
        )
    pinned = _pinned(release, sources, name, raw=None)
    if pinned is not None:
        why = f"{release.env_prefix}OFFLINE is set, and the release location is not local"
        sources.verification.without_checksums(name, why)
        return pinned
    cached = _from_cache(release, tag, sources, name, asset)
    if cached is not None:
        verification = sources.verification
        if cached.vouched_by != "signature" and (
            verification.policy != "auto" or verification.key is not None
        ):
            # The copy was kept by an install that verified less than this one must.
            raise SignatureError(
                f"{cached.source} was kept without a verified signature, and "
                f"{release.env_prefix}VERIFY={verification.policy}"
                f"{' with the release key pinned' if verification.key is not None else ''} "
                "requires one; offline, nothing can verify it now. Install once online with "
                "this setting, or use a mirror that carries the signature files."
            )
        log(f"{release.project_name}: using {cached.source}")
        return cached
    raise _offline_error(release, sources, asset, name)


class ReleaseChecksums:
    """The verified checksums of one release, each checksums file read once per session.

    The commands that handle several targets ask it for each asset: with one checksums file
    per release, every target shares one :class:`VerifiedChecksums`; with split checksums
    (GoReleaser's ``checksum.split``) each asset has its own.
    """

    def __init__(self, release: Release, tag: str, sources: Sources, log: Log) -> None:
        self._release, self._tag, self._sources, self._log = release, tag, sources, log
        self._made: dict[str, VerifiedChecksums] = {}

    def for_asset(self, asset: str) -> VerifiedChecksums:
        """The verified checksums vouching for ``asset``; raises as :func:`read_checksums`."""
        name = checksums_name(self._release, self._tag, asset)
        if name not in self._made:
            self._made[name] = read_checksums(
                self._release, self._tag, self._sources, asset, self._log
            )
        return self._made[name]

    def made(self) -> list[VerifiedChecksums]:
        """Every checksums file read so far, in the order first asked for."""
        return list(self._made.values())


class _ReadChecksums:
    """One read of a checksums file from a location: fetch, decode, verify, parse, agree."""

    def __init__(
        self, release: Release, tag: str, sources: Sources, name: str, asset: str, log: Log
    ) -> None:
        self.release, self.tag, self.sources, self.name, self.log = release, tag, sources, name, log
        self.asset = asset  # the asset these checksums are read for (a split file lists only it)
        self.project = release.project_name

    def from_location(self, location: Location, *, keep: bool = True) -> VerifiedChecksums:
        sources, name = self.sources, self.name
        source = location.describe(name)
        try:
            raw = location.read(name, limit=MAX_CHECKSUMS_SIZE)
        except AssetNotFoundError as exc:  # absent; a failed download is no reason to fall back
            pinned = _pinned(self.release, sources, name, raw=None)
            if pinned is None:
                raise  # without pins, the checksums file is all there is
            sources.verification.without_checksums(name, str(exc))
            return pinned
        self.log(f"{self.project}: read {source}")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ChecksumFileError(
                f"{source} is not text; expected GoReleaser's checksums file"
            ) from None
        seen = _Recording(location)
        signed = sources.verification.check_checksums(seen, name, raw, self.log)
        entries = _parse(self.release, self.asset, text, source)
        pinned = _pinned(
            self.release, sources, name, raw=raw, signatures=seen.read_files, proofs=signed
        )
        if pinned is not None:
            check_agreement(pinned.entries, entries, source, whole=not self.release.checksum_split)
            return pinned
        checksums = VerifiedChecksums(
            name=name,
            raw=raw,
            entries=entries,
            algorithm=self.release.checksum_algorithm,
            source=source,
            vouched_by="signature" if signed.signed else "integrity",
            signatures=seen.read_files,
            proofs=signed,
        )
        if keep and sources.cache is not None and sources.where is not None:
            sources.cache.store_checksums(sources.where, self.tag, name, raw, checksums.vouched_by)
        return checksums


def _parse(release: Release, asset: str, text: str, source: str) -> dict[str, str]:
    """``{asset name: digest}`` from a checksums file: every line of the release's one file, or
    the one digest of a split file (GoReleaser's ``checksum.split``), which names ``asset``."""
    algorithm = release.checksum_algorithm
    if release.checksum_split:
        return {asset: parse_split_checksum(text, source, algorithm)}
    return parse_checksums(text, source, algorithm)


def _pinned(
    release: Release,
    sources: Sources,
    name: str,
    *,
    raw: bytes | None,
    signatures: Mapping[str, bytes] | None = None,
    proofs: Proofs | None = None,
) -> VerifiedChecksums | None:
    if sources.pins is None:
        return None
    return VerifiedChecksums(
        name=name,
        raw=raw,
        entries=sources.pins,
        algorithm=release.checksum_algorithm,
        source=PINNED,
        vouched_by="pins",
        signatures=signatures or {},
        proofs=replace(proofs or Proofs(), pins=True),
    )


def _from_cache(
    release: Release, tag: str, sources: Sources, name: str, asset: str
) -> VerifiedChecksums | None:
    """Offline: the checksums file an earlier install read from this same location."""
    if sources.cache is None or sources.where is None:
        return None
    kept = sources.cache.load_checksums(sources.where, tag, name)
    if kept is None:
        return None
    raw, vouched_by = kept
    source = f"the cached copy of {name} from {_shown(sources.where)}"
    entries = _parse(release, asset, raw.decode("utf-8"), source)
    voucher: Voucher = "signature" if vouched_by == "signature" else "integrity"
    proofs = Proofs(kept_signed=voucher == "signature")
    return VerifiedChecksums(
        name, raw, entries, release.checksum_algorithm, source, voucher, proofs=proofs
    )


class _Recording:
    """A location that keeps what was read through it: the signature files that were checked."""

    def __init__(self, location: Location) -> None:
        self._location = location
        self.read_files: dict[str, bytes] = {}

    def describe(self, name: str) -> str:
        return self._location.describe(name)

    def read(self, name: str, *, limit: int) -> bytes:
        data = self._location.read(name, limit=limit)
        self.read_files[name] = data
        return data

    def copy(self, name: str, out: IO[bytes], *, algorithm: str, limit: int) -> str:
        return self._location.copy(name, out, algorithm=algorithm, limit=limit)


@contextlib.contextmanager
def verified_archive(
    release: Release,
    target: Target,
    tag: str,
    sources: Sources,
    checksums: VerifiedChecksums,
    log: Log = stderr_log,
) -> Iterator[VerifiedArchive]:
    """The archive for ``target``, its digest checked against ``checksums``.

    From ``<PREFIX>ARCHIVE``, else the cache (by the digest ``checksums`` name, re-hashed),
    else the release location; with the ``attestation`` policy, GitHub's attestation of its
    digest is verified too. The archive is an open file, closed when the block ends; a download
    is committed to the cache then. Raises as :func:`fetch_binary` does.
    """
    release.check_target(target)
    name = release.archive_name(target, tag)
    expected = checksums.digest_of(name)
    with tempfile.TemporaryDirectory(prefix=f"{release.import_name}-") as workdir:
        fetch = _Fetch(release, sources, checksums, name, expected, log, Path(workdir))
        with fetch.opened() as handle:
            proofs, policy = checksums.proofs, sources.verification.policy
            if policy == "attestation":
                # Attestations name sha256: the digest just verified when the checksums use it
                # too, else a second pass over the same open file.
                digest = expected
                if checksums.algorithm != "sha256":
                    digest = copy_hashing(handle, None, "sha256")
                    handle.seek(0)
                how = sources.verification.check_archive(name, digest)
                log(f"{release.project_name}: {name} {how}")
                proofs = replace(proofs, attestation=how)
            sources.verification.accept(name, proofs, log)
            yield VerifiedArchive(
                handle, name, checksums.algorithm, expected, checksums, proofs, policy
            )


class _Fetch:
    """Obtaining one archive whose expected digest is known: the order sources are tried."""

    def __init__(
        self,
        release: Release,
        sources: Sources,
        checksums: VerifiedChecksums,
        name: str,
        expected: str,
        log: Log,
        workdir: Path,
    ) -> None:
        self.release = release
        self.sources = sources
        self.checksums = checksums
        self.name = name
        self.expected = expected
        self.algorithm = checksums.algorithm
        self.log = log
        self.workdir = workdir
        self.project = release.project_name

    @contextlib.contextmanager
    def opened(self) -> Iterator[ArchiveFile]:
        """The archive, verified, as an open file at its start; raises :class:`OfflineError` if
        no source has it."""
        sources = self.sources
        if sources.archive_file is not None:
            with self._from_archive_file(sources.archive_file) as handle:
                yield handle
            return
        cache = sources.cache
        if cache is not None and (hit := cache.lookup(self.algorithm, self.expected)) is not None:
            self.log(
                f"{self.project}: using the cached {self.name} "
                f"({self.algorithm} {self.expected}, {self.checksums.trust})"
            )
            with hit:
                yield hit
            return
        if sources.location is None:
            raise _offline_error(self.release, sources, self.name, self.checksums.name)
        with self._from_location(sources.location) as handle:
            yield handle

    @contextlib.contextmanager
    def _from_archive_file(self, path: Path) -> Iterator[ArchiveFile]:
        self.log(f"{self.project}: installing from {path}")
        try:
            source = path.open("rb")
        except OSError as exc:
            raise DownloadError(
                f"cannot read {path} (from {self.release.env_prefix}ARCHIVE): {exc.strerror}"
            ) from exc

        def copy(out: IO[bytes]) -> str:
            source.seek(0)  # from the start again, if a full cache made the first copy fail
            return copy_hashing(source, out, self.algorithm)

        # Copied while hashed: the user's file may change after this, the copy cannot.
        with source, self._stored(copy) as handle:
            yield handle

    def _from_location(self, location: Location) -> contextlib.AbstractContextManager[ArchiveFile]:
        self.log(f"{self.project}: downloading {location.describe(self.name)}")
        return self._stored(
            lambda out: location.copy(
                self.name, out, algorithm=self.algorithm, limit=MAX_ARCHIVE_SIZE
            )
        )

    @contextlib.contextmanager
    def _stored(self, copy: Callable[[IO[bytes]], str]) -> Iterator[ArchiveFile]:
        """The archive that ``copy`` writes, hashing it, into a new private file: verified, and
        open at its start for the caller, who reads the very bytes that were hashed.

        With a cache, the file is a new cache entry, committed under its digest once the caller
        is done (closed first: Windows renames no open file). If the cache's disk refuses the
        write (full, over quota, read-only, no permission: :data:`_NO_ROOM`), a warning names
        the cache directory and ``copy`` runs again into a temporary file outside it: an
        unusable cache means no cache, never a failed install.
        """
        cache = self.sources.cache
        if cache is not None:
            with contextlib.ExitStack() as stack:
                try:
                    temp = stack.enter_context(cache.new_entry())
                    handle, got = _write(temp, copy)
                except BootstrapError:
                    raise
                except OSError as exc:
                    if exc.errno not in _NO_ROOM:
                        raise _storage_error(exc, cache.root, self.release) from exc
                    self.log(
                        f"warning: cannot write the download to the cache directory {cache.root} "
                        f"({exc.strerror or exc}); going on without the cache"
                    )
                else:
                    with handle:
                        self._verify(got)
                        handle.seek(0)
                        try:
                            yield handle
                        finally:
                            # Kept even if the caller failed (a full disk for the binary): it
                            # is verified, and the next install need not download it again.
                            handle.close()
                            self._commit(cache, temp, got)
                    return
        temp = self.workdir / self.name
        try:
            handle, got = _write(temp, copy)
        except BootstrapError:
            raise
        except OSError as exc:
            raise _storage_error(exc, temp.parent, self.release) from exc
        with handle:
            self._verify(got)
            handle.seek(0)
            yield handle

    def _commit(self, cache: ArchiveCache, temp: Path, got: str) -> None:
        try:
            cache.commit(temp, self.algorithm, got)
        except OSError as exc:  # another install may hold the entry open (Windows)
            self.log(f"warning: cannot keep {self.name} in the cache ({exc.strerror or exc})")

    def _verify(self, got: str) -> None:
        checksums = self.checksums
        verify_digest(self.name, self.expected, got, source=checksums.source)
        if checksums.vouched_by == "pins":
            self.log(
                f"{self.project}: {self.algorithm} verified against the pinned checksums: {got}"
            )
        elif checksums.vouched_by == "signature":
            self.log(
                f"{self.project}: {self.algorithm} verified against the signed "
                f"{checksums.source}: {got}"
            )
        else:
            self.log(
                f"{self.project}: {self.algorithm} verified: {got} (integrity only: this package "
                f"carries no pinned checksums, so {checksums.source} was trusted as published)"
            )


def _offline_error(release: Release, sources: Sources, archive: str, name: str) -> OfflineError:
    def var(suffix: str) -> str:
        return f"{release.env_prefix}{suffix}"

    cache = sources.cache
    if cache is None:
        cache_note = "no usable cache directory"
    else:
        cache_note = f"{cache.root} holds no verified copy of it"
    return OfflineError(
        f"{var('OFFLINE')} is set and no local copy of {archive} was found. Looked in:\n"
        f"  - the cache: {cache_note}\n"
        f"  - {var('ARCHIVE')}: not set\n"
        f"  - {var('RELEASE_URL')}: {_shown(sources.where)} is not local\n"
        "Supply the archive in one of three ways:\n"
        f"  1. {var('ARCHIVE')}=/path/to/{archive} (verified against the pinned checksums, or "
        f"a {name} beside it)\n"
        f"  2. {var('RELEASE_URL')}=/path/to/mirror, a directory made with "
        f"'python -m {release.import_name}.bootstrap mirror DIR'\n"
        f"  3. install once with the network (without {var('OFFLINE')}) to fill the cache"
    )


def _shown(where: str | None) -> str:
    """A configured location for messages: without ``user:password`` or a query."""
    if where is None:
        return "(none)"
    parts = urlsplit(where)
    if not parts.scheme.startswith("http"):
        return where
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = f"{host}:{parts.port}" if parts.port else host
    return parts._replace(netloc=netloc, query="", fragment="").geturl()


# The errors of a disk that cannot take the download: full (ENOSPC), over quota (EDQUOT), a
# file size limit (EFBIG), read-only (EROFS), or no permission (EACCES, EPERM).
_NO_ROOM = frozenset(
    getattr(errno, name)
    for name in ("ENOSPC", "EDQUOT", "EFBIG", "EROFS", "EACCES", "EPERM")
    if hasattr(errno, name)
)


def _write(path: Path, copy: Callable[[IO[bytes]], str]) -> tuple[ArchiveFile, str]:
    """A new file at ``path`` (0600; never an existing file, never through a link) filled by
    ``copy``: the file, open for reading back, and the digest ``copy`` returns.

    Raises what ``copy`` raises (its reader's errors, already :class:`BootstrapError`), and
    OSError when the file cannot be created or written.
    """
    fd = open_nofollow(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    handle = os.fdopen(fd, "w+b")
    try:
        got = copy(handle)
        handle.flush()  # a full disk may only say so now
    except BaseException:
        handle.close()
        raise
    return handle, got


def _storage_error(exc: OSError, where: Path, release: Release) -> StorageError:
    return StorageError(
        f"cannot write the download to {where}: {exc.strerror or exc}. Free some space "
        f"there, or point {release.env_prefix}CACHE_DIR (or TMPDIR) at a disk with room."
    )
