"""A SOCKS5 proxy on loopback (RFC 1928, with RFC 1929 user/password), recording each CONNECT.

Enough of SOCKS5 to prove that downloads go through ``ALL_PROXY=socks5://...``: the no-auth
and user/password methods, CONNECT to an IPv4, IPv6 or domain address, then bytes copied both
ways. Only loopback targets are tunnelled, so a misdirected test never leaves the machine.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading

from support.proxy import LOOPBACK, LoopbackServer, pump


class SocksProxy(LoopbackServer):
    """``with SocksProxy() as proxy``: set ``ALL_PROXY=proxy.url``; see ``connects``."""

    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        self.connects: list[str] = []
        lock = threading.Lock()
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                version, count = self.rfile.read(2)
                methods = self.rfile.read(count)
                wanted = 0x02 if credentials else 0x00
                if version != 5 or wanted not in methods:
                    self.wfile.write(b"\x05\xff")  # no acceptable method
                    return
                self.wfile.write(bytes([5, wanted]))
                if credentials and not self._authenticated(credentials):
                    return
                _, command, _, kind = self.rfile.read(4)
                if kind == 1:
                    host = socket.inet_ntop(socket.AF_INET, self.rfile.read(4))
                elif kind == 4:
                    host = socket.inet_ntop(socket.AF_INET6, self.rfile.read(16))
                else:
                    host = self.rfile.read(self.rfile.read(1)[0]).decode("idna")
                (port,) = struct.unpack("!H", self.rfile.read(2))
                if command != 1 or host not in LOOPBACK:
                    self.wfile.write(b"\x05\x02\x00\x01" + bytes(6))  # not allowed by ruleset
                    return
                with lock:
                    outer.connects.append(f"{host}:{port}")
                upstream = socket.create_connection((host, port), timeout=30)
                self.wfile.write(b"\x05\x00\x00\x01" + bytes(6))  # succeeded
                self.wfile.flush()
                pump(self.connection, upstream)

            def _authenticated(self, expected: tuple[str, str]) -> bool:
                self.rfile.read(1)  # sub-negotiation version
                user = self.rfile.read(self.rfile.read(1)[0]).decode()
                password = self.rfile.read(self.rfile.read(1)[0]).decode()
                ok = (user, password) == expected
                self.wfile.write(b"\x01\x00" if ok else b"\x01\x01")
                return ok

        super().__init__(Handler)
        userinfo = f"{credentials[0]}:{credentials[1]}@" if credentials else ""
        self.url = f"socks5://{userinfo}127.0.0.1:{self.port}"
