"""Through pip: a package carrying the release key installs only releases that key signed."""

from __future__ import annotations

import functools
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pytest
import yaml
from cerebrium_cli.signatures import PublicKey
from conftest import ROOT, VERSION
from support.installs import (
    Installed,
    assert_installed,
    assert_not_installed,
    copy_release,
)
from support.signing import (
    COSIGN_PASSWORD,
    CosignKeyPair,
    bundle,
    cosign_key_pair,
    make_key,
    public_pem,
    sign,
)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
    from support.goreleaser import Dist, GoReleaser
    from support.installs import Installer
    from support.release import Release

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(sys.platform == "win32", reason="POSIX")]


@pytest.fixture(scope="module")
def release_key() -> EllipticCurvePrivateKey:
    return make_key()


def _sdist_with_key(
    tmp_path_factory: pytest.TempPathFactory, name: str, public: bytes, pins: bytes | None = None
) -> Path:
    """The sdist built from a copy of this checkout carrying ``public`` as wrapper/cosign.pub,
    and ``pins`` as wrapper/pinned-checksums.txt when given."""
    from support.sdist import build_sdist, copy_checkout

    checkout = copy_checkout(tmp_path_factory.mktemp(name) / "src")
    (checkout / "wrapper" / "cosign.pub").write_bytes(public)
    if pins is not None:
        (checkout / "wrapper" / "pinned-checksums.txt").write_bytes(pins)
    return build_sdist(tmp_path_factory.mktemp(f"{name}-dist"), checkout)


@pytest.fixture(scope="module")
def keyed_sdist(
    tmp_path_factory: pytest.TempPathFactory, release_key: EllipticCurvePrivateKey
) -> Path:
    return _sdist_with_key(tmp_path_factory, "keyed", public_pem(release_key))


@pytest.fixture(scope="module")
def keyed_pinned_sdist(
    tmp_path_factory: pytest.TempPathFactory,
    release_key: EllipticCurvePrivateKey,
    release: Release,
) -> Path:
    """The sdist carrying the release key and the good release's checksums as its pins."""
    pins = release.checksums.read_bytes()
    return _sdist_with_key(tmp_path_factory, "keyed-pinned", public_pem(release_key), pins)


class InstallFrom(Protocol):
    def __call__(self, sdist: Path, name: str, **env: str) -> Installed: ...


@pytest.fixture
def install_from(installer: Installer) -> InstallFrom:
    """``install_from(sdist, name, **env)``: ``pip install sdist`` into a fresh venv, against
    the release at ``<server>/<name>/``, with ``env`` added to the install's settings."""

    def install_sdist(sdist: Path, name: str, **more: str) -> Installed:
        return installer.install(installer.env(name, **more), sdist=sdist)

    return install_sdist


def _signed_copy(release: Release, dest: Path, key: EllipticCurvePrivateKey, form: str) -> Path:
    """A copy of ``release`` at ``dest`` whose checksums.txt ``key`` signed, in ``form``: "sig"
    (``checksums.txt.sig``) or "bundle" (``checksums.txt.sigstore.json``)."""
    out = copy_release(release, dest)
    data = (out / "checksums.txt").read_bytes()
    if form == "sig":
        (out / "checksums.txt.sig").write_bytes(sign(key, data))
    else:
        (out / "checksums.txt.sigstore.json").write_bytes(bundle(key, data))
    return out


def _said_signed(result: subprocess.CompletedProcess[str], form: str) -> bool:
    """The build hook reported checksums.txt signed, in ``form`` ("sig", "bundle" or
    "old-bundle")."""
    expected = {"sig": "cosign signature", "old-bundle": "cosign bundle"}.get(
        form, "Sigstore bundle"
    )
    return f"checksums.txt signed ({expected}" in result.stdout + result.stderr


@pytest.mark.parametrize("form", ["sig", "bundle"])
def test_a_release_signed_by_the_pinned_key_installs(
    install_from: InstallFrom,
    keyed_sdist: Path,
    server_root: Path,
    release: Release,
    release_key: EllipticCurvePrivateKey,
    form: str,
) -> None:
    _signed_copy(release, server_root / f"signed-{form}", release_key, form)
    venv, result = install_from(keyed_sdist, f"signed-{form}")
    assert_installed(venv, result, VERSION)
    assert _said_signed(result, form)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("other-key", "does not verify with the release key"),
        ("unsigned", "checksums.txt is not signed"),
        ("edited", "does not verify with the release key"),
    ],
)
def test_releases_the_key_did_not_sign_are_refused(
    install_from: InstallFrom,
    keyed_sdist: Path,
    server_root: Path,
    release: Release,
    release_key: EllipticCurvePrivateKey,
    case: str,
    message: str,
) -> None:
    out = copy_release(release, server_root / f"refused-{case}")
    checksums = out / "checksums.txt"
    if case == "other-key":
        (out / "checksums.txt.sig").write_bytes(sign(make_key(), checksums.read_bytes()))
    elif case == "edited":
        (out / "checksums.txt.sig").write_bytes(sign(release_key, checksums.read_bytes()))
        lines = checksums.read_text().splitlines()
        lines[0] = "f" * 64 + lines[0][64:]  # another archive's digest changed after signing
        checksums.write_text("\n".join(lines) + "\n")
    venv, result = install_from(keyed_sdist, f"refused-{case}")
    assert message in assert_not_installed(venv, result)


# --- The verify policy: what CEREBRIUM_VERIFY=signature means (issue 22, item 4) --------------


@pytest.mark.parametrize("policy", ["signature", "auto"])
def test_pins_do_not_stand_in_for_a_signature_under_the_signature_policy(
    install_from: InstallFrom,
    keyed_pinned_sdist: Path,
    server_root: Path,
    release: Release,
    policy: str,
) -> None:
    # Pins and a key in the package; the release's checksums.txt and signatures answer 404.
    out = copy_release(release, server_root / f"no-checksums-{policy}")
    (out / "checksums.txt").unlink()
    assert not list(out.glob("checksums.txt*"))
    venv, result = install_from(keyed_pinned_sdist, out.name, CEREBRIUM_VERIFY=policy)
    if policy == "signature":
        message = assert_not_installed(venv, result)
        assert "checksums.txt was not read (" in message
        assert "404" in message
        assert "CEREBRIUM_VERIFY=signature requires one, and the checksums pinned" in message
        assert " accepted under " not in message
    else:  # auto: the pins suffice, and the log says that they were all that was checked
        assert_installed(venv, result, VERSION)
        expected = " accepted under CEREBRIUM_VERIFY=auto; verified: pinned checksums\n"
        assert expected in result.stdout + result.stderr


@pytest.mark.parametrize("form", ["sig", "bundle"])
def test_the_log_names_each_proof_that_was_checked(
    install_from: InstallFrom,
    keyed_pinned_sdist: Path,
    server_root: Path,
    release: Release,
    release_key: EllipticCurvePrivateKey,
    form: str,
) -> None:
    out = _signed_copy(release, server_root / f"proofs-{form}", release_key, form)
    venv, result = install_from(keyed_pinned_sdist, out.name, CEREBRIUM_VERIFY="signature")
    assert_installed(venv, result, VERSION)
    fingerprint = PublicKey(release_key.public_key(), "").fingerprint
    proofs = f"verified: pinned checksums, signature by the release key {fingerprint}\n"
    assert "accepted under CEREBRIUM_VERIFY=signature; " + proofs in result.stdout + result.stderr


# --- Hostile JSON (issue 22, item 5) ----------------------------------------------------------


def test_a_bundle_of_a_million_brackets_is_refused_without_a_traceback(
    install_from: InstallFrom, keyed_sdist: Path, server_root: Path, release: Release
) -> None:
    out = copy_release(release, server_root / "brackets")
    (out / "checksums.txt.sigstore.json").write_bytes(b"[" * (1 << 20))
    venv, result = install_from(keyed_sdist, out.name, CEREBRIUM_VERIFY="signature")
    message = assert_not_installed(venv, result)  # no traceback, no command, no distribution
    assert (
        "checksums.txt.sigstore.json is not a Sigstore bundle: it nests deeper than 64" in message
    )
    assert "RecursionError" not in message


# --- Real cosign, through GoReleaser's signs block ------------------------------------------

# GoReleaser signs checksums.txt with `cosign sign-blob --key` (the key from the environment, as
# the README's maintainer section recommends). `--tlog-upload=false` keeps it offline: no Rekor
# entry, which a signature checked against a pinned key does not need; `--new-bundle-format`
# makes `--bundle` write a Sigstore bundle (v0.3, messageSignature) instead of cosign's legacy
# JSON.
SIGNS = {
    "sig": {
        "id": "checksums",
        "cmd": "cosign",
        "artifacts": "checksum",
        "signature": "${artifact}.sig",
        "args": [
            "sign-blob", "--key=env://COSIGN_PRIVATE_KEY", "--output-signature=${signature}",
            "--tlog-upload=false", "--yes", "${artifact}",
        ],
    },
    "bundle": {
        "id": "checksums",
        "cmd": "cosign",
        "artifacts": "checksum",
        "signature": "${artifact}.sigstore.json",
        "args": [
            "sign-blob", "--key=env://COSIGN_PRIVATE_KEY", "--bundle=${signature}",
            "--new-bundle-format", "--tlog-upload=false", "--yes", "${artifact}",
        ],
    },
}  # fmt: skip
# cosign's bundle before --new-bundle-format (cosign v2's default): base64Signature, verified
# with the key, not a Sigstore bundle.
SIGNS["old-bundle"] = {
    **SIGNS["bundle"],
    "args": [arg for arg in SIGNS["bundle"]["args"] if arg != "--new-bundle-format"],
}
# GoReleaser v2.15.x rewrites checksums.txt after signing it, adding the signature's own line, so
# the signature no longer matches (goreleaser/goreleaser#6514, fixed in v2.16.0 by
# b5eabc893 "fix(checksum): exclude signature and certificates"). With v2.15.1 a release
# keeps its signature valid by naming what checksums.txt covers: the archives' and packages' id,
# not the signs block's.
CHECKSUM_IDS = ("cerebrium",)


@pytest.fixture(scope="module")
def cosign_keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CosignKeyPair]:
    """Two key pairs made by cosign: the release's and another one."""
    tmp = tmp_path_factory.mktemp("cosign-keys")
    return {name: cosign_key_pair(tmp / name) for name in ("release", "other")}


@pytest.fixture(scope="module")
def cosign_sdists(
    tmp_path_factory: pytest.TempPathFactory, cosign_keys: dict[str, CosignKeyPair]
) -> dict[str, Path]:
    """The sdist carrying each key pair's cosign.pub as wrapper/cosign.pub."""
    return {
        name: _sdist_with_key(tmp_path_factory, f"cosign-{name}", pair.public)
        for name, pair in cosign_keys.items()
    }


@dataclass(frozen=True)
class CosignSigned:
    """One GoReleaser run with a signs block, and where its release is served from."""

    dist: Dist
    published: Path  # <server root>/<name>, the assets under their release names


class SignRelease(Protocol):
    def __call__(
        self, form: str, checksum_ids: tuple[str, ...] | None = CHECKSUM_IDS
    ) -> CosignSigned: ...


@pytest.fixture(scope="module")
def cosign_signed(
    tmp_path_factory: pytest.TempPathFactory,
    goreleaser: GoReleaser,
    cosign_keys: dict[str, CosignKeyPair],
    server_root: Path,
) -> SignRelease:
    """``cosign_signed(form)``: GoReleaser's release of the project's configuration plus a signs
    block of that form, signed with the release key, at ``<server>/cosign-<form>/`` (made once
    per form and ``checksum_ids``)."""
    from support.goreleaser import derive_config

    private = cosign_keys["release"].private
    env = {"COSIGN_PASSWORD": COSIGN_PASSWORD, "COSIGN_PRIVATE_KEY": private.decode()}

    def make(form: str, checksum_ids: tuple[str, ...] | None = CHECKSUM_IDS) -> CosignSigned:
        base = yaml.safe_load((ROOT / "goreleaser.yaml").read_text())
        checksum = {**base["checksum"], **({"ids": list(checksum_ids)} if checksum_ids else {})}
        name = f"cosign-{form}" if checksum_ids else f"cosign-{form}-all"
        config = derive_config(
            ROOT / "goreleaser.yaml",
            tmp_path_factory.mktemp(name) / "goreleaser.yaml",
            signs=[SIGNS[form]],
            checksum=checksum,
        )
        dist = goreleaser.run(config, sign=True, env=env)
        return CosignSigned(dist, dist.publish(server_root / name))

    return functools.cache(make)


@pytest.mark.parametrize("form", ["sig", "bundle", "old-bundle"])
def test_goreleaser_and_cosign_signed_release_installs_with_its_key(
    install_from: InstallFrom,
    cosign_signed: SignRelease,
    cosign_sdists: dict[str, Path],
    form: str,
) -> None:
    signed = cosign_signed(form)
    (signature,) = [a for a in signed.dist.assets if a.type == "Signature"]
    assert (signed.published / signature.name).is_file()
    expected_name = "checksums.txt.sig" if form == "sig" else "checksums.txt.sigstore.json"
    assert signature.name == expected_name
    venv, result = install_from(cosign_sdists["release"], signed.published.name)
    assert_installed(venv, result, VERSION)
    assert _said_signed(result, form)


@pytest.mark.parametrize("form", ["sig", "bundle", "old-bundle"])
def test_goreleaser_and_cosign_signed_release_is_refused_with_another_key(
    install_from: InstallFrom,
    cosign_signed: SignRelease,
    cosign_sdists: dict[str, Path],
    form: str,
) -> None:
    signed = cosign_signed(form)
    venv, result = install_from(cosign_sdists["other"], signed.published.name)
    assert "does not verify with the release key" in assert_not_installed(venv, result)


def test_a_checksums_file_goreleaser_changed_after_signing_it_is_refused(
    install_from: InstallFrom,
    cosign_signed: SignRelease,
    cosign_sdists: dict[str, Path],
) -> None:
    # GoReleaser v2.15.x without checksum.ids (goreleaser#6514): its checksums.txt lists
    # checksums.txt.sig, written after the signature was made. Even with the right key, such a
    # release installs nothing.
    signed = cosign_signed("sig", checksum_ids=None)
    (checksums,) = signed.dist.checksums
    if "checksums.txt.sig" not in (signed.published / checksums.name).read_text():
        pytest.skip("this GoReleaser no longer changes checksums.txt after signing it")
    venv, result = install_from(cosign_sdists["release"], signed.published.name)
    assert "checksums file was changed after signing" in assert_not_installed(venv, result)
