"""A bounded load and soak run: many concurrent clients create, poll, read and delete firewalls.

    .venv/bin/python bench/soak.py [--clients 200] [--seconds 60] [--provision-seconds 0.5]

One `opencfw serve` process on 127.0.0.1 (a fresh SQLite data directory, or PostgreSQL with
--database-url), driven over keep-alive HTTP/1.1 connections with an IAM token. Each client loops:
create a firewall, poll its job until it ends, read it, list, delete it, poll the deletion job.
Printed at the end: requests, errors (any answer other than the expected one, or a broken
connection), latency p50/p99 per request kind and overall, and the server's RSS and open file
descriptors at the start and at the end (a leak shows as growth between the two).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.acceptance.server import PROJECT, Server

HOST = "127.0.0.1"


def process_figures(pid: int) -> tuple[float, int]:
    """RSS in MiB and the number of open file descriptors of a process (Linux /proc)."""
    rss_kib = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss_kib = int(line.split()[1])
    return rss_kib / 1024, len(list(Path(f"/proc/{pid}/fd").iterdir()))


class Connection:
    """One keep-alive HTTP/1.1 connection; reconnects after the server closes it."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.token = token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: object = None) -> tuple[int, object]:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        assert self.reader is not None
        data = b"" if body is None else json.dumps(body).encode()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nX-Auth-Token: {self.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        )
        self.writer.write(head.encode() + data)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed by the server")
        status = int(status_line.split()[1])
        length, close = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        payload = await self.reader.readexactly(length)
        if close:
            await self.close()
        return status, json.loads(payload) if payload else None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
            self.writer = None


class Stats:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)

    async def timed(
        self, conn: Connection, kind: str, method: str, path: str, body: object = None, ok=(200,)
    ):
        began = time.perf_counter()
        try:
            status, payload = await conn.request(method, path, body)
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
            self.errors[f"{kind}: {type(exc).__name__}"] += 1
            await conn.close()
            return None
        self.latencies[kind].append(time.perf_counter() - began)
        if status not in ok:
            code = payload.get("error_code") if isinstance(payload, dict) else None
            self.errors[f"{kind}: {status} {code}"] += 1
            return None
        return payload


async def poll(conn: Connection, job_id: str, deadline: float, stats: Stats, poll_s: float) -> None:
    """Poll a job until it ends (or a little past the deadline, so that jobs are not left behind)."""
    while time.monotonic() < deadline + 30:
        got = await stats.timed(conn, "poll", "GET", f"/v3/{PROJECT}/jobs/{job_id}")
        if got is None or got["data"]["status"] != "Running":
            return
        await asyncio.sleep(poll_s)


async def client(n: int, port: int, token: str, deadline: float, stats: Stats, poll_s: float) -> None:
    conn = Connection(port, token)
    i = 0
    while time.monotonic() < deadline:
        i += 1
        created = await stats.timed(
            conn,
            "create",
            "POST",
            f"/v2/{PROJECT}/firewall",
            {
                "name": f"soak-{n}-{i}",
                "flavor": {"version": "Professional"},
                "charge_info": {"charge_mode": "postPaid", "is_auto_pay": True},
            },
        )
        if created is None:
            await asyncio.sleep(poll_s)
            continue
        fw = created["job_id"]
        await poll(conn, fw, deadline, stats, poll_s)
        read = f"/v1/{PROJECT}/firewall/exist?offset=0&limit=10&service_type=0&fw_instance_id={fw}"
        await stats.timed(conn, "read", "GET", read)
        await stats.timed(
            conn, "list", "POST", f"/v1/{PROJECT}/firewalls/list", {"limit": 10, "offset": 0, "key_word": fw}
        )
        deleted = await stats.timed(conn, "delete", "DELETE", f"/v2/{PROJECT}/firewall/{fw}")
        if deleted is not None:
            await poll(conn, deleted["data"], deadline, stats, poll_s)
    await conn.close()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


async def run(args: argparse.Namespace, srv: Server) -> Stats:
    token = srv.token()
    stats = Stats()
    deadline = time.monotonic() + args.seconds
    await asyncio.gather(
        *(client(n, srv.port, token, deadline, stats, args.poll_seconds) for n in range(args.clients))
    )
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--provision-seconds", default="0.5", help="OPENCFW_PROVISION_SECONDS of the server")
    parser.add_argument("--poll-seconds", type=float, default=0.25, help="pause between job polls")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite)")
    parser.add_argument(
        "--warmup", type=float, default=10, help="seconds of the same load before the start figures are taken"
    )
    parser.add_argument(
        "--max-rss-growth", type=float, default=0.20, help="fail above this RSS growth (0.20 = 20%%)"
    )
    parser.add_argument(
        "--max-fd-growth", type=int, default=4, help="fail when this many more descriptors stay open"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        srv = Server(Path(tmp) / "data", args.database_url, provision_seconds=args.provision_seconds).start()
        try:
            assert srv.proc is not None
            if args.warmup > 0:
                # caches and the allocator's pools fill up first: the start figures come after that
                asyncio.run(run(argparse.Namespace(**{**vars(args), "seconds": args.warmup}), srv))
                time.sleep(1)
            rss0, fds0 = process_figures(srv.proc.pid)
            began = time.monotonic()
            stats = asyncio.run(run(args, srv))
            elapsed = time.monotonic() - began
            time.sleep(1)  # the last connections close
            rss1, fds1 = process_figures(srv.proc.pid)
        finally:
            srv.stop()

    everything = [x for values in stats.latencies.values() for x in values]
    errors = sum(stats.errors.values())
    print(f"{args.clients} clients for {elapsed:.1f} s on {'PostgreSQL' if args.database_url else 'SQLite'}")
    print(f"requests {len(everything)} ({len(everything) / elapsed:.0f}/s), errors {errors}")
    print(f"{'kind':<8} {'count':>8} {'p50 ms':>9} {'p99 ms':>9}")
    for kind, values in sorted(stats.latencies.items()):
        print(f"{kind:<8} {len(values):>8} {pct(values, 0.5):>9.2f} {pct(values, 0.99):>9.2f}")
    print(f"{'all':<8} {len(everything):>8} {pct(everything, 0.5):>9.2f} {pct(everything, 0.99):>9.2f}")
    print(f"server RSS {rss0:.1f} MiB -> {rss1:.1f} MiB, open fds {fds0} -> {fds1}")
    for what, count in sorted(stats.errors.items(), key=lambda kv: -kv[1])[:10]:
        print(f"  error {what}: {count}")
    failures = []
    if errors:
        failures.append(f"{errors} errors")
    if rss1 > rss0 * (1 + args.max_rss_growth):
        failures.append(f"RSS grew {100 * (rss1 / rss0 - 1):.0f}% (limit {100 * args.max_rss_growth:.0f}%)")
    if fds1 > fds0 + args.max_fd_growth:
        failures.append(f"{fds1 - fds0} more file descriptors open at the end")
    if failures:
        print("SOAK FAILED: " + "; ".join(failures))
        sys.exit(1)
    print("soak passed: no error, RSS and descriptors within bounds")


if __name__ == "__main__":
    main()
