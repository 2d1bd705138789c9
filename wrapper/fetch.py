"""Fetching one verified binary: the single code path of the build hook and the commands.

A fetch is a pipeline of immutable values, each made once and passed on::

    Install           the release, its AssetPlan (every name, rendered once: Release.plan) and
                      the Sources (sources.py: location, pins, cache, one HTTP client)
      | read_checksums     read from the configured location; signature checked; pins agree
    VerifiedChecksums raw bytes, entries, where they came from, what vouched for them
      | verified_archive   an archive file, the cache (by digest only) or the location
    VerifiedArchive   the open file that was hashed, algorithm, digest, asset name, checksums
      | extract            the one binary, by its exact member name, from that same file
    the binary

:func:`verified_archives` runs the first two steps for each of several installs (``mirror``,
``verify``, ``wheels``), each checksums file read once (:class:`ReleaseChecksums`).

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
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Literal, Union

from . import binding
from .cache import ArchiveCache
from .checksums import lookup, parse_checksums, parse_split_checksum, verify_digest
from .digests import copy_hashing
from .errors import (
    AssetNotFoundError,
    BootstrapError,
    ChecksumFileError,
    DownloadError,
    OfflineError,
    SignatureError,
    StorageError,
)
from .extract import extract_binary
from .locations import DirectoryLocation, Location
from .ownership import open_nofollow
from .pins import check_agreement
from .plan import AssetPlan, CheckedAsset
from .platforms import Target
from .proofs import Proofs
from .release import NO_ENVIRONMENT, Release
from .settings import VerifyPolicy
from .sources import Sources, shown

__all__ = [
    "MAX_ARCHIVE_SIZE",
    "MAX_CHECKSUMS_SIZE",
    "Install",
    "ReleaseChecksums",
    "VerifiedArchive",
    "VerifiedChecksums",
    "Voucher",
    "extract",
    "fetch_binary",
    "read_checksums",
    "verified_archive",
    "verified_archives",
]

_logger = logging.getLogger(__name__)

MAX_CHECKSUMS_SIZE = 1 << 20  # a checksums file lists a few dozen lines
MAX_ARCHIVE_SIZE = 2 << 30

# What vouched for a checksums file: the pins the package carries, a verified signature on the
# file, or nothing beyond its arrival intact from the configured location.
Voucher = Literal["pins", "signature", "integrity"]
# A verified archive, open: a cache entry opened for reading, or a copy written and read back.
ArchiveFile = Union[io.BufferedReader, io.BufferedRandom]
PINNED = "the checksums pinned in this package"


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


# --- the pipeline ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Install:
    """One install of one target: what the release is, the names it uses, where they come from.

    The context every step of the pipeline reads.
    """

    release: Release
    plan: AssetPlan
    sources: Sources
    # The user's environment the plan was made in: binding.py names other releases in it.
    environ: Mapping[str, str] = field(
        default_factory=lambda: NO_ENVIRONMENT, repr=False, compare=False
    )

    @classmethod
    def of(
        cls,
        release: Release,
        target: Target,
        tag: str,
        sources: Sources,
        *,
        environ: Mapping[str, str] = NO_ENVIRONMENT,
    ) -> Install:
        """The install of ``target`` from the release ``tag``, its names planned once
        (:meth:`Release.plan`, ``environ`` for ``.Env``)."""
        return cls(release, release.plan(tag, target, environ), sources, environ)

    @classmethod
    def each(
        cls,
        release: Release,
        tag: str,
        targets: Iterable[Target],
        sources: Sources,
        *,
        environ: Mapping[str, str] = NO_ENVIRONMENT,
    ) -> Iterator[Install]:
        """The install of each of ``targets``, planned as it is reached; a target whose names
        cannot be planned raises (:meth:`Release.plan`) when it is."""
        for target in targets:
            yield cls.of(release, target, tag, sources, environ=environ)

    @property
    def project(self) -> str:
        return self.release.project_name


# --- the pipeline ---------------------------------------------------------------------------


def fetch_binary(
    release: Release,
    target: Target,
    tag: str,
    dest_dir: Path,
    *,
    sources: Sources,
    environ: Mapping[str, str] = NO_ENVIRONMENT,
) -> Path:
    """Obtain, verify and extract the binary for ``target`` into ``dest_dir``; return its path.

    ``environ`` is the user's environment, as the name templates' ``.Env`` reads it. Raises the
    :class:`BootstrapError` of the step that refused: :class:`DownloadError`,
    :class:`OfflineError`, a :class:`ChecksumError` (checksums file, mismatch, pins),
    :class:`SignatureError` (a proof the verify policy requires), :class:`ArchiveError` or
    :class:`StorageError`. ``dest_dir`` receives the binary only when every check passed.
    """
    install = Install.of(release, target, tag, sources, environ=environ)
    with verified_archive(install, read_checksums(install)) as archive:
        return extract(install, archive, dest_dir)


def extract(install: Install, archive: VerifiedArchive, dest_dir: Path) -> Path:
    """Extract the binary of the install's target from a verified archive into ``dest_dir``.

    Raises :class:`ArchiveError` (hostile, corrupt, or no such binary, or another release's:
    binding.py), :class:`SignatureError` (nothing binds the version, and the policy demands it)
    or :class:`StorageError` (the binary cannot be written); ``dest_dir`` receives nothing then.
    """
    plan, release = install.plan, install.release
    binary = extract_binary(
        archive.file,
        plan.archive_format,
        plan.binary_member,
        dest_dir / plan.binary_name,
        name=archive.name,  # messages name the archive as published, not its cache entry
    )
    try:
        binding.check_binary(release, plan.target, plan.tag, binary, archive, install.environ, plan)
    except BaseException:
        binary.unlink(missing_ok=True)
        raise
    _logger.info(f"{release.project_name}: extracted {binary.name} for {plan.target}")
    return binary


def verified_archives(
    installs: Iterable[Install],
    book: ReleaseChecksums | None = None,
    *,
    failed: Callable[[Install, BootstrapError], None] | None = None,
) -> Iterator[tuple[Install, VerifiedArchive]]:
    """Each install's archive, verified, in turn: the loop of ``mirror``, ``verify`` and
    ``wheels``. Each archive is open until the next is asked for (or the loop ends).

    ``book`` shares each checksums file between the installs it vouches for (a new one by
    default). Raises as :func:`fetch_binary` does; with ``failed``, a target that fails
    verification is handed to it instead, and the loop goes on with the next.
    """
    book = ReleaseChecksums() if book is None else book
    for install in installs:
        with contextlib.ExitStack() as stack:
            try:
                checksums = book.for_install(install)
                archive = stack.enter_context(verified_archive(install, checksums))
            except BootstrapError as exc:
                if failed is None:
                    raise
                failed(install, exc)
                continue
            yield install, archive


def read_checksums(install: Install, asset: CheckedAsset | None = None) -> VerifiedChecksums:
    """The checksums that vouch for ``asset`` (by default the install's archive), read and
    verified once.

    From the checksums file beside ``<PREFIX>ARCHIVE``, else the release location (always read
    online, whatever the cache holds), else (offline, the location remote) the pins or the copy
    an earlier install kept from this same location. The file's signature is checked as the
    verify policy demands, and with pins it must agree with them. Raises
    :class:`DownloadError` (unreadable and no pins), :class:`ChecksumFileError`,
    :class:`SignatureError`, :class:`PinnedChecksumsError` or :class:`OfflineError`.
    """
    asset = install.plan.archive if asset is None else asset
    sources, name = install.sources, asset.checksums
    if sources.archive_file is not None:
        beside = DirectoryLocation(sources.archive_file.parent)
        return _from_location(install, asset, beside, keep=False)
    if sources.reader is not None:
        return _from_location(install, asset, sources.reader, keep=True)
    pinned = _pinned(install, name, raw=None)
    if pinned is not None:
        why = f"{install.release.env_prefix}OFFLINE is set, and the release location is not local"
        sources.verification.without_checksums(name, why)
        return pinned
    cached = _from_cache(install, asset)
    if cached is None:
        raise _offline_error(install, asset)
    _check_kept(install, cached)
    _logger.info(f"{install.project}: using {cached.source}")
    return cached


def _check_kept(install: Install, cached: VerifiedChecksums) -> None:
    """Refuse a kept copy that was verified less than this install's policy demands."""
    verification = install.sources.verification
    if cached.vouched_by != "signature" and (
        verification.policy != "auto" or verification.key is not None
    ):
        raise SignatureError(
            f"{cached.source} was kept without a verified signature, and "
            f"{install.release.env_prefix}VERIFY={verification.policy}"
            f"{' with the release key pinned' if verification.key is not None else ''} "
            "requires one; offline, nothing can verify it now. Install once online with "
            "this setting, or use a mirror that carries the signature files."
        )


class ReleaseChecksums:
    """The verified checksums of one release, each checksums file read once per session.

    The commands that handle several targets ask it for each install: with one checksums file
    per release, every target shares one :class:`VerifiedChecksums`; with split checksums
    (GoReleaser's ``checksum.split``) each asset has its own.
    """

    def __init__(self) -> None:
        self._made: dict[str, VerifiedChecksums] = {}

    def for_install(self, install: Install, asset: CheckedAsset | None = None) -> VerifiedChecksums:
        """The verified checksums vouching for ``asset`` (by default the install's archive);
        raises as :func:`read_checksums`."""
        name = (install.plan.archive if asset is None else asset).checksums
        if name not in self._made:
            self._made[name] = read_checksums(install, asset)
        return self._made[name]

    def made(self) -> list[VerifiedChecksums]:
        """Every checksums file read so far, in the order first asked for."""
        return list(self._made.values())


def _from_location(
    install: Install, asset: CheckedAsset, location: Location, *, keep: bool
) -> VerifiedChecksums:
    """One read of ``asset``'s checksums file from ``location``: fetch, decode, verify, parse,
    agree; with ``keep``, kept in the cache for offline installs from the same location."""
    sources, release, name = install.sources, install.release, asset.checksums
    source = location.describe(name)
    try:
        raw = location.read(name, limit=MAX_CHECKSUMS_SIZE)
    except AssetNotFoundError as exc:  # absent; a failed download is no reason to fall back
        pinned = _pinned(install, name, raw=None)
        if pinned is None:
            raise  # without pins, the checksums file is all there is
        sources.verification.without_checksums(name, str(exc))
        return pinned
    _logger.info(f"{install.project}: read {source}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ChecksumFileError(
            f"{source} is not text; expected GoReleaser's checksums file"
        ) from None
    seen = _Recording(location)
    signed = sources.verification.check_checksums(seen, name, raw, asset.signatures)
    entries = _parse(install, asset, text, source)
    pinned = _pinned(install, name, raw=raw, signatures=seen.read_files, proofs=signed)
    if pinned is not None:
        check_agreement(pinned.entries, entries, source, whole=not release.checksum_split)
        return pinned
    checksums = VerifiedChecksums(
        name=name,
        raw=raw,
        entries=entries,
        algorithm=release.checksum_algorithm,
        source=source,
        vouched_by="signature" if signed.signed else "integrity",
        signatures=seen.read_files,
        proofs=signed,
    )
    if keep and sources.cache is not None and sources.location is not None:
        where = sources.location.where
        sources.cache.store_checksums(where, install.plan.tag, name, raw, checksums.vouched_by)
    return checksums


def _parse(install: Install, asset: CheckedAsset, text: str, source: str) -> dict[str, str]:
    """``{asset name: digest}`` from a checksums file: every line of the release's one file, or
    the one digest of a split file (GoReleaser's ``checksum.split``), which names ``asset``."""
    algorithm = install.release.checksum_algorithm
    if install.release.checksum_split:
        return {asset.name: parse_split_checksum(text, source, algorithm)}
    return parse_checksums(text, source, algorithm)


def _pinned(
    install: Install,
    name: str,
    *,
    raw: bytes | None,
    signatures: Mapping[str, bytes] | None = None,
    proofs: Proofs | None = None,
) -> VerifiedChecksums | None:
    pins = install.sources.pins
    if pins is None:
        return None
    return VerifiedChecksums(
        name=name,
        raw=raw,
        entries=pins,
        algorithm=install.release.checksum_algorithm,
        source=PINNED,
        vouched_by="pins",
        signatures=signatures or {},
        proofs=replace(proofs or Proofs(), pins=True),
    )


def _from_cache(install: Install, asset: CheckedAsset) -> VerifiedChecksums | None:
    """Offline: the checksums file an earlier install read from this same location."""
    sources, name = install.sources, asset.checksums
    if sources.cache is None or sources.location is None:
        return None
    where = sources.location.where
    kept = sources.cache.load_checksums(where, install.plan.tag, name)
    if kept is None:
        return None
    raw, vouched_by = kept
    source = f"the cached copy of {name} from {shown(where)}"
    entries = _parse(install, asset, raw.decode("utf-8"), source)
    voucher: Voucher = "signature" if vouched_by == "signature" else "integrity"
    proofs = Proofs(kept_signed=voucher == "signature")
    algorithm = install.release.checksum_algorithm
    return VerifiedChecksums(name, raw, entries, algorithm, source, voucher, proofs=proofs)


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

    def mismatch_advice(self, name: str) -> str:
        return self._location.mismatch_advice(name)


@contextlib.contextmanager
def verified_archive(install: Install, checksums: VerifiedChecksums) -> Iterator[VerifiedArchive]:
    """The install's archive, its digest checked against ``checksums``.

    From ``<PREFIX>ARCHIVE``, else the cache (by the digest ``checksums`` name, re-hashed),
    else the release location; with the ``attestation`` policy, GitHub's attestation of its
    digest is verified too. The archive is an open file, closed when the block ends; a download
    is committed to the cache then. Raises as :func:`fetch_binary` does.
    """
    name, verification = install.plan.archive_name, install.sources.verification
    expected = checksums.digest_of(name)
    prefix = f"{install.release.import_name}-"
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=prefix)))
        handle = stack.enter_context(_opened(_Obtaining(install, checksums, expected, workdir)))
        proofs = checksums.proofs
        if verification.policy == "attestation":
            how = verification.check_archive(name, _sha256(handle, checksums, expected))
            _logger.info(f"{install.project}: {name} {how}")
            proofs = replace(proofs, attestation=how)
        verification.accept(name, proofs)
        yield VerifiedArchive(
            handle, name, checksums.algorithm, expected, checksums, proofs, verification.policy
        )


def _sha256(handle: ArchiveFile, checksums: VerifiedChecksums, verified: str) -> str:
    """The archive's sha256, which attestations name: the digest just verified when the
    checksums use it too, else a second pass over the same open file."""
    if checksums.algorithm == "sha256":
        return verified
    digest = copy_hashing(handle, None, "sha256")
    handle.seek(0)
    return digest


@dataclass(frozen=True)
class _Obtaining:
    """An archive whose expected digest is known, being obtained for an install."""

    install: Install
    checksums: VerifiedChecksums
    expected: str  # lowercase hex, by ``checksums.algorithm``
    workdir: Path  # for the copy when there is no cache

    @property
    def name(self) -> str:
        return self.install.plan.archive_name


@contextlib.contextmanager
def _opened(wanted: _Obtaining) -> Iterator[ArchiveFile]:
    """The archive, verified, as an open file at its start: from ``<PREFIX>ARCHIVE``, the cache
    or the release location, in that order; raises :class:`OfflineError` if none has it."""
    install, checksums = wanted.install, wanted.checksums
    sources, algorithm = install.sources, checksums.algorithm
    if sources.archive_file is not None:
        with _from_archive_file(wanted, sources.archive_file) as handle:
            yield handle
        return
    cache = sources.cache
    if cache is not None and (hit := cache.lookup(algorithm, wanted.expected)) is not None:
        _logger.info(
            f"{install.project}: using the cached {wanted.name} "
            f"({algorithm} {wanted.expected}, {checksums.trust})"
        )
        with hit:
            yield hit
        return
    reader = sources.reader
    if reader is None:
        raise _offline_error(install)
    _logger.info(f"{install.project}: downloading {reader.describe(wanted.name)}")
    with _stored(
        wanted,
        lambda out: reader.copy(wanted.name, out, algorithm=algorithm, limit=MAX_ARCHIVE_SIZE),
        reader.mismatch_advice(wanted.name),
    ) as handle:
        yield handle


@contextlib.contextmanager
def _from_archive_file(wanted: _Obtaining, path: Path) -> Iterator[ArchiveFile]:
    install = wanted.install
    _logger.info(f"{install.project}: installing from {path}")
    try:
        source = path.open("rb")
    except OSError as exc:
        raise DownloadError(
            f"cannot read {path} (from {install.release.env_prefix}ARCHIVE): {exc.strerror}"
        ) from exc

    def copy(out: IO[bytes]) -> str:
        source.seek(0)  # from the start again, if a full cache made the first copy fail
        return copy_hashing(source, out, wanted.checksums.algorithm)

    # Copied while hashed: the user's file may change after this, the copy cannot.
    advice = (
        f"{path} (from {install.release.env_prefix}ARCHIVE) is not the release's "
        f"{wanted.name}: download that file from the release again, or unset "
        f"{install.release.env_prefix}ARCHIVE."
    )
    with source, _stored(wanted, copy, advice) as handle:
        yield handle


@contextlib.contextmanager
def _stored(
    wanted: _Obtaining, copy: Callable[[IO[bytes]], str], advice: str
) -> Iterator[ArchiveFile]:
    """The archive that ``copy`` writes, hashing it, into a new private file: verified, and
    open at its start for the caller, who reads the very bytes that were hashed.

    With a cache, the file is a new cache entry, committed under its digest once the caller
    is done (closed first: Windows renames no open file). If the cache's disk refuses the
    write (full, over quota, read-only, no permission: :data:`_NO_ROOM`), a warning names
    the cache directory and ``copy`` runs again into a temporary file outside it: an
    unusable cache means no cache, never a failed install.
    """
    cache, release = wanted.install.sources.cache, wanted.install.release
    if cache is not None:
        with contextlib.ExitStack() as stack:
            try:
                temp = stack.enter_context(cache.new_entry())
                handle, got = _write(temp, copy)
            except BootstrapError:
                raise
            except OSError as exc:
                if exc.errno not in _NO_ROOM:
                    raise _storage_error(exc, cache.root, release) from exc
                _logger.warning(
                    f"warning: cannot write the download to the cache directory {cache.root} "
                    f"({exc.strerror or exc}); going on without the cache"
                )
            else:
                with handle:
                    _check_digest(wanted, got, advice)
                    handle.seek(0)
                    try:
                        yield handle
                    finally:
                        # Kept even if the caller failed (a full disk for the binary): it
                        # is verified, and the next install need not download it again.
                        handle.close()
                        _commit(wanted, cache, temp, got)
                return
    with _uncached(wanted, copy, advice) as handle:
        yield handle


@contextlib.contextmanager
def _uncached(
    wanted: _Obtaining, copy: Callable[[IO[bytes]], str], advice: str
) -> Iterator[ArchiveFile]:
    """:func:`_stored` without a cache: into a temporary file of ``wanted.workdir``."""
    temp = wanted.workdir / wanted.name
    try:
        handle, got = _write(temp, copy)
    except BootstrapError:
        raise
    except OSError as exc:
        raise _storage_error(exc, temp.parent, wanted.install.release) from exc
    with handle:
        _check_digest(wanted, got, advice)
        handle.seek(0)
        yield handle


def _commit(wanted: _Obtaining, cache: ArchiveCache, temp: Path, got: str) -> None:
    try:
        cache.commit(temp, wanted.checksums.algorithm, got)
    except OSError as exc:  # another install may hold the entry open (Windows)
        _logger.warning(f"warning: cannot keep {wanted.name} in the cache ({exc.strerror or exc})")


def _check_digest(wanted: _Obtaining, got: str, advice: str) -> None:
    checksums, project = wanted.checksums, wanted.install.project
    algorithm = checksums.algorithm
    source = checksums.source
    verify_digest(
        wanted.name, wanted.expected, got, source=source, algorithm=algorithm, advice=advice
    )
    if checksums.vouched_by == "pins":
        _logger.info(f"{project}: {algorithm} verified against the pinned checksums: {got}")
    elif checksums.vouched_by == "signature":
        _logger.info(
            f"{project}: {algorithm} verified against the signed {checksums.source}: {got}"
        )
    else:
        _logger.info(
            f"{project}: {algorithm} verified: {got} (integrity only: this package "
            f"carries no pinned checksums, so {checksums.source} was trusted as published)"
        )


def _offline_error(install: Install, asset: CheckedAsset | None = None) -> OfflineError:
    release, sources = install.release, install.sources
    asset = install.plan.archive if asset is None else asset
    archive, name = asset.name, asset.checksums

    def var(suffix: str) -> str:
        return f"{release.env_prefix}{suffix}"

    cache = sources.cache
    if cache is None:
        cache_note = "no usable cache directory"
    else:
        cache_note = f"{cache.root} holds no verified copy of it"
    where = shown(sources.location.where if sources.location is not None else None)
    return OfflineError(
        f"{var('OFFLINE')} is set and no local copy of {archive} was found. Looked in:\n"
        f"  - the cache: {cache_note}\n"
        f"  - {var('ARCHIVE')}: not set\n"
        f"  - {var('RELEASE_URL')}: {where} is not local\n"
        "Supply the archive in one of three ways:\n"
        f"  1. {var('ARCHIVE')}=/path/to/{archive} (verified against the pinned checksums, or "
        f"a {name} beside it)\n"
        f"  2. {var('RELEASE_URL')}=/path/to/mirror, a directory made with "
        f"'python -m {release.import_name}.bootstrap mirror DIR'\n"
        f"  3. install once with the network (without {var('OFFLINE')}) to fill the cache"
    )


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
