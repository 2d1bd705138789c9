"""The real release tools the tests use as oracles: GoReleaser, cosign and syft, built from source.

Each is built once with ``go install MODULE@VERSION`` through the Go module proxy into a
per-version folder of the user's cache (``$XDG_CACHE_HOME/cerebrium-tests/gotools``), with Go's
own build and module caches, so a machine that kept its caches rebuilds nothing. ``nox -s
tools`` (run by ``.ci/run`` before the tests) builds them; a test that needs one and finds it
missing fails, naming the command that builds it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TOOLS", "Tool", "install", "tool_path"]


@dataclass(frozen=True)
class Tool:
    name: str
    module: str  # the main package's import path
    version: str
    binary: str = ""  # what ``go install`` names it, when not ``name``

    @property
    def spec(self) -> str:
        return f"{self.module}@{self.version}"


# GoReleaser v2.15.1 builds with Go 1.26 (newer releases need a newer Go); cosign is the v2 line
# GoReleaser's own go.mod uses; syft as the issue "Real releases" names it.
TOOLS = {
    tool.name: tool
    for tool in (
        Tool("goreleaser", "github.com/goreleaser/goreleaser/v2", "v2.15.1"),
        Tool("cosign", "github.com/sigstore/cosign/v2/cmd/cosign", "v2.6.2"),
        Tool("syft", "github.com/anchore/syft/cmd/syft", "v1.57.1"),
        # cosign v3 writes only the new bundle format (sigstore/cosign#4505). Not built by `nox
        # -s tools`: the tests that use it skip, saying how to build it, when it is missing.
        Tool("cosign-v3", "github.com/sigstore/cosign/v3/cmd/cosign", "v3.1.3", "cosign"),
    )
}


def _root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cerebrium-tests" / "gotools"


def tool_path(name: str) -> Path:
    """Where the tool ``name`` is (or will be) installed."""
    tool = TOOLS[name]
    return _root() / f"{tool.name}-{tool.version}" / (tool.binary or tool.name)


def install(name: str) -> Path:
    """Build ``name`` unless it is already there; return its path. Raises RuntimeError."""
    path = tool_path(name)
    if path.is_file():
        return path
    tool = TOOLS[name]
    # GOTOOLCHAIN=auto: a Go older than the tool needs fetches the right one from the module proxy.
    env = {**os.environ, "GOBIN": str(path.parent), "CGO_ENABLED": "0", "GOTOOLCHAIN": "auto"}
    env.pop("GOFLAGS", None)
    result = subprocess.run(["go", "install", tool.spec], env=env, capture_output=True, text=True)
    if result.returncode != 0 or not path.is_file():
        raise RuntimeError(f"go install {tool.spec} failed:\n{result.stderr[-4000:]}")
    return path


if __name__ == "__main__":  # python tests/support/gotools.py [NAME ...] (cosign-v3 only if named)
    for tool_name in sys.argv[1:] or [name for name in TOOLS if name != "cosign-v3"]:
        print(install(tool_name))
