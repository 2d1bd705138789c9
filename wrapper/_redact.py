"""One rule for showing a URL to a person: without the credentials it may carry.

Standard library only: :mod:`.repository` and the build hook import it where httpx may be absent.
"""

from __future__ import annotations

__all__ = ["redact"]

from urllib.parse import urlsplit, urlunsplit


def redact(url: object) -> str:
    """``url`` (a ``str``, or anything whose ``str()`` is a URL, such as ``httpx.URL``) as shown
    in messages and logs: without ``user:password@``, and with the query replaced by ``?...``.

    pip's ``redact_auth_from_url`` (``src/pip/_internal/utils/misc.py``) masks the password
    and keeps the user name; here the whole userinfo goes, since a remote or a mirror may carry
    a token as the user name (``https://TOKEN@host/``). The query goes too, which pip keeps: on a
    pre-signed URL (GitHub's asset redirects, attestation bundles in blob storage) it *is* the
    credential, and it says nothing the reader needs. The fragment is dropped as well. Anything
    that is not a URL with a host (a local path, ``file:`` names) is returned unchanged.
    """
    text = str(url)
    try:
        parts = urlsplit(text)
    except ValueError:  # an unbalanced "[" in the host: not a URL one can show better
        return text
    if not parts.netloc:
        return text
    host = parts.netloc.rpartition("@")[2]
    query = "..." if parts.query else ""
    return urlunsplit((parts.scheme, host, parts.path, query, ""))
