"""One rule for URLs shown to a person (``_redact``)."""

from __future__ import annotations

import pytest
from cerebrium_cli._redact import redact


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pass@example.com/a", "https://example.com/a"),
        ("https://TOKEN@example.com/a/", "https://example.com/a/"),  # a token as the user name
        ("https://u:p@[::1]:8443/r/?sig=s3cret#frag", "https://[::1]:8443/r/?..."),
        ("ssh://git@example.com/owner/repo.git", "ssh://example.com/owner/repo.git"),
        ("https://example.com/plain", "https://example.com/plain"),
        ("/srv/releases/v1.0.0", "/srv/releases/v1.0.0"),  # a local path is no URL
        ("git@example.com:owner/repo.git", "git@example.com:owner/repo.git"),  # scp-like
    ],
)
def test_credentials_and_queries_never_show(url: str, shown: str) -> None:
    assert redact(url) == shown
    for secret in ("pass", "TOKEN", "s3cret"):
        assert secret not in redact(url)
