"""A tiny Go program, cross-built by the machine's Go for every target GoReleaser builds.

The test CLI (``gocli.py``) is built for the six targets this project releases; the reader and
the wheel tags must also be right for every other target a GoReleaser project publishes (386,
arm GOARM 5/6/7, ppc64/ppc64le, s390x, riscv64, loong64, the mips family, windows/386 and
arm64, the BSDs, ...). A program of one ``main`` is enough: what is read is the file format the
Go linker writes for the target, not the program. Each build takes seconds with Go's build cache
(``gocli.go_env``: the tests' cache, so a machine that kept it rebuilds nothing).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from support.gocli import go_env

__all__ = ["CROSS", "TRIVY_SHAPE", "Cross", "build_cross", "write_trivy_shape"]

_MAIN = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("tiny") }\n'
_GO_MOD = "module example.com/tiny\n\ngo 1.21\n"


@dataclass(frozen=True)
class Cross:
    """One cross build: GOOS, GOARCH and the variables that make a variant (GOARM=7)."""

    goos: str
    goarch: str
    env: tuple[tuple[str, str], ...] = field(default=())

    @property
    def name(self) -> str:
        extra = "".join(f"_{k.lower()}{v}" for k, v in self.env)
        return f"{self.goos}_{self.goarch}{extra}"


def _cross(spec: str) -> Cross:
    """``GOOS/GOARCH [NAME=VALUE ...]``, as the table below writes a build."""
    target, *settings = spec.split()
    goos, goarch = target.split("/")
    env = (setting.split("=", 1) for setting in settings)
    return Cross(goos, goarch, tuple(sorted((name, value) for name, value in env)))


# GoReleaser's default targets and what trivy, cosign, act, k9s and gh add (issue 20), and the
# formats no wheel is made of (XCOFF, Plan 9 a.out, WebAssembly).
CROSS = tuple(
    _cross(spec)
    for spec in (
        "linux/amd64",
        "linux/amd64 GOAMD64=v3",
        "linux/arm64",
        "linux/386",
        "linux/arm GOARM=5",
        "linux/arm GOARM=6",
        "linux/arm GOARM=7",
        "linux/ppc64le",
        "linux/ppc64",
        "linux/s390x",
        "linux/riscv64",
        "linux/loong64",
        "linux/mips64le GOMIPS64=hardfloat",
        "linux/mips GOMIPS=hardfloat",
        "linux/mipsle GOMIPS=softfloat",
        "windows/386",
        "windows/amd64",
        "windows/arm64",
        "freebsd/amd64",
        "freebsd/arm GOARM=7",
        "openbsd/arm64",
        "netbsd/amd64",
        "android/arm64",
        "solaris/amd64",
        "aix/ppc64",
        "plan9/amd64",
        "wasip1/wasm",
    )
)

# A trivy-shaped GoReleaser configuration: GoReleaser's default GOARM (6) only, 386, ppc64le,
# s390x, riscv64; Windows 386, amd64 and arm64 in zip archives; ``{formats}`` elsewhere.
TRIVY_SHAPE = """\
version: 2
project_name: tool
builds:
  - binary: tool
    env: [CGO_ENABLED=0]
    goos: [linux, darwin, windows]
    goarch: [amd64, arm64, "386", arm, ppc64le, s390x, riscv64]
    ignore:
      - {{goos: windows, goarch: arm}}
      - {{goos: windows, goarch: ppc64le}}
      - {{goos: windows, goarch: s390x}}
      - {{goos: windows, goarch: riscv64}}
archives:
  - formats: [{formats}]
    format_overrides:
      - {{goos: windows, formats: [zip]}}
release:
  github: {{owner: example, name: tool}}
"""


def write_trivy_shape(path: Path, formats: str = "tar.gz") -> Path:
    """Write :data:`TRIVY_SHAPE` with ``formats`` (``tar.zst``, ``tar.zst, tar.gz``) to
    ``path``; return ``path``."""
    path.write_text(TRIVY_SHAPE.format(formats=formats))
    return path


def build_cross(
    out_dir: Path, builds: tuple[Cross, ...] = CROSS, cache: Path | None = None
) -> dict[Cross, Path]:
    """``go build`` the tiny program once per entry of ``builds`` (CGO_ENABLED=0, ``-s -w``,
    as release builds are); return {build: binary path}. Raises RuntimeError naming the build
    that failed, with Go's output."""
    if shutil.which("go") is None:
        raise RuntimeError("Go is needed to cross-build: install it (apt-get install golang-go)")
    source = out_dir / "src"
    source.mkdir(parents=True, exist_ok=True)
    (source / "go.mod").write_text(_GO_MOD)
    (source / "main.go").write_text(_MAIN)
    env = go_env(cache)
    built: dict[Cross, Path] = {}
    for build in builds:
        exe = ".exe" if build.goos == "windows" else ""
        binary = out_dir / build.name / f"tiny{exe}"
        command = ["go", "build", "-buildvcs=false", "-ldflags", "-s -w", "-o", str(binary), "."]
        result = subprocess.run(
            command,
            cwd=source,
            env={**env, "GOOS": build.goos, "GOARCH": build.goarch, **dict(build.env)},
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} for {build.name} failed:\n{result.stderr}")
        built[build] = binary
    return built
