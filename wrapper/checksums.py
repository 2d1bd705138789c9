"""Parsing GoReleaser's checksum files and looking up one archive in them.

GoReleaser writes them in two shapes (internal/pipe/checksums, v2.15.1):

- combined (the default): one ``<hex digest>  <file name>`` line per artifact, the format of
  ``sha256sum``;
- split (``checksum.split: true``): one ``<artifact>.<algorithm>`` file per artifact holding only
  its hex digest, with no line ending (``refreshOne``).

GoReleaser writes lowercase hex; uppercase is accepted too, as ``sha256sum -c`` accepts it, and
every digest comes out lowercase. An entry is found by its exact file name: never by substring
or suffix, which would let ``evil_mycli_2.0.0_linux_amd64.tar.gz`` stand in for the real
archive.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping

from .digests import ALGORITHMS, WEAK_ALGORITHMS, new_hash
from .errors import ChecksumFileError, ChecksumMismatchError, NotListedError

__all__ = [
    "DIGEST_SIZES",
    "WEAK_ALGORITHMS",
    "lookup",
    "parse_checksums",
    "parse_split_checksum",
    "verify_digest",
]

# Hex digest length of each ``checksum.algorithm`` we verify, in GoReleaser's spelling.
DIGEST_SIZES: dict[str, int] = {name: new_hash(name).digest_size * 2 for name in ALGORITHMS}

# ``sha256sum`` marks binary mode with ``*`` in place of the second space; accept both forms.
_LINE = re.compile(r"(?P<digest>[0-9a-fA-F]+) [ *](?P<name>[^\r\n]+)")
_HEX = re.compile(r"[0-9a-fA-F]*")


def parse_checksums(text: str, source: str, algorithm: str = "sha256") -> dict[str, str]:
    """Return ``{file name: lowercase hex digest}`` from the text of a combined checksums file.

    Every problem is reported at once, with line numbers, because a checksums file that is
    wrong in one place cannot be trusted in any other. ``source`` names the file in messages.
    Raises ChecksumFileError for a malformed or empty file, ConfigError for an ``algorithm``
    outside :data:`DIGEST_SIZES`.
    """
    size = _digest_size(algorithm)
    entries: dict[str, str] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.fullmatch(line)
        if match is None or len(match["digest"]) != size:
            problems.append(
                f"line {number} is not '<{size} hex digits>  <file name>': {line[:120]!r}"
            )
            continue
        name, digest = match["name"], match["digest"].lower()
        if entries.get(name, digest) != digest:
            problems.append(f"line {number} lists {name!r} again with a different digest")
            continue
        entries[name] = digest
    if problems:
        raise ChecksumFileError(
            f"{source} is malformed, so no archive can be verified against it:\n  "
            + "\n  ".join(problems[:10])
            + ("\n  ..." if len(problems) > 10 else "")
        )
    if not entries:
        raise ChecksumFileError(f"{source} lists no files; expected one line per release archive")
    return entries


def parse_split_checksum(text: str, source: str, algorithm: str) -> str:
    """Return the lowercase hex digest held by one split checksum file (``checksum.split``).

    The file holds the digest alone; one trailing line ending, which a mirror or an editor may
    add, is tolerated, and nothing else. ``source`` names the file in messages. Raises
    ChecksumFileError when the text is anything but one ``algorithm`` digest, ConfigError for an
    ``algorithm`` outside :data:`DIGEST_SIZES`.
    """
    size = _digest_size(algorithm)
    digest = text.removesuffix("\n").removesuffix("\r")
    if _HEX.fullmatch(digest) and len(digest) == size:
        return digest.lower()
    expected = (
        f"a split checksum file (checksum.split: true) holds only the {algorithm} digest of its "
        f"artifact: {size} hex digits"
    )
    if not digest.strip():
        problem = "is empty"
    elif _LINE.fullmatch(digest.splitlines()[0]):
        problem = "holds '<digest>  <file name>' lines, the form of a combined checksums file"
    elif _HEX.fullmatch(digest):
        problem = (
            f"holds {len(digest)} hex digits, not {size}; check that checksum.algorithm "
            "names the algorithm the release used"
        )
    else:
        problem = f"is not a hex digest: {text[:120]!r}"
    raise ChecksumFileError(
        f"{source} {problem}, so the archive cannot be verified against it; {expected}."
    )


def lookup(entries: Mapping[str, str], name: str, source: str) -> str:
    """Return the digest listed for exactly ``name``; :class:`NotListedError` (with what the
    file does list) when there is none."""
    try:
        return entries[name]
    except KeyError:
        raise NotListedError(asset=name, checksums=source, listed=sorted(entries)) from None


def verify_digest(
    name: str,
    expected: str,
    got: str,
    *,
    source: str,
    algorithm: str = "",
    advice: str = ChecksumMismatchError.CORRUPT,
) -> None:
    """Refuse the archive unless its digest is the one the release published.

    ``hmac.compare_digest`` takes the same time wherever the digests differ, so a server
    cannot learn the expected digest byte by byte from how fast we refuse. Raises
    :class:`ChecksumMismatchError` carrying ``name``, ``algorithm`` (empty: not known here),
    both digests, ``source`` as where ``expected`` was published, and ``advice`` (what to do:
    by default, for a download).
    """
    if not hmac.compare_digest(expected.lower().encode(), got.lower().encode()):
        raise ChecksumMismatchError(
            asset=name,
            algorithm=algorithm,
            expected=expected,
            got=got,
            where=source,
            advice=advice,
        )


def _digest_size(algorithm: str) -> int:
    """The hex length of ``algorithm``'s digests; ConfigError (from new_hash) for another."""
    return DIGEST_SIZES.get(algorithm) or new_hash(algorithm).digest_size * 2
