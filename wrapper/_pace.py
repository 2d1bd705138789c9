"""The pace of one file's download, held to a speed floor and a deadline (pure logic).

A read timeout bounds each wait for data, not the whole: a server (or proxy) that sends one
byte every 10 s never trips a 30 s read timeout, and the size caps bound bytes, not time. So,
as curl's ``--speed-limit``/``--speed-time``, a transfer must receive at least ``min_speed``
bytes per second averaged over each window of ``speed_time`` seconds, and one file's download,
every attempt and wait included, must end within ``deadline`` seconds
(:class:`~.settings.TransferLimits`, set by ``<PREFIX>MIN_SPEED``, ``SPEED_TIME``,
``DEADLINE``). The windows are consecutive, each starting where the last ended (or where an
attempt started), so a trickle from the first byte is stopped ``speed_time`` seconds in.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .errors import DownloadTimeoutError
from .settings import TransferLimits

__all__ = ["Pace", "rate"]


class Pace:
    """One file's clock and byte count: :meth:`received` raises when it is too slow or late.

    ``shown`` is the (redacted) URL and ``host`` the host sending, for messages; ``clock`` is
    seconds on a monotonic clock. Raises :class:`DownloadTimeoutError` naming the host, the
    rate seen and the setting that would change the outcome.
    """

    def __init__(
        self,
        limits: TransferLimits,
        shown: str,
        host: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits, self.shown, self.host = limits, shown, host
        self._clock = clock
        self.started = clock()
        self.total = 0  # bytes received by every attempt: the deadline's account
        self.attempt(host)

    def attempt(self, host: str) -> None:
        """A new attempt (or its answer, from ``host`` after redirects): a fresh window."""
        self.host = host
        self._window_start = self._clock()
        self._window_bytes = 0

    def remaining(self) -> float:
        """Seconds left before the deadline (negative once past it)."""
        return self.limits.deadline - (self._clock() - self.started)

    def received(self, count: int) -> None:
        """Account for ``count`` bytes just received; raise if the window or the deadline
        says stop."""
        now = self._clock()
        self.total += count
        self._window_bytes += count
        if now - self.started > self.limits.deadline:
            raise self.past_deadline()
        span = now - self._window_start
        if span < self.limits.speed_time:
            return
        if self._window_bytes < self.limits.min_speed * span:
            raise DownloadTimeoutError(self._too_slow(span))
        self._window_start, self._window_bytes = now, 0

    def past_deadline(self, problem: str | None = None) -> DownloadTimeoutError:
        """The error for a download not finished by the deadline; ``problem`` is why the last
        attempt failed, when the deadline leaves no time to retry it."""
        limits = self.limits
        elapsed = self._clock() - self.started
        why = (
            f"{problem}, and no time is left to retry within"
            if problem
            else "it did not finish within"
        )
        return DownloadTimeoutError(
            f"could not download {self.shown}: {why} the {limits.deadline:g} s allowed for one "
            f"file ({limits.env_prefix}DEADLINE); {self.total} bytes came from {self.host} in "
            f"{elapsed:.1f} s ({rate(self.total, elapsed)}). Check the network and any proxy; on "
            f"a slow connection, raise {limits.env_prefix}DEADLINE (seconds)."
        )

    def _too_slow(self, span: float) -> str:
        limits = self.limits
        return (
            f"could not download {self.shown}: {self.host} sent {self._window_bytes} bytes in "
            f"{span:.1f} s ({rate(self._window_bytes, span)}), below the floor of "
            f"{limits.min_speed} bytes/s over {limits.speed_time:g} s "
            f"({limits.env_prefix}MIN_SPEED, {limits.env_prefix}SPEED_TIME); stopped, as a "
            "server or proxy this slow is stalled or throttled. On a slow connection, lower "
            f"{limits.env_prefix}MIN_SPEED (bytes per second; 0 turns the floor off) or raise "
            f"{limits.env_prefix}SPEED_TIME (seconds)."
        )


def rate(count: int, seconds: float) -> str:
    """``count`` bytes over ``seconds`` as a rate for people: ``0.1 bytes/s``, ``3.2 KiB/s``."""
    per_second = count / seconds if seconds > 0 else 0.0
    for unit, size in (("MiB/s", 1 << 20), ("KiB/s", 1 << 10)):
        if per_second >= size:
            return f"{per_second / size:.1f} {unit}"
    return f"{per_second:.1f} bytes/s"
