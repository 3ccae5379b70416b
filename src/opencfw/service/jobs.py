"""Jobs: planning their steps, reading them, and moving them one step on."""

from __future__ import annotations

from dataclasses import dataclass

from opencfw.domain.errors import NotFound
from opencfw.domain.models import (
    DEFAULT_FAIL_AT,
    FIREWALL_AFTER_JOB,
    STEPS,
    FirewallStatus,
    Job,
    JobKind,
    JobStatus,
    StepPlan,
    check_firewall_transition,
    check_job_transition,
)
from opencfw.store.base import Store

OUTCOMES = ("success", "failed")

#: the firewall status a job of each kind starts from
_FIREWALL_DURING_JOB = {JobKind.CREATE: FirewallStatus.CREATING, JobKind.DELETE: FirewallStatus.DELETING}


@dataclass(frozen=True, slots=True)
class ProvisioningPolicy:
    """How long jobs take and how they end, server-wide."""

    duration_ms: int = 3000
    outcome: str = "success"
    delete_outcome: str = "success"

    def plan(self, kind: JobKind) -> tuple[list[StepPlan], str, str | None]:
        """The steps of a new job, its outcome and the step at which it fails (if it does)."""
        names = STEPS[kind]
        # spread the total over the steps; the remainder goes to the last one
        share, rest = divmod(self.duration_ms, len(names))
        steps = [StepPlan(name, share + (rest if i == len(names) - 1 else 0)) for i, name in enumerate(names)]
        outcome = self.outcome if kind is JobKind.CREATE else self.delete_outcome
        return steps, outcome, DEFAULT_FAIL_AT[kind] if outcome == "failed" else None


def new_job(
    *, job_id: str, project_id: str, kind: JobKind, resource_id: str, policy: ProvisioningPolicy, now_ms: int
) -> Job:
    steps, outcome, fail_at = policy.plan(kind)
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
        what = "creation" if job.kind is JobKind.CREATE else "deletion"
        job.error_msg = f"Firewall {what} failed at step {step.name}"
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
    new_status = FIREWALL_AFTER_JOB[(job.kind, job.status)]
    check_firewall_transition(_FIREWALL_DURING_JOB[job.kind], new_status)
    return new_status
