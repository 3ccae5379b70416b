"""Job-status reads per second on an idle store and while jobs churn, in one run.

    .venv/bin/python bench/reads_under_churn.py [--seconds 8] [--connections 32] [--store postgres|sqlite]

Starts `opencfw serve` (API; on PostgreSQL with `--no-worker` plus two `opencfw worker` processes),
creates 1,000 finished jobs, then drives `GET /v3/{project_id}/jobs/{job_id}` for random finished
job ids with wrk (installed with apt-get when missing) and a token:
  1. idle: nothing else happens;
  2. churn: 4,000 further jobs (10 s each, five steps) are being walked by the workers.
Prints requests/s, latency p50/p99 and the ratio churn / idle. Localhost only, bounded in time.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from tests.acceptance.server import MASTER_KEY, PROJECT, Server, Worker

from opencfw.config import Secret, Settings
from opencfw.domain.clock import Clock
from opencfw.domain.models import Edition
from opencfw.runtime import build_runtime
from opencfw.service.firewalls import Firewalls, NewFirewall
from opencfw.service.jobs import ProvisioningPolicy

LUA = """
local ids = {%s}
request = function()
  local id = ids[math.random(#ids)]
  return wrk.format("GET", "/v3/%s/jobs/" .. id, {["X-Auth-Token"] = "%s"})
end
"""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


def seed(settings: Settings, n: int, duration_ms: int, prefix: str) -> list[str]:
    runtime, _ = build_runtime(settings)
    try:
        fws = Firewalls(runtime.store, Clock(), ProvisioningPolicy(duration_ms=duration_ms))
        return [
            fws.create(PROJECT, NewFirewall(f"{prefix}-{i}", "0", Edition.STANDARD, 0, 0, 0, []))
            for i in range(n)
        ]
    finally:
        runtime.close()


def wrk(url: str, script: Path, seconds: int, connections: int) -> tuple[float, str, str]:
    out = subprocess.run(
        [ensure_wrk(), "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+(\S+)", out).group(1)
    p99 = re.search(r"99%\s+(\S+)", out).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"wrk saw {errors.group(1)} error answers:\n{out}")
    return rate, p50, p99


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--store", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("OPENCFW_TEST_DATABASE_URL", "postgresql://127.0.0.1:5432/test"),
    )
    args = parser.parse_args()
    os.environ["HOME"] = tempfile.mkdtemp(prefix="opencfw-bench-home-")
    schema = f"opencfw_bench_{uuid.uuid4().hex[:8]}"
    url = None
    if args.store == "postgres":
        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        sep = "&" if "?" in args.database_url else "?"
        url = f"{args.database_url}{sep}options=-csearch_path%3D{schema}"
    tmp = Path(tempfile.mkdtemp(prefix="opencfw-bench-"))
    data = tmp / "data"
    procs: list[Server | Worker] = []
    try:
        common = {"provision_seconds": "0", "log_level": "warning"}
        srv = Server(data, url, run_worker="false" if url else "true", **common).start()
        procs.append(srv)
        if url:
            procs += [Worker(data, url, log_level="warning").start() for _ in range(2)]
        settings = Settings(
            data_dir=data,
            master_key=Secret(MASTER_KEY),
            database_url=Secret(url) if url else None,
            project_id=PROJECT,
        )
        finished = seed(settings, 1000, 0, "done")
        time.sleep(2)  # let the engine finish them
        token = srv.token()
        script = tmp / "reads.lua"
        script.write_text(LUA % (", ".join(f'"{i}"' for i in finished), PROJECT, token))
        idle = wrk(srv.url, script, args.seconds, args.connections)
        seed(settings, 4000, 10_000, "churn")
        churn = wrk(srv.url, script, args.seconds, args.connections)
        print(
            f"job-status reads ({args.store}, {args.connections} connections, {args.seconds} s, wrk, token auth):"
        )
        print(f"  idle store        {idle[0]:8.0f} req/s   p50 {idle[1]:>8}   p99 {idle[2]:>8}")
        print(f"  while jobs churn  {churn[0]:8.0f} req/s   p50 {churn[1]:>8}   p99 {churn[2]:>8}")
        print(f"  ratio churn / idle: {churn[0] / idle[0]:.2f}")
    finally:
        for proc in reversed(procs):
            proc.stop()
        if url:
            with psycopg.connect(args.database_url, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
