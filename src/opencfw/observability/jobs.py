"""Job creation, counted and logged where it happens: the firewall service of the API process."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from opencfw.domain.models import Job
from opencfw.service.firewalls import Firewalls

if TYPE_CHECKING:
    from opencfw.observability.metrics import Metrics

log = logging.getLogger("opencfw.jobs")


class ObservedFirewalls(Firewalls):
    """``Firewalls`` that count and log each job they create (an idempotent replay creates none)."""

    def __init__(self, *args: Any, metrics: Metrics | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.metrics = metrics
        # the ids this thread's create drew: a new job's id is the first one (its firewall's)
        self._drawn = threading.local()
        make_id = self.new_id

        def new_id() -> str:
            value = make_id()
            drawn = getattr(self._drawn, "ids", None)
            if drawn is not None:
                drawn.append(value)
            return value

        self.new_id = new_id

    def create(self, project_id: str, spec: Any, idempotency: tuple[str, str] | None = None) -> str:
        drawn: list[str] = []
        self._drawn.ids = drawn
        try:
            job_id = super().create(project_id, spec, idempotency)
        finally:
            self._drawn.ids = None
        if job_id == drawn[0]:  # otherwise the earlier request's job (idempotent replay)
            self._created("create", project_id, job_id)
        return job_id

    def delete(self, project_id: str, firewall_id: str) -> Job:
        job = super().delete(project_id, firewall_id)
        self._created("delete", project_id, job.id)
        return job

    def _created(self, kind: str, project_id: str, job_id: str) -> None:
        if self.metrics is not None:
            self.metrics.job_created(kind)
        log.info(
            "job %s (%s) created",
            job_id,
            kind,
            extra={
                "event": "job.created",
                "job_id": job_id,
                "kind": kind,
                "project_id": project_id,
                "step": "validate",
            },
        )
