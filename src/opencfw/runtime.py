"""The composition root: settings in, a ready store, services and engine out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from opencfw.config import Settings
from opencfw.domain.clock import Clock, ManualClock
from opencfw.engine.worker import Worker
from opencfw.observability.http import Observer, passthrough
from opencfw.observability.jobs import ObservedFirewalls
from opencfw.observability.metrics import Metrics
from opencfw.service.changes import ChangeHub
from opencfw.service.credentials import BootstrapResult, BootstrapSpec, Credentials
from opencfw.service.faults import FaultInjector
from opencfw.service.firewalls import Firewalls
from opencfw.service.jobs import ProvisioningPolicy
from opencfw.service.resources import ResourceServices
from opencfw.service.secrets import (
    HOW_TO_MAKE_A_MASTER_KEY,
    MASTER_KEY_BYTES,
    MASTER_KEY_FILE,
    MasterKeyError,
    SecretBox,
    WeakMasterKey,
    load_master_key,
    master_key_weakness,
)
from opencfw.store.base import SchemaMissing, Store
from opencfw.store.sqlite import SqliteStore

log = logging.getLogger("opencfw")

DATABASE_FILE = "opencfw.sqlite3"
T = TypeVar("T")
FINISHED_JOB_SECONDS = 10.0
FINISHED_JOB_LIMIT = 100_000
#: and at most this many bytes of them (keys and bodies)
FINISHED_JOB_BYTES = 32 * 1024 * 1024


@dataclass
class Runtime:
    settings: Settings
    store: Store
    store_kind: str
    clock: Clock
    credentials: Credentials
    firewalls: Firewalls
    worker: Worker
    #: writes run here, so a held write lock never stalls the event loop (one thread for SQLite,
    #: whose writers queue anyway; a few for PostgreSQL)
    writer: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="opencfw-writer")
    )
    #: short reads run on the event loop itself (SQLite: ~30 µs); over a network they go to threads
    inline_reads: bool = True
    #: the clock of provisioning timers: the wall clock, or a manual one (OPENCFW_CLOCK=manual)
    #: that only the admin API moves; authentication always uses the wall clock
    manual_clock: ManualClock | None = None
    #: the admin credential (never a project's AK/SK or token)
    admin_token: str = ""
    hub: ChangeHub = field(default_factory=ChangeHub)
    faults: FaultInjector = field(default_factory=FaultInjector)
    #: answers of finished jobs, ready to send: (expires at, monotonic seconds; body)
    finished_jobs: dict[tuple[str, str], tuple[float, bytes]] = field(default_factory=dict)
    #: about how many bytes ``finished_jobs`` holds (reset with it)
    finished_bytes: int = 0
    #: held while ``finished_jobs`` changes: PostgreSQL reads fill it from the thread pool
    finished_lock: threading.Lock = field(default_factory=threading.Lock)
    #: set when the server starts to stop: event streams and waits end
    draining: asyncio.Event = field(default_factory=asyncio.Event)
    loop: asyncio.AbstractEventLoop | None = None
    #: Prometheus metrics (None with OPENCFW_METRICS=false) and the per-request hook of the API
    metrics: Metrics | None = None
    observer: Observer = field(default_factory=passthrough)
    #: ``starting`` until the server listens (the CLI sets it), then ``ready``; draining is ``draining``
    phase: str = "ready"
    #: the services of the resource registry's resources (made at first use)
    _resources: ResourceServices | None = None

    @property
    def resources(self) -> ResourceServices:
        if self._resources is None:
            self._resources = ResourceServices(self.store, self.clock)
        return self._resources

    def remember_finished(self, key: tuple[str, str], body: bytes) -> None:
        """Keep a finished job's answer for FINISHED_JOB_SECONDS (bounded): a job purged or reset
        meanwhile reads as gone at most that much later."""
        with self.finished_lock:
            self._remember_finished(key, body, time.monotonic())

    def _remember_finished(self, key: tuple[str, str], body: bytes, now: float) -> None:
        if len(self.finished_jobs) >= FINISHED_JOB_LIMIT or self.finished_bytes >= FINISHED_JOB_BYTES:
            self.finished_jobs.clear()
        if not self.finished_jobs:
            self.finished_bytes = 0
        elif len(self.finished_jobs) % 1024 == 1023:
            # now and then drop what has expired, so the map holds about 10 s of answers
            for stale in [k for k, (expires, _) in self.finished_jobs.items() if expires <= now]:
                gone = self.finished_jobs.pop(stale)[1]
                self.finished_bytes -= len(gone) + len(stale[0]) + len(stale[1]) + 100
        self.finished_jobs[key] = (now + FINISHED_JOB_SECONDS, body)
        self.finished_bytes += len(body) + len(key[0]) + len(key[1]) + 100

    def wake_engine(self) -> None:
        """Safe from any thread: the engine looks for due jobs now instead of at its next timer."""
        if self.loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closing
                self.loop.call_soon_threadsafe(self.worker.wake)

    def announce(self, projects: set[str]) -> None:
        """Safe from any thread: the projects' jobs or firewalls changed (wakes waiters and streams)."""
        if self.loop is not None:
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self.hub.notify, projects)

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Connect notifications to this event loop (once per process)."""
        if self.loop is loop:
            return
        self.loop = loop
        self.store.on_events = self.announce
        listen = getattr(self.store, "listen", None)
        if listen is not None:  # PostgreSQL: hear the other processes too
            listen(self.wake_engine, self.announce)

    async def read(self, fn: Callable[..., T], *args: object) -> T:
        """Run a store read where reads belong: inline on SQLite, on a thread otherwise."""
        if self.inline_reads:
            return fn(*args)
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    async def write(self, fn: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.writer, fn, *args)

    async def run_engine(self, stop: asyncio.Event) -> None:
        """Run the job engine on the current loop until ``stop`` is set."""
        self.attach(asyncio.get_running_loop())
        await self.worker.run(stop, self.writer)

    def close(self) -> None:
        self.writer.shutdown(wait=True)
        self.store.close()


def open_store(settings: Settings) -> tuple[Store, str]:
    if settings.database_url is not None:
        from opencfw.store.postgres import PostgresStore

        return PostgresStore(settings.database_url.reveal()), "postgres"
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    return SqliteStore(settings.data_dir / DATABASE_FILE), "sqlite"


def _check_master_key(settings: Settings, credentials: Credentials, master: bytes) -> None:
    """A new store needs a strong master key; a store made with a weak one still opens, warned."""
    source = (
        "OPENCFW_MASTER_KEY"
        if settings.master_key is not None
        else f"the master key file {settings.data_dir / MASTER_KEY_FILE}"
    )
    weakness = master_key_weakness(master)
    try:
        credentials.check_master_key(weakness)
    except WeakMasterKey:
        raise MasterKeyError(
            f"{source} is too weak to protect a new store: {weakness}. A master key is at least "
            f"{MASTER_KEY_BYTES} random bytes written as base64 or hex: {HOW_TO_MAKE_A_MASTER_KEY}"
        ) from None
    if weakness is not None:
        log.warning(
            "%s is weak (%s); this store was made with it, so it still opens. New stores need "
            "%d random bytes as base64 or hex: %s",
            source,
            weakness,
            MASTER_KEY_BYTES,
            HOW_TO_MAKE_A_MASTER_KEY,
            extra={"event": "master_key.weak"},
        )


def build_runtime(
    settings: Settings, clock: Clock | None = None, *, bootstrap: bool = True
) -> tuple[Runtime, BootstrapResult | None]:
    """Open and migrate the store, check the master key, create or confirm the first account.

    ``clock`` (tests) drives everything; otherwise authentication uses the wall clock and
    provisioning the wall clock or, with OPENCFW_CLOCK=manual, a manual one. ``bootstrap=False``
    (workers) never creates or changes an account or the admin token: a worker needs only the
    store and the master key, and the result is None.
    """
    auth_clock = clock or Clock()
    manual = None
    if clock is None and settings.clock == "manual":
        manual = ManualClock(auth_clock.now_ms())
    clock = clock or manual or auth_clock
    store, kind = open_store(settings)
    if settings.migrate:
        store.migrate()
    elif store.schema_version() == 0:
        store.close()
        raise SchemaMissing("the store has no schema yet: run `opencfw migrate` first")
    # the master key lives in the data directory even when the store is PostgreSQL: every process
    # sharing a database must be given the same one (OPENCFW_MASTER_KEY)
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    master = load_master_key(settings.data_dir, settings.master_key.reveal() if settings.master_key else None)
    credentials = Credentials(
        store, auth_clock, SecretBox(master), token_ttl_ms=round(settings.token_ttl * 1000)
    )
    _check_master_key(settings, credentials, master)
    result = None
    if bootstrap:
        result = credentials.bootstrap(
            BootstrapSpec(
                domain=settings.domain,
                user=settings.user,
                password=settings.password.reveal() if settings.password else None,
                region=settings.region,
                project_id=settings.project_id,
                access_key=settings.access_key,
                secret_key=settings.secret_key.reveal() if settings.secret_key else None,
                admin_token=settings.admin_token.reveal() if settings.admin_token else None,
            )
        )
    policy = ProvisioningPolicy(
        duration_ms=round(settings.provision_seconds * 1000),
        outcome=settings.provision_outcome,
        delete_outcome=settings.delete_outcome,
        failure_rate=settings.failure_rate,
        seed=settings.failure_seed,
    )
    postgres = kind == "postgres"
    metrics = Metrics() if settings.metrics else None
    if metrics is not None:
        metrics.watch_store(store, clock)
    # a line per request when JSON logs are asked for explicitly, or at debug level
    log_requests = settings.log_format == "json" or settings.log_level == "debug"
    runtime = Runtime(
        settings=settings,
        writer=ThreadPoolExecutor(max_workers=8 if postgres else 1, thread_name_prefix="opencfw-writer"),
        inline_reads=not postgres,
        store=store,
        store_kind=kind,
        clock=clock,
        credentials=credentials,
        firewalls=ObservedFirewalls(store, clock, policy, metrics=metrics),
        worker=Worker(
            store,
            clock,
            lease_ms=round(settings.lease_seconds * 1000),
            poll_ms=round(settings.poll_interval * 1000),
            retention_ms=round(settings.job_retention * 1000),
            metrics=metrics,
        ),
        manual_clock=manual,
        admin_token=result.admin_token if result is not None else "",
        metrics=metrics,
        observer=Observer(metrics, log_requests),
    )
    return runtime, result
