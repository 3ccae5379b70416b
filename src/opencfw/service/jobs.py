"""Jobs: planning their steps, reading them, and moving them one step on."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from opencfw.domain.durations import parse_seconds
from opencfw.domain.errors import BadParameter, NotFound
from opencfw.domain.models import (
    DEFAULT_FAIL_AT,
    FIREWALL_AFTER_JOB,
    FIREWALL_KINDS,
    STEPS,
    FirewallStatus,
    Job,
    JobKind,
    JobStatus,
    StepPlan,
    Tag,
    check_firewall_transition,
    check_job_transition,
)
from opencfw.store.base import Store

OUTCOMES = ("success", "failed")

#: the firewall status a job of each kind starts from
_FIREWALL_DURING_JOB = {JobKind.CREATE: FirewallStatus.CREATING, JobKind.DELETE: FirewallStatus.DELETING}
#: what a job of each kind does, in its failure message
_WHAT = {
    JobKind.CREATE: "Firewall creation",
    JobKind.DELETE: "Firewall deletion",
    JobKind.BYPASS: "Bypassing the firewall's EIP protection",
    JobKind.RESTORE: "Restoring the firewall's EIP protection",
}


#: firewall tag keys that script that firewall's jobs (spec: "Scripting the provisioning")
TAG_OUTCOME = "opencfw:outcome"
TAG_DURATION = "opencfw:duration"
TAG_FAIL_AT = "opencfw:fail-at"
TAG_DELETE_OUTCOME = "opencfw:delete-outcome"
RESERVED_PREFIX = "opencfw:"
RESERVED_TAGS = (TAG_OUTCOME, TAG_DURATION, TAG_FAIL_AT, TAG_DELETE_OUTCOME)
#: the longest a scripted job may take
MAX_DURATION_MS = 7 * 86400 * 1000
#: tags on one firewall, at most
MAX_TAGS = 20


@dataclass(frozen=True, slots=True)
class PlanOverrides:
    """What a firewall's reserved tags ask of its jobs (None: the server's default)."""

    outcome: str | None = None
    duration_ms: int | None = None
    fail_at: str | None = None
    delete_outcome: str | None = None


def validate_tags(tags: list[Tag]) -> PlanOverrides:
    """The check of a firewall's whole new set of tags, on every path that writes them (create,
    tags/create, tags/delete): no key twice, at most MAX_TAGS, reserved ``opencfw:*`` tags known
    and well-formed. Returns what the reserved tags script; a problem is a 400 naming the tag."""
    if len({t.key for t in tags}) != len(tags):
        raise BadParameter("Invalid request body: `tags` has the same key twice")
    if len(tags) > MAX_TAGS:
        raise BadParameter(f"Invalid request body: `tags`: a firewall has at most {MAX_TAGS} tags")
    return overrides_from_tags(tags)


def overrides_from_tags(tags: list[Tag]) -> PlanOverrides:
    """Read the reserved ``opencfw:*`` tags; a bad value is a 400 naming the tag."""
    given = {t.key: t.value for t in tags if t.key.startswith(RESERVED_PREFIX)}
    unknown = sorted(set(given) - set(RESERVED_TAGS))
    if unknown:
        raise BadParameter(f"Unknown reserved tag `{unknown[0]}`: use one of {', '.join(RESERVED_TAGS)}")

    def outcome(key: str) -> str | None:
        value = given.get(key)
        if value is None:
            return None
        if value.strip().lower() not in OUTCOMES:
            raise BadParameter(f"Invalid tag `{key}`: must be success or failed, got {value[:32]!r}")
        return value.strip().lower()

    duration_ms = None
    if TAG_DURATION in given:
        try:
            duration_ms = round(parse_seconds(given[TAG_DURATION]) * 1000)
        except ValueError:
            duration_ms = -1
        if not 0 <= duration_ms <= MAX_DURATION_MS:
            raise BadParameter(
                f"Invalid tag `{TAG_DURATION}`: must be a duration such as 0, 1.5s or 2m (at most 7d), "
                f"got {given[TAG_DURATION][:32]!r}"
            )
    fail_at = given.get(TAG_FAIL_AT)
    create_outcome = outcome(TAG_OUTCOME)
    if fail_at is not None:
        if fail_at not in STEPS[JobKind.CREATE]:
            raise BadParameter(
                f"Invalid tag `{TAG_FAIL_AT}`: must be one of {', '.join(STEPS[JobKind.CREATE])}, got {fail_at[:32]!r}"
            )
        if create_outcome == "success":
            raise BadParameter(f"Tags `{TAG_FAIL_AT}` and `{TAG_OUTCOME}`=success contradict each other")
        create_outcome = "failed"
    return PlanOverrides(create_outcome, duration_ms, fail_at, outcome(TAG_DELETE_OUTCOME))


class ProvisioningPolicy:
    """How long jobs take and how they end, server-wide, with random failures at a given rate
    (reproducible with a seed). Replaced whole, never changed in place, when the admin API changes
    the defaults."""

    def __init__(
        self,
        duration_ms: int = 3000,
        outcome: str = "success",
        delete_outcome: str = "success",
        failure_rate: float = 0.0,
        seed: int | None = None,
    ) -> None:
        self.duration_ms = duration_ms
        self.outcome = outcome
        self.delete_outcome = delete_outcome
        self.failure_rate = failure_rate
        self.seed = seed
        self._rng = random.Random(seed)  # noqa: S311 - test scripting, not security
        self._lock = threading.Lock()

    def describe(self) -> dict[str, object]:
        return {
            "duration_seconds": self.duration_ms / 1000,
            "outcome": self.outcome,
            "delete_outcome": self.delete_outcome,
            "failure_rate": self.failure_rate,
            "seed": self.seed,
        }

    def _random_failure(self) -> bool:
        if self.failure_rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < self.failure_rate

    def plan(
        self, kind: JobKind, overrides: PlanOverrides = PlanOverrides()
    ) -> tuple[list[StepPlan], str, str | None]:
        """The steps of a new job, its outcome and the step at which it fails (if it does)."""
        names = STEPS[kind]
        total = self.duration_ms if overrides.duration_ms is None else overrides.duration_ms
        # spread the total over the steps; the remainder goes to the last one
        share, rest = divmod(total, len(names))
        steps = [StepPlan(name, share + (rest if i == len(names) - 1 else 0)) for i, name in enumerate(names)]
        # a switch of a firewall's setting (bypass) ends as the server's creations do
        chosen = overrides.delete_outcome if kind is JobKind.DELETE else overrides.outcome
        if chosen is None:
            chosen = (
                "failed"
                if self._random_failure()
                else (self.delete_outcome if kind is JobKind.DELETE else self.outcome)
            )
        fail_at = None
        if chosen == "failed":
            fail_at = (
                overrides.fail_at if kind is JobKind.CREATE and overrides.fail_at else DEFAULT_FAIL_AT[kind]
            )
        return steps, chosen, fail_at


def new_job(
    *,
    job_id: str,
    project_id: str,
    kind: JobKind,
    resource_id: str,
    policy: ProvisioningPolicy,
    now_ms: int,
    overrides: PlanOverrides = PlanOverrides(),
) -> Job:
    steps, outcome, fail_at = policy.plan(kind, overrides)
    return Job(
        id=job_id,
        project_id=project_id,
        kind=kind,
        resource_id=resource_id,
        status=JobStatus.RUNNING,
        steps=steps,
        step_index=0,
        outcome=outcome,
        fail_at=fail_at,
        attempts=0,
        begin_ms=now_ms,
        end_ms=None,
        run_after_ms=now_ms + steps[0].duration_ms,
        step_started_ms=now_ms,
        updated_ms=now_ms,
    )


def get_job(store: Store, project_id: str, job_id: str) -> Job:
    job = store.get_job(project_id, job_id)
    if job is None:
        raise NotFound(f"The job {job_id} does not exist")
    return job


def finish_now(store: Store, job_id: str, status: JobStatus, message: str | None, now_ms: int) -> Job | None:
    """End a running job of any project at once, as the administrator asks (``status`` SUCCESS or
    FAILED), with its firewall: the transitions are checked here, the store only writes what this
    decides. None when the job does not exist or has already ended."""

    def decide(job: Job) -> FirewallStatus | None:
        check_job_transition(job.status, status)
        job.status = status
        job.end_ms = job.updated_ms = now_ms
        if status is JobStatus.FAILED:
            job.error_code = "CFW.00200016"
            job.error_msg = message or "Failed by the administrator"
        if job.kind not in FIREWALL_KINDS:  # the EIP bypass switch's: no firewall status
            return None
        firewall_status = FIREWALL_AFTER_JOB[(job.kind, status)]
        check_firewall_transition(_FIREWALL_DURING_JOB[job.kind], firewall_status)
        return firewall_status

    return store.finish_job_now(job_id, decide, now_ms)


def complete_step(job: Job, now_ms: int) -> FirewallStatus | None:
    """Finish the job's current step in place: fail, succeed, or start the next step.

    Returns the firewall's new status when the job has ended (its firewall changes in the same
    transaction), else None. The lease is left for the caller to set.
    """
    step = job.steps[job.step_index]
    job.updated_ms = now_ms
    if job.outcome == "failed" and step.name == job.fail_at:
        check_job_transition(job.status, JobStatus.FAILED)
        job.status = JobStatus.FAILED
        job.error_code = "CFW.00200016"
        job.error_msg = f"{_WHAT[job.kind]} failed at step {step.name}"
    elif job.step_index == len(job.steps) - 1:
        check_job_transition(job.status, JobStatus.SUCCESS)
        job.status = JobStatus.SUCCESS
    else:
        job.step_index += 1
        job.step_started_ms = now_ms
        job.run_after_ms = now_ms + job.steps[job.step_index].duration_ms
        job.attempts = 0
        return None
    job.end_ms = now_ms
    if job.kind not in FIREWALL_KINDS:
        return None  # the store applies what the job changes (store.eips.after_job)
    new_status = FIREWALL_AFTER_JOB[(job.kind, job.status)]
    check_firewall_transition(_FIREWALL_DURING_JOB[job.kind], new_status)
    return new_status
