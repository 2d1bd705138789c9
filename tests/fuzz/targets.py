"""The fuzz targets: each takes arbitrary bytes and fails only on a bug.

A target may see the project's own errors (the input was refused, as it should be) but never any
other exception, and the extractor must never write outside its destination. The same targets
are replayed over ``corpus/`` by the test suite, driven by Hypothesis there, and by atheris when
``tests/fuzz/run.py --atheris`` is used.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

from cerebrium_cli import keyless as keyless_module
from cerebrium_cli.attestations import Listed, parse_listing, read_stored_bundle
from cerebrium_cli.checksums import parse_checksums, parse_split_checksum
from cerebrium_cli.description import Description, read_record
from cerebrium_cli.errors import (
    ArchiveError,
    ChecksumFileError,
    ConfigError,
    ExecutableError,
    SignatureError,
    UnsupportedPlatformError,
)
from cerebrium_cli.executables import parse_executable
from cerebrium_cli.extract import extract_binary
from cerebrium_cli.formats import Format
from cerebrium_cli.platforms import Target, executable_tag
from cerebrium_cli.signatures import PublicKey
from support.signing import make_key

# One format for each reader: the other spellings (tgz, txz, tzst) share them.
_FORMATS: tuple[Format, ...] = ("tar.gz", "tar", "zip", "tar.xz", "tar.zst", "gz", "binary")


def checksums(data: bytes) -> None:
    """Any bytes: a mapping of names to digests, or ChecksumFileError; as a split checksum
    file, one digest or ChecksumFileError."""
    text = data.decode("utf-8", "replace")
    try:
        digest = parse_split_checksum(text, "fuzz", "sha256")
    except ChecksumFileError:
        pass
    else:
        assert len(digest) == 64
        assert set(digest) <= set("0123456789abcdef")
    try:
        entries = parse_checksums(text, "fuzz")
    except ChecksumFileError:
        return
    assert entries, "an accepted checksums file lists at least one file"
    for name, digest in entries.items():
        assert name
        assert "\n" not in name
        assert len(digest) == 64
        assert set(digest) <= set("0123456789abcdef")


def extract(data: bytes) -> None:
    """Any bytes as an archive of each format: the binary inside ``dest``, or ArchiveError;
    never a write anywhere else."""
    with tempfile.TemporaryDirectory() as root_name:
        root = Path(root_name)
        archive = root / "archive"
        archive.write_bytes(data)
        dest = root / "dest"
        for fmt in _FORMATS:
            try:
                result = extract_binary(
                    archive,
                    fmt,
                    "cerebrium",
                    dest / "cerebrium",
                    max_size=1 << 20,
                    max_unpacked=4 << 20,
                )
            except ArchiveError:
                pass
            else:
                assert result == dest / "cerebrium"
                assert result.is_file()
                assert not result.is_symlink()
                assert os.stat(result).st_mode & 0o7777 == 0o755
                result.unlink()
        written = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
        assert written in (["archive"], ["archive", "dest"]), written


def bundle(data: bytes) -> None:
    """Any bytes as a ``bundle_url`` body: a JSON object (decoded from Snappy or as it is), or
    SignatureError."""
    try:
        out = read_stored_bundle(data, "fuzz")
    except SignatureError:
        return
    assert isinstance(json.loads(out), dict)


# The release key of the signature target: any bundle or .sig must verify with it or be refused.
_KEY = PublicKey(make_key().public_key(), "fuzz.pub")
_SIGNED = b"0" * 64 + b"  cerebrium_cli_linux_amd64.tar.gz\n"


def signature(data: bytes) -> None:
    """Any bytes as ``checksums.txt.sigstore.json`` or ``checksums.txt.sig`` signed by a key:
    a verified signature (never, for bytes the key did not sign), or SignatureError."""
    for sig, bundle in ((None, data), (data, None)):
        try:
            how = _verify_signature(sig, bundle)
        except SignatureError:
            continue
        raise AssertionError(f"accepted a signature the key never made: {how}")


def _verify_signature(sig: bytes | None, bundle: bytes | None) -> str:
    from cerebrium_cli.signatures import verify

    return verify(_KEY, _SIGNED, sig=sig, bundle=bundle, name="checksums.txt")


def keyless(data: bytes) -> None:
    """Any bytes as a signature bundle, told keyless or not: a bool, or SignatureError."""
    try:
        found = keyless_module.is_keyless_bundle(data, "fuzz")
    except SignatureError:
        return
    assert isinstance(found, bool)


def statement(data: bytes) -> None:
    """Any bytes as an attestation's in-toto statement: its predicate and lowercase digests,
    or SignatureError."""
    try:
        predicate, digests = keyless_module.statement_digests(data, "fuzz")
    except SignatureError:
        return
    assert isinstance(predicate, str)
    assert all(isinstance(d, str) and d == d.lower() for d in digests)


def listing(data: bytes) -> None:
    """Any bytes as GitHub's answer listing attestations: entries, or SignatureError."""
    try:
        listed = parse_listing(data, "fuzz")
    except SignatureError:
        return
    for entry in listed:
        assert isinstance(entry, Listed)
        if entry.bundle is not None:
            assert isinstance(json.loads(entry.bundle), dict)


def record(data: bytes) -> None:
    """Any bytes as ``release.json``: a description of the recorded shape, or ConfigError."""
    with tempfile.TemporaryDirectory() as root:
        path = Path(root) / "release.json"
        path.write_bytes(data)
        try:
            description = read_record(path)
        except ConfigError:
            return
    assert isinstance(description, Description)
    assert isinstance(description.config, dict)
    assert description.origin is None or isinstance(description.origin, str)


def executable(data: bytes) -> None:
    """Any bytes as a binary: what it is, or ExecutableError; and what it is, tagged for its
    own target, a wheel tag, or ExecutableError / UnsupportedPlatformError."""
    try:
        found = parse_executable(io.BytesIO(data), "fuzz")
    except ExecutableError as exc:
        refused: ExecutableError | None = exc
    else:
        refused = None
    if refused is not None:
        assert str(refused).startswith("fuzz ")  # the message names the file
        return
    assert found.os
    assert found.arch
    assert found.bits in (32, 64)
    assert (found.arch == "all") == bool(found.slices)
    assert found.describe()
    for arch in [s.arch for s in found.slices] or [found.arch]:
        try:
            tag = executable_tag(found, Target(found.os, arch), "fuzz")
        except (ExecutableError, UnsupportedPlatformError):
            continue
        assert tag
        assert " " not in tag
        assert "any" not in tag.split(".")
