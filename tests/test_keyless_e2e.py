"""Through pip: Sigstore keyless signatures and GitHub attestations, offline, in an isolated build.

The package carries no release key, so ``CEREBRIUM_VERIFY=signature`` can only be met by a
keyless signature: the build backend adds sigstore to pip's isolated build environment (from the
wheelhouse), and the build hook verifies the release's bundle against a forged Sigstore root
(``CEREBRIUM_SIGSTORE_TRUSTED_ROOT``) and the release repository's workflow identity. GitHub's
attestations API is served by the tests' HTTPS server (``GITHUB_API_URL``).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import VERSION
from support.installs import assert_not_installed, copy_release
from support.sigstore_forge import SigstoreTestRoot

if TYPE_CHECKING:
    from collections.abc import Callable

    from support.installs import Installer
    from support.release import Release
    from support.server import ReleaseServer
    from support.venvs import Venv

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(sys.platform == "win32", reason="POSIX")]

REPO = "CerebriumAI/cerebrium"  # goreleaser.yaml's release.github
TAG = f"v{VERSION}"
SIGNER = f"https://github.com/{REPO}/.github/workflows/release.yml@refs/tags/{TAG}"


def _archive(release: Release) -> Path:
    from cerebrium_cli.platforms import current_target

    target = current_target()
    return release.archives[(target.os, target.arch)]


def _install(
    installer: Installer, trusted_root: Path, name: str, **env: str
) -> tuple[Venv, subprocess.CompletedProcess[str], str]:
    """Install the sdist from ``<server>/<name>/`` with keyless verification against the forge."""
    environ = {
        **installer.env(name),
        "CEREBRIUM_VERIFY": "signature",
        "CEREBRIUM_SIGSTORE_TRUSTED_ROOT": str(trusted_root),
        **env,
    }
    venv, result = installer.install(environ)
    return venv, result, result.stdout + result.stderr


def test_a_release_signed_keyless_by_its_workflow_installs(
    installer: Installer,
    server_root: Path,
    release: Release,
    forge: SigstoreTestRoot,
    trusted_root: Path,
) -> None:
    out = copy_release(release, server_root / "keyless-good")
    bundle = forge.sign_blob((out / "checksums.txt").read_bytes(), repository=REPO, tag=TAG)
    (out / "checksums.txt.sigstore.json").write_bytes(bundle)
    venv, result, text = _install(installer, trusted_root, "keyless-good")
    assert result.returncode == 0, text[-3000:]
    assert f"checksums.txt signed keyless by {SIGNER} ({trusted_root})" in text
    # The backend asked pip for sigstore in the isolated build environment.
    assert "to install backend dependencies" in text
    assert "(from sigstore>=4)" in text
    assert venv.run("cerebrium", "version").stdout.strip() == f"cerebrium version {VERSION}"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            "other-repository",
            "repository https://github.com/someone/cerebrium, ref refs/tags/v2.0.0); the release "
            "expects a workflow of github.com/CerebriumAI/cerebrium at refs/tags/v2.0.0",
        ),
        ("other-issuer", "(issuer https://accounts.google.com, repository https://github.com/"),
        ("edited", "checksums.txt.sigstore.json does not verify"),
        ("other-root", "checksums.txt.sigstore.json does not verify"),
        ("unsigned", "CEREBRIUM_VERIFY=signature requires one"),
    ],
)
def test_releases_not_signed_by_the_workflow_are_refused(
    installer: Installer,
    server_root: Path,
    release: Release,
    forge: SigstoreTestRoot,
    trusted_root: Path,
    case: str,
    message: str,
) -> None:
    out = copy_release(release, server_root / f"keyless-{case}")
    checksums = out / "checksums.txt"
    data = checksums.read_bytes()
    signer = {"repository": REPO, "tag": TAG}
    signers: dict[str, Callable[[], bytes | None]] = {
        "other-repository": lambda: forge.sign_blob(data, repository="someone/cerebrium", tag=TAG),
        "other-issuer": lambda: forge.sign_blob(
            data, **signer, issuer="https://accounts.google.com"
        ),
        "edited": lambda: forge.sign_blob(data, **signer),
        "other-root": lambda: SigstoreTestRoot().sign_blob(data, **signer),
        "unsigned": lambda: None,
    }
    bundle = signers[case]()
    if bundle is not None:
        (out / "checksums.txt.sigstore.json").write_bytes(bundle)
    if case == "edited":
        lines = checksums.read_text().splitlines()
        lines[0] = "f" * 64 + lines[0][64:]  # another archive's digest changed after signing
        checksums.write_text("\n".join(lines) + "\n")
    venv, result, text = _install(installer, trusted_root, f"keyless-{case}")
    assert_not_installed(venv, result)
    assert message in text
    assert "nothing was installed" in text.lower()


@pytest.mark.parametrize("case", ["right-digest", "wrong-digest", "stored-bundle"])
def test_the_attestation_policy_checks_githubs_attestation_of_the_archive(
    installer: Installer,
    server: ReleaseServer,
    server_root: Path,
    release: Release,
    forge: SigstoreTestRoot,
    trusted_root: Path,
    case: str,
) -> None:
    out = copy_release(release, server_root / f"attested-{case}")
    bundle = forge.sign_blob((out / "checksums.txt").read_bytes(), repository=REPO, tag=TAG)
    (out / "checksums.txt.sigstore.json").write_bytes(bundle)
    archive = _archive(release)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    subject = hashlib.sha256(b"another build").hexdigest() if case == "wrong-digest" else digest
    attestation = forge.attest([(archive.name, subject)], repository=REPO, tag=TAG)
    # GET {GITHUB_API_URL}/repos/{owner}/{name}/attestations/sha256:{digest}
    api = server_root / f"api-{case}"
    listing = api / "repos" / REPO / "attestations" / f"sha256:{digest}"
    listing.parent.mkdir(parents=True)
    if case == "stored-bundle":
        # What GitHub answers since July 2026: no inline bundle, a pre-signed URL to a Snappy blob.
        import cramjam

        blob = server_root / f"blob-{case}" / "attestations" / "1.json.sn"
        blob.parent.mkdir(parents=True)
        blob.write_bytes(bytes(cramjam.snappy.compress_raw(attestation)))
        query = "sv=2026-07-16&se=2026-11-23T00%3A00Z&sig=c2lnbmVk%2Bc2VjcmV0"
        server.presigned(f"/blob-{case}/attestations/1.json.sn", query)
        url = f"{server.url}/blob-{case}/attestations/1.json.sn?{query}"
        entry = {"bundle": None, "bundle_url": url, "initiator": "user"}
        listing.write_text(json.dumps({"attestations": [entry]}))
    else:
        listing.write_text(json.dumps({"attestations": [{"bundle": json.loads(attestation)}]}))
    venv, result, text = _install(
        installer,
        trusted_root,
        f"attested-{case}",
        CEREBRIUM_VERIFY="attestation",
        GITHUB_API_URL=f"{server.url}/api-{case}",
    )
    if case != "wrong-digest":
        assert result.returncode == 0, text[-3000:]
        assert f"{archive.name} attested (https://slsa.dev/provenance/v1) by {SIGNER}" in text
        assert venv.run("cerebrium", "version").returncode == 0
        if case == "stored-bundle":
            asked = [r.path for r in server.requests if r.path.startswith(f"/blob-{case}/")]
            assert asked == [f"/blob-{case}/attestations/1.json.sn"]
            assert "c2VjcmV0" not in text  # the URL's signature is never logged
    else:
        assert_not_installed(venv, result)
        assert f"is about sha256 {subject}, not this archive's sha256 {digest}" in text
