"""The composition root: settings in, a ready store, services and engine out."""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from opencfw.config import Settings
from opencfw.domain.clock import Clock
from opencfw.engine.worker import Worker
from opencfw.service.credentials import BootstrapResult, BootstrapSpec, Credentials
from opencfw.service.firewalls import Firewalls
from opencfw.service.jobs import ProvisioningPolicy
from opencfw.service.secrets import SecretBox, load_master_key
from opencfw.store.base import SchemaMissing, Store
from opencfw.store.sqlite import SqliteStore

DATABASE_FILE = "opencfw.sqlite3"


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
    loop: asyncio.AbstractEventLoop | None = None

    def wake_engine(self) -> None:
        """Safe from any thread: the engine looks for due jobs now instead of at its next timer."""
        if self.loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closing
                self.loop.call_soon_threadsafe(self.worker.wake)

    def start_listening(self) -> None:
        """Wake the engine when another process inserts a job (PostgreSQL LISTEN/NOTIFY)."""
        listen = getattr(self.store, "listen", None)
        if listen is not None:
            listen(self.wake_engine)

    async def run_engine(self, stop: asyncio.Event) -> None:
        """Run the job engine on the current loop until ``stop`` is set."""
        self.loop = asyncio.get_running_loop()
        self.start_listening()
        try:
            await self.worker.run(stop, self.writer)
        finally:
            self.loop = None

    def close(self) -> None:
        self.writer.shutdown(wait=True)
        self.store.close()


def open_store(settings: Settings) -> tuple[Store, str]:
    if settings.database_url is not None:
        from opencfw.store.postgres import PostgresStore

        return PostgresStore(settings.database_url.reveal()), "postgres"
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    return SqliteStore(settings.data_dir / DATABASE_FILE), "sqlite"


def build_runtime(settings: Settings, clock: Clock | None = None) -> tuple[Runtime, BootstrapResult]:
    """Open and migrate the store, check the master key, create or confirm the first account."""
    clock = clock or Clock()
    store, kind = open_store(settings)
    if settings.migrate_on_start:
        store.migrate()
    elif store.schema_version() == 0:
        store.close()
        raise SchemaMissing("the store has no schema yet: run `opencfw migrate` first")
    # the master key lives in the data directory even when the store is PostgreSQL: every process
    # sharing a database must be given the same one (OPENCFW_MASTER_KEY)
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    master = load_master_key(settings.data_dir, settings.master_key.reveal() if settings.master_key else None)
    credentials = Credentials(
        store, clock, SecretBox(master), token_ttl_ms=round(settings.token_ttl_seconds * 1000)
    )
    credentials.check_master_key()
    result = credentials.bootstrap(
        BootstrapSpec(
            domain=settings.domain,
            user=settings.user,
            password=settings.password.reveal() if settings.password else None,
            region=settings.region,
            project_id=settings.project_id,
            access_key=settings.access_key,
            secret_key=settings.secret_key.reveal() if settings.secret_key else None,
        )
    )
    policy = ProvisioningPolicy(
        duration_ms=round(settings.provision_seconds * 1000),
        outcome=settings.provision_outcome,
        delete_outcome=settings.delete_outcome,
    )
    postgres = kind == "postgres"
    runtime = Runtime(
        settings=settings,
        writer=ThreadPoolExecutor(max_workers=8 if postgres else 1, thread_name_prefix="opencfw-writer"),
        inline_reads=not postgres,
        store=store,
        store_kind=kind,
        clock=clock,
        credentials=credentials,
        firewalls=Firewalls(store, clock, policy),
        worker=Worker(
            store,
            clock,
            lease_ms=round(settings.lease_seconds * 1000),
            poll_ms=round(settings.poll_seconds * 1000),
        ),
    )
    return runtime, result
