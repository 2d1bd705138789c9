"""Where one release's assets are: a directory URL on an HTTPS server, or a local directory.

GitHub's ``.../releases/download/<tag>/`` and a mirror made with ``mirror`` hold the same file
names, so both are read through one two-method interface and the verification that follows
cannot tell them apart.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol
from urllib.parse import unquote, urlsplit

from ._redact import redact
from .digests import copy_hashing
from .errors import AssetNotFoundError, ChecksumMismatchError, DownloadError

if TYPE_CHECKING:  # httpx is imported only when something is downloaded
    from ._http import Downloader

__all__ = ["DirectoryLocation", "HttpSession", "HttpsLocation", "Location", "location_for"]


class Location(Protocol):
    """A release's asset directory."""

    def describe(self, name: str) -> str:
        """Where ``name`` is, for messages (a URL or a path)."""
        ...

    def read(self, name: str, *, limit: int) -> bytes:
        """Return a small asset's bytes (checksums, signatures), at most ``limit`` bytes.

        Raises :class:`AssetNotFoundError` (a :class:`DownloadError`) if it is absent, and
        :class:`DownloadError` if it cannot be read or is larger than ``limit``.
        """
        ...

    def copy(self, name: str, out: IO[bytes], *, algorithm: str, limit: int) -> str:
        """Stream an asset into ``out``, returning the hex digest (``algorithm``) of the bytes
        written. Raises :class:`DownloadError` as :meth:`read` does."""
        ...

    def mismatch_advice(self, name: str) -> str:
        """What to do when ``name``, copied from here, differs from its published checksum."""
        ...


class HttpSession:
    """The one HTTP client of a fetch session: opened on first use, closed once by its owner.

    Every https location of a session (the release, the attestations API, a ``bundle_url``)
    shares it, so they share one connection pool and one TLS context, and closing the session
    closes them all. A session that downloads nothing never builds a client (nor imports httpx).
    """

    def __init__(self, open_downloader: Callable[[], Downloader]) -> None:
        self._open = open_downloader
        self._downloader: Downloader | None = None

    def downloader(self) -> Downloader:
        """The session's client, opened now if this is the first use."""
        if self._downloader is None:
            self._downloader = self._open()
        return self._downloader

    def close(self) -> None:
        """Close the HTTP client, if one was made; the session can open a new one later."""
        if self._downloader is not None:
            self._downloader.close()
            self._downloader = None

    def __enter__(self) -> HttpSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class HttpsLocation:
    """A release directory served over HTTPS, such as GitHub's download URL for a tag.

    ``downloader`` gives the session's client when something is first read, so a location that
    is only described (``info``) or never reached builds none.
    """

    def __init__(self, base_url: str, downloader: Callable[[], Downloader]) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._downloader = downloader

    def describe(self, name: str) -> str:
        return redact(self.base_url + name)

    def read(self, name: str, *, limit: int) -> bytes:
        return self._downloader().fetch(self.base_url + name, limit=limit)

    def copy(self, name: str, out: IO[bytes], *, algorithm: str, limit: int) -> str:
        return self._downloader().download(
            self.base_url + name, out, algorithm=algorithm, limit=limit
        )

    def mismatch_advice(self, name: str) -> str:
        return ChecksumMismatchError.CORRUPT


class DirectoryLocation:
    """A release directory on disk: a mirror, a USB stick, an unpacked release."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def describe(self, name: str) -> str:
        return str(self.path / name)

    def mismatch_advice(self, name: str) -> str:
        return (
            f"{self.path / name} is not the file the release published: copy it from the "
            "release again, and if it still differs, do not use it: report it to the project."
        )

    def _open(self, name: str, limit: int) -> io.BufferedReader:
        path = self.path / name
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise AssetNotFoundError(
                asset=name,
                where=str(self.path),
                url=str(path),
                reason="no such file",
            ) from None
        except OSError as exc:
            raise DownloadError(f"cannot read {path}: {exc.strerror}") from exc
        size = os.fstat(handle.fileno()).st_size
        if size > limit:
            handle.close()
            raise DownloadError(f"{path} is {size} bytes, more than the {limit} allowed for it")
        return handle

    def read(self, name: str, *, limit: int) -> bytes:
        with self._open(name, limit) as handle:
            return handle.read(limit + 1)

    def copy(self, name: str, out: IO[bytes], *, algorithm: str, limit: int) -> str:
        with self._open(name, limit) as handle:
            return copy_hashing(handle, out, algorithm)


def location_for(where: str, downloader_factory: Callable[[], Downloader]) -> Location:
    """The location named by a URL or path: ``https://...``, ``file://...`` or a directory.

    ``downloader_factory`` (a session's :meth:`HttpSession.downloader`) is called only when an
    https location is first read, so a local install never builds an HTTP client. Raises
    :class:`DownloadError` for plain http, another scheme, or a path that is not a directory.
    """
    parts = urlsplit(where)
    if parts.scheme == "https":
        return HttpsLocation(where, downloader_factory)
    if parts.scheme == "file":
        return _directory(Path(unquote(parts.path)), where)
    if len(parts.scheme) <= 1:  # a path, or a Windows path whose drive letter reads as a scheme
        # os.path.expanduser leaves "~" as it is when there is no home directory; Path's
        # raises RuntimeError.
        return _directory(Path(os.path.expanduser(where)), where)
    raise DownloadError(
        f"release location {where!r} is neither an https URL nor a local directory; "
        "plain http is not accepted"
    )


def _directory(path: Path, where: str) -> DirectoryLocation:
    if not path.is_dir():
        raise DownloadError(f"release location {where!r} is not a directory")
    return DirectoryLocation(path)
