"""Through pip: another release's genuine, signed files, served for v2.0.0, do not install.

The replay of the issue: GoReleaser releases v1.0.0 of this project's goreleaser.yaml, its
checksums.txt is signed with the release key the package pins (cosign.pub), and the release
location for v2.0.0 serves those files. The key's signature verifies (it covers checksums.txt,
which names no version); the binary's build information records 1.0.0, and the install stops.
With pins, the v2.0.0 pins refuse v1.0.0's checksums first. A release whose binaries record no
version (built with -trimpath) installs under ``auto`` saying the version is not bound, and is
refused under ``signature``.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml
from conftest import ROOT, VERSION
from support.installs import (
    Installed,
    assert_installed,
    assert_not_installed,
)
from support.signing import make_key, public_pem, sign

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
    from support.goreleaser import GoReleaser
    from support.installs import Installer
    from support.release import Release

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(sys.platform == "win32", reason="POSIX")]

REPLAYED = "1.0.0"


@pytest.fixture(scope="module")
def release_key() -> EllipticCurvePrivateKey:
    return make_key()


def _signed(published: Path, key: EllipticCurvePrivateKey) -> Path:
    """``published`` with checksums.txt.sig made by ``key`` (cosign sign-blob --key)."""
    checksums = published / "checksums.txt"
    (published / "checksums.txt.sig").write_bytes(sign(key, checksums.read_bytes()))
    return published


@pytest.fixture(scope="module")
def replayed(
    goreleaser: GoReleaser, server_root: Path, release_key: EllipticCurvePrivateKey
) -> Path:
    """The genuine v1.0.0 release, signed by the release key, where v2.0.0 is asked for:
    ``<server>/replayed/``."""
    dist = goreleaser.run(ROOT / "goreleaser.yaml", version=REPLAYED)
    return _signed(dist.publish(server_root / "replayed"), release_key)


def _sdist(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    *,
    key: bytes | None = None,
    pins: bytes | None = None,
    config: Path | None = None,
) -> Path:
    """The sdist of a copy of this checkout with a release key, pins or another goreleaser.yaml."""
    from support.sdist import build_sdist, copy_checkout

    checkout = copy_checkout(tmp_path_factory.mktemp(name) / "src")
    if key is not None:
        (checkout / "wrapper" / "cosign.pub").write_bytes(key)
    if pins is not None:
        (checkout / "wrapper" / "pinned-checksums.txt").write_bytes(pins)
    if config is not None:
        shutil.copyfile(config, checkout / "goreleaser.yaml")
    return build_sdist(tmp_path_factory.mktemp(f"{name}-dist"), checkout)


@pytest.fixture(scope="module")
def keyed_sdist(
    tmp_path_factory: pytest.TempPathFactory, release_key: EllipticCurvePrivateKey
) -> Path:
    return _sdist(tmp_path_factory, "keyed", key=public_pem(release_key))


@pytest.mark.parametrize("verify", ["signature", "auto"])
def test_a_signed_older_release_served_as_the_new_one_is_refused(
    installer: Installer,
    keyed_sdist: Path,
    replayed: Path,
    verify: str,
) -> None:
    env = installer.env("replayed", CEREBRIUM_VERIFY=verify)
    venv, result = installer.install(env, sdist=keyed_sdist)
    out = assert_not_installed(venv, result)
    # The key's signature verified: what stopped it is the version inside the binary.
    assert "checksums.txt signed (cosign signature" in out
    said = "the archive holds version '1.0.0', not '2.0.0': the release location serves "
    assert said in out, out[-3000:]
    assert "another release's files for v2.0.0" in out


def test_the_release_itself_installs_saying_its_version_is_bound(
    installer: Installer,
    keyed_sdist: Path,
    release: Release,
    release_key: EllipticCurvePrivateKey,
    server_root: Path,
) -> None:
    from support.installs import copy_release

    _signed(copy_release(release, server_root / "signed-v2"), release_key)
    env = installer.env("signed-v2", CEREBRIUM_VERIFY="signature")
    venv, result = installer.install(env, sdist=keyed_sdist)
    assert_installed(venv, result, VERSION)
    out = result.stdout + result.stderr
    assert "records version 2.0.0 (-X github.com/cerebriumai/cerebrium/internal/version" in out
    assert "), matching the tag v2.0.0" in out


def test_with_pins_the_older_release_is_refused_by_them(
    installer: Installer,
    tmp_path_factory: pytest.TempPathFactory,
    release: Release,
    replayed: Path,
) -> None:
    """The pins are v2.0.0's checksums.txt: v1.0.0's differs in every file (the packages'
    names carry the version), and the message lists the differences truly, before any archive
    is fetched."""
    sdist = _sdist(tmp_path_factory, "pinned", pins=release.checksums.read_bytes())
    env = installer.env("replayed", CEREBRIUM_VERIFY="auto")
    venv, result = installer.install(env, sdist=sdist)
    out = assert_not_installed(venv, result)
    assert "disagrees with the checksums pinned in this package" in out
    listed = re.findall(r"^\s*(\S+): pinned (\S+), \S+ has (\S+)$", out, re.MULTILINE)
    assert len(listed) == 8  # the first eight differences, by name
    pinned, served = _entries(release.checksums), _entries(replayed / "checksums.txt")
    for name, was_pinned, has in listed:
        assert was_pinned == pinned.get(name, "(absent)")
        assert has == served.get(name, "(absent)")
    assert "downloading" not in out  # no archive was fetched


def _entries(checksums: Path) -> dict[str, str]:
    lines = checksums.read_text().splitlines()
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines)}


@pytest.fixture(scope="module")
def unbound(
    tmp_path_factory: pytest.TempPathFactory,
    goreleaser: GoReleaser,
    server_root: Path,
    release_key: EllipticCurvePrivateKey,
) -> tuple[Path, Path]:
    """A release built with -trimpath (its binaries record neither ldflags nor, for a v2 tag of
    a v0/v1 module path, a main module version), signed by the key: (sdist, served dir). One
    target, this machine's, to keep it quick."""
    from support.goreleaser import derive_config

    base = yaml.safe_load((ROOT / "goreleaser.yaml").read_text())
    build = {**base["builds"][0], "flags": ["-trimpath"], "goos": ["linux"], "goarch": ["amd64"]}
    config = derive_config(
        ROOT / "goreleaser.yaml",
        tmp_path_factory.mktemp("unbound") / "goreleaser.yaml",
        builds=[build],
    )
    dist = goreleaser.run(config)
    served = _signed(dist.publish(server_root / "unbound"), release_key)
    sdist = _sdist(tmp_path_factory, "unbound-sdist", key=public_pem(release_key), config=config)
    return sdist, served


@pytest.fixture
def install_unbound(installer: Installer, unbound: tuple[Path, Path]) -> Callable[..., Installed]:
    """``install_unbound(verify, extra="")``: pip install the unbound release's sdist."""

    def run(verify: str, extra: str = "") -> Installed:
        env = installer.env("unbound", CEREBRIUM_VERIFY=verify)
        return installer.install(env, sdist=unbound[0], extra=extra)

    return run


def test_nothing_binding_the_version_is_said_under_auto(
    install_unbound: Callable[..., Installed],
) -> None:
    venv, result = install_unbound(verify="auto", extra="[bootstrap]")  # for the info command
    assert_installed(venv, result, VERSION)
    out = result.stdout + result.stderr
    assert "cerebrium: signed by the release key; the version is not bound (" in out
    assert "built with -trimpath" in out
    info = venv.run(venv.python, "-m", "cerebrium_cli.bootstrap", "info")
    assert info.returncode == 0, info.stderr
    assert "version binding: signed by the release key; the version is not bound" in info.stdout


def test_nothing_binding_the_version_is_refused_under_signature(
    install_unbound: Callable[..., Installed],
) -> None:
    venv, result = install_unbound(verify="signature")
    out = assert_not_installed(venv, result)
    assert "signed by the release key; the version is not bound" in out
    assert "CEREBRIUM_VERIFY=signature refuses that" in out
    assert "the bootstrap 'pin' command" in out
