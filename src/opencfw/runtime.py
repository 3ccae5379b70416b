"""The composition root: settings in, a ready store, services and engine out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from opencfw.config import Settings
from opencfw.domain.clock import Clock, ManualClock
from opencfw.engine.worker import Worker
from opencfw.observability.http import Observer, passthrough
from opencfw.observability.jobs import ObservedFirewalls
from opencfw.observability.metrics import Metrics
from opencfw.service.acl_rules import AclRules
from opencfw.service.acl_transfers import AclTransfers
from opencfw.service.changes import ChangeHub
from opencfw.service.credentials import BootstrapResult, BootstrapSpec, Credentials
from opencfw.service.eips import Eips
from opencfw.service.faults import FaultInjector
from opencfw.service.firewalls import Firewalls
from opencfw.service.job_answers import JobReads
from opencfw.service.jobs import ProvisioningPolicy
from opencfw.service.logs import Logs
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
    #: set when the server starts to stop: event streams and waits end
    draining: asyncio.Event = field(default_factory=asyncio.Event)
    loop: asyncio.AbstractEventLoop | None = None
    #: Prometheus metrics (None with OPENCFW_METRICS=false) and the per-request hook of the API
    metrics: Metrics | None = None
    observer: Observer = field(default_factory=passthrough)
    #: ``starting`` until the server listens (the CLI sets it), then ``ready``; draining is ``draining``
    phase: str = "ready"
    #: the data plane's reconciler (``dataplane.reconciler.Reconciler``) while OPENCFW_DATAPLANE=nftables
    dataplane: Any = None
    #: the services of the resource registry's resources (made at first use)
    _resources: ResourceServices | None = None
    _acl_rules: AclRules | None = None
    _acl_transfers: AclTransfers | None = None

    #: EIPs and their protection (made at first use)
    _eips: Eips | None = None

    @property
    def eips(self) -> Eips:
        if self._eips is None:
            self._eips = Eips(self.store, self.clock, self.settings.eip_count, lambda: self.firewalls.policy)
        return self._eips

    _logs: Logs | None = None

    #: ListJob's answers, kept coherent with the store's changes (made at first use)
    _job_reads: JobReads | None = None

    @property
    def job_reads(self) -> JobReads:
        if self._job_reads is None:
            self._job_reads = JobReads(self.store, self.store_kind, self.clock, self.settings.job_time_format)
            # every change of jobs this process commits, and (PostgreSQL) every other process's
            self.store.on_jobs_changed = self._job_reads.answers.changed  # type: ignore[attr-defined]
        return self._job_reads

    @property
    def resources(self) -> ResourceServices:
        if self._resources is None:
            self._resources = ResourceServices(self.store, self.clock)
        return self._resources

    @property
    def acl_rules(self) -> AclRules:
        if self._acl_rules is None:
            self._acl_rules = AclRules(self.store, self.clock)
        return self._acl_rules

    @property
    def acl_transfers(self) -> AclTransfers:
        """The export and import of ACL rules (made at first use)."""
        if self._acl_transfers is None:
            self._acl_transfers = AclTransfers(self.acl_rules)
        return self._acl_transfers

    @property
    def logs(self) -> Logs:
        """The log records' service (made at first use)."""
        if self._logs is None:
            self._logs = Logs(self.store, self.clock)
        return self._logs

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
            listen(self.wake_engine, self.announce, self.job_reads.answers.forget_all)

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
        if self._job_reads is not None:
            self._job_reads.close()
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
