"""CPU time per job read in-process: the application's own cost, which machine load does not bend.

    .venv/bin/python bench/job_read_cpu.py [--big 1000000] [--requests 20000] [--rounds 3]
                                           [--modes cached,running,random] [--auth token,aksk]
                                           [--profile MODE-AUTH]

The modes of ``bench/job_read.py`` on SQLite (the same seeded store: ``--big`` finished jobs plus
1,000 finished and 1,000 running ones), the ``App`` called directly with the ASGI messages uvicorn
would give it (no sockets, no HTTP parsing), one request after another. Before the rounds of the
random mode, ``--fill`` random reads bring the answer cache to its steady state (full, evicting),
as a long wrk run does. The event loop turns every 48 requests, as in the server under wrk's 64
connections. Reports the CPU time (``time.process_time``) per request of each round.
``--profile random-token`` (any ``mode-auth``) prints the cProfile of one round instead.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from job_read import big_id, seed
from tests.acceptance.server import AK, PASSWORD, PROJECT, SK

from opencfw.api.app import App
from opencfw.config import Secret, Settings
from opencfw.domain import signing
from opencfw.runtime import build_runtime

Headers = list[tuple[bytes, bytes]]
#: requests answered per turn of the event loop: the server answered 48 job reads a turn under
#: bench/job_read.py's 64 connections (counted while the random mode ran)
TURN = 48


def settings(data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        project_id=PROJECT,
        password=Secret(PASSWORD),
        access_key=AK,
        secret_key=Secret(SK),
        provision_seconds=0,
        run_worker=False,
        log_level="warning",
    )


async def call(
    app: App, path: str, headers: Headers, body: bytes = b"", method: str = "GET"
) -> tuple[int, dict[bytes, bytes], bytes]:
    """One request as uvicorn hands it to the app: status, headers and body of the answer."""
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 9449),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], dict(sent[0]["headers"]), sent[1]["body"]


async def token_of(app: App) -> bytes:
    body = (
        b'{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","password":"'
        + PASSWORD.encode()
        + b'","domain":{"name":"opencfw"}}}},"scope":{"project":{"id":"'
        + PROJECT.encode()
        + b'"}}}}'
    )
    status, headers, answer = await call(
        app, "/v3/auth/tokens", [(b"content-type", b"application/json")], body, "POST"
    )
    assert status == 201, answer
    return headers[b"x-subject-token"]


def token_request(token: bytes) -> Callable[[str], tuple[str, Headers]]:
    def make(job_id: str) -> tuple[str, Headers]:
        path = f"/v3/{PROJECT}/jobs/{job_id}"
        return path, [(b"host", b"127.0.0.1:9449"), (b"x-auth-token", token)]

    return make


def signed_request(job_id: str) -> tuple[str, Headers]:
    """As the SDK sends it (and as wrk replays it in bench/job_read.py): signed once, ahead."""
    path = f"/v3/{PROJECT}/jobs/{job_id}"
    date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    headers = {"host": "127.0.0.1:9449", "x-sdk-date": date, "x-project-id": PROJECT}
    auth = signing.sign_headers(access_key=AK, secret_key=SK, method="GET", path=path, headers=headers)
    return path, [*((k.encode(), v.encode()) for k, v in headers.items()), (b"authorization", auth.encode())]


async def run(app: App, requests: list[tuple[str, Headers]], turn: int = TURN) -> float:
    """CPU microseconds per request; every answer must be a 200. The event loop turns once every
    ``turn`` requests, as it does under load."""
    began = time.process_time()
    for i, (path, headers) in enumerate(requests):
        status, _, body = await call(app, path, headers)
        if status != 200:
            raise SystemExit(f"{path}: {status} {body!r}")
        if i % turn == 0:
            await asyncio.sleep(0)
    return (time.process_time() - began) / len(requests) * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fill", type=int, default=250_000, help="random reads before the random rounds")
    parser.add_argument("--sample", type=int, default=20_000, help="pre-signed AK/SK ids of the random mode")
    parser.add_argument("--modes", default="cached,running,random")
    parser.add_argument("--auth", default="token,aksk")
    parser.add_argument("--profile", default=None, help="mode-auth to profile, e.g. random-token")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="reuse a store seeded by an earlier run (kept; within the hour: the running jobs' "
        "steps end an hour after seeding, and their reads go to the store after that)",
    )
    args = parser.parse_args()

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="opencfw-cpu-bench-"))
    store_file = data_dir / "opencfw.sqlite3"
    fresh = not store_file.exists()
    runtime, _ = build_runtime(settings(data_dir))
    if fresh:
        runtime.store.close()
        t = time.monotonic()
        seed("sqlite", str(store_file), args.big)
        print(f"seeded {args.big + 2000:,} jobs in {time.monotonic() - t:.0f} s", flush=True)
        runtime, _ = build_runtime(settings(data_dir))
    finished = [str(random.Random(f"f{i}").getrandbits(128).to_bytes(16).hex()) for i in range(1000)]
    running = [str(random.Random(f"r{i}").getrandbits(128).to_bytes(16).hex()) for i in range(1000)]
    runtime.attach(asyncio.get_running_loop())
    app = App(runtime)
    by_token = token_request(await token_of(app))
    sample = [big_id(random.randint(1, args.big)) for _ in range(args.sample)]
    print(
        f"CPU per job read, in-process, SQLite, {args.big + 2000:,} jobs, {args.requests:,} requests a round",
        flush=True,
    )

    def draw(mode: str, auth: str, n: int) -> list[tuple[str, Headers]]:
        if auth == "token":
            ids = {"cached": finished, "running": running}.get(mode)
            if ids is None:
                return [by_token(big_id(random.randint(1, args.big))) for _ in range(n)]
            return [by_token(random.choice(ids)) for _ in range(n)]
        ids = {"cached": finished, "running": running, "random": sample}[mode]
        signed = [signed_request(i) for i in ids]
        return [random.choice(signed) for _ in range(n)]

    for mode in args.modes.split(","):
        for auth in args.auth.split(","):
            if mode == "random":
                if args.fill:
                    await run(app, draw(mode, "token", args.fill))
            else:
                await run(app, draw(mode, auth, 2000))  # the answers kept, as after wrk's first second
            label = f"{mode}, {'token' if auth == 'token' else 'AK/SK'}"
            if args.profile == f"{mode}-{auth}":
                requests = draw(mode, auth, args.requests)
                profile = cProfile.Profile()
                profile.enable()
                await run(app, requests)
                profile.disable()
                print(label)
                pstats.Stats(profile).sort_stats("tottime").print_stats(30)
                continue
            rounds = [await run(app, draw(mode, auth, args.requests)) for _ in range(args.rounds)]
            print(f"  {label:<16} " + "  ".join(f"{us:6.1f}" for us in rounds) + "  us/request", flush=True)
    runtime.close()


if __name__ == "__main__":
    asyncio.run(main())
