"""The job-status read against the Python HTTP ceiling, and with a million jobs in the store.

    .venv/bin/python bench/job_read.py [--seconds 10] [--rounds 3] [--big 1000000] [--store sqlite|postgres]

In one run, on the same server software (uvicorn + httptools) and settings, the server pinned to
CPU 0 and wrk (installed with apt-get when missing) pinned to CPU 1, 64 connections:
  (a) a raw ASGI callable answering a fixed 125-byte JSON on the job path: the ceiling;
  (b) opencfw serving GET /v3/{project_id}/jobs/{job_id} for random ids among 1,000 finished jobs,
      with X-Auth-Token, and with pre-signed AK/SK requests (one signature per path, verified by
      the server on every request; replaying a signed request within its window is allowed);
then the same reads with `--big` jobs in the store (ratio of the throughputs), the time from
`opencfw serve` start to the first 200 on health with both stores' sizes, and idle RSS.
Localhost only; bounded in time.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import msgspec
from tests.acceptance.server import AK, PROJECT, SK, Server, free_port

from opencfw.domain import signing

RAW_APP = """
import uvicorn
BODY = b'{"data":{"id":"f588ce71-e26c-400d-8981-f854355f6849","status":"Success","begin_time":"2022-01-05T08:15:01Z","end_time":"2022-01-05T08:15:15Z"}}'[:125]
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json;charset=UTF-8"), (b"content-length", str(len(BODY)).encode())]})
    await send({"type": "http.response.body", "body": BODY})
uvicorn.run(app, host="127.0.0.1", port=%d, log_level="warning", http="httptools", lifespan="off", access_log=False, server_header=False)
"""

TOKEN_LUA = """
local ids = {%s}
request = function()
  return wrk.format("GET", "/v3/%s/jobs/" .. ids[math.random(#ids)], {["X-Auth-Token"] = "%s"})
end
"""

AKSK_LUA = """
local reqs = {%s}
request = function()
  return reqs[math.random(#reqs)]
end
"""


def ensure_wrk() -> str:
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


def wrk(url: str, script: Path | None, seconds: int) -> tuple[float, float, float]:
    cmd = ["taskset", "-c", "1", ensure_wrk(), "-t1", "-c64", f"-d{seconds}s", "--latency"]
    if script is not None:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"error answers during the run:\n{out}")

    def ms(label: str) -> float:
        value = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out)
        assert value, out
        return float(value.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[value.group(2)]

    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), ms("50%"), ms("99%")


def seed_sqlite(db: Path, n: int, prefix: str) -> list[str]:
    """n finished jobs (and their firewalls), written straight into the store's tables."""
    now = int(time.time() * 1000)
    steps = msgspec.json.encode(
        [[s, 0] for s in ("validate", "allocate", "deploy-engine", "configure", "activate")]
    ).decode()
    ids = [str(uuid.uuid4()) for _ in range(n)]
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO jobs (id, project_id, kind, resource_id, status, steps, step_index, outcome, fail_at, attempts, "
            "begin_ms, end_ms, run_after_ms, lease_owner, lease_expires_ms, error_code, error_msg, updated_ms, step_started_ms) "
            "VALUES (?, ?, 'create', ?, 'Success', ?, 4, 'success', NULL, 1, ?, ?, ?, NULL, NULL, NULL, NULL, ?, ?)",
            ((i, PROJECT, i, steps, now, now + 10, now, now, now) for i in ids),
        )
        conn.executemany(
            "INSERT INTO firewalls VALUES (?, ?, ?, '0', 2, 1, 0, 0, 0, '[]', ?, ?, ?)",
            ((i, PROJECT, f"{prefix}{n_}", str(uuid.uuid4()), now, now) for n_, i in enumerate(ids)),
        )
    return ids


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_pinned(srv: Server) -> Server:
    srv.env["OPENCFW_LOG_LEVEL"] = "warning"
    original = subprocess.Popen

    def pinned(cmd, *args, **kwargs):  # type: ignore[no-untyped-def]
        return original(["taskset", "-c", "0", *cmd], *args, **kwargs)

    subprocess.Popen = pinned  # type: ignore[misc]
    try:
        return srv.start(timeout=120)
    finally:
        subprocess.Popen = original  # type: ignore[misc]


def scripts(tmp: Path, srv: Server, ids: list[str]) -> tuple[Path, Path]:
    token = srv.token()
    token_lua = tmp / "token.lua"
    token_lua.write_text(TOKEN_LUA % (", ".join(f'"{i}"' for i in ids), PROJECT, token))
    date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    reqs = []
    for job_id in ids:
        path = f"/v3/{PROJECT}/jobs/{job_id}"
        headers = {"host": f"127.0.0.1:{srv.port}", "x-sdk-date": date, "x-project-id": PROJECT}
        auth = signing.sign_headers(access_key=AK, secret_key=SK, method="GET", path=path, headers=headers)
        raw = (
            f"GET {path} HTTP/1.1\\r\\nHost: 127.0.0.1:{srv.port}\\r\\nX-Sdk-Date: {date}\\r\\n"
            f"X-Project-Id: {PROJECT}\\r\\nAuthorization: {auth}\\r\\n\\r\\n"
        )
        reqs.append(f'"{raw}"')
    aksk_lua = tmp / "aksk.lua"
    aksk_lua.write_text(AKSK_LUA % ", ".join(reqs))
    return token_lua, aksk_lua


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--big", type=int, default=1_000_000)
    args = parser.parse_args()
    os.environ["HOME"] = tempfile.mkdtemp(prefix="opencfw-bench-home-")
    tmp = Path(tempfile.mkdtemp(prefix="opencfw-bench-"))
    print(
        f"job-status read: 64 connections, {args.seconds} s x {args.rounds} rounds, server on CPU 0, wrk on CPU 1"
    )
    try:
        # (a) the ceiling
        port = free_port()
        raw = subprocess.Popen(["taskset", "-c", "0", sys.executable, "-c", RAW_APP % port])
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        # (b) opencfw with 1,000 jobs
        small = Server(tmp / "small", provision_seconds="0")
        small.data_dir.mkdir(parents=True)
        first = start_pinned(small)
        first.stop()
        ids = seed_sqlite(small.data_dir / "opencfw.sqlite3", 1000, "s")
        began = time.monotonic()
        start_pinned(small)
        small_start = time.monotonic() - began
        time.sleep(1)
        small_rss = rss_mb(small.proc.pid)
        token_lua, aksk_lua = scripts(tmp, small, ids)
        path = f"/v3/{PROJECT}/jobs/{ids[0]}"
        for r in range(args.rounds):
            ceiling = wrk(f"http://127.0.0.1:{port}{path}", None, args.seconds)
            tok = wrk(small.url, token_lua, args.seconds)
            ak = wrk(small.url, aksk_lua, args.seconds)
            print(
                f"  round {r + 1}: raw ASGI {ceiling[0]:7.0f} req/s (p50 {ceiling[1]:.2f} p99 {ceiling[2]:.2f} ms) | "
                f"token {tok[0]:7.0f} req/s (p50 {tok[1]:.2f} p99 {tok[2]:.2f} ms) ratio {tok[0] / ceiling[0]:.2f} | "
                f"AK/SK {ak[0]:7.0f} req/s (p50 {ak[1]:.2f} p99 {ak[2]:.2f} ms) ratio {ak[0] / ceiling[0]:.2f}"
            )
        small_token = tok[0]
        small.stop()
        raw.terminate()
        raw.wait()
        # the same reads with a big store
        big = Server(tmp / "big", provision_seconds="0")
        big.data_dir.mkdir(parents=True)
        start_pinned(big).stop()
        t = time.monotonic()
        big_ids = seed_sqlite(big.data_dir / "opencfw.sqlite3", args.big, "b")
        print(f"  seeded {args.big:,} jobs in {time.monotonic() - t:.0f} s")
        began = time.monotonic()
        start_pinned(big)
        big_start = time.monotonic() - began
        time.sleep(1)
        big_rss = rss_mb(big.proc.pid)
        sample = big_ids[:: max(1, len(big_ids) // 1000)][:1000]
        token_lua, _ = scripts(tmp, big, sample)
        big_token = wrk(big.url, token_lua, args.seconds)
        big.stop()
        print(
            f"  {args.big:,} jobs: token {big_token[0]:7.0f} req/s (p50 {big_token[1]:.2f} p99 {big_token[2]:.2f} ms); "
            f"ratio to 1,000 jobs {big_token[0] / small_token:.2f}"
        )
        print(
            f"  start to first 200 on health: 1,000 jobs {small_start * 1000:.0f} ms, {args.big:,} jobs {big_start * 1000:.0f} ms"
        )
        print(f"  idle RSS: 1,000 jobs {small_rss:.0f} MB, {args.big:,} jobs {big_rss:.0f} MB")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
