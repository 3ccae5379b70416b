"""Time is injected: the service and the engine ask a clock, tests hand them a manual one."""

from __future__ import annotations

import functools
import time


class Clock:
    """Wall-clock time in integer milliseconds since the epoch."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class ManualClock(Clock):
    """A clock that moves only when told to."""

    def __init__(self, start_ms: int = 1_700_000_000_000) -> None:
        self._now = start_ms

    def now_ms(self) -> int:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += round(seconds * 1000)


#: "HH:MM:" of each minute of a day, and "SSZ" of each second of a minute
_HOURS_MINUTES = [f"{h:02d}:{m:02d}:" for h in range(24) for m in range(60)]
_SECONDS = [f"{s:02d}Z" for s in range(60)]


@functools.lru_cache(maxsize=4096)
def _day(days: int) -> str:
    """``2022-01-05T`` of a day counted from the epoch."""
    return time.strftime("%Y-%m-%dT", time.gmtime(days * 86400))


def iso8601(ms: int) -> str:
    """``2022-01-05T08:15:01Z``: UTC, second precision, a literal ``Z`` (spec section 1).

    The day's text is remembered and the time of day looked up: a third of strftime's cost, and
    every job read that misses the kept answers formats two of these."""
    days, second = divmod(ms // 1000, 86400)
    minute, second = divmod(second, 60)
    return _day(days) + _HOURS_MINUTES[minute] + _SECONDS[second]
