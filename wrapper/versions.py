"""The mapping between the package's PEP 440 version and the Go release's tag.

The Python package and the Go release share one version, spelled two ways: PyPI wants PEP 440
(``2.1.0b1``) and GoReleaser takes the git tag (``v2.1.0-beta.1``), whose SemVer form without the
``v`` is GoReleaser's ``.Version``. The mapping is one-to-one so that either can be derived from
the other and a test can prove the round trip.
"""

from __future__ import annotations

import re

from packaging.version import InvalidVersion, Version

from .errors import VersionError

__all__ = ["release_version", "tag_for", "version_for_tag"]

# PEP 440 pre-release letters and their SemVer words (the words GoReleaser users tag with).
_PRE_WORDS = {"a": "alpha", "b": "beta", "rc": "rc"}
_PRE_LETTERS = {word: letter for letter, word in _PRE_WORDS.items()}

_TAG = re.compile(r"v(?P<release>\d+\.\d+\.\d+)(?:-(?P<word>alpha|beta|rc)\.(?P<number>\d+))?")


def tag_for(version: str) -> str:
    """Return the release tag (``v2.1.0-beta.1``) that the package version (``2.1.0b1``) wraps."""
    try:
        parsed = Version(version)
    except InvalidVersion as exc:
        raise VersionError(f"{version!r} is not a valid PEP 440 version") from exc
    if (
        len(parsed.release) != 3
        or parsed.epoch
        or parsed.post is not None
        or parsed.dev is not None
        or parsed.local is not None
    ):
        raise VersionError(
            f"version {version!r} has no release tag: the wrapper supports X.Y.Z with an optional "
            "aN, bN or rcN pre-release (tags vX.Y.Z and vX.Y.Z-alpha.N, -beta.N, -rc.N)"
        )
    release = ".".join(str(part) for part in parsed.release)
    if parsed.pre is None:
        return f"v{release}"
    letter, number = parsed.pre
    return f"v{release}-{_PRE_WORDS[letter]}.{number}"


def version_for_tag(tag: str) -> str:
    """Return the PEP 440 package version (``2.1.0b1``) for a release tag (``v2.1.0-beta.1``)."""
    match = _TAG.fullmatch(tag)
    if match is None:
        raise VersionError(
            f"release tag {tag!r} has no package version: expected vX.Y.Z or "
            "vX.Y.Z-alpha.N, vX.Y.Z-beta.N, vX.Y.Z-rc.N"
        )
    release, word, number = match.group("release", "word", "number")
    if word is None:
        return str(Version(release))
    return str(Version(f"{release}{_PRE_LETTERS[word]}{number}"))


def release_version(tag: str) -> str:
    """Return GoReleaser's ``.Version`` for a tag: the tag without its leading ``v``."""
    return tag[1:] if tag.startswith("v") else tag
