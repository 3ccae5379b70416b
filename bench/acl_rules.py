"""ACL rules at the 20,000-rule limit, in-process over the ASGI app (no network), on each store.

    .venv/bin/python bench/acl_rules.py [--rules 20000] [--store sqlite|postgres|both]

Fills one protected object with ``--rules`` rules (20 per AddAclRule call, random addresses,
services and actions), then measures:
  - list pages: GET /acl-rules with limit 100 at 200 random offsets (p50, p99);
  - a move to the top: PUT /acl-rule/order/{id} {"top": 1} of 50 random rules (p50, p99);
  - evaluation: the compiled policy's verdict on 2,000 random flows (p50, p99, max), the first
    evaluation after a change (the compilation), and POST .../evaluate over HTTP (p50, p99).
PostgreSQL needs OPENCFW_TEST_DATABASE_URL (a fresh schema is made and dropped). Bounded in time.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import pg
from tests.asgi import AsgiClient
from tests.unit.test_api import AK, SK, START_MS, P, call, token_for
from tests.unit.test_api_protection import running

from opencfw.api.app import App
from opencfw.config import Secret, Settings
from opencfw.domain import policy
from opencfw.domain.clock import ManualClock
from opencfw.runtime import build_runtime


def _ip(rng: random.Random) -> str:
    return f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}"


def _rule(rng: random.Random, i: int) -> dict:
    def side() -> dict:
        if rng.random() < 0.2:
            return {"type": 0, "address": "0.0.0.0/0"}
        return {
            "type": 5,
            "address_type": 0,
            "ip_address": [f"{_ip(rng)}/{rng.choice([16, 24, 32])}" for _ in range(rng.randint(1, 3))],
        }

    port = rng.randint(1, 65000)
    service = (
        {"type": 0, "protocol": -1, "source_port": "1-65535", "dest_port": "1-65535"}
        if rng.random() < 0.1
        else {
            "type": 0,
            "protocol": rng.choice([6, 17]),
            "source_port": "1-65535",
            "dest_port": f"{port}-{port + rng.randint(0, 100)}",
        }
    )
    return {
        "name": f"rule-{i}",
        "sequence": {"bottom": 1},
        "address_type": 0,
        "action_type": rng.randint(0, 1),
        "status": 1,
        "long_connect_enable": 0,
        "direction": rng.randint(0, 1),
        "source": side(),
        "destination": side(),
        "service": service,
    }


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(store: str, count: int) -> dict[str, float]:
    rng = random.Random(18)
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(pg.fresh_schema()) if store == "postgres" else None
        data = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "data"
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
        client.token = token_for(client, P)  # type: ignore[attr-defined]
        fw, obj = running(runtime, client)
        started = time.perf_counter()
        for first in range(0, count, 20):
            rules = [_rule(rng, i) for i in range(first, min(count, first + 20))]
            reply = call(client, "POST", f"/v1/{P}/acl-rule", {"object_id": obj, "type": 0, "rules": rules})
            assert reply.status == 200, reply.body
        fill = time.perf_counter() - started
        pages = []
        for _ in range(200):
            offset = rng.randrange(0, count)
            t = time.perf_counter()
            reply = call(client, "GET", f"/v1/{P}/acl-rules?object_id={obj}&offset={offset}&limit=100")
            pages.append(time.perf_counter() - t)
            assert reply.status == 200 and reply.json["data"]["total"] == count
        ids = [
            r["rule_id"]
            for r in call(client, "GET", f"/v1/{P}/acl-rules?object_id={obj}&offset=0&limit=1024").json[
                "data"
            ]["records"]
        ]
        tail = call(
            client, "GET", f"/v1/{P}/acl-rules?object_id={obj}&offset={max(0, count - 1024)}&limit=1024"
        ).json["data"]["records"]
        ids += [r["rule_id"] for r in tail]
        moves = []
        for _ in range(50):
            rule_id = rng.choice(ids)
            t = time.perf_counter()
            reply = call(client, "PUT", f"/v1/{P}/acl-rule/order/{rule_id}", {"top": 1})
            moves.append(time.perf_counter() - t)
            assert reply.status == 200
        t = time.perf_counter()
        compiled = runtime.acl_rules.compiled(P, obj)
        compile_s = time.perf_counter() - t
        evals = []
        for _ in range(2000):
            flow = policy.Flow(
                _ip(rng),
                _ip(rng),
                rng.choice([6, 17]),
                rng.randint(0, 1),
                rng.randint(1, 65535),
                rng.randint(1, 65535),
            )
            t = time.perf_counter()
            compiled.evaluate(flow)
            evals.append(time.perf_counter() - t)
        http = []
        for _ in range(200):
            body = {
                "source": _ip(rng),
                "destination": _ip(rng),
                "protocol": 6,
                "dest_port": rng.randint(1, 65535),
            }
            t = time.perf_counter()
            reply = call(client, "POST", f"/_opencfw/v1/{P}/firewalls/{fw}/evaluate", body)
            http.append(time.perf_counter() - t)
            assert reply.status == 200, reply.body
    ms = 1000.0
    return {
        "fill_s": fill,
        "page_p50_ms": statistics.median(pages) * ms,
        "page_p99_ms": _pct(pages, 0.99) * ms,
        "move_top_p50_ms": statistics.median(moves) * ms,
        "move_top_p99_ms": _pct(moves, 0.99) * ms,
        "compile_ms": compile_s * ms,
        "eval_p50_ms": statistics.median(evals) * ms,
        "eval_p99_ms": _pct(evals, 0.99) * ms,
        "eval_max_ms": max(evals) * ms,
        "eval_http_p50_ms": statistics.median(http) * ms,
        "eval_http_p99_ms": _pct(http, 0.99) * ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rules", type=int, default=20000)
    parser.add_argument("--store", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    for store in ("sqlite", "postgres") if args.store == "both" else (args.store,):
        figures = run(store, args.rules)
        print(store, " ".join(f"{k}={v:.3f}" for k, v in figures.items()), flush=True)


if __name__ == "__main__":
    main()
