"""Metrics and the request log, in-process: a scripted workload, then a scrape parsed by the
Prometheus text parser."""

from __future__ import annotations

import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families

from opencfw.api.app import App
from opencfw.config import Secret, Settings
from opencfw.domain.clock import ManualClock
from opencfw.runtime import build_runtime
from tests.asgi import AsgiClient
from tests.unit.test_api import CREATE, START_MS, P, call, token_for

JOB_READ = "/v3/{project_id}/jobs/{job_id}"


@pytest.fixture
def made(tmp_path, database_url):
    built = []

    def make(**overrides):
        settings = Settings(
            data_dir=tmp_path / "data",
            database_url=Secret(database_url) if database_url else None,
            project_id=P,
            password=Secret("pw"),
            provision_seconds=0,
            **overrides,
        )
        clock = ManualClock(START_MS)
        runtime, _ = build_runtime(settings, clock)
        built.append(runtime)
        client = AsgiClient(App(runtime))
        client.token = token_for(client, P)  # type: ignore[attr-defined]
        return runtime, clock, client

    yield make
    for runtime in built:
        runtime.close()


def scrape(client, headers=None) -> dict[tuple[str, tuple], float]:
    reply = client.request("GET", "/_opencfw/metrics", headers=headers)
    assert reply.status == 200, reply.body
    assert reply.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(reply.body.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_counters_equal_the_scripted_workload(made):
    """Each counter equals what a scripted workload did, labelled by route template, not raw path."""
    runtime, _clock, client = made()
    jobs = [
        call(client, "POST", f"/v2/{P}/firewall", {**CREATE, "name": f"fw-{i}"}).json["job_id"]
        for i in range(3)
    ]
    for i in range(7):
        assert call(client, "GET", f"/v3/{P}/jobs/{jobs[i % 3]}").status == 200
    for _ in range(2):
        assert call(client, "GET", "/no/such/path").status == 404
    runtime.worker.run_once()
    assert call(client, "DELETE", f"/v2/{P}/firewall/{jobs[0]}").status == 200
    samples = scrape(client)
    assert value(samples, "opencfw_http_requests_total", route=JOB_READ, method="GET", status="200") == 7
    assert (
        value(
            samples,
            "opencfw_http_requests_total",
            route="/v2/{project_id}/firewall",
            method="POST",
            status="200",
        )
        == 3
    )
    assert value(samples, "opencfw_http_requests_total", route="unmatched", method="GET", status="404") == 2
    assert value(samples, "opencfw_http_request_duration_seconds_count", route=JOB_READ, method="GET") == 7
    assert value(samples, "opencfw_jobs_created_total", kind="create") == 3
    assert value(samples, "opencfw_jobs_created_total", kind="delete") == 1
    assert value(samples, "opencfw_jobs_finished_total", kind="create", outcome="success") == 3
    assert value(samples, "opencfw_jobs_running") == 1  # the deletion
    assert value(samples, "opencfw_jobs_queue_depth") == 1  # due at once, not claimed yet
    assert value(samples, "opencfw_jobs_resumed_total") == 0
    assert not any(jobs[0] in labels_text for (_, labels) in samples for labels_text in map(str, labels))


def test_idempotent_replay_creates_no_job(made):
    """A create repeated with the same client token counts one job."""
    _runtime, _clock, client = made()
    for _ in range(2):
        reply = call(client, "POST", f"/v2/{P}/firewall", CREATE, headers={"X-Client-Token": "once"})
        assert reply.status == 200
    assert value(scrape(client), "opencfw_jobs_created_total", kind="create") == 1


def test_resumption_after_an_expired_lease_is_counted(made):
    """A job claimed again after its lease lapsed counts as resumed."""
    runtime, clock, client = made()
    call(client, "POST", f"/v2/{P}/firewall", CREATE)
    assert runtime.store.claim_due_jobs(clock.now_ms(), "dead-worker", 1000, 32)
    clock.advance(2000)
    runtime.worker.run_once()
    assert value(scrape(client), "opencfw_jobs_resumed_total") == 1


def test_metrics_token_is_required_when_set(made):
    """With OPENCFW_METRICS_TOKEN, a scrape without or with a wrong bearer token is 401."""
    _runtime, _clock, client = made(metrics_token=Secret("scrape-me"))
    assert client.request("GET", "/_opencfw/metrics").status == 401
    assert client.request("GET", "/_opencfw/metrics", headers={"Authorization": "Bearer nope"}).status == 401
    assert scrape(client, {"Authorization": "Bearer scrape-me"})


def test_metrics_can_be_turned_off(made):
    """OPENCFW_METRICS=false: no endpoint (404) and no per-request work."""
    runtime, _clock, client = made(metrics=False)
    assert client.request("GET", "/_opencfw/metrics").status == 404
    assert runtime.metrics is None


def test_json_request_log_has_every_field(made, caplog):
    """With JSON logs each request logs one line with id, route, project, status, duration, auth."""
    _runtime, _clock, client = made(log_format="json")
    caplog.set_level(logging.INFO, logger="opencfw.request")
    caplog.clear()
    reply = call(client, "GET", f"/v3/{P}/jobs/nope")
    records = [r for r in caplog.records if r.name == "opencfw.request"]
    assert len(records) == 1
    from opencfw.observability.logs import JsonFormatter

    line = json.loads(JsonFormatter().format(records[0]))
    assert line["request_id"] == reply.headers["x-request-id"]
    assert line["route"] == JOB_READ and line["project_id"] == P and line["status"] == reply.status
    assert line["auth"] == "token" and line["duration_ms"] >= 0 and line["event"] == "http.request"
    assert client.token not in json.dumps(line)


def test_health_reports_the_phase(made):
    """Health is ready (200), then draining (503) once the server begins to stop."""
    runtime, _clock, client = made()
    assert client.request("GET", "/_opencfw/health").json["status"] == "ready"
    runtime.phase = "starting"
    reply = client.request("GET", "/_opencfw/health")
    assert (reply.status, reply.json["status"]) == (503, "starting")
    runtime.phase = "ready"
    client.app.begin_draining()
    reply = client.request("GET", "/_opencfw/health")
    assert (reply.status, reply.json["status"]) == (503, "draining")


def test_store_errors_are_counted(made, monkeypatch):
    """A request that meets StoreUnavailable answers 503 and counts one api store error."""
    from opencfw.domain.errors import StoreUnavailable

    runtime, _, client = made()

    def down() -> int:
        raise StoreUnavailable()

    monkeypatch.setattr(runtime.store, "schema_version", down)
    assert client.request("GET", "/_opencfw/health").status == 503
    monkeypatch.undo()
    assert value(scrape(client), "opencfw_store_errors_total", component="api") == 1
