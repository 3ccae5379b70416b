"""The options for ListJob's read on PostgreSQL, measured in one process: reads per second and the
reading process's CPU per read, 64 concurrent readers on one event loop, random ids among ``--jobs``.

    source .ci/postgres; .venv/bin/python bench/pg_job_read.py [--jobs 100000] [--reads 20000]

  pool      the store's own read (``get_job``: every column, a pooled connection checked before
            use) on the default thread pool: what ListJob did before
  async-1   one asynchronous connection on the loop, one statement per read, not prepared
  async-p   the same, prepared
  pipeline  one asynchronous connection in pipeline mode: each read a prepared statement of its
            own, sent without waiting for the previous answers
  batch     the reads waiting at one moment gathered into one prepared ``id = ANY(...)``, at most
            two in flight (store/job_reads.py: what ListJob does now)

Uses a throw-away schema; the server process is this one (pin it with taskset to compare).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg
from job_read import PROJECT, big_id, seed
from tests import pg

from opencfw.store.job_reads import COLUMNS, PgJobRows
from opencfw.store.postgres import PostgresStore

ONE = f"SELECT {COLUMNS} FROM jobs WHERE id = %s"


async def drive(
    read: Callable[[str], Awaitable[Any]], ids: list[str], concurrency: int = 64
) -> tuple[float, float]:
    """(reads per second, CPU µs per read) of ``read`` over ``ids``, ``concurrency`` at a time."""
    queue = iter(ids)

    async def reader() -> None:
        for job_id in queue:
            row = await read(job_id)
            assert row is not None, job_id

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(reader() for _ in range(concurrency)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return len(ids) / wall, cpu / len(ids) * 1e6


async def options(url: str, ids: list[str]) -> dict[str, tuple[float, float]]:
    results = {}
    store = PostgresStore(url)
    loop = asyncio.get_running_loop()
    results["pool"] = await drive(lambda i: loop.run_in_executor(None, store.get_job, PROJECT, i), ids)
    store.close()

    for label, prepare in (("async-1", False), ("async-p", True)):
        conn = await psycopg.AsyncConnection.connect(url, autocommit=True)

        async def one(job_id: str, conn: Any = conn, prepare: bool = prepare) -> Any:
            cur = await conn.execute(ONE, (job_id,), prepare=prepare)
            return await cur.fetchone()

        results[label] = await drive(one, ids)
        await conn.close()

    conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
    async with conn.pipeline():

        async def piped(job_id: str) -> Any:
            cur = conn.cursor()
            await cur.execute(ONE, (job_id,), prepare=True)
            return await cur.fetchone()

        results["pipeline"] = await drive(piped, ids)
    await conn.close()

    rows = PgJobRows(url)
    results["batch"] = await drive(rows.row, ids)
    rows.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--reads", type=int, default=20_000)
    args = parser.parse_args()
    with pg.fresh_schema() as url:
        store = PostgresStore(url)
        store.migrate()
        store.close()
        seed("postgres", url, args.jobs)
        ids = [big_id(random.randint(1, args.jobs)) for _ in range(args.reads)]
        for label, (rate, cpu) in asyncio.run(options(url, ids)).items():
            print(f"{label:9} {rate:8.0f} reads/s  {cpu:6.1f} µs CPU per read (this process)")


if __name__ == "__main__":
    main()
