"""Whether the archive is the release of the tag being installed: the version its binary records.

A checksums file signed by the release key proves its bytes came from the project, but real
archive names carry no version, so the signed checksums, signature and archive of v1.0.0, served
where v2.0.0 is asked for, verify. What does name the release:

* the binary's own build information (``go version -m``, read by :mod:`.buildinfo`): the main
  module's version, which Go 1.24+ stamps from the VCS tag (``v2.0.0``; ``(devel)`` and
  pseudo-versions name no release), and the ``-X`` assignments of its ``-ldflags`` (recorded
  unless it was built with ``-trimpath``) whose template in goreleaser.yaml renders ``.Version``
  or ``.Tag``: ``-X github.com/example/mycli/internal/version.Version={{.Version}}``;
* the checksums pinned in the package (one release's own file);
* a Sigstore keyless signature or a GitHub attestation, whose identity is the workflow run at
  the tag (:class:`.keyless.SignerIdentity`);
* asset names that carry the version, listed in the signed checksums file.

A version the binary records that is not the tag's refuses the install under every verify
policy. When nothing binds the version but the release key's signature, the log says so, and
``<PREFIX>VERIFY=signature`` refuses: that policy promises a signature proving the release, and
a key signature alone proves a release, not which one.

Everything here is pure but :func:`check_binary`, which reads the binary.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .buildinfo import BuildInfo, BuildInfoError, NoBuildInfoError, read_buildinfo
from .errors import ArchiveError, ConfigError, SignatureError, StorageError
from .plan import AssetPlan
from .platforms import Target
from .proofs import Proofs
from .release import NO_ENVIRONMENT, UNKNOWN_FIELD, Release

if TYPE_CHECKING:
    from .fetch import VerifiedArchive
    from .verification import Verification

__all__ = [
    "Recorded",
    "VersionMismatchError",
    "check_binary",
    "describe",
    "main_module_version",
    "names_bind",
    "probe_tags",
    "recorded_versions",
    "split_flags",
    "version_variables",
    "x_assignments",
]

_logger = logging.getLogger(__name__)


# golang.org/x/mod/module IsPseudoVersion: vX.0.0-yyyymmddhhmmss-abcdef123456 and the forms
# after a tag (vX.Y.(Z+1)-0.<time>-<rev>, vX.Y.Z-pre.0.<time>-<rev>), with optional +build.
_PSEUDO = re.compile(
    r"v\d+\.(?:0\.0-|\d+\.\d+-(?:[^+]*\.)?0\.)\d{14}-[A-Za-z0-9]+(?:\+[0-9A-Za-z.-]+)?"
)
# A module version as Go stamps one from a tag: canonical SemVer with the v, optional +build
# metadata (Go 1.24 adds +dirty for a modified checkout).
_MODULE_VERSION = re.compile(r"v(?P<core>\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)(?:\+[0-9A-Za-z.-]+)?")
_SEMVER_TAG = re.compile(
    r"(?P<prefix>.*?)(?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+)(?P<rest>.*)"
)


class VersionMismatchError(ArchiveError):
    """The binary records a version that is not the tag's: another release's archive."""


@dataclass(frozen=True)
class Recorded:
    """One place the binary records its release's version, and what the tag says it must be."""

    version: str  # as the binary records it
    expected: str  # what the tag being installed gives there
    where: str  # "its main module version", "-X <var> in its -ldflags"

    @property
    def matches(self) -> bool:
        return self.version == self.expected


# --- the -X assignments ------------------------------------------------------------------------


def split_flags(text: str) -> list[str] | None:
    """Split ``-ldflags`` as the go command does (cmd/internal/quoted.Split): fields separated
    by spaces, a field starting with ``'`` or ``"`` running to the same quote, no escapes.
    None when a quote is unterminated (the go command would have refused it)."""
    fields: list[str] = []
    i = 0
    while i < len(text):
        if text[i] in " \t\n\r":
            i += 1
            continue
        if text[i] in "'\"":
            end = text.find(text[i], i + 1)
            if end < 0:
                return None
            fields.append(text[i + 1 : end])
            i = end + 1
            continue
        end = i
        while end < len(text) and text[end] not in " \t\n\r":
            end += 1
        fields.append(text[i:end])
        i = end
    return fields


def x_assignments(ldflags: str) -> dict[str, str]:
    """``{importpath.name: value}`` of the ``-X`` flags in ``ldflags`` (``-X a.b=c``,
    ``-X=a.b=c``, ``--X ...``), the last winning as in the linker; unparseable text has none."""
    fields = split_flags(ldflags) or []
    found: dict[str, str] = {}
    i = 0
    while i < len(fields):
        flag = fields[i]
        i += 1
        name, eq, value = flag.lstrip("-").partition("=")
        if not flag.startswith("-") or name != "X":
            continue
        if not eq:
            if i >= len(fields):
                break
            value, i = fields[i], i + 1
        var, eq, assigned = value.partition("=")
        if eq and var:
            found[var] = assigned
    return found


def probe_tags(tag: str) -> list[str]:
    """Tags of other releases, each differing from ``tag`` in one part (major, minor, patch,
    pre-release): what a value that names the version must differ by."""
    m = _SEMVER_TAG.fullmatch(tag)
    if m is None:
        return [f"{tag}-other"]
    prefix, rest = m["prefix"], m["rest"]
    major, minor, patch = int(m["major"]), int(m["minor"]), int(m["patch"])
    return [
        f"{prefix}{major + 1}.{minor}.{patch}{rest}",
        f"{prefix}{major}.{minor + 1}.{patch}{rest}",
        f"{prefix}{major}.{minor}.{patch + 1}{rest}",
        f"{prefix}{major}.{minor}.{patch}" + ("" if rest else "-rc.1"),
    ]


def version_variables(
    ldflags_for: Callable[[str], Sequence[str | None]], tag: str
) -> dict[str, str]:
    """The ``-X`` variables of the release's ldflags that name its version, with the value
    ``tag`` gives each: ``{"github.com/.../version.Version": "2.0.0"}``.

    ``ldflags_for(tag)`` is :meth:`.release.Release.ldflags` for the target. A variable names
    the version when its value differs for every other release (:func:`probe_tags`) and holds
    nothing an install cannot know (``.Commit``, ``.Date``); an entry that cannot be rendered
    is left out.
    """

    def assignments(for_tag: str) -> dict[str, str]:
        found: dict[str, str] = {}
        for flag in ldflags_for(for_tag):
            if flag is not None:
                found.update(x_assignments(flag))
        return found

    mine = assignments(tag)
    others = [assignments(other) for other in probe_tags(tag)]
    return {
        var: value
        for var, value in mine.items()
        if UNKNOWN_FIELD not in value and all(o.get(var) != value for o in others)
    }


# --- what the binary records -------------------------------------------------------------------


def main_module_version(info: BuildInfo) -> str | None:
    """The main module's version when it names a release (``v2.0.0``, ``v2.0.0+dirty``), else
    None: ``(devel)`` (not stamped from VCS), a pseudo-version (no tag at the commit, or none
    valid for the module's major version), nothing."""
    version = info.main.version
    if _PSEUDO.fullmatch(version) or not _MODULE_VERSION.fullmatch(version):
        return None
    return version


def _tag_semver(tag: str) -> str:
    """The SemVer Go would stamp for ``tag``: without a module directory prefix or the v."""
    last = tag.rsplit("/", 1)[-1]
    return last[1:] if last.startswith("v") else last


def recorded_versions(info: BuildInfo, tag: str, variables: Mapping[str, str]) -> list[Recorded]:
    """Every place ``info`` records the release's version: each of ``variables``
    (:func:`version_variables`) its ``-ldflags`` assign, then the main module's version."""
    assigned = x_assignments(info.setting("-ldflags") or "")
    found = [
        Recorded(assigned[var], expected, f"-X {var} in its -ldflags")
        for var, expected in variables.items()
        if var in assigned
    ]
    stamped = main_module_version(info)
    if stamped is not None:
        m = _MODULE_VERSION.fullmatch(stamped)
        assert m is not None  # main_module_version matched it
        found.append(
            Recorded(
                "v" + m["core"],  # without +dirty: the version the checkout was at
                "v" + _tag_semver(tag),
                f"its main module version {stamped}, which Go stamps from the git tag",
            )
        )
    return found


def unrecorded_reason(info: BuildInfo, variables: Mapping[str, str]) -> str:
    """Why ``info`` records no version, for the log: each way it could have, and why not."""
    reasons = [f"its main module version is {info.main.version or 'not recorded'!r}"]
    ldflags = info.setting("-ldflags")
    if ldflags is None:
        trimmed = info.setting("-trimpath") == "true"
        reasons.append(
            "it was built with -trimpath, which leaves its -ldflags out of the build information"
            if trimmed
            else "it was built without -ldflags"
        )
    elif not variables:
        reasons.append("goreleaser.yaml's ldflags set no -X variable from .Version or .Tag alone")
    else:
        reasons.append(f"its -ldflags set none of {', '.join(sorted(variables))}")
    return "; ".join(reasons)


# --- what else binds the version ---------------------------------------------------------------


def names_bind(
    release: Release,
    target: Target,
    tag: str,
    environ: Mapping[str, str] = NO_ENVIRONMENT,
    name: str | None = None,
) -> bool:
    """Whether the archive's name carries the version: another release's would be named
    otherwise, and the signed checksums file lists names. Not with split checksum files
    (``checksum.split``), whose signed bytes are a digest alone."""
    if release.checksum_split:
        return False
    name = name or release.archive_name(target, tag, environ)  # the archive's, when known
    try:
        others = probe_tags(tag)
        return all(release.archive_name(target, other, environ) != name for other in others)
    except ConfigError:
        return False  # a name that needs a SemVer tag, asked for another: not provably distinct


def _other_binding(
    release: Release,
    target: Target,
    tag: str,
    proofs: Proofs,
    environ: Mapping[str, str] = NO_ENVIRONMENT,
    plan: AssetPlan | None = None,
) -> str | None:
    """What binds the archive to ``tag`` besides the binary, for the log; None if nothing.
    Pins are one release's checksums; a keyless signature and an attestation are made by the
    workflow run at the tag (keyless.SignerIdentity); a key signature covers names only."""
    if proofs.pins:
        return "the pinned checksums"
    if proofs.attestation is not None:
        return f"the archive's attestation ({proofs.attestation})"
    if proofs.keyless is not None:
        return f"the keyless signature by {proofs.keyless}"
    name = plan.archive_name if plan is not None else None
    if proofs.signed and names_bind(release, target, tag, environ, name):
        return "the archive's name, which carries the version, in the signed checksums"
    return None


def _unbound(proofs: Proofs) -> str:
    """What vouched, when nothing binds the version: never more than was proven."""
    if proofs.key is not None:
        return "signed by the release key"
    if proofs.kept_signed:
        return "signed (when the cached checksums were kept)"
    return "integrity only"


def _read(binary: Path, label: str) -> tuple[BuildInfo | None, str]:
    """The binary's build information, or None and why there is none. Raises BuildInfoError
    (malformed) and StorageError (unreadable)."""
    try:
        with binary.open("rb") as handle:
            return read_buildinfo(handle, name=label), ""
    except NoBuildInfoError as exc:
        return None, str(exc)
    except BuildInfoError:
        raise
    except OSError as exc:
        raise StorageError(f"cannot read {label}: {exc.strerror}") from exc


# --- the check ---------------------------------------------------------------------------------


def check_binary(
    release: Release,
    target: Target,
    tag: str,
    binary: Path,
    archive: VerifiedArchive,
    environ: Mapping[str, str] = NO_ENVIRONMENT,
    plan: AssetPlan | None = None,
) -> None:
    """Check that ``binary``, just extracted from ``archive``, is the release of ``tag``; say
    in the log what binds the version, or that nothing does.

    Raises VersionMismatchError when the binary records another version (under every policy),
    SignatureError when the archive's policy is ``signature`` and nothing binds the version
    (only a signature on the checksums file vouched), BuildInfoError for malformed build
    information, StorageError when the binary cannot be read.
    """
    project, asset, proofs = release.project_name, archive.name, archive.proofs
    label = f"{binary.name} in {asset}"
    info, reason = _read_as_go_does(binary, label)

    def ldflags(other: str) -> tuple[str | None, ...]:
        # The install's own tag: as planned; the tags probed, rendered for them.
        if plan is not None and other == plan.tag:
            return plan.ldflags
        return release.ldflags(target, other, environ)

    variables = version_variables(ldflags, tag)
    recorded = recorded_versions(info, tag, variables) if info is not None else []
    for each in recorded:
        if not each.matches:
            raise _another_version(each, archive, tag, label)
    if recorded:
        _logger.info(
            f"{project}: {label} records version {recorded[0].version} "
            f"({'; '.join(r.where for r in recorded)}), matching the tag {tag}"
        )
        return
    if info is not None:
        reason = unrecorded_reason(info, variables)
    other = _other_binding(release, target, tag, proofs, environ, plan)
    if other is not None:
        _logger.info(f"{project}: the version is bound by {other} ({label} records none: {reason})")
        return
    what = _unbound(proofs)
    if archive.policy == "signature":
        raise _unbound_refused(release, archive, tag, what, f"{label} records none ({reason})")
    _logger.info(f"{project}: {what}; the version is not bound ({label} records none: {reason})")


def _expected_proofs(verification: Verification, *, pinned: bool) -> Proofs:
    """What an install with this package and policy proves, as the fetch would record it; a
    keyless signature only where the policy requires one (auto takes one when present)."""
    key, identity = verification.key, verification.identity
    keyless = key is None and identity is not None and verification.policy != "auto"
    return Proofs(
        pins=pinned,
        key=key.fingerprint if key is not None else None,
        keyless=identity.describe() if keyless and identity is not None else None,
        attestation="required" if verification.policy == "attestation" else None,
    )


def _read_as_go_does(binary: Path, label: str) -> tuple[BuildInfo | None, str]:
    """:func:`_read`, its BuildInfoError worded for an install that stops on it."""
    try:
        return _read(binary, label)
    except BuildInfoError as exc:
        raise BuildInfoError(
            f"{exc}. Go's own reader (go version -m) refuses it as well: the binary is not as Go "
            "builds them. Nothing was installed; report it to the project."
        ) from None


def _another_version(
    each: Recorded, archive: VerifiedArchive, tag: str, label: str
) -> VersionMismatchError:
    return VersionMismatchError(
        f"{archive.name}: the archive holds version {each.version!r}, not {each.expected!r}: "
        f"the release location serves another release's files for {tag} ({label} "
        f"records {each.version!r}: {each.where}; the checksums came from "
        f"{archive.checksums.source}). Nothing was installed. Point the release "
        f"location at the files of {tag} (a mirror: copy them again with the bootstrap "
        "'mirror' command), or install the version these files are."
    )


def _unbound_refused(
    release: Release, archive: VerifiedArchive, tag: str, what: str, none: str
) -> SignatureError:
    """``VERIFY=signature``'s refusal of a version nothing binds (``none``: why the binary
    records none)."""
    return SignatureError(
        f"{archive.name}: {what}; the version is not bound: the signature covers the bytes of "
        f"{archive.checksums.name}, which name no version, and {none}, so another release's "
        f"signed files would pass for {tag}. {release.env_prefix}VERIFY=signature refuses "
        "that. Any one of these binds the version: checksums pinned in the package (the "
        "bootstrap 'pin' command), Sigstore keyless signatures (made by the workflow at the "
        "tag), asset names that carry the version (archives.name_template with "
        "{{ .Version }}), or build information that records it (ldflags "
        "-X <package>.<var>={{.Version}} without -trimpath, or a build at the git tag with VCS "
        "stamping)."
    )


def describe(
    release: Release,
    target: Target,
    tag: str,
    binary: Path | None,
    *,
    pinned: bool,
    verification: Verification,
) -> str:
    """One line for ``info``: what binds the installed release to ``tag``, read from the
    installed ``binary`` (None: not installed) and what this package verifies with. Never
    raises: what cannot be read is said."""
    if binary is None:
        info, label, reason = None, "", "no binary is installed to read a version from"
    else:
        label = f"the installed {binary.name}"
        try:
            info, why = _read(binary, label)
        except (BuildInfoError, StorageError) as exc:
            return f"version binding: {exc}"
        reason = f"the binary records none: {why}"
    variables = version_variables(lambda t: release.ldflags(target, t), tag)
    if info is not None:
        recorded = recorded_versions(info, tag, variables)
        for each in recorded:
            if not each.matches:
                return (
                    f"version binding: {label} records {each.version!r}, not {each.expected!r} "
                    f"({each.where}): it is another release's"
                )
        if recorded:
            return (
                f"version binding: {label} records version {recorded[0].version} "
                f"({'; '.join(r.where for r in recorded)}), matching the tag {tag}"
            )
        reason = f"the binary records none: {unrecorded_reason(info, variables)}"
    proofs = _expected_proofs(verification, pinned=pinned)
    other = _other_binding(release, target, tag, proofs)
    if other is not None:
        return f"version binding: by {other} ({reason})"
    what = _unbound(proofs)
    return f"version binding: {what}; the version is not bound ({reason})"
