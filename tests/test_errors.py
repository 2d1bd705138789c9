"""Errors that carry their facts (``errors``): worded from them, and pickled with them."""

from __future__ import annotations

import json
import pickle

import pytest
from cerebrium_cli import errors
from cerebrium_cli.errors import (
    AssetNotFoundError,
    BootstrapError,
    ChecksumMismatchError,
    DownloadError,
    DownloadTimeoutError,
    NotListedError,
    UnsupportedPlatformError,
)

FACTED = [
    ChecksumMismatchError(
        asset="a.tar.gz", algorithm="sha256", expected="ab", got="cd", where="checksums.txt"
    ),
    NotListedError(asset="a.tar.gz", checksums="checksums.txt", listed=["b.tar.gz"]),
    AssetNotFoundError(
        asset="a.tar.gz", where="https://h/r/", url="https://h/r/a.tar.gz", status=404, reason="404"
    ),
    DownloadError(url="https://h/a", status=500, reason="the server answered 500"),
    DownloadTimeoutError(url="https://h/a", reason="no data for 30 s"),
    UnsupportedPlatformError(target="linux/riscv64", supported=["linux/amd64", "darwin/arm64"]),
    DownloadError("a finished message, as older raise sites give"),
]


@pytest.mark.parametrize("error", FACTED, ids=lambda e: type(e).__name__)
def test_an_error_pickles_with_its_class_facts_and_message(error: BootstrapError) -> None:
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 (the bytes were made just above)
    assert type(copy) is type(error)
    assert vars(copy) == vars(error)
    assert str(copy) == str(error)
    assert copy.args == (str(error),)


@pytest.mark.parametrize("error", FACTED, ids=lambda e: type(e).__name__)
def test_an_error_crosses_a_pipe_as_json_with_its_facts(error: BootstrapError) -> None:
    sent = json.dumps({"error": type(error).__name__, "message": str(error), "facts": vars(error)})
    received = json.loads(sent)
    copy = getattr(errors, received["error"])(received["message"], **received["facts"])
    assert type(copy) is type(error)
    assert vars(copy) == vars(error)
    assert str(copy) == str(error)


def test_a_download_error_never_shows_credentials() -> None:
    error = DownloadError(url="https://user:s3cret@h/a?sig=t0ken", reason="refused (403 Forbidden)")
    assert error.url == "https://h/a?..."
    assert str(error) == "could not download https://h/a?...: refused (403 Forbidden)"
    assert error.errno is None  # an OSError, but not one with an errno


def test_an_unsupported_platform_names_the_target_and_every_supported_one() -> None:
    error = UnsupportedPlatformError(
        target="linux/riscv64",
        supported=["linux/amd64", "darwin/arm64"],
        advice="Other builds may be listed at https://example.invalid/releases.",
    )
    assert str(error) == (
        "there is no build for linux/riscv64; supported: linux/amd64, darwin/arm64. "
        "Other builds may be listed at https://example.invalid/releases."
    )


def test_an_absent_asset_says_where_it_was_looked_for() -> None:
    local = AssetNotFoundError(asset="a.tar.gz", where="/srv/r", url="/srv/r/a.tar.gz")
    assert str(local).startswith("/srv/r/a.tar.gz does not exist: /srv/r lacks 'a.tar.gz'.")
    remote = AssetNotFoundError(
        asset="a.tar.gz", where="https://h/r/", url="https://h/r/a.tar.gz", status=410, reason="410"
    )
    assert str(remote).startswith("https://h/r/a.tar.gz was not found (410).")
