"""The archive cache's own contract: where a download is written, what a lookup re-hashes, what
a sweep removes. The fetch pipeline's use of it is tested in test_fetch.py."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from cerebrium_cli.cache import ArchiveCache

DATA = os.urandom(700_000)  # several of lookup's read blocks
DIGEST = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def cache(tmp_path: Path) -> ArchiveCache:
    opened = ArchiveCache.open(tmp_path / "cache", lambda message: None)
    assert opened is not None
    return opened


def test_a_download_path_is_new_private_and_gone_once_committed(cache: ArchiveCache) -> None:
    with cache.new_entry() as temp:
        # Not created yet: the downloader's open creates it, never truncates an existing file
        # (which ext4 would answer with a forced flush of the whole archive on close).
        assert not temp.exists()
        assert temp.parent.parent == cache.archives
        assert temp.parent.stat().st_mode & 0o777 == 0o700
        temp.write_bytes(DATA)
        final = cache.commit(temp, "sha256", DIGEST)
    assert final.read_bytes() == DATA
    assert [p.name for p in cache.archives.iterdir()] == [f"sha256-{DIGEST}"]


def test_an_abandoned_download_leaves_nothing(cache: ArchiveCache) -> None:
    def interrupted() -> None:
        with cache.new_entry() as temp:
            temp.write_bytes(DATA[:1000])
            raise RuntimeError("the connection dropped")

    with pytest.raises(RuntimeError):
        interrupted()
    assert list(cache.archives.iterdir()) == []


def test_lookup_re_hashes_the_whole_entry(cache: ArchiveCache) -> None:
    with cache.new_entry() as temp:
        temp.write_bytes(DATA)
        path = cache.commit(temp, "sha256", DIGEST)
    assert cache.lookup("sha256", DIGEST) == path
    path.write_bytes(DATA[:-1] + b"\x00")  # the last byte, past the first read blocks
    assert cache.lookup("sha256", DIGEST) is None
    assert not path.exists()  # a corrupt entry is discarded


def test_download_directories_of_dead_installs_are_swept(tmp_path: Path) -> None:
    cache = ArchiveCache.open(tmp_path / "c", lambda message: None)
    assert cache is not None
    stale, live = cache.archives / ".download-dead.tmp", cache.archives / ".download-live.tmp"
    for folder in (stale, live):
        folder.mkdir()
        (folder / "archive").write_bytes(b"partial")
    os.utime(stale / "archive", (0, 0))
    os.utime(stale, (0, 0))
    os.utime(live, (0, 0))  # an old directory, but the file in it is still being written
    ArchiveCache.open(tmp_path / "c", lambda message: None)
    assert not stale.exists()
    assert (live / "archive").exists()
