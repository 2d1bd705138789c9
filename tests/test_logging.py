"""The log lines the entry points print (``_logging.to_stderr``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from cerebrium_cli._logging import PACKAGE, to_stderr


@pytest.fixture(autouse=True)
def _restored() -> Iterator[None]:
    logger = logging.getLogger(PACKAGE)
    handlers, level = list(logger.handlers), logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)


def test_a_line_is_printed_as_it_was_logged_on_the_standard_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    to_stderr()
    logging.getLogger(f"{PACKAGE}.fetch").info("cerebrium: read %s", "checksums.txt")
    logging.getLogger(f"{PACKAGE}.cache").warning("warning: cannot keep it")
    assert capsys.readouterr() == ("", "cerebrium: read checksums.txt\nwarning: cannot keep it\n")


def test_called_again_it_prints_each_line_once(capsys: pytest.CaptureFixture[str]) -> None:
    to_stderr()
    to_stderr()
    logging.getLogger(f"{PACKAGE}.fetch").info("once")
    assert capsys.readouterr().err == "once\n"


def test_quiet_prints_nothing_not_even_a_warning(capsys: pytest.CaptureFixture[str]) -> None:
    to_stderr()
    to_stderr(quiet=True)
    logging.getLogger(f"{PACKAGE}.fetch").info("progress")
    logging.getLogger(f"{PACKAGE}.cache").warning("warning: cannot keep it")
    assert capsys.readouterr() == ("", "")


def test_debug_lines_are_not_printed(capsys: pytest.CaptureFixture[str]) -> None:
    to_stderr()
    logging.getLogger(f"{PACKAGE}.fetch").debug("detail")
    assert capsys.readouterr().err == ""
