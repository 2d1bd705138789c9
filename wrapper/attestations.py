"""GitHub artifact attestations: where the API lists them, and how its answer is read.

``GET {api}/repos/{owner}/{name}/attestations/sha256:{digest}`` answers with
``{"attestations": [{"bundle": {...}, ...}]}`` (see GitHub's REST documentation, "List
attestations"). The base is ``GITHUB_API_URL``, the variable GitHub Actions sets, so GitHub
Enterprise and the tests' local server work unchanged. Fetching is the caller's, through the same
locations as the release, so a directory laid out like the API serves an air-gapped machine.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from .errors import SignatureError

__all__ = ["DEFAULT_API_URL", "MAX_ATTESTATIONS_SIZE", "api_url", "listing_url", "parse_listing"]

DEFAULT_API_URL = "https://api.github.com"
MAX_ATTESTATIONS_SIZE = 16 << 20  # a few bundles of a few KiB each; generous for many


def api_url(environ: Mapping[str, str]) -> str:
    return (environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")


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
