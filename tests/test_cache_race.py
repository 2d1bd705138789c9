"""What is verified is what is installed, while another process swaps the cache entry in a loop.

The attack of issue 22: a process that can rename files in the cache replaces
``archives/sha256-<digest>`` with another archive, back and forth, as fast as it can. A fetch that
hashed the entry, then opened it again by its path to extract it, installed the other archive's
binary in most runs. Here a real second process does the swapping while fetches from every
source run one after another (the cache, a mirror directory, an archive file, HTTPS); each
binary that comes out must be the genuine one. The cache folder is the user's own, as the
ownership rule demands: the swapper runs as the same user, standing in for anyone who could
write there.

Run against the code before the fix (main at 7b0c178) three times, this test failed for every
source each time: the swapped archive's binary came out of 2 to 10 of the 40 fetches.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cerebrium_cli._http import Downloader
from cerebrium_cli.cache import ArchiveCache
from cerebrium_cli.description import load_release
from cerebrium_cli.fetch import fetch_binary
from cerebrium_cli.locations import DirectoryLocation, HttpsLocation, Location
from cerebrium_cli.platforms import Target
from cerebrium_cli.sources import ReleaseLocation, Sources
from support.release import make_archive, write_checksums

if TYPE_CHECKING:
    from collections.abc import Iterator

    from support.server import ReleaseServer

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="renames over an open file")

TAG = "v2.0.0"
LINUX = Target("linux", "amd64")
ARCHIVE = "cerebrium_cli_linux_amd64.tar.gz"
GENUINE = b"\x7fELF the genuine binary\n" * 4096
EVIL = b"\x7fELF the attacker's binary\n" * 4096
FETCHES = 40  # per source; each takes a few milliseconds
SECONDS = 20.0  # the bound on each source's fetches, and on the swapper's life

# The second process: links the genuine or the other archive to a new name in the cache folder
# and renames it over the entry, alternately, until told to stop or out of time; prints its count.
SWAPPER = r"""
import os, sys, time
entry, genuine, evil, stop, seconds = sys.argv[1:]
end = time.monotonic() + float(seconds)
folder = os.path.dirname(entry)
swaps = 0
while time.monotonic() < end and not os.path.exists(stop):
    for source in (genuine, evil):
        temp = os.path.join(folder, f".swap-{swaps}.tmp")
        os.link(source, temp)
        os.replace(temp, entry)
        swaps += 1
print(swaps)
"""


@pytest.fixture
def releases(tmp_path: Path, server_root: Path) -> tuple[Path, Path]:
    """The genuine release (served at ``<server>/race-<n>/`` too) and the other archive."""
    made = []
    for name, binary in (("genuine", GENUINE), ("evil", EVIL)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "cerebrium").write_bytes(binary)
        made.append(make_archive(tmp_path / name / "cerebrium", tmp_path / name / ARCHIVE, "linux"))
    write_checksums(made[:1], tmp_path / "genuine" / "checksums.txt")
    return tmp_path / "genuine", made[1]


@pytest.fixture
def https(
    releases: tuple[Path, Path],
    server: ReleaseServer,
    server_root: Path,
    ca_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Location]:
    """The genuine release over HTTPS from the loopback server."""
    import shutil

    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    served = server_root / f"race-{tmp_path.name}"
    shutil.copytree(releases[0], served)
    with Downloader() as downloader:
        yield HttpsLocation(f"{server.url}/{served.name}/", lambda: downloader)


def _swapping(entry: Path, genuine: Path, evil: Path, stop: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            SWAPPER,
            str(entry),
            str(genuine),
            str(evil),
            str(stop),
            str(SECONDS),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("source", ["mirror", "https", "archive-file"])
def test_a_swapped_cache_entry_is_never_what_is_installed(
    logged: list[str],
    source: str,
    releases: tuple[Path, Path],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    genuine_dir, evil_archive = releases
    release = load_release()
    cache = ArchiveCache.open(tmp_path / "cache")
    assert cache is not None
    location: Location = (
        request.getfixturevalue("https") if source == "https" else DirectoryLocation(genuine_dir)
    )
    log = logged
    sources = (
        Sources(archive_file=genuine_dir / ARCHIVE, cache=cache)
        if source == "archive-file"
        else Sources(location=ReleaseLocation(source, location), cache=cache)
    )
    # Links need the same file system as the cache: copies beside it.
    genuine_copy, evil_copy = tmp_path / "genuine.copy", tmp_path / "evil.copy"
    genuine_copy.write_bytes((genuine_dir / ARCHIVE).read_bytes())
    evil_copy.write_bytes(evil_archive.read_bytes())
    entry = cache.path_for("sha256", release_digest(genuine_dir))
    stop = tmp_path / "stop"
    swapper = _swapping(entry, genuine_copy, evil_copy, stop)
    installed: list[bytes] = []
    try:
        deadline = time.monotonic() + SECONDS
        while len(installed) < FETCHES and time.monotonic() < deadline:
            dest = tmp_path / "bin" / str(len(installed))
            binary = fetch_binary(release, LINUX, TAG, dest, sources=sources)
            installed.append(binary.read_bytes())
    finally:
        stop.touch()
        out, _ = swapper.communicate(timeout=SECONDS + 10)
    assert swapper.returncode == 0
    assert int(out) > 100  # the swapper really ran throughout
    assert len(installed) == FETCHES
    wrong = sum(1 for b in installed if b != GENUINE)
    assert wrong == 0, f"{wrong} of {len(installed)} fetches installed the swapped archive's binary"
    if source != "archive-file":  # both paths ran: the entry hashed, and a fresh download
        assert any("using the cached" in m for m in log)
        assert any("downloading" in m for m in log)


def release_digest(release_dir: Path) -> str:
    return (release_dir / "checksums.txt").read_text().split()[0]
