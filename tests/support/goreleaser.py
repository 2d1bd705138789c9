"""Real GoReleaser, run on the Go test CLI, as the oracle for release names and layouts.

``run_goreleaser(config, work)`` lays the test CLI out as ``config`` expects (each build's
``main`` package, ``go.mod``, and ``LICENSE``/``README.md``/``CHANGELOG.md`` at the root) in a
fresh git repository with one commit, the tag ``v<version>`` and a GitHub ``origin``, then runs
``goreleaser release --snapshot --clean`` (v2.15.1, built by ``support/gotools.py``). The
snapshot's version is the tag's own (``snapshot.version_template: "{{ .Version }}"``), so every
name is the one a real release of that tag gets. Nothing reaches the network: Go runs with
``GOPROXY=off`` and ``GOTOOLCHAIN=local`` and its caches under the user cache directory
(``support/gocli.go_env``), and what needs the network or secrets (publishing, announcing,
Docker, Homebrew, notarizing, and signing and SBOMs unless asked for) is skipped.

What GoReleaser made is read back from ``dist/artifacts.json`` (``internal/artifact`` in
GoReleaser's source): ``Dist.assets`` are the files a release would upload, and
``Dist.publish(dest)`` lays them out under their release names, as GitHub serves
``/releases/download/<tag>/``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

if __package__ in (None, ""):  # run as a script: python tests/support/goreleaser.py CONFIG
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from support.gocli import GIT_ENV, MAIN, SOURCE, git, go_env, tagged_checkout
from support.gotools import install
from support.release import Release

__all__ = [
    "GIT_ENV",  # support.gocli's, for the tests that tag a checkout of their own
    "Artifact",
    "Dist",
    "GoReleaser",
    "derive_config",
    "published_release",
    "run_goreleaser",
]

# GoReleaser's artifact types (internal/artifact/artifact.go, v2.15.1: ``Type`` counts from 1 in
# declaration order); ``artifacts.json`` gives the number as ``internal_type``.
UPLOADABLE_ARCHIVE = 1
UPLOADABLE_BINARY = 2
BINARY = 4
UNIVERSAL_BINARY = 5
LINUX_PACKAGE = 6
CHECKSUM = 12
SIGNATURE = 13
CERTIFICATE = 14
SBOM = 28
# ``ReleaseUploadableTypes()``: what the release pipe uploads (archives, uploadable binaries and
# files, source archives, makeself, Linux packages, flatpaks, source RPMs, SBOMs, Python wheels
# and sdists, checksums, signatures, certificates).
RELEASE_UPLOADABLE = frozenset({1, 2, 3, 15, 36, 6, 38, 39, 28, 33, 34, 12, 13, 14})

# ``--skip`` keys (internal/skips) for what cannot run offline or here. ``publish``,
# ``announce`` and ``validate`` are implied by ``--snapshot``.
OFFLINE_SKIPS = ("docker", "ko", "homebrew", "notarize", "snapcraft", "winget", "nix", "aur")

EXTRA_FILES = {
    "LICENSE": "Apache License 2.0 (test)\n",
    "README.md": "# test CLI\n",
    "CHANGELOG.md": "# Changelog\n\n## v{version}\n",
}
ORIGIN = "https://github.com/example-org/example-cli.git"
# Settings that would make GoReleaser release somewhere else, or pick another tag.
SCRUBBED = ("GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN", "GITEA_TOKEN", "GORELEASER_CURRENT_TAG")
# Whatever a tool would fetch (a Sigstore TUF root, syft's update check) goes to a closed port on
# loopback and fails at once: the run never leaves the machine.
OFFLINE = {
    **{name: "http://127.0.0.1:9" for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")},
    **{name: "http://127.0.0.1:9" for name in ("http_proxy", "https_proxy", "all_proxy")},
    "NO_PROXY": "",
    "no_proxy": "",
    "SYFT_CHECK_FOR_APP_UPDATE": "false",
}


@dataclass(frozen=True)
class Artifact:
    """One entry of ``dist/artifacts.json``; ``path`` made absolute."""

    name: str
    path: Path
    type: str  # GoReleaser's type name: "Archive", "Binary", "Checksum", "Linux Package", ...
    internal_type: int
    goos: str = ""
    goarch: str = ""  # "all" for a universal binary
    goamd64: str = ""
    goarm: str = ""  # GOARM: "6", "7"
    gomips: str = ""  # GOMIPS: "hardfloat", "softfloat"
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def platform(self) -> tuple[str, str]:
        return (self.goos, self.goarch)

    @property
    def target(self) -> str:
        """The target as issue 20 writes it: ``<goos>/<goarch>``, GOARM joined to the arch
        (``linux/armv7``), a GOMIPS other than GoReleaser's default ``hardfloat`` after an
        underscore (``linux/mips_softfloat``); ``darwin/all`` for a universal binary."""
        if self.goarch == "arm" and self.goarm:
            return f"{self.goos}/armv{self.goarm}"
        if self.goarch.startswith("mips") and self.gomips not in ("", "hardfloat"):
            return f"{self.goos}/{self.goarch}_{self.gomips}"
        return f"{self.goos}/{self.goarch}"


@dataclass(frozen=True)
class Dist:
    """What one GoReleaser run made: ``dir`` is its ``dist/``, ``config`` the configuration as
    given (the file the wrapper under test reads)."""

    dir: Path
    project: Path
    config: Path
    version: str
    origin: str  # the git remote "origin" of the repository GoReleaser ran in
    artifacts: tuple[Artifact, ...]

    @property
    def tag(self) -> str:
        return f"v{self.version}"

    def of_type(self, *internal_types: int) -> list[Artifact]:
        return [a for a in self.artifacts if a.internal_type in internal_types]

    @property
    def assets(self) -> list[Artifact]:
        """The files the release would upload, by their release names."""
        return self.of_type(*RELEASE_UPLOADABLE)

    @property
    def archives(self) -> list[Artifact]:
        """Every archive and uploadable binary (``formats: [binary]``)."""
        return self.of_type(UPLOADABLE_ARCHIVE, UPLOADABLE_BINARY)

    @property
    def checksums(self) -> list[Artifact]:
        return self.of_type(CHECKSUM)

    @property
    def built(self) -> set[str]:
        """Every target GoReleaser built a binary for (:attr:`Artifact.target`), of any build:
        ``darwin/all`` for a universal binary, beside the darwin ones unless it replaced them."""
        return {a.target for a in self.of_type(BINARY, UNIVERSAL_BINARY)}

    def checksum_of(self, artifact: Artifact) -> Artifact:
        """The checksum file covering ``artifact``: its own with ``checksum.split``, else the
        one combined file."""
        split = [c for c in self.checksums if "ChecksumOf" in c.extra]
        if not split:
            (combined,) = self.checksums
            return combined
        relative = os.path.relpath(artifact.path, self.project)
        (own,) = [c for c in split if c.extra["ChecksumOf"] == relative]
        return own

    def publish(self, dest: Path) -> Path:
        """Copy every asset into ``dest`` under its release name (again, when a test publishes
        the same run twice); return ``dest``. Raises RuntimeError when two assets share a name,
        as a release could not hold them."""
        dest.mkdir(parents=True, exist_ok=True)
        names = [asset.name for asset in self.assets]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise RuntimeError(f"two release assets are named {twice[0]!r}")
        for asset in self.assets:
            shutil.copyfile(asset.path, dest / asset.name)
        return dest


def _read_artifacts(project: Path) -> tuple[Artifact, ...]:
    entries = json.loads((project / "dist" / "artifacts.json").read_text())
    return tuple(
        Artifact(
            name=entry["name"],
            path=(project / entry["path"]).resolve(),
            type=entry.get("type", ""),
            internal_type=entry["internal_type"],
            goos=entry.get("goos", ""),
            goarch=entry.get("goarch", ""),
            goamd64=entry.get("goamd64", ""),
            goarm=entry.get("goarm", ""),
            gomips=entry.get("gomips", ""),
            extra=entry.get("extra") or {},
        )
        for entry in entries
    )


def _lay_out(project: Path, config: Mapping[str, Any], version: str) -> None:
    """The test CLI where each build of ``config`` looks for its main package: its module
    (``go.mod``, ``internal/``) at the root, its main package wherever ``main`` says."""
    (project / "go.mod").write_text((SOURCE / "go.mod").read_text())
    shutil.copytree(SOURCE / "internal", project / "internal")
    main_go = (SOURCE / MAIN / "main.go").read_text()
    builds = config.get("builds") or [{}]
    for build in builds:
        main = str(build.get("main") or ".")
        where = project / str(build.get("dir") or ".") / main
        if main.endswith(".go"):
            where.parent.mkdir(parents=True, exist_ok=True)
            where.write_text(main_go)
        else:
            where.mkdir(parents=True, exist_ok=True)
            (where / "main.go").write_text(main_go)
    for name, text in EXTRA_FILES.items():
        (project / name).write_text(text.format(version=version))


def run_goreleaser(
    config: Path,
    work: Path,
    *,
    version: str = "2.0.0",
    origin: str = ORIGIN,
    sign: bool = False,
    sbom: bool = False,
    env: Mapping[str, str] | None = None,
) -> Dist:
    """Run GoReleaser on the test CLI with ``config``, in a new git repository under ``work``.

    ``sign``/``sbom`` run the ``signs``/``sboms`` blocks (with cosign and syft from
    ``support/gotools.py`` first on PATH); ``env`` is added to GoReleaser's environment (which
    its ``signs`` and ``sboms`` commands inherit: a key and its password, say). Raises
    RuntimeError with GoReleaser's output when it fails.
    """
    data = yaml.safe_load(config.read_text())
    project = work / "project"
    project.mkdir(parents=True)
    _lay_out(project, data, version)
    # The tag's own version, so that names are a real release's; the rest as written.
    data["snapshot"] = {"version_template": "{{ .Version }}"}
    (project / ".goreleaser.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    (project / ".gitignore").write_text("dist/\n")
    tagged_checkout(project, f"v{version}")
    git(project, "remote", "add", "origin", origin)

    tools = [install("goreleaser").parent]
    tools += [install("cosign").parent] if sign else []
    tools += [install("syft").parent] if sbom else []
    skips = [*OFFLINE_SKIPS, *([] if sign else ["sign"]), *([] if sbom else ["sbom"])]
    environ = {k: v for k, v in go_env().items() if k not in SCRUBBED}
    environ["PATH"] = os.pathsep.join([*map(str, tools), environ.get("PATH", "")])
    environ.update({**OFFLINE, **(env or {})})
    command = [
        "goreleaser", "release", "--snapshot", "--clean", "--parallelism", "2",
        "--config", ".goreleaser.yaml", "--skip", ",".join(skips),
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=project, env=environ, capture_output=True, text=True, timeout=1800
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed for {config}:\n{(result.stdout + result.stderr)[-6000:]}"
        )
    return Dist(project / "dist", project, config, version, origin, _read_artifacts(project))


def derive_config(base: Path, dest: Path, **blocks: Any) -> Path:
    """``base`` with top-level ``blocks`` set (``signs=[...]``, ``sboms=[...]``), written to
    ``dest``; return ``dest``."""
    data = yaml.safe_load(base.read_text())
    data.update(blocks)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(yaml.safe_dump(data, sort_keys=False))
    return dest


def published_release(dist: Dist, dest: Path) -> Release:
    """``dist``'s release assets copied into ``dest``, as the tests' ``release`` fixture: the
    archive of each target by (goos, goarch), the Linux packages and the one checksums file
    (raises RuntimeError when the configuration makes several archives for a target, a target
    with a variant, or split checksums)."""
    dist.publish(dest)
    archives: dict[tuple[str, str], Path] = {}
    for target in sorted(dist.built):
        found = [a for a in dist.archives if a.target == target]
        if len(found) != 1 or found[0].platform in archives:
            raise RuntimeError(f"{dist.config}: {len(found)} archives for {target}, not one")
        archives[found[0].platform] = dest / found[0].name
    if len(dist.checksums) != 1:
        raise RuntimeError(f"{dist.config}: {len(dist.checksums)} checksum files, not one")
    packages = [dest / a.name for a in dist.of_type(LINUX_PACKAGE)]
    return Release(dest, dist.version, archives, packages, dest / dist.checksums[0].name)


class GoReleaser:
    """Runs GoReleaser once per distinct configuration (and options) within a test session."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self._runs: dict[str, Dist] = {}

    def run(self, config: Path, **options: Any) -> Dist:
        key = hashlib.sha256(
            config.read_bytes() + repr(sorted(options.items())).encode()
        ).hexdigest()[:16]
        if key not in self._runs:
            self._runs[key] = run_goreleaser(config, self.work / key, **options)
        return self._runs[key]


if __name__ == "__main__":  # python tests/support/goreleaser.py CONFIG WORKDIR: print the assets
    import tempfile

    work_dir = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp())
    made = run_goreleaser(Path(sys.argv[1]), work_dir)
    for asset in made.assets:
        print(f"{asset.type:16} {asset.goos}/{asset.goarch}{asset.goamd64} {asset.name}")
