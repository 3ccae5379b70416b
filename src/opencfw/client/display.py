"""How ``job wait`` shows progress: a live line on a terminal, log lines elsewhere, or nothing."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TextIO

from opencfw.client.wait import RUNNING, Outcome, Poll

SPINNER = "-\\|/"
CLEAR_LINE = "\r\x1b[2K"


def clock_text(seconds: float) -> str:
    """Elapsed time as m:ss, or h:mm:ss past an hour."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def took_text(seconds: float) -> str:
    """How long a job ran: tenths of a second under a minute (a 0.4 s job did not take 0:00)."""
    return f"{seconds:.1f}s" if seconds < 60 else clock_text(seconds)


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


def _instant(value: object) -> float | None:
    """A job time as epoch seconds: ISO 8601 (``...Z``, with or without milliseconds) or epoch ms."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) / 1000
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def job_took(job: dict[str, Any] | None, details: dict[str, Any] | None = None) -> float | None:
    """How long an ended job ran, from its own begin and end times (the extension's have ms)."""
    for source in (details, job):
        if source:
            begin, end = _instant(source.get("begin_time")), _instant(source.get("end_time"))
            if begin is not None and end is not None and end >= begin:
                return end - begin
    return None


def failed_step(details: dict[str, Any] | None) -> str | None:
    """The step an ended job failed at, when the server says (opencfw's extension)."""
    if not details:
        return None
    for step in details.get("steps") or []:
        if isinstance(step, dict) and step.get("status") == "failed":
            return str(step.get("name"))
    step = details.get("current_step")
    return str(step) if step and details.get("status") == "Failed" else None


def failure_reason(details: dict[str, Any] | None) -> str | None:
    error = (details or {}).get("error")
    return str(error.get("message")) if isinstance(error, dict) and error.get("message") else None


def _ending(job_id: str, outcome: Outcome) -> str:
    if outcome.timed_out:
        last = (outcome.job or {}).get("status", "unknown")
        return f"job {job_id} still {last} after {clock_text(outcome.elapsed)}: timed out"
    took = job_took(outcome.job, outcome.details)
    at = failed_step(outcome.details)
    status = f"{outcome.status} at step {at}" if at else str(outcome.status)
    if outcome.polls == 1:
        # it had ended before we asked: how long we waited (0:00) says nothing
        return f"job {job_id} had already ended: {status}" + (
            f" (it took {took_text(took)})" if took is not None else ""
        )
    if took is None:
        return f"job {job_id} {status} after {clock_text(outcome.elapsed)}"
    return f"job {job_id} {status} after {took_text(took)}"


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
        if poll.job is not None and status != RUNNING:
            return  # it ended: the final line comes from finish()
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
