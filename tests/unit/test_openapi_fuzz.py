"""Property-based API tests: schemathesis generates requests from the OpenAPI document for every
operation, valid and invalid ones, and sends them to the in-process ASGI app, authenticated."""

from __future__ import annotations

import contextlib
import re
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from opencfw.api.app import App
from opencfw.config import Secret, Settings
from opencfw.domain import signing
from opencfw.domain.clock import ManualClock
from opencfw.domain.logs import Attack, Flow
from opencfw.runtime import build_runtime
from tests import pg
from tests.asgi import AsgiClient
from tests.conftest import BACKENDS
from tests.unit.test_api import AK, SK, START_MS, P, token_for


class Target:
    """The app under test, behind a lifespan that does nothing (tests run the engine by hand)."""

    def __init__(self) -> None:
        self.app: App | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        assert self.app is not None
        await self.app(scope, receive, send)


DOCUMENT = Path(__file__).parents[2] / "src" / "opencfw" / "api" / "openapi.json"
SCHEMA = schemathesis.openapi.from_path(DOCUMENT)
SCHEMA.config.generation.update(with_security_parameters=False, allow_x00=True)
SCHEMA.app = TARGET = Target()
#: every operation but the event stream (an answer that never ends; tests/acceptance covers it)
OPERATIONS = {
    op.label: op
    for op in (result.ok() for result in SCHEMA.get_all_operations())
    if not op.definition.raw.get("x-opencfw-stream")
}
ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


class AkSk(requests.auth.AuthBase):
    """Sign a prepared request with SDK-HMAC-SHA256 at the manual clock's time."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        path, _, query = r.path_url.partition("?")
        sdk_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(self.clock.now_ms() // 1000))
        headers = {"x-sdk-date": sdk_date}
        if "Content-Type" in r.headers:
            headers["content-type"] = r.headers["Content-Type"]
        body = r.body or b""
        r.headers["X-Sdk-Date"] = sdk_date
        r.headers["Authorization"] = signing.sign_headers(
            access_key=AK,
            secret_key=SK,
            method=r.method or "GET",
            path=path,
            query=query,
            headers=headers,
            body=body.encode() if isinstance(body, str) else body,
        )
        return r


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    """The app on each store in turn: PostgreSQL refuses some input that SQLite takes (NUL)."""
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(pg.fresh_schema()) if request.param == "postgres" else None
        yield stack.enter_context(_world(tmp_path_factory, url))


@contextlib.contextmanager
def _world(tmp_path_factory, database_url):
    settings_ = Settings(
        data_dir=tmp_path_factory.mktemp("fuzz") / "data",
        database_url=Secret(database_url) if database_url else None,
        project_id=P,
        access_key=AK,
        secret_key=Secret(SK),
        password=Secret("pw"),
        provision_seconds=0,
    )
    clock = ManualClock(START_MS)
    runtime, _ = build_runtime(settings_, clock)
    TARGET.app = App(runtime)
    client = AsgiClient(TARGET.app)
    state = {"runtime": runtime, "clock": clock, "token": token_for(client, P), "ids": [], "cases": 0}
    try:
        yield state
    finally:
        TARGET.app = None
        runtime.close()


def aim(case: schemathesis.Case, state: dict[str, Any]) -> None:
    """Point valid-looking path and query ids at the caller's project and, half the time, at real
    objects, so that generated requests reach the handlers instead of stopping at 403 or 'not found'."""
    path = case.path_parameters or {}
    if ID.fullmatch(str(path.get("project_id", ""))):
        path["project_id"] = P
    firewalls = ((path, "fw_instance_id"), (case.query or {}, "fw_instance_id"))
    for where, name in ((path, "job_id"), (path, "resource_id"), *firewalls):
        value = where.get(name)
        if isinstance(value, str) and ID.fullmatch(value) and state["ids"] and zlib.crc32(value.encode()) % 2:
            where[name] = state["ids"][zlib.crc32(value.encode()) % len(state["ids"])]


def check_error_body(response: Any) -> None:
    """Every error has the documented body and a 32-hex X-Request-Id (also in the body for gateway errors)."""
    request_id = response.headers.get("x-request-id") or response.headers.get("X-Request-Id")
    request_id = request_id[0] if isinstance(request_id, list) else request_id
    assert request_id and re.fullmatch(r"[0-9a-f]{32}", request_id), response.headers
    if response.status_code < 400:
        return
    body = response.json()
    assert isinstance(body["error_code"], str) and isinstance(body["error_msg"], str) and body["error_msg"]
    if body["error_code"].startswith("APIGW."):
        assert set(body) == {"error_code", "error_msg", "request_id"}
        assert body["request_id"] == request_id
    else:
        assert set(body) == {"error_code", "error_msg"}


def _has_inputs(label: str) -> bool:
    method, path = label.split(" ", 1)
    definition = SCHEMA.raw_schema["paths"][path][method.lower()]
    return bool(definition.get("parameters") or definition.get("requestBody"))


def seed_logs(runtime: Any, firewall_id: str) -> None:
    """A few log records of a new firewall, so that the log reads have something to count."""
    now = runtime.clock.now_ms()
    common = {"fw_instance_id": firewall_id, "dst_ip": "192.168.0.1", "protocol": 6, "direction": "out2in"}
    flows = [
        Flow(
            **common,
            src_ip=f"10.0.0.{i}",
            dst_port=80 + i,
            action="permit" if i % 2 else "deny",
            rule_id="r",
            rule_name="rule",
            bytes=100 * i,
            start_ms=now - 1000 * i,
        )
        for i in range(1, 5)
    ]
    attacks = [
        Attack(
            **common,
            src_ip="203.0.113.1",
            action="deny",
            attack_type="Web attack",
            attack_rule="sqli",
            attack_rule_id="1",
            level="HIGH",
            event_ms=now,
        )
    ]
    runtime.logs.record_flows(P, flows)
    runtime.logs.record_attacks(P, attacks)


#: every operation with valid requests; those that take input with invalid ones too
#: creation first and deletion last, so that the operations in between meet real objects
ORDER = sorted(
    OPERATIONS, key=lambda label: (not label.startswith("POST /v2/"), label.startswith("DELETE"), label)
)
RUNS = [
    pytest.param(label, mode, id=f"{label}-{mode}")
    for label in ORDER
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or _has_inputs(label)
]
#: examples per operation, mode and store: ~3000 cases per store, ~6000 in all, however many
#: routes there are (both stores together cost what SQLite alone did before)
EXAMPLES = max(25, 3000 // len(RUNS))


@pytest.mark.parametrize(("label", "mode"), RUNS)
def test_operation_conforms(world, label, mode):
    """Generated requests never get a 5xx; every answer (errors too) matches the document."""
    operation = OPERATIONS[label]
    signer = AkSk(world["clock"])

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        aim(case, world)
        world["cases"] += 1
        if world["cases"] % 2:
            response = case.call(app=TARGET, headers={"X-Auth-Token": world["token"]})
        else:
            response = case.call(app=TARGET, auth=signer)
        case.validate_response(response, checks=CHECKS)
        check_error_body(response)
        if response.status_code == 200 and label == "POST /v2/{project_id}/firewall":
            world["ids"].append(response.json()["job_id"])
            seed_logs(world["runtime"], response.json()["job_id"])
        if response.status_code == 200 and label == "DELETE /v2/{project_id}/firewall/{resource_id}":
            world["ids"].append(response.json()["data"])
        # let jobs finish, so that deletes and renames meet firewalls in every status
        world["clock"].advance(1)
        while world["runtime"].worker.run_once():
            pass

    run()
