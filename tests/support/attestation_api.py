"""A directory laid out like GitHub's attestations API, as an air-gapped copy of it would be."""

from __future__ import annotations

import json
from pathlib import Path


def api_with(root: Path, bundles: list[bytes], digest: str) -> Path:
    """``root/api``, whose entry ``sha256:<digest>`` lists ``bundles`` inline, as GitHub did
    before it stored them behind ``bundle_url``."""
    api = root / "api"
    api.mkdir(exist_ok=True)
    listing = {"attestations": [{"bundle": json.loads(b), "repository_id": 1} for b in bundles]}
    (api / f"sha256:{digest}").write_text(json.dumps(listing))
    return api
