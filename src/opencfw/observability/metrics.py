"""Prometheus metrics, kept in a registry per runtime (never the library's global one).

Per-request cost is kept small: the labelled children of a (route, method, status) are looked up
once and cached, so a request costs one dict lookup, one counter increment and one histogram
observation. Job counts that live in the store (running now, queue depth) are read at scrape time.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from opencfw.domain.errors import StoreUnavailable

if TYPE_CHECKING:
    from collections.abc import Iterator

    from opencfw.domain.clock import Clock
    from opencfw.domain.models import Job
    from opencfw.store.base import Store

CONTENT_TYPE = CONTENT_TYPE_LATEST.encode()

#: latency buckets in seconds: the job read takes well under a millisecond, a create a few
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

#: read at scrape time; run through the store's own placeholder translation (both dialects)
RUNNING_SQL = "SELECT count(*) FROM jobs WHERE status = 'Running'"
QUEUED_SQL = (
    "SELECT count(*) FROM jobs WHERE status = 'Running' AND run_after_ms <= ? "
    "AND (lease_expires_ms IS NULL OR lease_expires_ms <= ?)"
)


class _StoreCollector:
    """Jobs running now and jobs due but unclaimed, counted in the store at each scrape."""

    def __init__(self, metrics: Metrics, store: Store, clock: Clock) -> None:
        self.metrics = metrics
        self.store = store
        self.clock = clock

    def describe(self) -> list[Any]:
        return []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        running = GaugeMetricFamily("opencfw_jobs_running", "Jobs whose status is Running (whole store)")
        queued = GaugeMetricFamily(
            "opencfw_jobs_queue_depth", "Running jobs whose next step is due and that no worker holds"
        )
        store: Any = self.store  # the SQL stores' read helpers: a scrape-time count, both dialects
        now = self.clock.now_ms()
        try:
            running.add_metric([], store._one(store._q(RUNNING_SQL), ())[0])
            queued.add_metric([], store._one(store._q(QUEUED_SQL), (now, now))[0])
        except StoreUnavailable:
            self.metrics.store_error("metrics")
            return
        yield running
        yield queued


class Metrics:
    """Every metric opencfw exports, in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        r = self.registry
        self._requests = Counter(
            "opencfw_http_requests", "HTTP requests answered", ["route", "method", "status"], registry=r
        )
        self._latency = Histogram(
            "opencfw_http_request_duration_seconds",
            "Time from the request's arrival to its answer's start",
            ["route", "method"],
            buckets=BUCKETS,
            registry=r,
        )
        self.jobs_created = Counter("opencfw_jobs_created", "Jobs created", ["kind"], registry=r)
        self.jobs_finished = Counter(
            "opencfw_jobs_finished", "Jobs ended by a worker", ["kind", "outcome"], registry=r
        )
        self.jobs_resumed = Counter(
            "opencfw_jobs_resumed",
            "Jobs claimed again after an earlier claim's lease expired (attempts > 1)",
            registry=r,
        )
        self.heartbeat = Gauge(
            "opencfw_worker_heartbeat_timestamp_seconds",
            "Unix time of the job engine's last loop in this process",
            registry=r,
        )
        self._store_errors = Counter(
            "opencfw_store_errors", "Store unavailable (StoreUnavailable)", ["component"], registry=r
        )
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def watch_store(self, store: Store, clock: Clock) -> None:
        self.registry.register(_StoreCollector(self, store, clock))

    # -- hooks

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method, status)
        children = self._children.get(key)
        if children is None:
            children = (
                self._requests.labels(route, method, str(status)),
                self._latency.labels(route, method),
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def store_error(self, component: str) -> None:
        self._store_errors.labels(component).inc()

    def job_created(self, kind: str) -> None:
        self.jobs_created.labels(kind).inc()

    def job_claimed(self, job: Job) -> None:
        if job.attempts > 1:
            self.jobs_resumed.inc()

    def job_finished(self, job: Job) -> None:
        self.jobs_finished.labels(str(job.kind), str(job.status).lower()).inc()

    def beat(self) -> None:
        self.heartbeat.set(time.time())

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
