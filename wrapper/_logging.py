"""Log lines through :mod:`logging`, printed as they always were.

Each module logs to its own ``logging.getLogger(__name__)``; nothing is printed until an entry
point attaches :func:`to_stderr` (the command line, the build hook and its prefetch child). A
line is printed as its message alone, on the standard error of the moment, flushed at once: what
pip shows of a build with ``-v``, and hides otherwise. Standard library only: the build hook
imports it.
"""

from __future__ import annotations

__all__ = ["to_stderr"]

import logging
import sys

PACKAGE = __name__.rpartition(".")[0]  # this package's logger: its modules' loggers' parent


class _Stderr(logging.Handler):
    """Each record's message, as ``print`` writes it to ``sys.stderr`` (read when it is
    written, so that a replaced stream, pytest's say, receives it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            print(record.getMessage(), file=sys.stderr, flush=True)
        except Exception:  # logging's rule: a failed emit is reported, not raised
            self.handleError(record)


def to_stderr(*, quiet: bool = False) -> None:
    """Print the package's log lines (``INFO`` and above) on the standard error; with
    ``quiet``, none at all (not even :data:`logging.lastResort`'s warnings). Called again, it
    replaces what it attached before."""
    logger = logging.getLogger(PACKAGE)
    for handler in list(logger.handlers):
        if isinstance(handler, (_Stderr, logging.NullHandler)):
            logger.removeHandler(handler)
    logger.setLevel(logging.INFO)
    logger.addHandler(logging.NullHandler() if quiet else _Stderr())
