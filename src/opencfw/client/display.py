"""How ``job wait`` shows progress: a live line on a terminal, log lines elsewhere, or nothing."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

from opencfw.client.wait import Outcome, Poll

SPINNER = "-\\|/"
CLEAR_LINE = "\r\x1b[2K"


def clock_text(seconds: float) -> str:
    """Elapsed time as m:ss, or h:mm:ss past an hour."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _details(poll: Poll) -> list[str]:
    """Step and progress, only when the server reports them; the transient error if any."""
    parts: list[str] = []
    job = poll.job or {}
    if job.get("step"):
        parts.append(f"step {job['step']}")
    if job.get("progress") is not None:
        parts.append(f"{job['progress']}%")
    if poll.error is not None:
        parts.append(f"retrying: {poll.error.message}")
    return parts


def _status(poll: Poll, previous: str | None) -> str:
    if poll.job is not None:
        return str(poll.job.get("status"))
    return previous or "unknown"


def _ending(job_id: str, outcome: Outcome) -> str:
    took = clock_text(outcome.elapsed)
    if outcome.timed_out:
        last = (outcome.job or {}).get("status", "unknown")
        return f"job {job_id} still {last} after {took}: timed out"
    return f"job {job_id} {outcome.status} after {took}"


class LiveDisplay:
    """One line redrawn in place: spinner, job, status, elapsed time, the next check."""

    def __init__(
        self,
        stream: TextIO,
        job_id: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        tick: float = 0.1,
    ) -> None:
        self.stream, self.job_id = stream, job_id
        self.clock, self.sleep, self.tick = clock, sleep, tick
        self.frame = 0
        self.status: str | None = None
        self.details: list[str] = []

    def _width(self) -> int:
        try:
            return max(20, os.get_terminal_size(self.stream.fileno()).columns - 1)
        except (OSError, ValueError, AttributeError):
            return 79

    def _draw(self, elapsed: float, next_in: float | None) -> None:
        spin = SPINNER[self.frame % len(SPINNER)]
        self.frame += 1
        parts = [f"{spin} job {self.job_id}", self.status or "...", f"elapsed {clock_text(elapsed)}"]
        parts += self.details
        if next_in is not None:
            parts.append(f"next check in {max(0, round(next_in))}s")
        line = "  ".join(parts)[: self._width()]
        self.stream.write(CLEAR_LINE + line)
        self.stream.flush()

    def update(self, poll: Poll, elapsed: float, next_in: float | None) -> None:
        self.status = _status(poll, self.status)
        self.details = _details(poll)
        self._draw(elapsed, next_in)

    def pause(self, seconds: float, elapsed: float) -> None:
        start = self.clock()
        end = start + seconds
        while (now := self.clock()) < end:
            self.sleep(min(self.tick, end - now))
            now = self.clock()
            self._draw(elapsed + (now - start), end - now)

    def finish(self, outcome: Outcome) -> None:
        self.stream.write(CLEAR_LINE + _ending(self.job_id, outcome) + "\n")
        self.stream.flush()

    def interrupted(self) -> None:
        self.stream.write(CLEAR_LINE + f"stopped waiting; job {self.job_id} goes on on the server\n")
        self.stream.flush()


class LogDisplay:
    """Plain lines for logs: the first answer, every change, errors, and a heartbeat."""

    def __init__(
        self,
        stream: TextIO,
        job_id: str,
        *,
        heartbeat: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.stream, self.job_id = stream, job_id
        self.heartbeat, self.sleep, self.now = heartbeat, sleep, now
        self.last_said: tuple[str, ...] | None = None
        self.last_elapsed = 0.0

    def _say(self, text: str) -> None:
        stamp = self.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        self.stream.write(f"{stamp} {text}\n")
        self.stream.flush()

    def update(self, poll: Poll, elapsed: float, next_in: float | None) -> None:
        status = _status(poll, self.last_said[0] if self.last_said else None)
        said = (status, *_details(poll))
        if next_in is None:
            return  # the final line comes from finish()
        if said != self.last_said or elapsed - self.last_elapsed >= self.heartbeat:
            self._say(f"job {self.job_id} {'  '.join(said)} (elapsed {clock_text(elapsed)})")
            self.last_said, self.last_elapsed = said, elapsed

    def pause(self, seconds: float, elapsed: float) -> None:
        self.sleep(seconds)

    def finish(self, outcome: Outcome) -> None:
        self._say(_ending(self.job_id, outcome))

    def interrupted(self) -> None:
        self._say(f"stopped waiting; job {self.job_id} goes on on the server")


class QuietDisplay:
    """No progress at all (``--quiet``)."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep) -> None:
        self.sleep = sleep

    def update(self, poll: Poll, elapsed: float, next_in: float | None) -> None:
        pass

    def pause(self, seconds: float, elapsed: float) -> None:
        self.sleep(seconds)

    def finish(self, outcome: Outcome) -> None:
        pass

    def interrupted(self) -> None:
        pass
