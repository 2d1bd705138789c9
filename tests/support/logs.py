"""The package's log lines, as the tests read them."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from cerebrium_cli._logging import PACKAGE


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextlib.contextmanager
def captured() -> Iterator[list[str]]:
    """The lines the package logs in the block (``INFO`` and above, each its message, as the
    entry points print them), in a list that grows as they are logged."""
    logger = logging.getLogger(PACKAGE)
    handler, level = _Lines(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
