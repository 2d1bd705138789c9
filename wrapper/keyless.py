"""Sigstore keyless verification: proof of *who* signed, where key-based proof says *which key*.

GoReleaser's default recipe signs ``checksums.txt`` in GitHub Actions with
``cosign sign-blob --bundle``: no long-lived key, but a short-lived certificate that Sigstore's
CA (Fulcio) issued to the workflow's OIDC identity, logged in Rekor. What makes such a signature
worth anything is the identity policy, so it is derived from the release description rather
than configured (:class:`SignerIdentity`): the certificate's OIDC issuer is GitHub Actions, its
source repository and source ref (Fulcio's claim extensions, sigstore/fulcio docs/oid-info.md)
are the release repository and ``refs/tags/<tag>``, and its SAN is a workflow of that
repository at that tag. The claims are checked by sigstore-python's own policy classes; only
the SAN's "any workflow of the repository" shape is written here.

A refusal says which: a bundle that does not parse is *malformed*; one whose certificate names
another signer is refused naming who signed and who was expected; one that does not verify
(another trust root, a file changed after signing) says so.

GitHub artifact attestations (``actions/attest-build-provenance``) are the same certificates
around a DSSE envelope holding an in-toto statement; :func:`verify_attestation` checks one
against the archive's digest.

``sigstore`` (sigstore-python) does the cryptography. It is large, so it is an optional extra
(:data:`EXTRA`, :data:`REQUIREMENTS`) imported only here and only when a keyless bundle is
actually verified; :func:`available` tells whether it is installed. The SAN rule and the
statement checks are pure and tested apart.
"""

from __future__ import annotations

import binascii
import importlib.util
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from .attestations import MAX_BUNDLE_SIZE
from .errors import ConfigError, SignatureError
from .signatures import MAX_SIGNATURE_SIZE
from .untrusted import load_object

if TYPE_CHECKING:
    from cryptography.x509 import Certificate
    from sigstore.models import Bundle
    from sigstore.verify import Verifier
    from sigstore.verify.policy import VerificationPolicy

__all__ = [
    "EXTRA",
    "GITHUB_ACTIONS_ISSUER",
    "REQUIREMENTS",
    "Signer",
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
EXTRA = "sigstore"  # the extra that installs what this module needs
# sigstore-python verifies; cramjam decodes the Snappy bodies GitHub stores attestations in
# (see attestations.py). Both are imported only when a keyless proof is actually verified.
REQUIREMENTS = ("sigstore>=4", "cramjam>=2.8")

_T = TypeVar("_T")

_IN_TOTO_PAYLOAD = "application/vnd.in-toto+json"
_IN_TOTO_STATEMENTS = ("https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1")
# Fulcio's certificate extensions (sigstore/fulcio docs/oid-info.md): the v2 claims (.8 and
# later) are DER UTF8Strings, the deprecated v1 issuer (.1) raw UTF-8.
_ISSUER_V1 = "1.3.6.1.4.1.57264.1.1"
_ISSUER_V2 = "1.3.6.1.4.1.57264.1.8"
_SOURCE_REPOSITORY_URI = "1.3.6.1.4.1.57264.1.12"
_SOURCE_REPOSITORY_REF = "1.3.6.1.4.1.57264.1.14"


def available() -> bool:
    """Whether the extra's modules are installed, without importing them (sigstore takes ~0.5 s)."""
    # cramjam is checked where it is needed: only attestations stored behind a bundle_url use it.
    return importlib.util.find_spec("sigstore") is not None


@dataclass(frozen=True)
class SignerIdentity:
    """Who may sign a release: a workflow of ``repository`` at ``tag``, per GitHub's OIDC.

    ``repository`` is ``owner/name`` as GitHub spells it: Fulcio copies GitHub's claims, which
    carry the repository's own spelling, and the claims are compared exactly.
    """

    repository: str  # "owner/name"
    tag: str
    issuer: str = GITHUB_ACTIONS_ISSUER

    @property
    def source(self) -> str:
        """The certificate's expected source repository URI (Fulcio extension .12)."""
        return f"https://github.com/{self.repository}"

    @property
    def ref(self) -> str:
        """The certificate's expected source repository ref (Fulcio extension .14)."""
        return f"refs/tags/{self.tag}"

    def workflow(self, identities: Sequence[str]) -> str | None:
        """The first SAN that is a workflow of the repository run at the tag, or None.

        GitHub's SAN is the run's ``job_workflow_ref``:
        ``https://github.com/<owner>/<name>/.github/workflows/<file>@refs/tags/<tag>``. Any
        workflow file is accepted: whoever can push a tag can also edit the workflows, so
        naming the file adds no proof. This is the one rule sigstore's policies cannot say
        (``policy.Identity`` takes one exact SAN).
        """
        pattern = re.compile(
            rf"{re.escape(self.source)}/\.github/workflows/[^/@]+@{re.escape(self.ref)}"
        )
        return next((each for each in identities if pattern.fullmatch(each)), None)

    def describe(self) -> str:
        return f"a workflow of github.com/{self.repository} at {self.ref} (issuer {self.issuer})"

    def policy(self) -> VerificationPolicy:
        """The rules, as sigstore's ``VerificationPolicy``: issuer, source repository and ref
        from Fulcio's claim extensions, and the workflow shape of the SAN."""
        from sigstore.verify import policy

        return policy.AllOf(
            [
                policy.OIDCIssuerV2(self.issuer),
                policy.OIDCSourceRepositoryURI(self.source),
                policy.OIDCSourceRepositoryRef(self.ref),
                _WorkflowAtTag(self),
            ]
        )


@dataclass(frozen=True)
class Signer:
    """Who a Fulcio certificate says signed: its SAN URIs and the OIDC claims the policy reads."""

    identities: tuple[str, ...]
    issuer: str | None
    repository: str | None
    ref: str | None

    @classmethod
    def of(cls, cert: Certificate) -> Signer:
        from cryptography import x509

        try:
            sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            identities = tuple(sans.get_values_for_type(x509.UniformResourceIdentifier))
        except x509.ExtensionNotFound:
            identities = ()
        return cls(
            identities=identities,
            issuer=_claim(cert, _ISSUER_V2) or _claim(cert, _ISSUER_V1, der=False),
            repository=_claim(cert, _SOURCE_REPOSITORY_URI),
            ref=_claim(cert, _SOURCE_REPOSITORY_REF),
        )

    def describe(self) -> str:
        who = ", ".join(self.identities) or "a certificate with no URI identity"
        return (
            f"{who} (issuer {self.issuer or 'none'}, repository {self.repository or 'none'}, "
            f"ref {self.ref or 'none'})"
        )


@dataclass(frozen=True)
class SigstoreTrust:
    """Which Sigstore instance to trust: a trusted_root.json file, or the public good instance."""

    trusted_root: Path | None = None  # <PREFIX>SIGSTORE_TRUSTED_ROOT
    offline: bool = False  # use the cached public trust root; never refresh it over TUF

    def verifier(self) -> Verifier:
        """sigstore's ``Verifier`` for this root; ConfigError if the root cannot be loaded."""
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


def is_keyless_bundle(raw: bytes, where: str) -> bool:
    """Whether a bundle (the file ``where``) carries a signing certificate (keyless) rather than
    a key hint; SignatureError if it is not a JSON object, or its verificationMaterial is not one:
    a signature file that is present but unreadable is refused, never taken for absent."""
    bundle = load_object(raw, where, "a Sigstore bundle", SignatureError, limit=MAX_SIGNATURE_SIZE)
    material = bundle.optional_child("verificationMaterial")
    return material is not None and bool(
        material.get("certificate") or material.get("x509CertificateChain")
    )


def verify_blob(
    data: bytes, bundle: bytes, identity: SignerIdentity, trust: SigstoreTrust, where: str
) -> str:
    """Check that ``bundle`` (the file ``where``) signs ``data`` for ``identity``; the signer's
    workflow (the certificate's SAN that matched).

    Raises ConfigError if the trust root cannot be loaded, and SignatureError if the bundle
    does not parse, was signed by anyone but ``identity`` (the message shows who signed and who
    was expected), or does not verify under ``trust`` (another root, changed data).
    """
    parsed = _bundle(bundle, where)
    signer = _Policy(identity)
    _run(where, signer, trust.verifier().verify_artifact, data, parsed, signer)
    return signer.matched


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
        signer = _Policy(identity)
        try:
            parsed = _bundle(bundle(), where)
            payload_type, payload = _run(where, signer, verifier.verify_dsse, parsed, signer)
            predicate = _check_statement(payload_type, payload, digest, where)
        except SignatureError as exc:
            failures.append(str(exc))
            continue
        return f"attested ({predicate}) by {signer.matched}"
    raise SignatureError(
        f"no attestation for {name} (sha256:{digest}) verifies:\n  - " + "\n  - ".join(failures)
    )


def statement_digests(payload: bytes, where: str) -> tuple[str, list[str]]:
    """The predicate type and the sha256 subject digests of an in-toto statement.

    Raises SignatureError naming ``where`` when the payload is not a statement; subjects
    without a sha256 digest are skipped, as they are about other algorithms.
    """
    # The statement is inside a bundle, so no larger than one.
    statement = load_object(
        payload, where, "an in-toto statement", SignatureError, limit=MAX_BUNDLE_SIZE
    )
    kind = statement.get("_type")
    if kind not in _IN_TOTO_STATEMENTS:
        statement.refuse(f"its _type is {kind!r}")
    digests = []
    for subject in statement.member("subject", list, optional=True) or []:
        digest = subject.get("digest") if isinstance(subject, dict) else None
        sha256 = digest.get("sha256") if isinstance(digest, dict) else None
        if isinstance(sha256, str):
            digests.append(sha256.lower())
    predicate = statement.get("predicateType")
    return predicate if isinstance(predicate, str) else "unknown predicate", digests


def _check_statement(payload_type: str, payload: bytes, digest: str, where: str) -> str:
    if payload_type != _IN_TOTO_PAYLOAD:
        raise SignatureError(f"{where} holds {payload_type!r}; expected {_IN_TOTO_PAYLOAD}")
    predicate, digests = statement_digests(payload, f"the statement in {where}")
    if digest.lower() not in digests:
        raise SignatureError(
            f"{where} is about sha256 {', '.join(digests) or 'nothing'}, not this archive's "
            f"sha256 {digest}"
        )
    return predicate


class _Refused(Exception):
    """The certificate chain verified, but the release's identity rules refuse its signer."""

    def __init__(self, signer: Signer, reason: str) -> None:
        super().__init__(reason)
        self.signer = signer
        self.reason = reason


class _Policy:
    """sigstore's ``VerificationPolicy``, called once the certificate chain has verified.

    It applies ``identity.policy()`` and keeps who signed, for the success message and for a
    refusal that says who signed and who was expected.
    """

    def __init__(self, identity: SignerIdentity) -> None:
        self.identity = identity
        self.rules = identity.policy()
        self.matched = ""

    def verify(self, cert: Certificate) -> None:
        from sigstore.errors import VerificationError

        signer = Signer.of(cert)
        try:
            self.rules.verify(cert)
        except VerificationError as exc:
            # Not a VerificationError: _run tells a refused signer from a bad signature.
            raise _Refused(signer, _first_line(exc)) from None
        self.matched = self.identity.workflow(signer.identities) or ""


class _WorkflowAtTag:
    """The SAN rule sigstore's policies cannot say: see :meth:`SignerIdentity.workflow`."""

    def __init__(self, identity: SignerIdentity) -> None:
        self.identity = identity

    def verify(self, cert: Certificate) -> None:
        from sigstore.errors import VerificationError

        identities = Signer.of(cert).identities
        if self.identity.workflow(identities) is None:
            raise VerificationError(
                f"no SAN is a workflow of {self.identity.source} at {self.identity.ref} "
                f"(got {', '.join(identities) or 'none'})"
            )


def _claim(cert: Certificate, oid: str, *, der: bool = True) -> str | None:
    """A Fulcio claim extension's text, or None when the certificate lacks or garbles it."""
    from cryptography import x509

    try:
        ext = cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(oid)).value
    except x509.ExtensionNotFound:
        return None
    raw = ext.value if isinstance(ext, x509.UnrecognizedExtension) else b""
    try:
        return der_utf8_string(raw) if der else raw.decode("utf-8")
    except ValueError:
        return None


def der_utf8_string(raw: bytes) -> str:
    """Decode a DER UTF8String (X.690), the encoding of Fulcio's v2 claim extensions.

    Written here rather than taken from ``cryptography.hazmat.asn1``: that module exists only
    from cryptography 47, and sigstore before 4.5.1 allows older ones. Raises ValueError.
    """
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


def _bundle(raw: bytes, where: str) -> Bundle:
    from sigstore.models import Bundle

    try:
        return Bundle.from_json(raw)
    except Exception as exc:  # sigstore raises many types for malformed input
        raise SignatureError(f"{where} is malformed: {_first_line(exc)}") from None


def _run(where: str, signer: _Policy, verify: Callable[..., _T], *args: Any) -> _T:
    """Call one of sigstore's verifications; translate what it raises into SignatureError."""
    from sigstore.errors import VerificationError

    try:
        return verify(*args)
    except _Refused as exc:
        _refuse(where, signer.identity, exc)
    except VerificationError as exc:
        raise SignatureError(
            f"{where} does not verify: {_first_line(exc)}. It was not made under the trusted "
            "Sigstore root, or the file was changed after it was signed."
        ) from None
    except (ValueError, binascii.Error) as exc:
        raise SignatureError(f"{where} is malformed: {_first_line(exc)}") from None


def _refuse(where: str, identity: SignerIdentity, refused: _Refused) -> NoReturn:
    """A policy refusal: who signed, who was expected, and the rule that differs."""
    signer = refused.signer
    hint = ""
    got = signer.repository or ""
    if got != identity.source and got.lower() == identity.source.lower():
        hint = (
            f" GitHub spells the repository {got}: write release.github's owner and name in "
            "that spelling."
        )
    raise SignatureError(
        f"{where} is signed by {signer.describe()}; the release expects {identity.describe()}. "
        f"{refused.reason}.{hint}"
    ) from None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
