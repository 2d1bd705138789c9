"""HTTPS downloads that stream, hash as they write, retry what is worth retrying, and fail clearly.

This is the only module that imports httpx. Every httpx exception is translated here into a
:class:`DownloadError` whose message names the URL (never a token) and says what to do.
httpx follows redirects, and a request hook checks each hop before it is sent: plain http is
refused, a loop reported; a GitHub token goes only to the GitHub host the download started at.
The proxy is chosen per request (``HTTPS_PROXY``/``ALL_PROXY``, minus ``NO_PROXY`` read as curl
reads it, address ranges included: see ``_proxies``); HTTP(S) and SOCKS5 proxies work (SOCKS
through httpx's ``socks`` extra). Answers that retrying cannot change (a certificate error, a
proxy refusing its credentials, 401) fail at once; a rate limit is waited out when the server's
wait is short. Every file is held to a speed floor and a deadline (``_pace``), so a trickle
cannot keep a download, or ``pip install``, alive. An absent file (404, 410) raises
:class:`AssetNotFoundError`, the one failure that callers may read as "not published".
"""

from __future__ import annotations

import logging
import os
import socket
import ssl
import threading
import time
import urllib.request
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import IO, Any

import httpx

from ._pace import Pace
from ._proxies import proxy_for
from ._redact import redact
from .digests import HashingWriter
from .errors import AssetNotFoundError, DownloadError, DownloadTimeoutError
from .settings import TransferLimits

__all__ = ["Downloader", "NetworkPolicy", "ssl_context"]

_logger = logging.getLogger(__name__)

# Hosts that may receive GITHUB_TOKEN: release downloads and the API. Assets redirect to
# objects.githubusercontent.com (a signed URL), which must never see the token.
GITHUB_HOSTS = frozenset({"github.com", "api.github.com"})
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Answers that may carry GitHub's rate limit: 403 (primary and secondary limits) and 429.
# https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
_RATE_LIMIT_STATUSES = frozenset({403, 429})
# The key in ``Request.extensions`` under which the URLs of one download's hops are kept.
_HOPS = "redirect_hops"


@dataclass(frozen=True)
class NetworkPolicy:
    """Timeouts, retries, redirects and the transfer limits (speed floor, deadline per file).

    Tests shrink the waits; users get sane defaults, and the limits from the settings.
    """

    connect_timeout: float = 15.0
    read_timeout: float = 30.0
    attempts: int = 4
    backoff: float = 1.0  # seconds before the 2nd attempt; doubles each time
    max_wait: float = 30.0  # cap on any single wait, Retry-After and rate limits included
    max_redirects: int = 10
    limits: TransferLimits = field(default_factory=TransferLimits)


def ssl_context() -> ssl.SSLContext:
    """Trust what the user's environment trusts.

    ``SSL_CERT_FILE``/``SSL_CERT_DIR`` replace the defaults, as they do for OpenSSL, pip and
    curl. Otherwise the system store (through ``truststore`` where installed, as pip does); only
    a Python that finds no system certificates at all (python.org macOS builds) gets certifi's
    bundle instead. Loading certifi's 120 certificates on top of the system's, as this once did,
    cost every download some 15 ms and 1.2 MiB, for roots the system store already holds.
    """
    cafile = os.environ.get("SSL_CERT_FILE") or None
    capath = os.environ.get("SSL_CERT_DIR") or None
    if cafile or capath:
        try:
            return ssl.create_default_context(cafile=cafile, capath=capath)
        except (OSError, ssl.SSLError) as exc:
            raise DownloadError(
                f"cannot load the certificates named by SSL_CERT_FILE={cafile!r} / "
                f"SSL_CERT_DIR={capath!r}: {exc}. Fix or unset the variable."
            ) from exc
    try:
        import truststore

        context: ssl.SSLContext = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        return context
    except ImportError:
        pass
    context = ssl.create_default_context()
    if not context.cert_store_stats()["x509_ca"] and ssl.get_default_verify_paths().capath is None:
        try:
            import certifi

            context.load_verify_locations(cafile=certifi.where())
        except ImportError:
            pass
    return context


class _Routes(httpx.BaseTransport):
    """Sends each request direct or through the proxy the environment names for its host.

    One transport (and pool) for direct connections and one per proxy URL, made on first use
    and closed together. The environment is read once, when the downloader is made.
    """

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        self._proxies = urllib.request.getproxies()
        self._transports: dict[str | None, httpx.HTTPTransport] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        proxy = proxy_for(request.url.host, request.url.port, self._proxies)
        transport = self._transports.get(proxy)
        if transport is None:
            transport = self._transports[proxy] = self._open(proxy)
        return transport.handle_request(request)

    def _open(self, proxy: str | None) -> httpx.HTTPTransport:
        if proxy is None:
            return httpx.HTTPTransport(verify=self._context)
        try:
            shown = redact(proxy)
        except httpx.InvalidURL:
            shown = "(not a valid URL)"
        try:
            return httpx.HTTPTransport(verify=self._context, proxy=httpx.Proxy(proxy))
        except ImportError as exc:  # a socks5:// proxy without socksio
            raise DownloadError(
                f"the proxy {shown} (from HTTPS_PROXY or ALL_PROXY) is a SOCKS proxy, which needs "
                f"the socksio package ({exc}). Install it with: python -m pip install "
                "'httpx[socks]', or set NO_PROXY for the release host."
            ) from exc
        except (ValueError, httpx.InvalidURL) as exc:
            raise DownloadError(
                f"the proxy {shown} (from HTTPS_PROXY or ALL_PROXY) cannot be used: {exc}. "
                "Expected http://, https://, socks5:// or socks5h:// followed by host:port."
            ) from exc

    def close(self) -> None:
        for transport in self._transports.values():
            transport.close()
        self._transports.clear()


class Downloader:
    """Fetches URLs under one :class:`NetworkPolicy`, with one connection pool per route.

    Raises :class:`DownloadError` for every failure, with the URL (redacted) and a next step.
    """

    def __init__(
        self,
        policy: NetworkPolicy = NetworkPolicy(),
        *,
        token: str | None = None,
        user_agent: str = "python-goreleaser-wrapper",
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        show_progress: bool = False,
    ) -> None:
        self.policy = policy
        self._clock = clock
        # The sockets of this downloader's connections, for the watchdog (see _trace).
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self._show_progress = show_progress
        self._token = token
        self._sleep = sleep
        self._client = httpx.Client(
            transport=transport if transport is not None else _Routes(ssl_context()),
            trust_env=False,  # proxies are chosen by _Routes; certificates by ssl_context()
            follow_redirects=True,
            max_redirects=policy.max_redirects,
            event_hooks={"request": [_check_hop], "response": [_skip_redirect_body]},
            timeout=httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout),
            # Identity: a server that gzips a .tar.gz on the wire must not change the bytes we hash.
            headers={"User-Agent": user_agent, "Accept-Encoding": "identity"},
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Downloader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def fetch(self, url: str, *, limit: int) -> bytes:
        """Return a small file (checksums, a signature), refusing more than ``limit`` bytes."""
        chunks: list[bytes] = []

        def reset() -> None:
            chunks.clear()

        for _ in self._stream(url, limit=limit, reset=reset, sink=chunks.append):
            pass
        return b"".join(chunks)

    def download(self, url: str, out: IO[bytes], *, algorithm: str, limit: int) -> str:
        """Stream ``url`` into ``out`` while hashing; return the hex digest of what was written.

        A retry after a partial body starts the file and the hash over, so the digest always
        describes exactly the bytes in ``out``.
        """
        sink = HashingWriter(out, algorithm)
        progress = None
        if self._show_progress:
            from .progress import TerminalProgress

            progress = TerminalProgress(redact(url).rsplit("/", 1)[-1])
        try:
            for received, total in self._stream(
                url, limit=limit, reset=sink.restart, sink=sink.write
            ):
                if progress is not None:
                    progress.update(received, total)
        finally:
            if progress is not None:
                progress.close()
        return sink.hexdigest()

    def _stream(
        self, url: str, *, limit: int, reset: Callable[[], None], sink: Callable[[bytes], None]
    ) -> Iterator[tuple[int, int | None]]:
        """Deliver the body of ``url`` to ``sink``, retrying transient failures from scratch.

        Yields ``(bytes received, Content-Length or None)`` after each chunk. The whole, every
        attempt and wait included, is held to ``policy.limits`` (:class:`Pace`): too slow or
        too late raises :class:`DownloadTimeoutError`, which is not retried. A read still
        waiting when the pace is broken is cut short by a :class:`_Watchdog`.
        """
        pace = Pace(self.policy.limits, redact(url), _https_url(url).host, self._clock)
        with _Watchdog(pace, self._sockets):
            yield from self._attempts(url, pace, limit=limit, reset=reset, sink=sink)

    def _attempts(
        self,
        url: str,
        pace: Pace,
        *,
        limit: int,
        reset: Callable[[], None],
        sink: Callable[[bytes], None],
    ) -> Iterator[tuple[int, int | None]]:
        """:meth:`_stream`'s attempts, each held to ``pace``."""
        trouble = _Trouble()
        for attempt in range(1, self.policy.attempts + 1):
            reset()
            trouble.start_attempt()
            # No single wait may outlast the deadline, whatever the timeouts say.
            left = max(pace.remaining(), 0.001)
            timeout = httpx.Timeout(
                min(self.policy.read_timeout, left),
                connect=min(self.policy.connect_timeout, left),
            )
            pace.attempt(_https_url(url).host)  # waiting for the answer is a window too
            try:
                with self._open(url, timeout) as response:
                    pace.attempt(response.url.host)  # who answered, after any redirects
                    if not self._to_retry(response, url, attempt, trouble):
                        yield from self._body(response, pace, limit=limit, sink=sink)
                        return
            except httpx.TransportError as exc:
                self._failed(exc, pace, trouble)
            if attempt < self.policy.attempts:
                self._pause(attempt, pace, trouble)
        raise self._gave_up(url, pace.shown, trouble)

    def _to_retry(
        self, response: httpx.Response, url: str, attempt: int, trouble: _Trouble
    ) -> bool:
        """Whether ``response`` is an answer to try again (a rate limit, a 5xx, ...), noting
        why and how long to wait in ``trouble``. Raises for a rate limit too long to wait out."""
        trouble.status = status = response.status_code
        trouble.limited = limited = _rate_limit(response)
        if limited is not None:
            if limited.wait > self.policy.max_wait:
                raise self._rate_limited(url, status, limited)
            trouble.wait = limited.wait
            trouble.problem = f"the server answered {status} (rate limit)"
            return True
        if status in _RETRY_STATUSES:
            trouble.wait = _retry_after(response.headers, self.policy, attempt)
            trouble.problem = f"the server answered {status} {response.reason_phrase}"
            return True
        return False

    def _body(
        self, response: httpx.Response, pace: Pace, *, limit: int, sink: Callable[[bytes], None]
    ) -> Iterator[tuple[int, int | None]]:
        """Pass the body of a final answer to ``sink``, yielding ``(received, declared total)``."""
        _check_response(response, pace.shown, limit, self._token)
        declared = response.headers.get("Content-Length", "")
        total = int(declared) if declared.isdigit() else None
        received = 0
        # What each socket read delivers, as it comes: httpx's own chunking would copy every
        # byte twice more before ``sink`` copies it once.
        for chunk in response.iter_raw():
            received += len(chunk)
            if received > limit:
                raise DownloadError(
                    url=pace.shown,
                    status=response.status_code,
                    reason=f"the server sent more than the {_size(limit)} allowed for this file",
                    advice="The release location may be wrong.",
                )
            pace.received(len(chunk))
            sink(chunk)
            yield received, total

    def _failed(self, exc: httpx.TransportError, pace: Pace, trouble: _Trouble) -> None:
        """Note in ``trouble`` why an attempt failed; raise when trying again cannot help."""
        if isinstance(exc, httpx.TimeoutException):
            pace.received(0)  # past the deadline, or a trickle: say so
            trouble.timed_out = True
            trouble.problem = (
                f"no data for {self.policy.read_timeout:g} s (timeout: {type(exc).__name__})"
            )
        elif isinstance(exc, httpx.ProxyError):
            pace.received(0)
            trouble.problem = f"the proxy refused the connection ({exc})"
            if not str(exc)[:1] == "5":  # 407, bad credentials: the proxy's final answer
                raise DownloadError(_proxy_refused(pace.shown, exc)) from exc
        elif pace.stalled():  # the watchdog cut the read short (shut its socket)
            if trouble.stalled:  # twice: the server (or proxy), not the connection
                raise pace.stalled_again() from None
            trouble.stalled = trouble.timed_out = True
            trouble.problem = (
                f"no data for {self.policy.limits.speed_time:g} s (the transfer stalled)"
            )
        else:
            pace.received(0)  # past the deadline, or a trickle: say so
            trouble.problem = f"the connection failed ({_describe(exc)})"
            if _is_certificate_error(exc):  # retrying cannot make a certificate trusted
                raise DownloadError(url=pace.shown, reason=trouble.problem) from exc

    def _pause(self, attempt: int, pace: Pace, trouble: _Trouble) -> None:
        """Wait before attempt ``attempt + 1``: as the server asked, or backing off."""
        policy = self.policy
        delay = (
            trouble.wait
            if trouble.wait is not None
            else min(policy.backoff * 2 ** (attempt - 1), policy.max_wait)
        )
        if delay >= pace.remaining():
            raise pace.past_deadline(trouble.problem)
        pace.pause()
        _logger.info(f"{trouble.problem} while fetching {pace.shown}; retrying in {delay:g} s")
        self._sleep(delay)

    def _gave_up(self, url: str, shown: str, trouble: _Trouble) -> DownloadError:
        """The error after the last attempt failed as ``trouble`` says."""
        attempts = self.policy.attempts
        if trouble.limited is not None:
            return self._rate_limited(url, trouble.status, trouble.limited, attempts)
        return (DownloadTimeoutError if trouble.timed_out else DownloadError)(
            url=shown,
            status=trouble.status or None,
            reason=f"{trouble.problem}, after {attempts} attempts",
            advice="Check the network, any proxy (HTTPS_PROXY, NO_PROXY) and the release "
            "location, then try again.",
        )

    def _rate_limited(
        self, url: str, status: int, limited: _RateLimit, attempts: int | None = None
    ) -> DownloadError:
        """The error for a rate limit not waited out: when it resets, and what a token does."""
        when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(limited.resets_at))
        tried = (
            f"after {attempts} attempts"
            if attempts is not None
            else f"longer than the {self.policy.max_wait:g} s this waits"
        )
        advice = (
            "The GITHUB_TOKEN (or GH_TOKEN) sent has used up its own limit: wait until then, or "
            "use another token."
            if self._token and httpx.URL(url).host in GITHUB_HOSTS
            else "Set GITHUB_TOKEN (or GH_TOKEN) to a GitHub token, whose limit is far higher, "
            "or wait until then."
        )
        return DownloadError(
            url=url,
            status=status,
            reason=f"the server answered {status}, a rate limit that resets at {when} "
            f"(in {max(0.0, limited.resets_at - time.time()):.0f} s), {tried}",
            advice=advice,
        )

    @contextmanager
    def _open(self, url: str, timeout: httpx.Timeout) -> Iterator[httpx.Response]:
        """Send GET; httpx follows the redirects, each hop checked by :func:`_check_hop` first.

        The token goes to a GitHub host only; httpx drops it at the first redirect to another
        origin (scheme, host, port), and a later hop back to GitHub does not get it again.
        """
        start = _https_url(url)
        headers: dict[str, str] = {}
        if self._token and start.host in GITHUB_HOSTS:
            headers["Authorization"] = f"Bearer {self._token}"
        hops: list[httpx.URL] = []  # shared by every redirect request: see _check_hop
        request = self._client.build_request(
            "GET",
            start,
            headers=headers,
            timeout=timeout,
            extensions={_HOPS: hops, "trace": self._trace},
        )
        try:
            response = self._client.send(request, stream=True)
        except httpx.TooManyRedirects as exc:
            raise DownloadError(
                f"{redact(url)} redirected more than {self.policy.max_redirects} times; giving up"
            ) from exc
        try:
            yield response
        finally:
            response.close()

    def _trace(self, event: str, info: Mapping[str, Any]) -> None:
        """httpcore's trace hook: keep the socket of each connection made (directly, or through
        a proxy), so that a :class:`_Watchdog` can cut short a read waiting on it."""
        if event.endswith((".connect_tcp.complete", ".start_tls.complete")):
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(sock, socket.socket):
                self._sockets.add(sock)


class _Watchdog:
    """A thread that cuts short a read the pace has given up on, while a file downloads.

    The timeouts of httpx bound each read; a server that sends a byte now and then, or an
    answer that never comes, is stopped by :class:`Pace`, but only when a read returns. So
    this thread looks at the pace four times a second and, once it is broken, shuts down the
    downloader's sockets: the waiting read fails at once, and the download's own error handler
    asks the pace, which says why. Only sockets are shut down, never closed (their owner, httpx,
    closes them); the connections of a downloader serve one download at a time.
    """

    def __init__(self, pace: Pace, sockets: weakref.WeakSet[socket.socket]) -> None:
        self._pace, self._sockets = pace, sockets
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="download-watchdog", daemon=True)

    def __enter__(self) -> _Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        fired: object = None  # the window already cut short: once is enough
        while not self._stop.wait(0.25):
            window = self._pace.window
            if window is fired or not self._pace.overdue():
                continue
            fired = window
            for sock in list(self._sockets):
                with suppress(OSError):  # closed meanwhile, or never connected
                    # socket.socket's own shutdown, also for an SSLSocket: its override would
                    # drop the TLS object under the reading thread.
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _check_hop(request: httpx.Request) -> None:
    """httpx's request hook: refuse a redirect to plain http, or back to where it has been,
    before anything is sent to it.

    httpx builds each redirect request with the very ``extensions`` of the one before
    (``Client._build_redirect_request``, httpx 0.27 and 0.28), so the list of URLs visited,
    made in ``Downloader._open``, rides along under ``_HOPS``.
    """
    hops: list[httpx.URL] = request.extensions[_HOPS]
    if hops and request.url.scheme != "https":
        raise DownloadError(
            f"{redact(hops[-1])} redirected to {redact(request.url)}, which is not HTTPS; "
            "refusing to download over an unencrypted connection. The release location "
            "or a proxy is misconfigured."
        )
    if request.url in hops:
        raise DownloadError(f"{redact(hops[0])} redirects in a loop (at {redact(request.url)})")
    hops.append(request.url)


def _skip_redirect_body(response: httpx.Response) -> None:
    """httpx's response hook: close a redirect's body unread, where httpx would read it whole.

    Nothing bounds its size and nothing in it is needed (only ``Location`` is).
    """
    if response.has_redirect_location and isinstance(response.stream, httpx.SyncByteStream):
        response.stream.close()  # releases the connection, as closing the response would
        response.stream = httpx.ByteStream(b"")


def _https_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise DownloadError(f"{url!r} is not a valid URL: {exc}") from exc
    if parsed.scheme != "https":
        raise DownloadError(
            f"{redact(parsed)} is not an https URL; releases are only downloaded over HTTPS "
            "(a local directory also works as a release location)"
        )
    return parsed


def _check_response(response: httpx.Response, shown: str, limit: int, token: str | None) -> None:
    """Raise for an answer that is not the file: absent, refused, an error page, too large
    (:func:`_check_content`)."""
    status = response.status_code
    # The host that answered, named when a redirect led elsewhere (GitHub's storage host).
    host = response.url.host
    history = response.history
    by = f" by {host}, where {history[0].url.host} redirected" if history else ""
    if status in (404, 410):
        where, _, asset = shown.rpartition("/")
        raise AssetNotFoundError(
            asset=asset, where=where + "/", url=shown, status=status, reason=f"{status}{by}"
        )
    if status == 407:
        raise DownloadError(
            url=shown,
            status=status,
            reason=f"refused by the proxy (407 {response.reason_phrase})",
            advice="Check the user and password in HTTPS_PROXY "
            "(http://user:password@host:port), or set NO_PROXY.",
        )
    if status in (401, 403):
        raise DownloadError(
            url=shown,
            status=status,
            reason=f"refused ({status} {response.reason_phrase}{by})",
            advice=_refusal_advice(
                host,
                token_set=bool(token),
                token_sent="Authorization" in response.request.headers,
                redirected=bool(history),
            ),
        )
    if status != 200:
        raise DownloadError(
            url=shown,
            status=status,
            reason=f"the server answered {status} {response.reason_phrase}; expected 200",
        )
    _check_content(response, shown, limit)


def _check_content(response: httpx.Response, shown: str, limit: int) -> None:
    """Raise for a 200 that is not the file: an HTML page, or more than ``limit`` bytes."""
    status = response.status_code
    content_type = response.headers.get("Content-Type", "")
    if content_type.split(";")[0].strip().lower() in {"text/html", "application/xhtml+xml"}:
        raise DownloadError(
            url=shown,
            status=status,
            reason="the server returned an HTML page instead of the file",
            advice="A proxy login page or captive portal may be in the way; open the URL in a "
            "browser, or set HTTPS_PROXY.",
        )
    declared = response.headers.get("Content-Length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise DownloadError(
            url=shown,
            status=status,
            reason=f"it is {_size(int(declared))}, more than the {_size(limit)} allowed for "
            "this file",
            advice="The release location may be wrong.",
        )


def _refusal_advice(host: str, *, token_set: bool, token_sent: bool, redirected: bool) -> str:
    """What to do about a 401/403 that is not a rate limit: setting a token helps only at
    GitHub's own hosts, and only when none is set; one that was sent was refused."""
    if token_sent:
        return (
            "The GITHUB_TOKEN (or GH_TOKEN) sent was not accepted: it may have expired or "
            "lack read access to this repository's releases."
        )
    if host in GITHUB_HOSTS:
        if not token_set:
            return "For a private repository or a rate limit, set GITHUB_TOKEN."
    elif redirected:  # GitHub's storage host, or a mirror's: a signed URL, never a token
        return (
            "A redirect target refuses when its signed URL has expired or a proxy rewrites it "
            "(no token is sent there): try again, and check any proxy (HTTPS_PROXY, NO_PROXY)."
        )
    return "The server does not let this file be read: check the release location."


@dataclass
class _Trouble:
    """What went wrong with the attempts so far, for the next wait and the final message."""

    problem: str = ""  # the last attempt's failure, in words
    wait: float | None = None  # seconds the server asked for before the next attempt
    limited: _RateLimit | None = None  # the last answer was a rate limit
    status: int = 0  # the last answer's HTTP status
    timed_out: bool = False  # the last attempt ended waiting for data
    stalled: bool = False  # an attempt has stalled: a second stall is final

    def start_attempt(self) -> None:
        self.wait, self.limited, self.timed_out = None, None, False


@dataclass(frozen=True)
class _RateLimit:
    wait: float  # seconds the server asks for, uncapped
    resets_at: float  # epoch seconds


def _rate_limit(response: httpx.Response) -> _RateLimit | None:
    """A rate limit, as GitHub answers it: 403 or 429 with ``Retry-After`` (secondary limits)
    or with ``x-ratelimit-remaining: 0`` and ``x-ratelimit-reset`` (epoch seconds; primary)."""
    if response.status_code not in _RATE_LIMIT_STATUSES:
        return None
    headers = response.headers
    wait = _server_wait(headers)
    if wait is None and headers.get("x-ratelimit-remaining", "").strip() == "0":
        reset = headers.get("x-ratelimit-reset", "").strip()
        if reset.isdigit():
            wait = max(0.0, int(reset) - time.time())
    if wait is None:
        return None  # a plain 403 (no access) is final; a plain 429 is retried with backoff
    return _RateLimit(wait, time.time() + wait)


def _retry_after(headers: Mapping[str, str], policy: NetworkPolicy, attempt: int) -> float:
    """Seconds to wait before retrying: the server's Retry-After if any, capped; else backoff."""
    wait = _server_wait(headers)
    if wait is None:
        wait = policy.backoff * 2 ** (attempt - 1)
    return min(wait, policy.max_wait)


def _server_wait(headers: Mapping[str, str]) -> float | None:
    """The seconds ``Retry-After`` asks for (RFC 9110 10.2.3: seconds or an HTTP date)."""
    value = headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    if not value:
        return None
    import email.utils  # only for a dated Retry-After; it costs 5 ms to import

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _proxy_refused(shown: str, exc: httpx.ProxyError) -> str:
    return (
        f"could not download {shown}: the proxy refused it ({exc}). A proxy's refusal is final: "
        "check the user and password in HTTPS_PROXY or ALL_PROXY "
        "(http://user:password@host:port), or set NO_PROXY for the release host."
    )


def _is_certificate_error(exc: httpx.TransportError) -> bool:
    return isinstance(exc, httpx.ConnectError) and "CERTIFICATE_VERIFY_FAILED" in str(exc)


def _describe(exc: httpx.TransportError) -> str:
    text = str(exc) or type(exc).__name__
    if _is_certificate_error(exc):
        return (
            f"{text}; the server's certificate is not trusted: if a proxy or private CA signs "
            "it, point SSL_CERT_FILE at that CA's certificate"
        )
    return text


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB" if n >= 1 << 20 else f"{n} bytes"
