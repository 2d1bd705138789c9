"""Building the Go test CLI for every release target, as GoReleaser's builds would."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "testcli"
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


def build_binaries(
    out_dir: Path,
    version: str,
    targets: tuple[tuple[str, str], ...] = TARGETS,
    cache: Path | None = None,
    toolchain: str = "local",
) -> dict[tuple[str, str], Path]:
    """``go build`` the test CLI once per target; return {(goos, goarch): binary path}."""
    if shutil.which("go") is None:
        raise RuntimeError(
            "Go is needed to build the test CLI: install it (apt-get install golang-go)"
        )
    # toolchain: GOTOOLCHAIN, an older Go from the module cache (support/wine.py's for Wine 8).
    env = {**go_env(cache), "GOTOOLCHAIN": toolchain}
    built: dict[tuple[str, str], Path] = {}
    for goos, goarch in targets:
        exe = ".exe" if goos == "windows" else ""
        binary = out_dir / f"{goos}_{goarch}" / f"cerebrium{exe}"
        command = [
            "go", "build", "-trimpath", "-ldflags", f"-s -w -X main.version={version}",
            "-o", str(binary), ".",
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
