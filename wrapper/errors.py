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
"""

from __future__ import annotations

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
    """This machine's OS and architecture are not among the release's targets."""


class ChecksumError(BootstrapError, ValueError):
    """Base of the three ways the checksums refuse an archive (the subclasses below)."""


class ChecksumFileError(ChecksumError):
    """The checksums file is malformed, ambiguous, or has no entry for the archive."""


class ChecksumMismatchError(ChecksumError):
    """The archive's digest differs from the one the release published."""


class PinnedChecksumsError(ChecksumError):
    """The release's checksums file differs from the checksums pinned in the package."""


class SignatureError(BootstrapError, ValueError):
    """A proof of authenticity that the verify policy requires is missing, unfetchable or false.

    Raised for the release key's signature on the checksums file (``signatures``), a Sigstore
    keyless signature (``keyless``) and a GitHub artifact attestation (``verification``); the
    message names the file and whether it was absent, malformed, or signed by someone else.
    """


class DownloadError(BootstrapError, OSError):
    """A file could not be fetched: network failure, HTTP error, refused redirect, size cap."""


class AssetNotFoundError(DownloadError, FileNotFoundError):
    """The file is not there: the server answered 404 or 410, or the directory lacks it.

    The one download failure that means *absent*: an optional file (a signature, an SBOM) may
    be skipped for it, and for nothing else, so a timeout or a 500 is never taken for absence.
    """


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
