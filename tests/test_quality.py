"""The code standards as tests, so CI holds every change to them: ruff, and mypy --strict over the
package, its tests and the benchmarks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_applied() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _typed_sources() -> list[Path]:
    """The Python files mypy is meant to read: the package, its tests, the benchmarks, setup.py,
    less what pyproject's ``[tool.mypy] exclude`` leaves out."""
    if sys.version_info < (3, 11):
        pytest.skip("tomllib is in Python 3.11 and later")
    else:  # mypy reads this branch only for Python 3.11 and later
        import tomllib

        config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
        excluded = [re.compile(pattern) for pattern in config.get("exclude", [])]
        files = [
            *ROOT.glob("wrapper/*.py"),
            *(p for p in ROOT.glob("tests/**/*.py") if "as_installed" not in p.parts),
            *ROOT.glob("benchmarks/**/*.py"),
            ROOT / "setup.py",
        ]
        names = [p.relative_to(ROOT).as_posix() for p in files]
        return [p for p, n in zip(files, names) if not any(x.search(n) for x in excluded)]


def test_mypy_strict_is_clean_over_the_package_and_its_tests() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Every module was read, the tests' too (wrapper/ as cerebrium_cli, through tests/as_installed).
    assert f"no issues found in {len(_typed_sources())} source files" in result.stdout
