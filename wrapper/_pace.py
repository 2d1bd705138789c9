"""The pace of one file's download, held to a speed floor and a deadline (pure logic).

A read timeout bounds each wait for data, not the whole: a server (or proxy) that sends one
byte every 10 s never trips a 30 s read timeout, and the size caps bound bytes, not time. So,
as curl's ``--speed-limit``/``--speed-time``, a transfer must receive at least ``min_speed``
bytes per second averaged over each window of ``speed_time`` seconds, and one file's download,
every attempt and wait included, must end within ``deadline`` seconds
(:class:`~.settings.TransferLimits`, set by ``<PREFIX>MIN_SPEED``, ``SPEED_TIME``,
``DEADLINE``). The windows are consecutive, the first starting when an attempt does and again
when its answer arrives. A window that ends with some bytes, but fewer than the floor, is a
trickle: stopped ``speed_time`` seconds after it starts, and not retried, since it would trickle
again. A window that ends with nothing at all is a stall, which a new connection may cure: cut
short and retried once; a second stall is final (headers that trickle look like a stall here).

``_http`` calls :meth:`Pace.received` for each piece read, and its watchdog thread asks
:meth:`Pace.overdue` to cut short a read that is still waiting when the pace is broken.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

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
        """An attempt starts, or its answer arrives from ``host`` (after any redirects): the
        first window starts now, so waiting for an answer is a window of its own."""
        self.host = host
        # (start, bytes) of the current window, one tuple so that the watchdog thread of
        # ``_http`` reads a consistent pair without a lock.
        self.window: tuple[float, int] | None = (self._clock(), 0)

    def pause(self) -> None:
        """Between attempts (a retry's wait): no window runs, the deadline still does."""
        self.window = None

    def remaining(self) -> float:
        """Seconds left before the deadline (negative once past it)."""
        return self.limits.deadline - (self._clock() - self.started)

    def received(self, count: int) -> None:
        """Account for ``count`` bytes that arrived now; raise :class:`DownloadTimeoutError`
        if the deadline has passed or a window ended with some bytes but fewer than the floor
        (a trickle). ``received(0)`` only checks, after a read was cut short."""
        now = self._clock()
        self.total += count
        if self.window is None:
            if self._verdict(now, None) == "late":
                raise self.past_deadline()
            return
        start, got = self.window
        got += count  # bytes that end a window count in it
        verdict = self._verdict(now, (start, got))
        if verdict == "late":
            raise self.past_deadline()
        if verdict == "slow":
            raise DownloadTimeoutError(self._too_slow(got))
        span = self.limits.speed_time
        if now >= start + span:  # the window ended: the one holding ``now`` has begun
            start, got = start + (now - start) // span * span, 0
        self.window = (start, got)

    def stalled(self) -> bool:
        """Whether a whole window has passed with nothing received: a stall, which a new
        connection may cure (retried once), unlike a trickle."""
        return self._verdict(self._clock(), self.window) == "stalled"

    def overdue(self) -> bool:
        """Whether the wait should be cut short now: late, too slow or stalled (for the
        watchdog)."""
        return self._verdict(self._clock(), self.window) is not None

    def _verdict(
        self, now: float, window: tuple[float, int] | None
    ) -> Literal["late", "slow", "stalled"] | None:
        limits = self.limits
        if now - self.started > limits.deadline:
            return "late"
        if window is None or limits.min_speed == 0:
            return None
        start, got = window
        span = limits.speed_time
        if now < start + span:
            return None
        if got == 0 or (got >= limits.min_speed * span and now >= start + 2 * span):
            return "stalled"  # this window, or the one after it, ended with nothing
        return "slow" if got < limits.min_speed * span else None

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

    def stalled_again(self) -> DownloadTimeoutError:
        """The error for a second attempt that stalled as the first did (nothing for a whole
        window): a new connection did not help, and headers that trickle look the same."""
        limits = self.limits
        return DownloadTimeoutError(
            f"could not download {self.shown}: {self.host} sent nothing for "
            f"{limits.speed_time:g} s ({limits.env_prefix}SPEED_TIME), on two connections in "
            "turn; stopped: the server or a proxy is stalled, or trickles its answer. Check the "
            f"network and any proxy; on a slow connection, raise {limits.env_prefix}SPEED_TIME "
            "(seconds)."
        )

    def _too_slow(self, got: int) -> str:
        limits = self.limits
        span = limits.speed_time
        return (
            f"could not download {self.shown}: {self.host} sent {got} bytes in {span:g} s "
            f"({rate(got, span)}), below the floor of {limits.min_speed} bytes/s over {span:g} s "
            f"({limits.env_prefix}MIN_SPEED, {limits.env_prefix}SPEED_TIME); stopped, not "
            "retried: a server or proxy this slow is throttled or failing. On a slow "
            f"connection, lower {limits.env_prefix}MIN_SPEED (bytes per second; 0 turns the "
            f"floor off) or raise {limits.env_prefix}SPEED_TIME (seconds)."
        )


def rate(count: int, seconds: float) -> str:
    """``count`` bytes over ``seconds`` as a rate for people: ``0.1 bytes/s``, ``3.2 KiB/s``."""
    per_second = count / seconds if seconds > 0 else 0.0
    for unit, size in (("MiB/s", 1 << 20), ("KiB/s", 1 << 10)):
        if per_second >= size:
            return f"{per_second / size:.1f} {unit}"
    return f"{per_second:.1f} bytes/s"
