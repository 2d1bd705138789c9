"""Fresh virtual environments whose pip can never reach an index."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Venv:
    path: Path

    @classmethod
    def create(cls, path: Path) -> Venv:
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, capture_output=True)
        return cls(path)

    @property
    def bin_dir(self) -> Path:
        return self.path / ("Scripts" if os.name == "nt" else "bin")

    @property
    def python(self) -> Path:
        return self.bin_dir / ("python.exe" if os.name == "nt" else "python")

    def script(self, name: str) -> Path:
        return self.bin_dir / (f"{name}.exe" if os.name == "nt" else name)

    def environ(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        # The host's PIP_* settings (extra indexes, find-links) must not reach the tests' pips.
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
        merged = {**inherited, **(env or {})}
        merged["PATH"] = str(self.bin_dir) + os.pathsep + merged.get("PATH", "")
        merged.pop("PYTHONPATH", None)
        return merged

    def pip(
        self, *args: str, env: Mapping[str, str] | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """Run pip with the host's pip.conf ignored and no index, unless ``env`` says otherwise."""
        settings = {
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_NO_INDEX": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
        return subprocess.run(
            [str(self.python), "-m", "pip", "--no-input", *args],
            env=self.environ({**settings, **(env or {})}),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def install(
        self, *requirements: str, wheelhouse: Path, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``pip install -v`` with no index: the isolated build gets its wheels from
        ``wheelhouse``, and ``-v`` shows the build hook's lines for the tests to read."""
        args = ["install", "-v", "--no-index", "--no-cache-dir", "--find-links", str(wheelhouse)]
        return self.pip(*args, *requirements, env=env)

    def run(
        self,
        *args: str | os.PathLike[str],
        env: Mapping[str, str] | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(a) for a in args],
            env=self.environ(env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
