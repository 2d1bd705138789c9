"""A bundle made by the public Sigstore instance, verified offline by the project's keyless code.

The forge (tests/support/sigstore_forge.py) proves the logic against certificates the tests
make; this proves it against one that Fulcio really issued and Rekor really logged:
``../shared/testdata/sigstore-public/`` (see its README) holds sigstore-python's test bundle for
the wheel ``rfc8785-0.1.2-py3-none-any.whl``, signed in GitHub Actions by
``trailofbits/rfc8785.py``'s release workflow at tag ``v0.1.2``, and the public-good trusted
root. The wheel comes from PyPI once, into the wheelhouse, by nox (noxfile.py ``_prepare``);
the tests pin its digest and connect nowhere. The shared folder lies beside the repository
(CI lays it there); ``CEREBRIUM_TEST_SHARED`` points elsewhere, e.g. from a git worktree.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from cerebrium_cli import keyless
from cerebrium_cli.errors import SignatureError
from cerebrium_cli.keyless import SignerIdentity, SigstoreTrust
from cerebrium_cli.locations import DirectoryLocation
from cerebrium_cli.verification import Verification
from support.sigstore_forge import SigstoreTestRoot

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CEREBRIUM_TEST_SHARED") or ROOT.parent / "shared")
PUBLIC = SHARED / "testdata" / "sigstore-public"
BUNDLE = "bundle_v3_github.whl.sigstore"
WHEEL = "rfc8785-0.1.2-py3-none-any.whl"
WHEEL_SHA256 = "c4e92e9ecc828bef2aa7dba1de8ac983511f7532a0df11c770d39099a25cf201"

REPOSITORY = "trailofbits/rfc8785.py"
TAG = "v0.1.2"
SAN = f"https://github.com/{REPOSITORY}/.github/workflows/release.yml@refs/tags/{TAG}"
SIGNER = (
    f"{SAN} (issuer {keyless.GITHUB_ACTIONS_ISSUER}, repository https://github.com/{REPOSITORY}, "
    f"ref refs/tags/{TAG})"
)


@pytest.fixture(scope="module")
def public() -> Path:
    if not (PUBLIC / BUNDLE).is_file():
        pytest.fail(
            f"{PUBLIC / BUNDLE} is missing: the shared test data lies beside the repository "
            "(set CEREBRIUM_TEST_SHARED to its folder when it does not)"
        )
    return PUBLIC


@pytest.fixture(scope="module")
def wheel(wheelhouse: Path) -> bytes:
    path = wheelhouse / WHEEL
    if not path.is_file():
        pytest.fail(f"{path} is missing: `nox -s tests` downloads it into the wheelhouse")
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == WHEEL_SHA256, f"{path} is not the signed wheel"
    return data


@pytest.fixture(scope="module")
def bundle(public: Path) -> bytes:
    return (public / BUNDLE).read_bytes()


@pytest.fixture(scope="module")
def prod(public: Path) -> SigstoreTrust:
    return SigstoreTrust(public / "trusted_root.prod.json")


def test_the_real_bundle_verifies_for_its_real_identity(
    wheel: bytes, bundle: bytes, prod: SigstoreTrust
) -> None:
    how = keyless.verify_blob(wheel, bundle, SignerIdentity(REPOSITORY, TAG), prod, BUNDLE)
    assert how == SAN


def test_as_an_install_reads_it_beside_the_signed_file(
    logged: list[str], wheel: bytes, bundle: bytes, prod: SigstoreTrust, tmp_path: Path
) -> None:
    # The file layout an install meets: the signed file, and its bundle beside it.
    (tmp_path / WHEEL).write_bytes(wheel)
    (tmp_path / f"{WHEEL}.sigstore.json").write_bytes(bundle)
    assert keyless.is_keyless_bundle(bundle, "b")  # a v0.2 bundle: an x509CertificateChain
    verification = Verification(
        policy="signature", identity=SignerIdentity(REPOSITORY, TAG), sigstore=prod
    )
    proofs = verification.check_checksums(DirectoryLocation(tmp_path), WHEEL, wheel)
    assert proofs.keyless == SAN
    assert logged == [f"cerebrium: {WHEEL} signed keyless by {SAN} ({prod.trusted_root})"]


@pytest.mark.parametrize(
    ("repository", "tag", "issuer", "rule"),
    [
        pytest.param(
            "trailofbits/rfc8785", TAG, None, "OIDCSourceRepositoryURI", id="another-repository"
        ),
        pytest.param(
            "sigstore/sigstore-python", TAG, None, "OIDCSourceRepositoryURI", id="another-owner"
        ),
        pytest.param(REPOSITORY, "v0.1.3", None, "OIDCSourceRepositoryRef", id="another-tag"),
        pytest.param(REPOSITORY, "v0.1", None, "OIDCSourceRepositoryRef", id="tag-prefix"),
        pytest.param(REPOSITORY, "0.1.2", None, "OIDCSourceRepositoryRef", id="tag-without-v"),
        pytest.param(
            REPOSITORY, TAG, "https://accounts.google.com", "OIDCIssuerV2", id="another-issuer"
        ),
    ],
)
def test_another_identity_is_a_policy_refusal_naming_both(
    wheel: bytes,
    bundle: bytes,
    prod: SigstoreTrust,
    repository: str,
    tag: str,
    issuer: str | None,
    rule: str,
) -> None:
    expected = SignerIdentity(repository, tag, issuer or keyless.GITHUB_ACTIONS_ISSUER)
    with pytest.raises(SignatureError) as refused:
        keyless.verify_blob(wheel, bundle, expected, prod, BUNDLE)
    message = str(refused.value)
    assert message.startswith(f"{BUNDLE} is signed by {SIGNER}; ")
    assert f"the release expects {expected.describe()}." in message
    assert rule in message
    assert message.count(BUNDLE) == 1
    assert "malformed" not in message
    assert "does not verify" not in message


def test_another_spelling_of_the_repository_is_refused_and_the_spelling_shown(
    wheel: bytes, bundle: bytes, prod: SigstoreTrust
) -> None:
    with pytest.raises(SignatureError) as refused:
        keyless.verify_blob(wheel, bundle, SignerIdentity("TrailOfBits/RFC8785.py", TAG), prod, "b")
    assert f"GitHub spells the repository https://github.com/{REPOSITORY}" in str(refused.value)


def test_one_changed_byte_of_the_wheel_is_refused(
    wheel: bytes, bundle: bytes, prod: SigstoreTrust
) -> None:
    changed = bytearray(wheel)
    changed[len(changed) // 2] ^= 0x01
    with pytest.raises(SignatureError) as refused:
        keyless.verify_blob(bytes(changed), bundle, SignerIdentity(REPOSITORY, TAG), prod, BUNDLE)
    message = str(refused.value)
    assert message.startswith(f"{BUNDLE} does not verify: ")
    assert "changed after it was signed" in message
    assert "malformed" not in message


def test_another_trusted_root_is_refused(wheel: bytes, bundle: bytes, tmp_path: Path) -> None:
    forged = tmp_path / "trusted_root.json"
    forged.write_bytes(SigstoreTestRoot().trusted_root_json())
    with pytest.raises(SignatureError) as refused:
        keyless.verify_blob(
            wheel, bundle, SignerIdentity(REPOSITORY, TAG), SigstoreTrust(forged), BUNDLE
        )
    assert str(refused.value).startswith(f"{BUNDLE} does not verify: ")


def test_bytes_that_do_not_parse_are_malformed(
    wheel: bytes, bundle: bytes, prod: SigstoreTrust
) -> None:
    for broken in (bundle[: len(bundle) // 2], b"{}", b"not json"):
        with pytest.raises(SignatureError) as refused:
            keyless.verify_blob(wheel, broken, SignerIdentity(REPOSITORY, TAG), prod, BUNDLE)
        assert str(refused.value).startswith(f"{BUNDLE} is malformed: ")


def test_the_shared_copy_is_the_one_its_readme_describes(public: Path) -> None:
    digests = {  # as its README lists them
        BUNDLE: "b49e7c6b452af421e5965321fc31e004d7554af3acd89f661f8c2f0f94c37e9d",
        "trusted_root.prod.json": (
            "6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66"
        ),
    }
    for name, digest in digests.items():
        assert hashlib.sha256((public / name).read_bytes()).hexdigest() == digest, name
