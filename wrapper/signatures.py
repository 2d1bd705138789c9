"""Signatures on the checksums file: proof of who made the release, not only that it is intact.

GoReleaser signs ``checksums.txt`` with cosign. When the package carries the release's public
key (``cosign.pub``, PEM, ECDSA P-256), the checksums file must carry a valid signature by it,
checked before any of its entries is trusted, in either form cosign writes:

* ``checksums.txt.sig``: base64 of the DER ECDSA signature over the file
  (``cosign sign-blob --key``);
* ``checksums.txt.sigstore.json``: a Sigstore bundle v0.3 whose ``messageSignature`` holds the
  file's SHA-256 and the signature over it (cosign v3 ``--bundle``).

This module is pure: it takes bytes and returns or raises. Fetching the files is the caller's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConfigError, SignatureError
from .untrusted import Document, load_object

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey

__all__ = [
    "BUNDLE_SUFFIX",
    "KEY_NAME",
    "MAX_SIGNATURE_SIZE",
    "SIG_SUFFIX",
    "PublicKey",
    "load_public_key",
    "verify",
]

KEY_NAME = "cosign.pub"
SIG_SUFFIX = ".sig"
BUNDLE_SUFFIX = ".sigstore.json"
_BUNDLE_TYPES = ("application/vnd.dev.sigstore.bundle.v0.3+json",)
MAX_SIGNATURE_SIZE = (
    1 << 20
)  # a signature file: a few KiB, with a certificate chain and a log entry


@dataclass(frozen=True)
class PublicKey:
    """The release's signing key, as pinned in the package: ECDSA P-256, as cosign makes."""

    key: EllipticCurvePublicKey  # cryptography is imported only when a key is loaded
    source: str  # the file it was read from

    @property
    def fingerprint(self) -> str:
        from cryptography.hazmat.primitives import serialization

        der = self.key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return hashlib.sha256(der).hexdigest()[:16]


def default_key_path() -> Path:
    return Path(__file__).resolve().parent / KEY_NAME


def load_public_key(path: Path | None = None) -> PublicKey | None:
    """The pinned public key, or None when the package carries none."""
    path = path or default_key_path()
    try:
        pem = path.read_bytes()
    except FileNotFoundError:
        return None
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(pem)
    except ValueError as exc:
        raise ConfigError(f"{path} is not a PEM public key: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise ConfigError(f"{path} is not an ECDSA P-256 public key, which cosign keys are")
    return PublicKey(key, str(path))


def verify(
    key: PublicKey,
    data: bytes,
    *,
    sig: bytes | None,
    bundle: bytes | None,
    name: str,
    sig_name: str | None = None,
    bundle_name: str | None = None,
) -> str:
    """Check that ``data`` (the checksums file ``name``) is signed by ``key``; say how.

    A bundle is preferred when both are present; either must verify, and a missing signature
    is as fatal as a wrong one: an attacker who can replace files can also delete one.
    ``sig_name`` and ``bundle_name`` are the files' names as the release's signs block names
    them (default: the conventional ``<name>.sig`` and ``<name>.sigstore.json``).
    """
    sig_name = sig_name or name + SIG_SUFFIX
    bundle_name = bundle_name or name + BUNDLE_SUFFIX
    if bundle is not None:
        signature, digest = _from_bundle(bundle, bundle_name)
        if digest is not None and digest != hashlib.sha256(data).digest():
            raise SignatureError(
                f"{bundle_name} signs a different file than {name}: the checksums file "
                "was changed after it was signed."
            )
        _check(key, signature, data, bundle_name)
        form = "Sigstore bundle" if digest is not None else "cosign bundle"
        return f"signed ({form}, key {key.fingerprint})"
    if sig is not None:
        try:
            signature = base64.b64decode(sig.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise SignatureError(f"{sig_name} is not base64; expected cosign's signature") from None
        _check(key, signature, data, sig_name)
        return f"signed (cosign signature, key {key.fingerprint})"
    raise SignatureError(
        f"{name} is not signed: neither {sig_name} nor {bundle_name} was found "
        f"beside it, and this package requires a signature by its release key ({key.source}). "
        "The release or the mirror is incomplete or was tampered with."
    )


def _from_bundle(raw: bytes, where: str) -> tuple[bytes, bytes | None]:
    """The signature and the signed digest from a bundle's ``messageSignature``; or, from
    cosign's older bundle format (``sign-blob --bundle`` before ``--new-bundle-format``:
    ``{"base64Signature": ..., "cert": ..., "rekorBundle": ...}``), the signature over the file
    itself, with no digest (None)."""
    bundle = load_object(
        raw,
        where,
        "a Sigstore bundle with a message signature",
        SignatureError,
        limit=MAX_SIGNATURE_SIZE,
    )
    if bundle.get("base64Signature") is not None and bundle.get("mediaType") is None:
        return _base64(bundle.text("base64Signature"), bundle, "base64Signature"), None
    media_type = bundle.text("mediaType")
    message = bundle.child("messageSignature")
    algorithm = message.child("messageDigest").text("algorithm")
    digest = _base64(message.child("messageDigest").text("digest"), bundle, "digest")
    signature = _base64(message.text("signature"), bundle, "signature")
    if media_type not in _BUNDLE_TYPES:
        raise SignatureError(f"{where} has media type {media_type!r}; expected {_BUNDLE_TYPES[0]}")
    if algorithm != "SHA2_256":
        raise SignatureError(f"{where} uses digest {algorithm!r}; expected SHA2_256")
    return signature, digest


def _base64(text: str, bundle: Document, member: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):  # ValueError: a non-ASCII character
        bundle.refuse(f"its {member} is not base64")


def _check(key: PublicKey, signature: bytes, data: bytes, where: str) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        key.key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        raise SignatureError(
            f"{where} does not verify with the release key pinned in this package "
            f"({key.source}, {key.fingerprint}): it was made by another key, or the checksums "
            "file was changed after signing."
        ) from None
