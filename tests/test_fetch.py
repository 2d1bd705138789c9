"""The fetch pipeline against real archives: sources, pins, cache and offline, without a network."""

from __future__ import annotations

import hashlib
import re
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
    ConfigError,
    DownloadError,
    OfflineError,
    PinnedChecksumsError,
    SignatureError,
)
from cerebrium_cli.fetch import fetch_binary
from cerebrium_cli.locations import DirectoryLocation, HttpsLocation, location_for
from cerebrium_cli.platforms import Target
from cerebrium_cli.release import Release
from cerebrium_cli.settings import Settings, VerifyPolicy
from cerebrium_cli.sources import ReleaseLocation, Sources
from cerebrium_cli.verification import Verification
from support.release import make_archive, write_checksums

TAG = "v2.0.0"
LINUX = Target("linux", "amd64")
ARCHIVE = "cerebrium_cli_linux_amd64.tar.gz"
BINARY = b"\x7fELF the binary\n" * 64


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
    opened = ArchiveCache.open(tmp_path / "cache")
    assert opened is not None
    return opened


def _remote(where: str) -> ReleaseLocation:
    """A remote release location, for offline sources: never read, so nothing serves it."""

    def no_downloader() -> Downloader:
        raise AssertionError("offline, nothing may be downloaded")

    return ReleaseLocation(where, HttpsLocation(where, no_downloader))


def _pins(release_dir: Path) -> dict[str, str]:
    return parse_checksums((release_dir / "checksums.txt").read_text(), "pins")


def _fetch(sources: Sources, dest: Path) -> Path:
    return fetch_binary(load_release(), LINUX, TAG, dest, sources=sources)


def test_fetches_verifies_and_extracts(release_dir: Path, tmp_path: Path) -> None:
    binary = _fetch(Sources(location=ReleaseLocation.directory(release_dir)), tmp_path / "bin")
    assert binary == tmp_path / "bin" / "cerebrium"
    assert binary.read_bytes() == BINARY


def test_mismatch_writes_nothing(release_dir: Path, tmp_path: Path, cache: ArchiveCache) -> None:
    archive = release_dir / ARCHIVE
    archive.write_bytes(archive.read_bytes() + b"\0")
    with pytest.raises(ChecksumMismatchError) as info:
        _fetch(
            Sources(location=ReleaseLocation.directory(release_dir), cache=cache), tmp_path / "bin"
        )
    assert (info.value.asset, info.value.algorithm) == (ARCHIVE, "sha256")
    assert info.value.got == hashlib.sha256(archive.read_bytes()).hexdigest()
    # The next step for a directory: its file differs, so copy it again (not "download").
    assert info.value.advice.startswith(f"{archive} is not the file the release published:")
    assert not (tmp_path / "bin").exists()
    assert cache.entries() == []
    assert list(cache.archives.iterdir()) == []  # not even a temporary file


def test_binary_checksums_file_is_refused(release_dir: Path, tmp_path: Path) -> None:
    (release_dir / "checksums.txt").write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(ChecksumFileError, match="is not text"):
        _fetch(Sources(location=ReleaseLocation.directory(release_dir)), tmp_path / "bin")


def test_missing_archive_in_a_directory(release_dir: Path, tmp_path: Path) -> None:
    (release_dir / ARCHIVE).unlink()
    with pytest.raises(DownloadError, match=f"lacks {re.escape(repr(ARCHIVE))}"):
        _fetch(Sources(location=ReleaseLocation.directory(release_dir)), tmp_path / "bin")


# --- pins ------------------------------------------------------------------------------------


def test_pins_verify_without_any_checksums_file(release_dir: Path, tmp_path: Path) -> None:
    pins = _pins(release_dir)
    (release_dir / "checksums.txt").unlink()
    sources = Sources(location=ReleaseLocation.directory(release_dir), pins=pins)
    assert _fetch(sources, tmp_path / "bin").read_bytes() == BINARY
    assert sources.trust == "pinned"


def test_a_swapped_release_is_refused_by_the_pins(release_dir: Path, tmp_path: Path) -> None:
    pins = _pins(release_dir)
    # The attacker replaces the archive AND its checksums file: integrity checks would pass.
    evil = tmp_path / "evil"
    evil.write_bytes(b"#!/bin/sh\necho pwned\n")
    make_archive(evil, release_dir / ARCHIVE, "linux")
    write_checksums([release_dir / ARCHIVE], release_dir / "checksums.txt")
    sources = Sources(location=ReleaseLocation.directory(release_dir), pins=pins)
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
        _fetch(
            Sources(location=ReleaseLocation.directory(release_dir), pins=pins), tmp_path / "bin"
        )


# --- the cache -------------------------------------------------------------------------------


def test_a_fetch_fills_the_cache_and_the_next_needs_no_location(
    release_dir: Path, tmp_path: Path, cache: ArchiveCache
) -> None:
    where = "https://a.example/releases/v2.0.0/"  # served from release_dir while online
    _fetch(
        Sources(location=ReleaseLocation(where, DirectoryLocation(release_dir)), cache=cache),
        tmp_path / "a",
    )
    digest = _pins(release_dir)[ARCHIVE]
    assert cache.entries() == [(f"sha256-{digest}", (release_dir / ARCHIVE).stat().st_size)]
    shutil.rmtree(release_dir)  # the release is gone: only the cache can serve now
    binary = _fetch(Sources(location=_remote(where), cache=cache, offline=True), tmp_path / "b")
    assert binary.read_bytes() == BINARY


def test_a_corrupt_cache_entry_is_discarded_and_fetched_again(
    logged: list[str], release_dir: Path, tmp_path: Path, cache: ArchiveCache
) -> None:
    _fetch(Sources(location=ReleaseLocation.directory(release_dir), cache=cache), tmp_path / "a")
    (entry,) = cache.archives.glob("sha256-*")
    entry.write_bytes(entry.read_bytes()[:100])  # truncated
    messages = logged
    watched = ArchiveCache.open(cache.root)
    sources = Sources(location=ReleaseLocation.directory(release_dir), cache=watched)
    fetch_binary(load_release(), LINUX, TAG, tmp_path / "b", sources=sources)
    assert any("is corrupt" in m and "discarding it" in m for m in messages)
    assert (tmp_path / "b" / "cerebrium").read_bytes() == BINARY
    assert entry.read_bytes() == (release_dir / ARCHIVE).read_bytes()  # healed


def test_a_corrupt_cache_entry_is_never_used_offline(
    release_dir: Path, tmp_path: Path, cache: ArchiveCache
) -> None:
    where = "https://a.example/releases/v2.0.0/"  # served from release_dir while online
    _fetch(
        Sources(location=ReleaseLocation(where, DirectoryLocation(release_dir)), cache=cache),
        tmp_path / "a",
    )
    (entry,) = cache.archives.glob("sha256-*")
    entry.write_bytes(b"garbage")
    with pytest.raises(OfflineError):
        _fetch(Sources(location=_remote(where), cache=cache, offline=True), tmp_path / "b")
    assert not entry.exists()
    assert not (tmp_path / "b").exists()


def test_an_unwritable_cache_degrades_to_none_with_a_warning(
    logged: list[str], tmp_path: Path
) -> None:
    root = tmp_path / "ro"
    root.mkdir()
    root.chmod(0o500)
    try:
        messages = logged
        if ArchiveCache.open(root / "sub") is None:
            assert "cannot be written" in messages[0]
        else:  # running as root: permissions do not bind, so make the path impossible instead
            (tmp_path / "file").write_text("")
            assert ArchiveCache.open(tmp_path / "file" / "sub") is None
            assert "going on without a cache" in messages[-1]
    finally:
        root.chmod(0o700)


def test_cache_directories_are_private(tmp_path: Path) -> None:
    cache = ArchiveCache.open(tmp_path / "c")
    assert cache is not None
    for folder in (cache.root, cache.archives, cache.checksums):
        assert folder.stat().st_mode & 0o777 == 0o700


def test_stale_temporary_files_of_dead_installs_are_swept(tmp_path: Path) -> None:
    import os

    cache = ArchiveCache.open(tmp_path / "c")
    assert cache is not None
    stale = cache.archives / ".download-dead.tmp"
    fresh = cache.archives / ".download-live.tmp"
    stale.write_bytes(b"partial")
    fresh.write_bytes(b"partial")
    os.utime(stale, (0, 0))
    ArchiveCache.open(tmp_path / "c")
    assert not stale.exists()
    assert fresh.exists()  # may belong to an install running right now


# --- an archive file, and offline ------------------------------------------------------------


def test_archive_file_with_checksums_beside_it(release_dir: Path, tmp_path: Path) -> None:
    sources = Sources(archive_file=release_dir / ARCHIVE, offline=True)
    assert _fetch(sources, tmp_path / "bin").read_bytes() == BINARY


def test_an_archive_file_installs_for_a_config_that_names_no_repository(
    release_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import dataclasses

    from cerebrium_cli.bootstrap import main

    monkeypatch.delenv("CEREBRIUM_RELEASE_URL", raising=False)
    release = dataclasses.replace(load_release(), repository_spec=None)
    with pytest.raises(ConfigError):  # no location to download from
        release.release_url(TAG)
    env = {"CEREBRIUM_ARCHIVE": str(release_dir / ARCHIVE), "CEREBRIUM_CACHE_DIR": str(tmp_path)}
    settings = Settings.from_environ(release, env)
    with Sources.from_settings(release, TAG, settings) as sources:
        assert sources.location is None
        binary = fetch_binary(release, LINUX, TAG, tmp_path / "bin", sources=sources)
    assert binary.read_bytes() == BINARY
    # Without the archive file it is refused, saying why; `info` reports it and goes on.
    with pytest.raises(ConfigError, match="release location is unknown"):
        Sources.from_settings(release, TAG, Settings.from_environ(release, {}))
    monkeypatch.setattr("cerebrium_cli.description.load_release", lambda path=None: release)
    assert main(["info"]) == 0
    assert "release location: unknown:" in capsys.readouterr().out


def test_archive_file_with_pins_alone(release_dir: Path, tmp_path: Path) -> None:
    pins = _pins(release_dir)
    lone = tmp_path / "elsewhere" / "renamed.tar.gz"
    lone.parent.mkdir()
    shutil.copy(release_dir / ARCHIVE, lone)
    sources = Sources(archive_file=lone, pins=pins, offline=True)
    assert _fetch(sources, tmp_path / "bin").read_bytes() == BINARY


def test_an_archive_file_that_differs_names_the_variable_to_unset(
    release_dir: Path, tmp_path: Path
) -> None:
    changed = release_dir / ARCHIVE  # read with the checksums file beside it
    changed.write_bytes(changed.read_bytes() + b"\0")
    sources = Sources(archive_file=changed)
    with pytest.raises(ChecksumMismatchError) as info:
        _fetch(sources, tmp_path / "bin")
    assert info.value.advice == (
        f"{changed} (from CEREBRIUM_ARCHIVE) is not the release's {ARCHIVE}: download that "
        "file from the release again, or unset CEREBRIUM_ARCHIVE."
    )
    assert not (tmp_path / "bin").exists()


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
    sources = Sources(location=_remote("https://github.com/x/y/"), cache=cache, offline=True)
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
    sources = Sources.from_settings(release, TAG, settings)
    assert sources.location is not None
    assert isinstance(sources.reader, DirectoryLocation)
    assert sources.location.where == str(release_dir)
    assert sources.cache is not None
    assert sources.cache.root == tmp_path / "c"
    offline = Sources.from_settings(
        release,
        TAG,
        Settings(release_url=None, token=None, offline=True, cache_dir=tmp_path / "c"),
    )
    assert offline.reader is None  # GitHub is remote: offline it is out of reach
    assert offline.location is not None
    assert offline.location.where == (
        "https://github.com/CerebriumAI/cerebrium/releases/download/v2.0.0/"
    )


def test_release_url_may_be_a_directory_or_file_url(release_dir: Path, tmp_path: Path) -> None:
    release = load_release()
    for where in (str(release_dir), release_dir.as_uri()):
        sources = Sources.from_settings(
            release, TAG, Settings(release_url=where, token=None, cache_dir=tmp_path / "c")
        )
        binary = fetch_binary(release, LINUX, TAG, tmp_path / "bin", sources=sources)
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


# --- the configured source is authoritative (issue: a stale cache overrode the named release) --


def _republished(tmp_path: Path, name: str, binary: bytes) -> Path:
    """Another release of the same version: a different archive and its own checksums file."""
    fake = tmp_path / f"{name}-binary" / "cerebrium"
    fake.parent.mkdir()
    fake.write_bytes(binary)
    out = tmp_path / name
    out.mkdir()
    write_checksums([make_archive(fake, out / ARCHIVE, "linux")], out / "checksums.txt")
    return out


class Reads(DirectoryLocation):
    """A directory location that records the names read from it."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.names: list[str] = []

    def read(self, name: str, *, limit: int) -> bytes:
        self.names.append(name)
        return super().read(name, limit=limit)


def test_a_second_location_is_read_and_its_binary_installed_whatever_the_cache_holds(
    release_dir: Path, tmp_path: Path, cache: ArchiveCache
) -> None:
    other = BINARY + b"republished\n"
    b_dir = _republished(tmp_path, "b", other)
    a = Sources(
        location=ReleaseLocation(str(release_dir), DirectoryLocation(release_dir)), cache=cache
    )
    assert _fetch(a, tmp_path / "from-a").read_bytes() == BINARY
    b_location = Reads(b_dir)
    b = Sources(location=ReleaseLocation(str(b_dir), b_location), cache=cache)
    assert _fetch(b, tmp_path / "from-b").read_bytes() == other
    assert b_location.names == ["checksums.txt"]
    assert len(cache.entries()) == 2  # each archive under its own digest


def test_online_the_checksums_file_is_read_even_when_the_archive_is_cached(
    release_dir: Path, tmp_path: Path, cache: ArchiveCache
) -> None:
    where = str(release_dir)
    _fetch(
        Sources(location=ReleaseLocation(where, DirectoryLocation(release_dir)), cache=cache),
        tmp_path / "a",
    )
    # Republished in place: same location, another archive and checksums file.
    shutil.rmtree(release_dir)
    other = BINARY + b"again\n"
    release_dir = _republished(tmp_path, release_dir.name, other)
    location = Reads(release_dir)
    binary = _fetch(Sources(location=ReleaseLocation(where, location), cache=cache), tmp_path / "b")
    assert binary.read_bytes() == other
    assert location.names == ["checksums.txt"]


def test_a_cached_archive_is_used_only_by_the_digest_the_location_names(
    logged: list[str], release_dir: Path, tmp_path: Path, cache: ArchiveCache
) -> None:
    where = str(release_dir)
    _fetch(
        Sources(location=ReleaseLocation(where, DirectoryLocation(release_dir)), cache=cache),
        tmp_path / "a",
    )
    messages = logged
    sources = Sources(location=ReleaseLocation(where, DirectoryLocation(release_dir)), cache=cache)
    fetch_binary(load_release(), LINUX, TAG, tmp_path / "b", sources=sources)
    assert any(f"using the cached {ARCHIVE}" in m for m in messages)
    # A tampered checksums file at the location: the cached genuine archive does not match it.
    (release_dir / "checksums.txt").write_text("0" * 64 + f"  {ARCHIVE}\n")
    with pytest.raises(ChecksumMismatchError):
        _fetch(
            Sources(location=ReleaseLocation(where, DirectoryLocation(release_dir)), cache=cache),
            tmp_path / "c",
        )
    assert not (tmp_path / "c").exists()


def test_offline_a_cached_checksums_file_answers_only_for_its_own_location(
    release_dir: Path, tmp_path: Path, cache: ArchiveCache
) -> None:
    a = "https://a.example/releases/v2.0.0/"
    _fetch(
        Sources(location=ReleaseLocation(a, DirectoryLocation(release_dir)), cache=cache),
        tmp_path / "a",
    )
    # The same release named by another location: nothing cached answers for it offline.
    b = "https://b.example/releases/v2.0.0/"
    with pytest.raises(OfflineError, match=r"https://b\.example/releases/v2\.0\.0/ is not local"):
        _fetch(Sources(location=_remote(b), cache=cache, offline=True), tmp_path / "b")
    assert not (tmp_path / "b").exists()
    # The location it was read from still installs offline (a trailing slash is the same one).
    again = Sources(location=_remote(a.rstrip("/")), cache=cache, offline=True)
    assert _fetch(again, tmp_path / "c").read_bytes() == BINARY


@pytest.mark.parametrize("policy", ["signature", "attestation"])
def test_offline_a_copy_kept_without_a_signature_does_not_satisfy_a_signature_policy(
    release_dir: Path, tmp_path: Path, cache: ArchiveCache, policy: VerifyPolicy
) -> None:
    import dataclasses

    where = "https://a.example/releases/v2.0.0/"
    _fetch(
        Sources(location=ReleaseLocation(where, DirectoryLocation(release_dir)), cache=cache),
        tmp_path / "a",
    )
    strict = Verification(policy=policy)
    offline = Sources(location=_remote(where), cache=cache, offline=True)
    with pytest.raises(
        SignatureError, match=rf"kept without a verified signature.*VERIFY={policy}"
    ):
        _fetch(dataclasses.replace(offline, verification=strict), tmp_path / "b")
    assert not (tmp_path / "b").exists()
    assert _fetch(offline, tmp_path / "c").read_bytes() == BINARY  # auto: integrity suffices


def test_verify_and_mirror_read_the_location_never_the_cache(
    release_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from cerebrium_cli.bootstrap import main

    cache_dir = tmp_path / "warm"
    monkeypatch.setenv("CEREBRIUM_RELEASE_URL", str(release_dir))
    monkeypatch.setenv("CEREBRIUM_CACHE_DIR", str(cache_dir))
    assert main(["fetch", "--dest", str(tmp_path / "bin"), "--platform", "linux/amd64"]) == 0
    assert list((cache_dir / "archives").glob("sha256-*"))  # the genuine archive is cached
    archive = release_dir / ARCHIVE
    archive.write_bytes(archive.read_bytes()[:-10] + b"0123456789")  # tampered at the source
    capsys.readouterr()
    assert main(["verify", "--platform", "linux/amd64"]) == 1
    assert "does not match the checksum" in capsys.readouterr().err
    assert main(["mirror", str(tmp_path / "mirror"), "--platform", "linux/amd64"]) == 1
    assert "does not match the checksum" in capsys.readouterr().err
    assert not (tmp_path / "mirror" / ARCHIVE).exists()


def test_pin_reads_what_it_is_pointed_at_and_writes_the_verified_bytes(
    release_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from cerebrium_cli.bootstrap import main

    make_release_of_six(release_dir)
    monkeypatch.setenv("CEREBRIUM_CACHE_DIR", str(tmp_path / "c"))
    output = tmp_path / "pins.txt"
    assert main(["pin", "--from", str(release_dir), "--output", str(output), "-q"]) == 0
    assert output.read_bytes() == (release_dir / "checksums.txt").read_bytes()
    assert f"pinned 6 checksums of {TAG} from {release_dir / 'checksums.txt'}" in (
        capsys.readouterr().out
    )


def make_release_of_six(release_dir: Path) -> None:
    """Every target's archive (the same small binary) and their checksums file."""
    from cerebrium_cli.platforms import Target as T

    release = load_release()
    fake = release_dir.parent / "fake-bin"
    fake.mkdir(exist_ok=True)
    archives = []
    for target in release.targets:
        binary = fake / release.binary_name(target, TAG)
        binary.write_bytes(BINARY)
        name = release.archive_name(T(target.os, target.arch), TAG)
        archives.append(make_archive(binary, release_dir / name, target.os))
    write_checksums(archives, release_dir / "checksums.txt")


# --- the pipeline's values ----------------------------------------------------------------


def test_the_values_flow_once(release_dir: Path, tmp_path: Path) -> None:
    from cerebrium_cli.fetch import Install, read_checksums, verified_archive

    release = load_release()
    location = Reads(release_dir)
    sources = Sources(location=ReleaseLocation(str(release_dir), location))
    install = Install.of(release, LINUX, TAG, sources)
    checksums = read_checksums(install)
    assert checksums.raw == (release_dir / "checksums.txt").read_bytes()
    assert checksums.vouched_by == "integrity"
    assert checksums.source == str(release_dir / "checksums.txt")
    with verified_archive(install, checksums) as archive:
        assert archive.name == ARCHIVE
        assert archive.digest == hashlib.sha256((release_dir / ARCHIVE).read_bytes()).hexdigest()
        assert archive.checksums is checksums
        assert archive.file.read() == (release_dir / ARCHIVE).read_bytes()
    assert location.names == ["checksums.txt"]  # read once, not again for the archive


def test_sources_close_their_one_http_client(tmp_path: Path) -> None:
    release = load_release()
    settings = Settings(release_url="https://127.0.0.1:9/r/", token=None, cache_dir=tmp_path / "c")
    with Sources.from_settings(release, TAG, settings) as sources:
        assert sources.session is not None
        first = sources.session.downloader()
        assert sources.session.downloader() is first  # one client for every location
    assert first._client.is_closed


# --- split checksums (GoReleaser's checksum.split: one <asset>.<algorithm> file per asset) ------


@pytest.fixture
def split_release(tmp_path: Path) -> tuple[Release, Path]:
    """The release description with ``checksum.split: true``, and a release laid out so."""
    import yaml
    from cerebrium_cli.description import default_config_path

    config = yaml.safe_load(default_config_path().read_text())
    config["checksum"] = {"split": True}
    path = tmp_path / "goreleaser.yaml"
    path.write_text(yaml.safe_dump(config))
    release = load_release(path)
    assert release.checksum_split
    fake = tmp_path / "split-bin" / "cerebrium"
    fake.parent.mkdir()
    fake.write_bytes(BINARY)
    out = tmp_path / "split"
    out.mkdir()
    archive = make_archive(fake, out / ARCHIVE, "linux")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    (out / f"{ARCHIVE}.sha256").write_text(digest)  # GoReleaser writes the digest alone
    return release, out


def test_split_checksums_vouch_from_the_archives_own_file(
    split_release: tuple[Release, Path], tmp_path: Path
) -> None:
    from cerebrium_cli.fetch import Install, read_checksums

    release, out = split_release
    location = Reads(out)
    sources = Sources(location=ReleaseLocation(str(out), location))
    checksums = read_checksums(Install.of(release, LINUX, TAG, sources))
    assert checksums.name == f"{ARCHIVE}.sha256"
    assert checksums.raw == (out / f"{ARCHIVE}.sha256").read_bytes()
    assert dict(checksums.entries) == {
        ARCHIVE: hashlib.sha256((out / ARCHIVE).read_bytes()).hexdigest()
    }
    binary = fetch_binary(release, LINUX, TAG, tmp_path / "bin", sources=sources)
    assert binary.read_bytes() == BINARY
    assert location.names == [f"{ARCHIVE}.sha256"] * 2  # once per fetch, never checksums.txt


def test_a_split_checksum_file_that_disagrees_refuses_the_archive(
    split_release: tuple[Release, Path], tmp_path: Path
) -> None:
    release, out = split_release
    (out / f"{ARCHIVE}.sha256").write_text("ab" * 32 + "\n")
    with pytest.raises(ChecksumMismatchError, match=rf"{re.escape(ARCHIVE)}\.sha256"):
        fetch_binary(
            release,
            LINUX,
            TAG,
            tmp_path / "bin",
            sources=Sources(location=ReleaseLocation.directory(out)),
        )
    assert not (tmp_path / "bin").exists()


def test_split_checksums_agree_with_the_pins_entry_by_entry(
    split_release: tuple[Release, Path], tmp_path: Path
) -> None:
    release, out = split_release
    digest = (out / f"{ARCHIVE}.sha256").read_text()
    other = "cerebrium_cli_darwin_arm64.tar.gz"
    pins = {ARCHIVE: digest, other: "cd" * 32}  # the pins list every archive
    sources = Sources(location=ReleaseLocation.directory(out), pins=pins)
    binary = fetch_binary(release, LINUX, TAG, tmp_path / "a", sources=sources)
    assert binary.read_bytes() == BINARY
    (out / f"{ARCHIVE}.sha256").write_text("ef" * 32)
    with pytest.raises(PinnedChecksumsError, match=f"{re.escape(ARCHIVE)}: pinned {digest}"):
        fetch_binary(release, LINUX, TAG, tmp_path / "b", sources=sources)


def test_with_the_cache_on_archive_errors_name_the_archive_not_the_cache_entry(
    tmp_path: Path, cache: ArchiveCache
) -> None:
    from cerebrium_cli.errors import ArchiveError

    fake = tmp_path / "other"
    fake.write_bytes(BINARY)
    out = tmp_path / "no-binary"
    out.mkdir()
    archive = make_archive(fake, out / ARCHIVE, "linux", binary_name="not-the-binary")
    write_checksums([archive], out / "checksums.txt")
    with pytest.raises(ArchiveError) as info:
        _fetch(Sources(location=ReleaseLocation.directory(out), cache=cache), tmp_path / "bin")
    assert ARCHIVE in str(info.value)
    assert "sha256-" not in str(info.value)
