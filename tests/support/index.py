"""A real PEP 503 package index on loopback: pypiserver, filled with ``twine upload``.

The index serves only what the test puts in it (``--disable-fallback``: never a redirect to
PyPI), on 127.0.0.1, without authentication, and logs every request to a file the tests read.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PackageIndex:
    """``with PackageIndex(directory) as index:`` serves ``directory`` at ``index.url``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.log = directory.parent / f"{directory.name}.log"
        self.port = _free_port()
        self.root = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.root}/simple/"
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> PackageIndex:
        command = [
            sys.executable, "-m", "pypiserver", "run",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--authenticate", ".", "--passwords", ".",  # uploads without accounts
            "--disable-fallback",  # never send pip to PyPI for what is missing
            "--server", "wsgiref", "--hash-algo", "sha256",
            "--log-file", str(self.log), "-v",
            str(self.directory),
        ]  # fmt: skip
        self._process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{self.root}/health", timeout=2):
                    return self
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    self.__exit__(None, None, None)
                    raise RuntimeError(f"pypiserver did not start: see {self.log}") from None
                time.sleep(0.2)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def upload(self, files: Iterable[Path]) -> None:
        """``twine upload`` to this index, as a release pipeline publishes."""
        names = [str(f) for f in files]
        env = {**os.environ, "TWINE_USERNAME": "test", "TWINE_PASSWORD": "test"}
        env.pop("TWINE_REPOSITORY_URL", None)
        result = subprocess.run(
            [sys.executable, "-m", "twine", "upload", "--non-interactive", "--disable-progress-bar",
             "--repository-url", f"{self.root}/", *names],
            capture_output=True, text=True, env=env, timeout=300,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"twine upload failed:\n{result.stdout}\n{result.stderr}")

    def add(self, files: Iterable[Path]) -> None:
        """Place third-party wheels (the build requirements) in the index's folder directly."""
        for file in files:
            shutil.copy2(file, self.directory / file.name)

    def requested(self) -> str:
        """Every request logged so far, one per line."""
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
