"""HTTPS downloads that stream, hash as they write, retry what is worth retrying, and fail clearly.

This is the only module that imports httpx. Every httpx exception is translated here into a
:class:`DownloadError` whose message names the URL (never a token) and says what to do.
Redirects are followed by hand so that each hop can be checked: plain http is refused, and a
GitHub token is sent only to the GitHub host the download started at.
"""

from __future__ import annotations

import hashlib
import logging
import os
import ssl
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from .errors import DownloadError


def _import_httpx() -> None:
    """Import httpx without its command-line client.

    ``import httpx`` also imports ``httpx._main`` (click, rich, pygments) whenever those happen
    to be installed, as they are in many development environments: about 6 MiB and 40 ms that
    a download never uses. A ``None`` in ``sys.modules`` makes that import fail, which httpx
    handles by design (its ``main`` then only says the CLI extra is missing; the ``httpx``
    command runs in a process of its own, so it is unaffected). The entry is removed again, so
    nothing else in the process is kept from importing the module.
    """
    name = "httpx._main"
    if "httpx" in sys.modules or name in sys.modules:
        return
    sys.modules[name] = None  # type: ignore[assignment]
    try:
        import httpx  # noqa: F401
    finally:
        if sys.modules.get(name, ...) is None:
            del sys.modules[name]


_import_httpx()
import httpx  # noqa: E402

__all__ = ["Downloader", "NetworkPolicy", "redact", "ssl_context"]

# Hosts that may receive GITHUB_TOKEN: release downloads and the API. Assets redirect to
# objects.githubusercontent.com (a signed URL), which must never see the token.
GITHUB_HOSTS = frozenset({"github.com", "api.github.com"})
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Bytes gathered before each hash update and write. The socket delivers at most one TLS record
# (16 KiB) per read; gathering them into one reusable buffer makes ~40x fewer writes and keeps
# memory flat, where asking httpx for 1 MiB chunks cost three transient copies of each (~3 MiB).
_BLOCK = 256 << 10

# httpx logs every request (full URL included) at INFO; build backends show INFO. Our own log
# lines say what matters, with credentials redacted.
logging.getLogger("httpx").setLevel(logging.WARNING)


@dataclass(frozen=True)
class NetworkPolicy:
    """Timeouts, retries and redirects. Tests shrink the waits; users get sane defaults."""

    connect_timeout: float = 15.0
    read_timeout: float = 30.0
    attempts: int = 4
    backoff: float = 1.0  # seconds before the 2nd attempt; doubles each time
    max_wait: float = 30.0  # cap on any single wait, Retry-After included
    max_redirects: int = 10


def redact(url: httpx.URL | str) -> str:
    """The URL without user:password or query, for messages and logs.

    The query goes too: on a pre-signed URL (GitHub's asset redirects, attestation bundles in
    blob storage) it is the credential, and it says nothing the reader needs.
    """
    parsed = httpx.URL(str(url))
    if not parsed.userinfo and not parsed.query:
        return str(parsed)
    shown = str(parsed.copy_with(username=None, password=None, query=None))
    return shown + "?..." if parsed.query else shown


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


class Downloader:
    """Fetches URLs under one :class:`NetworkPolicy`, with one connection pool."""

    def __init__(
        self,
        policy: NetworkPolicy = NetworkPolicy(),
        *,
        token: str | None = None,
        user_agent: str = "python-goreleaser-wrapper",
        transport: httpx.BaseTransport | None = None,
        log: Callable[[str], None] = lambda message: None,
        sleep: Callable[[float], None] = time.sleep,
        show_progress: bool = False,
    ) -> None:
        self.policy = policy
        self._show_progress = show_progress
        self._token = token
        self._log = log
        self._sleep = sleep
        self._client = httpx.Client(
            verify=ssl_context() if transport is None else True,
            transport=transport,
            trust_env=True,  # HTTPS_PROXY, NO_PROXY, ALL_PROXY
            follow_redirects=False,
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
        hasher = hashlib.new(algorithm)
        block = memoryview(bytearray(_BLOCK))
        filled = 0

        def flush() -> None:
            nonlocal filled
            if filled:
                hasher.update(block[:filled])
                out.write(block[:filled])
                filled = 0

        def reset() -> None:
            nonlocal hasher, filled
            hasher = hashlib.new(algorithm)
            filled = 0
            # Truncate only what is there (a retry's partial body): on ext4, truncating a file
            # to empty marks it to flush all its data on close, 30 ms per 100 MB, for nothing.
            if out.seek(0, os.SEEK_END):
                out.seek(0)
                out.truncate()

        def sink(chunk: bytes) -> None:
            nonlocal filled
            size = len(chunk)
            if filled + size > _BLOCK:
                flush()
                if size > _BLOCK:  # a transport that hands over large pieces: no copy needed
                    hasher.update(chunk)
                    out.write(chunk)
                    return
            block[filled : filled + size] = chunk
            filled += size

        progress = None
        if self._show_progress:
            from .progress import TerminalProgress

            progress = TerminalProgress(redact(url).rsplit("/", 1)[-1])
        try:
            for received, total in self._stream(url, limit=limit, reset=reset, sink=sink):
                if progress is not None:
                    progress.update(received, total)
            flush()
        finally:
            if progress is not None:
                progress.close()
        return hasher.hexdigest()

    def _stream(
        self, url: str, *, limit: int, reset: Callable[[], None], sink: Callable[[bytes], None]
    ) -> Iterator[tuple[int, int | None]]:
        """Deliver the body of ``url`` to ``sink``, retrying transient failures from scratch.

        Yields ``(bytes received, Content-Length or None)`` after each chunk.
        """
        policy = self.policy
        shown = redact(url)
        for attempt in range(1, policy.attempts + 1):
            reset()
            wait: float | None = None
            try:
                with self._open(url) as response:
                    if response.status_code in _RETRY_STATUSES:
                        wait = _retry_after(response.headers, policy, attempt)
                        problem = (
                            f"the server answered {response.status_code} {response.reason_phrase}"
                        )
                    else:
                        _check_response(response, shown, limit)
                        declared = response.headers.get("Content-Length", "")
                        total = int(declared) if declared.isdigit() else None
                        received = 0
                        # What each socket read delivers, as it comes: httpx's own chunking
                        # would copy every byte twice more before ``sink`` copies it once.
                        for chunk in response.iter_raw():
                            received += len(chunk)
                            if received > limit:
                                raise DownloadError(
                                    f"{shown} sent more than the {_size(limit)} allowed for this "
                                    "file; refusing it. The release location may be wrong."
                                )
                            sink(chunk)
                            yield received, total
                        return
            except httpx.TimeoutException as exc:
                problem = f"no data for {policy.read_timeout:g} s (timeout: {type(exc).__name__})"
            except httpx.TransportError as exc:
                problem = f"the connection failed ({_describe(exc)})"
                if _is_certificate_error(exc):  # retrying cannot make a certificate trusted
                    raise DownloadError(f"could not download {shown}: {problem}") from exc
            if attempt < policy.attempts:
                delay = (
                    wait
                    if wait is not None
                    else min(policy.backoff * 2 ** (attempt - 1), policy.max_wait)
                )
                self._log(f"{problem} while fetching {shown}; retrying in {delay:g} s")
                self._sleep(delay)
        raise DownloadError(
            f"could not download {shown}: {problem}, after {policy.attempts} attempts. Check the "
            "network, any proxy (HTTPS_PROXY, NO_PROXY) and the release location, then try again."
        )

    @contextmanager
    def _open(self, url: str) -> Iterator[httpx.Response]:
        """Send GET and follow redirects by hand, checking every hop."""
        current = _https_url(url)
        start_host = current.host
        seen: set[str] = set()
        for _ in range(self.policy.max_redirects + 1):
            headers: dict[str, str] = {}
            if self._token and current.host == start_host and current.host in GITHUB_HOSTS:
                headers["Authorization"] = f"Bearer {self._token}"
            request = self._client.build_request("GET", current, headers=headers)
            response = self._client.send(request, stream=True)
            if not response.is_redirect:
                try:
                    yield response
                finally:
                    response.close()
                return
            response.close()
            location = response.headers.get("Location", "")
            target = current.join(location)
            if target.scheme != "https":
                raise DownloadError(
                    f"{redact(current)} redirected to {redact(target)}, which is not HTTPS; "
                    "refusing to download over an unencrypted connection. The release location "
                    "or a proxy is misconfigured."
                )
            key = str(target)
            if key in seen:
                raise DownloadError(f"{redact(url)} redirects in a loop (at {redact(target)})")
            seen.add(key)
            current = target
        raise DownloadError(
            f"{redact(url)} redirected more than {self.policy.max_redirects} times; giving up"
        )


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


def _check_response(response: httpx.Response, shown: str, limit: int) -> None:
    status = response.status_code
    if status == 404:
        raise DownloadError(
            f"{shown} was not found (404). The release may not exist for this version, or the "
            "release location may be wrong."
        )
    if status in (401, 403):
        raise DownloadError(
            f"{shown} was refused ({status} {response.reason_phrase}). For a private repository "
            "or a rate limit, set GITHUB_TOKEN."
        )
    if status != 200:
        raise DownloadError(f"{shown} answered {status} {response.reason_phrase}; expected 200")
    content_type = response.headers.get("Content-Type", "")
    if content_type.split(";")[0].strip().lower() in {"text/html", "application/xhtml+xml"}:
        raise DownloadError(
            f"{shown} returned an HTML page instead of the file. A proxy login page or captive "
            "portal may be in the way; open the URL in a browser, or set HTTPS_PROXY."
        )
    declared = response.headers.get("Content-Length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise DownloadError(
            f"{shown} is {_size(int(declared))}, more than the {_size(limit)} allowed for this "
            "file; refusing it. The release location may be wrong."
        )


def _retry_after(headers: Mapping[str, str], policy: NetworkPolicy, attempt: int) -> float:
    """Seconds to wait before retrying: the server's Retry-After if any, capped; else backoff."""
    value = headers.get("Retry-After", "").strip()
    wait: float | None = None
    if value.isdigit():
        wait = float(value)
    elif value:
        import email.utils  # only for a dated Retry-After; it costs 5 ms to import

        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            wait = max(0.0, when.timestamp() - time.time())
    if wait is None:
        wait = policy.backoff * 2 ** (attempt - 1)
    return min(wait, policy.max_wait)


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
