"""A cache the user does not own alone is not used, and a cache that cannot take a download is
no cache: both through the fetch API (pip's side is in test_cache_e2e.py).

The ownership rule (wrapper/ownership.py): the cache directory and the folders below it belong
to the user, are closed to writes by group and others, and hold no symbolic link below the root.
The default cache that breaks it is skipped with a warning; one named by CEREBRIUM_CACHE_DIR
stops the fetch naming the directory and the reason. Each hostile layout must leave everything
outside the cache as it was.
"""

from __future__ import annotations

import errno
import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest
from cerebrium_cli.cache import ArchiveCache
from cerebrium_cli.description import load_release
from cerebrium_cli.errors import StorageError, UnsafeCacheError
from cerebrium_cli.fetch import fetch_binary
from cerebrium_cli.locations import DirectoryLocation
from cerebrium_cli.ownership import not_private
from cerebrium_cli.platforms import Target
from cerebrium_cli.settings import Settings
from cerebrium_cli.sources import ReleaseLocation, Sources
from support.release import make_archive, write_checksums
from support.tinydisk import on_a_tiny_disk

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX owners and modes")

TAG = "v2.0.0"
LINUX = Target("linux", "amd64")
ARCHIVE = "cerebrium_cli_linux_amd64.tar.gz"
# Random bytes, so that the archive is larger than the tiny disk (64 KiB) of the test below.
BINARY = b"\x7fELF" + random.Random(22).randbytes(200_000)
NOBODY = 65534


@pytest.fixture
def release_dir(tmp_path: Path) -> Path:
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "cerebrium").write_bytes(BINARY)
    out = tmp_path / "release"
    out.mkdir()
    write_checksums(
        [make_archive(tmp_path / "build" / "cerebrium", out / ARCHIVE, "linux")],
        out / "checksums.txt",
    )
    return out


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory outside every cache, which nothing may write to."""
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


def _digest(release_dir: Path) -> str:
    return (release_dir / "checksums.txt").read_text().split()[0]


def _sources(release_dir: Path, env: dict[str, str]) -> Sources:
    """The sources an install with ``env`` gets (Sources.from_settings), the release local."""
    release = load_release()
    settings = Settings.from_environ(release, {"CEREBRIUM_RELEASE_URL": str(release_dir), **env})
    return Sources.from_settings(release, TAG, settings)


def _fetch(sources: Sources, dest: Path) -> Path:
    return fetch_binary(load_release(), LINUX, TAG, dest, sources=sources)


def _everything_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _chown(path: Path, uid: int) -> None:
    if os.geteuid() != 0:
        pytest.skip("making a directory another user's takes root")
    os.chown(path, uid, -1)


# --- the layouts the rule refuses, each as the default cache and as CEREBRIUM_CACHE_DIR --------


def _world_writable(cache: Path, outside: Path) -> str:
    cache.mkdir()
    cache.chmod(0o777)
    return f"{cache} can be written by group or others (mode 0777)"


def _group_writable_archives(cache: Path, outside: Path) -> str:
    (cache / "archives").mkdir(parents=True)
    cache.chmod(0o700)
    (cache / "archives").chmod(0o770)
    return f"{cache / 'archives'} can be written by group or others (mode 0770)"


def _someone_elses(cache: Path, outside: Path) -> str:
    cache.mkdir(mode=0o700)
    _chown(cache, NOBODY)
    return f"{cache} is owned by uid {NOBODY}, not by you (uid {os.geteuid()})"


def _someone_elses_checksums(cache: Path, outside: Path) -> str:
    (cache / "checksums").mkdir(parents=True, mode=0o700)
    cache.chmod(0o700)
    _chown(cache / "checksums", NOBODY)
    return f"{cache / 'checksums'} is owned by uid {NOBODY}"


def _archives_linked_out(cache: Path, outside: Path) -> str:
    cache.mkdir(mode=0o700)
    (cache / "archives").symlink_to(outside)
    return f"{cache / 'archives'} is a symbolic link (to {str(outside)!r})"


def _archives_linked_nowhere(cache: Path, outside: Path) -> str:
    # A dangling link: following it would create the folder outside.
    cache.mkdir(mode=0o700)
    (cache / "archives").symlink_to(outside / "made-by-us")
    return f"{cache / 'archives'} is a symbolic link"


def _checksums_linked_out(cache: Path, outside: Path) -> str:
    cache.mkdir(mode=0o700)
    (cache / "checksums").symlink_to(outside)
    return f"{cache / 'checksums'} is a symbolic link (to {str(outside)!r})"


def _archives_a_file(cache: Path, outside: Path) -> str:
    cache.mkdir(mode=0o700)
    (cache / "archives").write_bytes(b"")
    return f"{cache / 'archives'} is not a directory"


def _in_a_folder_others_may_rename_in(cache: Path, outside: Path) -> str:
    # Red team: the root itself passed, so another user renamed it away, after the check, and put
    # their own in its place (archives/ linked wherever they chose).
    cache.mkdir(mode=0o700)
    cache.parent.chmod(0o777)
    return (
        f"{cache.parent}, a directory above {cache}, can be written by group or others without "
        "the sticky bit (mode 0777), so they can rename what it holds"
    )


# Lays out a cache directory that breaks the rule; returns what the refusal must say.
Layout = Callable[[Path, Path], str]
UNSAFE: list[Layout] = [
    _world_writable,
    _group_writable_archives,
    _someone_elses,
    _someone_elses_checksums,
    _archives_linked_out,
    _archives_linked_nowhere,
    _checksums_linked_out,
    _archives_a_file,
    _in_a_folder_others_may_rename_in,
]


@pytest.mark.parametrize("layout", UNSAFE, ids=lambda f: f.__name__.strip("_"))
def test_a_named_cache_that_is_not_the_users_alone_stops_the_fetch(
    layout: Layout, release_dir: Path, tmp_path: Path, outside: Path
) -> None:
    cache = tmp_path / "cache"
    reason = layout(cache, outside)
    before = _everything_in(cache)
    with pytest.raises(UnsafeCacheError) as refused:
        _sources(release_dir, {"CEREBRIUM_CACHE_DIR": str(cache)})
    message = str(refused.value)
    assert message.startswith(
        f"CEREBRIUM_CACHE_DIR={str(cache)!r} names a cache directory that is not safe to use: "
    )
    assert reason in message
    assert "A cache must belong to you, be closed to writes by group and others" in message
    assert "Point CEREBRIUM_CACHE_DIR at a directory of your own" in message
    assert _everything_in(cache) == before
    assert _everything_in(outside) == []


@pytest.mark.parametrize("layout", UNSAFE, ids=lambda f: f.__name__.strip("_"))
def test_a_default_cache_that_is_not_the_users_alone_is_skipped_with_a_warning(
    logged: list[str],
    layout: Layout,
    release_dir: Path,
    tmp_path: Path,
    outside: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = tmp_path / "xdg" / "cerebrium"  # the default cache, under XDG_CACHE_HOME
    cache.parent.mkdir()
    reason = layout(cache, outside)
    before = _everything_in(cache)
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache.parent))
    monkeypatch.delenv("CEREBRIUM_CACHE_DIR", raising=False)
    log = logged
    sources = _sources(release_dir, {})
    assert sources.cache is None
    (warning,) = [m for m in log if m.startswith("warning:")]
    assert warning.startswith(f"warning: not using the cache directory {cache}: ")
    assert reason in warning
    assert warning.endswith("; going on without a cache")
    assert _fetch(sources, tmp_path / "bin").read_bytes() == BINARY
    assert _everything_in(cache) == before
    assert _everything_in(outside) == []


def test_the_cache_root_may_be_reached_through_a_link(release_dir: Path, tmp_path: Path) -> None:
    # A home directory on another disk, linked: the root's owner and mode are what count.
    real = tmp_path / "real-cache"
    real.mkdir(mode=0o700)
    (tmp_path / "linked").symlink_to(real)
    sources = _sources(release_dir, {"CEREBRIUM_CACHE_DIR": str(tmp_path / "linked")})
    assert sources.cache is not None
    _fetch(sources, tmp_path / "bin")
    assert [p.name for p in (real / "archives").iterdir()] == [f"sha256-{_digest(release_dir)}"]


def test_a_cache_in_a_sticky_shared_folder_is_used(release_dir: Path, tmp_path: Path) -> None:
    # /tmp's sticky bit lets nobody else rename what they do not own: the rule lets it be.
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    (shared / "cache").mkdir(mode=0o700)
    sources = _sources(release_dir, {"CEREBRIUM_CACHE_DIR": str(shared / "cache")})
    assert sources.cache is not None
    assert _fetch(sources, tmp_path / "bin").read_bytes() == BINARY


# --- entries: opened without following links, private regular files only ----------------------


@pytest.fixture
def log(logged: list[str]) -> list[str]:
    """What the cache and the fetch said."""
    return logged


@pytest.fixture
def cache(tmp_path: Path, log: list[str]) -> ArchiveCache:
    opened = ArchiveCache.open(tmp_path / "cache")
    assert opened is not None
    return opened


def test_a_linked_cache_entry_is_neither_followed_nor_used(
    release_dir: Path, tmp_path: Path, cache: ArchiveCache, outside: Path, log: list[str]
) -> None:
    # The link points at the genuine archive, so only O_NOFOLLOW can tell: nothing is read
    # through a link, whatever it points at.
    target = outside / "planted"
    target.write_bytes((release_dir / ARCHIVE).read_bytes())
    entry = cache.path_for("sha256", _digest(release_dir))
    entry.symlink_to(target)
    sources = Sources(location=ReleaseLocation.directory(release_dir), cache=cache)
    assert _fetch(sources, tmp_path / "bin").read_bytes() == BINARY
    assert (
        f"warning: cannot use the cached archive {entry} (it is a symbolic link); ignoring it"
        in log
    )
    assert any(m.endswith(f"downloading {release_dir / ARCHIVE}") for m in log)
    assert not entry.is_symlink()  # replaced by the verified download
    assert _everything_in(outside) == ["planted"]
    assert target.read_bytes() == (release_dir / ARCHIVE).read_bytes()


@pytest.mark.parametrize("kind", ["group-writable", "someone-elses", "fifo"])
def test_a_cache_entry_that_is_not_a_private_file_is_not_used(
    kind: str, release_dir: Path, tmp_path: Path, cache: ArchiveCache, log: list[str]
) -> None:
    entry = cache.path_for("sha256", _digest(release_dir))
    if kind == "fifo":  # opening it for reading would wait for a writer for ever
        os.mkfifo(entry)
        reason = "it is not a regular file"
    else:
        entry.write_bytes((release_dir / ARCHIVE).read_bytes())
        if kind == "group-writable":
            entry.chmod(0o664)
            reason = "it can be written by group or others (mode 0664)"
        else:
            _chown(entry, NOBODY)
            reason = f"it is owned by uid {NOBODY}"
    sources = Sources(location=ReleaseLocation.directory(release_dir), cache=cache)
    assert _fetch(sources, tmp_path / "bin").read_bytes() == BINARY
    (warning,) = [m for m in log if m.startswith("warning:")]
    assert warning.startswith(f"warning: cannot use the cached archive {entry} ({reason}")
    assert entry.stat().st_mode & 0o077 == 0  # the fresh, verified entry is private
    assert entry.stat().st_uid == os.geteuid()


def test_a_linked_checksums_copy_is_not_read(
    release_dir: Path, cache: ArchiveCache, outside: Path
) -> None:
    where = str(release_dir)
    cache.store_checksums(where, TAG, "checksums.txt", b"kept\n", "integrity")
    (kept,) = cache.checksums.iterdir()
    assert cache.load_checksums(where, TAG, "checksums.txt") == (b"kept\n", "integrity")
    planted = outside / "planted.json"
    planted.write_text('{"text": "planted\\n", "vouched_by": "signature"}')
    kept.unlink()
    kept.symlink_to(planted)
    assert cache.load_checksums(where, TAG, "checksums.txt") is None


def test_downloads_are_written_private(
    release_dir: Path, tmp_path: Path, cache: ArchiveCache
) -> None:
    _fetch(Sources(location=ReleaseLocation.directory(release_dir), cache=cache), tmp_path / "bin")
    (entry,) = cache.archives.iterdir()
    assert entry.stat().st_mode & 0o777 == 0o600


def test_on_windows_owners_and_modes_are_not_judged(tmp_path: Path) -> None:
    tmp_path.chmod(0o777)
    st = tmp_path.stat()
    assert not_private(st) == "can be written by group or others (mode 0777)"
    assert not_private(st, platform="win32") is None


# --- a cache that cannot take the download -----------------------------------------------------


class _FillsUp(DirectoryLocation):
    """A release directory whose first copy fails part way as a disk would, with ``code``."""

    def __init__(self, path: Path, code: int) -> None:
        super().__init__(path)
        self.code = code
        self.copies = 0

    def copy(self, name: str, out: IO[bytes], *, algorithm: str, limit: int) -> str:
        self.copies += 1
        if self.copies == 1:
            out.write(b"\x1f\x8b" + bytes(4000))
            out.flush()
            raise OSError(self.code, os.strerror(self.code))
        return super().copy(name, out, algorithm=algorithm, limit=limit)


@pytest.mark.parametrize("code", ["ENOSPC", "EDQUOT", "EROFS", "EACCES"])
def test_a_cache_that_refuses_the_download_means_no_cache(
    code: str, release_dir: Path, tmp_path: Path, cache: ArchiveCache, log: list[str]
) -> None:
    location = _FillsUp(release_dir, getattr(errno, code))
    binary = _fetch(
        Sources(location=ReleaseLocation(str(release_dir), location), cache=cache),
        tmp_path / "bin",
    )
    assert binary.read_bytes() == BINARY
    assert location.copies == 2
    assert (
        f"warning: cannot write the download to the cache directory {cache.root} "
        f"({os.strerror(getattr(errno, code))}); going on without the cache"
    ) in log
    assert list(cache.archives.iterdir()) == []  # no partial entry, no temporary folder


def test_another_write_error_still_stops_the_fetch(
    release_dir: Path, tmp_path: Path, cache: ArchiveCache
) -> None:
    location = _FillsUp(release_dir, errno.EIO)
    with pytest.raises(StorageError, match=rf"cannot write the download to {cache.root}: "):
        _fetch(
            Sources(location=ReleaseLocation(str(release_dir), location), cache=cache),
            tmp_path / "bin",
        )
    assert list(cache.archives.iterdir()) == []
    assert not (tmp_path / "bin").exists()


_ON_A_FULL_DISK = r"""
import sys
sys.path.insert(0, {tests!r})
import conftest
import logging
from pathlib import Path
from cerebrium_cli.description import load_release
from cerebrium_cli.sources import ReleaseLocation, Sources
from cerebrium_cli.platforms import Target
from cerebrium_cli.settings import Settings
from cerebrium_cli.fetch import fetch_binary

logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
release = load_release()
env = {{"CEREBRIUM_RELEASE_URL": {release_dir!r}, "CEREBRIUM_CACHE_DIR": {cache!r}}}
with Sources.from_settings(release, "v2.0.0", Settings.from_environ(release, env)) as s:
    linux = Target("linux", "amd64")
    binary = fetch_binary(release, linux, "v2.0.0", Path({dest!r}), sources=s)
print("INSTALLED", binary.read_bytes() == Path({genuine!r}).read_bytes())
"""


def test_a_cache_on_a_full_disk_means_no_cache(release_dir: Path, tmp_path: Path) -> None:
    # A real full disk: a 64 KiB tmpfs mounted at the cache, for the fetching process only.
    disk = tmp_path / "disk"
    cache = disk / "cache"
    code = _ON_A_FULL_DISK.format(
        tests=str(Path(__file__).parent),
        release_dir=str(release_dir),
        cache=str(cache),
        dest=str(tmp_path / "bin"),
        genuine=str(tmp_path / "build" / "cerebrium"),
    )
    assert (release_dir / ARCHIVE).stat().st_size > 64 << 10
    command = on_a_tiny_disk(disk, [sys.executable, "-c", code])
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert (
        f"warning: cannot write the download to the cache directory {cache} "
        "(No space left on device); going on without the cache"
    ) in result.stdout
    assert "INSTALLED True" in result.stdout
