from __future__ import annotations

import hashlib

import pytest
from cerebrium_cli.checksums import lookup, parse_checksums, verify_digest
from cerebrium_cli.errors import ChecksumError, ChecksumFileError, ChecksumMismatchError

A = hashlib.sha256(b"a").hexdigest()
B = hashlib.sha256(b"b").hexdigest()
NAME = "cerebrium_2.0.0_linux_amd64.tar.gz"


def test_parses_goreleaser_format() -> None:
    text = f"{A}  {NAME}\n{B}  cerebrium_2.0.0_windows_amd64.zip\n"
    assert parse_checksums(text, "checksums.txt") == {
        NAME: A,
        "cerebrium_2.0.0_windows_amd64.zip": B,
    }


def test_accepts_binary_mode_marker_crlf_and_blank_lines() -> None:
    text = f"{A} *{NAME}\r\n\r\n{B}  other.zip\r\n"
    assert parse_checksums(text, "checksums.txt") == {NAME: A, "other.zip": B}


def test_identical_duplicates_are_harmless() -> None:
    assert parse_checksums(f"{A}  {NAME}\n{A}  {NAME}\n", "c") == {NAME: A}


def test_duplicate_with_another_digest_is_refused() -> None:
    with pytest.raises(ChecksumFileError, match=r"line 2 lists .*again with a different digest"):
        parse_checksums(f"{A}  {NAME}\n{B}  {NAME}\n", "checksums.txt")


@pytest.mark.parametrize(
    "line",
    [
        f"{A} {NAME}",  # one space
        f"{A.upper()}  {NAME}",  # GoReleaser writes lowercase
        f"{A[:-1]}  {NAME}",  # short digest
        f"{A}0  {NAME}",  # long digest
        f"{A}  ",  # no name
        "<html><body>Sign in to the proxy</body></html>",
        f"{hashlib.md5(b'a').hexdigest()}  {NAME}",  # noqa: S324 - a wrong-length digest on purpose
    ],
)
def test_malformed_lines_are_refused_with_line_numbers(line: str) -> None:
    with pytest.raises(ChecksumFileError, match=r"checksums.txt is malformed[\s\S]*line 2"):
        parse_checksums(f"{B}  other.zip\n{line}\n", "checksums.txt")


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ChecksumFileError) as info:
        parse_checksums("x\ny\nz\n", "checksums.txt")
    assert all(f"line {n}" in str(info.value) for n in (1, 2, 3))


def test_empty_file_is_refused() -> None:
    with pytest.raises(ChecksumFileError, match="lists no files"):
        parse_checksums("\n", "checksums.txt")


def test_sha512() -> None:
    digest = hashlib.sha512(b"a").hexdigest()
    assert parse_checksums(f"{digest}  {NAME}\n", "c", "sha512") == {NAME: digest}
    with pytest.raises(ChecksumFileError):
        parse_checksums(f"{A}  {NAME}\n", "c", "sha512")


def test_lookup_is_by_exact_name_never_substring() -> None:
    entries = parse_checksums(f"{A}  evil_{NAME}\n{B}  {NAME}.sig\n", "checksums.txt")
    with pytest.raises(ChecksumFileError, match=rf"no entry for '{NAME}'") as info:
        lookup(entries, NAME, "checksums.txt")
    assert f"evil_{NAME}" in str(info.value)  # says what the file does list


def test_lookup_finds_the_entry() -> None:
    assert lookup({NAME: A}, NAME, "checksums.txt") == A


def test_verify_digest_accepts_a_match_in_either_case() -> None:
    verify_digest(NAME, A, A, source="checksums.txt")
    verify_digest(NAME, A.upper(), A, source="checksums.txt")


def test_verify_digest_mismatch_shows_expected_and_got() -> None:
    with pytest.raises(ChecksumMismatchError) as info:
        verify_digest(NAME, A, B, source="https://example.invalid/checksums.txt")
    message = str(info.value)
    assert NAME in message
    assert f"Expected: {A}" in message
    assert f"Got:      {B}" in message
    assert "corrupt or tampered" in message
    assert isinstance(info.value, ChecksumError)
    assert isinstance(info.value, ValueError)


def test_verify_digest_uses_constant_time_comparison(monkeypatch: pytest.MonkeyPatch) -> None:
    import hmac

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    verify_digest(NAME, A, A, source="c")
    assert calls == [(A.encode(), A.encode())]
