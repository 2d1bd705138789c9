"""A forward proxy on loopback that tunnels CONNECT requests and records them.

Enough of an HTTP proxy to prove that downloads honour HTTPS_PROXY and NO_PROXY: it answers
``CONNECT host:port`` with 200 and then copies bytes both ways. With ``credentials`` it demands
them (``Proxy-Authorization: Basic``) and answers 407 otherwise, as a corporate proxy does.
Only loopback targets are tunnelled; anything else is refused, so a misdirected test can never
leave the machine.
"""

from __future__ import annotations

import base64
import select
import socket
import socketserver
import threading
from types import TracebackType
from typing import TypeVar

LOOPBACK = {"127.0.0.1", "localhost", "::1"}  # the only targets a test proxy tunnels to

_S = TypeVar("_S", bound="LoopbackServer")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class LoopbackServer:
    """A threading TCP server on 127.0.0.1 (``port``), served while the ``with`` block runs."""

    def __init__(self, handler: type[socketserver.BaseRequestHandler]) -> None:
        self._server = _Server(("127.0.0.1", 0), handler)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self: _S) -> _S:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()


class ConnectProxy(LoopbackServer):
    """Use as ``with ConnectProxy() as proxy``, set ``HTTPS_PROXY=proxy.url``; see ``connects``."""

    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        self.connects: list[str] = []
        self.refused = 0  # CONNECTs answered 407
        lock = threading.Lock()
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                request_line = self.rfile.readline(65536).decode("latin-1").strip()
                headers: dict[str, str] = {}
                while (line := self.rfile.readline(65536)) not in (b"\r\n", b"\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                if credentials is not None:
                    token = base64.b64encode(":".join(credentials).encode()).decode()
                    if headers.get("proxy-authorization") != f"Basic {token}":
                        with lock:
                            outer.refused += 1
                        self.wfile.write(
                            b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                            b'Proxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n'
                        )
                        return
                method, _, rest = request_line.partition(" ")
                target = rest.split(" ", 1)[0]
                host, _, port = target.rpartition(":")
                if method != "CONNECT" or host.strip("[]") not in LOOPBACK or not port.isdigit():
                    self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                    return
                with lock:
                    outer.connects.append(target)
                upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=30)
                self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self.wfile.flush()
                pump(self.connection, upstream)

        super().__init__(Handler)
        self.url = f"http://127.0.0.1:{self.port}"


def pump(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways between two sockets until either side hangs up."""
    sockets = [a, b]
    try:
        while True:
            readable, _, _ = select.select(sockets, [], [], 30)
            if not readable:
                return
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                (b if sock is a else a).sendall(data)
    finally:
        b.close()
