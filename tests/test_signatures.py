"""Signature checks on the checksums file against a pinned cosign key."""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cerebrium_cli import keyless
from cerebrium_cli.description import load_release, read_description
from cerebrium_cli.errors import ConfigError, SignatureError
from cerebrium_cli.fetch import fetch_binary
from cerebrium_cli.platforms import Target
from cerebrium_cli.release import Release, parse_release
from cerebrium_cli.settings import Settings
from cerebrium_cli.signatures import PublicKey, load_public_key, verify
from cerebrium_cli.sources import ReleaseLocation, Sources
from cerebrium_cli.verification import Verification
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from support.release import make_archive, write_checksums
from support.signing import bundle, make_key, public_pem, sign

DATA = b"0" * 64 + b"  cerebrium_2.0.0_linux_amd64.tar.gz\n"
NAME = "checksums.txt"


@pytest.fixture
def key() -> ec.EllipticCurvePrivateKey:
    return make_key()


def _public(private: ec.EllipticCurvePrivateKey, tmp_path: Path) -> PublicKey:
    path = tmp_path / "cosign.pub"
    path.write_bytes(public_pem(private))
    loaded = load_public_key(path)
    assert loaded is not None
    return loaded


def test_a_cosign_signature_verifies(key: ec.EllipticCurvePrivateKey, tmp_path: Path) -> None:
    how = verify(_public(key, tmp_path), DATA, sig=sign(key, DATA), bundle=None, name=NAME)
    assert how.startswith("signed (cosign signature, key ")


def test_a_v3_bundle_verifies(key: ec.EllipticCurvePrivateKey, tmp_path: Path) -> None:
    how = verify(_public(key, tmp_path), DATA, sig=None, bundle=bundle(key, DATA), name=NAME)
    assert how.startswith("signed (Sigstore bundle")


def _legacy_bundle(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """cosign's bundle before ``--new-bundle-format``: the signature over the file itself."""
    signature = base64.b64decode(sign(key, data))
    document = {"base64Signature": base64.b64encode(signature).decode(), "rekorBundle": None}
    return json.dumps(document).encode()


def test_cosigns_old_bundle_format_verifies(
    key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    public = _public(key, tmp_path)
    old = _legacy_bundle(key, DATA)
    how = verify(public, DATA, sig=None, bundle=old, name=NAME, bundle_name="c.bundle")
    assert how.startswith("signed (cosign bundle, key ")
    with pytest.raises(SignatureError, match=r"^c\.bundle does not verify with the release key"):
        verify(public, DATA + b"x", sig=None, bundle=old, name=NAME, bundle_name="c.bundle")
    bad = json.dumps({"base64Signature": "%%%"}).encode()
    with pytest.raises(SignatureError, match=r"c\.bundle is not .*base64Signature is not base64"):
        verify(public, DATA, sig=None, bundle=bad, name=NAME, bundle_name="c.bundle")


def test_another_keys_signature_is_refused(key: ec.EllipticCurvePrivateKey, tmp_path: Path) -> None:
    other = make_key()
    with pytest.raises(
        SignatureError, match=r"checksums\.txt\.sig does not verify with the release key"
    ):
        verify(_public(key, tmp_path), DATA, sig=sign(other, DATA), bundle=None, name=NAME)
    with pytest.raises(SignatureError, match="does not verify"):
        verify(_public(key, tmp_path), DATA, sig=None, bundle=bundle(other, DATA), name=NAME)


def test_a_file_edited_after_signing_is_refused(
    key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    edited = DATA.replace(b"0", b"1", 1)
    with pytest.raises(SignatureError, match="does not verify"):
        verify(_public(key, tmp_path), edited, sig=sign(key, DATA), bundle=None, name=NAME)
    with pytest.raises(SignatureError, match="changed after it was signed"):
        verify(_public(key, tmp_path), edited, sig=None, bundle=bundle(key, DATA), name=NAME)


def test_a_missing_signature_is_refused(key: ec.EllipticCurvePrivateKey, tmp_path: Path) -> None:
    with pytest.raises(SignatureError, match=r"checksums\.txt is not signed: neither"):
        verify(_public(key, tmp_path), DATA, sig=None, bundle=None, name=NAME)


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda b: b"not json", "is not a Sigstore bundle"),
        (lambda b: json.dumps({"mediaType": "x"}).encode(), "is not a Sigstore bundle"),
        (lambda b: b.replace(b"v0.3", b"v0.1"), "has media type"),
        (lambda b: b.replace(b"SHA2_256", b"SHA2_384"), "uses digest 'SHA2_384'"),
    ],
)
def test_malformed_bundles_are_refused(
    key: ec.EllipticCurvePrivateKey,
    tmp_path: Path,
    mangle: Callable[[bytes], bytes],
    message: str,
) -> None:
    with pytest.raises(SignatureError, match=message):
        verify(_public(key, tmp_path), DATA, sig=None, bundle=mangle(bundle(key, DATA)), name=NAME)


def test_a_malformed_sig_is_refused(key: ec.EllipticCurvePrivateKey, tmp_path: Path) -> None:
    with pytest.raises(SignatureError, match="is not base64"):
        verify(_public(key, tmp_path), DATA, sig=b"***", bundle=None, name=NAME)
    with pytest.raises(SignatureError, match="does not verify"):
        verify(
            _public(key, tmp_path), DATA, sig=base64.b64encode(b"garbage"), bundle=None, name=NAME
        )


def test_keys_must_be_pem_p256(tmp_path: Path) -> None:
    assert load_public_key(tmp_path / "absent.pub") is None
    bad = tmp_path / "bad.pub"
    bad.write_text("not a key")
    with pytest.raises(ConfigError, match="is not a PEM public key"):
        load_public_key(bad)
    for other in (ec.generate_private_key(ec.SECP384R1()), rsa.generate_private_key(65537, 2048)):
        bad.write_bytes(
            other.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        with pytest.raises(ConfigError, match="not an ECDSA P-256 public key"):
            load_public_key(bad)


# --- in the fetch pipeline -----------------------------------------------------------------


@pytest.fixture
def signed_release(tmp_path: Path, key: ec.EllipticCurvePrivateKey) -> Path:
    fake = tmp_path / "cerebrium"
    fake.write_bytes(b"\x7fELF binary")
    out = tmp_path / "release"
    out.mkdir()
    write_checksums(
        [make_archive(fake, out / "cerebrium_cli_linux_amd64.tar.gz", "linux")], out / NAME
    )
    (out / f"{NAME}.sig").write_bytes(sign(key, (out / NAME).read_bytes()))
    return out


def _fetch(release_dir: Path, key: PublicKey, dest: Path) -> Path:
    sources = Sources(
        location=ReleaseLocation.directory(release_dir), verification=Verification(key=key)
    )
    return fetch_binary(
        load_release(),
        Target("linux", "amd64"),
        "v2.0.0",
        dest,
        sources=sources,
    )


def test_fetch_verifies_the_signature_before_trusting_the_checksums(
    signed_release: Path, key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    assert _fetch(signed_release, _public(key, tmp_path), tmp_path / "bin").is_file()


def test_fetch_refuses_an_unsigned_release_and_writes_nothing(
    signed_release: Path, key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    (signed_release / f"{NAME}.sig").unlink()
    with pytest.raises(SignatureError, match="is not signed"):
        _fetch(signed_release, _public(key, tmp_path), tmp_path / "bin")
    assert not (tmp_path / "bin").exists()


def test_verify_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    release = load_release()
    with pytest.raises(ConfigError, match="turning verification off is not offered"):
        Settings.from_environ(release, {"CEREBRIUM_VERIFY": "off"})
    settings = Settings.from_environ(
        release, {"CEREBRIUM_VERIFY": "signature", "CEREBRIUM_CACHE_DIR": str(tmp_path)}
    )
    assert settings.verify == "signature"
    monkeypatch.setattr(keyless, "available", lambda: False)
    with pytest.raises(ConfigError, match=r"carries no release key .* not installed"):
        Sources.from_settings(release, "v2.0.0", settings)


# --- signature names from the configuration's signs block ------------------------------------


def _release_signing(signs: list[dict[str, str]]) -> Release:
    """This project's release description with ``signs`` added."""
    config = {**read_description().config, "signs": signs}
    return parse_release(config, "goreleaser.yaml")


def _fetch_with(release: Release, release_dir: Path, key: PublicKey, dest: Path) -> Path:
    names = functools.partial(release.checksum_signatures, "v2.0.0")
    verification = Verification(key=key, signature_names=names)
    sources = Sources(location=ReleaseLocation.directory(release_dir), verification=verification)
    return fetch_binary(release, Target("linux", "amd64"), "v2.0.0", dest, sources=sources)


@pytest.mark.parametrize(
    ("signature", "make"),
    [
        ("${artifact}.bundle", bundle),
        ("${artifact}.cosign.bundle", _legacy_bundle),
        ("{{ .ProjectName }}-${artifact}.asc", sign),
    ],
)
def test_the_signature_is_looked_for_under_the_name_the_signs_block_gives_it(
    signed_release: Path,
    key: ec.EllipticCurvePrivateKey,
    tmp_path: Path,
    signature: str,
    make: Callable[[ec.EllipticCurvePrivateKey, bytes], bytes],
) -> None:
    release = _release_signing([{"artifacts": "checksum", "signature": signature}])
    ((name, _),) = release.checksum_signatures("v2.0.0", NAME)
    (signed_release / f"{NAME}.sig").unlink()  # the conventional name is not looked for
    (signed_release / name).write_bytes(make(key, (signed_release / NAME).read_bytes()))
    assert _fetch_with(release, signed_release, _public(key, tmp_path), tmp_path / "bin").is_file()


def test_a_signature_only_under_the_conventional_name_is_not_the_configured_one(
    signed_release: Path, key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    release = _release_signing([{"artifacts": "checksum", "signature": "${artifact}.bundle"}])
    with pytest.raises(SignatureError) as refused:
        _fetch_with(release, signed_release, _public(key, tmp_path), tmp_path / "bin")
    # checksums.txt.sig is published, but the configuration says the signature is elsewhere.
    assert str(refused.value).startswith(
        "checksums.txt is not signed: checksums.txt.bundle was not found beside it, and this "
        "package requires a signature by its release key"
    )
    assert not (tmp_path / "bin").exists()


def test_a_signs_block_that_signs_no_checksums_leaves_a_pinned_key_nothing_to_check(
    signed_release: Path, key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    release = _release_signing([{"artifacts": "binary"}])
    with pytest.raises(SignatureError, match="the signs block names no signature of it"):
        _fetch_with(release, signed_release, _public(key, tmp_path), tmp_path / "bin")
    assert not (tmp_path / "bin").exists()
