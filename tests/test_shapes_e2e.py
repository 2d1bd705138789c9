"""Three real-world GoReleaser shapes, end to end: GoReleaser's dist/ is what the package names,
verifies and installs.

For each configuration of ``support/shapes.py`` (trivy's many Linux targets, k9s's universal
binary, cosign's per-OS bare binaries with split checksums), real GoReleaser v2.15.1 builds the
test CLI with its cosign ``signs`` and syft ``sboms`` blocks. Then:

- ``bootstrap names --config FILE`` must list exactly the archives, checksum files, signatures
  and SBOMs GoReleaser uploads (``dist/artifacts.json``), targets with a variant as
  ``linux/armv6``, a universal binary as ``darwin/all`` (issue 20, "Every target");
- the signature and SBOM names rendered from ``signs``/``sboms`` must be GoReleaser's own
  (issue 20, "Names from the configuration");
- an sdist carrying the configuration and the cosign public key installs through pip from the
  served ``dist/``, the signature checked, and ``bootstrap verify --all`` verifies every archive;
- ``bootstrap wheels --from`` and ``bootstrap sdist`` (issue 20, "Any project, no fork") turn
  that dist/ into wheels and an sdist that pass ``twine check``, are uploaded to a local index
  and install with pip and uv (the host's wheel; the sdist when the wheel is withheld).
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import VERSION
from support.installs import install, settings
from support.shapes import SHAPES, expected_names, run_shape
from support.signing import CosignKeyPair, cosign_key_pair

if TYPE_CHECKING:
    from support.goreleaser import Dist, GoReleaser
    from support.server import ReleaseServer
    from support.venvs import Venv

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(sys.platform == "win32", reason="POSIX")]

BIN = Path(sys.executable).parent  # the test environment's twine and uv


@pytest.fixture(scope="module")
def release_key(tmp_path_factory: pytest.TempPathFactory) -> CosignKeyPair:
    """The cosign key (``cosign generate-key-pair``) the shapes' releases are signed with."""
    return cosign_key_pair(tmp_path_factory.mktemp("shapes-key") / "key")


@pytest.fixture(scope="module")
def dist_of(goreleaser: GoReleaser, release_key: CosignKeyPair) -> Callable[[str], Dist]:
    """GoReleaser's run of the shape named, once per session."""

    def run(key: str) -> Dist:
        return run_shape(goreleaser, SHAPES[key], release_key)

    return run


def _checkout(config: Path, origin: str, where: Path) -> Path:
    """A git folder with ``config`` as goreleaser.yaml and ``origin`` as its remote."""
    where.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(config, where / "goreleaser.yaml")
    subprocess.run(["git", "init", "--quiet", str(where)], check=True)
    subprocess.run(["git", "-C", str(where), "remote", "add", "origin", origin], check=True)
    return where / "goreleaser.yaml"


def _names(config: Path) -> list[str]:
    """``bootstrap names --config FILE --version VERSION``'s lines, run in this process."""
    from cerebrium_cli.bootstrap import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["names", "--config", str(config), "--version", VERSION])
    assert code == 0, err.getvalue()
    return out.getvalue().splitlines()


@pytest.mark.parametrize("key", SHAPES)
def test_names_lists_exactly_what_goreleaser_uploads(
    dist_of: Callable[[str], Dist], key: str, tmp_path: Path
) -> None:
    dist = dist_of(key)
    lines = _names(_checkout(SHAPES[key].config, dist.origin, tmp_path))
    assert sorted(lines) == expected_names(dist)
    assert len(lines) == len(set(lines)), lines


@pytest.mark.parametrize("key", SHAPES)
def test_signature_and_sbom_names_come_from_the_signs_and_sboms_blocks(
    dist_of: Callable[[str], Dist], key: str, tmp_path: Path
) -> None:
    # For every archive the package lists, the checksum file, the signatures on it and the SBOMs
    # of the archive (or its binary) are the files GoReleaser's sign and sbom pipes wrote.
    from cerebrium_cli.description import load_release
    from support.goreleaser import CERTIFICATE, SBOM, SIGNATURE

    dist = dist_of(key)
    release = load_release(_checkout(SHAPES[key].config, dist.origin, tmp_path))
    tag = dist.tag
    by_name = {a.name: a for a in dist.archives}
    signatures = {a.name for a in dist.of_type(SIGNATURE)}
    certificates = {a.name for a in dist.of_type(CERTIFICATE)}
    sboms = {a.name for a in dist.of_type(SBOM)}
    assert signatures, "the shape signs its release"
    assert sboms, "the shape describes its release"
    described: dict[str, set[str]] = {}
    for target in release.targets:
        archive = by_name[release.archive_name(target, tag)]
        checksums = release.checksum_name(tag, archive.name)
        assert checksums == dist.checksum_of(archive).name
        named = release.checksum_signatures(tag, checksums)
        # GoReleaser's signature (and certificate) on that checksum file, all of them.
        assert {s for s, _ in named} == {s for s in signatures if s.startswith(checksums + ".")}
        assert {c for _, c in named if c} == {
            c for c in certificates if c.startswith(checksums + ".")
        }
        # One of the SBOMs GoReleaser wrote (artifacts.json does not say of which artifact).
        (sbom,) = release.sbom_names(target, tag)
        assert sbom in sboms, (sbom, sorted(sboms))
        described.setdefault(archive.name, set()).add(sbom)
    # One SBOM per archive, each archive's its own.
    assert all(len(names) == 1 for names in described.values()), described
    assert len({n for names in described.values() for n in names}) == len(described), described


@dataclass(frozen=True)
class ShapeInstall:
    dist: Dist
    venv: Venv
    result: subprocess.CompletedProcess[str]
    url: str
    env: dict[str, str]


@pytest.fixture(scope="module")
def installed(
    tmp_path_factory: pytest.TempPathFactory,
    dist_of: Callable[[str], Dist],
    release_key: CosignKeyPair,
    wheelhouse: Path,
    ca_file: Path,
    server: ReleaseServer,
    server_root: Path,
) -> Callable[[str], ShapeInstall]:
    """``installed(key)``: pip install the sdist carrying shape ``key``'s configuration as its
    goreleaser.yaml and the release key as wrapper/cosign.pub (so a signature is required),
    against GoReleaser's dist/ served at ``<server>/shape-<key>/``."""
    from cerebrium_cli.description import load_release
    from support.sdist import build_sdist, copy_checkout

    def install_shape(key: str) -> ShapeInstall:
        dist = dist_of(key)
        dist.publish(server_root / f"shape-{key}")
        tmp = tmp_path_factory.mktemp(f"shape-{key}")
        checkout = copy_checkout(tmp / "src")
        _checkout(SHAPES[key].config, dist.origin, checkout)
        (checkout / "wrapper" / "cosign.pub").write_bytes(release_key.public)
        sdist = build_sdist(tmp / "dist", checkout)
        prefix = load_release(checkout / "goreleaser.yaml").env_prefix
        url = f"{server.url}/shape-{key}/"
        # The default policy: the pinned key makes the signature required. (Not
        # VERIFY=signature: with -trimpath and no version in the names, nothing binds the
        # version, and that policy refuses such a release by design.)
        env = settings(ca_file, url, tmp / "cache", prefix=prefix)
        venv, result = install(
            tmp, f"{sdist}[bootstrap]", wheelhouse=wheelhouse, env=env, prefix=prefix
        )
        return ShapeInstall(dist, venv, result, url, env)

    return functools.cache(install_shape)


@pytest.mark.parametrize("key", SHAPES)
def test_pip_installs_the_shape_from_goreleasers_dist_with_its_signature_checked(
    installed: Callable[[str], ShapeInstall], key: str
) -> None:
    from cerebrium_cli.platforms import current_target
    from support.goreleaser import SIGNATURE

    made = installed(key)
    output = made.result.stdout + made.result.stderr
    assert made.result.returncode == 0, output[-4000:]
    run = made.venv.run(SHAPES[key].command, "version")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"cerebrium version {VERSION}"
    # The signature GoReleaser's signs block wrote on this machine's checksum file, checked with
    # the pinned key under the name the configuration gives it.
    target = current_target()
    (archive,) = [
        a for a in made.dist.archives if (a.goos, a.goarch) == (target.os, target.arch)
    ] or [a for a in made.dist.archives if (a.goos, a.goarch) == (target.os, "all")]
    checksums = made.dist.checksum_of(archive).name
    assert any(s.name.startswith(checksums) for s in made.dist.of_type(SIGNATURE))
    assert f"{checksums} signed (" in output, output[-4000:]


@pytest.mark.parametrize("key", SHAPES)
def test_bootstrap_verify_checks_every_archive_and_finds_the_sboms(
    installed: Callable[[str], ShapeInstall], key: str
) -> None:
    made = installed(key)
    assert made.result.returncode == 0, made.result.stderr[-4000:]
    result = made.venv.run(
        "python", "-m", "cerebrium_cli.bootstrap", "verify", "--all", env=made.env, timeout=300
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    output = result.stdout + result.stderr
    # The package's own names, rendered from the configuration it carries.
    lines = made.venv.run(
        "python", "-m", "cerebrium_cli.bootstrap", "names", env=made.env
    ).stdout.splitlines()
    archives = [line.split(" ", 1)[1] for line in lines if "/" in line.split(" ", 1)[0]]
    assert archives
    for name in archives:
        assert name in output, (name, output[-4000:])
    # Every SBOM the package names is one GoReleaser uploaded.
    from support.goreleaser import SBOM

    sboms = [line.split(" ", 1)[1] for line in lines if line.startswith("sbom ")]
    assert sboms
    assert set(sboms) <= {a.name for a in made.dist.of_type(SBOM)}, sboms


# --- From dist/ to a package index: the commands issue 20 adds ------------------------------


@dataclass(frozen=True)
class Published:
    sdist: Path
    wheels: list[Path]
    log: str  # what ``bootstrap wheels`` printed, stdout and stderr


@pytest.fixture(scope="module")
def published(
    tmp_path_factory: pytest.TempPathFactory, dist_of: Callable[[str], Dist]
) -> Callable[[str], Published]:
    """``published(key)``: the sdist and wheels made by ``bootstrap sdist`` and ``bootstrap
    wheels --from <dist>`` for shape ``key``."""

    def publish(key: str) -> Published:
        dist = dist_of(key)
        out = tmp_path_factory.mktemp(f"published-{key}")
        config = _checkout(SHAPES[key].config, dist.origin, out / "checkout")
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent / "as_installed")}
        logs = []
        for command in (
            ["wheels", "--config", config, "--from", dist.dir, "--out", out / "pkg"],
            ["sdist", "--config", config, "--version", VERSION, "--out", out / "pkg"],
        ):
            run = subprocess.run(
                [sys.executable, "-m", "cerebrium_cli.bootstrap", *map(str, command)],
                capture_output=True, text=True, env=env, timeout=600,
            )  # fmt: skip
            assert run.returncode == 0, run.stderr[-4000:]
            logs.append(run.stdout + run.stderr)
        (sdist,) = (out / "pkg").glob("*.tar.gz")
        return Published(sdist, sorted((out / "pkg").glob("*.whl")), logs[0])

    return functools.cache(publish)


@pytest.mark.parametrize("key", SHAPES)
def test_the_wheels_and_sdist_from_dist_pass_twine_check(
    published: Callable[[str], Published], key: str
) -> None:
    made = published(key)
    sdist, wheels = made.sdist, made.wheels
    assert wheels
    check = subprocess.run(
        [str(BIN / "twine"), "check", "--strict", str(sdist), *map(str, wheels)],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize("key", SHAPES)
def test_wheels_makes_a_wheel_for_every_target_or_says_why_not(
    published: Callable[[str], Published], dist_of: Callable[[str], Dist], key: str
) -> None:
    # Every target GoReleaser archived gets one wheel, tagged from its own archive's binary, or
    # a line saying why PyPI takes none; a universal binary (darwin/all) one universal2 wheel.
    from packaging.utils import parse_wheel_filename

    made, dist = published(key), dist_of(key)
    lines = made.log.splitlines()
    skipped = {m[1] for m in (re.search(r" skipped (\S+): ", line) for line in lines) if m}
    tagged = [m[1] for m in (re.search(r" from (\S+) is .*: wheel tag ", ln) for ln in lines) if m]
    targets = {a.target: a.name for a in dist.archives}
    assert skipped <= set(targets), (skipped, targets)
    assert sorted(tagged) == sorted(n for t, n in targets.items() if t not in skipped), made.log
    assert len(made.wheels) == len(tagged), ([w.name for w in made.wheels], made.log)
    tags = [str(tag.platform) for w in made.wheels for tag in parse_wheel_filename(w.name)[3]]
    universal = [t for t in tags if t.endswith("_universal2")]
    assert len(universal) == (1 if "darwin/all" in targets else 0), tags


@pytest.mark.parametrize("key", SHAPES)
@pytest.mark.parametrize("installer", ["pip", "uv"])
@pytest.mark.parametrize("withhold_wheel", [False, True], ids=["wheel", "sdist"])
def test_pip_and_uv_install_the_published_shape_from_an_index(
    published: Callable[[str], Published],
    dist_of: Callable[[str], Dist],
    tmp_path: Path,
    wheelhouse: Path,
    ca_file: Path,
    server: ReleaseServer,
    server_root: Path,
    key: str,
    installer: str,
    withhold_wheel: bool,
) -> None:
    from cerebrium_cli.description import load_release
    from packaging.tags import sys_tags
    from packaging.utils import parse_wheel_filename
    from support.index import PackageIndex

    made = published(key)
    sdist, wheels = made.sdist, made.wheels
    host = set(sys_tags())
    mine = [w for w in wheels if set(parse_wheel_filename(w.name)[3]) & host]
    assert mine, ("no wheel for this machine", [w.name for w in wheels])
    uploaded = [sdist, *(w for w in wheels if not (withhold_wheel and w in mine))]
    dist = dist_of(key)
    dist.publish(server_root / f"published-{key}")
    name = parse_wheel_filename(mine[0].name)[0]
    prefix = load_release(SHAPES[key].config).env_prefix
    # Where the sdist's build fetches the binary from, when it is the sdist that installs.
    release = settings(ca_file, f"{server.url}/published-{key}/", tmp_path / "cache", prefix=prefix)
    with PackageIndex(tmp_path / "index") as index:
        index.upload(uploaded)
        index.add(sorted(wheelhouse.glob("*.whl")))  # the build requirements, as on PyPI
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))},
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_NO_CACHE_DIR": "1",
            "UV_NO_CONFIG": "1",
            "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
            **release,
        }
        venv = tmp_path / "venv"
        if installer == "pip":
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            command = [str(venv / "bin" / "python"), "-m", "pip", "install"]
        else:
            subprocess.run(
                [str(BIN / "uv"), "venv", "--python", sys.executable, str(venv)],
                check=True,
                env=env,
            )
            command = [str(BIN / "uv"), "pip", "install", "--python", str(venv / "bin" / "python")]
        result = subprocess.run(
            [*command, "--index-url", index.url, str(name)],
            capture_output=True, text=True, env=env, timeout=600,
        )  # fmt: skip
        assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    run = subprocess.run(
        [str(venv / "bin" / SHAPES[key].command), "version"], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"cerebrium version {VERSION}"


def test_each_shape_is_one_goreleaser_really_built(dist_of: Callable[[str], Dist]) -> None:
    # The oracle itself: every shape built, checksummed, signed and described its release.
    from support.goreleaser import SBOM, SIGNATURE

    for key in SHAPES:
        dist = dist_of(key)
        for made in (dist.archives, dist.checksums, dist.of_type(SIGNATURE), dist.of_type(SBOM)):
            assert made, key


# --- cosign v3: the new bundle format only (sigstore/cosign#4505) ---------------------------


def test_a_cosign_v3_bundle_verifies_with_the_release_key(
    dist_of: Callable[[str], Dist], release_key: CosignKeyPair, tmp_path: Path
) -> None:
    from cerebrium_cli.errors import SignatureError
    from cerebrium_cli.signatures import load_public_key, verify
    from support.gotools import TOOLS, tool_path

    cosign3 = tool_path("cosign-v3")
    if not cosign3.is_file():
        pytest.skip(
            f"cosign v3 is not built ({TOOLS['cosign-v3'].spec}): "
            "python tests/support/gotools.py cosign-v3"
        )
    (checksums,) = dist_of("trivy").checksums
    bundle = tmp_path / f"{checksums.name}.sigstore.json"
    # A key, no transparency log and no signing config: nothing leaves the machine.
    sign = subprocess.run(
        [
            str(cosign3), "sign-blob", "--key=env://COSIGN_PRIVATE_KEY", f"--bundle={bundle}",
            "--use-signing-config=false", "--tlog-upload=false", "--yes", str(checksums.path),
        ],
        env={**os.environ, **release_key.env},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert sign.returncode == 0, sign.stderr
    (tmp_path / "cosign.pub").write_bytes(release_key.public)
    key = load_public_key(tmp_path / "cosign.pub")
    assert key is not None
    data = checksums.path.read_bytes()
    said = verify(key, data, sig=None, bundle=bundle.read_bytes(), name=checksums.name)
    assert said.startswith("signed (Sigstore bundle, key ")
    with pytest.raises(SignatureError, match="signs a different file"):
        verify(key, data + b"\n", sig=None, bundle=bundle.read_bytes(), name=checksums.name)
