"""The archive cache: verified archives kept by content, shared safely by concurrent installs.

An archive is stored under its digest (``archives/sha256-<hex>``), so a name can never point at
the wrong bytes, and it is re-hashed before every use: a corrupt or truncated entry is
discarded with a warning, never trusted. Entries are written to a temporary file in the same
directory and renamed into place, so another process sees a complete file or none, and an
install killed mid-download leaves only a temporary file that no lookup ever returns. A cache
that cannot be written, or that has no place to live (no home directory), is no cache: a
warning, then the install goes on without it.

What the cache may answer for, and what not: it serves an archive only by the digest that
verified checksums name, never by its file name. The checksums file of each release is kept
too, but only for an offline install of an unpinned package, and only under the release
location it was read from (location + tag + file name): online, the configured location is
always read, so a cache warmed from one location never speaks for another.

Whom the cache trusts: only the user running the install. The cache directory, and each
directory below it, must belong to that user and be closed to writes by group and others, with
no symbolic link below the root (the rule of :mod:`.ownership`); entries are opened without
following links and must be private regular files. A directory that fails the rule is not used:
the default one with a warning, one named by ``<PREFIX>CACHE_DIR`` with
:class:`UnsafeCacheError`. And an entry is handed out as the open file that was hashed, never
as a path to open again, so what was verified is what is used.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import logging
import os
import re
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from ._atomic import atomic_write
from .digests import copy_hashing
from .errors import UnsafeCacheError
from .ownership import not_private, open_nofollow, open_to_renames

__all__ = ["ArchiveCache", "default_cache_dir", "open_private"]

_logger = logging.getLogger(__name__)

_STALE_SECONDS = 24 * 3600  # temporary files this old belong to installs that died


def default_cache_dir(
    project: str, environ: Mapping[str, str] | None = None, platform: str = sys.platform
) -> Path | None:
    """The platform's per-user cache directory for ``project`` (what platformdirs would say).

    ``XDG_CACHE_HOME`` (Linux and other POSIX) and ``LOCALAPPDATA`` (Windows) need no home
    directory; otherwise the home directory is asked for, and None means there is none (``HOME``
    unset and a uid without a passwd entry, as in some containers): no cache.
    """
    env = os.environ if environ is None else environ
    if platform == "win32":
        local = env.get("LOCALAPPDATA")
        if local:
            return Path(local) / project / "Cache"
        home = _home(env.get("USERPROFILE"))
        return None if home is None else home / "AppData" / "Local" / project / "Cache"
    if platform == "darwin":
        home = _home(env.get("HOME"))
        return None if home is None else home / "Library" / "Caches" / project
    xdg = env.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):  # the XDG spec: a relative path is invalid and ignored
        return Path(xdg) / project
    home = _home(env.get("HOME"))
    return None if home is None else home / ".cache" / project


def _home(named: str | None) -> Path | None:
    """The home directory: ``named`` (from the environment), else the account's; None if none."""
    if named:
        return Path(named)
    try:
        return Path.home()
    except (RuntimeError, KeyError, OSError):
        # RuntimeError (Python >= 3.12) or KeyError from pwd (3.9 to 3.11): no passwd entry.
        return None


def _last_modified(path: Path) -> float:
    """When ``path`` last changed: for a download directory, the file being written in it."""
    inside = list(path.iterdir()) if path.is_dir() else []
    return max(p.stat().st_mtime for p in [path, *inside])


class ArchiveCache:
    """A content-addressed store of verified archives under one directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.archives = root / "archives"
        self.checksums = root / "checksums"

    @classmethod
    def open(cls, root: Path, *, named_by: str | None = None) -> ArchiveCache | None:
        """The cache at ``root``, created 0700; None (with a warning) if it cannot be written or
        is not the user's alone.

        ``named_by`` is the setting that named ``root`` (``MYCLI_CACHE_DIR``), None for the
        platform's default: a cache the user asked for by name that fails the ownership rule
        raises :class:`UnsafeCacheError` instead of being skipped.
        """
        cache = cls(root)
        try:
            root.mkdir(mode=0o700, parents=True, exist_ok=True)
            problem = cache._unsafe()
            if problem is None:
                with tempfile.TemporaryFile(dir=cache.archives):
                    pass  # the directory may exist yet be read-only
        except OSError as exc:
            _logger.warning(
                f"warning: the cache directory {root} cannot be written ({exc.strerror}); "
                "going on without a cache"
            )
            return None
        if problem is not None:
            why = (
                f"{problem}. A cache must belong to you, be closed to writes by group and "
                "others, have no symbolic link below it and no directory above it that others may "
                "rename it out of: otherwise another local user could swap an archive in it after "
                "it was verified"
            )
            if named_by is not None:
                raise UnsafeCacheError(
                    f"{named_by}={str(root)!r} names a cache directory that is not safe to use: "
                    f"{why}. Point {named_by} at a directory of your own (it is created 0700 if "
                    "missing), fix this one (chown it to yourself, chmod go-w, remove the link), "
                    "or unset it."
                )
            _logger.warning(
                f"warning: not using the cache directory {root}: {why}; going on without a cache"
            )
            return None
        cache._sweep()
        return cache

    def _unsafe(self) -> str | None:
        """Why this cache fails the ownership rule, None if it passes; then creates the folders
        below the root that are missing (0700). Raises OSError if one cannot be made."""
        # The root itself may be reached through a symbolic link (a home directory on another
        # disk is common); it is the root's owner and mode that matter.
        st = os.stat(self.root)
        if not stat.S_ISDIR(st.st_mode):
            return f"{self.root} is not a directory"
        if (reason := not_private(st)) is not None:
            return f"{self.root} {reason}"
        # Above the root, as written and as resolved: a directory others may rename entries of
        # lets them swap the whole root, checked or not, for one of their own (red team).
        above = [
            *Path(os.path.abspath(self.root)).parents,
            *Path(os.path.realpath(self.root)).parents,
        ]
        for parent in dict.fromkeys(above):
            if (reason := open_to_renames(os.stat(parent))) is not None:
                return f"{parent}, a directory above {self.root}, {reason}"
        folders = (self.archives, self.checksums)
        for folder in folders:  # each checked before any is made: a refused cache is left as is
            try:
                st = os.lstat(folder)
            except FileNotFoundError:
                continue
            if stat.S_ISLNK(st.st_mode):
                return f"{folder} is a symbolic link (to {os.readlink(folder)!r})"
            if not stat.S_ISDIR(st.st_mode):
                return f"{folder} is not a directory"
            if (reason := not_private(st)) is not None:
                return f"{folder} {reason}"
        for folder in folders:
            # The root is the user's alone, so nobody else can have made one since the check.
            with contextlib.suppress(FileExistsError):
                folder.mkdir(mode=0o700)
        return None

    def _sweep(self) -> None:
        # Temporary files (and download directories) of installs that were killed; nothing ever
        # reads them.
        cutoff = time.time() - _STALE_SECONDS
        for folder in (self.archives, self.checksums):
            for path in folder.glob(".*.tmp"):
                with contextlib.suppress(OSError):
                    if _last_modified(path) >= cutoff:
                        continue
                    if path.is_dir():
                        shutil.rmtree(path)
                    else:
                        path.unlink()

    def path_for(self, algorithm: str, digest: str) -> Path:
        """Where the archive with this digest is kept. ValueError for a digest that is not hex
        (callers pass digests the checksums parser already checked)."""
        if not re.fullmatch(r"[0-9a-f]+", digest):
            raise ValueError(f"not a hex digest: {digest!r}")
        return self.archives / f"{algorithm}-{digest}"

    def lookup(self, algorithm: str, digest: str) -> io.BufferedReader | None:
        """The cached archive with this digest, open at its start and re-hashed now through
        that same file; None if absent, corrupt, or not a private regular file.

        The caller reads the bytes that were hashed: the file is never opened again by its
        path, so swapping the entry after this check changes nothing the caller sees.
        """
        path = self.path_for(algorithm, digest)
        try:
            handle = open_private(path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            _logger.warning(
                f"warning: cannot use the cached archive {path} ({_why(exc)}); ignoring it"
            )
            with contextlib.suppress(OSError):
                path.unlink()  # the folder is ours: whatever stands there is no entry
            return None
        try:
            if hasattr(os, "posix_fadvise"):  # read ahead further: the whole file is wanted
                os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
            found = copy_hashing(handle, None, algorithm)
            handle.seek(0)
        except OSError as exc:
            handle.close()
            _logger.warning(
                f"warning: cannot read the cached archive {path} ({exc.strerror}); ignoring it"
            )
            return None
        if found != digest:
            handle.close()
            _logger.warning(
                f"warning: the cached archive {path} is corrupt (its {algorithm} is "
                f"{found}); discarding it"
            )
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        return handle

    @contextlib.contextmanager
    def new_entry(self) -> Iterator[Path]:
        """A path in the cache to download into, used by no other process; gone unless committed.

        The path names a file not yet created, in a private temporary directory, so opening it
        creates the file. A file created first and then reopened with truncation would be
        flagged by ext4 (``auto_da_alloc``, its guard for programs that rewrite a file in place)
        to flush all its data when closed: about 30 ms per 100 MB, on the critical path.
        """
        folder = Path(tempfile.mkdtemp(dir=self.archives, prefix=".download-", suffix=".tmp"))
        try:
            yield folder / "archive"
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def commit(self, temp: Path, algorithm: str, digest: str) -> Path:
        """Move a verified download into place under its digest (atomic; the last writer wins)."""
        final = self.path_for(algorithm, digest)
        os.replace(temp, final)
        return final

    def _checksums_path(self, where: str, tag: str, name: str) -> Path:
        # The location is part of the key, hashed: it may hold credentials, and two locations
        # (a mirror and GitHub, or a re-published release) may serve different files.
        key = "\0".join((where.rstrip("/"), tag, name)).encode()
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", f"{tag}--{name}")
        return self.checksums / f"{safe}--{hashlib.sha256(key).hexdigest()[:32]}.json"

    def load_checksums(self, where: str, tag: str, name: str) -> tuple[bytes, str] | None:
        """The checksums file ``name`` of release ``tag`` as read from ``where`` and verified
        by an earlier install, with what vouched for it; None if not kept (or unreadable)."""
        try:
            with open_private(self._checksums_path(where, tag, name)) as handle:
                kept = json.loads(handle.read().decode("utf-8"))
            return kept["text"].encode("utf-8"), str(kept["vouched_by"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def store_checksums(self, where: str, tag: str, name: str, raw: bytes, vouched_by: str) -> None:
        """Keep a verified checksums file (UTF-8 text) for offline installs from ``where``."""
        final = self._checksums_path(where, tag, name)
        kept = {"text": raw.decode("utf-8"), "vouched_by": vouched_by}
        try:
            atomic_write(final, json.dumps(kept).encode("utf-8"), mode=0o600)
        except OSError as exc:
            _logger.warning(f"warning: cannot keep {name} in the cache ({exc.strerror})")

    def entries(self) -> list[tuple[str, int]]:
        """``(file name, size)`` of every cached archive, for ``info``."""
        return sorted(
            (p.name, p.stat().st_size)
            for p in self.archives.glob("*-*")
            if not p.name.startswith(".")
        )


def open_private(path: Path) -> io.BufferedReader:
    """``path`` opened for reading: a regular file of the user's alone, never through a link.

    Raises OSError: ELOOP for a symbolic link, EPERM (with the reason) for anything else that
    is not a regular file or fails the ownership rule of :mod:`.ownership`.
    """
    fd = open_nofollow(path, os.O_RDONLY)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EPERM, "it is not a regular file")
        if (reason := not_private(st)) is not None:
            raise OSError(errno.EPERM, f"it {reason}")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _why(exc: OSError) -> str:
    """An error opening a cache file, for a warning: a link refused by O_NOFOLLOW by name."""
    if exc.errno in (errno.ELOOP, errno.EMLINK):  # Linux and macOS say ELOOP, FreeBSD EMLINK
        return "it is a symbolic link"
    return exc.strerror or str(exc)
