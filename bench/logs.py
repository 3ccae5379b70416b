"""Log reads over 100,000 flows: paging and the top/trend statistics, on each store (p50/p99).

    .venv/bin/python bench/logs.py [--flows 100000] [--rounds 50] [--store sqlite|postgres|both]

In process, through the whole HTTP stack (authentication, routing, handler, store) with the
ASGI test client: a firewall, then ``--flows`` flows recorded by ``Logs.record_flows`` spread over
the last day (nine in ten permitted, so ~2 records a flow: access-control and flow), and each read
repeated ``--rounds`` times. PostgreSQL needs OPENCFW_TEST_DATABASE_URL (``source .ci/postgres``);
the schema is made for the run and dropped after it. Bounded by the rounds; no network.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import pg
from tests.asgi import AsgiClient
from tests.unit.test_api import AK, SK, START_MS, P, token_for

from opencfw.api.app import App
from opencfw.config import Secret, Settings
from opencfw.domain.clock import ManualClock
from opencfw.domain.logs import Flow
from opencfw.runtime import build_runtime

DAY_MS = 86_400_000


@contextlib.contextmanager
def world(store: str) -> Iterator[tuple[object, AsgiClient, str]]:
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(pg.fresh_schema()) if store == "postgres" else None
        data = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        settings = Settings(
            data_dir=data,
            database_url=Secret(url) if url else None,
            project_id=P,
            access_key=AK,
            secret_key=Secret(SK),
            password=Secret("pw"),
            provision_seconds=0,
        )
        runtime, _ = build_runtime(settings, ManualClock(START_MS))
        stack.callback(runtime.close)
        client = AsgiClient(App(runtime))
        token = token_for(client, P)
        reply = client.request(
            "POST",
            f"/v2/{P}/firewall",
            headers={"x-auth-token": token},
            json_body={
                "name": "bench",
                "flavor": {"version": "Professional"},
                "charge_info": {"charge_mode": "postPaid"},
            },
        )
        fw = reply.json["job_id"]
        while runtime.worker.run_once():
            pass
        client.token = token  # type: ignore[attr-defined]
        yield runtime, client, fw


def record(runtime, fw: str, count: int) -> float:
    began = time.perf_counter()
    batch = 10_000
    for first in range(0, count, batch):
        flows = [
            Flow(
                fw_instance_id=fw,
                src_ip=f"10.{i % 7}.{i // 256 % 256}.{i % 256}",
                src_port=1024 + i % 60000,
                dst_ip=f"192.168.{i % 3}.{i % 50}",
                dst_port=(443, 80, 22, 3306, 53)[i % 5],
                protocol=6 if i % 5 != 4 else 17,
                direction="out2in" if i % 2 else "in2out",
                action="deny" if i % 10 == 0 else "permit",
                rule_id=f"rule-{i % 20}",
                rule_name=f"rule {i % 20}",
                bytes=100 + i % 5000,
                packets=1 + i % 40,
                start_ms=START_MS - DAY_MS + (i * DAY_MS) // count,
            )
            for i in range(first, min(count, first + batch))
        ]
        runtime.logs.record_flows(P, flows)
    return time.perf_counter() - began


def measure(client: AsgiClient, path: str, rounds: int) -> tuple[float, float]:
    times = []
    headers = {"x-auth-token": client.token}  # type: ignore[attr-defined]
    for _ in range(rounds):
        began = time.perf_counter()
        reply = client.request("GET", path, headers=headers)
        times.append((time.perf_counter() - began) * 1000)
        assert reply.status == 200, reply.body
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(len(times) * 0.99) - 1)]


def run(store: str, flows: int, rounds: int) -> None:
    with world(store) as (runtime, client, fw):
        seconds = record(runtime, fw, flows)
        span = f"fw_instance_id={fw}&start_time={START_MS - DAY_MS}&end_time={START_MS}"
        day = f"fw_instance_id={fw}&range=1"
        L = f"/v1/{P}/cfw/logs"
        total = client.request("GET", f"{L}/flow?{span}&limit=1", headers={"x-auth-token": client.token}).json
        acl = client.request(
            "GET", f"{L}/access-control?{span}&limit=1", headers={"x-auth-token": client.token}
        ).json
        print(
            f"{store}: {flows:,} flows recorded in {seconds:.1f} s ({flows / seconds:,.0f}/s): "
            f"{acl['data']['total']:,} access-control and {total['data']['total']:,} flow records"
        )
        reads = [
            ("flow logs, first page of 100", f"{L}/flow?{span}&limit=100"),
            ("flow logs, page of 100 at offset 50,000", f"{L}/flow?{span}&limit=100&offset=50000"),
            (
                "access-control logs, filtered (rule, deny)",
                f"{L}/access-control?{span}&limit=100&rule_id=rule-0&action=deny",
            ),
            ("flow top (src_ip by bytes, 10)", f"{L}/flow-top?{day}&item=src_ip&order=byte&size=10"),
            ("access top (every list and the trend)", f"{L}/access-top?{day}"),
            ("flow trend (hourly, a day)", f"{L}/flow-trend?{day}"),
            ("traffic trend, max (minute peaks, a day)", f"{L}/traffic-trend?{day}&agg_type=max"),
        ]
        for label, path in reads:
            p50, p99 = measure(client, path, rounds)
            print(f"  {label:45s} p50 {p50:8.2f} ms   p99 {p99:8.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--flows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    for store in ("sqlite", "postgres") if args.store == "both" else (args.store,):
        run(store, args.flows, args.rounds)


if __name__ == "__main__":
    main()
