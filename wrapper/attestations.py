"""GitHub artifact attestations: where the API lists them, and how its answer is read.

``GET {api}/repos/{owner}/{name}/attestations/sha256:{digest}`` answers with
``{"attestations": [{"bundle": {...}, ...}]}`` (see GitHub's REST documentation, "List
attestations"). The base is ``GITHUB_API_URL`` (see settings.py), the variable GitHub Actions
sets, so GitHub Enterprise and the tests' local server work unchanged. Fetching is the caller's,
through the same locations as the release, so a directory laid out like the API serves an
air-gapped machine.
"""

from __future__ import annotations

import json

from .errors import SignatureError

__all__ = ["MAX_ATTESTATIONS_SIZE", "listing_url", "parse_listing"]

MAX_ATTESTATIONS_SIZE = 16 << 20  # a few bundles of a few KiB each; generous for many


def listing_url(api: str, repository: str) -> str:
    """The directory whose entry ``sha256:<digest>`` lists the attestations about that digest."""
    return f"{api}/repos/{repository}/attestations/"


def parse_listing(raw: bytes, where: str) -> list[bytes]:
    """The Sigstore bundles in an API answer, each as JSON bytes for the verifier."""
    try:
        listing = json.loads(raw)
        entries = listing["attestations"]
        if not isinstance(entries, list):
            raise TypeError("'attestations' is not a list")
    except (ValueError, KeyError, TypeError) as exc:
        raise SignatureError(
            f"{where} is not GitHub's list of attestations ({type(exc).__name__}: {exc})"
        ) from None
    return [
        json.dumps(entry["bundle"]).encode()
        for entry in entries
        if isinstance(entry, dict) and isinstance(entry.get("bundle"), dict)
    ]
