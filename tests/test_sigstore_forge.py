"""The forged private Sigstore is one sigstore-python really accepts, and really rejects with.

Tests that rely on ``support.sigstore_forge`` for keyless bundles are only meaningful if the real
verifier passes its bundles for the right identity and fails them for anything else; this checks
both, offline, against sigstore-python's own ``Verifier``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sigstore.errors import VerificationError
from sigstore.models import Bundle, TrustedRoot
from sigstore.verify import Verifier, policy
from support.sigstore_forge import GITHUB_ISSUER, SigstoreTestRoot, github_identity

REPOSITORY = "cerebriumai/cerebrium"
TAG = "v2.0.0"
DATA = b"0123abcd  cerebrium_2.0.0_linux_amd64.tar.gz\n"


@pytest.fixture(scope="module")
def root() -> SigstoreTestRoot:
    return SigstoreTestRoot()


@pytest.fixture
def verifier(root: SigstoreTestRoot, tmp_path: Path) -> Verifier:
    """A verifier that trusts ``root`` only, loaded from a file as a caller would load it."""
    path = tmp_path / "trusted_root.json"
    path.write_bytes(root.trusted_root_json())
    return Verifier(trusted_root=TrustedRoot.from_file(str(path)))


def release_policy(
    repository: str = REPOSITORY, tag: str = TAG, issuer: str = GITHUB_ISSUER
) -> policy.AllOf:
    """What a release check pins: the issuer (v1 and v2 claims), the workflow identity at the
    tag, and the repository and ref claims."""
    identity = github_identity(repository, tag)
    return policy.AllOf(
        [
            policy.OIDCIssuerV2(issuer),
            policy.Identity(identity=identity, issuer=issuer),
            policy.GitHubWorkflowRepository(repository),
            policy.GitHubWorkflowRef(f"refs/tags/{tag}"),
            policy.OIDCBuildSignerURI(identity),
            policy.OIDCSourceRepositoryURI(f"https://github.com/{repository}"),
            policy.OIDCSourceRepositoryRef(f"refs/tags/{tag}"),
        ]
    )


def test_blob_bundle_verifies(root: SigstoreTestRoot, verifier: Verifier) -> None:
    bundle = root.sign_blob(DATA, repository=REPOSITORY, tag=TAG)

    assert json.loads(bundle)["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json"
    verifier.verify_artifact(DATA, Bundle.from_json(bundle), release_policy())


def test_blob_bundles_keep_verifying_as_the_log_grows(
    root: SigstoreTestRoot, verifier: Verifier
) -> None:
    # Each entry lands at a new index with a different inclusion path and checkpoint.
    for n in range(5):
        data = DATA + bytes([n])
        bundle = root.sign_blob(data, repository=REPOSITORY, tag=TAG)
        verifier.verify_artifact(data, Bundle.from_json(bundle), release_policy())


@pytest.mark.parametrize(
    ("data", "sign_kwargs", "expected_policy"),
    [
        pytest.param(DATA + b"x", {}, release_policy(), id="tampered-data"),
        pytest.param(
            DATA, {"identity": "https://github.com/evil/fork"}, release_policy(), id="san"
        ),
        pytest.param(DATA, {}, release_policy(tag="v9.9.9"), id="other-tag"),
        pytest.param(DATA, {}, release_policy(repository="evil/fork"), id="other-repository"),
        pytest.param(
            DATA, {"issuer": "https://accounts.example.com"}, release_policy(), id="issuer"
        ),
        pytest.param(DATA, {}, release_policy(issuer="https://accounts.example.com"), id="pinned"),
    ],
)
def test_blob_bundle_rejected(
    root: SigstoreTestRoot,
    verifier: Verifier,
    data: bytes,
    sign_kwargs: dict[str, Any],
    expected_policy: policy.AllOf,
) -> None:
    bundle = root.sign_blob(DATA, repository=REPOSITORY, tag=TAG, **sign_kwargs)

    with pytest.raises(VerificationError):
        verifier.verify_artifact(data, Bundle.from_json(bundle), expected_policy)


def test_blob_bundle_from_an_untrusted_root_rejected(verifier: Verifier) -> None:
    bundle = SigstoreTestRoot().sign_blob(DATA, repository=REPOSITORY, tag=TAG)

    with pytest.raises(VerificationError):
        verifier.verify_artifact(DATA, Bundle.from_json(bundle), release_policy())


def _tamper_time(entry: dict[str, Any]) -> None:
    entry["integratedTime"] = str(int(entry["integratedTime"]) + 1)


def _tamper_root_hash(entry: dict[str, Any]) -> None:
    proof = entry["inclusionProof"]
    proof["rootHash"] = base64.b64encode(hashlib.sha256(b"other tree").digest()).decode()


@pytest.mark.parametrize("tamper", [_tamper_time, _tamper_root_hash])
def test_log_entry_is_really_checked(
    root: SigstoreTestRoot, verifier: Verifier, tamper: Any
) -> None:
    # The signed entry timestamp and the inclusion proof are verified, not just present.
    document = json.loads(root.sign_blob(DATA, repository=REPOSITORY, tag=TAG))
    tamper(document["verificationMaterial"]["tlogEntries"][0])

    with pytest.raises(VerificationError):
        verifier.verify_artifact(DATA, Bundle.from_json(json.dumps(document)), release_policy())


def test_attestation_verifies(root: SigstoreTestRoot, verifier: Verifier) -> None:
    digest = hashlib.sha256(DATA).hexdigest()
    name = "cerebrium_2.0.0_linux_amd64.tar.gz"
    bundle = root.attest([(name, digest)], repository=REPOSITORY, tag=TAG)

    payload_type, payload = verifier.verify_dsse(Bundle.from_json(bundle), release_policy())

    assert payload_type == "application/vnd.in-toto+json"
    statement = json.loads(payload)
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://slsa.dev/provenance/v1"
    assert statement["subject"] == [{"name": name, "digest": {"sha256": digest}}]


def test_attestation_from_an_untrusted_root_rejected(verifier: Verifier) -> None:
    digest = hashlib.sha256(DATA).hexdigest()
    bundle = SigstoreTestRoot().attest([("a", digest)], repository=REPOSITORY, tag=TAG)

    with pytest.raises(VerificationError):
        verifier.verify_dsse(Bundle.from_json(bundle), release_policy())


def test_attestation_for_another_repository_rejected(
    root: SigstoreTestRoot, verifier: Verifier
) -> None:
    digest = hashlib.sha256(DATA).hexdigest()
    bundle = root.attest([("a", digest)], repository="evil/fork", tag=TAG)

    with pytest.raises(VerificationError):
        verifier.verify_dsse(Bundle.from_json(bundle), release_policy())
