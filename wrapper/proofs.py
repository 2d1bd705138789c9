"""What was proven about one install, and what each verify policy demands of it.

A fetch collects :class:`Proofs` as it checks: the pinned checksums, a signature on the checksums
file by the release key, a Sigstore keyless signature by the release workflow, an attestation of
the archive. The policy (``<PREFIX>VERIFY``, README "Trust: what each policy requires") is a rule
over that value, stated once in :func:`unmet`:

* ``auto``: whatever the package and the release provide; pins alone suffice;
* ``signature``: a verified signature on the checksums file, by the key or keyless; pins do not
  stand in for one (issue 22, item 4);
* ``attestation``: that, and a verified attestation of the archive.

The value is open to more proofs and rules: a field per proof, and :meth:`Proofs.describe` lists
the fields set, in the log line that ends every fetch.
"""

from __future__ import annotations

from dataclasses import dataclass

from .settings import VerifyPolicy

__all__ = ["Proofs", "unmet"]


@dataclass(frozen=True)
class Proofs:
    """The proofs one fetch verified, beyond the archive's digest matching its checksums."""

    pins: bool = False  # the checksums are the ones pinned in the package
    key: str | None = None  # the fingerprint of the release key that signed the checksums file
    keyless: str | None = None  # the workflow whose keyless signature on it verified
    attestation: str | None = None  # the verified attestation: "attested (<predicate>) by <SAN>"
    # Offline: the cached checksums file had a verified signature when it was kept (the cache
    # records that it was signed, not by whom).
    kept_signed: bool = False

    @property
    def signed(self) -> bool:
        """Whether a signature on the checksums file verified, by the key or keyless."""
        return self.key is not None or self.keyless is not None or self.kept_signed

    def describe(self) -> str:
        """The proofs, for the log: ``pinned checksums, signature by the release key 0123...``."""
        found = [
            "pinned checksums" if self.pins else "",
            f"signature by the release key {self.key}" if self.key else "",
            f"keyless signature by {self.keyless}" if self.keyless else "",
            "a signature verified when the cached copy was kept" if self.kept_signed else "",
            f"the archive {self.attestation}" if self.attestation else "",
        ]
        return ", ".join(each for each in found if each) or "none: integrity only"


def unmet(policy: VerifyPolicy, proofs: Proofs) -> str | None:
    """What ``policy`` requires that ``proofs`` lack, in words; None when it is met."""
    if policy == "auto":
        return None
    if not proofs.signed:
        return "a verified signature on the checksums file (by the release key, or keyless)"
    if policy == "attestation" and proofs.attestation is None:
        return "a verified attestation of the archive"
    return None
