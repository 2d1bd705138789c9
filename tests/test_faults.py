"""Network and machine faults against a real HTTPS server on loopback that misbehaves on purpose.

Each fault ends in success or in one clear error, and never leaves a binary, a cache entry or a
temporary file behind. The fetch runs in-process with short timeouts so that the slow faults
(stalls, retries) stay quick; test_install_e2e.py and test_offline_e2e.py drive pip itself.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest
from cerebrium_cli import fetch as fetch_module
from cerebrium_cli._http import Downloader, NetworkPolicy
from cerebrium_cli.cache import ArchiveCache
from cerebrium_cli.checksums import parse_checksums
from cerebrium_cli.description import load_release
from cerebrium_cli.errors import (
    AssetNotFoundError,
    BootstrapError,
    ChecksumMismatchError,
    DownloadError,
    DownloadTimeoutError,
    SignatureError,
)
from cerebrium_cli.fetch import fetch_binary
from cerebrium_cli.keyless import SignerIdentity
from cerebrium_cli.locations import DirectoryLocation, HttpsLocation
from cerebrium_cli.platforms import Target
from cerebrium_cli.settings import TransferLimits
from cerebrium_cli.signatures import PublicKey
from cerebrium_cli.sources import ReleaseLocation, Sources
from cerebrium_cli.verification import Verification
from conftest import VERSION
from support.gocli import TARGETS
from support.installs import Installed, assert_not_installed, install, settings
from support.release import make_release, standin_binaries
from support.signing import make_key, public_pem, sign

if TYPE_CHECKING:
    from cerebrium_cli.keyless import SigstoreTrust
    from support.release import Release
    from support.server import ReleaseServer

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX")

ARCHIVE = "cerebrium_cli_linux_amd64.tar.gz"
GOOD = "standin"  # where this module's release is served; each test breaks a copy of it
FAST = NetworkPolicy(connect_timeout=5, read_timeout=1, attempts=3, backoff=0.05, max_wait=1)
PROXY_VARIABLES = [
    f"{name}{suffix}" for name in ("https", "http", "all", "no") for suffix in ("_proxy", "_PROXY")
]


class Run:
    """One fetch of linux/amd64 from ``<server>/<name>/``, with its log and what it left."""

    def __init__(
        self,
        server: ReleaseServer,
        release: Release,
        root: Path,
        tmp: Path,
        name: str,
        log: list[str],
    ) -> None:
        self.server, self.tmp, self.name = server, tmp, name
        self.dir = root / name  # the release as served: a test may change it
        shutil.copytree(release.dir, self.dir)
        self.path = f"/{name}/{ARCHIVE}"
        self.log = log  # the package's log lines (the logged fixture)

    def __call__(
        self,
        policy: NetworkPolicy = FAST,
        token: str | None = None,
        *,
        verification: Verification | None = None,
        pins: dict[str, str] | None = None,
    ) -> Path:
        cache = ArchiveCache.open(self.tmp / "cache")
        with Downloader(policy, token=token) as downloader:
            location = HttpsLocation(f"{self.server.url}/{self.name}/", lambda: downloader)
            sources = Sources(
                location=ReleaseLocation(location.base_url, location),
                cache=cache,
                pins=pins,
                verification=verification or Verification(),
            )
            return fetch_binary(
                load_release(),
                Target("linux", "amd64"),
                "v2.0.0",
                self.tmp / "bin",
                sources=sources,
            )

    def archive_requests(self) -> int:
        return sum(1 for r in self.server.requests if r.path == self.path)

    def assert_nothing_left(self) -> None:
        assert not (self.tmp / "bin").exists() or list((self.tmp / "bin").iterdir()) == []
        archives = self.tmp / "cache" / "archives"
        assert list(archives.iterdir()) == [] if archives.exists() else True


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory, server_root: Path) -> Release:
    """The good release at ``<server>/<GOOD>/``, with stand-in binaries: these tests fetch and
    extract the binary but never run it, so they need no Go (conftest's ``release`` builds it)."""
    binaries = standin_binaries(tmp_path_factory.mktemp("standin"), TARGETS)
    return make_release(binaries, VERSION, server_root / GOOD)


@pytest.fixture
def run(
    request: pytest.FixtureRequest,
    server: ReleaseServer,
    release: Release,
    server_root: Path,
    tmp_path: Path,
    ca_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    logged: list[str],
) -> Run:
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    for variable in PROXY_VARIABLES:  # the host's proxies must not decide these tests
        monkeypatch.delenv(variable, raising=False)
    name = request.node.name.replace("[", "-").replace("]", "")
    return Run(server, release, server_root, tmp_path, name, logged)


def test_503_and_429_are_retried_honouring_retry_after(run: Run) -> None:
    run.server.fail_then_serve(run.path, [503, 429], headers={"Retry-After": "1"})
    started = time.monotonic()
    binary = run()
    assert binary.is_file()
    assert run.archive_requests() == 3
    assert time.monotonic() - started >= 2 * FAST.max_wait  # Retry-After: 1, capped at 1, twice
    assert sum("retrying in 1 s" in line for line in run.log) == 2


def test_retry_after_is_capped(run: Run) -> None:
    run.server.fail_then_serve(run.path, [503], headers={"Retry-After": "86400"})
    started = time.monotonic()
    assert run().is_file()
    assert time.monotonic() - started < 10


def test_404_names_the_url(run: Run) -> None:
    run.server.respond(run.path, 404)
    with pytest.raises(DownloadError, match=rf"{run.server.url}{run.path} was not found \(404\)"):
        run()
    run.assert_nothing_left()


@pytest.mark.parametrize("reset", [False, True], ids=["cut-short", "reset"])
def test_a_broken_body_is_retried_from_scratch(run: Run, reset: bool) -> None:
    run.server.cut_short(run.path, keep=50_000, times=1, reset=reset)
    binary = run()
    assert binary.is_file()
    assert run.archive_requests() == 2
    assert any("the connection failed" in line and "retrying" in line for line in run.log)


@pytest.mark.parametrize("reset", [False, True], ids=["cut-short", "reset"])
def test_a_body_that_always_breaks_fails_clearly_and_leaves_nothing(run: Run, reset: bool) -> None:
    run.server.cut_short(run.path, keep=50_000, reset=reset)
    with pytest.raises(DownloadError, match=r"the connection failed .*after 3 attempts") as info:
        run()
    assert "Traceback" not in str(info.value)
    assert run.archive_requests() == 3
    run.assert_nothing_left()


def test_a_content_length_that_lies_short_is_caught_by_the_digest(run: Run) -> None:
    run.server.short_length(run.path, declared=10_000)
    with pytest.raises((ChecksumMismatchError, DownloadError)) as info:
        run()
    assert "does not match" in str(info.value) or "connection failed" in str(info.value)
    run.assert_nothing_left()


def test_a_stalled_server_fails_within_the_time_the_error_states(run: Run) -> None:
    release = threading.Event()
    run.server.stall(run.path, after=20_000, release=release)
    policy = NetworkPolicy(
        connect_timeout=5, read_timeout=0.5, attempts=2, backoff=0.05, max_wait=0.1
    )
    started = time.monotonic()
    try:
        with pytest.raises(DownloadError, match=r"no data for 0\.5 s .*after 2 attempts"):
            run(policy)
    finally:
        release.set()
    assert time.monotonic() - started < 2 * 0.5 + 0.1 + 3  # two timeouts, one wait, slack
    run.assert_nothing_left()


def test_an_html_page_instead_of_the_archive_is_called_out(run: Run) -> None:
    page = b"<html><body>Please log in to the proxy</body></html>"
    run.server.respond(run.path, 200, page, {"Content-Type": "text/html; charset=utf-8"})
    with pytest.raises(
        DownloadError, match=r"HTML page instead of the file.*proxy login page or captive portal"
    ):
        run()
    run.assert_nothing_left()


def test_a_redirect_loop_is_refused(run: Run) -> None:
    other = run.path + ".elsewhere"
    run.server.redirect(run.path, other)
    run.server.redirect(other, run.path)
    with pytest.raises(DownloadError, match="redirects in a loop"):
        run()
    run.assert_nothing_left()


def test_a_response_over_the_size_cap_is_refused(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch_module, "MAX_ARCHIVE_SIZE", 100_000)
    with pytest.raises(DownloadError, match=r"more than the 100000 bytes allowed"):
        run()
    run.assert_nothing_left()


def test_a_redirect_to_another_https_host_is_followed(run: Run) -> None:
    # GitHub answers with a redirect to its storage host; that must work (minus any token).
    run.server.redirect(
        run.path, run.server.url.replace("127.0.0.1", "localhost") + f"/{GOOD}/{ARCHIVE}"
    )
    assert run().is_file()


# --- rate limits and answers that are final ----------------------------------------------------


@pytest.mark.parametrize("status", [403, 429])
def test_a_rate_limit_with_retry_after_is_waited_out(run: Run, status: int) -> None:
    run.server.fail_then_serve(run.path, [status], headers={"Retry-After": "1"})
    started = time.monotonic()
    assert run().is_file()
    assert time.monotonic() - started >= 1
    assert run.archive_requests() == 2
    assert any(f"answered {status} (rate limit)" in line for line in run.log)


def test_an_exhausted_rate_limit_is_waited_out_until_its_reset(run: Run) -> None:
    reset = str(int(time.time()) + 1)
    run.server.fail_then_serve(
        run.path, [403], headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}
    )
    assert run().is_file()
    assert run.archive_requests() == 2


@pytest.mark.parametrize("token", [None, "ghp_secret"], ids=["without-token", "with-token"])
def test_a_rate_limit_past_the_cap_fails_at_once_naming_its_reset_and_the_token(
    run: Run, token: str | None
) -> None:
    reset = int(time.time()) + 3600
    run.server.fail_then_serve(
        run.path, [403] * 9, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}
    )
    started = time.monotonic()
    with pytest.raises(DownloadError) as info:
        run(token=token)
    message = str(info.value)
    assert time.monotonic() - started < 5
    assert run.archive_requests() == 1  # no retry can succeed before the reset
    assert time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(reset)) in message
    assert "GITHUB_TOKEN" in message
    assert "ghp_secret" not in message
    run.assert_nothing_left()


def test_a_rate_limit_that_never_lifts_fails_after_the_attempts(run: Run) -> None:
    run.server.fail_then_serve(run.path, [429] * 9, headers={"Retry-After": "0"})
    with pytest.raises(DownloadError, match=r"a rate limit that resets at .*after 3 attempts"):
        run()
    assert run.archive_requests() == 3


def test_401_is_final(run: Run) -> None:
    run.server.respond(run.path, 401)
    with pytest.raises(DownloadError) as info:
        run()
    assert info.value.status == 401
    assert info.value.reason == "refused (401 Unauthorized)"
    assert info.value.url == f"{run.server.url}{run.path}"
    assert run.archive_requests() == 1
    run.assert_nothing_left()


# --- proxies ---------------------------------------------------------------------------------


def test_https_proxy_carries_the_download(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    from support.proxy import ConnectProxy

    with ConnectProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        assert run().is_file()
    assert proxy.connects == [run.server.url.removeprefix("https://")]  # one pool, one tunnel


@pytest.mark.parametrize(
    "no_proxy", ["127.0.0.0/8", "10.0.0.0/8, 127.0.0.1/32", "*", "::1,127.0.0.1"]
)
def test_no_proxy_ranges_send_the_download_direct(
    run: Run, monkeypatch: pytest.MonkeyPatch, no_proxy: str
) -> None:
    from support.proxy import ConnectProxy

    with ConnectProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", no_proxy)
        assert run().is_file()
    assert proxy.connects == []


def test_a_proxy_refusing_its_credentials_is_final(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.proxy import ConnectProxy

    with ConnectProxy(credentials=("user", "right")) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url.replace("://", "://user:wrong@"))
        with pytest.raises(DownloadError, match=r"407 Proxy Authentication Required") as info:
            run()
        assert proxy.refused == 1  # asked once: a wrong password does not become right
        assert "wrong" not in str(info.value)
        assert "HTTPS_PROXY" in str(info.value)
        monkeypatch.setenv("HTTPS_PROXY", proxy.url.replace("://", "://user:right@"))
        assert run().is_file()


@pytest.mark.parametrize("credentials", [None, ("user", "pass")], ids=["no-auth", "user-pass"])
def test_a_socks5_proxy_carries_the_download(
    run: Run, monkeypatch: pytest.MonkeyPatch, credentials: tuple[str, str] | None
) -> None:
    from support.socks import SocksProxy

    with SocksProxy(credentials) as proxy:
        monkeypatch.setenv("ALL_PROXY", proxy.url)
        assert run().is_file()
    assert proxy.connects == [run.server.url.removeprefix("https://")]


def test_a_socks5_proxy_refusing_the_password_is_final(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.socks import SocksProxy

    with SocksProxy(("user", "pass")) as proxy:
        monkeypatch.setenv("ALL_PROXY", proxy.url.replace(":pass@", ":nope@"))
        with pytest.raises(DownloadError, match="proxy refused it") as info:
            run()
    assert "nope" not in str(info.value)
    assert not any("retrying" in line for line in run.log)
    run.assert_nothing_left()


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "127.0.0.0/8", "localhost,127.0.0.1"])
def test_all_proxy_socks5_with_no_proxy_covering_the_host_connects_direct(
    run: Run, monkeypatch: pytest.MonkeyPatch, no_proxy: str
) -> None:
    # The input: nothing listens on 1080 here, so only a direct connection succeeds.
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
    monkeypatch.setenv("NO_PROXY", no_proxy)
    assert run().is_file()


def test_all_proxy_socks5_unreachable_is_a_clear_error(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as unused:  # a port that refuses connections
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    monkeypatch.setenv("ALL_PROXY", f"socks5://127.0.0.1:{port}")
    with pytest.raises(DownloadError, match=r"the connection failed .*after 3 attempts") as info:
        run()
    assert "HTTPS_PROXY" in str(info.value)
    run.assert_nothing_left()


def test_socks_without_socksio_says_what_to_install(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
    monkeypatch.setitem(sys.modules, "socksio", None)  # as where httpx[socks] is not installed
    with pytest.raises(DownloadError, match=r"needs the socksio package.*'httpx\[socks\]'"):
        run()
    run.assert_nothing_left()


# --- the machine ----------------------------------------------------------------------------

_FULL_DISK = r"""
import resource, signal, sys
sys.path.insert(0, {tests!r})
import conftest
from pathlib import Path
from cerebrium_cli.cache import ArchiveCache
from cerebrium_cli.errors import BootstrapError
from cerebrium_cli.fetch import fetch_binary
from cerebrium_cli.sources import ReleaseLocation, Sources
from cerebrium_cli.locations import DirectoryLocation
from cerebrium_cli.platforms import Target
from support.gocli import TARGETS
from support.release import make_release, standin_binaries
from cerebrium_cli.description import load_release

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
tmp = Path({tmp!r})
cache = ArchiveCache.open(tmp / "cache")
sources = Sources(location=ReleaseLocation.directory(Path({release!r})), cache=cache)
linux = Target("linux", "amd64")
try:
    fetch_binary(load_release(), linux, "v2.0.0", tmp / "bin", sources=sources)
except BootstrapError as exc:
    print("REFUSED:", type(exc).__name__, exc)
"""


@pytest.mark.parametrize(("limit", "stage"), [(200_000, "download"), (1_000_000, "extraction")])
def test_a_full_disk_is_a_clear_error_and_temporary_files_are_removed(
    tmp_path: Path, release: Release, limit: int, stage: str
) -> None:
    # The archive is ~0.6 MB and the binary ~1.4 MB: the first limit stops the download into
    # the cache, the second the extraction of the binary.
    code = _FULL_DISK.format(
        tests=str(Path(__file__).parent), limit=limit, tmp=str(tmp_path), release=str(release.dir)
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert "REFUSED: StorageError cannot write" in result.stdout, result.stdout
    assert "File too large" in result.stdout
    leftovers = [p for p in (tmp_path / "cache" / "archives").iterdir()]
    if stage == "download":
        assert leftovers == []
    else:
        assert len(leftovers) == 1  # the verified archive stays cached; nothing half-written
        assert leftovers[0].name.startswith("sha256-")
    assert not (tmp_path / "bin").exists() or list((tmp_path / "bin").iterdir()) == []


def test_the_error_tree_has_one_root() -> None:
    from cerebrium_cli import errors

    for name in errors.__all__:
        assert issubclass(getattr(errors, name), BootstrapError)


# --- a speed floor and a deadline per file (issue 22, item 3) -------------------------------


def _limited(**limits: float) -> NetworkPolicy:
    return dataclasses.replace(FAST, limits=TransferLimits(**limits))  # type: ignore[arg-type]


def test_a_trickling_server_is_stopped_by_the_speed_floor_in_seconds(run: Run) -> None:
    run.server.trickle(run.path, every=0.1)  # 10 bytes/s: no read ever waits the 1 s timeout
    started = time.monotonic()
    with pytest.raises(DownloadTimeoutError) as info:
        run(_limited(min_speed=1024, speed_time=1.5))
    assert time.monotonic() - started < 5
    message = str(info.value)
    assert message.startswith(f"could not download {run.server.url}{run.path}: 127.0.0.1 sent ")
    assert re.search(
        r"sent \d+ bytes in 1\.\d s \(\d+\.\d bytes/s\), below the floor of 1024 bytes/s "
        r"over 1\.5 s \(CEREBRIUM_MIN_SPEED, CEREBRIUM_SPEED_TIME\); stopped",
        message,
    ), message
    assert run.archive_requests() == 1  # not retried: a trickle would trickle again
    run.assert_nothing_left()


def test_a_read_waiting_past_the_window_is_cut_short_not_left_to_its_timeout(run: Run) -> None:
    run.server.trickle(run.path, every=8)  # a byte, then 8 s of nothing: the read timeout is 10
    policy = dataclasses.replace(
        FAST, read_timeout=10, limits=TransferLimits(min_speed=1024, speed_time=1)
    )
    started = time.monotonic()
    with pytest.raises(DownloadTimeoutError, match=r"127\.0\.0\.1 sent 1 bytes in 1 s"):
        run(policy)
    assert time.monotonic() - started < 4  # the window (1 s), the watchdog's look (0.25 s)
    assert not any(t.name == "download-watchdog" for t in threading.enumerate())
    run.assert_nothing_left()


def test_an_answer_that_trickles_its_headers_is_a_stall_retried_once_then_stopped(
    run: Run,
) -> None:
    run.server.trickle(run.path, every=0.2, head=True)  # the status line, a byte at a time
    policy = dataclasses.replace(
        FAST, read_timeout=10, attempts=4, limits=TransferLimits(speed_time=1)
    )
    started = time.monotonic()
    with pytest.raises(DownloadTimeoutError) as info:
        run(policy)
    assert time.monotonic() - started < 5  # two windows of 1 s, a backoff, the watchdog's looks
    assert str(info.value) == (
        f"could not download {run.server.url}{run.path}: 127.0.0.1 sent nothing for 1 s "
        "(CEREBRIUM_SPEED_TIME), on two connections in turn; stopped: the server or a proxy is "
        "stalled, or trickles its answer. Check the network and any proxy; on a slow "
        "connection, raise CEREBRIUM_SPEED_TIME (seconds)."
    )
    assert run.archive_requests() == 2
    assert any("no data for 1 s (the transfer stalled)" in line for line in run.log)
    run.assert_nothing_left()


def test_a_download_that_keeps_the_floor_is_stopped_at_its_deadline(run: Run) -> None:
    run.server.trickle(run.path, every=0.05, piece=4096)  # ~80 KiB/s: the archive takes ~8 s
    started = time.monotonic()
    with pytest.raises(DownloadTimeoutError) as info:
        run(_limited(min_speed=1024, speed_time=1, deadline=2))
    assert time.monotonic() - started < 5
    message = str(info.value)
    assert "did not finish within the 2 s allowed for one file (CEREBRIUM_DEADLINE)" in message
    assert re.search(r"\d+ bytes came from 127\.0\.0\.1 in 2\.\d s \(\d+\.\d KiB/s\)", message)
    run.assert_nothing_left()


# --- absent is not failed (issue 22, item 10) -------------------------------------------------

KEY = make_key()
SIGNED = Verification(key=PublicKey(KEY.public_key(), "the test key"))
# sigstore-python is not needed: a keyless bundle that cannot be read is never verified.
KEYLESS = Verification(
    sigstore=cast("SigstoreTrust", object()),
    identity=SignerIdentity("CerebriumAI/cerebrium", "v2.0.0"),
)
RETRY_AT_ONCE = {"Retry-After": "0"}


@pytest.mark.parametrize("fault", ["500", "trickle"])
def test_a_signature_file_that_fails_stops_the_fetch_with_the_true_reason(
    run: Run, fault: str
) -> None:
    signature = f"/{run.name}/checksums.txt.sig"
    (run.dir / "checksums.txt.sig").write_bytes(sign(KEY, (run.dir / "checksums.txt").read_bytes()))
    if fault == "500":
        run.server.respond(signature, 500, headers=RETRY_AT_ONCE)
    else:
        run.server.trickle(signature, every=0.2)
    with pytest.raises(DownloadError) as info:
        run(_limited(speed_time=1), verification=SIGNED)
    message = str(info.value)
    assert f"could not download {run.server.url}{signature}: " in message
    assert ("answered 500" if fault == "500" else "below the floor") in message
    assert "neither" not in message
    assert "not signed" not in message
    assert run.archive_requests() == 0  # stopped before the archive
    run.assert_nothing_left()


def test_an_absent_signature_is_still_called_absent(run: Run) -> None:
    with pytest.raises(SignatureError, match=r"neither checksums\.txt\.sig nor .* was found"):
        run(verification=SIGNED)
    run.assert_nothing_left()


def test_a_keyless_bundle_that_fails_is_not_taken_for_no_signature(run: Run) -> None:
    bundle = f"/{run.name}/checksums.txt.sigstore.json"
    run.server.respond(bundle, 503, headers=RETRY_AT_ONCE)
    with pytest.raises(DownloadError, match=r"answered 503 Service Unavailable, after 3"):
        run(verification=KEYLESS)
    assert not any("carries no keyless signature" in line for line in run.log)
    run.assert_nothing_left()
    del run.server.routes[bundle]  # absent (404): auto goes on, saying so
    assert run(verification=KEYLESS).is_file()
    assert any("carries no keyless signature" in line for line in run.log)


def test_pins_stand_in_for_an_absent_checksums_file_but_not_a_failed_one(run: Run) -> None:
    text = (run.dir / "checksums.txt").read_text()
    pins = parse_checksums(text, "pins", "sha256")
    run.server.respond(f"/{run.name}/checksums.txt", 500, headers=RETRY_AT_ONCE)
    with pytest.raises(DownloadError, match=r"checksums\.txt: the server answered 500"):
        run(pins=pins)
    run.assert_nothing_left()
    run.server.respond(f"/{run.name}/checksums.txt", 404)
    assert run(pins=pins).is_file()


def test_an_attestation_listing_that_fails_is_not_taken_for_none(
    server: ReleaseServer, ca_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    digest = "ab" * 32
    listing = f"/attestations-{digest[:8]}/sha256:{digest}"
    with Downloader(FAST) as downloader:
        api = HttpsLocation(f"{server.url}/attestations-{digest[:8]}/", lambda: downloader)
        verification = dataclasses.replace(KEYLESS, policy="attestation", attestations=api)
        server.respond(listing, 502, headers=RETRY_AT_ONCE)
        with pytest.raises(DownloadError, match=r"answered 502 Bad Gateway, after 3 attempts"):
            verification.check_archive(ARCHIVE, digest)
        server.respond(listing, 404)
        with pytest.raises(SignatureError, match=r"no attestation of .* was not found \(404\)"):
            verification.check_archive(ARCHIVE, digest)


def test_mirror_skips_an_absent_signature_and_stops_on_a_failed_one(
    run: Run, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cerebrium_cli import bootstrap

    monkeypatch.setenv("CEREBRIUM_RELEASE_URL", f"{run.server.url}/{run.name}/")
    monkeypatch.setenv("CEREBRIUM_CACHE_DIR", str(run.tmp / "cache"))
    dest = run.tmp / "mirror"
    assert bootstrap.main(["mirror", str(dest), "--platform", "linux/amd64"]) == 0
    assert not (dest / "checksums.txt.sig").exists()  # none published: none copied
    run.server.respond(f"/{run.name}/checksums.txt.sig", 500, headers=RETRY_AT_ONCE)
    capsys.readouterr()
    assert bootstrap.main(["mirror", str(run.tmp / "again"), "--platform", "linux/amd64"]) == 1
    error = capsys.readouterr().err
    assert "checksums.txt.sig: the server answered 500 Internal Server Error" in error


def test_a_local_directory_tells_absent_from_unreadable(tmp_path: Path) -> None:
    (tmp_path / "checksums.txt.sig").mkdir()  # present, and cannot be read as a file
    location = DirectoryLocation(tmp_path)
    with pytest.raises(AssetNotFoundError) as absent:
        location.read("checksums.txt.sigstore.json", limit=100)
    assert absent.value.asset == "checksums.txt.sigstore.json"
    assert absent.value.where == str(tmp_path)
    assert absent.value.status is None
    with pytest.raises(DownloadError, match="cannot read") as info:
        location.read("checksums.txt.sig", limit=100)
    assert not isinstance(info.value, AssetNotFoundError)


# --- through pip: the install stops in bounded time, with the true reason -----------------


@pytest.fixture
def pip_install(run: Run, sdist: Path, wheelhouse: Path, ca_file: Path) -> Callable[..., Installed]:
    """``pip_install(sdist=None, **env)``: pip install the sdist against this test's release."""

    def install_sdist(package: Path | None = None, **env: str) -> Installed:
        environ = settings(ca_file, f"{run.server.url}/{run.name}/", run.tmp / "cache", **env)
        return install(run.tmp, str(package or sdist), wheelhouse=wheelhouse, env=environ)

    return install_sdist


@pytest.mark.e2e
def test_pip_install_from_a_trickling_server_stops_in_seconds_saying_why(
    run: Run, pip_install: Callable[..., Installed]
) -> None:
    run.server.trickle(run.path, every=0.2)  # 5 bytes/s, for 120 s unless stopped
    started = time.monotonic()
    venv, result = pip_install(CEREBRIUM_SPEED_TIME="2")
    elapsed = time.monotonic() - started
    out = assert_not_installed(venv, result)
    assert elapsed < 60, elapsed
    assert f"could not download {run.server.url}{run.path}: 127.0.0.1 sent " in out
    assert "below the floor of 1024 bytes/s over 2 s (CEREBRIUM_MIN_SPEED" in out
    assert run.archive_requests() == 1


@pytest.mark.e2e
def test_pip_install_refuses_a_transfer_limit_that_is_not_a_number(
    run: Run, pip_install: Callable[..., Installed]
) -> None:
    venv, result = pip_install(CEREBRIUM_DEADLINE="10m")
    out = assert_not_installed(venv, result)
    assert "CEREBRIUM_DEADLINE='10m' is not a number of seconds from 1 to 86400" in out
    assert run.archive_requests() == 0


@pytest.fixture(scope="module")
def keyed_sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist of a copy of this checkout carrying :data:`KEY` as its release key."""
    from support.sdist import build_sdist, copy_checkout

    checkout = copy_checkout(tmp_path_factory.mktemp("keyed") / "src")
    (checkout / "wrapper" / "cosign.pub").write_bytes(public_pem(KEY))
    return build_sdist(tmp_path_factory.mktemp("keyed-dist"), checkout)


@pytest.mark.e2e
def test_pip_install_stops_on_a_failed_signature_file_naming_the_failure(
    run: Run, pip_install: Callable[..., Installed], keyed_sdist: Path
) -> None:
    signature = f"/{run.name}/checksums.txt.sig"
    (run.dir / "checksums.txt.sig").write_bytes(sign(KEY, (run.dir / "checksums.txt").read_bytes()))
    run.server.respond(signature, 500, headers=RETRY_AT_ONCE)
    venv, result = pip_install(keyed_sdist)
    out = assert_not_installed(venv, result)
    assert (
        f"could not download {run.server.url}{signature}: the server answered 500 Internal "
        "Server Error, after 4 attempts" in out
    )
    assert "not signed" not in out
    assert "tampered" not in out
    assert run.archive_requests() == 0
    # The same release with its signature served gets past the signature (its stand-in binary,
    # not an executable, is refused later: these tests need no Go).
    del run.server.routes[signature]
    venv, result = pip_install(keyed_sdist)
    assert "checksums.txt signed (cosign signature" in result.stdout + result.stderr


def test_an_sbom_that_fails_is_not_taken_for_none_published(run: Run) -> None:
    from cerebrium_cli.fetch import Install, ReleaseChecksums
    from cerebrium_cli.wheels import _sbom

    name = f"{ARCHIVE}.sbom.json"
    with Downloader(FAST) as downloader:
        location = HttpsLocation(f"{run.server.url}/{run.name}/", lambda: downloader)
        sources = Sources(location=ReleaseLocation(location.base_url, location))
        install = Install.of(load_release(), Target("linux", "amd64"), "v2.0.0", sources)
        (sbom,) = install.plan.sboms
        assert sbom.name == name
        book = ReleaseChecksums()
        assert _sbom(install, sbom, book) is None  # none published
        run.server.respond(f"/{run.name}/{name}", 500, headers=RETRY_AT_ONCE)
        with pytest.raises(DownloadError, match=r"sbom\.json: the server answered 500"):
            _sbom(install, sbom, book)


def test_a_403_from_a_redirect_target_names_it_and_does_not_ask_for_a_token(run: Run) -> None:
    # An expired pre-signed storage URL: the storage host refuses the redirected request.
    stored = f"/{run.name}/stored/{ARCHIVE}"
    run.server.presigned(stored, "sig=fresh")
    storage = run.server.url.replace("127.0.0.1", "localhost")
    run.server.redirect(run.path, f"{storage}{stored}?sig=expired")
    with pytest.raises(DownloadError) as info:
        run(token="ghp_set")
    message = str(info.value)
    assert "refused (403 Forbidden by localhost, where 127.0.0.1 redirected)" in message
    assert "signed URL has expired" in message
    assert "set GITHUB_TOKEN" not in message
    assert "sig=expired" not in message
    assert not isinstance(info.value, AssetNotFoundError)
    run.assert_nothing_left()
