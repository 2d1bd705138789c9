"""Another GoReleaser project published with this package, no fork: real GoReleaser's dist/ of
a project "tasktool" turned into its wheels and sdist, checked by twine, and its sdist installed
with pip from the release served over HTTPS on loopback, then its command run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml
from cerebrium_cli import bootstrap
from support.installs import install, settings
from support.signing import make_key, public_pem, sign

if TYPE_CHECKING:
    from support.goreleaser import Dist, GoReleaser
    from support.server import ReleaseServer

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(sys.platform == "win32", reason="GoReleaser runs on POSIX here"),
]

PROJECT = "tasktool"
OWN = "cerebrium"  # this package's own name, which nothing written for another project may hold
# A project of its own: its names, its release location; only the test CLI's source is shared.
CONFIG = {
    "version": 2,
    "project_name": PROJECT,
    "builds": [
        {
            "main": f"./cmd/{PROJECT}",
            "binary": PROJECT,
            "env": ["CGO_ENABLED=0"],
            "flags": ["-trimpath"],
            "goos": ["linux", "darwin", "windows"],
            "goarch": ["amd64", "arm64"],
        }
    ],
    "archives": [
        {"formats": ["binary"], "name_template": "{{ .ProjectName }}_{{ .Os }}_{{ .Arch }}"}
    ],
    "checksum": {"name_template": "SHA256SUMS"},
    "release": {"github": {"owner": "example-org", "name": PROJECT}},
}


@dataclass(frozen=True)
class Published:
    dist: Dist
    config: Path
    wheels: list[Path]
    sdist: Path


@pytest.fixture(scope="module")
def published(goreleaser: GoReleaser, tmp_path_factory: pytest.TempPathFactory) -> Published:
    tmp = tmp_path_factory.mktemp("publish")
    config = tmp / "goreleaser.yaml"
    config.write_text(yaml.safe_dump(CONFIG, sort_keys=False))
    dist = goreleaser.run(config)
    out = tmp / "out"
    # The one CI step of README's "Publish your GoReleaser CLI to PyPI", from dist/ alone.
    assert bootstrap.main(["wheels", "--from", str(dist.dir), "--out", str(out), "-q"]) == 0
    assert bootstrap.main(["sdist", "--from", str(dist.dir), "--out", str(out), "-q"]) == 0
    (sdist,) = out.glob("*.tar.gz")
    return Published(dist, config, sorted(out.glob("*.whl")), sdist)


def _unpacked(published: Published) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for wheel in published.wheels:
        with zipfile.ZipFile(wheel) as archive:
            files.update({f"{wheel.name}/{n}": archive.read(n) for n in archive.namelist()})
    with tarfile.open(published.sdist) as tar:
        for member in tar.getmembers():
            handle = tar.extractfile(member)
            assert handle is not None
            files[f"sdist/{member.name}"] = handle.read()
    return files


def test_every_target_gets_a_wheel_named_for_the_project(published: Published) -> None:
    targets = {(a.goos, a.goarch) for a in published.dist.archives}
    assert len(published.wheels) == len(targets) >= 5  # darwin may merge into universal2
    for wheel in published.wheels:
        assert wheel.name.startswith(f"{PROJECT}-{published.dist.version}-py3-none-")
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
            entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
            assert f"{PROJECT} = {PROJECT}_cli.__main__:main" in archive.read(entry_points).decode()
            assert any(n.startswith(f"{PROJECT}_cli/bin/{PROJECT}") for n in names)
            init = archive.read(f"{PROJECT}_cli/__init__.py").decode()
            assert f'__version__ = "{published.dist.version}"' in init


def _written(name: str, data: bytes) -> bytes:
    """What this package wrote of a file: the binary is the project's own build (the shared
    test CLI's Go module path is in it), and what is read from it (its SBOM, the build
    information in verification.json) says so."""
    if "/bin/" in name or "/sboms/" in name:
        return b""
    if name.endswith("/verification.json"):
        record = json.loads(data)
        record.get("binary", {}).pop("build_info", None)
        record.pop("build_info", None)
        return json.dumps(record).encode()
    return data


def test_nothing_written_names_this_package(published: Published) -> None:
    files = _unpacked(published)
    named = [name for name, data in files.items() if OWN.encode() in _written(name, data).lower()]
    assert named == []
    assert not [name for name in files if OWN in name.lower()]
    assert any(name.endswith("/verification.json") for name in files)


def test_twine_check_passes(published: Published) -> None:
    paths = [str(p) for p in [*published.wheels, published.sdist]]
    run = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *paths],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_sdist_installs_the_verified_binary_and_runs_it(
    published: Published,
    server: ReleaseServer,
    server_root: Path,
    ca_file: Path,
    wheelhouse: Path,
    tmp_path: Path,
) -> None:
    published.dist.publish(server_root / PROJECT)
    prefix = f"{PROJECT.upper()}_"
    env = settings(ca_file, f"{server.url}/{PROJECT}/", tmp_path / "cache", prefix=prefix)
    venv, result = install(
        tmp_path, f"{published.sdist}[bootstrap]", wheelhouse=wheelhouse, env=env, prefix=prefix
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "verified" in result.stdout + result.stderr
    run = venv.run(venv.script(PROJECT), "version")
    assert run.returncode == 0, run.stderr
    assert published.dist.version in run.stdout
    # The installed package (a wheel, without setup.py beside it) makes the sdist again.
    again = tmp_path / "again"
    module = f"{PROJECT}_cli.bootstrap"
    args = ["sdist", "--from", str(published.dist.dir), "--out", str(again)]
    made = venv.run(venv.python, "-m", module, *args, env=env)
    assert made.returncode == 0, made.stderr
    (sdist,) = again.glob("*.tar.gz")
    assert sdist.name == published.sdist.name


def test_wheels_from_the_published_release_with_its_configuration(
    published: Published,
    server: ReleaseServer,
    server_root: Path,
    ca_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    published.dist.publish(server_root / f"{PROJECT}-url")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    out = tmp_path / "out"
    args = ["wheels", "--config", str(published.config), "--version", published.dist.version]
    where = f"{server.url}/{PROJECT}-url/"
    assert bootstrap.main([*args, "--from", where, "--out", str(out), "-q"]) == 0
    assert sorted(w.name for w in out.glob("*.whl")) == [w.name for w in published.wheels]


def _copy_of_dist(published: Published, tmp_path: Path) -> Path:
    """A copy of GoReleaser's dist/ for a test to change: artifacts.json's paths are relative to
    the folder GoReleaser ran in, so they hold for the copy too."""
    return Path(shutil.copytree(published.dist.dir, tmp_path / "dist"))


def test_a_changed_archive_in_dist_gets_no_wheel(
    published: Published, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dist = _copy_of_dist(published, tmp_path)
    archive = next(a for a in published.dist.archives if a.platform == ("linux", "amd64"))
    changed = dist / archive.path.relative_to(published.dist.dir)
    changed.write_bytes(changed.read_bytes() + b"\0")
    out = tmp_path / "out"
    assert bootstrap.main(["wheels", "--from", str(dist), "--out", str(out), "-q"]) == 1
    assert "linux/amd64: " in capsys.readouterr().err
    assert not out.exists()  # nor for the others: a release is published whole


@pytest.mark.parametrize("signer", ["the project's key", "another key"])
def test_the_checksums_signature_is_verified_with_the_projects_key(
    published: Published, tmp_path: Path, signer: str, capsys: pytest.CaptureFixture[str]
) -> None:
    dist = _copy_of_dist(published, tmp_path)
    key, other = make_key(), make_key()
    checksums = dist / "SHA256SUMS"
    (dist / "SHA256SUMS.sig").write_bytes(
        sign(key if signer == "the project's key" else other, checksums.read_bytes())
    )
    public = tmp_path / "cosign.pub"
    public.write_bytes(public_pem(key))
    out = tmp_path / "out"
    args = ["wheels", "--from", str(dist), "--out", str(out), "--key", str(public), "-q"]
    if signer == "the project's key":
        assert bootstrap.main(args) == 0
        wheel = next(out.glob("*.whl"))
        with zipfile.ZipFile(wheel) as archive:  # and installs from the sdist verify with it too
            assert archive.read(f"{PROJECT}_cli/cosign.pub") == public.read_bytes()
    else:
        assert bootstrap.main(args) == 1
        assert "SHA256SUMS" in capsys.readouterr().err
        assert list(out.glob("*.whl")) == []
