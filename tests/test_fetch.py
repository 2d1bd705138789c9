"""The fetch pipeline against real archives in a local release directory."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from cerebrium_cli._http import Downloader
from cerebrium_cli.errors import ChecksumFileError, ChecksumMismatchError, DownloadError
from cerebrium_cli.fetch import fetch_binary, open_location
from cerebrium_cli.locations import DirectoryLocation, location_for
from cerebrium_cli.platforms import Target
from cerebrium_cli.release import load_release
from cerebrium_cli.settings import Settings
from support.release import make_archive, write_checksums

TAG = "v2.0.0"
LINUX = Target("linux", "amd64")
BINARY = b"\x7fELF the binary\n" * 64


@pytest.fixture
def release_dir(tmp_path: Path) -> Path:
    fake = tmp_path / "cerebrium"
    fake.write_bytes(BINARY)
    out = tmp_path / "release"
    out.mkdir()
    archive = make_archive(fake, out / "cerebrium_2.0.0_linux_amd64.tar.gz", "linux")
    write_checksums([archive], out / "checksums.txt")
    return out


def _fetch(where: Path, dest: Path) -> Path:
    release = load_release()
    return fetch_binary(
        release, LINUX, TAG, dest, location=DirectoryLocation(where), log=lambda m: None
    )


def test_fetches_verifies_and_extracts(release_dir: Path, tmp_path: Path) -> None:
    binary = _fetch(release_dir, tmp_path / "bin")
    assert binary == tmp_path / "bin" / "cerebrium"
    assert binary.read_bytes() == BINARY


def test_mismatch_writes_nothing(release_dir: Path, tmp_path: Path) -> None:
    archive = release_dir / "cerebrium_2.0.0_linux_amd64.tar.gz"
    archive.write_bytes(archive.read_bytes() + b"\0")
    with pytest.raises(ChecksumMismatchError):
        _fetch(release_dir, tmp_path / "bin")
    assert not (tmp_path / "bin").exists()


def test_binary_checksums_file_is_refused(release_dir: Path, tmp_path: Path) -> None:
    (release_dir / "checksums.txt").write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(ChecksumFileError, match="is not text"):
        _fetch(release_dir, tmp_path / "bin")


def test_missing_archive_in_a_directory(release_dir: Path, tmp_path: Path) -> None:
    (release_dir / "cerebrium_2.0.0_linux_amd64.tar.gz").unlink()
    with pytest.raises(DownloadError, match=r"lacks 'cerebrium_2\.0\.0_linux_amd64\.tar\.gz'"):
        _fetch(release_dir, tmp_path / "bin")


def test_release_url_may_be_a_directory_or_file_url(release_dir: Path, tmp_path: Path) -> None:
    release = load_release()
    for where in (str(release_dir), release_dir.as_uri()):
        location = open_location(release, TAG, Settings(release_url=where, token=None))
        assert isinstance(location, DirectoryLocation)
        binary = fetch_binary(
            release, LINUX, TAG, tmp_path / "bin", location=location, log=lambda m: None
        )
        assert hashlib.sha256(binary.read_bytes()).hexdigest() == hashlib.sha256(BINARY).hexdigest()
        shutil.rmtree(tmp_path / "bin")


def test_default_location_is_the_github_release(release_dir: Path) -> None:
    location = open_location(load_release(), TAG, Settings(release_url=None, token=None))
    assert location.describe("checksums.txt") == (
        "https://github.com/CerebriumAI/cerebrium/releases/download/v2.0.0/checksums.txt"
    )


@pytest.mark.parametrize(
    "where", ["http://example.com/r/", "ftp://example.com/r/", "/nonexistent/dir"]
)
def test_unusable_locations_are_refused(where: str) -> None:
    def no_downloader() -> Downloader:
        raise AssertionError("no downloader may be built for a location that is not https")

    with pytest.raises(DownloadError, match=r"release location|not an https URL"):
        location_for(where, no_downloader)


def test_settings_never_show_the_token() -> None:
    settings = Settings.from_environ(
        load_release(), {"GITHUB_TOKEN": "ghp_x", "CEREBRIUM_RELEASE_URL": "/r"}
    )
    assert settings.token == "ghp_x"
    assert settings.release_url == "/r"
    assert "ghp_x" not in repr(settings)
    assert Settings.from_environ(load_release(), {"GH_TOKEN": "gho_y"}).token == "gho_y"
