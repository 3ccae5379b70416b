"""Job state transitions, the firewall lifecycle and the engine, on a manual clock."""

from __future__ import annotations

import pytest

from opencfw.domain.errors import InstanceStatusError, InvalidTransition, NameConflict, NotFound
from opencfw.domain.models import (
    Edition,
    FirewallStatus,
    JobStatus,
    check_firewall_transition,
    check_job_transition,
)
from opencfw.engine.worker import Worker
from opencfw.service import jobs
from opencfw.service.firewalls import Firewalls, NewFirewall, TagFilter
from opencfw.service.jobs import ProvisioningPolicy

P = "a" * 32


def spec(name="fw1"):
    return NewFirewall(name, "0", Edition.PROFESSIONAL, 0, 0, 0, [])


def drain(worker: Worker) -> int:
    n = 0
    while worker.run_once():
        n += 1
    return n


def test_transition_tables_refuse_illegal_moves():
    """Success is final; a running firewall cannot go back to creating."""
    check_job_transition(JobStatus.RUNNING, JobStatus.SUCCESS)
    with pytest.raises(InvalidTransition):
        check_job_transition(JobStatus.SUCCESS, JobStatus.FAILED)
    check_firewall_transition(FirewallStatus.CREATING, FirewallStatus.RUNNING)
    with pytest.raises(InvalidTransition):
        check_firewall_transition(FirewallStatus.RUNNING, FirewallStatus.CREATING)
    with pytest.raises(InvalidTransition):
        check_firewall_transition(FirewallStatus.DELETED, FirewallStatus.DELETING)


def test_create_job_walks_steps_on_time_and_succeeds(store, clock, firewalls):
    """A 5 s job stays Running until its last step is due, then Success with the firewall running."""
    worker = Worker(store, clock)
    job_id = firewalls.create(P, spec())
    assert jobs.get_job(store, P, job_id).resource_id == job_id  # the job id is the firewall id
    assert firewalls.get(P, job_id).status is FirewallStatus.CREATING
    assert drain(worker) == 0
    seen = []
    for _ in range(5):
        clock.advance(1.0)
        drain(worker)
        current = jobs.get_job(store, P, job_id)
        seen.append(current.current_step)
    done = jobs.get_job(store, P, job_id)
    assert done.status is JobStatus.SUCCESS
    assert done.end_ms == done.begin_ms + 5000
    assert seen[:4] == ["allocate", "deploy-engine", "configure", "activate"]
    assert firewalls.get(P, job_id).status is FirewallStatus.RUNNING


def test_zero_duration_job_finishes_in_one_claim(store, clock):
    """With duration 0 every step is due at once and one claim walks them all."""
    fws = Firewalls(store, clock, ProvisioningPolicy(duration_ms=0))
    job_id = fws.create(P, spec())
    assert drain(Worker(store, clock)) == 1
    assert jobs.get_job(store, P, job_id).status is JobStatus.SUCCESS


def test_failed_outcome_fails_the_job_and_the_firewall(store, clock):
    """OPENCFW_PROVISION_OUTCOME=failed ends Failed at deploy-engine with status 6."""
    fws = Firewalls(store, clock, ProvisioningPolicy(duration_ms=0, outcome="failed"))
    job_id = fws.create(P, spec())
    drain(Worker(store, clock))
    done = jobs.get_job(store, P, job_id)
    assert done.status is JobStatus.FAILED and done.end_ms is not None
    assert "deploy-engine" in done.error_msg
    assert fws.get(P, job_id).status is FirewallStatus.CREATE_FAILED


def test_delete_lifecycle(store, clock):
    """Deleting: creating firewalls refuse, running ones go to 1, then disappear."""
    fws = Firewalls(store, clock, ProvisioningPolicy(duration_ms=0))
    worker = Worker(store, clock)
    job_id = fws.create(P, spec())
    with pytest.raises(InstanceStatusError, match="being created"):
        fws.delete(P, job_id)
    drain(worker)
    deletion = fws.delete(P, job_id)
    assert deletion.id != job_id
    assert fws.get(P, job_id).status is FirewallStatus.DELETING
    with pytest.raises(InstanceStatusError, match="being deleted"):
        fws.delete(P, job_id)
    drain(worker)
    assert jobs.get_job(store, P, deletion.id).status is JobStatus.SUCCESS
    with pytest.raises(NotFound):
        fws.get(P, job_id)
    with pytest.raises(NotFound):
        fws.delete(P, job_id)
    assert fws.list(P, key_word=None, enterprise_project_id=None, tags=[], offset=0, limit=10) == (0, [])
    # the name is free again once the firewall is gone
    fws.create(P, spec())


def test_failed_delete_leaves_status_7_and_can_be_retried(store, clock):
    """A failed deletion leaves the firewall in status 7, from which delete may be tried again."""
    fws = Firewalls(store, clock, ProvisioningPolicy(duration_ms=0, delete_outcome="failed"))
    worker = Worker(store, clock)
    job_id = fws.create(P, spec())
    drain(worker)
    deletion = fws.delete(P, job_id)
    drain(worker)
    assert jobs.get_job(store, P, deletion.id).status is JobStatus.FAILED
    assert fws.get(P, job_id).status is FirewallStatus.DELETE_FAILED
    fws.delete(P, job_id)


def test_names_are_unique_per_project(store, clock, firewalls):
    """A second live firewall with the same name in a project is a conflict; another project is fine."""
    firewalls.create(P, spec("same"))
    with pytest.raises(NameConflict):
        firewalls.create(P, spec("same"))
    firewalls.create("b" * 32, spec("same"))
    other = firewalls.create(P, spec("other"))
    with pytest.raises(NameConflict):
        firewalls.rename(P, other, "same")


def test_projects_are_isolated(store, clock, firewalls):
    """Another project's job and firewall read as not found."""
    job_id = firewalls.create(P, spec())
    with pytest.raises(NotFound):
        jobs.get_job(store, "b" * 32, job_id)
    with pytest.raises(NotFound):
        firewalls.get("b" * 32, job_id)
    with pytest.raises(NotFound):
        firewalls.rename("b" * 32, job_id, "x")


def test_a_lapsed_lease_is_taken_over(store, clock, firewalls):
    """A job leased by a worker that died is resumed by another once the lease lapses."""
    job_id = firewalls.create(P, spec())
    clock.advance(1.0)
    [dead] = store.claim_due_jobs(clock.now_ms(), "dead-worker", 15_000)
    assert dead.id == job_id
    alive = Worker(store, clock, lease_ms=15_000)
    assert not alive.run_once()  # still leased
    clock.advance(15.0)
    assert alive.run_once()
    # the dead worker's late write is refused: it no longer holds the lease
    dead.step_index = 4
    assert store.save_jobs_progress("dead-worker", [(dead, None, [])]) == [False]
    for _ in range(4):  # each later step lasts 1 s from when it starts
        clock.advance(1.0)
        drain(alive)
    assert jobs.get_job(store, P, job_id).status is JobStatus.SUCCESS


def test_next_due_reports_the_earliest_step(store, clock, firewalls):
    """The engine sleeps until exactly the next step is due."""
    assert store.next_due_ms() is None
    firewalls.create(P, spec())
    assert store.next_due_ms() == clock.now_ms() + 1000


def test_listing_filters_and_pages(store, clock, firewalls):
    """key_word matches an id or part of a name; offset/limit page; tags filter."""
    from opencfw.domain.models import Tag

    a = firewalls.create(P, spec("alpha-one"))
    clock.advance(0.001)
    firewalls.create(P, spec("beta"))
    clock.advance(0.001)
    firewalls.create(P, NewFirewall("gamma", "0", Edition.STANDARD, 0, 0, 0, [Tag("env", "ci")]))
    total, page = firewalls.list(P, key_word="ALPHA", enterprise_project_id=None, tags=[], offset=0, limit=10)
    assert total == 1 and page[0].id == a
    total, page = firewalls.list(P, key_word=a, enterprise_project_id=None, tags=[], offset=0, limit=10)
    assert total == 1
    total, page = firewalls.list(P, key_word=None, enterprise_project_id=None, tags=[], offset=1, limit=1)
    assert total == 3 and [f.name for f in page] == ["beta"]
    total, page = firewalls.list(
        P, key_word=None, enterprise_project_id=None, tags=[TagFilter("env", frozenset({"ci"}))], offset=0, limit=5
    )
    assert total == 1 and page[0].name == "gamma"
    # the detail read without an id gives the project's first firewall
    assert [f.name for f in firewalls.detail(P, firewall_id=None, name=None, enterprise_project_id=None)] == [
        "alpha-one"
    ]


def test_one_clock_jump_runs_every_step_it_passes_but_a_stall_is_not_backdated(store, clock, firewalls):
    """A jump of the clock over a whole job ends it, each step at its planned time; a job that
    waited in plain sight (paused engine) ends its steps from when the engine looks again."""
    from opencfw.engine.worker import PAUSE_KEY

    worker = Worker(store, clock)
    jumped = firewalls.create(P, spec("jumped"))
    assert worker.run_once() == 0
    clock.advance(60)  # the clock jumps: nobody saw the times in between
    assert worker.run_once() == 1
    done = jobs.get_job(store, P, jumped)
    assert done.status is JobStatus.SUCCESS and done.end_ms == done.begin_ms + 5000
    assert [at for _, _, _, at in store.job_steps(jumped)] == [done.begin_ms + 1000 * n for n in range(1, 6)]

    stalled = firewalls.create(P, spec("stalled"))
    store.set_meta(PAUSE_KEY, "1")
    for _ in range(10):  # the job is seen Running at its first step all along
        clock.advance(1)
        assert worker.run_once() == 0
    seen_running_at = clock.now_ms()
    store.set_meta(PAUSE_KEY, "0")
    clock.advance(1)
    worker.run_once()
    job = jobs.get_job(store, P, stalled)
    assert job.status is JobStatus.RUNNING and job.step_started_ms >= seen_running_at
    drain_until = clock.now_ms() + 10_000
    while clock.now_ms() < drain_until:
        clock.advance(1)
        worker.run_once()
    job = jobs.get_job(store, P, stalled)
    assert job.status is JobStatus.SUCCESS and job.end_ms >= seen_running_at + 4000
