"""Sigstore keyless signatures and GitHub attestations, verified offline against a forged root.

The SAN rule is tested as pure logic; the rest goes through sigstore-python's real verifier
and policy classes with ``support.sigstore_forge``'s private Sigstore
(tests/test_sigstore_forge.py shows the verifier really accepts and rejects its bundles;
tests/test_public_sigstore.py does the same with a bundle the public instance made).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import cramjam
import pytest
from cerebrium_cli import keyless
from cerebrium_cli import verification as verification_module
from cerebrium_cli.attestations import (
    MAX_BUNDLE_SIZE,
    Listed,
    bundle_reference,
    listing_url,
    parse_listing,
    read_stored_bundle,
)
from cerebrium_cli.description import load_release
from cerebrium_cli.errors import ConfigError, SignatureError
from cerebrium_cli.fetch import fetch_binary
from cerebrium_cli.keyless import SignerIdentity, SigstoreTrust, der_utf8_string
from cerebrium_cli.locations import DirectoryLocation, location_for
from cerebrium_cli.platforms import Target
from cerebrium_cli.settings import Settings
from cerebrium_cli.sources import ReleaseLocation, Sources
from cerebrium_cli.verification import Verification
from support.attestation_api import api_with
from support.release import make_archive, write_checksums
from support.sigstore_forge import SigstoreTestRoot, github_identity
from support.snappy_blocks import copy, literal, varint

if TYPE_CHECKING:
    from cerebrium_cli._http import Downloader
    from cerebrium_cli.settings import VerifyPolicy

REPO = "CerebriumAI/cerebrium"
TAG = "v2.0.0"
ARCHIVE = "cerebrium_cli_linux_amd64.tar.gz"
NAME = "checksums.txt"
DATA = b"0" * 64 + b"  " + ARCHIVE.encode() + b"\n"
IDENTITY = SignerIdentity(REPO, TAG)
ISSUER = keyless.GITHUB_ACTIONS_ISSUER


# --- the identity policy, pure -------------------------------------------------------------


@pytest.mark.parametrize(
    "identity",
    [
        f"https://github.com/{REPO}/.github/workflows/release.yml@refs/tags/{TAG}",
        f"https://github.com/{REPO}/.github/workflows/goreleaser.yaml@refs/tags/{TAG}",
    ],
)
def test_any_workflow_of_the_repository_at_the_tag_is_the_signer(identity: str) -> None:
    assert IDENTITY.workflow(["someone@example.com", identity]) == identity


@pytest.mark.parametrize(
    "identity",
    [
        f"https://github.com/{REPO}/.github/workflows/release.yml@refs/tags/v2.0.1",
        f"https://github.com/{REPO}/.github/workflows/release.yml@refs/tags/{TAG}-evil",
        f"https://github.com/{REPO}/.github/workflows/release.yml@refs/tags/v2.0",
        f"https://github.com/{REPO}/.github/workflows/release.yml@refs/heads/main",
        f"https://github.com/{REPO}-fork/.github/workflows/release.yml@refs/tags/{TAG}",
        f"https://github.com/evil/{REPO}/.github/workflows/release.yml@refs/tags/{TAG}",
        f"https://github.com/{REPO}/.github/workflows/a/b.yml@refs/tags/{TAG}",
        f"https://github.com/{REPO}/other/release.yml@refs/tags/{TAG}",
        f"https://github.com/{REPO}/.github/workflows/release.yml@refs/tags/{TAG}@x",
        f"https://github.com/{REPO}/.github/workflows/release.yml@refs/tags/{TAG}".replace(
            "github.com", "github.com.evil.example"
        ),
        "someone@example.com",
    ],
)
def test_any_other_san_is_not_the_release_workflow(identity: str) -> None:
    assert IDENTITY.workflow([identity]) is None


def test_der_utf8_strings_decode_and_malformed_ones_are_refused() -> None:
    assert der_utf8_string(b"\x0c\x03abc") == "abc"
    long = "x" * 200
    assert der_utf8_string(b"\x0c\x81\xc8" + long.encode()) == long
    for bad in (b"", b"\x0c", b"\x04\x01a", b"\x0c\x02a", b"\x0c\x80", b"\x0c\x85" + b"\0" * 5):
        with pytest.raises(ValueError, match="DER"):
            der_utf8_string(bad)


def test_statement_digests() -> None:
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": ARCHIVE, "digest": {"sha256": "AB"}}, {"name": "x", "digest": {}}],
        "predicateType": "https://slsa.dev/provenance/v1",
    }
    assert keyless.statement_digests(json.dumps(statement).encode(), "it") == (
        "https://slsa.dev/provenance/v1",
        ["ab"],
    )
    with pytest.raises(SignatureError, match="it is not an in-toto statement: its _type is 'o"):
        keyless.statement_digests(b'{"_type": "other"}', "it")


def test_attestation_listings() -> None:
    assert listing_url("https://api.github.com", REPO) == (
        f"https://api.github.com/repos/{REPO}/attestations/"
    )
    url = "https://example.blob.core.windows.net/attestations/1.json.sn?sig=x"
    entries = [{"bundle": {"a": 1}}, {"bundle": None, "bundle_url": url}, {"bundle": None}, "junk"]
    assert parse_listing(json.dumps({"attestations": entries}).encode(), "here") == [
        Listed(bundle=b'{"a": 1}'),
        Listed(url=url),
        Listed(),
        Listed(),
    ]
    for bad in (b"<html>", b"{}", b'{"attestations": {}}'):
        with pytest.raises(SignatureError, match="is not GitHub's list of attestations"):
            parse_listing(bad, "here")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://x.blob.core.windows.net/attestations/a/1.json.sn?sv=2026&sig=s%2Bt",
            ("https://x.blob.core.windows.net/attestations/a/", "1.json.sn?sv=2026&sig=s%2Bt"),
        ),
        ("https://x.example/1.json", ("https://x.example/", "1.json")),
        ("bundles/1.json.sn", (None, "bundles/1.json.sn")),
    ],
)
def test_a_bundle_url_is_split_into_a_location_and_a_name(
    url: str, expected: tuple[str | None, str]
) -> None:
    assert bundle_reference(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://x.example/1.json.sn",
        "file:///etc/passwd",
        "https://x.example",
        "https://x.example/",
        "/etc/passwd",
        "../../etc/passwd",
        "bundles/../../x",
        "bundles\\..\\..\\x",
        "C:\\bundles\\1.json",
        "1.json?x=1",
    ],
)
def test_a_bundle_url_that_is_not_https_nor_beside_the_listing_is_refused(url: str) -> None:
    with pytest.raises(SignatureError, match="neither an https URL nor a relative path"):
        bundle_reference(url)


def test_without_cramjam_sigstore_still_counts_and_a_stored_bundle_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "cramjam", None)  # as if it were not installed
    assert keyless.available()  # keyless signatures need sigstore alone
    bundle = json.dumps({"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"}).encode()
    assert read_stored_bundle(bundle, "there") == bundle  # plain JSON needs no decoder
    snappy = bytes(cramjam.snappy.compress_raw(bundle))
    with pytest.raises(SignatureError, match=r"needs cramjam.*pip install cramjam"):
        read_stored_bundle(snappy, "there")


def test_stored_bundles_are_snappy_json_or_plain_json() -> None:
    bundle = json.dumps({"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"}).encode()
    snappy = bytes(cramjam.snappy.compress_raw(bundle))
    assert snappy != bundle
    assert read_stored_bundle(snappy, "there") == bundle
    assert read_stored_bundle(bundle, "there") == bundle
    assert read_stored_bundle(b"\n " + bundle, "there") == b"\n " + bundle
    cases = [
        (b"<html>denied</html>", "there is neither Snappy-compressed JSON nor JSON"),
        (
            bytes(cramjam.snappy.compress_raw(b"not json")),
            "there is not a Sigstore bundle .*: it is not JSON",
        ),
        (bytes(cramjam.snappy.compress_raw(b"[1, 2]")), "it is a list, not an object"),
        (b"{ truncated", "there is not a Sigstore bundle .*: it is not JSON"),
        (
            b"\xff\xff\xff\xff\x0f" + b"\xfe\x01\x00" * 100,
            f"declares 4294967295 bytes once decompressed, over the {MAX_BUNDLE_SIZE} allowed",
        ),
    ]
    for body, message in cases:
        with pytest.raises(SignatureError, match=message):
            read_stored_bundle(body, "there")


def test_a_snappy_bomb_is_refused_from_its_preamble_before_decoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 4 GiB declared in five bytes, then copies that would repeat one byte without end.
    bomb = varint((1 << 32) - 1) + literal(b"{") + copy(2, 64, 1) * 10_000

    def never(data: bytes) -> bytes:
        raise AssertionError("decoded before the declared size was checked")

    monkeypatch.setattr(cramjam.snappy, "decompress_raw", never)
    with pytest.raises(SignatureError, match=r"declares 4294967295 bytes once decompressed"):
        read_stored_bundle(bomb, "there")
    monkeypatch.undo()
    # Within the limit, a block that decodes to more (or less) than it declares is refused.
    for lying in (varint(100) + literal(b"{") + copy(2, 64, 1) * 10, varint(9) + literal(b"{}")):
        with pytest.raises(SignatureError, match="is neither Snappy-compressed JSON nor JSON"):
            read_stored_bundle(lying, "there")


def test_keyless_bundles_are_told_from_key_bundles() -> None:
    assert keyless.is_keyless_bundle(
        b'{"verificationMaterial": {"certificate": {"rawBytes": "x"}}}', "b"
    )
    key_bundle = b'{"verificationMaterial": {"publicKey": {"hint": "x"}}}'
    assert not keyless.is_keyless_bundle(key_bundle, "b")
    assert not keyless.is_keyless_bundle(b"{}", "b")
    # Present and unreadable is refused, never taken for "not keyless".
    for bad in (b"not json", b"[]", b'{"verificationMaterial": []}'):
        with pytest.raises(SignatureError, match=r"^b is not a Sigstore bundle: "):
            keyless.is_keyless_bundle(bad, "b")


# --- through sigstore-python, against the forged root ------------------------------------


@pytest.fixture(scope="module")
def trust(trusted_root: Path) -> SigstoreTrust:
    """The wrapper's trust in conftest's ``forge``, loaded from its trusted_root.json."""
    return SigstoreTrust(trusted_root)


def test_a_bundle_from_the_release_workflow_verifies(
    forge: SigstoreTestRoot, trust: SigstoreTrust
) -> None:
    bundle = forge.sign_blob(DATA, repository=REPO, tag=TAG)
    signer = keyless.verify_blob(DATA, bundle, IDENTITY, trust, "checksums.txt.sigstore.json")
    assert signer == github_identity(REPO, TAG)


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"tag": "v1.9.0"}, "OIDCSourceRepositoryRef"),
        ({"tag": "v2.0"}, "OIDCSourceRepositoryRef"),
        ({"repository": "evil/cerebrium"}, "OIDCSourceRepositoryURI"),
        ({"issuer": "https://accounts.google.com"}, "OIDCIssuerV2"),
        ({"identity": "https://example.com/mallory"}, "no SAN is a workflow of"),
        # The SAN text alone is not enough: the claims Fulcio copied from GitHub must agree.
        ({"tag": "v1.9.0", "identity": github_identity(REPO, TAG)}, "OIDCSourceRepositoryRef"),
        (
            {"repository": "evil/cerebrium", "identity": github_identity(REPO, TAG)},
            "OIDCSourceRepositoryURI",
        ),
        # A reusable workflow of another repository, called by the release's: not its signer.
        (
            {"identity": "https://github.com/evil/x/.github/workflows/w.yml@refs/heads/main"},
            "no SAN is a workflow of",
        ),
    ],
)
def test_a_bundle_by_anyone_else_is_refused_naming_who_signed(
    forge: SigstoreTestRoot, trust: SigstoreTrust, change: dict[str, str], rule: str
) -> None:
    args = {"repository": REPO, "tag": TAG, **change}
    bundle = forge.sign_blob(DATA, **args)
    where = "checksums.txt.sigstore.json"
    with pytest.raises(SignatureError) as e:
        keyless.verify_blob(DATA, bundle, IDENTITY, trust, where)
    message = str(e.value)
    claims = f"repository https://github.com/{args['repository']}, ref refs/tags/{args['tag']})"
    assert message.startswith(f"{where} is signed by "), message
    assert claims in message
    assert f"the release expects {IDENTITY.describe()}." in message
    assert rule in message
    assert message.count(where) == 1
    assert "malformed" not in message


def test_a_changed_file_or_a_foreign_root_is_refused(
    forge: SigstoreTestRoot, trust: SigstoreTrust
) -> None:
    bundle = forge.sign_blob(DATA, repository=REPO, tag=TAG)
    with pytest.raises(SignatureError, match="does not verify"):
        keyless.verify_blob(DATA + b"x", bundle, IDENTITY, trust, "checksums.txt.sigstore.json")
    foreign = SigstoreTestRoot().sign_blob(DATA, repository=REPO, tag=TAG)
    with pytest.raises(SignatureError, match="does not verify"):
        keyless.verify_blob(DATA, foreign, IDENTITY, trust, "checksums.txt.sigstore.json")
    with pytest.raises(SignatureError, match=r"^checksums\.txt\.sigstore\.json is malformed: "):
        keyless.verify_blob(DATA, b"{}", IDENTITY, trust, "checksums.txt.sigstore.json")


def test_an_unreadable_trust_root_is_a_configuration_error(
    tmp_path: Path, forge: SigstoreTestRoot
) -> None:
    bad = tmp_path / "root.json"
    bad.write_text("{}")
    bundle = forge.sign_blob(DATA, repository=REPO, tag=TAG)
    with pytest.raises(ConfigError, match="cannot load the Sigstore trust root"):
        keyless.verify_blob(DATA, bundle, IDENTITY, SigstoreTrust(bad), "b")


def test_an_attestation_of_the_archive_digest_verifies(
    forge: SigstoreTestRoot, trust: SigstoreTrust
) -> None:
    digest = hashlib.sha256(b"archive").hexdigest()
    good = forge.attest([(ARCHIVE, digest)], repository=REPO, tag=TAG)
    got: list[int] = []

    def bundle(number: int, raw: bytes) -> Callable[[], bytes]:
        def read() -> bytes:
            got.append(number)
            return raw

        return read

    how = keyless.verify_attestation(
        digest, ARCHIVE, [bundle(1, good), bundle(2, good)], IDENTITY, trust
    )
    assert how.startswith("attested (https://slsa.dev/provenance/v1) by https://github.com/")
    assert got == [1]  # the second is never fetched: the first verified


def test_an_attestation_of_another_digest_or_signer_is_refused(
    forge: SigstoreTestRoot, trust: SigstoreTrust
) -> None:
    digest = hashlib.sha256(b"archive").hexdigest()
    other = hashlib.sha256(b"other").hexdigest()
    wrong_digest = forge.attest([(ARCHIVE, other)], repository=REPO, tag=TAG)
    wrong_signer = forge.attest([(ARCHIVE, digest)], repository="evil/cerebrium", tag=TAG)
    with pytest.raises(SignatureError, match="verifies") as e:
        keyless.verify_attestation(
            digest, ARCHIVE, [lambda: wrong_digest, lambda: wrong_signer], IDENTITY, trust
        )
    assert f"not this archive's sha256 {digest}" in str(e.value)
    assert "github.com/evil/cerebrium" in str(e.value)
    with pytest.raises(SignatureError, match="lists no attestation"):
        keyless.verify_attestation(digest, ARCHIVE, [], IDENTITY, trust)


# --- the policy, in the fetch pipeline ------------------------------------------------------


@pytest.fixture
def keyless_release(tmp_path: Path, forge: SigstoreTestRoot) -> Path:
    fake = tmp_path / "cerebrium"
    fake.write_bytes(b"\x7fELF binary")
    out = tmp_path / "release"
    out.mkdir()
    write_checksums([make_archive(fake, out / ARCHIVE, "linux")], out / NAME)
    bundle = forge.sign_blob((out / NAME).read_bytes(), repository=REPO, tag=TAG)
    (out / f"{NAME}.sigstore.json").write_bytes(bundle)
    return out


def _verification(
    trust: SigstoreTrust, policy: VerifyPolicy, api: Path | None = None
) -> Verification:
    return Verification(
        policy=policy,
        identity=IDENTITY,
        sigstore=trust,
        attestations=DirectoryLocation(api) if api else None,
    )


def _fetch(release_dir: Path, verification: Verification, dest: Path) -> Path:
    sources = Sources(location=ReleaseLocation.directory(release_dir), verification=verification)
    return fetch_binary(load_release(), Target("linux", "amd64"), TAG, dest, sources=sources)


@pytest.mark.parametrize("policy", ["auto", "signature"])
def test_fetch_verifies_a_keyless_signature(
    keyless_release: Path, trust: SigstoreTrust, tmp_path: Path, policy: VerifyPolicy
) -> None:
    assert _fetch(keyless_release, _verification(trust, policy), tmp_path / "bin").is_file()


def test_fetch_refuses_an_edited_checksums_file(
    keyless_release: Path, trust: SigstoreTrust, tmp_path: Path
) -> None:
    with (keyless_release / NAME).open("a") as handle:
        handle.write(f"{'1' * 64}  extra.tar.gz\n")
    with pytest.raises(SignatureError, match="does not verify"):
        _fetch(keyless_release, _verification(trust, "auto"), tmp_path / "bin")
    assert not (tmp_path / "bin").exists()


def test_the_signature_policy_refuses_an_unsigned_release(
    logged: list[str], keyless_release: Path, trust: SigstoreTrust, tmp_path: Path
) -> None:
    (keyless_release / f"{NAME}.sigstore.json").unlink()
    _fetch(keyless_release, _verification(trust, "auto"), tmp_path / "a")
    assert any("carries no keyless signature; not verified" in line for line in logged)
    with pytest.raises(SignatureError, match="VERIFY=signature requires one"):
        _fetch(keyless_release, _verification(trust, "signature"), tmp_path / "bin")
    assert not (tmp_path / "bin").exists()


def _api_storing(tmp_path: Path, entries: list[dict[str, object]], digest: str) -> Path:
    """An air-gapped copy of the API whose bundles are stored beside it, as GitHub stores them."""
    api = tmp_path / "api"
    api.mkdir(exist_ok=True)
    (api / f"sha256:{digest}").write_text(json.dumps({"attestations": entries}))
    return api


def _stored(api: Path, name: str, bundle: bytes) -> dict[str, object]:
    (api / "bundles").mkdir(parents=True, exist_ok=True)
    (api / "bundles" / name).write_bytes(bytes(cramjam.snappy.compress_raw(bundle)))
    return {"bundle": None, "bundle_url": f"bundles/{name}", "initiator": "user"}


def test_the_attestation_policy_reads_bundles_stored_behind_bundle_url(
    logged: list[str],
    keyless_release: Path,
    forge: SigstoreTestRoot,
    trust: SigstoreTrust,
    tmp_path: Path,
) -> None:
    digest = hashlib.sha256((keyless_release / ARCHIVE).read_bytes()).hexdigest()
    good = forge.attest([(ARCHIVE, digest)], repository=REPO, tag=TAG)
    other = forge.attest([(ARCHIVE, "0" * 64)], repository=REPO, tag=TAG)
    api = tmp_path / "api"
    entries: list[dict[str, object]] = [
        {"bundle": None},  # neither: reported, and the next one still counts
        _stored(api, "1.json.sn", other),
        _stored(api, "2.json.sn", good),
    ]
    _api_storing(tmp_path, entries, digest)
    verification = _verification(trust, "attestation", api)
    binary = _fetch(keyless_release, verification, tmp_path / "bin")
    assert binary.is_file()
    assert any("attested (https://slsa.dev/provenance/v1)" in line for line in logged)


def test_no_usable_stored_bundle_is_refused_with_each_reason(
    keyless_release: Path, forge: SigstoreTestRoot, trust: SigstoreTrust, tmp_path: Path
) -> None:
    digest = hashlib.sha256((keyless_release / ARCHIVE).read_bytes()).hexdigest()
    api = tmp_path / "api"
    elsewhere = forge.attest([(ARCHIVE, digest)], repository=f"{REPO}-fork", tag=TAG)
    entries: list[dict[str, object]] = [
        {"bundle": None},
        {"bundle": None, "bundle_url": "bundles/missing.json.sn"},
        {"bundle": None, "bundle_url": "../outside.json.sn"},
        _stored(api, "fork.json.sn", elsewhere),
        {"bundle": None, "bundle_url": "https://x.blob.core.windows.net/a/1.json.sn?sig=s3cret"},
    ]
    _api_storing(tmp_path, entries, digest)
    (api / "bundles" / "garbage.json.sn").write_bytes(b"\x00garbage")
    with pytest.raises(SignatureError) as refused:
        _fetch(keyless_release, _verification(trust, "attestation", api), tmp_path / "bin")
    message = str(refused.value)
    assert message.startswith(f"no attestation for {ARCHIVE} (sha256:{digest}) verifies:")
    assert "attestation 1 in " in message
    assert "has neither a bundle nor a bundle_url" in message
    assert "the bundle of attestation 2 could not be fetched" in message
    assert "'../outside.json.sn' is neither an https URL nor a relative path" in message
    assert "attestation 4 of 5" in message
    assert f"{REPO}-fork" in message
    # No locate (offline): the blob is not fetched, and its signed query is not shown.
    assert "attestation 5 is stored at https://x.blob.core.windows.net/a/1.json.sn, and " in message
    assert "OFFLINE forbids fetching it" in message
    assert "s3cret" not in message
    assert not (tmp_path / "bin").exists()


def test_the_attestation_policy_verifies_the_archive(
    keyless_release: Path, forge: SigstoreTestRoot, trust: SigstoreTrust, tmp_path: Path
) -> None:
    digest = hashlib.sha256((keyless_release / ARCHIVE).read_bytes()).hexdigest()
    good = forge.attest([(ARCHIVE, digest)], repository=REPO, tag=TAG)
    api = api_with(tmp_path, [good], digest)
    binary = _fetch(keyless_release, _verification(trust, "attestation", api), tmp_path / "bin")
    assert binary.is_file()


def test_with_sha512_checksums_the_attestation_is_checked_against_the_archives_sha256(
    logged: list[str],
    keyless_release: Path,
    forge: SigstoreTestRoot,
    trust: SigstoreTrust,
    tmp_path: Path,
) -> None:
    # GoReleaser's checksum.algorithm may be sha512; attestations always name the sha256.
    archive = (keyless_release / ARCHIVE).read_bytes()
    (keyless_release / NAME).write_text(f"{hashlib.sha512(archive).hexdigest()}  {ARCHIVE}\n")
    signed = forge.sign_blob((keyless_release / NAME).read_bytes(), repository=REPO, tag=TAG)
    (keyless_release / f"{NAME}.sigstore.json").write_bytes(signed)
    digest = hashlib.sha256(archive).hexdigest()
    api = api_with(tmp_path, [forge.attest([(ARCHIVE, digest)], repository=REPO, tag=TAG)], digest)
    sources = Sources(
        location=ReleaseLocation.directory(keyless_release),
        verification=_verification(trust, "attestation", api),
    )
    release = dataclasses.replace(load_release(), checksum_algorithm="sha512")
    binary = fetch_binary(release, Target("linux", "amd64"), TAG, tmp_path / "bin", sources=sources)
    assert binary.is_file()
    assert any(f"{ARCHIVE} attested (" in line for line in logged)


def test_the_attestation_policy_refuses_a_wrong_or_missing_attestation(
    keyless_release: Path, forge: SigstoreTestRoot, trust: SigstoreTrust, tmp_path: Path
) -> None:
    digest = hashlib.sha256((keyless_release / ARCHIVE).read_bytes()).hexdigest()
    wrong = forge.attest([(ARCHIVE, "0" * 64)], repository=REPO, tag=TAG)
    api = api_with(tmp_path, [wrong], digest)
    with pytest.raises(SignatureError, match="not this archive's sha256"):
        _fetch(keyless_release, _verification(trust, "attestation", api), tmp_path / "bin")
    (api / f"sha256:{digest}").unlink()
    with pytest.raises(SignatureError, match=r"no attestation of .* could be fetched"):
        _fetch(keyless_release, _verification(trust, "attestation", api), tmp_path / "bin")
    assert not (tmp_path / "bin").exists()


def test_policies_that_need_sigstore_say_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(keyless, "available", lambda: False)
    release = load_release()
    env = {"CEREBRIUM_VERIFY": "attestation", "CEREBRIUM_CACHE_DIR": str(tmp_path)}
    settings = Settings.from_environ(release, env)
    with pytest.raises(ConfigError, match=r"pip install 'cerebrium\[sigstore\]'"):
        Verification.from_settings(release, TAG, settings, lambda url: location_for(url, _no))
    monkeypatch.setattr(verification_module, "load_public_key", lambda: object())
    with pytest.raises(ConfigError, match="VERIFY=attestation, but sigstore-python"):
        Verification.from_settings(release, TAG, settings, lambda url: location_for(url, _no))


def test_the_attestations_api_comes_from_github_api_url(tmp_path: Path) -> None:
    release = load_release()
    env = {"CEREBRIUM_VERIFY": "attestation", "GITHUB_API_URL": "https://ghe.example/api/v3/"}
    settings = Settings.from_environ(release, env)
    asked: list[str] = []

    def locate(url: str) -> DirectoryLocation:
        asked.append(url)
        return DirectoryLocation(tmp_path)

    made = Verification.from_settings(release, TAG, settings, locate)
    assert asked == [f"https://ghe.example/api/v3/repos/{REPO}/attestations/"]
    assert made.attestations is not None
    assert "attestation: required" in "\n".join(made.describe())


@pytest.mark.parametrize(
    "block",
    [
        "release: {gitlab: {owner: CerebriumAI, name: cerebrium}}",
        "release: {gitea: {owner: CerebriumAI, name: cerebrium}}\n"
        "gitea_urls: {download: 'https://gitea.example'}",
        "release: {github: {owner: CerebriumAI, name: cerebrium}}\n"
        "github_urls: {download: 'https://ghe.example'}",
    ],
)
def test_no_keyless_identity_is_derived_for_a_repository_off_github_com(block: str) -> None:
    # A workflow of github.com/CerebriumAI/cerebrium must not vouch for a GitLab, Gitea or
    # GitHub Enterprise repository that happens to have the same owner and name.
    import yaml
    from cerebrium_cli.release import parse_release

    release = parse_release(yaml.safe_load(f"project_name: cerebrium\n{block}\n"), "t.yaml")
    assert release.repository == REPO
    assert release.github_repository is None
    auto = Settings.from_environ(release, {})
    made = Verification.from_settings(release, TAG, auto, lambda url: location_for(url, _no))
    assert made.identity is None
    assert "keyless signatures are verified only for releases on github.com" in "\n".join(
        made.describe()
    )
    for policy in ("signature", "attestation"):
        settings = Settings.from_environ(release, {"CEREBRIUM_VERIFY": policy})
        with pytest.raises(ConfigError, match=r"only for releases on github\.com"):
            Verification.from_settings(release, TAG, settings, lambda url: location_for(url, _no))


def test_a_github_com_release_expects_its_own_workflow() -> None:
    release = load_release()
    assert release.github_repository == REPO
    settings = Settings.from_environ(release, {})
    made = Verification.from_settings(release, TAG, settings, lambda url: location_for(url, _no))
    assert made.identity is not None
    assert made.identity.source == f"https://github.com/{REPO}"


def _no() -> Downloader:
    raise AssertionError("no download expected")


# --- the commands and the build backend ---------------------------------------------------


def _env(
    monkeypatch: pytest.MonkeyPatch, trust: SigstoreTrust, release_dir: Path, policy: VerifyPolicy
) -> None:
    monkeypatch.setenv("CEREBRIUM_VERIFY", policy)
    monkeypatch.setenv("CEREBRIUM_SIGSTORE_TRUSTED_ROOT", str(trust.trusted_root))
    monkeypatch.setenv("CEREBRIUM_RELEASE_URL", str(release_dir))
    monkeypatch.setenv("CEREBRIUM_CACHE_DIR", str(release_dir.parent / "cache"))


def _all_archive_names() -> list[str]:
    release = load_release()
    return [release.archive_name(target, TAG) for target in release.targets]


def test_pin_writes_pins_only_from_a_keyless_signed_checksums_file(
    keyless_release: Path,
    forge: SigstoreTestRoot,
    trust: SigstoreTrust,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from cerebrium_cli.bootstrap import main

    _env(monkeypatch, trust, keyless_release, "signature")
    checksums = keyless_release / NAME
    everything = [f"{'2' * 64}  {name}\n" for name in _all_archive_names() if name != ARCHIVE]
    checksums.write_text("".join(sorted([checksums.read_text(), *everything])))
    signed = forge.sign_blob(checksums.read_bytes(), repository=REPO, tag=TAG)
    (keyless_release / f"{NAME}.sigstore.json").write_bytes(signed)
    pins = tmp_path / "pins.txt"
    assert main(["pin", "--output", str(pins)]) == 0
    assert pins.read_bytes() == (keyless_release / NAME).read_bytes()
    assert f"{NAME} signed keyless by {github_identity(REPO, TAG)}" in capsys.readouterr().err
    with (keyless_release / NAME).open("a") as handle:
        handle.write(f"{'1' * 64}  extra.tar.gz\n")
    pins.unlink()
    assert main(["pin", "--output", str(pins)]) == 1
    assert "checksums.txt.sigstore.json does not verify" in capsys.readouterr().err
    assert not pins.exists()


def test_verify_and_info_report_what_is_verified(
    keyless_release: Path,
    trust: SigstoreTrust,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from cerebrium_cli.bootstrap import main

    _env(monkeypatch, trust, keyless_release, "signature")
    assert main(["verify", "--platform", "linux/amd64"]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"linux/amd64 {ARCHIVE}: verified (integrity only + signed checksums)\n"
    assert "signed keyless by" in captured.err
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "verify policy: signature" in out
    assert f"Sigstore keyless by a workflow of github.com/{REPO} at refs/tags/{TAG}" in out


def test_info_reports_a_policy_this_machine_cannot_meet(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cerebrium_cli.bootstrap import main

    monkeypatch.setattr(keyless, "available", lambda: False)
    monkeypatch.setenv("CEREBRIUM_VERIFY", "signature")
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "verify policy: signature, which an install here refuses:" in out
    assert "pip install 'cerebrium[sigstore]'" in out
