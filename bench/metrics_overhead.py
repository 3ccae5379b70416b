"""What metrics (and JSON request logs) cost per request on the hot path, in one process.

    .venv/bin/python bench/metrics_overhead.py [--requests 20000] [--rounds 5]

Drives the ASGI app in-process (no sockets, so only the application's own time is measured) with
GET /v3/{project_id}/jobs/{job_id} and a token, over 1,000 finished jobs, three ways in the same
process and interleaved rounds: metrics off (OPENCFW_METRICS=false), metrics on (the default), and
metrics on with a JSON line per request (written to /dev/null). Reports the median per-request time
of each and the difference.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from opencfw.api.app import App
from opencfw.config import Secret, Settings
from opencfw.observability import logs
from opencfw.runtime import build_runtime

PROJECT = "0123456789abcdef0123456789abcdef"
CREATE = (
    b'{"name":"fw-%d","flavor":{"version":"Professional"},'
    b'"charge_info":{"charge_mode":"postPaid","is_auto_pay":true}}'
)


async def call(app, method: str, path: str, headers: list, body: bytes = b"") -> tuple[int, dict, bytes]:
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
    }
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], dict(sent[0]["headers"]), sent[1]["body"] if len(sent) > 1 else b""


async def setup(data_dir: Path, **settings) -> tuple[App, list, list[str]]:
    runtime, _ = build_runtime(
        Settings(
            data_dir=data_dir,
            project_id=PROJECT,
            password=Secret("pw"),
            provision_seconds=0,
            run_worker=False,
            **settings,
        )
    )
    app = App(runtime)
    body = (
        b'{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","password":"pw",'
        b'"domain":{"name":"opencfw"}}}},"scope":{"project":{"id":"' + PROJECT.encode() + b'"}}}}'
    )
    status, headers, _ = await call(
        app, "POST", "/v3/auth/tokens", [(b"content-type", b"application/json")], body
    )
    assert status == 201
    token = [(b"x-auth-token", headers[b"x-subject-token"])]
    return app, token, runtime


async def make_jobs(app, token, count: int) -> list[str]:
    ids = []
    for i in range(count):
        status, _, body = await call(
            app,
            "POST",
            f"/v2/{PROJECT}/firewall",
            [*token, (b"content-type", b"application/json")],
            CREATE % i,
        )
        assert status == 200, body
        ids.append(body.split(b'"job_id":"')[1].split(b'"')[0].decode())
    return ids


async def run(app, token, ids: list[str], n: int) -> float:
    paths = [f"/v3/{PROJECT}/jobs/{ids[i % len(ids)]}" for i in range(n)]
    began = time.perf_counter()
    for path in paths:
        await call(app, "GET", path, token)
    return (time.perf_counter() - began) / n * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    logs.configure("info", "json")
    logging.getLogger().handlers[0].stream = open("/dev/null", "w")  # noqa: SIM115
    with tempfile.TemporaryDirectory() as tmp:
        # one store, three apps over it: only the observer differs
        variants = {}
        for name, settings in (
            ("metrics off", {"metrics": False}),
            ("metrics on", {}),
            ("metrics + JSON request log", {"log_format": "json"}),
        ):
            app, token, runtime = await setup(Path(tmp), **settings)
            variants[name] = (app, token, runtime)
        app, token, runtime = variants["metrics off"]
        ids = await make_jobs(app, token, 1000)
        runtime.worker.run_once()
        while runtime.worker.run_once():
            pass
        for app, token, _ in variants.values():
            await run(app, token, ids, 2000)  # warm up
        results: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(args.rounds):
            for name, (app, token, _) in variants.items():
                results[name].append(await run(app, token, ids, args.requests))
        base = statistics.median(results["metrics off"])
        print(
            f"GET /v3/{{project_id}}/jobs/{{job_id}} with a token, in-process, {args.rounds} rounds of {args.requests}"
        )
        for name, values in results.items():
            median = statistics.median(values)
            print(
                f"  {name:<28} {median:7.2f} us/request   (+{median - base:5.2f} us, {median / base:5.3f}x)"
            )


if __name__ == "__main__":
    asyncio.run(main())
