"""Every verify policy against every combination of proofs a release and a package can hold.

Issue 22, item 4: with pins and a key in the package, a release whose checksums file and
signatures were absent installed under ``CEREBRIUM_VERIFY=signature``. Here each policy (auto,
signature, attestation) meets each combination of pins (present/absent), the release key
(present/absent), the key's signature ``checksums.txt.sig`` (present/absent/bad), a Sigstore
keyless bundle ``checksums.txt.sigstore.json`` (present/absent) and, for ``attestation``, a GitHub
attestation of the archive (present/absent), through the fetch API against a release directory.
Signatures are real: cosign's format made with a throwaway key (support.signing), keyless
bundles and attestations from the private Sigstore of support.sigstore_forge, verified by
sigstore-python. Each case asserts accept or refuse, that a refusal writes nothing, and the
log line that lists the proofs. :func:`_expected` is the table README's "Trust: what each policy
requires" prints; it is written from the policy's words, not from the code.
"""

from __future__ import annotations

import hashlib
import itertools
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cerebrium_cli.description import load_release
from cerebrium_cli.errors import BootstrapError, DownloadError, SignatureError
from cerebrium_cli.fetch import Install, fetch_binary, read_checksums
from cerebrium_cli.keyless import SignerIdentity, SigstoreTrust
from cerebrium_cli.locations import DirectoryLocation
from cerebrium_cli.pins import load_pins
from cerebrium_cli.platforms import Target
from cerebrium_cli.proofs import Proofs, unmet
from cerebrium_cli.signatures import PublicKey, load_public_key
from cerebrium_cli.sources import ReleaseLocation, Sources
from cerebrium_cli.verification import Verification
from support.attestation_api import api_with
from support.gocli import stamped_bytes
from support.release import make_archive, write_checksums
from support.signing import bundle, make_key, public_pem, sign
from support.sigstore_forge import github_identity

if TYPE_CHECKING:
    from cerebrium_cli.settings import VerifyPolicy
    from support.sigstore_forge import SigstoreTestRoot

REPO = "CerebriumAI/cerebrium"
TAG = "v2.0.0"
ARCHIVE = "cerebrium_cli_linux_amd64.tar.gz"
NAME = "checksums.txt"
SAN = github_identity(REPO, TAG)
PREDICATE = "https://slsa.dev/provenance/v1"
POLICIES: tuple[VerifyPolicy, ...] = ("auto", "signature", "attestation")


@dataclass(frozen=True)
class Case:
    """What the package and the release hold."""

    policy: VerifyPolicy
    pins: bool
    key: bool
    sig: str  # checksums.txt.sig by the release key: "present", "absent" or "bad" (another key)
    keyless: bool  # checksums.txt.sigstore.json, keyless by the release workflow
    attestation: bool  # an attestation of the archive's sha256 by the release workflow
    checksums: bool = True  # checksums.txt itself (absent: every file beside it answers 404)

    @property
    def id(self) -> str:
        parts = [
            self.policy,
            "pins" if self.pins else "no-pins",
            "key" if self.key else "no-key",
            f"sig-{self.sig}",
            "keyless" if self.keyless else "no-keyless",
            "attested" if self.attestation else "unattested",
        ]
        return "-".join(parts if self.checksums else [*parts[:3], "no-checksums"])


@dataclass(frozen=True)
class Outcome:
    refused: str | None  # a phrase of the refusal, or None: installed
    proofs: str = ""  # the accepted log line's list of proofs


def _expected(case: Case, fingerprint: str) -> Outcome:
    """The policy as README states it: key signatures are required when the key is pinned; a
    keyless bundle is verified when present; ``signature`` needs one of the two to verify (pins
    do not count); ``attestation`` needs that and a verified attestation."""
    if not case.checksums:
        if not case.pins:
            return Outcome("checksums.txt")  # nothing at all vouches for the archive
        if case.policy != "auto":
            return Outcome("do not stand in for a signature")
        return Outcome(None, "pinned checksums")
    proofs = ["pinned checksums"] if case.pins else []
    if case.key:
        if case.sig == "bad":
            return Outcome("does not verify with the release key")
        if case.sig == "absent":
            return Outcome("carries no signature by the release key" if case.keyless else "neither")
        proofs.append(f"signature by the release key {fingerprint}")
    if case.keyless:
        proofs.append(f"keyless signature by {SAN}")
    if case.policy != "auto" and not (case.key or case.keyless):
        return Outcome("is not signed")
    if case.policy == "attestation":
        if not case.attestation:
            return Outcome("no attestation")
        proofs.append(f"the archive attested ({PREDICATE}) by {SAN}")
    return Outcome(None, ", ".join(proofs) or "none: integrity only")


def _cases() -> list[Case]:
    signed = [
        Case(policy, pins, key, sig, keyless, attestation)
        for policy, pins, key, sig, keyless, attestation in itertools.product(
            POLICIES, (True, False), (True, False), ("present", "absent", "bad"), (True, False),
            (True, False),
        )
        if attestation or policy == "attestation"  # attestations are read under that policy only
    ]  # fmt: skip
    unsigned = [
        Case(policy, pins, key, "absent", False, False, checksums=False)
        for policy, pins, key in itertools.product(POLICIES, (True, False), (True, False))
    ]
    return signed + unsigned


@dataclass(frozen=True)
class Materials:
    """One release and everything that may vouch for it, made once: the test picks."""

    archive: Path
    checksums: bytes
    sig: bytes
    bad_sig: bytes
    keyless: bytes
    attestation: bytes
    key: PublicKey
    trust: SigstoreTrust


@pytest.fixture(scope="module")
def materials(
    tmp_path_factory: pytest.TempPathFactory, forge: SigstoreTestRoot, trusted_root: Path
) -> Materials:
    where = tmp_path_factory.mktemp("materials")
    binary = where / "cerebrium"
    # It records the tag's version as the release build does, so the version is bound and the
    # policy's rule on signatures is all that decides (binding.py: tests/test_binding.py).
    binary.write_bytes(stamped_bytes("2.0.0"))
    archive = make_archive(binary, where / ARCHIVE, "linux")
    checksums = write_checksums([archive], where / NAME).read_bytes()
    key = make_key()
    (where / "cosign.pub").write_bytes(public_pem(key))
    public = load_public_key(where / "cosign.pub")
    assert public is not None
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    return Materials(
        archive=archive,
        checksums=checksums,
        sig=sign(key, checksums),
        bad_sig=sign(make_key(), checksums),
        keyless=forge.sign_blob(checksums, repository=REPO, tag=TAG),
        attestation=forge.attest([(ARCHIVE, digest)], repository=REPO, tag=TAG),
        key=public,
        trust=SigstoreTrust(trusted_root),
    )


def _release(case: Case, made: Materials, root: Path) -> Path:
    """The release directory the case describes."""
    out = root / "release"
    out.mkdir()
    shutil.copy(made.archive, out / ARCHIVE)
    if case.checksums:
        (out / NAME).write_bytes(made.checksums)
        if case.sig != "absent":
            (out / f"{NAME}.sig").write_bytes(made.sig if case.sig == "present" else made.bad_sig)
        if case.keyless:
            (out / f"{NAME}.sigstore.json").write_bytes(made.keyless)
    return out


@pytest.mark.parametrize("case", _cases(), ids=lambda case: case.id)
def test_each_policy_accepts_exactly_what_it_promises(
    logged: list[str], case: Case, materials: Materials, tmp_path: Path
) -> None:
    release_dir = _release(case, materials, tmp_path)
    pins_file = tmp_path / "pinned-checksums.txt"
    pins_file.write_bytes(materials.checksums)
    digest = hashlib.sha256(materials.archive.read_bytes()).hexdigest()
    bundles = [materials.attestation] if case.attestation else []
    api = api_with(tmp_path, bundles, digest) if case.policy == "attestation" else None
    sources = Sources(
        location=ReleaseLocation.directory(release_dir),
        pins=load_pins(pins_file) if case.pins else None,
        verification=Verification(
            policy=case.policy,
            key=materials.key if case.key else None,
            identity=SignerIdentity(REPO, TAG),
            sigstore=materials.trust,
            attestations=DirectoryLocation(api) if api is not None else None,
        ),
    )
    dest = tmp_path / "bin"
    expected = _expected(case, materials.key.fingerprint)

    def fetch() -> Path:
        return fetch_binary(load_release(), Target("linux", "amd64"), TAG, dest, sources=sources)

    if expected.refused is None:
        assert fetch().read_bytes() == stamped_bytes("2.0.0")
        accepted = f"cerebrium: {ARCHIVE} accepted under CEREBRIUM_VERIFY={case.policy}; verified: "
        assert [line for line in logged if line.startswith(accepted)] == [
            accepted + expected.proofs
        ]
        return
    kind = DownloadError if not (case.checksums or case.pins) else SignatureError
    with pytest.raises(kind) as refused:
        fetch()
    assert expected.refused in str(refused.value)
    assert isinstance(refused.value, BootstrapError)
    assert not dest.exists()
    assert not any(" accepted under " in line for line in logged)


def test_the_headline_case_names_the_missing_file_and_the_two_ways_on(
    materials: Materials, tmp_path: Path
) -> None:
    # Pins and a key in the package, checksums.txt and its signatures 404: VERIFY=signature.
    case = Case("signature", True, True, "absent", False, False, checksums=False)
    pins_file = tmp_path / "pins.txt"
    pins_file.write_bytes(materials.checksums)
    sources = Sources(
        location=ReleaseLocation.directory(_release(case, materials, tmp_path)),
        pins=load_pins(pins_file),
        verification=Verification(policy="signature", key=materials.key),
    )
    with pytest.raises(SignatureError) as refused:
        fetch_binary(
            load_release(), Target("linux", "amd64"), TAG, tmp_path / "bin", sources=sources
        )
    message = str(refused.value)
    assert message.startswith("checksums.txt was not read (")
    assert "does not exist" in message or "404" in message, message
    assert "CEREBRIUM_VERIFY=signature requires one" in message
    assert "set CEREBRIUM_VERIFY=auto to install on the pinned checksums alone" in message


def test_offline_the_pins_alone_do_not_meet_the_signature_policy(
    materials: Materials, tmp_path: Path
) -> None:
    pins_file = tmp_path / "pins.txt"
    pins_file.write_bytes(materials.checksums)
    policies: list[tuple[VerifyPolicy, bool]] = [("auto", False), ("signature", True)]
    for policy, refused in policies:
        sources = Sources(
            location=ReleaseLocation(
                "https://example.invalid/r/", DirectoryLocation(tmp_path)
            ),  # offline: remote, never read
            archive_file=None,
            pins=load_pins(pins_file),
            offline=True,
            verification=Verification(policy=policy, key=materials.key),
        )
        if refused:
            with pytest.raises(SignatureError, match="OFFLINE is set, and the release location"):
                read_checksums(Install.of(load_release(), Target("linux", "amd64"), TAG, sources))
        else:
            assert read_checksums(
                Install.of(load_release(), Target("linux", "amd64"), TAG, sources)
            ).proofs.pins


@pytest.mark.parametrize(
    ("policy", "proofs", "missing"),
    [
        ("auto", Proofs(), None),
        ("signature", Proofs(pins=True), "a verified signature on the checksums file"),
        ("signature", Proofs(key="k"), None),
        ("signature", Proofs(keyless="w"), None),
        ("signature", Proofs(kept_signed=True), None),
        ("attestation", Proofs(pins=True, attestation="a"), "a verified signature"),
        ("attestation", Proofs(key="k"), "a verified attestation of the archive"),
        ("attestation", Proofs(keyless="w", attestation="a"), None),
    ],
)
def test_the_rule_is_stated_once_and_checked_last(
    logged: list[str], policy: VerifyPolicy, proofs: Proofs, missing: str | None
) -> None:
    found = unmet(policy, proofs)
    assert (found or "").startswith(missing or ""), found
    assert (found is None) == (missing is None)
    verification = Verification(policy=policy)
    if missing is None:
        verification.accept(ARCHIVE, proofs)
        assert logged == [
            f"cerebrium: {ARCHIVE} accepted under CEREBRIUM_VERIFY={policy}; verified: "
            + proofs.describe()
        ]
        return
    # Reached only if an earlier check let a case through: the last word still refuses.
    with pytest.raises(SignatureError, match=f"{ARCHIVE} was refused: CEREBRIUM_VERIFY={policy} "):
        verification.accept(ARCHIVE, proofs)
    assert logged == []


def test_a_key_signed_bundle_without_the_key_is_named_as_such(
    logged: list[str], materials: Materials, tmp_path: Path
) -> None:
    # No key in the package, sigstore installed: a bundle cosign made with a key can be
    # checked by nothing here, and the refusal says so rather than "not found".
    out = tmp_path / "release"
    out.mkdir()
    (out / NAME).write_bytes(materials.checksums)
    (out / f"{NAME}.sigstore.json").write_bytes(bundle(make_key(), materials.checksums))
    verification = Verification(
        policy="signature", identity=SignerIdentity(REPO, TAG), sigstore=materials.trust
    )
    with pytest.raises(SignatureError, match="is signed with a key, not keyless, and the package"):
        verification.check_checksums(DirectoryLocation(out), NAME, materials.checksums)
    auto = Verification(identity=SignerIdentity(REPO, TAG), sigstore=materials.trust)
    proofs = auto.check_checksums(DirectoryLocation(out), NAME, materials.checksums)
    assert proofs == Proofs()
    assert logged == [f"cerebrium: {NAME} carries no keyless signature; not verified"]
