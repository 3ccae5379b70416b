"""A worker claims a due job under a lease, completes its due steps, and commits each one.

``run_once`` is synchronous and deterministic for a given clock (unit tests call it directly);
``run`` is the asyncio loop the server uses, sleeping exactly until the next step is due or until
``wake`` is called.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from concurrent.futures import Executor
from typing import TYPE_CHECKING

from opencfw.domain.clock import Clock
from opencfw.domain.errors import StoreUnavailable
from opencfw.domain.models import JobStatus
from opencfw.service import jobs
from opencfw.store.base import Store

if TYPE_CHECKING:
    from opencfw.observability.metrics import Metrics

log = logging.getLogger("opencfw.engine")

#: the meta key that pauses every worker sharing the store (admin API)
PAUSE_KEY = "engine_paused"


class Worker:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        lease_ms: int = 15_000,
        poll_ms: int = 1_000,
        owner: str | None = None,
        batch: int = 32,
        retention_ms: int = 30 * 86400 * 1000,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.lease_ms = lease_ms
        self.poll_ms = poll_ms
        #: jobs claimed together: one commit (one WAL flush) covers them all
        self.batch = batch
        #: finished jobs older than this are purged (checked once a minute)
        self.retention_ms = retention_ms
        self._next_purge_ms = 0
        #: the clock's reading at this worker's previous look for due jobs (None: no look yet)
        self._looked_ms: int | None = None
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake: asyncio.Event | None = None
        #: counts claims, resumptions, endings and loop heartbeats (None: not exported)
        self.metrics = metrics

    def run_once(self) -> int:
        """Claim up to ``batch`` due jobs, complete every step of each that is due, and commit them
        all in one transaction. Returns how many jobs were claimed (0: none was due).

        A step completes at most once: each save is conditional on still holding the lease, and
        the step log's primary key refuses a second completion.

        A step ends when its timer was due, but never before this worker's previous look: a jump
        of a manual clock (nobody could watch the times it skipped) runs every step whose time it
        passed, at its planned time, while a job that stalled in plain sight (a paused engine, a
        held lease) is not backdated to before anyone last saw it running.
        """
        looked, self._looked_ms = self._looked_ms, self.clock.now_ms()
        if self.store.get_meta(PAUSE_KEY) == "1":
            return 0
        claimed = self.store.claim_due_jobs(self._looked_ms, self.owner, self.lease_ms, self.batch)
        if not claimed:
            return 0
        now = self.clock.now_ms()
        earliest = now if looked is None else min(looked, now)
        updates = []
        for job in claimed:
            if job.attempts > 1:
                log.info(
                    "job %s resumed at step %s after an expired lease",
                    job.id,
                    job.steps[job.step_index].name,
                    extra={
                        "event": "job.resumed",
                        "job_id": job.id,
                        "step": job.steps[job.step_index].name,
                        "attempts": job.attempts,
                    },
                )
            if self.metrics is not None:
                self.metrics.job_claimed(job)
            completed: list[tuple[int, str, int]] = []
            while True:
                # the next step's timer starts from this one's end (see the docstring)
                ended_ms = min(max(job.run_after_ms, earliest), now)
                completed.append((job.step_index, job.steps[job.step_index].name, ended_ms))
                firewall_status = jobs.complete_step(job, ended_ms)
                if job.status is not JobStatus.RUNNING or job.run_after_ms > now:
                    break
            job.updated_ms = now
            job.lease_owner = None
            job.lease_expires_ms = None
            updates.append((job, firewall_status, completed))
        for (job, _, completed), saved in zip(
            updates, self.store.save_jobs_progress(self.owner, updates), strict=True
        ):
            if not saved:
                log.warning(
                    "job %s: lease lost to another worker; leaving it",
                    job.id,
                    extra={"event": "job.lease_lost", "job_id": job.id},
                )
                continue
            if log.isEnabledFor(logging.DEBUG):
                for _, step, _ in completed:
                    log.debug(
                        "job %s completed step %s",
                        job.id,
                        step,
                        extra={"event": "job.step", "job_id": job.id, "kind": str(job.kind), "step": step},
                    )
            if job.status is not JobStatus.RUNNING:
                if self.metrics is not None:
                    self.metrics.job_finished(job)
                step = job.steps[min(job.step_index, len(job.steps) - 1)].name
                log.info(
                    "job %s (%s) ended %s",
                    job.id,
                    job.kind,
                    job.status,
                    extra={
                        "event": "job.ended",
                        "job_id": job.id,
                        "kind": str(job.kind),
                        "step": step,
                        "outcome": str(job.status),
                    },
                )
        return len(claimed)

    def purge_if_due(self) -> int:
        """Delete finished jobs past the retention period (at most once a minute)."""
        now = self.clock.now_ms()
        if now < self._next_purge_ms:
            return 0
        self._next_purge_ms = now + 60_000
        purged = self.store.purge_finished(now - self.retention_ms)
        if purged:
            log.info("purged %d jobs finished more than %d s ago", purged, self.retention_ms // 1000)
        return purged

    def wake(self) -> None:
        """Tell the loop that a job may have become due (called on the event loop's thread)."""
        if self._wake is not None:
            self._wake.set()

    async def run(self, stop: asyncio.Event, executor: Executor) -> None:
        """Work until ``stop`` is set. Store calls run on ``executor`` (the server's writer thread)."""
        loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        backoff = 0.1
        while not stop.is_set():
            if self.metrics is not None:
                self.metrics.beat()
            try:
                await loop.run_in_executor(executor, self.purge_if_due)
                if await loop.run_in_executor(executor, self.run_once):
                    backoff = 0.1
                    continue
                due = await loop.run_in_executor(executor, self.store.next_due_ms)
                backoff = 0.1
            except StoreUnavailable as exc:
                if self.metrics is not None:
                    self.metrics.store_error("engine")
                log.warning("store unavailable in the engine (%s); retrying in %.1f s", exc, backoff)
                await self._sleep(stop, backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            # nothing was due: sleep until the next step is (at least 1 ms, at most one poll period)
            wait_ms = self.poll_ms if due is None else min(max(due - self.clock.now_ms(), 1), self.poll_ms)
            await self._sleep(stop, wait_ms / 1000)

    async def _sleep(self, stop: asyncio.Event, seconds: float) -> None:
        assert self._wake is not None
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            self._wake.clear()
