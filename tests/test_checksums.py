"""The checksum files GoReleaser writes (combined and split), in every algorithm it offers."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from cerebrium_cli.checksums import (
    DIGEST_SIZES,
    WEAK_ALGORITHMS,
    lookup,
    parse_checksums,
    parse_split_checksum,
    verify_digest,
)
from cerebrium_cli.digests import ALGORITHMS, copy_hashing, new_hash
from cerebrium_cli.errors import (
    ChecksumError,
    ChecksumFileError,
    ChecksumMismatchError,
    ConfigError,
    NotListedError,
)

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


def test_uppercase_digests_are_accepted_as_sha256sum_accepts_them(tmp_path: Path) -> None:
    # Issue 13 item 4: a checksums file written in uppercase hex was refused as malformed.
    (tmp_path / NAME).write_bytes(b"a")
    text = f"{A.upper()}  {NAME}\n{B.upper()} *other.zip\n"
    (tmp_path / "checksums.txt").write_text(text)
    sha256sum = shutil.which("sha256sum")
    if sha256sum is not None:  # coreutils agrees that the file is valid (other.zip is absent)
        check = subprocess.run(
            [sha256sum, "-c", "--ignore-missing", "checksums.txt"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stdout + check.stderr
    assert parse_checksums(text, "checksums.txt") == {NAME: A, "other.zip": B}


def test_a_digest_repeated_in_another_case_is_the_same_digest() -> None:
    assert parse_checksums(f"{A}  {NAME}\n{A.upper()}  {NAME}\n", "c") == {NAME: A}


def test_sha512() -> None:
    digest = hashlib.sha512(b"a").hexdigest()
    assert parse_checksums(f"{digest}  {NAME}\n", "c", "sha512") == {NAME: digest}
    with pytest.raises(ChecksumFileError):
        parse_checksums(f"{A}  {NAME}\n", "c", "sha512")


def test_lookup_is_by_exact_name_never_substring() -> None:
    entries = parse_checksums(f"{A}  evil_{NAME}\n{B}  {NAME}.sig\n", "checksums.txt")
    with pytest.raises(NotListedError) as info:
        lookup(entries, NAME, "checksums.txt")
    assert isinstance(info.value, ChecksumFileError)
    assert (info.value.asset, info.value.checksums) == (NAME, "checksums.txt")
    assert info.value.listed == (f"{NAME}.sig", f"evil_{NAME}")  # what the file does list


def test_an_asset_not_listed_reads_well() -> None:
    message = str(NotListedError(asset=NAME, checksums="checksums.txt", listed=["b", "a"]))
    assert message.startswith(f"checksums.txt has no entry for {NAME!r}, so it cannot be verified")
    assert "The file lists: b, a." in message


def test_lookup_finds_the_entry() -> None:
    assert lookup({NAME: A}, NAME, "checksums.txt") == A


def test_verify_digest_accepts_a_match_in_either_case() -> None:
    verify_digest(NAME, A, A, source="checksums.txt")
    verify_digest(NAME, A.upper(), A, source="checksums.txt")


def test_verify_digest_mismatch_carries_the_facts() -> None:
    with pytest.raises(ChecksumMismatchError) as info:
        verify_digest(NAME, A, B, source="checksums.txt", algorithm="sha512")
    assert (info.value.asset, info.value.algorithm) == (NAME, "sha512")
    assert (info.value.expected, info.value.got) == (A, B)
    assert info.value.where == "checksums.txt"


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


# Known answers for "abc": FIPS 180-2 (SHA-2), FIPS 202 (SHA-3), RFC 7693 appendices A and B
# (BLAKE2b-512, BLAKE2s-256). GoReleaser's names: internal/artifact/artifact.go, v2.15.1.
KNOWN_ANSWERS = {
    "sha224": "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
    "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    "sha384": "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358"
    "baeca134c825a7",
    "sha512": "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836"
    "ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    "sha3-224": "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf",
    "sha3-256": "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
    "sha3-384": "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f5"
    "39f1edf228376d25",
    "sha3-512": "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c9"
    "1a7ec57647e3934057340b4cf408d5a56592f8274eec53f0",
    "blake2b": "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc"
    "252d5de4533cc9518d38aa8dbf1925ab92386edd4009923",
    "blake2s": "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982",
}


def test_every_strong_goreleaser_algorithm_is_supported() -> None:
    assert set(ALGORITHMS) == set(KNOWN_ANSWERS) == set(DIGEST_SIZES)


@pytest.mark.parametrize("algorithm", sorted(KNOWN_ANSWERS))
def test_each_algorithm_by_its_goreleaser_name(algorithm: str) -> None:
    expected = KNOWN_ANSWERS[algorithm]
    hasher = new_hash(algorithm)
    hasher.update(b"abc")
    assert hasher.hexdigest() == expected
    assert copy_hashing(io.BytesIO(b"abc"), None, algorithm) == expected
    assert DIGEST_SIZES[algorithm] == len(expected)
    assert parse_checksums(f"{expected.upper()}  {NAME}\n", "c", algorithm) == {NAME: expected}
    with pytest.raises(ChecksumFileError, match=f"<{len(expected)} hex digits>"):
        parse_checksums(f"{expected}0  {NAME}\n", "c", algorithm)
    assert parse_split_checksum(expected, "x.tar.gz." + algorithm, algorithm) == expected


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "crc32", "blake3", "SHA256", "sha3_256"])
def test_weak_and_unknown_algorithms_are_refused(algorithm: str) -> None:
    for use in (
        lambda: new_hash(algorithm),
        lambda: parse_checksums(f"{A}  {NAME}\n", "c", algorithm),
        lambda: parse_split_checksum(A, "c", algorithm),
    ):
        with pytest.raises(ConfigError, match=rf"{algorithm!r}.*checksum.algorithm") as info:
            use()
        assert ("too weak" in str(info.value)) == (algorithm in WEAK_ALGORITHMS)
    assert algorithm not in DIGEST_SIZES


def test_the_weak_algorithms_are_those_goreleaser_offers() -> None:
    assert set(WEAK_ALGORITHMS) == {"md5", "sha1", "crc32"}


# --- split checksum files (checksum.split: true) ----------------------------------------------


def test_a_split_checksum_file_as_goreleaser_writes_it(tmp_path: Path) -> None:
    # internal/pipe/checksums refreshOne: os.WriteFile(path, []byte(check)): no line ending.
    path = tmp_path / f"{NAME}.sha256"
    path.write_bytes(A.encode())
    assert parse_split_checksum(path.read_text(), path.name, "sha256") == A


@pytest.mark.parametrize("text", [A + "\n", A + "\r\n", A.upper()])
def test_a_split_checksum_file_may_end_a_line_or_be_uppercase(text: str) -> None:
    assert parse_split_checksum(text, "s", "sha256") == A


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "is empty"),
        ("\n", "is empty"),
        (f"{A}  {NAME}", "the form of a combined checksums file"),
        (f"{A}  {NAME}\n{B}  other.zip\n", "the form of a combined checksums file"),
        (hashlib.sha512(b"a").hexdigest(), "holds 128 hex digits, not 64; check that checksum"),
        (A + "\n\n", "is not a hex digest"),
        (" " + A, "is not a hex digest"),
        (A[:-1] + "g", "is not a hex digest"),
        ("<html>Sign in</html>", "is not a hex digest: '<html>Sign in</html>'"),
    ],
)
def test_malformed_split_checksum_files_are_refused(text: str, problem: str) -> None:
    source = f"https://example.invalid/{NAME}.sha256"
    with pytest.raises(ChecksumFileError) as info:
        parse_split_checksum(text, source, "sha256")
    message = str(info.value)
    assert message.startswith(f"{source} ")
    assert problem in message
    assert "checksum.split: true" in message
    assert "64 hex digits" in message
