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
    opened = ArchiveCache.open(tmp_path / "cache")
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
    found = cache.lookup("sha256", DIGEST)
    assert found is not None
    with found:
        assert found.read() == DATA  # the file that was hashed, at its start
    path.write_bytes(DATA[:-1] + b"\x00")  # the last byte, past the first read blocks
    assert cache.lookup("sha256", DIGEST) is None
    assert not path.exists()  # a corrupt entry is discarded


def test_download_directories_of_dead_installs_are_swept(tmp_path: Path) -> None:
    cache = ArchiveCache.open(tmp_path / "c")
    assert cache is not None
    stale, live = cache.archives / ".download-dead.tmp", cache.archives / ".download-live.tmp"
    for folder in (stale, live):
        folder.mkdir()
        (folder / "archive").write_bytes(b"partial")
    os.utime(stale / "archive", (0, 0))
    os.utime(stale, (0, 0))
    os.utime(live, (0, 0))  # an old directory, but the file in it is still being written
    ArchiveCache.open(tmp_path / "c")
    assert not stale.exists()
    assert (live / "archive").exists()


# --- where the cache lives, with or without a home directory ------------------------------------


@pytest.fixture
def homeless(monkeypatch: pytest.MonkeyPatch) -> None:
    """No HOME and a uid without a passwd entry: Path.home() raises, as it does then."""

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("CEREBRIUM_CACHE_DIR", raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(no_home))


def test_the_cache_directory_per_platform() -> None:
    from cerebrium_cli.cache import default_cache_dir

    home = {"HOME": "/home/u"}
    assert default_cache_dir("p", home, "linux") == Path("/home/u/.cache/p")
    assert default_cache_dir("p", {**home, "XDG_CACHE_HOME": "/x"}, "linux") == Path("/x/p")
    # The XDG spec: a relative XDG_CACHE_HOME is invalid and ignored.
    assert default_cache_dir("p", {**home, "XDG_CACHE_HOME": "rel"}, "linux") == Path(
        "/home/u/.cache/p"
    )
    assert default_cache_dir("p", home, "darwin") == Path("/home/u/Library/Caches/p")
    assert default_cache_dir("p", {"LOCALAPPDATA": "C:/L"}, "win32") == Path("C:/L/p/Cache")


@pytest.mark.usefixtures("homeless")
def test_without_a_home_xdg_cache_home_is_used_and_else_there_is_no_cache() -> None:
    from cerebrium_cli.cache import default_cache_dir

    assert default_cache_dir("p", {"XDG_CACHE_HOME": "/x"}, "linux") == Path("/x/p")
    assert default_cache_dir("p", {}, "linux") is None
    assert default_cache_dir("p", {}, "darwin") is None
    assert default_cache_dir("p", {}, "win32") is None


@pytest.mark.usefixtures("homeless")
def test_without_a_home_the_fetch_goes_on_without_a_cache_with_a_warning(
    logged: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cerebrium_cli.description import load_release
    from cerebrium_cli.settings import Settings
    from cerebrium_cli.sources import Sources

    release = load_release()
    messages = logged
    settings = Settings.from_environ(release, {"CEREBRIUM_RELEASE_URL": str(tmp_path)})
    sources = Sources.from_settings(release, "v2.0.0", settings)
    assert sources.cache is None
    assert messages == [
        "warning: there is no home directory to keep a cache in, and neither XDG_CACHE_HOME nor "
        "CEREBRIUM_CACHE_DIR is set; going on without a cache"
    ]
    env = {"CEREBRIUM_RELEASE_URL": str(tmp_path), "CEREBRIUM_CACHE_DIR": str(tmp_path / "c")}
    named = Sources.from_settings(release, "v2.0.0", Settings.from_environ(release, env))
    assert named.cache is not None
    assert named.cache.root == tmp_path / "c"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    xdg = Sources.from_settings(release, "v2.0.0", settings)
    assert xdg.cache is not None
    assert xdg.cache.root == tmp_path / "xdg" / "cerebrium"


@pytest.mark.usefixtures("homeless")
def test_info_without_a_home_reports_no_cache(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from cerebrium_cli.bootstrap import main

    assert main(["info"]) == 0
    assert "cache: none (no home directory; set XDG_CACHE_HOME or CEREBRIUM_CACHE_DIR" in (
        capsys.readouterr().out
    )
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert main(["info"]) == 0
    assert f"cache: {tmp_path / 'cerebrium'} (0 archive(s)" in capsys.readouterr().out
