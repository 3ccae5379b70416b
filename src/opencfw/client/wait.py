"""Waiting for a job: poll ListJob with capped exponential backoff until it leaves ``Running``."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from opencfw.client.session import ClientError

RUNNING = "Running"


@dataclass(frozen=True)
class Backoff:
    """Delays between polls: ``initial``, then times ``factor``, never above ``cap``."""

    initial: float = 1.0
    factor: float = 2.0
    cap: float = 10.0

    def next(self, delay: float) -> float:
        return min(delay * self.factor, self.cap)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """A ``Retry-After`` header as seconds from now: delta-seconds or an HTTP date; None if unusable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass
class Poll:
    """One look at the job: its ``data`` object, or the transient error met instead; ``details``
    is what only opencfw's extension tells about an ended job (its steps and error)."""

    job: dict[str, Any] | None
    retry_after: float | None = None
    error: ClientError | None = None
    details: dict[str, Any] | None = None


@dataclass
class Outcome:
    """How the wait ended: ``status`` is the job's final status, or None when time ran out."""

    status: str | None
    job: dict[str, Any] | None
    elapsed: float
    polls: int
    last_error: ClientError | None = None
    details: dict[str, Any] | None = None

    @property
    def timed_out(self) -> bool:
        return self.status is None


class Display(Protocol):
    """What the wait loop reports to: a live line, log lines, or nothing."""

    def update(self, poll: Poll, elapsed: float, next_in: float | None) -> None: ...

    def pause(self, seconds: float, elapsed: float) -> None: ...

    def finish(self, outcome: Outcome) -> None: ...


def wait_for_job(
    fetch: Callable[[], Poll],
    display: Display,
    *,
    timeout: float,
    backoff: Backoff,
    clock: Callable[[], float] = time.monotonic,
) -> Outcome:
    """Poll until the job is not ``Running`` or ``timeout`` seconds have passed.

    ``fetch`` raises ``ClientError`` for what polling again cannot fix (not found, authentication);
    transient errors come back inside a ``Poll`` and are retried like a ``Running`` answer.
    """
    began = clock()
    delay = backoff.initial
    polls = 0
    job: dict[str, Any] | None = None
    last_error: ClientError | None = None
    while True:
        poll = fetch()
        polls += 1
        elapsed = clock() - began
        if poll.job is not None:
            job, last_error = poll.job, None
        else:
            last_error = poll.error
        status = job.get("status") if job else None
        if status is not None and status != RUNNING:
            display.update(poll, elapsed, None)
            outcome = Outcome(str(status), job, elapsed, polls, details=poll.details)
            display.finish(outcome)
            return outcome
        remaining = timeout - elapsed
        if remaining <= 0:
            display.update(poll, elapsed, None)
            outcome = Outcome(None, job, elapsed, polls, last_error)
            display.finish(outcome)
            return outcome
        wanted = poll.retry_after if poll.retry_after is not None else delay
        pause = min(wanted, remaining)
        # no pause: the next look is a server-side wait that answers on news, not a timed check
        display.update(poll, elapsed, pause if pause > 0 else None)
        display.pause(pause, elapsed)
        delay = backoff.next(delay)
