"""The verify policy applied: which proofs of authenticity a fetch demands, and checking them.

Checksums prove an archive intact; this module decides what proves the *checksums* (and, on
request, the archive) were made by the project. In order of strength:

* a signature by the release key pinned in the package (``cosign.pub``), required whenever the
  key is present;
* a Sigstore keyless signature by the release repository's workflow at the release tag,
  verified when sigstore-python is installed;
* a GitHub artifact attestation of the archive's digest by that same workflow.

``<PREFIX>VERIFY`` chooses how much is required: ``auto`` verifies what is configured and
available, ``signature`` refuses without a verified signature on the checksums file, and
``attestation`` also refuses an archive without a verified attestation. Under ``auto`` pins
alone suffice (``pin`` verified the release before writing them); under the other two they do
not stand in for a signature, even when the release publishes no checksums file to sign
(:meth:`Verification.without_checksums`). What was verified is gathered as
:class:`proofs.Proofs`, and :meth:`Verification.accept` applies the policy's rule
(:func:`proofs.unmet`) to it last and logs it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from . import keyless, package_stem
from .attestations import (
    MAX_ATTESTATIONS_SIZE,
    MAX_BUNDLE_SIZE,
    Listed,
    bundle_reference,
    listing_url,
    parse_listing,
    read_stored_bundle,
)
from .errors import AssetNotFoundError, ConfigError, SignatureError
from .keyless import SignerIdentity, SigstoreTrust
from .locations import Location
from .proofs import Proofs, unmet
from .release import Release
from .settings import Settings, VerifyPolicy
from .signatures import (
    BUNDLE_SUFFIX,
    KEY_NAME,
    MAX_SIGNATURE_SIZE,
    SIG_SUFFIX,
    PublicKey,
    load_public_key,
    verify,
)

__all__ = ["MAX_SIGNATURE_SIZE", "Verification"]

_logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Signatures:
    """The signature files read beside a checksums file, by kind, and their names."""

    sig_name: str
    bundle_name: str
    sig: bytes | None = None  # a key's signature (base64)
    bundle: bytes | None = None  # a bundle signed with a key
    keyless: bytes | None = None  # a Sigstore keyless bundle


@dataclass(frozen=True)
class Verification:
    """The proofs one fetch requires and the means to check them."""

    policy: VerifyPolicy = "auto"
    key: PublicKey | None = None
    identity: SignerIdentity | None = None  # None: the release names no repository to trust
    sigstore: SigstoreTrust | None = None  # None: sigstore-python is not installed
    attestations: Location | None = None  # the attestations API; None offline
    locate: Callable[[str], Location] | None = None  # opens a bundle_url; None offline
    # (signature, certificate) names of a checksums file's signatures when the fetch names none
    # (an AssetPlan's checksum_signatures); None: the conventional <name>.sig, <name>.sigstore.json
    signature_names: Callable[[str], tuple[tuple[str, str], ...]] | None = None
    # Made without a release (tests, tools): this package's own names, never spelled by hand.
    env_prefix: str = field(default_factory=lambda: package_stem().upper() + "_")
    distribution: str = field(default_factory=package_stem)

    @classmethod
    def from_settings(
        cls,
        release: Release,
        tag: str,
        settings: Settings,
        location_for: Callable[[str], Location],
    ) -> Verification:
        """The verification the settings ask for; refuse at once what cannot be done."""
        key = load_public_key()
        trust = None
        if keyless.available():
            trust = SigstoreTrust(settings.trusted_root, settings.offline)
        github = release.github_repository
        made = cls(
            policy=settings.verify,
            key=key,
            identity=SignerIdentity(github, tag) if github else None,
            sigstore=trust,
            env_prefix=release.env_prefix,
            distribution=release.project_name,
        )
        made._refuse_impossible(release, settings)
        if settings.verify == "attestation":
            where = settings.github_api
            remote = where.startswith(("https:", "http:"))
            api = (
                None
                if settings.offline and remote
                else location_for(listing_url(where, github or ""))
            )
            made = replace(
                made, attestations=api, locate=None if settings.offline else location_for
            )
        return made

    def _refuse_impossible(self, release: Release, settings: Settings) -> None:
        """Refuse at once a verify policy that nothing here can meet."""
        made, key, trust = self, self.key, self.sigstore
        if trust is None and settings.verify == "signature" and key is None:
            raise ConfigError(
                f"{release.env_prefix}VERIFY={settings.verify}, but this package carries no "
                f"release key ({KEY_NAME}) and sigstore-python is not installed, so no signature "
                f"can be verified. {made._install_sigstore()}"
            )
        if made.identity is None and key is None and settings.verify != "auto":
            raise ConfigError(
                f"{release.env_prefix}VERIFY={settings.verify}, but this package carries no "
                f"release key ({KEY_NAME}), and Sigstore keyless signatures and attestations "
                "are verified only for releases on github.com, signed by GitHub Actions; this "
                f"release is {release.homepage or 'at an unknown repository'}. Pin a release "
                f"key, or use {release.env_prefix}VERIFY=auto with pinned checksums."
            )
        if made.identity is None and settings.verify == "attestation":
            raise ConfigError(
                f"{release.env_prefix}VERIFY=attestation needs GitHub artifact attestations, "
                f"which exist only for releases on github.com; this release is "
                f"{release.homepage or 'at an unknown repository'}."
            )
        if trust is None and settings.verify == "attestation":
            raise ConfigError(
                f"{release.env_prefix}VERIFY=attestation, but sigstore-python, which verifies "
                f"GitHub attestations, is not installed. "
                f"{made._install_sigstore()}"
            )

    @property
    def proves(self) -> str:
        """What a fetch that passed proves beyond the checksums, for logs: ``" + signed ..."``."""
        signed = self.key is not None or self.policy != "auto"
        return (" + signed checksums" if signed else "") + (
            " + attested archive" if self.policy == "attestation" else ""
        )

    def describe(self) -> list[str]:
        """What will be verified, for ``info``."""
        lines = [f"verify policy: {self.policy}"]
        if self.key is not None:
            lines.append(f"signature: required, by the release key {self.key.fingerprint}")
        elif self.identity is None:
            lines.append(
                "signature: not checked (no release key in the package; keyless signatures are "
                "verified only for releases on github.com)"
            )
        elif self.sigstore is not None:
            required = "required" if self.policy != "auto" else "verified when present"
            lines.append(
                f"signature: {required}, Sigstore keyless by {self.identity.describe()}, "
                f"trust root {self.sigstore.describe()}"
            )
        else:
            lines.append(
                f"signature: not checked (no release key in the package, and sigstore-python is "
                f"not installed: {self._install_sigstore()})"
            )
        if self.policy == "attestation" and self.identity is not None:
            lines.append(f"attestation: required, by {self.identity.describe()}")
        return lines

    def check_checksums(
        self,
        location: Location,
        name: str,
        data: bytes,
        signatures: tuple[tuple[str, str], ...] | None = None,
    ) -> Proofs:
        """Verify the signatures on the checksums file ``name``; the proofs that verified.

        ``signatures`` are the ``(signature, certificate)`` names the release's signs block
        gives that file (:attr:`AssetPlan.checksum_signatures`); None: :attr:`signature_names`.

        With the release key pinned, its signature is required (``.sig``, or a bundle it
        signed). A keyless bundle is verified whenever sigstore is installed and the release has
        a signer identity, beside the key's signature too. A signature file that is present and
        does not verify is refused under every policy; under ``signature`` and ``attestation``,
        so is a file on which no signature verified. Raises :class:`SignatureError`.
        """
        trust, identity = self.sigstore, self.identity
        found = self._read_signatures(location, name, signatures)
        proofs = Proofs()
        if self.key is not None:
            proofs = replace(proofs, key=self._check_key(found, name, data, signatures))
        if found.keyless is not None and trust is not None and identity is not None:
            signer = keyless.verify_blob(data, found.keyless, identity, trust, found.bundle_name)
            _logger.info(
                f"{self.distribution}: {name} signed keyless by {signer} ({trust.describe()})"
            )
            proofs = replace(proofs, keyless=signer)
        if proofs.signed:
            return proofs
        if self.policy == "auto":
            if trust is not None and identity is not None:
                _logger.info(
                    f"{self.distribution}: {name} carries no keyless signature; not verified"
                )
            return proofs
        raise self._unsigned(location, name, found, signatures)

    def _unsigned(
        self,
        location: Location,
        name: str,
        found: _Signatures,
        signatures: tuple[tuple[str, str], ...] | None,
    ) -> SignatureError:
        """Why the checksums file ``name``, on which no signature verified, is refused."""
        requires = f"{self.env_prefix}VERIFY={self.policy} requires one."
        if found.bundle is not None:  # present, but signed with a key this package lacks
            return SignatureError(
                f"{name} is not signed in a way this package can verify: {found.bundle_name} "
                f"is signed with a key, not keyless, and the package carries no release key "
                f"({KEY_NAME}); {requires}"
            )
        # The names looked for: the signs block's, when it has one (not found.bundle_name).
        names = [file for file, _ in self._names(name, signatures)]
        where = f" ({'; '.join(map(location.describe, names))})" if names else ""
        return SignatureError(
            f"{name} is not signed with a Sigstore keyless signature: {_missing(names)} found "
            f"beside it{where}, and {requires}"
        )

    def _read_signatures(
        self, location: Location, name: str, signatures: tuple[tuple[str, str], ...] | None
    ) -> _Signatures:
        """The signature files on the checksums file ``name`` that this package can check."""
        found = _Signatures(sig_name=name + SIG_SUFFIX, bundle_name=name + BUNDLE_SUFFIX)
        checkable = self.sigstore is not None and self.identity is not None
        # Only what can be checked is read: each read is a request, and most answer 404.
        if self.key is not None or checkable:
            for file, content in self._signature_files(location, name, signatures):
                # What the signs block names, told apart by content: a bundle is JSON (cosign's
                # old format or the new one), a signature is base64, which never starts with a
                # bracket; JSON that is no object is then refused as no bundle, by name.
                if content.lstrip()[:1] in (b"{", b"["):
                    found = replace(found, bundle=content, bundle_name=file)
                elif self.key is not None:
                    found = replace(found, sig=content, sig_name=file)
        if found.bundle is not None and keyless.is_keyless_bundle(found.bundle, found.bundle_name):
            # A key's signature is in .sig alone, then.
            found = replace(found, keyless=found.bundle, bundle=None)
        return found

    def _check_key(
        self,
        found: _Signatures,
        name: str,
        data: bytes,
        signatures: tuple[tuple[str, str], ...] | None,
    ) -> str:
        """Verify the release key's signature on the checksums file ``name``: its fingerprint."""
        key = self.key
        assert key is not None
        if found.sig is None and found.bundle is None and found.keyless is None:
            missing = _missing([file for file, _ in self._names(name, signatures)])
            raise SignatureError(
                f"{name} is not signed: {missing} found beside it, and this package requires "
                f"a signature by its release key ({key.source}). The release or the "
                "mirror is incomplete or was tampered with."
            )
        if found.keyless is not None and found.sig is None:
            raise SignatureError(
                f"{name} carries no signature by the release key pinned in this package "
                f"({key.source}, {key.fingerprint}): {found.bundle_name} is a "
                f"Sigstore keyless signature, and {found.sig_name} was not found. The "
                "release or the mirror is incomplete or was tampered with."
            )
        how = verify(
            key,
            data,
            sig=found.sig,
            bundle=found.bundle,
            name=name,
            sig_name=found.sig_name,
            bundle_name=found.bundle_name,
        )
        _logger.info(f"{self.distribution}: {name} {how}")
        return key.fingerprint

    def _signature_files(
        self, location: Location, name: str, signatures: tuple[tuple[str, str], ...] | None
    ) -> list[tuple[str, bytes]]:
        """The signature files of the checksums file ``name`` that are published, by name."""
        found = []
        for signature, _ in self._names(name, signatures):
            data = _optional(location, signature)
            if data is not None:
                found.append((signature, data))
        return found

    def _names(
        self, name: str, signatures: tuple[tuple[str, str], ...] | None
    ) -> tuple[tuple[str, str], ...]:
        """``(signature, certificate)`` names of the checksums file ``name``'s signatures."""
        if signatures is not None:
            return signatures
        if self.signature_names is None:  # a .sig is only checked with a key
            sig = ((name + SIG_SUFFIX, ""),) if self.key is not None else ()
            return (*sig, (name + BUNDLE_SUFFIX, ""))
        return self.signature_names(name)

    def without_checksums(self, name: str, why: str) -> None:
        """Allow the pins to stand in for an unread checksums file ``name``: under ``auto`` only.

        ``why`` says why it was not read (``"... answered 404"``). Under ``signature`` and
        ``attestation`` no signature on the file can have been verified, and pins are not one:
        raises :class:`SignatureError` (issue 22, item 4).
        """
        if self.policy == "auto":
            return
        raise SignatureError(
            f"{name} was not read ({why}), so no signature on it was verified; "
            f"{self.env_prefix}VERIFY={self.policy} requires one, and the checksums pinned in "
            f"this package do not stand in for a signature. Install from a release location "
            f"that publishes {name} and its signature (or a mirror that copied them), or set "
            f"{self.env_prefix}VERIFY=auto to install on the pinned checksums alone."
        )

    def accept(self, name: str, proofs: Proofs) -> None:
        """The last word on the archive ``name``: refuse it unless ``proofs`` meet the policy,
        and log which proofs were verified. Raises :class:`SignatureError`."""
        missing = unmet(self.policy, proofs)
        setting = f"{self.env_prefix}VERIFY={self.policy}"
        if missing is not None:
            raise SignatureError(
                f"{name} was refused: {setting} requires {missing}, and what was verified is: "
                f"{proofs.describe()}."
            )
        _logger.info(
            f"{self.distribution}: {name} accepted under {setting}; verified: {proofs.describe()}"
        )

    def check_archive(self, name: str, digest: str) -> str | None:
        """With the ``attestation`` policy, verify GitHub's attestation of the archive's digest."""
        if self.policy != "attestation":
            return None
        if self.sigstore is None or self.identity is None:
            raise ConfigError(
                f"{self.env_prefix}VERIFY=attestation needs sigstore-python to verify GitHub "
                f"attestations. {self._install_sigstore()}"
            )
        if self.attestations is None:
            raise SignatureError(
                f"{self.env_prefix}VERIFY=attestation needs GitHub's attestations API, and "
                f"{self.env_prefix}OFFLINE is set; point GITHUB_API_URL at a local copy of it"
            )
        entry = f"sha256:{digest}"
        where = self.attestations.describe(entry)
        try:
            raw = self.attestations.read(entry, limit=MAX_ATTESTATIONS_SIZE)
        except AssetNotFoundError as exc:  # any other failure stops with its own reason
            raise SignatureError(
                f"no attestation of {name} could be fetched from {where}: {exc}. "
                f"{self.env_prefix}VERIFY=attestation requires one."
            ) from None
        bundles = [
            functools.partial(self._bundle, item, number, self.attestations, where)
            for number, item in enumerate(parse_listing(raw, where), 1)
        ]
        return keyless.verify_attestation(digest, name, bundles, self.identity, self.sigstore)

    def _bundle(self, item: Listed, number: int, api: Location, listing: str) -> bytes:
        """An attestation's bundle, inline or fetched from its ``bundle_url``."""
        if item.bundle is not None:
            return item.bundle
        if item.url is None:
            raise SignatureError(
                f"attestation {number} in {listing} has neither a bundle nor a bundle_url"
            )
        shown = item.url.partition("?")[0]  # GitHub's query is a signature: not for logs
        directory, entry = bundle_reference(item.url)
        if directory is None:
            location = api  # a file beside the listing, in a local copy of the API
        elif self.locate is None:
            raise SignatureError(
                f"attestation {number} is stored at {shown}, and {self.env_prefix}OFFLINE "
                "forbids fetching it; in a local copy of the API, put the bundle inline or "
                "in a file beside the listing named by a relative bundle_url"
            )
        else:
            location = self.locate(directory)
        try:
            body = location.read(entry, limit=MAX_BUNDLE_SIZE)
        except AssetNotFoundError as exc:  # any other failure stops with its own reason
            raise SignatureError(
                f"the bundle of attestation {number} could not be fetched: {exc}"
            ) from None
        return read_stored_bundle(body, f"the bundle of attestation {number} ({shown})")

    def _install_sigstore(self) -> str:
        return (
            f"Install it, with cramjam for GitHub's stored attestations: "
            f"python -m pip install '{self.distribution}[{keyless.EXTRA}]' "
            "(for pip install itself, the build installs it when this variable asks for it)"
        )


def _missing(looked_for: list[str]) -> str:
    """The signature files ``looked_for`` and not found, as the words before ``found``."""
    return {
        0: "the signs block names no signature of it, so none was",
        1: f"{', '.join(looked_for)} was not",
        2: f"neither {' nor '.join(looked_for)} was",
    }.get(len(looked_for), f"none of {', '.join(looked_for)} was")


def _optional(location: Location, name: str) -> bytes | None:
    try:
        return location.read(name, limit=MAX_SIGNATURE_SIZE)
    except AssetNotFoundError:  # absent; a timeout or a 500 is not, and stops the fetch
        return None
