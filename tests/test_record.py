"""The record of what was verified (``evidence.py``): written, read back and checked.

Through pip, both ways, in test_record_e2e.py; here each rule alone: what the record claims
for each voucher, its determinism, every malformed record refused with its path named, the
checks of ``verify --installed`` one by one, and the ``.dist-info`` writer's refusals.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any, cast

import pytest
from cerebrium_cli import bootstrap
from cerebrium_cli.buildinfo import MAGIC, BuildInfoError
from cerebrium_cli.description import load_release
from cerebrium_cli.errors import (
    ChecksumFileError,
    ChecksumMismatchError,
    PinnedChecksumsError,
    StorageError,
)
from cerebrium_cli.evidence import (
    RECORD_FILE,
    check_installed,
    dist_info_files,
    parse_record,
    write_dist_info,
)
from cerebrium_cli.fetch import PINNED, ArchiveFile, VerifiedArchive, VerifiedChecksums, Voucher
from cerebrium_cli.platforms import Target
from cerebrium_cli.proofs import Proofs
from cerebrium_cli.release import Release
from conftest import TAG
from hypothesis import given
from hypothesis import strategies as st

TARGET = Target("linux", "amd64")
ARCHIVE = "cerebrium_cli_linux_amd64.tar.gz"
DIGEST = "ab" * 32
REINSTALL = "python -m pip install --force-reinstall --no-cache-dir cerebrium"
NOTHING = {"pins": False, "key": None, "keyless": None, "attestation": None, "kept_signed": False}


@pytest.fixture(scope="module")
def release() -> Release:
    return load_release()


def _archive(proofs: Proofs | None = None) -> VerifiedArchive:
    """A verified archive as the fetch yields it, with the ``proofs`` it collected."""
    proofs = proofs or Proofs()
    voucher: Voucher = "pins" if proofs.pins else "signature" if proofs.signed else "integrity"
    source = PINNED if proofs.pins else "https://example.test/v2.0.0/checksums.txt"
    checksums = VerifiedChecksums(
        "checksums.txt", b"checksums", {ARCHIVE: DIGEST}, "sha256", source, voucher, proofs=proofs
    )
    # The record never reads the archive's bytes: an empty private file stands in for them.
    return VerifiedArchive(
        cast(ArchiveFile, io.BytesIO()), ARCHIVE, "sha256", DIGEST, checksums, proofs, "auto"
    )


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    """A binary without Go build information (a stand-in)."""
    binary = tmp_path / "cerebrium"
    binary.write_bytes(b"#!/bin/sh\necho stand-in\n")
    return binary


# --- writing -----------------------------------------------------------------------------


def test_the_record_of_a_go_binary(
    release: Release, go_binaries: dict[tuple[str, str], Path]
) -> None:
    binary = go_binaries["linux", "amd64"]
    files = dist_info_files(release, TARGET, TAG, _archive(), binary)
    assert sorted(files) == ["sboms/cerebrium.cdx.json", RECORD_FILE]
    record = json.loads(files[RECORD_FILE])
    data = binary.read_bytes()
    assert record == {
        "format": 1,
        "tag": TAG,
        "target": "linux/amd64",
        "archive": {"name": ARCHIVE, "algorithm": "sha256", "digest": DIGEST},
        "checksums": {
            "name": "checksums.txt",
            "source": "https://example.test/v2.0.0/checksums.txt",
            "trust": "integrity only",
        },
        "vouched_by": NOTHING,
        "binary": {
            "path": "cerebrium_cli/bin/cerebrium",
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
        },
        "build_info": {
            "go_version": record["build_info"]["go_version"],
            "main": {"path": "github.com/cerebriumai/cerebrium", "version": "(devel)"},
        },
    }
    assert record["build_info"]["go_version"].startswith("go1.")
    # Deterministic: the same inputs give the same bytes (the wheels stay byte-identical).
    again = dist_info_files(release, TARGET, TAG, _archive(), binary)
    assert again == files
    assert files[RECORD_FILE].endswith(b"\n")


def test_no_sbom_when_the_release_published_one(
    release: Release, go_binaries: dict[tuple[str, str], Path]
) -> None:
    binary = go_binaries["linux", "amd64"]
    files = dist_info_files(release, TARGET, TAG, _archive(), binary, with_sbom=False)
    assert sorted(files) == [RECORD_FILE]


def test_a_binary_without_build_information_gets_a_record_and_no_sbom(
    release: Release, plain: Path
) -> None:
    files = dist_info_files(release, TARGET, TAG, _archive(), plain)
    assert sorted(files) == [RECORD_FILE]
    assert json.loads(files[RECORD_FILE])["build_info"] is None


def test_malformed_build_information_is_refused_naming_the_binary_and_archive(
    release: Release, tmp_path: Path
) -> None:
    # A well-framed blob (buildinfo.py) whose second line lacks a column.
    modinfo = b"0" * 16 + b"path\tx\nmod\tx\n" + b"0" * 16
    header = MAGIC + bytes([8, 2]) + b"\0" * 16
    blob = header + bytes([8]) + b"go1.22.1" + bytes([len(modinfo)]) + modinfo
    binary = tmp_path / "cerebrium"
    binary.write_bytes(b"\0" * 64 + blob)
    with pytest.raises(BuildInfoError, match=f"^cerebrium in {ARCHIVE}: .*line 2"):
        dist_info_files(release, TARGET, TAG, _archive(), binary)


def test_an_unreadable_binary_is_a_storage_error(release: Release, tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="cannot read the binary"):
        dist_info_files(release, TARGET, TAG, _archive(), tmp_path / "gone")


@pytest.mark.parametrize(
    "proofs",
    [
        Proofs(),
        Proofs(pins=True),
        Proofs(pins=True, key="0123456789abcdef"),
        Proofs(keyless="a workflow of github.com/CerebriumAI/cerebrium at refs/tags/v2.0.0"),
        Proofs(
            keyless="a workflow ...", attestation="attested (https://slsa.dev/provenance/v1) by x"
        ),
        Proofs(kept_signed=True),
    ],
    ids=["nothing", "pins", "pins-and-key", "keyless", "attestation", "cached-signed"],
)
def test_vouched_by_is_what_the_fetch_proved_and_reads_back_as_it(
    release: Release, plain: Path, proofs: Proofs
) -> None:
    files = dist_info_files(release, TARGET, TAG, _archive(proofs), plain)
    record = json.loads(files[RECORD_FILE])
    assert record["vouched_by"] == dataclasses.asdict(proofs)
    assert parse_record(files[RECORD_FILE], WHERE).vouched_by == proofs


def test_write_dist_info_writes_nested_names(tmp_path: Path) -> None:
    write_dist_info(tmp_path, {RECORD_FILE: b"{}\n", "sboms/x.cdx.json": b"[]"})
    assert (tmp_path / RECORD_FILE).read_bytes() == b"{}\n"
    assert (tmp_path / "sboms" / "x.cdx.json").read_bytes() == b"[]"
    assert sorted(p.name for p in tmp_path.rglob(".*")) == []  # no temporary file left


@pytest.mark.parametrize(
    "name", ["../escape", "/abs", "sboms/../../x", "a//b", "", "./x", "a\\..\\x"]
)
def test_write_dist_info_refuses_a_name_that_is_not_plain(tmp_path: Path, name: str) -> None:
    with pytest.raises(StorageError, match="not a plain name"):
        write_dist_info(tmp_path / "d", {name: b"x"})
    assert not (tmp_path / "escape").exists()
    assert not (tmp_path / "x").exists()


def test_write_dist_info_refuses_to_make_a_wheel_without_a_record(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="without the record of what was verified"):
        write_dist_info(tmp_path, {})
    assert list(tmp_path.iterdir()) == []


# --- reading and checking ----------------------------------------------------------------

WHERE = "/site/cerebrium-2.0.0.dist-info/verification.json"


@pytest.fixture
def installed(release: Release, plain: Path, tmp_path: Path) -> tuple[bytes, Path, Path]:
    """A record, the binary it describes, and the package folder (no pins yet)."""
    record = dist_info_files(release, TARGET, TAG, _archive(), plain)[RECORD_FILE]
    package = tmp_path / "package"
    package.mkdir()
    return record, plain, package


def _check(record: bytes | None, binary: Path, package: Path, tag: str = TAG) -> list[str]:
    return check_installed(record, WHERE, binary, package, tag=tag, reinstall=REINSTALL)


def test_check_installed_passes_and_says_what_it_checked(
    installed: tuple[bytes, Path, Path],
) -> None:
    record, binary, package = installed
    digest = hashlib.sha256(binary.read_bytes()).hexdigest()
    assert _check(record, binary, package) == [
        f"binary: {binary}: sha256 {digest}, as recorded at install",
        f"archive: {ARCHIVE} (linux/amd64, {TAG}): sha256 {DIGEST}, verified at install against "
        "checksums.txt from https://example.test/v2.0.0/checksums.txt (integrity only)",
        "vouched for by: none: integrity only",
        f"pins: none in this package ({package / 'pinned-checksums.txt'} is absent)",
    ]


def test_check_installed_refuses_a_changed_byte(installed: tuple[bytes, Path, Path]) -> None:
    record, binary, package = installed
    data = bytearray(binary.read_bytes())
    recorded = hashlib.sha256(data).hexdigest()
    data[3] ^= 0x01
    binary.write_bytes(bytes(data))
    with pytest.raises(ChecksumMismatchError) as info:
        _check(record, binary, package)
    assert info.value.asset == f"the installed binary {binary}"
    assert info.value.algorithm == "sha256"
    assert info.value.expected == recorded
    assert info.value.got == hashlib.sha256(data).hexdigest()
    assert WHERE in info.value.where
    assert REINSTALL in info.value.advice
    assert "has changed since it was installed" in str(info.value)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_check_installed_refuses_a_fifo_in_the_binarys_place_at_once(
    installed: tuple[bytes, Path, Path],
) -> None:
    # Red team: a FIFO at the binary's path made verify --installed wait for ever in open().
    record, binary, package = installed
    binary.unlink()
    os.mkfifo(binary)
    with pytest.raises(ChecksumMismatchError, match="is not a regular file") as info:
        _check(record, binary, package)
    assert REINSTALL in str(info.value)


def test_check_installed_against_the_pins(installed: tuple[bytes, Path, Path]) -> None:
    record, binary, package = installed
    pins = package / "pinned-checksums.txt"
    pins.write_text(f"{DIGEST}  {ARCHIVE}\n{'cd' * 32}  other.tar.gz\n")
    assert _check(record, binary, package)[-1] == (
        f"pins: {ARCHIVE} is pinned with that digest ({pins})"
    )
    pins.write_text(f"{'cd' * 32}  {ARCHIVE}\n")
    with pytest.raises(PinnedChecksumsError, match=f"pinned in this package .* have {'cd' * 32}"):
        _check(record, binary, package)
    pins.write_text(f"{'cd' * 32}  other.tar.gz\n")
    with pytest.raises(PinnedChecksumsError, match=r"have \(no entry\)"):
        _check(record, binary, package)


def test_check_installed_refuses_a_record_of_another_release(
    installed: tuple[bytes, Path, Path],
) -> None:
    record, binary, package = installed
    with pytest.raises(
        ChecksumFileError, match=r"records the release v2\.0\.0, but .* for v3\.0\.0"
    ):
        _check(record, binary, package, tag="v3.0.0")


def test_check_installed_refuses_a_record_of_another_binary(
    installed: tuple[bytes, Path, Path], tmp_path: Path
) -> None:
    record, binary, package = installed
    other = tmp_path / "other"
    other.write_bytes(binary.read_bytes())
    with pytest.raises(ChecksumMismatchError, match="records 'cerebrium_cli/bin/cerebrium'"):
        _check(record, other, package)


def test_check_installed_refuses_no_record(installed: tuple[bytes, Path, Path]) -> None:
    _, binary, package = installed
    with pytest.raises(ChecksumFileError, match=f"{WHERE} is missing") as info:
        _check(None, binary, package)
    assert REINSTALL in str(info.value)


GOOD: dict[str, Any] = {
    "format": 1,
    "tag": TAG,
    "target": "linux/amd64",
    "archive": {"name": ARCHIVE, "algorithm": "sha256", "digest": DIGEST},
    "checksums": {"name": "checksums.txt", "source": "s", "trust": "pinned"},
    "vouched_by": NOTHING,
    "binary": {"path": "cerebrium_cli/bin/cerebrium", "sha256": DIGEST},
    "build_info": None,
}


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"\xff\xfe", "is not a JSON record"),
        (b"", "is not a JSON record"),
        (b"[" * 100_000, "is not a JSON record"),
        (b"[]", "holds list, not an object"),
        (b'"text"', "holds str, not an object"),
        (json.dumps({**GOOD, "format": 2}).encode(), "has format 2; this package reads format 1"),
        (json.dumps({**GOOD, "format": "1"}).encode(), "has format '1'"),
        (json.dumps({**GOOD, "tag": 5}).encode(), "has no text at tag (found 5)"),
        (json.dumps({**GOOD, "archive": "x"}).encode(), "has no text at archive.name"),
        (json.dumps({**GOOD, "binary": {"path": "p"}}).encode(), "no text at binary.sha256"),
        (json.dumps({**GOOD, "vouched_by": []}).encode(), "has no vouched_by with the fields"),
        (json.dumps({**GOOD, "vouched_by": {"pins": True}}).encode(), "found {'pins': True}"),
        (
            json.dumps({**GOOD, "vouched_by": {**NOTHING, "pins": "yes"}}).encode(),
            "has 'yes' at vouched_by.pins",
        ),
        (
            json.dumps({**GOOD, "vouched_by": {**NOTHING, "key": 5}}).encode(),
            "has 5 at vouched_by.key",
        ),
        (json.dumps({**GOOD, "build_info": "go1"}).encode(), "has no object at build_info"),
    ],
)
def test_a_malformed_record_is_refused_naming_it(data: bytes, says: str) -> None:
    with pytest.raises(ChecksumFileError) as info:
        parse_record(data, WHERE)
    message = str(info.value)
    assert message.startswith(WHERE)
    assert says in message
    assert "Reinstall the package" in message


def test_the_good_record_parses() -> None:
    record = parse_record(json.dumps(GOOD).encode(), WHERE)
    assert (record.archive, record.archive_digest, record.trust) == (ARCHIVE, DIGEST, "pinned")


@given(st.binary(max_size=512))
def test_any_bytes_parse_or_are_refused(data: bytes) -> None:
    with contextlib.suppress(ChecksumFileError):
        parse_record(data, WHERE)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=12,
    ),
    st.sampled_from(sorted(GOOD)),
)
def test_any_value_at_any_field_parses_or_is_refused(value: object, key: str) -> None:
    with contextlib.suppress(ChecksumFileError):
        parse_record(json.dumps({**GOOD, key: value}).encode(), WHERE)


# --- the command line --------------------------------------------------------------------


@pytest.mark.parametrize("extra", [["--all"], ["--platform", "linux/amd64"]])
def test_verify_installed_takes_no_platform(
    extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        bootstrap.main(["verify", "--installed", *extra])
    assert info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_verify_installed_outside_an_install_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    # The tests import the checkout's wrapper/, which no installed distribution holds.
    assert bootstrap.main(["verify", "--installed"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the cerebrium distribution is not installed here; ")
    assert "'verify --installed' checks the installed package" in err
