"""Job throughput of the engine: jobs per second from Running to Success, against a bare loop.

    .venv/bin/python bench/throughput.py [--jobs 3000] [--database-url postgresql://127.0.0.1/test]

For each configuration, N creation jobs with OPENCFW_PROVISION_SECONDS=0 are inserted first (through
the service layer, not timed), then `opencfw worker` processes are started and the time until the
last job is `Success` is measured. Beside each, in the same run and on an identical job table, a
bare claim-and-complete loop in the same number of processes (one `UPDATE ... FOR UPDATE SKIP
LOCKED ... RETURNING`, one `UPDATE ... SET status = 'Success'` per job, nothing else) gives the
ceiling of the database itself; the ratio is opencfw / bare.

Configurations: SQLite with one worker process; PostgreSQL with 1, 2 and 4 worker processes.
PostgreSQL runs in a throw-away schema of the given database.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from opencfw.config import Secret, Settings
from opencfw.domain.clock import Clock
from opencfw.domain.models import Edition
from opencfw.runtime import build_runtime
from opencfw.service.firewalls import Firewalls, NewFirewall
from opencfw.service.jobs import ProvisioningPolicy

#: a master key as opencfw wants one (32 bytes as hex)
BENCH_KEY = "62656e63682d6d61737465722d6b65793a2033322072616e646f6d2062797465"

BARE_CLAIM = """
UPDATE bare_jobs SET lease_owner = %s
 WHERE id = (SELECT id FROM bare_jobs WHERE status = 'Running' AND lease_owner IS NULL
              ORDER BY run_after_ms LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING id
"""


def schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


class At(Clock):
    """A clock fixed at one instant: every seeded job becomes due at that instant."""

    def __init__(self, ms: int) -> None:
        self.ms = ms

    def now_ms(self) -> int:
        return self.ms


def seed(settings: Settings, n: int, due_ms: int) -> None:
    runtime, _ = build_runtime(settings)
    try:
        fws = Firewalls(runtime.store, At(due_ms), ProvisioningPolicy(duration_ms=0))
        for i in range(n):
            fws.create("a" * 32, NewFirewall(f"bench-{i}", "0", Edition.STANDARD, 0, 0, 0, []))
    finally:
        runtime.close()


def count_running(settings: Settings) -> int:
    if settings.database_url is None:
        import sqlite3

        with sqlite3.connect(settings.data_dir / "opencfw.sqlite3") as conn:
            return int(conn.execute("SELECT count(*) FROM jobs WHERE status = 'Running'").fetchone()[0])
    with psycopg.connect(settings.database_url.reveal()) as conn:
        return int(conn.execute("SELECT count(*) FROM jobs WHERE status = 'Running'").fetchone()[0])


def run_opencfw(settings: Settings, env: dict[str, str], workers: int, n: int) -> float:
    # the jobs become due 3 s after seeding starts: the workers are up and idle by then, so their
    # start-up is not counted
    due_ms = time.time_ns() // 1_000_000 + 3000 + n // 2
    seed(settings, n, due_ms)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "opencfw", "worker", "--no-migrate"], env=env, stdout=subprocess.DEVNULL
        )
        for _ in range(workers)
    ]
    try:
        time.sleep(max(0.0, due_ms / 1000 - time.time()))
        began = time.perf_counter()
        while count_running(settings) > 0:
            time.sleep(0.005)
        elapsed = time.perf_counter() - began
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
    return n / elapsed


def _bare_worker(url: str, owner: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        while True:
            with conn.transaction():
                row = conn.execute(BARE_CLAIM, (owner,)).fetchone()
            if row is None:
                return
            with conn.transaction():
                conn.execute("UPDATE bare_jobs SET status = 'Success', lease_owner = NULL WHERE id = %s", row)


def run_bare(url: str, workers: int, n: int) -> float:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bare_jobs")
        conn.execute(
            "CREATE TABLE bare_jobs (id TEXT PRIMARY KEY, status TEXT NOT NULL, run_after_ms BIGINT NOT NULL, "
            "lease_owner TEXT)"
        )
        conn.execute("CREATE INDEX bare_jobs_due ON bare_jobs (run_after_ms) WHERE status = 'Running'")
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO bare_jobs (id, status, run_after_ms) VALUES (%s, 'Running', %s)",
                [(str(uuid.uuid4()), i) for i in range(n)],
            )
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_bare_worker, args=(url, f"bare-{i}")) for i in range(workers)]
    began = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    return n / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=3000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("OPENCFW_TEST_DATABASE_URL", "postgresql://127.0.0.1:5432/test"),
    )
    args = parser.parse_args()
    n = args.jobs
    print(f"{n} jobs per configuration, OPENCFW_PROVISION_SECONDS=0, {os.cpu_count()} CPUs")

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "sqlite"
        settings = Settings(data_dir=data, master_key=Secret(BENCH_KEY))
        env = {**os.environ, "OPENCFW_DATA_DIR": str(data), "OPENCFW_MASTER_KEY": BENCH_KEY}
        rate = run_opencfw(settings, env, 1, n)
        print(f"  sqlite     1 worker : {rate:8.0f} jobs/s")

    for workers in (1, 2, 4):
        schema = f"opencfw_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        url = schema_url(args.database_url, schema)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                settings = Settings(
                    data_dir=Path(tmp), master_key=Secret(BENCH_KEY), database_url=Secret(url)
                )
                env = {
                    **os.environ,
                    "OPENCFW_DATA_DIR": tmp,
                    "OPENCFW_MASTER_KEY": BENCH_KEY,
                    "OPENCFW_DATABASE_URL": url,
                }
                rate = run_opencfw(settings, env, workers, n)
            bare = run_bare(url, workers, n)
            print(
                f"  postgres   {workers} worker{'s' if workers > 1 else ' '}: {rate:8.0f} jobs/s"
                f"   bare SKIP LOCKED loop {bare:8.0f} jobs/s   ratio {rate / bare:.2f}"
            )
        finally:
            with psycopg.connect(args.database_url, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()
