"""A progress line for long downloads, drawn only for a person watching a terminal.

Nothing is drawn when stderr is not a TTY: under ``pip install`` the build's output is captured
(and shown only with ``-v``), and logs in CI should not fill with carriage returns.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["TerminalProgress"]

_INTERVAL = 0.1  # seconds between redraws


class TerminalProgress:
    """``update(done, total)`` as bytes arrive; ``close()`` ends the line."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self._drawn = 0.0

    def update(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self._drawn < _INTERVAL and (total is None or done < total):
            return
        self._drawn = now
        elapsed = max(now - self.started, 1e-6)
        rate = done / elapsed
        text = f"\r{self.label}: {_mib(done)}"
        if total:
            left = (total - done) / rate if rate else 0.0
            text += f" / {_mib(total)}  {rate / (1 << 20):.1f} MiB/s  {_clock(left)} left"
        else:
            text += f"  {rate / (1 << 20):.1f} MiB/s"
        self.stream.write(text + "\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()


def _mib(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB"


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds + 0.5), 60)
    return f"{minutes}:{secs:02d}"
