"""A real HTTPS server on 127.0.0.1 serving a release directory, recording every request.

TLS uses a throwaway CA from ``trustme``; clients trust it through ``SSL_CERT_FILE``. A test can
make one path misbehave (redirect, status, anything) through ``routes``, and check afterwards
which requests arrived and with which headers.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

import trustme

Route = Callable[[BaseHTTPRequestHandler], None]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]


def ca_bundle(ca: trustme.CA, path: Path) -> Path:
    """Write the CA's certificate (PEM) where SSL_CERT_FILE can point."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ca.cert_pem.write_to_path(str(path))
    return path


class ReleaseServer:
    """Serves ``root`` over HTTPS (or plain HTTP with ``ca=None``) on an OS-assigned port."""

    def __init__(self, root: Path, ca: trustme.CA | None) -> None:
        self.root = root.resolve()
        self.requests: list[RecordedRequest] = []
        self.routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        context: ssl.SSLContext | None = None
        if ca is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                if (
                    context is not None
                ):  # handshake in this connection's thread, not the accept loop
                    self.request = context.wrap_socket(self.request, server_side=True)
                super().setup()

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                outer._handle(self, body=True)

            def do_HEAD(self) -> None:
                outer._handle(self, body=False)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # clients that reject our certificate or hang up are part of the tests

        self._server = Server(("127.0.0.1", 0), Handler)
        scheme = "https" if context is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    # --- behaviour overrides -------------------------------------------------------------

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        def route(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(status)
            handler.send_header("Location", location)
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        self.routes[path] = route

    def respond(
        self, path: str, status: int, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> None:
        def route(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(status)
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(body)

        self.routes[path] = route

    def presigned(self, path: str, query: str) -> None:
        """Serve ``path`` only to a request carrying exactly ``query``, as blob storage serves a
        pre-signed URL; anything else gets 403."""

        def route(handler: BaseHTTPRequestHandler) -> None:
            if urlsplit(handler.path).query != query:
                handler.send_error(403)
                return
            self._serve_file(handler, path, body=handler.command != "HEAD")

        self.routes[path] = route

    def stall(self, path: str, after: int, release: threading.Event) -> None:
        """Serve ``path`` (a file under root) but stop after ``after`` bytes until ``release``."""

        def route(handler: BaseHTTPRequestHandler) -> None:
            data = (self.root / path.lstrip("/")).read_bytes()
            handler.send_response(200)
            handler.send_header("Content-Type", "application/octet-stream")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data[:after])
            handler.wfile.flush()
            release.wait(120)

        self.routes[path] = route

    def trickle(
        self,
        path: str,
        every: float,
        piece: int = 1,
        *,
        longest: float = 120,
        head: bool = False,
    ) -> None:
        """Serve ``path`` (a file under root) under its true Content-Length, ``piece`` bytes
        every ``every`` seconds: a server (or proxy) that never stalls long enough for a read
        timeout. With ``head``, the status line and headers trickle too. Stops when the client
        hangs up, the file is sent, or after ``longest`` s."""

        def route(handler: BaseHTTPRequestHandler) -> None:
            data = (self.root / path.lstrip("/")).read_bytes()
            handler.close_connection = True
            stop = time.monotonic() + longest
            answer = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                f"Content-Length: {len(data)}\r\n\r\n"
            ).encode()
            if head:
                data = answer + data
            else:
                handler.wfile.write(answer)
                handler.wfile.flush()
            for start in range(0, len(data), piece):
                if time.monotonic() > stop:
                    return
                try:
                    handler.wfile.write(data[start : start + piece])
                    handler.wfile.flush()
                except OSError:  # the client gave up, as it should
                    return
                time.sleep(every)

        self.routes[path] = route

    def fail_then_serve(
        self, path: str, statuses: list[int], headers: dict[str, str] | None = None
    ) -> None:
        """Answer ``path`` with each status in turn (a 503, a 429, ...), then serve the file."""
        pending = list(statuses)

        def route(handler: BaseHTTPRequestHandler) -> None:
            if not pending:
                self._serve_file(handler, path, body=True)
                return
            handler.send_response(pending.pop(0))
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        self.routes[path] = route

    def cut_short(
        self, path: str, keep: int, *, times: int = 1_000_000, reset: bool = False
    ) -> None:
        """Declare the whole file but send ``keep`` bytes, then hang up (with a TCP reset if
        ``reset``); after ``times`` such answers, serve the file properly."""
        left = [times]

        def route(handler: BaseHTTPRequestHandler) -> None:
            if left[0] <= 0:
                self._serve_file(handler, path, body=True)
                return
            left[0] -= 1
            data = (self.root / path.lstrip("/")).read_bytes()
            handler.send_response(200)
            handler.send_header("Content-Type", "application/octet-stream")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data[:keep])
            handler.wfile.flush()
            handler.close_connection = True
            if reset:
                raw = handler.connection
                raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                raw.close()

        self.routes[path] = route

    def short_length(self, path: str, declared: int) -> None:
        """Send the whole file under a Content-Length that claims only ``declared`` bytes."""

        def route(handler: BaseHTTPRequestHandler) -> None:
            data = (self.root / path.lstrip("/")).read_bytes()
            handler.send_response(200)
            handler.send_header("Content-Type", "application/octet-stream")
            handler.send_header("Content-Length", str(declared))
            handler.end_headers()
            handler.wfile.write(data)
            handler.close_connection = True

        self.routes[path] = route

    # --- serving ---------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, body: bool) -> None:
        path = unquote(urlsplit(handler.path).path)
        with self._lock:
            self.requests.append(
                RecordedRequest(handler.command, path, dict(handler.headers.items()))
            )
        route = self.routes.get(path)
        if route is not None:
            route(handler)
            return
        self._serve_file(handler, path, body)

    def _serve_file(self, handler: BaseHTTPRequestHandler, path: str, body: bool) -> None:
        file = (self.root / path.lstrip("/")).resolve()
        if not file.is_relative_to(self.root) or not file.is_file():
            handler.send_error(404)
            return
        handler.send_response(200)
        handler.send_header("Content-Type", "application/octet-stream")
        handler.send_header("Content-Length", str(file.stat().st_size))
        handler.end_headers()
        if body:
            with file.open("rb") as source:
                shutil.copyfileobj(source, handler.wfile, 1 << 20)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ReleaseServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
