"""The archive cache: verified archives kept by content, shared safely by concurrent installs.

An archive is stored under its digest (``archives/sha256-<hex>``), so a name can never point at
the wrong bytes, and it is re-hashed before every use: a corrupt or truncated entry is
discarded with a warning, never trusted. Entries are written to a temporary file in the same
directory and renamed into place, so another process sees a complete file or none, and an
install killed mid-download leaves only a temporary file that no lookup ever returns. The
checksums file of each release is kept too, so that an offline install of an unpinned package
still knows which digest to look for. A cache that cannot be written is no cache: a warning,
then the install goes on without it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .digests import copy_hashing

__all__ = ["ArchiveCache", "default_cache_dir"]

_STALE_SECONDS = 24 * 3600  # temporary files this old belong to installs that died


def default_cache_dir(
    project: str, environ: dict[str, str] | None = None, platform: str = sys.platform
) -> Path:
    """The platform's per-user cache directory for ``project`` (what platformdirs would say)."""
    env = dict(os.environ) if environ is None else environ
    home = Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())
    if platform == "win32":
        base = Path(env.get("LOCALAPPDATA") or home / "AppData" / "Local")
        return base / project / "Cache"
    if platform == "darwin":
        return home / "Library" / "Caches" / project
    return Path(env.get("XDG_CACHE_HOME") or home / ".cache") / project


def _last_modified(path: Path) -> float:
    """When ``path`` last changed: for a download directory, the file being written in it."""
    inside = list(path.iterdir()) if path.is_dir() else []
    return max(p.stat().st_mtime for p in [path, *inside])


class ArchiveCache:
    """A content-addressed store of verified archives under one directory."""

    def __init__(self, root: Path, log: Callable[[str], None]) -> None:
        self.root = root
        self.archives = root / "archives"
        self.checksums = root / "checksums"
        self._log = log

    @classmethod
    def open(cls, root: Path, log: Callable[[str], None]) -> ArchiveCache | None:
        """The cache at ``root``, created 0700; None (with a warning) if it cannot be written."""
        cache = cls(root, log)
        try:
            for folder in (root, cache.archives, cache.checksums):
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=cache.archives):
                pass  # the directory may exist yet be read-only
        except OSError as exc:
            log(
                f"warning: the cache directory {root} cannot be written ({exc.strerror}); "
                "going on without a cache"
            )
            return None
        cache._sweep()
        return cache

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
        if not re.fullmatch(r"[0-9a-f]+", digest):
            raise ValueError(f"not a hex digest: {digest!r}")
        return self.archives / f"{algorithm}-{digest}"

    def lookup(self, algorithm: str, digest: str) -> Path | None:
        """The cached archive with this digest, re-hashed now; None if absent or corrupt."""
        path = self.path_for(algorithm, digest)
        try:
            with path.open("rb", buffering=0) as handle:
                if hasattr(os, "posix_fadvise"):  # read ahead further: the whole file is wanted
                    os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
                found = copy_hashing(handle, None, algorithm)
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._log(
                f"warning: cannot read the cached archive {path} ({exc.strerror}); ignoring it"
            )
            return None
        if found != digest:
            self._log(
                f"warning: the cached archive {path} is corrupt (its {algorithm} is "
                f"{found}); discarding it"
            )
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        return path

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

    def _checksums_path(self, tag: str, name: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", f"{tag}--{name}")
        return self.checksums / safe

    def load_checksums(self, tag: str, name: str) -> str | None:
        """The checksums file of release ``tag`` as an earlier install verified it, if kept."""
        try:
            return self._checksums_path(tag, name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def store_checksums(self, tag: str, name: str, text: str) -> None:
        final = self._checksums_path(tag, name)
        try:
            fd, temp = tempfile.mkstemp(dir=self.checksums, prefix=".checksums-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(temp, final)
        except OSError as exc:
            self._log(f"warning: cannot keep {name} in the cache ({exc.strerror})")

    def entries(self) -> list[tuple[str, int]]:
        """``(file name, size)`` of every cached archive, for ``info``."""
        return sorted(
            (p.name, p.stat().st_size)
            for p in self.archives.glob("*-*")
            if not p.name.startswith(".")
        )
