"""Sigstore keyless verification: proof of *who* signed, where key-based proof says *which key*.

GoReleaser's default recipe signs ``checksums.txt`` in GitHub Actions with
``cosign sign-blob --bundle``: no long-lived key, but a short-lived certificate that Sigstore's
CA issued to the workflow's OIDC identity, logged in Rekor. What makes such a signature worth
anything is the identity policy, so it is derived from the release description rather than
configured: the issuer is GitHub Actions, and the certificate's identity is a workflow of the
release repository run at the release tag. Any workflow file of that repository is accepted:
whoever can push a tag there can also edit its workflows, so naming the file adds no proof.

GitHub artifact attestations (``actions/attest-build-provenance``) are the same certificates
around a DSSE envelope holding an in-toto statement; :func:`verify_attestation` checks one
against the archive's digest.

``sigstore`` (sigstore-python) does the cryptography. It is large, so it is an optional extra
imported only here and only when a keyless bundle is actually verified; :func:`available` tells
whether it is installed. The identity rules and the statement checks are pure and tested apart.
"""

from __future__ import annotations

import binascii
import importlib.util
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError, SignatureError

__all__ = [
    "EXTRA",
    "GITHUB_ACTIONS_ISSUER",
    "REQUIREMENT",
    "SignerIdentity",
    "SigstoreTrust",
    "available",
    "der_utf8_string",
    "is_keyless_bundle",
    "statement_digests",
    "verify_attestation",
    "verify_blob",
]

GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com"
EXTRA = "sigstore"  # the extra that installs sigstore-python
REQUIREMENT = "sigstore>=4"

_IN_TOTO_PAYLOAD = "application/vnd.in-toto+json"
_IN_TOTO_STATEMENTS = ("https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1")
_ISSUER_V1 = "1.3.6.1.4.1.57264.1.1"  # raw string
_ISSUER_V2 = "1.3.6.1.4.1.57264.1.8"  # DER UTF8String
_SOURCE_REPOSITORY_URI = "1.3.6.1.4.1.57264.1.12"  # DER UTF8String


def available() -> bool:
    """Whether sigstore-python is installed, without importing it (it takes ~0.5 s)."""
    return importlib.util.find_spec("sigstore") is not None


@dataclass(frozen=True)
class SignerIdentity:
    """Who may sign a release: a workflow of ``repository`` at ``tag``, per GitHub's OIDC."""

    repository: str  # "owner/name"
    tag: str
    issuer: str = GITHUB_ACTIONS_ISSUER

    @property
    def pattern(self) -> re.Pattern[str]:
        owner, name = self.repository.split("/", 1)
        # GitHub's owner and repository names are case-insensitive; the path and ref are not.
        return re.compile(
            rf"https://github\.com/(?i:{re.escape(owner)}/{re.escape(name)})"
            rf"/\.github/workflows/[^/@]+@refs/tags/{re.escape(self.tag)}"
        )

    def describe(self) -> str:
        return (
            f"a workflow of github.com/{self.repository} at refs/tags/{self.tag} "
            f"(issuer {self.issuer})"
        )

    def check(self, identities: Sequence[str], issuer: str | None, source: str | None) -> str:
        """Return the certificate identity that satisfies this policy, or say why none does."""
        if issuer != self.issuer:
            raise SignatureError(
                f"signed by an identity from the OIDC issuer {issuer!r}; expected {self.issuer}"
            )
        if source is not None and source.lower() != f"https://github.com/{self.repository}".lower():
            raise SignatureError(
                f"signed from the repository {source}; expected github.com/{self.repository}"
            )
        for identity in identities:
            if self.pattern.fullmatch(identity):
                return identity
        shown = ", ".join(identities) or "none"
        raise SignatureError(f"signed by {shown}; expected {self.describe()}")


@dataclass(frozen=True)
class SigstoreTrust:
    """Which Sigstore instance to trust: a trusted_root.json file, or the public good instance."""

    trusted_root: Path | None = None  # <PREFIX>SIGSTORE_TRUSTED_ROOT
    offline: bool = False  # use the cached public trust root; never refresh it over TUF

    def verifier(self) -> Any:
        from sigstore.errors import Error
        from sigstore.models import TrustedRoot
        from sigstore.verify import Verifier

        try:
            if self.trusted_root is not None:
                return Verifier(trusted_root=TrustedRoot.from_file(str(self.trusted_root)))
            return Verifier.production(offline=self.offline)
        except (Error, OSError, ValueError) as exc:
            where = self.trusted_root or "Sigstore's public trust root (TUF)"
            raise ConfigError(f"cannot load the Sigstore trust root from {where}: {exc}") from exc

    def describe(self) -> str:
        return str(self.trusted_root) if self.trusted_root else "Sigstore public good"


def is_keyless_bundle(raw: bytes) -> bool:
    """Whether a bundle carries a signing certificate (keyless) rather than a key hint."""
    try:
        material = json.loads(raw).get("verificationMaterial", {})
    except (ValueError, AttributeError):
        return False
    return isinstance(material, dict) and bool(
        material.get("certificate") or material.get("x509CertificateChain")
    )


def verify_blob(
    data: bytes, bundle: bytes, identity: SignerIdentity, trust: SigstoreTrust, where: str
) -> str:
    """Check that ``bundle`` (the file ``where``) signs ``data`` for ``identity``; say who."""
    parsed = _bundle(bundle, where)
    signer = _Policy(identity, where)
    _run(where, trust.verifier().verify_artifact, data, parsed, signer)
    return f"signed keyless by {signer.matched} ({trust.describe()})"


def verify_attestation(
    digest: str,
    name: str,
    bundles: Sequence[Callable[[], bytes]],
    identity: SignerIdentity,
    trust: SigstoreTrust,
) -> str:
    """Accept the archive ``name`` if one attestation about ``digest`` verifies; say which.

    Each bundle is got only when its turn comes (GitHub stores them behind URLs, and the first
    usually verifies); a getter that cannot have it raises SignatureError saying why, and the
    refusal, if every attestation fails, lists each one's reason in the listing's order.
    """
    if not bundles:
        raise SignatureError(f"GitHub lists no attestation for {name} (sha256:{digest})")
    verifier = trust.verifier()
    failures = []
    for number, bundle in enumerate(bundles, 1):
        where = f"attestation {number} of {len(bundles)} for {name}"
        signer = _Policy(identity, where)
        try:
            parsed = _bundle(bundle(), where)
            payload_type, payload = _run(where, verifier.verify_dsse, parsed, signer)
            predicate = _check_statement(payload_type, payload, digest, where)
        except SignatureError as exc:
            failures.append(str(exc))
            continue
        return f"attested ({predicate}) by {signer.matched}"
    raise SignatureError(
        f"no attestation for {name} (sha256:{digest}) verifies:\n  - " + "\n  - ".join(failures)
    )


def statement_digests(payload: bytes) -> tuple[str, list[str]]:
    """The predicate type and the sha256 subject digests of an in-toto statement."""
    statement = json.loads(payload)
    if statement.get("_type") not in _IN_TOTO_STATEMENTS:
        raise ValueError(f"not an in-toto statement (_type {statement.get('_type')!r})")
    digests = [
        str(subject["digest"]["sha256"]).lower()
        for subject in statement.get("subject") or []
        if isinstance(subject, dict) and "sha256" in (subject.get("digest") or {})
    ]
    return str(statement.get("predicateType", "unknown predicate")), digests


def _check_statement(payload_type: str, payload: bytes, digest: str, where: str) -> str:
    if payload_type != _IN_TOTO_PAYLOAD:
        raise SignatureError(f"{where} holds {payload_type!r}; expected {_IN_TOTO_PAYLOAD}")
    try:
        predicate, digests = statement_digests(payload)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise SignatureError(f"{where} is not a usable in-toto statement: {exc}") from None
    if digest.lower() not in digests:
        raise SignatureError(
            f"{where} is about sha256 {', '.join(digests) or 'nothing'}, not this archive's "
            f"sha256 {digest}"
        )
    return predicate


class _Policy:
    """sigstore's ``VerificationPolicy``, applied once the certificate chain has verified."""

    def __init__(self, identity: SignerIdentity, where: str) -> None:
        self.identity = identity
        self.where = where
        self.matched = ""

    def verify(self, cert: Any) -> None:
        from cryptography import x509

        try:
            sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            identities = [str(v) for v in sans.get_values_for_type(x509.UniformResourceIdentifier)]
        except x509.ExtensionNotFound:
            identities = []
        issuer = _extension(cert, _ISSUER_V2, der=True) or _extension(cert, _ISSUER_V1, der=False)
        source = _extension(cert, _SOURCE_REPOSITORY_URI, der=True)
        try:
            self.matched = self.identity.check(identities, issuer, source)
        except SignatureError as exc:
            raise SignatureError(f"{self.where} is {exc}; nothing was installed") from None


def _extension(cert: Any, oid: str, *, der: bool) -> str | None:
    from cryptography import x509

    try:
        raw = cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(oid)).value.value
    except x509.ExtensionNotFound:
        return None
    try:
        return der_utf8_string(raw) if der else bytes(raw).decode("utf-8")
    except ValueError:
        return None


def der_utf8_string(raw: bytes) -> str:
    """Decode a DER UTF8String, the encoding of Fulcio's newer certificate extensions."""
    if len(raw) < 2 or raw[0] != 0x0C:
        raise ValueError("not a DER UTF8String")
    length, offset = raw[1], 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or len(raw) < 2 + count:
            raise ValueError("bad DER length")
        length, offset = int.from_bytes(raw[2 : 2 + count], "big"), 2 + count
    if len(raw) != offset + length:
        raise ValueError("DER length does not match")
    return raw[offset:].decode("utf-8")


def _bundle(raw: bytes, where: str) -> Any:
    from sigstore.models import Bundle

    try:
        return Bundle.from_json(raw)
    except Exception as exc:  # sigstore raises many types for malformed input
        raise SignatureError(
            f"{where} is not a usable Sigstore bundle: {_first_line(exc)}"
        ) from None


def _run(where: str, verify: Any, *args: Any) -> Any:
    from sigstore.errors import VerificationError

    try:
        return verify(*args)
    except VerificationError as exc:
        raise SignatureError(
            f"{where} does not verify: {_first_line(exc)}. It was not made by the release "
            "workflow under the trusted Sigstore root, or a file was changed after signing; "
            "nothing was installed."
        ) from None
    except (ValueError, binascii.Error) as exc:
        raise SignatureError(f"{where} is malformed: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
