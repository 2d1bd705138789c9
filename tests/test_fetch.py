"""The fetch pipeline against real archives: sources, pins, cache and offline, without a network."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from cerebrium_cli._http import Downloader
from cerebrium_cli.cache import ArchiveCache
from cerebrium_cli.checksums import parse_checksums
from cerebrium_cli.description import load_release
from cerebrium_cli.errors import (
    ChecksumFileError,
    ChecksumMismatchError,
    DownloadError,
    OfflineError,
    PinnedChecksumsError,
)
from cerebrium_cli.fetch import Sources, fetch_binary
from cerebrium_cli.locations import DirectoryLocation, location_for
from cerebrium_cli.platforms import Target
from cerebrium_cli.settings import Settings
from support.release import make_archive, write_checksums

TAG = "v2.0.0"
LINUX = Target("linux", "amd64")
ARCHIVE = "cerebrium_cli_linux_amd64.tar.gz"
BINARY = b"\x7fELF the binary\n" * 64


def _quiet(message: str) -> None:
    pass


@pytest.fixture
def release_dir(tmp_path: Path) -> Path:
    fake = tmp_path / "cerebrium"
    fake.write_bytes(BINARY)
    out = tmp_path / "release"
    out.mkdir()
    archive = make_archive(fake, out / ARCHIVE, "linux")
    write_checksums([archive], out / "checksums.txt")
    return out


@pytest.fixture
def cache(tmp_path: Path) -> ArchiveCache:
    opened = ArchiveCache.open(tmp_path / "cache", _quiet)
    assert opened is not None
    return opened


def _pins(release_dir: Path) -> dict[str, str]:
    return parse_checksums((release_dir / "checksums.txt").read_text(), "pins")


def _fetch(sources: Sources, dest: Path) -> Path:
    return fetch_binary(load_release(), LINUX, TAG, dest, sources=sources, log=_quiet)


def test_fetches_verifies_and_extracts(release_dir: Path, tmp_path: Path) -> None:
    binary = _fetch(Sources(location=DirectoryLocation(release_dir)), tmp_path / "bin")
    assert binary == tmp_path / "bin" / "cerebrium"
    assert binary.read_bytes() == BINARY


def test_mismatch_writes_nothing(release_dir: Path, tmp_path: Path, cache: ArchiveCache) -> None:
    archive = release_dir / ARCHIVE
    archive.write_bytes(archive.read_bytes() + b"\0")
    with pytest.raises(ChecksumMismatchError):
        _fetch(Sources(location=DirectoryLocation(release_dir), cache=cache), tmp_path / "bin")
    assert not (tmp_path / "bin").exists()
    assert cache.entries() == []
    assert list(cache.archives.iterdir()) == []  # not even a temporary file


def test_binary_checksums_file_is_refused(release_dir: Path, tmp_path: Path) -> None:
    (release_dir / "checksums.txt").write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(ChecksumFileError, match="is not text"):
        _fetch(Sources(location=DirectoryLocation(release_dir)), tmp_path / "bin")


def test_missing_archive_in_a_directory(release_dir: Path, tmp_path: Path) -> None:
    (release_dir / ARCHIVE).unlink()
    with pytest.raises(DownloadError, match=r"lacks 'cerebrium_2\.0\.0_linux_amd64\.tar\.gz'"):
        _fetch(Sources(location=DirectoryLocation(release_dir)), tmp_path / "bin")


# --- pins ------------------------------------------------------------------------------------


def test_pins_verify_without_any_checksums_file(release_dir: Path, tmp_path: Path) -> None:
    pins = _pins(release_dir)
    (release_dir / "checksums.txt").unlink()
    sources = Sources(location=DirectoryLocation(release_dir), pins=pins)
    assert _fetch(sources, tmp_path / "bin").read_bytes() == BINARY
    assert sources.trust == "pinned"


def test_a_swapped_release_is_refused_by_the_pins(release_dir: Path, tmp_path: Path) -> None:
    pins = _pins(release_dir)
    # The attacker replaces the archive AND its checksums file: integrity checks would pass.
    evil = tmp_path / "evil"
    evil.write_bytes(b"#!/bin/sh\necho pwned\n")
    make_archive(evil, release_dir / ARCHIVE, "linux")
    write_checksums([release_dir / ARCHIVE], release_dir / "checksums.txt")
    sources = Sources(location=DirectoryLocation(release_dir), pins=pins)
    with pytest.raises(PinnedChecksumsError, match="disagrees with the checksums pinned") as info:
        _fetch(sources, tmp_path / "bin")
    assert f"{ARCHIVE}: pinned {pins[ARCHIVE]}" in str(info.value)
    assert not (tmp_path / "bin").exists()


def test_pins_catch_a_swapped_archive_even_without_a_checksums_file(
    release_dir: Path, tmp_path: Path
) -> None:
    pins = _pins(release_dir)
    (release_dir / "checksums.txt").unlink()
    (release_dir / ARCHIVE).write_bytes(b"not the release")
    with pytest.raises(ChecksumMismatchError, match="pinned"):
        _fetch(Sources(location=DirectoryLocation(release_dir), pins=pins), tmp_path / "bin")


# --- the cache -------------------------------------------------------------------------------


def test_a_fetch_fills_the_cache_and_the_next_needs_no_location(
    release_dir: Path, tmp_path: Path, cache: ArchiveCache
) -> None:
    _fetch(Sources(location=DirectoryLocation(release_dir), cache=cache), tmp_path / "a")
    digest = _pins(release_dir)[ARCHIVE]
    assert cache.entries() == [(f"sha256-{digest}", (release_dir / ARCHIVE).stat().st_size)]
    shutil.rmtree(release_dir)  # the release is gone: only the cache can serve now
    binary = _fetch(Sources(location=None, cache=cache, offline=True), tmp_path / "b")
    assert binary.read_bytes() == BINARY


def test_a_corrupt_cache_entry_is_discarded_and_fetched_again(
    release_dir: Path, tmp_path: Path, cache: ArchiveCache
) -> None:
    _fetch(Sources(location=DirectoryLocation(release_dir), cache=cache), tmp_path / "a")
    (entry,) = cache.archives.glob("sha256-*")
    entry.write_bytes(entry.read_bytes()[:100])  # truncated
    messages: list[str] = []
    watched = ArchiveCache.open(cache.root, messages.append)
    sources = Sources(location=DirectoryLocation(release_dir), cache=watched)
    fetch_binary(load_release(), LINUX, TAG, tmp_path / "b", sources=sources, log=messages.append)
    assert any("is corrupt" in m and "discarding it" in m for m in messages)
    assert (tmp_path / "b" / "cerebrium").read_bytes() == BINARY
    assert entry.read_bytes() == (release_dir / ARCHIVE).read_bytes()  # healed


def test_a_corrupt_cache_entry_is_never_used_offline(
    release_dir: Path, tmp_path: Path, cache: ArchiveCache
) -> None:
    _fetch(Sources(location=DirectoryLocation(release_dir), cache=cache), tmp_path / "a")
    (entry,) = cache.archives.glob("sha256-*")
    entry.write_bytes(b"garbage")
    with pytest.raises(OfflineError):
        _fetch(
            Sources(location=None, cache=cache, offline=True, remote="https://x/"), tmp_path / "b"
        )
    assert not entry.exists()
    assert not (tmp_path / "b").exists()


def test_an_unwritable_cache_degrades_to_none_with_a_warning(tmp_path: Path) -> None:
    root = tmp_path / "ro"
    root.mkdir()
    root.chmod(0o500)
    try:
        messages: list[str] = []
        if ArchiveCache.open(root / "sub", messages.append) is None:
            assert "cannot be written" in messages[0]
        else:  # running as root: permissions do not bind, so make the path impossible instead
            (tmp_path / "file").write_text("")
            assert ArchiveCache.open(tmp_path / "file" / "sub", messages.append) is None
            assert "going on without a cache" in messages[-1]
    finally:
        root.chmod(0o700)


def test_cache_directories_are_private(tmp_path: Path) -> None:
    cache = ArchiveCache.open(tmp_path / "c", _quiet)
    assert cache is not None
    for folder in (cache.root, cache.archives, cache.checksums):
        assert folder.stat().st_mode & 0o777 == 0o700


def test_stale_temporary_files_of_dead_installs_are_swept(tmp_path: Path) -> None:
    import os

    cache = ArchiveCache.open(tmp_path / "c", _quiet)
    assert cache is not None
    stale = cache.archives / ".download-dead.tmp"
    fresh = cache.archives / ".download-live.tmp"
    stale.write_bytes(b"partial")
    fresh.write_bytes(b"partial")
    os.utime(stale, (0, 0))
    ArchiveCache.open(tmp_path / "c", _quiet)
    assert not stale.exists()
    assert fresh.exists()  # may belong to an install running right now


# --- an archive file, and offline ------------------------------------------------------------


def test_archive_file_with_checksums_beside_it(release_dir: Path, tmp_path: Path) -> None:
    sources = Sources(archive_file=release_dir / ARCHIVE, offline=True)
    assert _fetch(sources, tmp_path / "bin").read_bytes() == BINARY


def test_archive_file_with_pins_alone(release_dir: Path, tmp_path: Path) -> None:
    pins = _pins(release_dir)
    lone = tmp_path / "elsewhere" / "renamed.tar.gz"
    lone.parent.mkdir()
    shutil.copy(release_dir / ARCHIVE, lone)
    sources = Sources(archive_file=lone, pins=pins, offline=True)
    assert _fetch(sources, tmp_path / "bin").read_bytes() == BINARY


def test_archive_file_with_nothing_to_verify_against_is_refused(
    release_dir: Path, tmp_path: Path
) -> None:
    (release_dir / "checksums.txt").unlink()
    with pytest.raises(DownloadError, match=r"checksums\.txt does not exist"):
        _fetch(Sources(archive_file=release_dir / ARCHIVE), tmp_path / "bin")
    assert not (tmp_path / "bin").exists()


def test_offline_with_nothing_local_lists_where_it_looked_and_three_ways(
    tmp_path: Path, cache: ArchiveCache
) -> None:
    sources = Sources(location=None, cache=cache, offline=True, remote="https://github.com/x/y/")
    with pytest.raises(OfflineError) as info:
        _fetch(sources, tmp_path / "bin")
    message = str(info.value)
    assert (
        "CEREBRIUM_OFFLINE is set and no local copy of cerebrium_cli_linux_amd64.tar.gz" in message
    )
    assert str(cache.root) in message
    assert "CEREBRIUM_ARCHIVE=/path/to/cerebrium_cli_linux_amd64.tar.gz" in message
    assert "python -m cerebrium_cli.bootstrap mirror" in message
    assert "install once with the network" in message
    assert not (tmp_path / "bin").exists()


# --- settings and locations --------------------------------------------------------------------


def test_sources_from_settings(release_dir: Path, tmp_path: Path) -> None:
    release = load_release()
    settings = Settings(release_url=str(release_dir), token=None, cache_dir=tmp_path / "c")
    sources = Sources.from_settings(release, TAG, settings, _quiet)
    assert isinstance(sources.location, DirectoryLocation)
    assert sources.cache is not None
    assert sources.cache.root == tmp_path / "c"
    offline = Sources.from_settings(
        release,
        TAG,
        Settings(release_url=None, token=None, offline=True, cache_dir=tmp_path / "c"),
        _quiet,
    )
    assert offline.location is None  # GitHub is remote: offline never builds a client for it
    assert offline.remote == "https://github.com/CerebriumAI/cerebrium/releases/download/v2.0.0/"


def test_release_url_may_be_a_directory_or_file_url(release_dir: Path, tmp_path: Path) -> None:
    release = load_release()
    for where in (str(release_dir), release_dir.as_uri()):
        sources = Sources.from_settings(
            release, TAG, Settings(release_url=where, token=None, cache_dir=tmp_path / "c"), _quiet
        )
        binary = fetch_binary(release, LINUX, TAG, tmp_path / "bin", sources=sources, log=_quiet)
        assert hashlib.sha256(binary.read_bytes()).hexdigest() == hashlib.sha256(BINARY).hexdigest()
        shutil.rmtree(tmp_path / "bin")


@pytest.mark.parametrize(
    "where", ["http://example.com/r/", "ftp://example.com/r/", "/nonexistent/dir"]
)
def test_unusable_locations_are_refused(where: str) -> None:
    def no_downloader() -> Downloader:
        raise AssertionError("no downloader may be built for a location that is not https")

    with pytest.raises(DownloadError, match=r"release location|not an https URL"):
        location_for(where, no_downloader)


def test_settings_from_the_environment() -> None:
    env = {
        "GITHUB_TOKEN": "ghp_x",
        "CEREBRIUM_RELEASE_URL": "/r",
        "CEREBRIUM_OFFLINE": "1",
        "CEREBRIUM_ARCHIVE": "/a.tar.gz",
        "CEREBRIUM_CACHE_DIR": "/c",
    }
    settings = Settings.from_environ(load_release(), env)
    assert settings == Settings("/r", "ghp_x", True, Path("/a.tar.gz"), Path("/c"))
    assert "ghp_x" not in repr(settings)
    assert Settings.from_environ(load_release(), {"GH_TOKEN": "gho_y"}).token == "gho_y"
    assert not Settings.from_environ(load_release(), {"CEREBRIUM_OFFLINE": "0"}).offline
