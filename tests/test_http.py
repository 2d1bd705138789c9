"""The download module against httpx.MockTransport: each fault, one assertion of its outcome.

The same behaviours are exercised against a real HTTPS server in test_install_e2e.py.
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from cerebrium_cli._http import Downloader, NetworkPolicy
from cerebrium_cli._redact import redact
from cerebrium_cli.errors import AssetNotFoundError, DownloadError, DownloadTimeoutError
from cerebrium_cli.settings import TransferLimits

BODY = b"archive bytes " * 1000
URL = "https://github.com/CerebriumAI/cerebrium/releases/download/v2.0.0/a.tar.gz"
FAST = NetworkPolicy(attempts=3, backoff=0.01, max_wait=0.05)


def _downloader(
    handler: Callable[[httpx.Request], httpx.Response],
    *,
    token: str | None = None,
    sleeps: list[float] | None = None,
) -> Downloader:
    return Downloader(
        FAST,
        token=token,
        transport=httpx.MockTransport(handler),
        sleep=(sleeps.append if sleeps is not None else lambda s: None),
    )


class Chunks(httpx.SyncByteStream):
    """A body delivered in pieces, as from a socket (``content=`` would be pre-read by httpx)."""

    def __init__(self, data: bytes, size: int = 4096) -> None:
        self.data, self.size = data, size

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.data), self.size):
            yield self.data[start : start + self.size]


def _ok(request: httpx.Request) -> httpx.Response:
    headers = {"Content-Type": "application/octet-stream", "Content-Length": str(len(BODY))}
    return httpx.Response(200, stream=Chunks(BODY), headers=headers)


def test_download_streams_and_hashes() -> None:
    out = io.BytesIO()
    digest = _downloader(_ok).download(URL, out, algorithm="sha256", limit=1 << 20)
    assert out.getvalue() == BODY
    assert digest == hashlib.sha256(BODY).hexdigest()


@pytest.mark.parametrize("piece", [1, 16 << 10, 100_000, 1 << 20], ids=["1B", "16K", "100K", "1M"])
def test_any_piece_size_is_written_and_hashed_whole(piece: int) -> None:
    # Socket reads (16 KiB TLS records), odd sizes, and pieces larger than the write block.
    body = os.urandom(700_000) if piece > 1 else BODY

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Chunks(body, piece))

    out = io.BytesIO()
    digest = _downloader(handler).download(URL, out, algorithm="sha256", limit=1 << 24)
    assert out.getvalue() == body
    assert digest == hashlib.sha256(body).hexdigest()


def test_a_download_holds_one_block_in_memory() -> None:
    import tracemalloc

    class Zeros(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            piece = bytes(16 << 10)
            for _ in range(2048):  # 32 MiB, as a socket delivers it
                yield piece

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Zeros())

    downloader = _downloader(handler)
    with open(os.devnull, "wb") as sink:
        tracemalloc.start()
        try:
            downloader.download(URL, sink, algorithm="sha256", limit=1 << 30)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 1 << 20, peak


def test_an_empty_file_is_not_truncated_before_the_first_attempt() -> None:
    # Truncating a new, empty file is pointless, and on ext4 it makes closing the file flush
    # the whole download to disk (auto_da_alloc). A retry does start the file over.
    truncated: list[int] = []

    class Recording(io.BytesIO):
        def truncate(self, size: int | None = None) -> int:
            truncated.append(self.tell())
            return super().truncate(size)

    out = Recording()
    _downloader(_ok).download(URL, out, algorithm="sha256", limit=1 << 20)
    assert truncated == []
    assert out.getvalue() == BODY


def test_identity_encoding_is_requested() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _ok(request)

    _downloader(handler).fetch(URL, limit=1 << 20)
    assert seen[0].headers["Accept-Encoding"] == "identity"


def test_retries_503_then_succeeds_honouring_capped_retry_after() -> None:
    calls = iter([httpx.Response(503, headers={"Retry-After": "3600"}), httpx.Response(429), None])
    sleeps: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        return next(calls) or _ok(request)

    assert _downloader(handler, sleeps=sleeps).fetch(URL, limit=1 << 20) == BODY
    assert sleeps == [FAST.max_wait, FAST.backoff * 2]  # Retry-After capped; then backoff


def test_gives_up_after_the_attempts_with_a_clear_message() -> None:
    sleeps: list[float] = []
    with pytest.raises(DownloadError) as info:
        _downloader(lambda r: httpx.Response(503), sleeps=sleeps).fetch(URL, limit=100)
    assert len(sleeps) == 2
    assert (info.value.url, info.value.status) == (URL, 503)
    assert info.value.reason == "the server answered 503 Service Unavailable, after 3 attempts"
    assert "HTTPS_PROXY" in info.value.advice
    assert str(info.value) == f"could not download {URL}: {info.value.reason}. {info.value.advice}"


def test_connection_errors_are_retried() -> None:
    attempts = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) < 3:
            raise httpx.ConnectError("connection reset by peer")
        return _ok(request)

    assert _downloader(handler).fetch(URL, limit=1 << 20) == BODY
    assert len(attempts) == 3


def test_a_retry_after_a_partial_body_starts_the_file_over() -> None:
    attempts = []

    class Broken(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield BODY[:100]
            raise httpx.ReadError("connection reset")

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) == 1:
            return httpx.Response(200, stream=Broken())
        return _ok(request)

    out = io.BytesIO()
    digest = _downloader(handler).download(URL, out, algorithm="sha256", limit=1 << 20)
    assert out.getvalue() == BODY
    assert digest == hashlib.sha256(BODY).hexdigest()


def test_404_names_the_url() -> None:
    with pytest.raises(DownloadError, match=r"a\.tar\.gz was not found \(404\)"):
        _downloader(lambda r: httpx.Response(404)).fetch(URL, limit=100)


def test_html_instead_of_the_file_is_called_out() -> None:
    page = httpx.Response(
        200, text="<html>log in</html>", headers={"Content-Type": "text/html; charset=utf-8"}
    )
    with pytest.raises(DownloadError) as info:
        _downloader(lambda r: page).fetch(URL, limit=1 << 20)
    assert (info.value.url, info.value.status) == (URL, 200)
    assert info.value.reason == "the server returned an HTML page instead of the file"
    assert "captive portal" in info.value.advice


def test_size_cap_from_content_length_and_from_the_stream() -> None:
    with pytest.raises(DownloadError) as declared:
        _downloader(_ok).fetch(URL, limit=100)
    assert (
        declared.value.reason == f"it is {len(BODY)} bytes, more than the 100 bytes allowed "
        "for this file"
    )

    def no_length(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Chunks(BODY))  # no Content-Length header

    with pytest.raises(DownloadError) as sent:
        _downloader(no_length).fetch(URL, limit=100)
    assert sent.value.reason == "the server sent more than the 100 bytes allowed for this file"


def test_redirect_to_plain_http_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "http://evil.example/a.tar.gz"})

    with pytest.raises(DownloadError, match="not HTTPS; refusing"):
        _downloader(handler).fetch(URL, limit=100)


def test_plain_http_url_is_refused_before_any_request() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request may be sent")

    with pytest.raises(DownloadError, match="not an https URL"):
        _downloader(handler).fetch("http://example.com/a", limit=100)


def test_redirect_loop_is_detected() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        other = "/b" if request.url.path == "/a" else "/a"
        return httpx.Response(302, headers={"Location": other})

    with pytest.raises(DownloadError, match="redirects in a loop"):
        _downloader(handler).fetch("https://example.com/a", limit=100)


def test_a_redirect_to_plain_http_names_both_urls_redacted_and_sends_nothing_in_the_clear() -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://u:pw@evil.example/a?sig=s3cret"})

    with pytest.raises(DownloadError) as info:
        _downloader(handler).fetch("https://example.com/start?sig=other", limit=100)
    assert str(info.value).startswith(
        "https://example.com/start?... redirected to http://evil.example/a?..., which is not "
        "HTTPS; refusing"
    )
    assert sent == ["https://example.com/start?sig=other"]


def test_a_redirect_loop_names_the_start_and_where_it_looped() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        following = {"/a": "/b", "/b": "/c", "/c": "/b"}[request.url.path]
        return httpx.Response(302, headers={"Location": following + "?sig=s3cret"})

    with pytest.raises(DownloadError) as info:
        _downloader(handler).fetch("https://example.com/a", limit=100)
    assert str(info.value) == (
        "https://example.com/a redirects in a loop (at https://example.com/b?...)"
    )


def test_more_redirects_than_the_policy_allows_give_up() -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return httpx.Response(302, headers={"Location": f"/{len(sent)}"})

    downloader = Downloader(NetworkPolicy(max_redirects=3), transport=httpx.MockTransport(handler))
    with pytest.raises(DownloadError) as info:
        downloader.fetch("https://example.com/start", limit=100)
    assert str(info.value) == "https://example.com/start redirected more than 3 times; giving up"
    assert sent == ["/start", "/1", "/2", "/3"]  # the start, then three redirects followed


def test_the_body_of_a_redirect_is_never_read() -> None:
    # Nothing bounds it, and nothing in it is needed: only the Location header is.
    class Unreadable(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            raise AssertionError("the body of a redirect was read")

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/a":
            return httpx.Response(302, headers={"Location": "/b"}, stream=Unreadable())
        return _ok(request)

    assert _downloader(handler).fetch("https://example.com/a", limit=1 << 20) == BODY


def test_token_goes_to_github_only_and_is_dropped_after_a_cross_host_redirect() -> None:
    seen: list[tuple[str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.host, request.headers.get("Authorization")))
        if request.url.host == "github.com":
            return httpx.Response(
                302, headers={"Location": "https://objects.githubusercontent.com/x?sig=1"}
            )
        return _ok(request)

    _downloader(handler, token="ghp_secret").fetch(URL, limit=1 << 20)
    assert seen == [("github.com", "Bearer ghp_secret"), ("objects.githubusercontent.com", None)]


@pytest.mark.parametrize(
    "hops",
    [
        ["https://github.com/a", "https://objects.githubusercontent.com/b", "https://github.com/c"],
        ["https://github.com/a", "https://api.github.com/b"],
        ["https://github.com/a", "https://github.com:8443/b"],
    ],
    ids=["back-to-github", "github-to-api", "another-port"],
)
def test_the_token_never_follows_a_redirect_off_the_starting_host(hops: list[str]) -> None:
    # Once a redirect has left the host the download started at, no later hop gets the token,
    # not even one back to GitHub: a storage host could otherwise bounce it anywhere.
    seen: list[tuple[str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((str(request.url), request.headers.get("Authorization")))
        following = hops[len(seen)] if len(seen) < len(hops) else None
        return httpx.Response(302, headers={"Location": following}) if following else _ok(request)

    _downloader(handler, token="ghp_secret").fetch(hops[0], limit=1 << 20)
    assert seen == [(hops[0], "Bearer ghp_secret")] + [(url, None) for url in hops[1:]]


def test_the_token_follows_a_redirect_on_the_same_host() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization"))
        if request.url.path == "/a":
            return httpx.Response(302, headers={"Location": "/b"})
        return _ok(request)

    _downloader(handler, token="ghp_secret").fetch("https://github.com/a", limit=1 << 20)
    assert seen == ["Bearer ghp_secret", "Bearer ghp_secret"]


def test_token_is_never_sent_to_other_hosts() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization"))
        return _ok(request)

    _downloader(handler, token="ghp_secret").fetch("https://mirror.example/a.tar.gz", limit=1 << 20)
    assert seen == [None]


def test_a_rate_limit_past_the_cap_is_not_slept_through() -> None:
    sleeps: list[float] = []
    limited = httpx.Response(403, headers={"Retry-After": "3600"})
    with pytest.raises(DownloadError) as info:
        _downloader(lambda r: limited, sleeps=sleeps).fetch(URL, limit=100)
    assert sleeps == []
    assert info.value.status == 403
    assert "a rate limit that resets at" in info.value.reason
    assert "GITHUB_TOKEN" in info.value.advice


def test_a_plain_403_is_final_and_a_plain_429_is_retried() -> None:
    sleeps: list[float] = []
    with pytest.raises(DownloadError) as info:
        _downloader(lambda r: httpx.Response(403), sleeps=sleeps).fetch(URL, limit=100)
    assert sleeps == []
    assert (info.value.status, info.value.reason) == (403, "refused (403 Forbidden)")
    calls = iter([httpx.Response(429), None])
    assert _downloader(lambda r: next(calls) or _ok(r), sleeps=sleeps).fetch(URL, limit=1 << 20)
    assert sleeps == [FAST.backoff]


def test_a_407_answer_is_final() -> None:
    attempts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        return httpx.Response(407)

    with pytest.raises(DownloadError) as info:
        _downloader(handler).fetch(URL, limit=100)
    assert (info.value.status, info.value.reason) == (
        407,
        "refused by the proxy (407 Proxy Authentication Required)",
    )
    assert len(attempts) == 1


def test_token_never_appears_in_errors() -> None:
    with pytest.raises(DownloadError) as info:
        _downloader(lambda r: httpx.Response(403), token="ghp_secret").fetch(URL, limit=100)
    assert "ghp_secret" not in str(info.value)
    assert "GITHUB_TOKEN" in str(info.value)


def test_credentials_in_urls_are_redacted() -> None:
    assert redact("https://user:pass@example.com/a") == "https://example.com/a"
    signed = "https://example.blob.core.windows.net/attestations/1.json.sn?sv=2026&sig=s3cr%2Bt"
    assert redact(signed) == "https://example.blob.core.windows.net/attestations/1.json.sn?..."
    assert redact("https://example.com/plain") == "https://example.com/plain"
    with pytest.raises(DownloadError) as info:
        _downloader(lambda r: httpx.Response(404)).fetch(
            "https://user:pass@example.com/a", limit=10
        )
    assert "pass" not in str(info.value)


def test_timeouts_are_retried_then_reported() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    with pytest.raises(DownloadError, match=r"no data for 30 s"):
        _downloader(handler).fetch(URL, limit=100)


def test_certificate_failures_are_not_retried_and_advise_ssl_cert_file() -> None:
    attempts = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        raise httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")

    with pytest.raises(DownloadError, match="point SSL_CERT_FILE at that CA"):
        _downloader(handler).fetch(URL, limit=100)
    assert len(attempts) == 1


def test_ssl_cert_file_replaces_the_default_trust(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trustme
    from cerebrium_cli._http import ssl_context

    ca = trustme.CA()
    pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    monkeypatch.setenv("SSL_CERT_FILE", str(pem))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    assert ssl_context().cert_store_stats()["x509_ca"] == 1  # exactly the named CA, nothing else


def test_unreadable_ssl_cert_file_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cerebrium_cli._http import ssl_context

    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(DownloadError, match="Fix or unset the variable"):
        ssl_context()


def test_without_ssl_cert_file_the_system_store_is_trusted_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import certifi
    from cerebrium_cli._http import ssl_context

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.setattr(certifi, "where", lambda: "/nonexistent/cacert.pem")  # would raise
    monkeypatch.setitem(sys.modules, "truststore", None)  # as where it is not installed
    context = ssl_context()
    assert context.verify_mode.name == "CERT_REQUIRED"
    assert context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 50  # public roots are loaded


def test_a_python_without_system_certificates_trusts_certifi(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # python.org's macOS builds: no CA file or directory until "Install Certificates" is run.
    import ssl

    from cerebrium_cli._http import ssl_context

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.setattr(ssl.SSLContext, "load_default_certs", lambda self, purpose=None: None)
    # typeshed types cafile and capath as str; CPython gives None when they do not exist.
    none = ssl.DefaultVerifyPaths(None, None, "", "", "", "")  # type: ignore[arg-type]
    monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: none)
    monkeypatch.setitem(sys.modules, "truststore", None)
    assert ssl_context().cert_store_stats()["x509_ca"] > 50  # certifi's roots


# --- NO_PROXY: which requests bypass the proxy --------------------------------------------------

# (host, port, NO_PROXY, bypass?) as curl decides; requests agrees except where marked.
NO_PROXY_CASES = [
    ("127.0.0.1", 443, "127.0.0.0/8", True),
    ("127.9.9.9", 443, "127.0.0.0/8", True),
    ("10.1.2.3", 443, "127.0.0.0/8", False),
    ("10.1.2.3", 443, " 192.168.0.0/16 , 10.0.0.0/8 ", True),
    ("127.0.0.1", 443, "127.0.0.1", True),
    ("127.0.0.1", 443, "127.0.0.2", False),
    ("github.com", 443, "*", True),
    ("127.0.0.1", 443, "*", True),
    ("github.com", 443, "github.com", True),
    ("api.github.com", 443, "github.com", True),
    ("api.github.com", 443, ".github.com", True),
    ("github.com", 443, ".github.com", True),
    ("GitHub.COM", 443, "github.com", True),
    ("gitlab.com", 443, "github.com", False),
    ("github.com", 443, "", False),
    ("github.com", 443, ",,", False),
    ("github.com", 8443, "github.com:8443", True),
    ("github.com", 443, "github.com:8443", False),
    ("localhost", 443, "localhost", True),
    ("127.0.0.1", 443, "localhost", False),  # names are not resolved
]
# curl only: requests' own suffix test matches across a label; requests has no IPv6 ranges.
CURL_ONLY = [
    ("badexample.com", 443, "example.com", False),
    ("::1", 443, "::1/128", True),
    ("fd00::5", 443, "fd00::/8", True),
    ("fe80::1", 443, "fd00::/8", False),
    ("::1", 443, "[::1]", True),
]


@pytest.mark.parametrize(("host", "port", "no_proxy", "bypass"), NO_PROXY_CASES + CURL_ONLY)
def test_no_proxy_matches_as_curl(host: str, port: int, no_proxy: str, bypass: bool) -> None:
    from cerebrium_cli._proxies import bypasses_proxy

    assert bypasses_proxy(host, port, no_proxy) is bypass


@pytest.mark.parametrize(("host", "port", "no_proxy", "bypass"), NO_PROXY_CASES)
def test_no_proxy_agrees_with_requests(host: str, port: int, no_proxy: str, bypass: bool) -> None:
    # pip decides through requests: an install must go where `pip download` would.
    from requests.utils import should_bypass_proxies

    url = f"https://{host}:{port}/"
    assert should_bypass_proxies(url, no_proxy=no_proxy) is bypass


def test_the_proxy_for_a_host() -> None:
    from cerebrium_cli._proxies import proxy_for

    proxies = {"https": "proxy.corp:3128", "all": "socks5://s:1080", "no": "10.0.0.0/8"}
    assert proxy_for("github.com", 443, proxies) == "http://proxy.corp:3128"
    assert proxy_for("10.0.0.7", 443, proxies) is None
    assert proxy_for("github.com", 443, {"all": "socks5://s:1080"}) == "socks5://s:1080"
    assert proxy_for("github.com", 443, {}) is None


# --- a speed floor and a deadline per file (issue 22, item 3) -------------------------------


class Clock:
    """A monotonic clock the test moves: ``sleep`` and each body piece advance it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class Trickle(httpx.SyncByteStream):
    """``piece`` bytes of ``data`` every ``every`` seconds of ``clock``, as a trickling server."""

    def __init__(self, clock: Clock, data: bytes, piece: int, every: float) -> None:
        self.clock, self.data, self.piece, self.every = clock, data, piece, every

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.data), self.piece):
            self.clock.sleep(self.every)
            yield self.data[start : start + self.piece]


def _paced(
    handler: Callable[[httpx.Request], httpx.Response],
    clock: Clock,
    limits: TransferLimits | None = None,
    *,
    attempts: int = 3,
    backoff: float = 1,
) -> Downloader:
    return Downloader(
        NetworkPolicy(
            attempts=attempts, backoff=backoff, max_wait=5, limits=limits or TransferLimits()
        ),
        transport=httpx.MockTransport(handler),
        sleep=clock.sleep,
        clock=clock,
    )


def test_the_default_floor_stops_a_one_byte_every_10_s_trickle_within_a_minute() -> None:
    # The input: one byte every 10 s never trips the 30 s read timeout.
    clock, requests = Clock(), []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        headers = {"Content-Length": str(len(BODY))}
        return httpx.Response(200, stream=Trickle(clock, BODY, 1, 10.0), headers=headers)

    started = clock.now
    with pytest.raises(DownloadTimeoutError) as info:
        _paced(handler, clock).download(URL, io.BytesIO(), algorithm="sha256", limit=1 << 20)
    assert clock.now - started <= 60
    assert len(requests) == 1  # too slow is final: a retry would trickle again
    message = str(info.value)
    assert "github.com sent 2 bytes in 20 s (0.1 bytes/s)" in message
    assert "below the floor of 1024 bytes/s over 20 s" in message
    assert "CEREBRIUM_MIN_SPEED" in message
    assert "CEREBRIUM_SPEED_TIME" in message
    assert isinstance(info.value, DownloadError)
    assert isinstance(info.value, TimeoutError)


def test_the_floor_names_the_host_that_trickles_after_a_redirect() -> None:
    clock = Clock()
    storage = "https://objects.githubusercontent.com/a.tar.gz?sig=secret"

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "github.com":
            return httpx.Response(302, headers={"Location": storage})
        return httpx.Response(200, stream=Trickle(clock, BODY, 100, 1.0))

    with pytest.raises(DownloadTimeoutError, match=r"objects\.githubusercontent\.com sent") as info:
        _paced(handler, clock, TransferLimits(min_speed=1000, speed_time=5)).fetch(
            URL, limit=1 << 20
        )
    assert "secret" not in str(info.value)


def test_a_transfer_at_the_floor_passes_and_a_floor_of_zero_is_off() -> None:
    clock = Clock()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Trickle(clock, BODY, 1024, 1.0))  # 1 KiB/s, 14 s

    assert _paced(handler, clock, TransferLimits(speed_time=5)).fetch(URL, limit=1 << 20) == BODY

    def slow(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Trickle(clock, BODY, 1000, 10.0))  # 100 bytes/s

    off = TransferLimits(min_speed=0, deadline=3600)
    assert _paced(slow, clock, off).fetch(URL, limit=1 << 20) == BODY


def test_the_deadline_stops_a_download_that_keeps_the_floor() -> None:
    clock = Clock()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Trickle(clock, BODY, 2048, 1.0))  # 2 KiB/s, 7 s

    limits = TransferLimits(min_speed=1024, speed_time=2, deadline=5)
    started = clock.now
    with pytest.raises(DownloadTimeoutError) as info:
        _paced(handler, clock, limits).fetch(URL, limit=1 << 20)
    assert clock.now - started <= 6
    message = str(info.value)
    assert "did not finish within the 5 s allowed for one file (CEREBRIUM_DEADLINE)" in message
    assert "came from github.com in 6.0 s (2.0 KiB/s)" in message
    assert "raise CEREBRIUM_DEADLINE" in message


def test_no_retry_is_started_that_the_deadline_cannot_wait_for() -> None:
    clock, requests = Clock(), []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(503)

    limits = TransferLimits(deadline=2.5)
    with pytest.raises(DownloadTimeoutError) as info:
        _paced(handler, clock, limits, attempts=4, backoff=1).fetch(URL, limit=100)
    assert len(requests) == 2  # waits of 1 s, then 2 s would pass 2.5 s
    assert "the server answered 503 Service Unavailable, and no time is left to retry" in str(
        info.value
    )
    assert "CEREBRIUM_DEADLINE" in str(info.value)


def test_no_single_wait_outlasts_the_deadline() -> None:
    clock, timeouts = Clock(), []

    def handler(request: httpx.Request) -> httpx.Response:
        timeouts.append(request.extensions["timeout"])
        clock.sleep(4)  # as if the connection took 4 s, then was reset
        raise httpx.ConnectError("reset")

    with pytest.raises(DownloadError):
        _paced(handler, clock, TransferLimits(deadline=10), backoff=0.5).fetch(URL, limit=100)
    assert timeouts[0] == {"connect": 10, "read": 10, "write": 10, "pool": 10}
    assert timeouts[1]["read"] == pytest.approx(10 - 4 - 0.5)


def test_a_timeout_past_the_deadline_says_so() -> None:
    clock = Clock()

    def handler(request: httpx.Request) -> httpx.Response:
        clock.sleep(request.extensions["timeout"]["read"])
        raise httpx.ReadTimeout("timed out")

    with pytest.raises(DownloadTimeoutError, match=r"within the 20 s allowed .*DEADLINE"):
        _paced(handler, clock, TransferLimits(deadline=20)).fetch(URL, limit=100)


def test_a_stall_that_outlives_the_attempts_is_a_timeout_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    with pytest.raises(DownloadTimeoutError, match=r"no data for 30 s .*after 3 attempts"):
        _paced(handler, Clock()).fetch(URL, limit=100)


def test_transfer_limits_come_from_the_environment_with_defaults() -> None:
    from cerebrium_cli.description import load_release
    from cerebrium_cli.settings import Settings

    release = load_release()
    assert Settings.from_environ(release, {}).transfer == TransferLimits(1024, 20, 900)
    env = {"CEREBRIUM_MIN_SPEED": " 0 ", "CEREBRIUM_SPEED_TIME": "2.5", "CEREBRIUM_DEADLINE": ""}
    assert Settings.from_environ(release, env).transfer == TransferLimits(0, 2.5, 900)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("MIN_SPEED", "fast", "a whole number of bytes per second from 0 to 1073741824"),
        ("MIN_SPEED", "1.5", "a whole number of bytes per second"),
        ("MIN_SPEED", "-1", "from 0 to"),
        ("MIN_SPEED", "99999999999", "from 0 to 1073741824"),
        ("SPEED_TIME", "0", "a number of seconds from 1 to 3600"),
        ("SPEED_TIME", "nan", "a number of seconds from 1 to 3600"),
        ("DEADLINE", "inf", "a number of seconds from 1 to 86400"),
        ("DEADLINE", "10m", "a number of seconds from 1 to 86400"),
        ("DEADLINE", "100000", "a number of seconds from 1 to 86400"),
    ],
)
def test_transfer_limits_out_of_range_or_not_numbers_are_refused(
    name: str, value: str, expected: str
) -> None:
    from cerebrium_cli.description import load_release
    from cerebrium_cli.errors import ConfigError
    from cerebrium_cli.settings import Settings

    with pytest.raises(ConfigError) as info:
        Settings.from_environ(load_release(), {f"CEREBRIUM_{name}": value})
    message = str(info.value)
    assert message.startswith(f"CEREBRIUM_{name}={value!r} is not ")
    assert expected in message
    assert "unset it for the default" in message


# --- absent is not failed; a refusal says who refused (issue 22, item 10) -------------------


@pytest.mark.parametrize("status", [404, 410])
def test_an_absent_file_is_asset_not_found(status: int) -> None:
    with pytest.raises(AssetNotFoundError) as info:
        _downloader(lambda r: httpx.Response(status)).fetch(URL, limit=100)
    assert isinstance(info.value, FileNotFoundError)
    assert (info.value.asset, info.value.status) == (URL.rpartition("/")[2], status)
    assert info.value.where == URL.rpartition("/")[0] + "/"


@pytest.mark.parametrize("status", [500, 403, 401, 451])
def test_a_failure_is_not_absence(status: int) -> None:
    with pytest.raises(DownloadError) as info:
        _downloader(lambda r: httpx.Response(status)).fetch(URL, limit=100)
    assert not isinstance(info.value, AssetNotFoundError)


def test_a_404_after_a_redirect_names_the_host_that_answered() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "github.com":
            return httpx.Response(302, headers={"Location": "https://mirror.example/a.tar.gz"})
        return httpx.Response(404)

    with pytest.raises(AssetNotFoundError) as info:
        _downloader(handler).fetch(URL, limit=100)
    assert info.value.reason == "404 by mirror.example, where github.com redirected"


STORAGE = "https://objects.githubusercontent.com/release-asset/a.tar.gz?X-Amz-Signature=s3cr3t"


@pytest.mark.parametrize(
    ("start", "token", "said", "advice"),
    [
        (URL, None, "refused (403 Forbidden)", "set GITHUB_TOKEN"),
        (
            URL,
            "ghp_x",
            "refused (403 Forbidden)",
            "GITHUB_TOKEN (or GH_TOKEN) sent was not accepted",
        ),
        (
            STORAGE,
            None,
            "refused (403 Forbidden by objects.githubusercontent.com, where github.com redirected)",
            "signed URL has expired",
        ),
        (
            STORAGE,
            "ghp_x",
            "refused (403 Forbidden by objects.githubusercontent.com, where github.com redirected)",
            "signed URL has expired",
        ),
        ("https://mirror.example/a.tar.gz", None, "refused (403 Forbidden)", "release location"),
        (
            "https://mirror.example/to-github",
            "ghp_x",
            "refused (403 Forbidden by github.com, where mirror.example redirected)",
            "release location",
        ),
    ],
    ids=["github", "github-token", "storage", "storage-token", "mirror", "mirror-to-github"],
)
def test_a_403_says_what_the_server_said_and_advises_a_token_only_where_it_helps(
    start: str, token: str | None, said: str, advice: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if start == STORAGE and request.url.host == "github.com":
            return httpx.Response(302, headers={"Location": STORAGE})
        if start.endswith("/to-github") and request.url.host == "mirror.example":
            return httpx.Response(302, headers={"Location": URL})
        return httpx.Response(403)

    url = URL if start == STORAGE else start
    with pytest.raises(DownloadError) as info:
        _downloader(handler, token=token).fetch(url, limit=100)
    message = str(info.value)
    assert said in message
    assert advice in message
    if token is not None or start != URL:
        assert "set GITHUB_TOKEN" not in message
    if start != URL:  # no token reached the host that refused
        assert "not accepted" not in message
    assert "s3cr3t" not in message
    assert "ghp_x" not in message
