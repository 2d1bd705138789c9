"""GitHub artifact attestations: where the API lists them, and how its answer is read.

``GET {api}/repos/{owner}/{name}/attestations/sha256:{digest}`` answers with
``{"attestations": [{"bundle": {...}, "bundle_url": "...", ...}]}`` (see GitHub's REST
documentation, "List attestations"). The base is ``GITHUB_API_URL`` (see settings.py), the
variable GitHub Actions sets, so GitHub Enterprise and the tests' local server work unchanged.

Since July 2026 GitHub often leaves ``bundle`` null and stores the bundle behind ``bundle_url``:
a pre-signed blob-storage URL whose body is the bundle's JSON compressed with Snappy's block
format (``application/x-snappy``; ``gh attestation verify`` reads it with Go's
``snappy.Decode``). Both forms are read; an entry with neither is reported, not skipped, so a
listing that changes shape again fails with a reason. cramjam (Rust's ``snap``) decodes Snappy;
it comes with sigstore in the ``sigstore`` extra, as attestations need both.

Fetching is the caller's, through the same locations as the release, so a directory laid out
like the API serves an air-gapped machine; there, a ``bundle_url`` may be a relative path to a
file beside the listing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import SignatureError
from .untrusted import load_object

__all__ = [
    "MAX_ATTESTATIONS_SIZE",
    "MAX_BUNDLE_SIZE",
    "Listed",
    "bundle_reference",
    "listing_url",
    "parse_listing",
    "read_stored_bundle",
]

MAX_ATTESTATIONS_SIZE = 16 << 20  # a few bundles of a few KiB each; generous for many
MAX_BUNDLE_SIZE = 4 << 20  # one bundle: a certificate chain, a log entry and a statement


@dataclass(frozen=True)
class Listed:
    """One attestation in the API's answer: its bundle inline, or where GitHub stored it."""

    bundle: bytes | None = None  # the bundle's JSON, when it is inline
    url: str | None = None  # ``bundle_url``, when it is not


def listing_url(api: str, repository: str) -> str:
    """The directory whose entry ``sha256:<digest>`` lists the attestations about that digest."""
    return f"{api}/repos/{repository}/attestations/"


def parse_listing(raw: bytes, where: str) -> list[Listed]:
    """The attestations in an API answer, in its order; SignatureError if it is not a listing.

    An entry of another shape is kept as an empty :class:`Listed`, so its refusal is reported
    with the others' (see :func:`keyless.verify_attestation`).
    """
    listing = load_object(
        raw, where, "GitHub's list of attestations", SignatureError, limit=MAX_ATTESTATIONS_SIZE
    )
    listed = []
    for entry in listing.items("attestations"):
        bundle = entry.get("bundle") if isinstance(entry, dict) else None
        url = entry.get("bundle_url") if isinstance(entry, dict) else None
        if isinstance(bundle, dict):
            listed.append(Listed(bundle=json.dumps(bundle).encode()))
        elif isinstance(url, str) and url:
            listed.append(Listed(url=url))
        else:
            listed.append(Listed())
    return listed


def bundle_reference(url: str) -> tuple[str | None, str]:
    """Split a ``bundle_url`` into the directory to open and the name to read in it.

    An absolute URL must be https (the directory is None for a reference relative to the
    listing, as in an air-gapped copy of the API). The name keeps the query: GitHub's URLs are
    pre-signed, and the signature is in the query.
    """
    parts = urlsplit(url)
    directory, _, name = parts.path.rpartition("/")
    if parts.scheme == "https" and parts.netloc and name:
        query = f"?{parts.query}" if parts.query else ""
        return f"https://{parts.netloc}{directory}/", name + query
    if not parts.scheme and not parts.netloc and not url.startswith(("/", "\\")):
        segments = parts.path.replace("\\", "/").split("/")
        if ".." not in segments and not parts.query and not parts.fragment:
            return None, parts.path
    raise SignatureError(
        f"bundle_url {url!r} is neither an https URL nor a relative path beside the listing"
    )


def read_stored_bundle(body: bytes, where: str) -> bytes:
    """The bundle JSON from a ``bundle_url`` body: Snappy-compressed as GitHub stores it, or plain.

    Raises SignatureError when the body is neither, declares more than
    :data:`MAX_BUNDLE_SIZE` bytes once decompressed, or does not hold a JSON object. Snappy is
    tried first: JSON read as Snappy fails (its first byte declares 123 bytes, and then comes a
    copy from before the start, or elements that do not add up), and either way the bundle is
    then verified, so a misreading could not pass.
    """
    try:
        data = _snappy_block(body, limit=MAX_BUNDLE_SIZE)
    except ValueError as exc:
        if body.lstrip()[:1] != b"{":
            raise SignatureError(
                f"{where} is neither Snappy-compressed JSON nor JSON: {exc}"
            ) from None
        data = body
    load_object(
        data, where, "a Sigstore bundle (a JSON object)", SignatureError, limit=MAX_BUNDLE_SIZE
    )
    return data


def _snappy_block(body: bytes, *, limit: int) -> bytes:
    """Decode one Snappy block (google/snappy, format_description.txt); ValueError if it is not one.

    The block's preamble (a varint) declares the decoded length, and the decoder allocates that
    much: a length over ``limit`` is refused from the preamble alone, before anything is
    decoded, so a five-byte body cannot ask for 4 GiB. The decoder then refuses a block that
    decodes to any other length than it declares.
    """
    try:
        import cramjam
    except ImportError:  # only stored bundles need it; sigstore alone verifies the rest
        raise ValueError(
            "decoding it needs cramjam, which is not installed: python -m pip install cramjam "
            "(the sigstore extra includes it)"
        ) from None
    try:
        size = cramjam.snappy.decompress_raw_len(body)
        if size > limit:
            raise ValueError(
                f"it declares {size} bytes once decompressed, over the {limit} allowed"
            )
        return bytes(cramjam.snappy.decompress_raw(body))
    except cramjam.DecompressionError as exc:
        raise ValueError(f"it is not a Snappy block ({exc})") from None
