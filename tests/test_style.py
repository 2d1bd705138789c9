"""Size limits of the package's code (issue 21: "the longest function is under 50 lines")."""

from __future__ import annotations

import ast
from pathlib import Path

WRAPPER = Path(__file__).resolve().parent.parent / "wrapper"
LIMIT = 50  # lines a function may not reach, from ``def`` to its last line, docstring included


def _lengths() -> dict[str, int]:
    """``{"module.py:function": lines}`` for every function and method in the package."""
    lengths: dict[str, int] = {}
    for path in sorted(WRAPPER.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno is not None
                key = f"{path.relative_to(WRAPPER).as_posix()}:{node.name}"
                length = node.end_lineno - node.lineno + 1
                lengths[key] = max(length, lengths.get(key, 0))
    return lengths


def test_every_function_is_under_the_limit() -> None:
    long = {name: n for name, n in _lengths().items() if n >= LIMIT}
    assert long == {}, f"split these along their seams (under {LIMIT} lines): {long}"


def test_the_lengths_are_measured() -> None:
    lengths = _lengths()
    assert lengths["bootstrap.py:main"] > 1
    assert len(lengths) > 100
