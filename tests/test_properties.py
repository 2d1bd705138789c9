"""Property tests of the parsers of untrusted input, and a replay of the fuzz corpus.

The same targets and strategies drive ``tests/fuzz/run.py`` for long runs; here they run with
enough examples to catch regressions in every CI run. Inputs that once found a bug live in
``tests/fuzz/corpus/`` (the ``found-*`` files) and are replayed every time.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from cerebrium_cli.errors import ArchiveError
from cerebrium_cli.extract import extract_binary
from cerebrium_cli.formats import TAR_COMPRESSIONS, Format
from fuzz import targets
from fuzz.strategies import MEMBERS, inputs, tarball
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CORPUS = Path(__file__).parent / "fuzz" / "corpus"
PROFILE = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))


@PROFILE
@given(inputs("checksums"))
def test_checksums_parser_returns_entries_or_its_own_error(data: bytes) -> None:
    targets.checksums(data)


@PROFILE
@given(inputs("extract"))
def test_extractor_writes_only_the_binary_or_refuses(data: bytes) -> None:
    targets.extract(data)


@settings(PROFILE, max_examples=150)
@given(MEMBERS)
def test_the_compression_of_a_tar_never_changes_the_verdict(
    members: list[tuple[str, bytes, str, bytes, int]],
) -> None:
    # The same members under each compression: the same binary out, or a refusal in each.
    outcomes: dict[Format, bytes | None] = {}
    with tempfile.TemporaryDirectory() as root_name:
        root = Path(root_name)
        for fmt in ("tar", "tar.gz", "tar.xz", "tar.zst"):
            archive = root / f"archive.{fmt}"
            archive.write_bytes(tarball(members, TAR_COMPRESSIONS[fmt]))
            try:
                binary = extract_binary(archive, fmt, "cerebrium", root / fmt / "cerebrium")
            except ArchiveError:
                outcomes[fmt] = None
            else:
                outcomes[fmt] = binary.read_bytes()
    assert len(set(outcomes.values())) == 1, outcomes


JSON_TARGETS = ("bundle", "signature", "keyless", "statement", "listing", "record")


@pytest.mark.parametrize("name", JSON_TARGETS)
@PROFILE
@given(data=st.data())
def test_each_json_format_is_read_or_refused_with_its_own_error(
    name: str, data: st.DataObject
) -> None:
    # bundle: a JSON object or SignatureError; signature: never accepted unless the key signed
    # it; keyless: a bool; statement: digests; listing: entries; record: a description. Each
    # target says exactly what it accepts (tests/fuzz/targets.py).
    getattr(targets, name)(data.draw(inputs(name)))


@pytest.mark.parametrize(
    ("name", "path"),
    [(name, path) for name in JSON_TARGETS for path in sorted((CORPUS / name).iterdir())],
    ids=lambda value: value if isinstance(value, str) else value.name,
)
def test_json_corpus(name: str, path: Path) -> None:
    getattr(targets, name)(path.read_bytes())


@PROFILE
@given(inputs("executable"))
def test_the_executable_reader_says_what_a_binary_is_or_refuses(data: bytes) -> None:
    targets.executable(data)


@pytest.mark.parametrize("path", sorted((CORPUS / "executable").iterdir()), ids=lambda p: p.name)
def test_executable_corpus(path: Path) -> None:
    targets.executable(path.read_bytes())


@pytest.mark.parametrize("path", sorted((CORPUS / "checksums").iterdir()), ids=lambda p: p.name)
def test_checksums_corpus(path: Path) -> None:
    targets.checksums(path.read_bytes())


@pytest.mark.parametrize("path", sorted((CORPUS / "extract").iterdir()), ids=lambda p: p.name)
def test_extract_corpus(path: Path) -> None:
    targets.extract(path.read_bytes())


def test_the_fuzz_runner_runs() -> None:
    import subprocess
    import sys

    run = [sys.executable, str(Path(__file__).parent / "fuzz" / "run.py"), "--examples", "50"]
    result = subprocess.run(run, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("checksums", "extract", *JSON_TARGETS, "executable"):
        assert f"{name}: 50 generated inputs, no failure" in result.stdout
