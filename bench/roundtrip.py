"""Startup time and the SDK create -> Success round trip, against baselines in the same run.

    .venv/bin/python bench/roundtrip.py [--rounds 5] [--jobs 50]

Figures printed:
  * startup: `opencfw serve` (fresh data directory, first-start bootstrap) until /_opencfw/health
    answers 200, beside a bare uvicorn serving a raw ASGI callable started the same way (the floor
    of any Python server here);
  * round trip: with OPENCFW_PROVISION_SECONDS=0, the official SDK's create_firewall followed by
    list_job polls until Success, beside one SDK list_job call of a finished job (the floor of any
    SDK request).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.acceptance import sdk
from tests.acceptance.server import Server, free_port

RAW_APP = """
import uvicorn
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"status":"ready"}'})
uvicorn.run(app, host="127.0.0.1", port=%d, log_level="warning", http="httptools", lifespan="off")
"""


def wait_health(url: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> float:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if proc.poll() is not None:
            raise RuntimeError("process exited")
        try:
            with urllib.request.urlopen(url, timeout=1) as reply:
                if reply.status == 200:
                    return time.monotonic() - began
        except OSError:
            time.sleep(0.005)
    raise RuntimeError("not ready")


def raw_startup() -> float:
    port = free_port()
    began = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", RAW_APP % port])
    try:
        wait_health(f"http://127.0.0.1:{port}/", proc)
        return time.monotonic() - began
    finally:
        proc.terminate()
        proc.wait()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=50)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="opencfw-bench-home-")
    os.environ["HOME"] = home

    opencfw_start, raw_start = [], []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            srv = Server(Path(tmp) / "data", provision_seconds="0")
            srv.start()
            opencfw_start.append(srv.startup_seconds)
            srv.stop()
        raw_start.append(raw_startup())
    print(f"startup to first 200 on health, {args.rounds} rounds (fresh store each time):")
    print(
        f"  opencfw serve      median {statistics.median(opencfw_start) * 1000:7.1f} ms   max {max(opencfw_start) * 1000:7.1f} ms"
    )
    print(
        f"  bare uvicorn app   median {statistics.median(raw_start) * 1000:7.1f} ms   max {max(raw_start) * 1000:7.1f} ms"
    )
    print(f"  ratio opencfw / bare: {statistics.median(opencfw_start) / statistics.median(raw_start):.2f}")

    with tempfile.TemporaryDirectory() as tmp:
        srv = Server(Path(tmp) / "data", provision_seconds="0").start()
        try:
            cfw = sdk.client(srv.url)
            trips, polls, singles = [], [], []
            first = cfw.create_firewall(sdk.create_request("warmup")).job_id
            sdk.wait_job(cfw, first, interval=0)
            for i in range(args.jobs):
                began = time.perf_counter()
                job_id = cfw.create_firewall(sdk.create_request(f"bench-{i}")).job_id
                n = 0
                while True:
                    n += 1
                    if cfw.list_job(sdk.ListJobRequest(job_id=job_id)).data.status != "Running":
                        break
                trips.append(time.perf_counter() - began)
                polls.append(n)
                began = time.perf_counter()
                cfw.list_job(sdk.ListJobRequest(job_id=job_id))
                singles.append(time.perf_counter() - began)
        finally:
            srv.stop()
    print(f"SDK create -> Success round trip, OPENCFW_PROVISION_SECONDS=0, {args.jobs} jobs:")
    print(
        f"  round trip         median {statistics.median(trips) * 1000:6.2f} ms   p90 {pct(trips, 0.9) * 1000:6.2f} ms"
        f"   ListJob polls per job: median {statistics.median(polls):.0f}, max {max(polls)}"
    )
    print(
        f"  one SDK list_job   median {statistics.median(singles) * 1000:6.2f} ms   p90 {pct(singles, 0.9) * 1000:6.2f} ms"
    )
    print(f"  ratio round trip / one call: {statistics.median(trips) / statistics.median(singles):.2f}")


if __name__ == "__main__":
    main()
