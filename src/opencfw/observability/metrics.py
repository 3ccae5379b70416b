"""Prometheus metrics, kept in a registry per runtime (never the library's global one).

Per-request cost is kept small: the request hook runs on the event loop's thread only, so it
counts into plain lists (a dict lookup, two additions and a bisect, ~0.5 us) instead of the
library's lock-guarded children (~3 us per request); a collector turns those counts into the
library's metric families at scrape time. Job counts that live in the store (running now, queue
depth) are read at scrape time too.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
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


class _DataplaneCollector:
    """The nftables data plane of this process (``dataplane/reconciler.py``), read at scrape time."""

    def __init__(self, dataplane: Any) -> None:
        self.dataplane = dataplane

    def describe(self) -> list[Any]:
        return []

    def collect(self) -> Iterator[Any]:
        plane = self.dataplane
        gauges = {
            "opencfw_dataplane_driving": ("1 when this process drives the host's labs", int(plane.driving)),
            "opencfw_dataplane_labs": ("Firewalls whose table this process applied", len(plane.applied)),
            "opencfw_dataplane_failing": ("Firewalls whose last pass failed", len(plane.errors)),
        }
        for name, (text, value) in gauges.items():
            gauge = GaugeMetricFamily(name, text)
            gauge.add_metric([], value)
            yield gauge
        counters = {
            "opencfw_dataplane_passes": ("Reconciler passes", plane.passes),
            "opencfw_dataplane_lock_losses": ("Times the host lock was found lost", plane.lock_losses),
        }
        if plane.logs is not None:
            counters["opencfw_dataplane_log_records"] = ("Kernel log records recorded", plane.logs.recorded)
        for name, (text, value) in counters.items():
            counter = CounterMetricFamily(name, text)
            counter.add_metric([], value)
            yield counter
        if plane.logs is not None:
            lost = CounterMetricFamily(
                "opencfw_dataplane_log_events_lost",
                "Kernel log events lost: the socket's buffer was full, or the store lagged too far",
                labels=["reason"],
            )
            lost.add_metric(["kernel_buffer"], plane.logs.overflows)
            lost.add_metric(["backlog"], plane.logs.dropped)
            yield lost


class _RequestCollector:
    """The request counts and latency histograms, from the hook's plain counters."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def describe(self) -> list[Any]:
        return []

    def collect(self) -> Iterator[Any]:
        requests = CounterMetricFamily(
            "opencfw_http_requests", "HTTP requests answered", labels=["route", "method", "status"]
        )
        latency = HistogramMetricFamily(
            "opencfw_http_request_duration_seconds",
            "Time from the request's arrival to its answer's start",
            labels=["route", "method"],
        )
        merged: dict[tuple[str, str], tuple[list[int], float]] = {}
        for (route, method, status), (count, total, buckets) in list(self.metrics.requests.items()):
            requests.add_metric([route, method, str(status)], count)
            counts, seconds = merged.get((route, method), ([0] * len(buckets), 0.0))
            merged[(route, method)] = ([a + b for a, b in zip(counts, buckets, strict=True)], seconds + total)
        for (route, method), (counts, seconds) in merged.items():
            cumulative, running = [], 0
            for bound, count in zip((*map(str, BUCKETS), "+Inf"), counts, strict=True):
                running += count
                cumulative.append((bound, running))
            latency.add_metric([route, method], cumulative, seconds)
        yield requests
        yield latency


class Metrics:
    """Every metric opencfw exports, in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        r = self.registry
        #: (route, method, status) -> [count, seconds, per-bucket counts]: written by the event loop only
        self.requests: dict[tuple[str, str, int], list[Any]] = {}
        r.register(_RequestCollector(self))
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

    def watch_store(self, store: Store, clock: Clock) -> None:
        self.registry.register(_StoreCollector(self, store, clock))

    def watch_dataplane(self, dataplane: Any) -> None:
        self.registry.register(_DataplaneCollector(dataplane))

    # -- hooks

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        """One answered request (on the event loop's thread)."""
        stats = self.requests.get((route, method, status))
        if stats is None:
            stats = self.requests[(route, method, status)] = [0, 0.0, [0] * (len(BUCKETS) + 1)]
        stats[0] += 1
        stats[1] += seconds
        stats[2][bisect_left(BUCKETS, seconds)] += 1

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
