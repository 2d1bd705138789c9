"""Hostile JSON at every parser of downloaded bytes: the package's error, never a traceback.

Issue 22, item 5: a signature bundle of 1 MiB of ``[`` ended in ``RecursionError``, with a key
pinned and, with sigstore installed, without one; the attestation listing had the same bug.
Each input that broke something is kept here, at each parser: the key-signed bundle
(signatures.py), the keyless bundle (keyless.py), the in-toto statement, the attestation
listing and a stored bundle (attestations.py), ``release.json`` (description.py), and the
checksums file (checksums.py), plus the shared reader (untrusted.py) they all go through.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cramjam
import pytest
from cerebrium_cli import keyless
from cerebrium_cli.attestations import parse_listing, read_stored_bundle
from cerebrium_cli.checksums import parse_checksums, parse_split_checksum
from cerebrium_cli.description import load_release, read_record
from cerebrium_cli.errors import (
    BootstrapError,
    ChecksumFileError,
    ConfigError,
    SignatureError,
)
from cerebrium_cli.fetch import fetch_binary
from cerebrium_cli.keyless import SignerIdentity, SigstoreTrust
from cerebrium_cli.platforms import Target
from cerebrium_cli.signatures import load_public_key, verify
from cerebrium_cli.sources import ReleaseLocation, Sources
from cerebrium_cli.untrusted import MAX_DEPTH, load, load_object
from cerebrium_cli.verification import Verification
from support.release import make_archive, write_checksums
from support.signing import bundle, make_key, public_pem

if TYPE_CHECKING:
    from cerebrium_cli.settings import VerifyPolicy
    from cryptography.hazmat.primitives.asymmetric import ec

MIB = 1 << 20
# The inputs that found the bug, and their kin: each must be refused, never raise anything else.
HOSTILE = {
    "brackets": b"[" * MIB,  # 1 MiB of "[": a million levels, RecursionError in json.loads
    "objects": b'{"a":' * (MIB // 5),  # deeply nested {"a": ...
    "just-too-deep": b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1),  # parses; over the limit
    "latin-1": b'{"mediaType": "caf\xe9"}',  # UnicodeDecodeError
    "truncated": b'{"mediaType": ',
    "huge-integer": b'{"a": ' + b"9" * 5000 + b"}",  # ValueError: int max str digits
    "utf-16": '{"a": 1}'.encode("utf-16"),
    "nul": b"\x00" * 64,
    "empty": b"",
}
WHERE = "checksums.txt.sigstore.json"


def _refused(call: Callable[[], object], error: type[BootstrapError], *phrases: str) -> str:
    with pytest.raises(error) as refused:
        call()
    message = str(refused.value)
    for phrase in phrases:
        assert phrase in message, message
    assert len(message) < 2000  # one paragraph, never the input echoed back
    return message


# --- the shared reader --------------------------------------------------------------------


@pytest.mark.parametrize("raw", HOSTILE.values(), ids=HOSTILE.keys())
def test_the_reader_refuses_each_hostile_input_with_the_callers_error(raw: bytes) -> None:
    _refused(
        lambda: load(raw, "it", "a bundle", SignatureError, limit=2 * MIB),
        SignatureError,
        "it is not a bundle: ",
    )


def test_the_reader_says_why() -> None:
    def why(raw: bytes, limit: int = MIB) -> str:
        return _refused(lambda: load(raw, "it", "x", ConfigError, limit=limit), ConfigError)

    assert "nests deeper than 64 levels" in why(HOSTILE["brackets"])
    assert "nests deeper than 64 levels" in why(HOSTILE["objects"][: MIB // 2])
    assert "nests deeper than 64 levels" in why(HOSTILE["just-too-deep"])
    assert "not UTF-8 text (invalid continuation byte at byte 18)" in why(HOSTILE["latin-1"])
    assert "it is not JSON (" in why(HOSTILE["truncated"])
    assert "it is not JSON (" in why(HOSTILE["huge-integer"])
    # Over the cap is refused before anything is decoded: no MemoryError from a huge body.
    assert "it is 11 bytes, over the 10 allowed" in why(b'{"a": "bc"}', limit=10)
    at_limit = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert load(at_limit, "it", "x", ConfigError, limit=MIB) is not None


def test_the_advice_follows_every_refusal() -> None:
    def document() -> object:
        return load_object(b"[]", "it", "x", ConfigError, limit=MIB, advice="do this")

    _refused(document, ConfigError, "it is not x: it is a list, not an object; do this")


@pytest.mark.parametrize(
    ("text", "read", "problem"),
    [
        ("{}", lambda d: d.text("a"), "it has no 'a'"),
        ('{"a": 1}', lambda d: d.text("a"), "'a' is a number, not a string"),
        ('{"a": true}', lambda d: d.member("a", int), "'a' is true or false, not a number"),
        ('{"a": null}', lambda d: d.child("a"), "'a' is null, not an object"),
        ('{"a": {"b": []}}', lambda d: d.child("a").text("b"), "'a.b' is a list, not a string"),
        ('{"a": "x"}', lambda d: d.items("a"), "'a' is a string, not a list"),
    ],
)
def test_members_of_the_wrong_type_are_named_by_their_path(
    text: str, read: Callable[[Any], object], problem: str
) -> None:
    document = load_object(text.encode(), "it", "x", SignatureError, limit=MIB)
    _refused(lambda: read(document), SignatureError, f"it is not x: {problem}")


# --- each parser of downloaded bytes --------------------------------------------------------


@pytest.fixture(scope="module")
def release_key() -> ec.EllipticCurvePrivateKey:
    return make_key()


DATA = b"0" * 64 + b"  cerebrium_cli_linux_amd64.tar.gz\n"


def _key_bundle(key: ec.EllipticCurvePrivateKey, change: Callable[[dict[str, Any]], None]) -> bytes:
    document = json.loads(bundle(key, DATA))
    change(document)
    return json.dumps(document).encode()


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for part in parents:
            document = document[part]
        document[last] = value

    return change


WRONG_TYPES = [
    ("mediaType", 3, "'mediaType' is a number, not a string"),
    ("messageSignature", [], "'messageSignature' is a list, not an object"),
    ("messageSignature.messageDigest", "x", "'messageSignature.messageDigest' is a string"),
    ("messageSignature.messageDigest.algorithm", None, "'messageSignature.messageDigest.al"),
    ("messageSignature.messageDigest.digest", 1.5, "digest' is a number, not a string"),
    ("messageSignature.messageDigest.digest", "é", "its digest is not base64"),
    ("messageSignature.signature", {}, "'messageSignature.signature' is an object, not a s"),
    ("messageSignature.signature", "not base64!", "its signature is not base64"),
]


@pytest.mark.parametrize(("path", "value", "problem"), WRONG_TYPES)
def test_a_key_bundle_of_the_wrong_shape_names_the_member(
    release_key: ec.EllipticCurvePrivateKey, tmp_path: Path, path: str, value: object, problem: str
) -> None:
    raw = _key_bundle(release_key, _set(path, value))
    key = _load_key(release_key, tmp_path)
    _refused(
        lambda: verify(key, DATA, sig=None, bundle=raw, name="checksums.txt"),
        SignatureError,
        f"{WHERE} is not a Sigstore bundle with a message signature: ",
        problem,
    )


@pytest.mark.parametrize("raw", HOSTILE.values(), ids=HOSTILE.keys())
def test_each_hostile_input_at_each_parser(
    raw: bytes, release_key: ec.EllipticCurvePrivateKey, tmp_path: Path
) -> None:
    key = _load_key(release_key, tmp_path)
    parsers: list[tuple[Callable[[], object], type[BootstrapError]]] = [
        (lambda: verify(key, DATA, sig=None, bundle=raw, name="checksums.txt"), SignatureError),
        (lambda: keyless.is_keyless_bundle(raw, WHERE), SignatureError),
        (lambda: keyless.statement_digests(raw, "the statement"), SignatureError),
        (lambda: parse_listing(raw, "the listing"), SignatureError),
        (lambda: read_stored_bundle(raw, "the stored bundle"), SignatureError),
        (
            lambda: read_stored_bundle(bytes(cramjam.snappy.compress_raw(raw)), "the stored"),
            SignatureError,
        ),
        (lambda: _record(tmp_path, raw), ConfigError),
    ]
    for parse, error in parsers:
        _refused(parse, error)


def _load_key(private: ec.EllipticCurvePrivateKey, tmp_path: Path) -> Any:
    path = tmp_path / "cosign.pub"
    path.write_bytes(public_pem(private))
    return load_public_key(path)


def _record(tmp_path: Path, raw: bytes) -> object:
    path = tmp_path / "release.json"
    path.write_bytes(raw)
    return read_record(path)


@pytest.mark.parametrize(
    ("listing", "problem"),
    [
        ({"attestations": {}}, "'attestations' is an object, not a list"),
        ({"attestations": None}, "'attestations' is null, not a list"),
        ({}, "it has no 'attestations'"),
        ([], "it is a list, not an object"),
    ],
)
def test_an_attestation_listing_of_the_wrong_shape_is_refused(
    listing: object, problem: str
) -> None:
    raw = json.dumps(listing).encode()
    _refused(
        lambda: parse_listing(raw, "the listing"),
        SignatureError,
        f"the listing is not GitHub's list of attestations: {problem}",
    )


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        ({"_type": 3}, "its _type is 3"),
        ({"_type": "https://in-toto.io/Statement/v1", "subject": {}}, "'subject' is an object"),
    ],
)
def test_a_statement_of_the_wrong_shape_is_refused(statement: object, problem: str) -> None:
    raw = json.dumps(statement).encode()
    _refused(lambda: keyless.statement_digests(raw, "it"), SignatureError, problem)


def test_odd_subjects_are_skipped_not_fatal() -> None:
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [1, {"digest": []}, {"digest": {"sha256": 5}}, {"digest": {"sha256": "AB"}}],
        "predicateType": ["x"],
    }
    raw = json.dumps(statement).encode()
    assert keyless.statement_digests(raw, "it") == ("unknown predicate", ["ab"])


@pytest.mark.parametrize("raw", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_checksums_file_is_a_checksums_error(raw: bytes) -> None:
    text = raw.decode("utf-8", errors="replace")
    _refused(lambda: parse_checksums(text, "checksums.txt"), ChecksumFileError, "checksums.txt")
    _refused(
        lambda: parse_split_checksum(text, "x.sha256", "sha256"), ChecksumFileError, "x.sha256"
    )


# --- in the fetch pipeline: with a key, and keyless -----------------------------------------


@pytest.fixture
def release_dir(tmp_path: Path) -> Path:
    fake = tmp_path / "cerebrium"
    fake.write_bytes(b"\x7fELF binary")
    out = tmp_path / "release"
    out.mkdir()
    write_checksums(
        [make_archive(fake, out / "cerebrium_cli_linux_amd64.tar.gz", "linux")],
        out / "checksums.txt",
    )
    (out / WHERE).write_bytes(HOSTILE["brackets"])
    return out


@pytest.mark.parametrize("policy", ["auto", "signature"])
@pytest.mark.parametrize("with_key", [True, False], ids=["key", "keyless"])
def test_a_bundle_of_a_million_brackets_is_refused_and_nothing_written(
    release_dir: Path,
    release_key: ec.EllipticCurvePrivateKey,
    trusted_root: Path,
    tmp_path: Path,
    policy: VerifyPolicy,
    with_key: bool,
) -> None:
    verification = Verification(
        policy=policy,
        key=_load_key(release_key, tmp_path) if with_key else None,
        identity=SignerIdentity("CerebriumAI/cerebrium", "v2.0.0"),
        sigstore=SigstoreTrust(trusted_root),
    )
    sources = Sources(location=ReleaseLocation.directory(release_dir), verification=verification)
    dest = tmp_path / "bin"
    _refused(
        lambda: fetch_binary(
            load_release(), Target("linux", "amd64"), "v2.0.0", dest, sources=sources
        ),
        SignatureError,
        f"{WHERE} is not a Sigstore bundle: it nests deeper than 64 levels",
    )
    assert not dest.exists()
