"""Signing a checksums file as cosign does, with a throwaway ECDSA P-256 key."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec


def make_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def public_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    """What ``cosign generate-key-pair`` writes as cosign.pub."""
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def sign(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """``cosign sign-blob --key``: base64 of the DER ECDSA signature over the file."""
    return base64.b64encode(key.sign(data, ec.ECDSA(hashes.SHA256())))


def bundle(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """``cosign sign-blob --key --bundle``: a Sigstore bundle v0.3 with a message signature."""
    document = {
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {"publicKey": {"hint": "test"}},
        "messageSignature": {
            "messageDigest": {
                "algorithm": "SHA2_256",
                "digest": base64.b64encode(hashlib.sha256(data).digest()).decode(),
            },
            "signature": base64.b64encode(key.sign(data, ec.ECDSA(hashes.SHA256()))).decode(),
        },
    }
    return json.dumps(document).encode()


COSIGN_PASSWORD = "release-key-password"  # what `cosign generate-key-pair` encrypts the key with


@dataclass(frozen=True)
class CosignKeyPair:
    """What ``cosign generate-key-pair`` wrote: cosign.key (encrypted with COSIGN_PASSWORD) and
    cosign.pub (PEM)."""

    private: bytes
    public: bytes

    @property
    def env(self) -> dict[str, str]:
        """What GoReleaser's signs commands read the key from (``--key=env://COSIGN_PRIVATE_KEY``)."""
        return {"COSIGN_PASSWORD": COSIGN_PASSWORD, "COSIGN_PRIVATE_KEY": self.private.decode()}


def cosign_key_pair(where: Path) -> CosignKeyPair:
    """``cosign generate-key-pair`` (the tests' real cosign) in the new directory ``where``."""
    from support.gotools import install as install_tool

    where.mkdir(parents=True)
    subprocess.run(
        [str(install_tool("cosign")), "generate-key-pair"],
        cwd=where,
        env={**os.environ, "COSIGN_PASSWORD": COSIGN_PASSWORD},
        check=True,
        capture_output=True,
    )
    return CosignKeyPair((where / "cosign.key").read_bytes(), (where / "cosign.pub").read_bytes())
