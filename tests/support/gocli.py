"""Building the Go test CLI for every release target, as GoReleaser's builds would.

The test CLI (``tests/testcli``) is laid out as the real Cerebrium CLI: module
``github.com/cerebriumai/cerebrium``, main package ``./cmd/cerebrium``, and the version in
``internal/version``, which the release's ``ldflags`` set with ``-X`` (goreleaser.yaml).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "testcli"
MODULE = "github.com/cerebriumai/cerebrium"
MAIN = "./cmd/cerebrium"  # builds[0].main in goreleaser.yaml
VERSION_PACKAGE = f"{MODULE}/internal/version"
TARGETS: tuple[tuple[str, str], ...] = tuple(
    (goos, goarch) for goos in ("linux", "darwin", "windows") for goarch in ("amd64", "arm64")
)


def go_env(cache: Path | None = None) -> dict[str, str]:
    """An environment in which ``go build`` never reaches the network or a newer toolchain."""
    cache = (
        cache
        or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "cerebrium-tests" / "go"
    )
    return {
        **os.environ,
        "CGO_ENABLED": "0",
        "GOTOOLCHAIN": "local",
        "GOFLAGS": "-mod=mod",
        "GOPROXY": "off",
        "GOCACHE": str(cache / "build"),
        "GOPATH": str(cache / "path"),
    }


# Older Go toolchains the Go module proxy serves, for what their linkers write (the minimum macOS
# in a Mach-O: go1.22 10.13 on amd64 and 11.0 on arm64, go1.24 11.0, go1.25+ 12.0).
OLD_TOOLCHAINS = ("go1.22.12", "go1.24.11")


def build_binaries(
    out_dir: Path,
    version: str,
    targets: tuple[tuple[str, str], ...] = TARGETS,
    cache: Path | None = None,
    toolchain: str = "local",
) -> dict[tuple[str, str], Path]:
    """``go build`` the test CLI once per target; return {(goos, goarch): binary path}.

    Built as goreleaser.yaml's build block does (no ``-trimpath``; ``-s -w`` and the version
    by ``-X``), outside any release repository: ``-buildvcs=false``, so the build information
    records the ldflags and no VCS tag.

    ``toolchain`` other than ``local`` (``go1.22.12``) is fetched once from the Go module proxy
    into the cache (tens of MB, the first time only) and builds instead of the machine's Go.
    """
    if shutil.which("go") is None:
        raise RuntimeError(
            "Go is needed to build the test CLI: install it (apt-get install golang-go)"
        )
    env = go_env(cache)
    if toolchain != "local":
        env.update(GOTOOLCHAIN=toolchain, GOPROXY="https://proxy.golang.org")
    built: dict[tuple[str, str], Path] = {}
    for goos, goarch in targets:
        exe = ".exe" if goos == "windows" else ""
        binary = out_dir / f"{goos}_{goarch}" / f"cerebrium{exe}"
        command = [
            "go", "build", "-buildvcs=false",
            "-ldflags", f"-s -w -X {VERSION_PACKAGE}.Version={version}",
            "-o", str(binary), MAIN,
        ]  # fmt: skip
        result = subprocess.run(
            command,
            cwd=SOURCE,
            env={**env, "GOOS": goos, "GOARCH": goarch},
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command)} (GOOS={goos} GOARCH={goarch}) failed:\n{result.stderr}"
            )
        built[(goos, goarch)] = binary
    return built


def macos_minimum(toolchain: str = "local") -> tuple[int, int]:
    """The minimum macOS that ``toolchain``'s linker writes into a darwin binary (major, minor):
    Go's own record (cmd/link/internal/ld/macho.go), independent of the reader under test."""
    env = go_env()
    if toolchain != "local":
        env.update(GOTOOLCHAIN=toolchain, GOPROXY="https://proxy.golang.org")
    version = subprocess.run(
        ["go", "env", "GOVERSION"], cwd=SOURCE, env=env, capture_output=True, text=True, check=True
    ).stdout
    minor = int(version.split(".")[1])
    return (12, 0) if minor >= 25 else (11, 0) if minor >= 23 else (10, 13)
