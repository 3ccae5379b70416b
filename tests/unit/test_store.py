"""Store behaviour on SQLite and PostgreSQL alike: migrations, idempotency, the step log."""

from __future__ import annotations

import threading

import pytest

from opencfw.domain.errors import DuplicateRequest, NameConflict
from opencfw.domain.models import Edition, JobStatus
from opencfw.engine.worker import Worker
from opencfw.service import jobs
from opencfw.service.firewalls import Firewalls, NewFirewall
from opencfw.service.jobs import ProvisioningPolicy
from opencfw.store.sql_store import firewall_to_row, job_to_row
from opencfw.store.sqlite import SqliteStore

P = "a" * 32


def spec(name="fw1"):
    return NewFirewall(name, "0", Edition.PROFESSIONAL, 0, 0, 0, [])


class FirewallRecorder:
    """Stands in for a store to capture the rows a create would write."""

    def create_firewall(self, firewall, job, idempotency=None):
        self.created = (firewall, job)
        return job.id


def open_store(tmp_path, database_url):
    if database_url is None:
        return SqliteStore(tmp_path / "upgrade.sqlite3")
    from opencfw.store.postgres import PostgresStore

    return PostgresStore(database_url)


def test_upgrade_from_the_first_schema_keeps_data(tmp_path, database_url, clock):
    """A store created at schema version 1, with data, upgrades to the current version intact."""
    store = open_store(tmp_path, database_url)
    try:
        assert store.schema_version() == 0
        assert store.migrate(target=1) == [1]
        assert store.schema_version() == 1
        # rows as the version-1 code wrote them: a firewall and its job, nothing else
        recorder = FirewallRecorder()
        Firewalls(recorder, clock, ProvisioningPolicy(duration_ms=0)).create(P, spec("old"))
        firewall, job = recorder.created
        job_id = job.id
        with store._write() as conn:
            conn.execute(store.sql["insert_firewall"], firewall_to_row(firewall))
            conn.execute(store.sql["insert_job"], job_to_row(job))
        applied = store.migrate()
        fws = Firewalls(store, clock, ProvisioningPolicy(duration_ms=0))
        assert applied and applied[0] == 2 and store.schema_version() == applied[-1]
        assert store.migrate() == []
        assert fws.get(P, job_id).name == "old"
        assert Worker(store, clock).run_once()
        assert jobs.get_job(store, P, job_id).status is JobStatus.SUCCESS
        assert fws.create(P, spec("new"), ("tok", "h")) == fws.create(P, spec("new"), ("tok", "h"))
    finally:
        store.close()


def test_idempotent_create(store, clock):
    """Same token and body: same job, one firewall; same token, other body: CFW.00200009."""
    fws = Firewalls(store, clock, ProvisioningPolicy(duration_ms=0))
    first = fws.create(P, spec("idem"), ("token-1", "hash-a"))
    assert fws.create(P, spec("idem"), ("token-1", "hash-a")) == first
    with pytest.raises(DuplicateRequest) as err:
        fws.create(P, spec("other"), ("token-1", "hash-b"))
    assert err.value.error_code == "CFW.00200009"
    assert store.list_firewalls(P)[0] == 1
    # tokens are per project
    assert fws.create("b" * 32, spec("idem"), ("token-1", "hash-a")) != first


def test_a_failed_create_does_not_burn_its_token(store, clock):
    """A create that fails (name conflict) leaves its token unused, so a corrected retry works."""
    fws = Firewalls(store, clock, ProvisioningPolicy(duration_ms=0))
    fws.create(P, spec("taken"))
    with pytest.raises(NameConflict):
        fws.create(P, spec("taken"), ("retry-token", "hash-1"))
    with pytest.raises(NameConflict):
        fws.create(P, spec("taken"), ("retry-token", "hash-1"))
    fws.create(P, spec("free"), ("retry-token", "hash-2"))


def test_concurrent_creates_with_one_token_make_one_firewall(store, clock):
    """Twenty threads sending the same token at once produce exactly one firewall and one job."""
    fws = Firewalls(store, clock, ProvisioningPolicy(duration_ms=0))
    results: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(20)

    def send():
        barrier.wait()
        try:
            results.append(fws.create(P, spec("race"), ("race-token", "same-hash")))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(results)) == 1
    assert store.list_firewalls(P)[0] == 1


def test_step_log_records_each_step_once(store, clock):
    """Every completed step is logged once with its worker; the log refuses a second completion."""
    fws = Firewalls(store, clock, ProvisioningPolicy(duration_ms=5000))
    job_id = fws.create(P, spec())
    worker = Worker(store, clock, owner="w1")
    for _ in range(5):
        clock.advance(1)
        worker.run_once()
    log = store.job_steps(job_id)
    assert [(i, step) for i, step, _, _ in log] == list(
        enumerate(["validate", "allocate", "deploy-engine", "configure", "activate"])
    )
    assert {w for _, _, w, _ in log} == {"w1"}
    assert [at for *_, at in log] == [clock.now_ms() - 4000 + 1000 * i for i in range(5)]


def test_zero_duration_steps_commit_together(store, clock):
    """With no time between steps, one claim completes and logs all of them in one save."""
    fws = Firewalls(store, clock, ProvisioningPolicy(duration_ms=0))
    job_id = fws.create(P, spec())
    assert Worker(store, clock, owner="w").run_once()
    assert len(store.job_steps(job_id)) == 5
    assert jobs.get_job(store, P, job_id).status is JobStatus.SUCCESS
