"""The job-status read in the modes clients really use, on both stores, against the raw ASGI ceiling.

    .venv/bin/python bench/job_read.py [--seconds 8] [--big 1000000] [--stores sqlite,postgres]
                                       [--modes cached,running,random] [--auth token,aksk]

In one run, on the same server software (uvicorn + httptools) and settings, the server pinned to
CPU 0 and wrk (installed with apt-get when missing) pinned to CPU 1, 64 connections:

  raw      a raw ASGI callable answering a fixed 125-byte JSON on the job path: the ceiling,
           measured before and after each store's runs (the ratios use the mean of the two);
  cached   GET /v3/{project_id}/jobs/{job_id}, random ids among 1,000 finished jobs;
  running  random ids among 1,000 running jobs (their current step lasts an hour);
  random   random ids among the whole store (``--big`` finished jobs plus the 2,000 above): with a
           token, any of the ``--big`` ids (wrk draws it); with AK/SK, a pre-signed sample of
           ``--sample`` of them (wrk cannot compute an HMAC; the sample fits the answer cache).

Each with ``X-Auth-Token`` and with pre-signed AK/SK requests (verified by the server on every
request). Besides requests per second, each run reports the server process's CPU time (user and
system, from ``/proc``) per request answered, and the ratios give raw ASGI's CPU per request over
the mode's ("CPU ratio"): on a machine that other work loads, throughput ratios swing with that
work, the CPU a request costs far less. PostgreSQL (``--stores postgres``) needs OPENCFW_TEST_DATABASE_URL (``source .ci/postgres``)
and uses a throw-away schema. Any non-2xx answer or socket error is counted and printed. Localhost
only; bounded in time.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import msgspec
from tests.acceptance.server import AK, PROJECT, SK, Server, free_port

from opencfw.domain import signing
from opencfw.store.columns import JOB_COLUMNS

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

#: any of the big store's ids, drawn by wrk: they are numbered (see big_id)
TOKEN_RANDOM_LUA = """
request = function()
  local id = string.format("00000000-0000-4000-8000-%%012d", math.random(%d))
  return wrk.format("GET", "/v3/%s/jobs/" .. id, {["X-Auth-Token"] = "%s"})
end
"""

AKSK_LUA = """
local reqs = {%s}
request = function()
  return reqs[math.random(#reqs)]
end
"""

STEPS = ("validate", "allocate", "deploy-engine", "configure", "activate")


def big_id(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012d}"


def ensure_wrk() -> str:
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


Figure = tuple[float, float, float, int, float]  # req/s, p50 ms, p99 ms, errors, server CPU us/request


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url: str, script: Path | None, seconds: int, server_pid: int) -> Figure:
    cmd = ["taskset", "-c", "1", ensure_wrk(), "-t1", "-c64", f"-d{seconds}s", "--latency"]
    if script is not None:
        cmd += ["-s", str(script)]
    cpu_before = cpu_seconds(server_pid)
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    cpu = cpu_seconds(server_pid) - cpu_before
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non2xx:
        errors += int(non2xx.group(1))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock:
        errors += sum(int(g) for g in sock.groups())
    if errors:
        print(f"    ERRORS during the run:\n{out}")

    def ms(label: str) -> float:
        value = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out)
        assert value, out
        return float(value.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[value.group(2)]

    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    assert rate and total, out
    return float(rate.group(1)), ms("50%"), ms("99%"), errors, cpu / int(total.group(1)) * 1e6


def job_rows(n: int, running: bool, ids: Iterator[str]) -> Iterator[tuple[Any, ...]]:
    """Rows in JOB_COLUMNS order: finished jobs, or running ones whose current step lasts an hour."""
    now = int(time.time() * 1000)
    hour = 3_600_000
    steps = msgspec.json.encode([[s, hour if running else 0] for s in STEPS]).decode()
    for _ in range(n):
        i = next(ids)
        if running:
            yield (i, PROJECT, "create", i, "Running", steps, 1, "success", None, 1,
                   now, None, now + hour, None, None, None, None, now, now)  # fmt: skip
        else:
            yield (i, PROJECT, "create", i, "Success", steps, 4, "success", None, 1,
                   now, now + 10, now, None, None, None, None, now, now)  # fmt: skip


def seed(kind: str, target: str, big: int) -> tuple[list[str], list[str]]:
    """1,000 finished and 1,000 running jobs with random ids, and ``big`` finished numbered ones."""
    finished = [str(random.Random(f"f{i}").getrandbits(128).to_bytes(16).hex()) for i in range(1000)]
    running = [str(random.Random(f"r{i}").getrandbits(128).to_bytes(16).hex()) for i in range(1000)]
    numbered = (big_id(i) for i in range(1, big + 1))
    marks = ", ".join(["?"] * 19)
    sql = f"INSERT INTO jobs ({JOB_COLUMNS}) VALUES ({marks})"
    if kind == "sqlite":
        with sqlite3.connect(target) as conn:
            conn.executemany(sql, job_rows(1000, False, iter(finished)))
            conn.executemany(sql, job_rows(1000, True, iter(running)))
            conn.executemany(sql, job_rows(big, False, numbered))
    else:
        import psycopg

        with psycopg.connect(target) as pconn, pconn.cursor() as cur:
            with cur.copy(f"COPY jobs ({JOB_COLUMNS}) FROM STDIN") as copy:
                for rows in (
                    job_rows(1000, False, iter(finished)),
                    job_rows(1000, True, iter(running)),
                    job_rows(big, False, numbered),
                ):
                    for row in rows:
                        copy.write_row(row)
            cur.execute("ANALYZE jobs")
    return finished, running


def start_pinned(srv: Server) -> Server:
    srv.env["OPENCFW_LOG_LEVEL"] = "warning"
    original = subprocess.Popen

    def pinned(cmd, *args, **kwargs):  # type: ignore[no-untyped-def]
        return original(["taskset", "-c", "0", *cmd], *args, **kwargs)

    subprocess.Popen = pinned  # type: ignore[misc,assignment]
    try:
        return srv.start(timeout=120)
    finally:
        subprocess.Popen = original  # type: ignore[misc]


def token_script(tmp: Path, name: str, token: str, ids: list[str] | None, big: int) -> Path:
    path = tmp / f"{name}.lua"
    if ids is None:
        path.write_text(TOKEN_RANDOM_LUA % (big, PROJECT, token))
    else:
        path.write_text(TOKEN_LUA % (", ".join(f'"{i}"' for i in ids), PROJECT, token))
    return path


def aksk_script(tmp: Path, name: str, port: int, ids: list[str]) -> Path:
    date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    reqs = []
    for job_id in ids:
        path = f"/v3/{PROJECT}/jobs/{job_id}"
        headers = {"host": f"127.0.0.1:{port}", "x-sdk-date": date, "x-project-id": PROJECT}
        auth = signing.sign_headers(access_key=AK, secret_key=SK, method="GET", path=path, headers=headers)
        raw = (
            f"GET {path} HTTP/1.1\\r\\nHost: 127.0.0.1:{port}\\r\\nX-Sdk-Date: {date}\\r\\n"
            f"X-Project-Id: {PROJECT}\\r\\nAuthorization: {auth}\\r\\n\\r\\n"
        )
        reqs.append(f'"{raw}"')
    out = tmp / f"{name}.lua"
    out.write_text(AKSK_LUA % ", ".join(reqs))
    return out


@contextlib.contextmanager
def raw_server() -> Iterator[tuple[str, int]]:
    port = free_port()
    raw = subprocess.Popen(["taskset", "-c", "0", sys.executable, "-c", RAW_APP % port])
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/v3/{PROJECT}/jobs/{big_id(1)}", raw.pid
    finally:
        raw.terminate()
        raw.wait()


@contextlib.contextmanager
def database(kind: str, tmp: Path) -> Iterator[str | None]:
    if kind == "sqlite":
        yield None
        return
    from tests import pg

    with pg.fresh_schema() as url:
        yield url


def show(label: str, fig: Figure, ceiling: Figure | None) -> None:
    ratios = f"  ratio {fig[0] / ceiling[0]:.2f}  CPU ratio {ceiling[4] / fig[4]:.2f}" if ceiling else ""
    print(
        f"  {label:<28} {fig[0]:8.0f} req/s  p50 {fig[1]:6.2f}  p99 {fig[2]:6.2f} ms  errors {fig[3]}"
        f"  CPU {fig[4]:5.1f} us/req{ratios}",
        flush=True,
    )


def run_store(kind: str, args: argparse.Namespace, tmp: Path) -> None:
    with database(kind, tmp) as url, raw_server() as (raw_url, raw_pid):
        srv = Server(tmp / kind, url, provision_seconds="0")
        srv.data_dir.mkdir(parents=True)
        start_pinned(srv).stop()
        t = time.monotonic()
        target = url if url is not None else str(srv.data_dir / "opencfw.sqlite3")
        finished, running = seed(kind, target, args.big)
        print(f"{kind}: seeded {args.big + 2000:,} jobs in {time.monotonic() - t:.0f} s", flush=True)
        start_pinned(srv)
        try:
            assert srv.proc is not None
            server_pid = srv.proc.pid  # taskset runs the server in its own process
            before = wrk(raw_url, None, args.seconds, raw_pid)
            show("raw ASGI (before)", before, None)
            token = srv.token()
            sample = [big_id(random.randint(1, args.big)) for _ in range(args.sample)]
            sets = {"cached": finished, "running": running, "random": None}
            results: list[tuple[str, Figure]] = []
            for mode in args.modes:
                for auth in args.auth:
                    if auth == "token":
                        script = token_script(tmp, f"{mode}-token", token, sets[mode], args.big)
                    else:
                        ids = sets[mode] if sets[mode] is not None else sample
                        script = aksk_script(tmp, f"{mode}-aksk", srv.port, ids or [])
                    label = f"{mode}, {'token' if auth == 'token' else 'AK/SK'}"
                    if mode == "random" and auth == "aksk":
                        label += f" ({args.sample:,})"
                    results.append((label, wrk(srv.url, script, args.seconds, server_pid)))
                    show(label, results[-1][1], None)
            after = wrk(raw_url, None, args.seconds, raw_pid)
            show("raw ASGI (after)", after, None)
            ceiling: Figure = (
                (before[0] + after[0]) / 2,
                0.0,
                0.0,
                0,
                (before[4] + after[4]) / 2,
            )
            print(
                f"{kind}: against the raw ASGI ceiling {ceiling[0]:.0f} req/s, {ceiling[4]:.1f} us of "
                "server CPU a request (means of before and after)"
            )
            for label, fig in results:
                show(label, fig, ceiling)
        finally:
            srv.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000, help="pre-signed AK/SK ids of the random mode")
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--modes", default="cached,running,random")
    parser.add_argument("--auth", default="token,aksk")
    args = parser.parse_args()
    args.modes = args.modes.split(",")
    args.auth = args.auth.split(",")
    os.environ["HOME"] = tempfile.mkdtemp(prefix="opencfw-bench-home-")
    tmp = Path(tempfile.mkdtemp(prefix="opencfw-bench-"))
    print(f"job-status read: 64 connections, {args.seconds} s a run, server on CPU 0, wrk on CPU 1")
    try:
        for kind in args.stores.split(","):
            run_store(kind, args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
