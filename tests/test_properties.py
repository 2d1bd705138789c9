"""Property tests of the parsers of untrusted input, and a replay of the fuzz corpus.

The same targets and strategies drive ``tests/fuzz/run.py`` for long runs; here they run with
enough examples to catch regressions in every CI run. Inputs that once found a bug live in
``tests/fuzz/corpus/`` (the ``found-*`` files) and are replayed every time.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz import targets
from fuzz.strategies import inputs
from hypothesis import HealthCheck, given, settings

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


@PROFILE
@given(inputs("bundle"))
def test_a_stored_bundle_is_a_json_object_or_refused(data: bytes) -> None:
    targets.bundle(data)


@pytest.mark.parametrize("path", sorted((CORPUS / "bundle").iterdir()), ids=lambda p: p.name)
def test_bundle_corpus(path: Path) -> None:
    targets.bundle(path.read_bytes())


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
    assert "checksums: 50 generated inputs, no failure" in result.stdout
    assert "extract: 50 generated inputs, no failure" in result.stdout
    assert "bundle: 50 generated inputs, no failure" in result.stdout
