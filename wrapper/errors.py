"""The exceptions this package raises, each written for the person at the terminal.

Every error the bootstrap raises derives from :class:`BootstrapError`, so the build hook and the
``bootstrap`` commands can catch one type and print its message without a traceback. Each
subclass also inherits the standard type that fits, so callers that know Python but not this
package still catch it::

    BootstrapError
     +-- ConfigError (ValueError)               the release description cannot be used
     |    +-- TemplateError                     a Go template in it cannot be rendered
     +-- VersionError (ValueError)              a version has no release tag, or a tag no version
     +-- UnsupportedPlatformError (ValueError)  no release archive for this machine
     +-- ChecksumError (ValueError)             the checksums refuse the archive, in three ways:
     |    +-- ChecksumFileError                 a checksums file is malformed or lacks the archive
     |    |    +-- NotListedError               the checksums file has no line for the archive
     |    +-- ChecksumMismatchError             the archive is not the one that was released
     |    +-- PinnedChecksumsError              the release disagrees with the pinned checksums
     +-- SignatureError (ValueError)            a proof of authenticity the policy requires is
     |                                          missing, cannot be fetched, or does not verify:
     |                                          release-key signature, Sigstore keyless
     |                                          signature, or GitHub attestation
     +-- DownloadError (OSError)                the network or the server failed us
     |    +-- AssetNotFoundError                the file is absent: 404 or 410 over HTTP, or
     |    |   (FileNotFoundError)               no such file in a local release directory
     |    +-- DownloadTimeoutError              too slow, stalled, or past its deadline
     |        (TimeoutError)
     +-- ArchiveError (ValueError)              the archive is hostile, corrupt or lacks the binary
     |    +-- ExecutableError                   the binary in it is unreadable, or is not an
     |                                          executable for the archive's target
     +-- OfflineError (FileNotFoundError)       offline, and no local copy of the archive
     +-- StorageError (OSError)                 a file could not be written (disk full, ...)
     +-- UnsafeCacheError (PermissionError)     the cache asked for is not the user's alone

Errors carry their facts, as pip's ``HashMismatch`` does: :class:`ChecksumMismatchError`,
:class:`NotListedError`, :class:`AssetNotFoundError`, :class:`DownloadError` and
:class:`UnsupportedPlatformError` take the facts as keyword arguments, keep them as attributes
(which tests assert on) and word their own message from them. Each also still takes a finished
message as its one positional argument, with its facts then left empty. Either way ``args`` is
``(message,)``, so an error pickles and unpickles to the same class with the same facts and
message. Without pickle, a child process hands one to its parent as JSON: the class name,
``str(error)`` and ``vars(error)`` (the facts: text, numbers, lists); the parent rebuilds it
as ``cls(message, **facts)``.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._redact import redact

__all__ = [
    "ArchiveError",
    "AssetNotFoundError",
    "BootstrapError",
    "ChecksumError",
    "ChecksumFileError",
    "ChecksumMismatchError",
    "ConfigError",
    "DownloadError",
    "DownloadTimeoutError",
    "ExecutableError",
    "NotListedError",
    "OfflineError",
    "PinnedChecksumsError",
    "SignatureError",
    "StorageError",
    "TemplateError",
    "UnsafeCacheError",
    "UnsupportedPlatformError",
    "VersionError",
]


class BootstrapError(Exception):
    """Root of every error this package raises on purpose."""


class ConfigError(BootstrapError, ValueError):
    """The release description (goreleaser.yaml) is missing, malformed or unsupported."""


class TemplateError(ConfigError):
    """A GoReleaser name template uses syntax or a function this renderer does not support."""


class VersionError(BootstrapError, ValueError):
    """A package version cannot be mapped to a release tag, or a tag to a version."""


class UnsupportedPlatformError(BootstrapError, ValueError):
    """This machine's OS and architecture are not among the release's targets.

    Facts: ``target`` (what was asked for, such as ``linux/riscv64``, or the binary described),
    ``supported`` (every target there is, as ``OS/ARCH``), ``subject`` (what is missing: a
    ``build``, a ``wheel platform tag``) and ``advice`` (why, or where else to look).
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        target: str = "",
        supported: Sequence[str] = (),
        subject: str = "build",
        advice: str = "",
    ) -> None:
        self.target, self.supported = target, tuple(supported)
        self.subject, self.advice = subject, advice
        if message is None:
            message = (
                f"there is no {subject} for {target}; supported: "
                f"{', '.join(self.supported) or '(nothing)'}"
            ) + (f". {advice}" if advice else "")
        super().__init__(message)


class ChecksumError(BootstrapError, ValueError):
    """Base of the three ways the checksums refuse an archive (the subclasses below)."""


class ChecksumFileError(ChecksumError):
    """The checksums file is malformed, ambiguous, or has no entry for the archive."""


class NotListedError(ChecksumFileError):
    """The checksums file has no line for the asset, so it cannot be verified.

    Facts: ``asset`` (the file name looked for), ``checksums`` (the checksums file, as shown to
    the user) and ``listed`` (the names it does list, sorted).
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        asset: str = "",
        checksums: str = "",
        listed: Sequence[str] = (),
    ) -> None:
        self.asset, self.checksums, self.listed = asset, checksums, tuple(listed)
        if message is None:
            shown = ", ".join(self.listed[:12]) + (", ..." if len(self.listed) > 12 else "")
            message = (
                f"{checksums} has no entry for {asset!r}, so it cannot be verified and will not "
                f"be installed. The file lists: {shown or '(nothing)'}. The release may be "
                "incomplete, or the release location may point at another project or version."
            )
        super().__init__(message)


class ChecksumMismatchError(ChecksumError):
    """The archive's digest differs from the one the release published.

    Facts: ``asset`` (the file refused), ``algorithm`` (``sha256``, ...; empty when unknown),
    ``expected`` and ``got`` (hex digests), ``where`` (what published ``expected``: the
    checksums file, the package's record, ...) and ``advice`` (the next step).
    """

    CORRUPT = (
        "The download may be corrupt or tampered with. Try again, and if it happens again, do "
        "not use this download: report it to the project."
    )

    def __init__(
        self,
        message: str | None = None,
        *,
        asset: str = "",
        algorithm: str = "",
        expected: str = "",
        got: str = "",
        where: str = "",
        advice: str = CORRUPT,
    ) -> None:
        self.asset, self.algorithm, self.where, self.advice = asset, algorithm, where, advice
        self.expected, self.got = expected, got
        if message is None:
            kind = f" ({algorithm})" if algorithm else ""
            message = (
                f"{asset} does not match the checksum published in {where}{kind}.\n"
                f"  Expected: {expected}\n"
                f"  Got:      {got}\n"
                f"{advice}"
            )
        super().__init__(message)


class PinnedChecksumsError(ChecksumError):
    """The release's checksums file differs from the checksums pinned in the package."""


class SignatureError(BootstrapError, ValueError):
    """A proof of authenticity that the verify policy requires is missing, unfetchable or false.

    Raised for the release key's signature on the checksums file (``signatures``), a Sigstore
    keyless signature (``keyless``) and a GitHub artifact attestation (``verification``); the
    message names the file and whether it was absent, malformed, or signed by someone else.
    """


class DownloadError(BootstrapError, OSError):
    """A file could not be fetched: network failure, HTTP error, refused redirect, size cap.

    Facts: ``url`` (redacted by :func:`._redact.redact` whatever was passed), ``status`` (the
    HTTP status, None when there was no answer), ``reason`` (what went wrong, in words) and
    ``advice`` (the next step), worded as "could not download <url>: <reason>. <advice>".
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        url: str = "",
        status: int | None = None,
        reason: str = "",
        advice: str = "",
    ) -> None:
        self.url, self.status, self.reason, self.advice = redact(url), status, reason, advice
        if message is None:
            message = f"could not download {self.url}: {reason}" + (f". {advice}" if advice else "")
        super().__init__(message)


class AssetNotFoundError(DownloadError, FileNotFoundError):
    """The file is not there: the server answered 404 or 410, or the directory lacks it.

    The one download failure that means *absent*: an optional file (a signature, an SBOM) may
    be skipped for it, and for nothing else, so a timeout or a 500 is never taken for absence.

    Facts: ``asset`` (the file name), ``where`` (the release location looked in, redacted),
    with :class:`DownloadError`'s ``url`` (the file's URL or path), ``status`` (None for a local
    directory) and ``reason``.
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        asset: str = "",
        where: str = "",
        url: str = "",
        status: int | None = None,
        reason: str = "",
        advice: str = "",
    ) -> None:
        self.asset, self.where = asset, redact(where)
        if message is None:
            absent = (
                f"was not found ({reason})"  # a server's answer
                if status is not None
                else f"does not exist: {self.where} lacks {asset!r}"  # a local directory
            )
            message = (
                f"{redact(url)} {absent}. The release may not exist for this version, or the "
                "release location may be wrong."
            )
        super().__init__(message, url=url, status=status, reason=reason, advice=advice)


class DownloadTimeoutError(DownloadError, TimeoutError):
    """A download was too slow (below the speed floor), stalled, or ran past its deadline."""


class ArchiveError(BootstrapError, ValueError):
    """The archive cannot be extracted safely, is corrupt, or does not hold the binary."""


class ExecutableError(ArchiveError):
    """The archive's binary is no executable this package can read (malformed, truncated, not
    ELF, Mach-O or PE), or is not one for the archive's target (another OS or architecture)."""


class OfflineError(BootstrapError, FileNotFoundError):
    """The network may not be used, and nothing local holds the archive."""


class StorageError(BootstrapError, OSError):
    """Writing to disk failed: the disk is full, a quota or file size limit was hit, ..."""


class UnsafeCacheError(BootstrapError, PermissionError):
    """The cache directory the user named is owned by someone else, writable by others, or has
    a symbolic link below it (the rule in :mod:`.ownership`)."""
