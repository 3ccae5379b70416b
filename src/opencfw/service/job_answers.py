"""The job read (ListJob), kept as close to the network as it can be: answers ready to send, kept
coherent by the store's change stream, and a lean read of the job's row when one is not.

**What is kept, and until when.** Every job's answer, finished or running, keyed by job id:

- a *finished* job's answer until something changes it out of the ordinary course (an administrator
  ending it, a project reset, the retention purge): never by a timer;
- a *running* job's answer until its current step's end (``run_after_ms``). No worker, in any
  process, can change a job before that instant: a worker claims only jobs whose ``run_after_ms``
  has passed (the claiming statement says so). So a running answer is served only while the row
  cannot have changed; after that instant every read goes to the store until the job has moved on.

**The change stream.** Whatever changes a job out of course passes through the store, which

- tells this process at once (``JobAnswers.forget``/``forget_all`` from the store's hook, after the
  commit; an answer read before a change and put back after it is refused by a generation check),
- bumps the store's ``job_answers.epoch`` in the same transaction, and on PostgreSQL sends a NOTIFY
  that every other process's listener turns into ``forget_all`` (delivered at commit);
- on SQLite, other processes see the WAL index change (a memory read of the ``-shm`` file's header
  per cached read, see ``WalStamp``); when it changed they read the epoch, and a new epoch empties
  their cache before the answer is served.

Job ids are unique across projects; an answer remembers its project, and a read naming another
project goes to the store (which answers 404 for it, as before).
"""

from __future__ import annotations

import itertools
import mmap
import os
import threading
from collections.abc import Callable, Iterable

import msgspec

from opencfw.domain.clock import Clock, iso8601
from opencfw.domain.errors import NotFound
from opencfw.domain.models import JobStatus
from opencfw.store.base import Store
from opencfw.store.job_reads import EPOCH_KEY, PgJobRows, Row, SqliteJobRows

#: answers kept at most (about 200 bytes each), and bytes of them
ANSWER_LIMIT = 200_000
ANSWER_BYTES = 48 * 1024 * 1024

_encode = msgspec.json.Encoder().encode
_RUNNING = str(JobStatus.RUNNING)


#: ``(project id, body, the running job's step end in epoch ms or None once finished)``: an exact
#: tuple of atoms, which the collector stops tracking (200,000 kept objects would otherwise be
#: walked by every full collection, a pause of tens of milliseconds)
JobAnswer = tuple[str, bytes, int | None]


def answer_from_row(
    job_id: str,
    project_id: str,
    status: str,
    begin_ms: int,
    end_ms: int | None,
    run_after_ms: int,
    time_format: str,
) -> JobAnswer:
    """ListJob's ``data``: id, status, begin_time and, once ended, end_time (as views.job_data)."""
    fmt: Callable[[int], object] = iso8601 if time_format == "iso8601" else int
    data: dict[str, object] = {"id": job_id, "status": status, "begin_time": fmt(begin_ms)}
    running = status == _RUNNING
    if not running and end_ms is not None:
        data["end_time"] = fmt(end_ms)
    return (project_id, _encode({"data": data}), run_after_ms if running else None)


class JobAnswers:
    """The answers, shared by the event loop, the thread pool and the store's listener thread.

    Reads are a dict lookup without a lock (atomic in CPython); every change holds the lock."""

    def __init__(self, limit: int = ANSWER_LIMIT, limit_bytes: int = ANSWER_BYTES) -> None:
        self._answers: dict[str, JobAnswer] = {}
        self._lock = threading.Lock()
        self._limit = limit
        self._limit_bytes = limit_bytes
        self._bytes = 0
        #: bumped by every forget: a read begun before it may not put its answer back
        self.generation = 0

    def __len__(self) -> int:
        return len(self._answers)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def get(self, job_id: str, project_id: str, now_ms: int) -> JobAnswer | None:
        answer = self._answers.get(job_id)
        if answer is None or answer[0] != project_id:
            return None
        if answer[2] is not None and now_ms >= answer[2]:
            return None  # a worker may be moving it on now: ask the store
        return answer

    def put(self, job_id: str, answer: JobAnswer, generation: int) -> None:
        """Keep ``answer`` unless something was forgotten since ``generation`` was read."""
        size = len(answer[1]) + 2 * len(job_id) + 120
        with self._lock:
            if generation != self.generation:
                return
            if len(self._answers) >= self._limit or self._bytes + size > self._limit_bytes:
                self._evict()
            old = self._answers.pop(job_id, None)
            if old is not None:
                self._bytes -= len(old[1]) + 2 * len(job_id) + 120
            self._answers[job_id] = answer
            self._bytes += size

    def _evict(self) -> None:
        """Drop the oldest quarter (insertion order), under the lock."""
        drop = max(1, len(self._answers) // 4)
        for job_id in list(itertools.islice(self._answers, drop)):
            gone = self._answers.pop(job_id)
            self._bytes -= len(gone[1]) + 2 * len(job_id) + 120

    def forget(self, job_ids: Iterable[str]) -> None:
        with self._lock:
            self.generation += 1
            for job_id in job_ids:
                gone = self._answers.pop(job_id, None)
                if gone is not None:
                    self._bytes -= len(gone[1]) + 2 * len(job_id) + 120

    def forget_all(self) -> None:
        with self._lock:
            self.generation += 1
            self._answers.clear()
            self._bytes = 0

    def changed(self, job_ids: Iterable[str] | None) -> None:
        """The store's hook: these jobs changed (None: any job may have)."""
        if job_ids is None:
            self.forget_all()
        else:
            self.forget(job_ids)


class WalStamp:
    """The header of a SQLite database's WAL index (the ``-shm`` file, sqlite.org/walformat.html):
    it changes with every commit by any connection of any process (its frame count and salts), and
    reading it is a memory read. ``read()`` is None when the file cannot be mapped."""

    HEADER = 48

    def __init__(self, database: str | os.PathLike[str]) -> None:
        self._path = f"{os.fspath(database)}-shm"
        self._map: mmap.mmap | None = None

    def read(self) -> bytes | None:
        if self._map is None:
            try:
                with open(self._path, "rb") as f:
                    if os.fstat(f.fileno()).st_size < self.HEADER:
                        return None
                    self._map = mmap.mmap(f.fileno(), self.HEADER, access=mmap.ACCESS_READ)
            except OSError:
                return None
        return self._map[: self.HEADER]

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None


def retry_after_seconds(run_after_ms: int, now_ms: int) -> int:
    """How long until a running job is likely to have changed: its current step's end, 1-60 s."""
    return max(1, min(60, -(-max(run_after_ms - now_ms, 0) // 1000)))


class JobReads:
    """ListJob's answers: kept ones first, else the store's row (lean, batched on PostgreSQL)."""

    def __init__(self, store: Store, kind: str, clock: Clock, time_format: str) -> None:
        self.answers = JobAnswers()
        self._store = store
        self._clock = clock
        self._time_format = time_format
        self._sqlite: SqliteJobRows | None = None
        self._pg: PgJobRows | None = None
        self._wal: WalStamp | None = None
        self._stamp: object = None
        self._epoch: object = self  # nothing read yet
        if kind == "sqlite":
            self._sqlite = SqliteJobRows(store)  # type: ignore[arg-type]
            self._wal = WalStamp(store.path)  # type: ignore[attr-defined]
        else:
            self._pg = PgJobRows(store.url, timeout=store.timeout)  # type: ignore[attr-defined]

    async def read_row(self, job_id: str, wal_stamp: bytes | None = None) -> Row | None:
        if self._sqlite is not None:
            return self._sqlite.row(job_id, wal_stamp)
        assert self._pg is not None
        return await self._pg.row(job_id)

    def _check_other_processes(self) -> bytes | None:
        """SQLite: when anything was committed since the last look (by any process), read the
        epoch; a new one means jobs changed out of course somewhere: forget every answer.
        Returns the WAL index header read (None when it cannot be mapped)."""
        assert self._wal is not None and self._sqlite is not None
        wal_stamp = self._wal.read()
        stamp: object = wal_stamp if wal_stamp is not None else self._sqlite.data_version()
        if stamp != self._stamp:
            epoch = self._store.get_meta(EPOCH_KEY)
            if epoch != self._epoch:
                self.answers.forget_all()
                self._epoch = epoch
            self._stamp = stamp
        return wal_stamp

    async def answer(self, project_id: str, job_id: str) -> tuple[bytes, int | None]:
        """The answer's body and, for a running job, its Retry-After seconds; 404 when unknown."""
        wal_stamp = self._check_other_processes() if self._wal is not None else None
        now_ms = self._clock.now_ms()
        kept = self.answers.get(job_id, project_id, now_ms)
        if kept is None:
            generation = self.answers.generation
            row = await self.read_row(job_id, wal_stamp)
            if row is None or row[1] != project_id:
                raise NotFound(f"The job {job_id} does not exist")
            kept = answer_from_row(job_id, row[1], row[2], row[3], row[4], row[5], self._time_format)
            now_ms = self._clock.now_ms()
            if kept[2] is None or now_ms < kept[2]:
                self.answers.put(job_id, kept, generation)
        _, body, run_after_ms = kept
        if run_after_ms is None:
            return body, None
        return body, retry_after_seconds(run_after_ms, now_ms)

    def close(self) -> None:
        if self._pg is not None:
            self._pg.close()
        if self._wal is not None:
            self._wal.close()
