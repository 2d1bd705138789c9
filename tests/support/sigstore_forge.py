"""A private, offline Sigstore: keyless bundles that sigstore-python verifies end to end.

Keyless verification trusts a Fulcio CA, a CT log and a Rekor log named by a trusted root, so a
test that wants a *valid* keyless bundle needs all three. This module fabricates them with
``cryptography`` alone (no network, no Sigstore services, no sigstore import, so it loads where
sigstore is absent) and produces exactly the evidence ``sigstore.verify.Verifier`` checks
(sigstore-python 4.5.1):

* a self-signed root CA, listed in the trusted root's ``certificateAuthorities``;
* a short-lived signing certificate from it, shaped like one Fulcio issues to GitHub Actions
  (KeyUsage digitalSignature, EKU codeSigning, SAN URI identity, the OIDC claim extensions)
  carrying an embedded precertificate SCT signed by the CT log key (``ctlogs``);
* a Rekor v1 log entry (``hashedrekord`` or ``dsse`` 0.0.1) with integratedTime, a signed entry
  timestamp (the inclusion promise) and a Merkle inclusion proof whose checkpoint the Rekor key
  (``tlogs``) signs.

Each ``SigstoreTestRoot`` makes fresh keys, so a bundle from one root fails against another.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import time
from datetime import datetime, timedelta, timezone
from pathlib import PurePosixPath
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"

BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
TRUSTED_ROOT_MEDIA_TYPE = "application/vnd.dev.sigstore.trustedroot+json;version=0.1"
IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
IN_TOTO_STATEMENT_V1 = "https://in-toto.io/Statement/v1"

FULCIO_URL = "https://fulcio.sigstore-forge.test"
REKOR_URL = "https://rekor.sigstore-forge.test"
CTFE_URL = "https://ctfe.sigstore-forge.test"
_REKOR_NAME = "rekor.sigstore-forge.test"
_REKOR_TREE_ID = 1193050959916656506

# Fulcio's OIDC claim extensions (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md).
_FULCIO = "1.3.6.1.4.1.57264.1."
OID_ISSUER_V1 = x509.ObjectIdentifier(_FULCIO + "1")
OID_WORKFLOW_TRIGGER = x509.ObjectIdentifier(_FULCIO + "2")
OID_WORKFLOW_SHA = x509.ObjectIdentifier(_FULCIO + "3")
OID_WORKFLOW_NAME = x509.ObjectIdentifier(_FULCIO + "4")
OID_WORKFLOW_REPOSITORY = x509.ObjectIdentifier(_FULCIO + "5")
OID_WORKFLOW_REF = x509.ObjectIdentifier(_FULCIO + "6")
OID_ISSUER_V2 = x509.ObjectIdentifier(_FULCIO + "8")
OID_BUILD_SIGNER_URI = x509.ObjectIdentifier(_FULCIO + "9")
OID_BUILD_SIGNER_DIGEST = x509.ObjectIdentifier(_FULCIO + "10")
OID_RUNNER_ENVIRONMENT = x509.ObjectIdentifier(_FULCIO + "11")
OID_SOURCE_REPOSITORY_URI = x509.ObjectIdentifier(_FULCIO + "12")
OID_SOURCE_REPOSITORY_DIGEST = x509.ObjectIdentifier(_FULCIO + "13")
OID_SOURCE_REPOSITORY_REF = x509.ObjectIdentifier(_FULCIO + "14")
OID_BUILD_TRIGGER = x509.ObjectIdentifier(_FULCIO + "20")
OID_PRECERT_SCTS = x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")

_LEAF_BEFORE = 60  # seconds of signing-certificate validity before the integrated time
_LEAF_AFTER = 600  # and after it: Fulcio's certificates live ten minutes
_MERKLE_FILLER_LEAVES = 2  # entries "logged by others" first, so proofs have real hashes


def github_identity(
    repository: str, tag: str, workflow: str = ".github/workflows/release.yml"
) -> str:
    """The SAN URI Fulcio gives a GitHub Actions workflow run for ``tag``: its job_workflow_ref."""
    return f"https://github.com/{repository}/{workflow}@refs/tags/{tag}"


# --- Encodings -------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    """Protobuf-JSON ``bytes`` are standard base64 text."""
    return base64.b64encode(data).decode()


def _canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical JSON for what we sign: ASCII keys and strings, integers, no floats.

    For that subset sorted keys, no whitespace and ASCII escapes are exactly RFC 8785, which is
    what sigstore re-encodes the signed entry timestamp payload with before checking it.
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _der_length(length: int) -> bytes:
    """A DER definite length: short form below 128, else long form."""
    if length < 0x80:
        return bytes([length])
    octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(octets)]) + octets


def _der_utf8_string(text: str) -> bytes:
    """DER UTF8String: the encoding of Fulcio's v2 claim extensions (1.3.6.1.4.1.57264.1.8+)."""
    raw = text.encode()
    return b"\x0c" + _der_length(len(raw)) + raw


def _der_octet_string(data: bytes) -> bytes:
    """DER OCTET STRING: RFC 6962 wraps the TLS-encoded SCT list in one inside extnValue."""
    return b"\x04" + _der_length(len(data)) + data


def _u24(length: int) -> bytes:
    """TLS ``opaque<1..2^24-1>`` length prefix."""
    return length.to_bytes(3, "big")


def _spki_der(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _key_id(key: ec.EllipticCurvePublicKey) -> bytes:
    """RFC 6962 key ID (SHA-256 of the SubjectPublicKeyInfo): CT log IDs and Rekor log IDs."""
    return hashlib.sha256(_spki_der(key)).digest()


def _sign(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """ECDSA P-256 / SHA-256, DER: what every Sigstore key here signs with."""
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def _utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pem_b64(cert: x509.Certificate) -> str:
    """Rekor records certificates as base64 of their PEM, and sigstore compares them so."""
    return _b64(cert.public_bytes(serialization.Encoding.PEM))


# --- Merkle tree (RFC 6962 section 2.1) ------------------------------------------------------


def _leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def _node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two below ``size``: where RFC 6962 splits a tree."""
    return 1 << ((size - 1).bit_length() - 1)


def _tree_root(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return _node_hash(_tree_root(leaves[:k]), _tree_root(leaves[k:]))


def _inclusion_path(index: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 6962 PATH(m, D[n]), lowest level first, as sigstore's merkle.py chains it."""
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*_inclusion_path(index, leaves[:k]), _tree_root(leaves[k:])]
    return [*_inclusion_path(index - k, leaves[k:]), _tree_root(leaves[:k])]


# --- Certificate transparency ----------------------------------------------------------------


def _sct_signed_data(timestamp_ms: int, issuer_key_id: bytes, tbs_precert: bytes) -> bytes:
    """RFC 6962 ``digitally-signed`` input for a precert SCT, as sigstore's sct.py rebuilds it:
    v1, certificate_timestamp, timestamp, precert_entry, issuer key hash, TBS, no extensions."""
    return (
        struct.pack("!BBQH", 0, 0, timestamp_ms, 1)
        + issuer_key_id
        + _u24(len(tbs_precert))
        + tbs_precert
        + struct.pack("!H", 0)
    )


def _sct_list_extension(log_id: bytes, timestamp_ms: int, signature: bytes) -> bytes:
    """The extnValue of 1.3.6.1.4.1.11129.2.4.2: one SCT (SHA-256/ECDSA) in a TLS list."""
    sct = (
        struct.pack("!B32sQH", 0, log_id, timestamp_ms, 0)
        + struct.pack("!BBH", 4, 3, len(signature))  # hash sha256(4), signature ecdsa(3)
        + signature
    )
    entry = struct.pack("!H", len(sct)) + sct
    return _der_octet_string(struct.pack("!H", len(entry)) + entry)


# --- GitHub Actions claims -------------------------------------------------------------------


def _fake_commit(repository: str, tag: str) -> str:
    """A stable 40-hex "commit SHA" for the tag, so repeated runs make the same claims."""
    return hashlib.sha256(f"{repository}@{tag}".encode()).hexdigest()[:40]


def _github_claims(
    repository: str, tag: str, workflow: str, issuer: str
) -> list[tuple[x509.ObjectIdentifier, bytes]]:
    """Fulcio's claim extensions for a tag-push run, encoded as sigstore's policy.py decodes:
    the deprecated v1 claims (.1-.6) hold raw UTF-8, the v2 ones (.8+) a DER UTF8String."""
    ref = f"refs/tags/{tag}"
    commit = _fake_commit(repository, tag)
    v1 = {
        OID_ISSUER_V1: issuer,
        OID_WORKFLOW_TRIGGER: "push",
        OID_WORKFLOW_SHA: commit,
        OID_WORKFLOW_NAME: PurePosixPath(workflow).stem,
        OID_WORKFLOW_REPOSITORY: repository,
        OID_WORKFLOW_REF: ref,
    }
    v2 = {
        OID_ISSUER_V2: issuer,
        OID_BUILD_SIGNER_URI: github_identity(repository, tag, workflow),
        OID_BUILD_SIGNER_DIGEST: commit,
        OID_RUNNER_ENVIRONMENT: "github-hosted",
        OID_SOURCE_REPOSITORY_URI: f"https://github.com/{repository}",
        OID_SOURCE_REPOSITORY_DIGEST: commit,
        OID_SOURCE_REPOSITORY_REF: ref,
        OID_BUILD_TRIGGER: "push",
    }
    return [(oid, value.encode()) for oid, value in v1.items()] + [
        (oid, _der_utf8_string(value)) for oid, value in v2.items()
    ]


def _in_toto_statement(
    subjects: list[tuple[str, str]], predicate_type: str, repository: str, tag: str, workflow: str
) -> bytes:
    """An in-toto Statement v1 with a minimal SLSA-provenance-shaped predicate."""
    statement = {
        "_type": IN_TOTO_STATEMENT_V1,
        "subject": [{"name": name, "digest": {"sha256": digest}} for name, digest in subjects],
        "predicateType": predicate_type,
        "predicate": {
            "buildDefinition": {
                "buildType": "https://actions.github.io/buildtypes/workflow/v1",
                "externalParameters": {
                    "workflow": {
                        "ref": f"refs/tags/{tag}",
                        "repository": f"https://github.com/{repository}",
                        "path": workflow,
                    }
                },
            },
            "runDetails": {"builder": {"id": "https://github.com/actions/runner/github-hosted"}},
        },
    }
    return json.dumps(statement).encode()


def _pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding: what the envelope signature covers."""
    return b"DSSEv1 %d %s %d %s" % (
        len(payload_type),
        payload_type.encode(),
        len(payload),
        payload,
    )


# --- The private Sigstore --------------------------------------------------------------------


class SigstoreTestRoot:
    """A private Sigstore: CA, CT log and Rekor keys, made fresh per instance."""

    def __init__(self) -> None:
        self._created = int(time.time())
        self._ca_key = ec.generate_private_key(ec.SECP256R1())
        self._ct_key = ec.generate_private_key(ec.SECP256R1())
        self._rekor_key = ec.generate_private_key(ec.SECP256R1())
        self._ca_cert = self._make_ca()
        # Rekor leaf hashes so far: a couple of strangers' entries, then ours in signing order.
        self._leaves = [_leaf_hash(b"filler %d" % i) for i in range(_MERKLE_FILLER_LEAVES)]

    # - trusted root

    def trusted_root_json(self) -> bytes:
        """The trusted root (media type ...trustedroot+json;version=0.1) naming this instance's
        CA, Rekor key and CT log key; load it with ``sigstore.models.TrustedRoot.from_file``."""
        start = self._ca_cert.not_valid_before_utc
        document = {
            "mediaType": TRUSTED_ROOT_MEDIA_TYPE,
            "tlogs": [self._log_instance(REKOR_URL, self._rekor_key.public_key(), start)],
            "certificateAuthorities": [
                {
                    "subject": {"organization": "sigstore-forge.test", "commonName": "sigstore"},
                    "uri": FULCIO_URL,
                    "certChain": {
                        "certificates": [
                            {
                                "rawBytes": _b64(
                                    self._ca_cert.public_bytes(serialization.Encoding.DER)
                                )
                            }
                        ]
                    },
                    "validFor": {"start": _rfc3339(start)},
                }
            ],
            "ctlogs": [self._log_instance(CTFE_URL, self._ct_key.public_key(), start)],
            "timestampAuthorities": [],
        }
        return json.dumps(document, indent=2).encode()

    @staticmethod
    def _log_instance(url: str, key: ec.EllipticCurvePublicKey, start: datetime) -> dict[str, Any]:
        """A ``TransparencyLogInstance``: sigstore finds the key by its RFC 6962 key ID."""
        return {
            "baseUrl": url,
            "hashAlgorithm": "SHA2_256",
            "publicKey": {
                "rawBytes": _b64(_spki_der(key)),
                "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                "validFor": {"start": _rfc3339(start)},
            },
            "logId": {"keyId": _b64(_key_id(key))},
        }

    # - bundles

    def sign_blob(
        self,
        data: bytes,
        *,
        repository: str,
        tag: str,
        workflow: str = ".github/workflows/release.yml",
        issuer: str = GITHUB_ISSUER,
        identity: str | None = None,
    ) -> bytes:
        """What ``cosign sign-blob --bundle x.sigstore.json`` writes in GitHub Actions: a bundle
        v0.3 with the signing certificate, one hashedrekord 0.0.1 log entry and a message
        signature. ``identity`` overrides only the SAN URI (default
        ``github_identity(repository, tag, workflow)``); the claims come from the other args."""
        now = int(time.time())
        key = ec.generate_private_key(ec.SECP256R1())
        san = identity or github_identity(repository, tag, workflow)
        cert = self._make_leaf(key.public_key(), san, repository, tag, workflow, issuer, now)
        digest = hashlib.sha256(data).digest()
        signature = _sign(key, data)
        body = {
            "apiVersion": "0.0.1",
            "kind": "hashedrekord",
            "spec": {
                "data": {"hash": {"algorithm": "sha256", "value": digest.hex()}},
                "signature": {"content": _b64(signature), "publicKey": {"content": _pem_b64(cert)}},
            },
        }
        content = {
            "messageSignature": {
                "messageDigest": {"algorithm": "SHA2_256", "digest": _b64(digest)},
                "signature": _b64(signature),
            }
        }
        return self._bundle(cert, self._log_entry("hashedrekord", body, now), content)

    def attest(
        self,
        subjects: list[tuple[str, str]],
        *,
        repository: str,
        tag: str,
        workflow: str = ".github/workflows/release.yml",
        issuer: str = GITHUB_ISSUER,
        predicate_type: str = "https://slsa.dev/provenance/v1",
    ) -> bytes:
        """A GitHub artifact attestation bundle (``gh attestation`` / attest-build-provenance):
        v0.3 with a DSSE envelope around an in-toto Statement v1 over ``subjects`` ((name,
        sha256 hex) pairs), the certificate, and one dsse 0.0.1 log entry."""
        now = int(time.time())
        key = ec.generate_private_key(ec.SECP256R1())
        san = github_identity(repository, tag, workflow)
        cert = self._make_leaf(key.public_key(), san, repository, tag, workflow, issuer, now)
        payload = _in_toto_statement(subjects, predicate_type, repository, tag, workflow)
        signature = _sign(key, _pae(IN_TOTO_PAYLOAD_TYPE, payload))
        envelope = {
            "payload": _b64(payload),
            "payloadType": IN_TOTO_PAYLOAD_TYPE,
            "signatures": [{"sig": _b64(signature)}],
        }
        body = {
            "apiVersion": "0.0.1",
            "kind": "dsse",
            "spec": {
                "envelopeHash": {
                    "algorithm": "sha256",
                    "value": hashlib.sha256(_canonical_json(envelope)).hexdigest(),
                },
                "payloadHash": {
                    "algorithm": "sha256",
                    "value": hashlib.sha256(payload).hexdigest(),
                },
                "signatures": [{"signature": _b64(signature), "verifier": _pem_b64(cert)}],
            },
        }
        content = {"dsseEnvelope": envelope}
        return self._bundle(cert, self._log_entry("dsse", body, now), content)

    @staticmethod
    def _bundle(cert: x509.Certificate, entry: dict[str, Any], content: dict[str, Any]) -> bytes:
        """A v0.3 bundle in protobuf-JSON (camelCase) form, as ``Bundle.from_json`` reads it."""
        document = {
            "mediaType": BUNDLE_MEDIA_TYPE,
            "verificationMaterial": {
                "certificate": {"rawBytes": _b64(cert.public_bytes(serialization.Encoding.DER))},
                "tlogEntries": [entry],
            },
            **content,
        }
        return json.dumps(document, indent=2).encode()

    # - certificates

    def _make_ca(self) -> x509.Certificate:
        """A self-signed Fulcio-like root; valid from a day before creation, for ten years."""
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sigstore-forge.test"),
                x509.NameAttribute(NameOID.COMMON_NAME, "sigstore"),
            ]
        )
        public = self._ca_key.public_key()
        return (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(_utc(self._created) - timedelta(days=1))
            .not_valid_after(_utc(self._created) + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(self._ca_key, hashes.SHA256())
        )

    def _make_leaf(
        self,
        public: ec.EllipticCurvePublicKey,
        san: str,
        repository: str,
        tag: str,
        workflow: str,
        issuer: str,
        now: int,
    ) -> x509.Certificate:
        """Fulcio's certificate for a GitHub Actions run, with an embedded precert SCT.

        The SCT signs the certificate's TBS without the SCT extension (``tbs_precertificate_bytes``
        in sct.py), so we build the certificate once without it, sign that TBS, and rebuild with
        the SCT list appended last: dropping the last extension then gives back the same TBS.
        """
        builder = self._leaf_builder(
            public, san, _github_claims(repository, tag, workflow, issuer), now
        )
        precert_tbs = builder.sign(self._ca_key, hashes.SHA256()).tbs_certificate_bytes
        timestamp_ms = now * 1000  # whole seconds: sct.py round-trips it through a float
        ct_log_id = _key_id(self._ct_key.public_key())
        signed = _sct_signed_data(timestamp_ms, _key_id(self._ca_key.public_key()), precert_tbs)
        sct_ext = _sct_list_extension(ct_log_id, timestamp_ms, _sign(self._ct_key, signed))
        cert = builder.add_extension(
            x509.UnrecognizedExtension(OID_PRECERT_SCTS, sct_ext), critical=False
        ).sign(self._ca_key, hashes.SHA256())
        assert cert.tbs_precertificate_bytes == precert_tbs, "SCT would not match the cert"
        return cert

    def _leaf_builder(
        self,
        public: ec.EllipticCurvePublicKey,
        san: str,
        claims: list[tuple[x509.ObjectIdentifier, bytes]],
        now: int,
    ) -> x509.CertificateBuilder:
        """Everything but the SCT: empty subject and a critical SAN URI, as Fulcio issues."""
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([]))
            .issuer_name(self._ca_cert.subject)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(_utc(now - _LEAF_BEFORE))
            .not_valid_after(_utc(now + _LEAF_AFTER))
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._ca_key.public_key()),
                critical=False,
            )
            .add_extension(
                x509.SubjectAlternativeName([x509.UniformResourceIdentifier(san)]), critical=True
            )
        )
        for oid, value in claims:
            builder = builder.add_extension(x509.UnrecognizedExtension(oid, value), critical=False)
        return builder

    # - Rekor

    def _log_entry(self, kind: str, body: dict[str, Any], integrated_time: int) -> dict[str, Any]:
        """A Rekor v1 ``TransparencyLogEntry`` for ``body``: appended to this root's log, with
        its signed entry timestamp and an inclusion proof against a signed checkpoint."""
        canonical_body = _canonical_json(body)
        self._leaves.append(_leaf_hash(canonical_body))
        index, size = len(self._leaves) - 1, len(self._leaves)
        root_hash = _tree_root(self._leaves)
        log_id = _key_id(self._rekor_key.public_key())
        promise = _canonical_json(
            {
                "body": _b64(canonical_body),
                "integratedTime": integrated_time,
                "logID": log_id.hex(),
                "logIndex": index,
            }
        )
        return {
            "logIndex": str(index),
            "logId": {"keyId": _b64(log_id)},
            "kindVersion": {"kind": kind, "version": "0.0.1"},
            "integratedTime": str(integrated_time),
            "inclusionPromise": {"signedEntryTimestamp": _b64(_sign(self._rekor_key, promise))},
            "inclusionProof": {
                "logIndex": str(index),
                "rootHash": _b64(root_hash),
                "treeSize": str(size),
                "hashes": [_b64(h) for h in _inclusion_path(index, self._leaves)],
                "checkpoint": {"envelope": self._checkpoint(size, root_hash, log_id)},
            },
            "canonicalizedBody": _b64(canonical_body),
        }

    def _checkpoint(self, size: int, root_hash: bytes, log_id: bytes) -> str:
        """A signed note (transparency-dev checkpoint format) over the tree head; sigstore finds
        the signature line by the first four bytes of the log ID."""
        note = f"{_REKOR_NAME} - {_REKOR_TREE_ID}\n{size}\n{_b64(root_hash)}\n"
        signature = _b64(log_id[:4] + _sign(self._rekor_key, note.encode()))
        return f"{note}\n\u2014 {_REKOR_NAME} {signature}\n"
