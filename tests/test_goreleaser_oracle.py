"""Real GoReleaser is the oracle: what it writes for a configuration is what the wrapper names.

For the project's own ``goreleaser.yaml`` and configurations in the shapes real projects publish
(``tests/goreleaser_configs/``), GoReleaser v2.15.1 builds the Go test CLI in snapshot mode
(``support/goreleaser.py``). ``bootstrap names --config FILE`` must then list exactly the
archives and checksum files GoReleaser wrote, read from its ``dist/artifacts.json``, and
``pip install`` of an sdist carrying that configuration, against that release served over HTTPS
on loopback, must give a working command. Expectations come from GoReleaser's output only: where
the wrapper's names differ, these tests fail.
"""

from __future__ import annotations

import contextlib
import functools
import io
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import ROOT, VERSION
from support.installs import Tools, install, settings
from support.signing import CosignKeyPair, cosign_key_pair

if TYPE_CHECKING:
    from support.goreleaser import Artifact, Dist, GoReleaser
    from support.release import Release
    from support.server import ReleaseServer
    from support.venvs import Venv

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(sys.platform == "win32", reason="POSIX")]

CONFIGS = Path(__file__).resolve().parent / "goreleaser_configs"


@dataclass(frozen=True)
class Shape:
    config: Path
    command: str  # the binary the package wraps, as the configuration's author means it
    per_os: bool = False  # its binaries are named <command>-<os>-<arch>, one build per OS
    signed: bool = False  # GoReleaser runs its signs (cosign) and sboms (syft) blocks


SHAPES = {
    "project": Shape(ROOT / "goreleaser.yaml", "cerebrium"),
    "no-release": Shape(CONFIGS / "no-release.yaml", "cerebrium"),
    "init-defaults": Shape(CONFIGS / "init-defaults.yaml", "cerebrium"),
    "binary": Shape(CONFIGS / "binary.yaml", "cerebrium"),
    "split-checksums": Shape(CONFIGS / "split-checksums.yaml", "cerebrium"),
    "sha512": Shape(CONFIGS / "sha512.yaml", "cerebrium"),
    "goamd64-v3": Shape(CONFIGS / "goamd64-v3.yaml", "cerebrium"),
    "universal-replace": Shape(CONFIGS / "universal-replace.yaml", "cerebrium"),
    "universal-keep": Shape(CONFIGS / "universal-keep.yaml", "cerebrium"),
    "wrapped": Shape(CONFIGS / "wrapped.yaml", "cerebrium"),
    "wrapped-template": Shape(CONFIGS / "wrapped-template.yaml", "cerebrium"),
    "dashes": Shape(CONFIGS / "dashes.yaml", "acme"),
    "ignore": Shape(CONFIGS / "ignore.yaml", "cerebrium"),
    "tar-zst": Shape(CONFIGS / "tar-zst.yaml", "cerebrium"),
    "tar-xz": Shape(CONFIGS / "tar-xz.yaml", "cerebrium"),
    "gz": Shape(CONFIGS / "gz.yaml", "cerebrium"),
    "multi": Shape(CONFIGS / "multi.yaml", "cerebrium"),
    "no-project-name": Shape(CONFIGS / "no-project-name.yaml", "cerebrium"),
    "per-os-builds": Shape(CONFIGS / "per-os-builds.yaml", "cerebrium", per_os=True),
    "signs-sboms": Shape(CONFIGS / "signs-sboms.yaml", "cerebrium", signed=True),
}


@pytest.fixture(scope="module")
def release_key(tmp_path_factory: pytest.TempPathFactory) -> CosignKeyPair:
    """The key the signed shapes' releases are signed with, made by the real cosign."""
    return cosign_key_pair(tmp_path_factory.mktemp("oracle-key") / "key")


@pytest.fixture(scope="module")
def run_shape(goreleaser: GoReleaser, release_key: CosignKeyPair) -> Callable[[Shape], Dist]:
    """GoReleaser's run of a shape: with cosign and syft for the signed ones."""

    def run(shape: Shape) -> Dist:
        if shape.signed:
            return goreleaser.run(shape.config, sign=True, sbom=True, env=release_key.env)
        return goreleaser.run(shape.config)

    return run


@dataclass(frozen=True)
class Names:
    """What ``bootstrap names`` printed, by kind of line."""

    archives: dict[str, str]  # target ("linux/armv7", "darwin/all") -> archive
    checksums: list[str]
    others: dict[str, list[str]]  # "signature", "certificate", "sbom" -> the names listed


def _names(config: Path, origin: str, work: Path) -> Names:
    """``bootstrap names --config FILE --version VERSION``, run in this process on a copy of
    ``config`` in a git checkout whose origin is ``origin`` (the one GoReleaser released from:
    a configuration without project_name or release block takes them from it)."""
    from cerebrium_cli.bootstrap import main

    work.mkdir(parents=True, exist_ok=True)
    copy = work / "goreleaser.yaml"
    shutil.copyfile(config, copy)
    subprocess.run(["git", "init", "--quiet", str(work)], check=True)
    subprocess.run(["git", "-C", str(work), "remote", "add", "origin", origin], check=True)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["names", "--config", str(copy), "--version", VERSION])
    assert code == 0, err.getvalue()
    archives: dict[str, str] = {}
    checksums: list[str] = []
    others: dict[str, list[str]] = {"signature": [], "certificate": [], "sbom": []}
    for line in out.getvalue().splitlines():
        label, name = line.split(" ", 1)
        if label == "checksums":
            checksums.append(name)
        elif label in others:
            others[label].append(name)
        else:
            assert label not in archives, line
            archives[label] = name
    return Names(archives, checksums, others)


def _binaries(archive: Artifact) -> set[str]:
    """The binaries GoReleaser put in an archive (or that an uploadable binary is), no ``.exe``."""
    names = archive.extra.get("Binaries") or [archive.extra.get("Binary", "")]
    return {name.removesuffix(".exe") for name in names}


def _candidates(dist: Dist, target: str, shape: Shape) -> dict[str, Artifact]:
    """GoReleaser's archives (or uploadable binaries) holding the shape's command for
    ``target`` (``linux/armv7``; ``darwin/all``, a macOS universal binary); for a shape built
    per OS, the binary named ``<command>-<os>-...``."""
    per_os = f"{shape.command}-{target.split('/')[0]}-"
    return {
        a.name: a
        for a in dist.archives
        if a.target == target
        and (
            shape.command in _binaries(a)
            or (shape.per_os and any(b.startswith(per_os) for b in _binaries(a)))
        )
    }


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_names_lists_exactly_what_goreleaser_wrote(
    run_shape: Callable[[Shape], Dist], shape: Shape, tmp_path: Path
) -> None:
    from support.goreleaser import CERTIFICATE, SBOM, SIGNATURE

    dist = run_shape(shape)
    names = _names(shape.config, dist.origin, tmp_path / "checkout")
    archives, checksums = names.archives, names.checksums
    goreleasers = {
        target: sorted(_candidates(dist, target, shape)) for target in sorted(dist.built)
    }
    ours = {target: archives.get(target) for target in sorted(set(dist.built) | set(archives))}
    # One of GoReleaser's archives for each target it built, and no other target.
    assert set(ours) == set(goreleasers), (ours, goreleasers)
    for target, name in ours.items():
        assert name in goreleasers[target], (target, name, goreleasers[target])
    # The checksum file(s) GoReleaser wrote for those archives: the combined file, or each one's
    # own with checksum.split.
    by_name = {a.name: a for a in dist.archives}
    expected = {dist.checksum_of(by_name[name]).name for name in archives.values()}
    assert set(checksums) == expected, (checksums, sorted(expected))
    assert len(checksums) == len(set(checksums))
    # The signatures, certificates and SBOMs the signs and sboms blocks wrote: exactly those
    # (SBOMs of the archives listed; those of the other builds' archives are not the CLI's).
    kinds = {"signature": SIGNATURE, "certificate": CERTIFICATE}
    for label, kind in kinds.items():
        assert sorted(names.others[label]) == sorted(a.name for a in dist.of_type(kind)), label
    documents = {a.name for a in dist.of_type(SBOM)}
    assert set(names.others["sbom"]) <= documents, (names.others["sbom"], documents)
    assert len(names.others["sbom"]) == (len(set(archives.values())) if documents else 0)


def test_every_shape_is_one_goreleaser_really_accepts(run_shape: Callable[[Shape], Dist]) -> None:
    # The oracle itself: each configuration built archives for every target it names, and
    # checksums, so that a wrong name above can only be the wrapper's.
    for name, shape in SHAPES.items():
        dist = run_shape(shape)
        assert dist.built, name
        assert dist.checksums, name
        assert all(_candidates(dist, target, shape) for target in dist.built), name


def _layout(archive: Path) -> list[tuple[str, str, int]]:
    """An archive's members in order, as an extractor sees them: (name, kind, permission bits).

    The kind is tar's type flag, or for a zip the file type in the external attributes; times,
    owners and compression levels are not layout (they differ between any two runs)."""
    import stat
    import tarfile
    import zipfile

    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            return [
                (
                    i.filename,
                    oct(stat.S_IFMT(i.external_attr >> 16)),
                    i.external_attr >> 16 & 0o7777,
                )
                for i in zf.infolist()
            ]
    with tarfile.open(archive) as tf:
        return [(m.name, m.type.decode(), m.mode) for m in tf.getmembers()]


def test_the_tests_release_builder_lays_out_what_goreleaser_does(
    tmp_path: Path, release: Release
) -> None:
    # Where GoReleaser is not built (a fresh machine), the demo lays its release out with
    # support/release.py: for goreleaser.yaml, that must publish what GoReleaser publishes,
    # under the same names, with archives of the same format, members, order and modes.
    from support.gocli import TARGETS
    from support.release import make_release, standin_binaries

    ours = make_release(standin_binaries(tmp_path / "bin", TARGETS), VERSION, tmp_path / "ours")
    assert sorted(p.name for p in ours.dir.iterdir()) == sorted(
        p.name for p in release.dir.iterdir()
    )

    def listed(checksums: Path) -> list[str]:
        return [line.split("  ", 1)[1] for line in checksums.read_text().splitlines()]

    assert listed(ours.checksums) == listed(release.checksums)  # the same names, in order
    assert set(ours.archives) == set(release.archives) == set(TARGETS)
    for target, archive in release.archives.items():
        mine = ours.archives[target]
        assert mine.name == archive.name
        # gzip (ID1 ID2, CM deflate; FLG differs: Python stores a file name) or zip (PK\3)
        assert mine.read_bytes()[:3] == archive.read_bytes()[:3], target
        assert _layout(mine) == _layout(archive), target


@dataclass(frozen=True)
class OracleInstall:
    """``pip install`` of a shape's sdist against GoReleaser's release for it."""

    dist: Dist  # GoReleaser's run
    venv: Venv
    result: subprocess.CompletedProcess[str]  # what pip printed and returned
    requested: list[str]  # the paths pip's build asked the server for, in order
    url: str  # where GoReleaser's release is served
    env: dict[str, str]  # the install's environment (the test CA, the release, a cache)


@pytest.fixture(scope="module")
def installed(
    tmp_path_factory: pytest.TempPathFactory,
    run_shape: Callable[[Shape], Dist],
    release_key: CosignKeyPair,
    wheelhouse: Path,
    ca_file: Path,
    server: ReleaseServer,
    server_root: Path,
) -> Callable[[str], OracleInstall]:
    """``installed(key)``: pip install the sdist made with shape ``key``'s configuration as its
    goreleaser.yaml, against GoReleaser's release at ``<server>/oracle-<key>/``; a signed
    shape's sdist carries the release key as wrapper/cosign.pub, so its signature is required.
    Each shape is installed once per module."""
    from cerebrium_cli.description import load_release
    from support.sdist import build_sdist, copy_checkout

    def install_shape(key: str) -> OracleInstall:
        shape = SHAPES[key]
        dist = run_shape(shape)
        dist.publish(server_root / f"oracle-{key}")
        tmp = tmp_path_factory.mktemp(f"oracle-{key}")
        checkout = copy_checkout(tmp / "src")
        shutil.copyfile(shape.config, checkout / "goreleaser.yaml")
        if shape.signed:
            (checkout / "wrapper" / "cosign.pub").write_bytes(release_key.public)
        # The checkout GoReleaser released from, so that a config without a release block
        # names the same repository.
        subprocess.run(["git", "init", "--quiet", str(checkout)], check=True)
        subprocess.run(
            ["git", "-C", str(checkout), "remote", "add", "origin", dist.origin], check=True
        )
        sdist = build_sdist(tmp / "dist", checkout)
        prefix = load_release(checkout / "goreleaser.yaml").env_prefix
        url = f"{server.url}/oracle-{key}/"
        env = settings(ca_file, url, tmp / "cache", prefix=prefix)
        before = len(server.requests)
        # A signed shape's venv also runs `bootstrap wheels`: with its extra.
        spec = f"{sdist}[bootstrap]" if shape.signed else str(sdist)
        venv, result = install(tmp, spec, wheelhouse=wheelhouse, env=env, prefix=prefix)
        requested = [r.path for r in server.requests[before:]]
        return OracleInstall(dist, venv, result, requested, url, env)

    return functools.cache(install_shape)


@pytest.mark.parametrize("key", SHAPES)
def test_pip_install_against_goreleasers_release_gives_a_working_command(
    installed: Callable[[str], OracleInstall], key: str
) -> None:
    from cerebrium_cli.platforms import current_target

    made = installed(key)
    shape = SHAPES[key]
    assert made.result.returncode == 0, (made.result.stdout + made.result.stderr)[-4000:]
    run = made.venv.run(shape.command, "version")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"cerebrium version {VERSION}"
    # What was downloaded is GoReleaser's archive for this machine, checked against its checksums.
    target = current_target()
    archive_names = set(
        _candidates(made.dist, str(target), shape)
        or _candidates(made.dist, f"{target.os}/all", shape)  # a Mac's universal binary
    )
    fetched = {path.rsplit("/", 1)[1] for path in made.requested}
    assert fetched & archive_names, (fetched, archive_names)
    assert fetched <= {a.name for a in made.dist.assets}, fetched
    if shape.signed:
        # The signature under the name the signs block gave it, verified with the release key.
        assert "checksums.txt.bundle" in fetched, fetched
        output = made.result.stdout + made.result.stderr
        assert "checksums.txt signed (Sigstore bundle, key " in output, output[-4000:]


# --- Real SBOMs: syft through GoReleaser's sboms block ---------------------------------------


def test_wheels_carry_the_sbom_the_sboms_block_names_and_verify_the_renamed_signature(
    installed: Callable[[str], OracleInstall], tmp_path: Path
) -> None:
    import zipfile

    from support.goreleaser import SBOM

    # The package installed from signs-sboms.yaml: its SBOMs are "cerebrium-<os>-<arch>.cdx.json"
    # and its key's signature "checksums.txt.bundle", no conventional name.
    made = installed("signs-sboms")
    assert made.result.returncode == 0, made.result.stderr[-4000:]
    (sbom,) = [a for a in made.dist.of_type(SBOM) if a.name == "cerebrium-linux-amd64.cdx.json"]
    out = tmp_path / "wheels"
    result = made.venv.run(
        "python", "-m", "cerebrium_cli.bootstrap", "wheels", "--from", made.url,
        "--out", str(out), "--platform", "linux/amd64",
        env=made.env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "checksums.txt signed (Sigstore bundle, key " in result.stderr
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        carried = [n for n in zf.namelist() if "/sboms/" in n]
        assert carried == [f"cerebrium-{VERSION}.dist-info/sboms/{sbom.name}"]
        assert zf.read(carried[0]) == Path(sbom.path).read_bytes()


# GoReleaser's documented recipe: a CycloneDX document per archive, named after it.
SBOMS = [
    {
        "artifacts": "archive",
        "documents": ["{{ .ArtifactName }}.sbom.json"],
        "args": ["$artifact", "--output", "cyclonedx-json=$document"],
    }
]


def test_the_platform_wheel_carries_the_sbom_syft_wrote_through_goreleaser(
    tmp_path: Path,
    goreleaser: GoReleaser,
    tools: Tools,
    server: ReleaseServer,
    server_root: Path,
) -> None:
    import json
    import zipfile

    from support.goreleaser import SBOM, derive_config

    config = derive_config(ROOT / "goreleaser.yaml", tmp_path / "goreleaser.yaml", sboms=SBOMS)
    dist = goreleaser.run(config, sbom=True)
    dist.publish(server_root / "syft")
    (archive,) = [a for a in dist.archives if a.platform == ("linux", "amd64")]
    (sbom,) = [a for a in dist.of_type(SBOM) if a.name.startswith(archive.name)]
    document = json.loads(Path(sbom.path).read_text())
    assert document["bomFormat"] == "CycloneDX"
    # GoReleaser lists the SBOM in the checksums file: that is what vouches for it.
    (checksums,) = dist.checksums
    assert sbom.name in {line.split()[1] for line in Path(checksums.path).read_text().splitlines()}

    venv, env = tools
    out = tmp_path / "wheels"
    result = venv.run(
        "python", "-m", "cerebrium_cli.bootstrap", "wheels", "--from", f"{server.url}/syft/",
        "--out", str(out), "--platform", "linux/amd64",
        env=env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        carried = [n for n in zf.namelist() if "/sboms/" in n]
        assert carried == [f"cerebrium-{VERSION}.dist-info/sboms/{sbom.name}"]
        assert zf.read(carried[0]) == Path(sbom.path).read_bytes()
