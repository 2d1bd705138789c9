"""Parsing a GoReleaser checksums file and looking up one archive in it.

GoReleaser writes one ``<hex digest>  <file name>`` line per artifact, the same format as
``sha256sum``. An entry is found by its exact file name: never by substring or suffix, which
would let ``evil_cerebrium_2.0.0_linux_amd64.tar.gz`` stand in for the real archive.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping

from .errors import ChecksumFileError, ChecksumMismatchError

__all__ = ["DIGEST_SIZES", "lookup", "parse_checksums", "verify_digest"]

# Hex digest length of each algorithm GoReleaser's ``checksum.algorithm`` may name that we verify.
DIGEST_SIZES = {"sha256": 64, "sha512": 128}

# ``sha256sum`` marks binary mode with ``*`` in place of the second space; accept both forms.
_LINE = re.compile(r"(?P<digest>[0-9a-f]+) [ *](?P<name>[^\r\n]+)")


def parse_checksums(text: str, source: str, algorithm: str = "sha256") -> dict[str, str]:
    """Return ``{file name: lowercase hex digest}`` from the text of a checksums file.

    Every problem is reported at once, with line numbers, because a checksums file that is
    wrong in one place cannot be trusted in any other. ``source`` names the file in messages.
    """
    size = DIGEST_SIZES[algorithm]
    entries: dict[str, str] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.fullmatch(line)
        if match is None or len(match["digest"]) != size:
            problems.append(
                f"line {number} is not '<{size} lowercase hex digits>  <file name>': {line[:120]!r}"
            )
            continue
        name, digest = match["name"], match["digest"]
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


def lookup(entries: Mapping[str, str], name: str, source: str) -> str:
    """Return the digest listed for exactly ``name``, or say what the file does list."""
    try:
        return entries[name]
    except KeyError:
        listed = ", ".join(sorted(entries)[:12]) + (", ..." if len(entries) > 12 else "")
        raise ChecksumFileError(
            f"{source} has no entry for {name!r}, so it cannot be verified and will not be "
            f"installed. The file lists: {listed}. The release may be incomplete, or the "
            "release location may point at another project or version."
        ) from None


def verify_digest(name: str, expected: str, got: str, *, source: str) -> None:
    """Refuse the archive unless its digest is the one the release published.

    ``hmac.compare_digest`` takes the same time wherever the digests differ, so a server
    cannot learn the expected digest byte by byte from how fast we refuse.
    """
    if not hmac.compare_digest(expected.lower().encode(), got.lower().encode()):
        raise ChecksumMismatchError(
            f"{name} does not match the checksum published in {source}.\n"
            f"  Expected: {expected}\n"
            f"  Got:      {got}\n"
            "The download may be corrupt or tampered with; nothing was installed. Try again, "
            "and if it happens again, do not use this download: report it to the project."
        )
