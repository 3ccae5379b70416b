"""The first start under concurrency: any number of processes bootstrapping one store at once
(simulated by threads, each with a store connection of its own), on both stores."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from opencfw.config import Secret, Settings
from opencfw.runtime import build_runtime
from opencfw.service.credentials import BootstrapSpec, Credentials
from opencfw.service.secrets import SecretBox, load_master_key, verify_password
from opencfw.store.sqlite import SqliteStore

STARTERS = 6
GENERATED = BootstrapSpec("opencfw", "admin", None, "cn-north-4", None, None, None)


def _open(tmp_path: Path, database_url: str | None):
    if database_url is None:
        return SqliteStore(tmp_path / "store.sqlite3")
    from opencfw.store.postgres import PostgresStore

    return PostgresStore(database_url)


def _at_once(count: int, work):
    """Run ``work(i)`` in ``count`` threads released together; return results and exceptions."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def test_concurrent_bootstraps_create_one_account_and_show_its_secrets_once(
    tmp_path, database_url, clock, box
):
    """Six starters at once on an empty store: none fails, exactly one creates the account and
    gets every generated secret (password, AK/SK, admin token), and those secrets work."""
    stores = [_open(tmp_path, database_url) for _ in range(STARTERS)]
    stores[0].migrate()
    try:
        creds = [Credentials(s, clock, box, token_ttl_ms=60_000) for s in stores]
        results, errors = _at_once(STARTERS, lambda i: creds[i].bootstrap(GENERATED))
        assert errors == []
        creators = [r for r in results if r.created]
        assert len(creators) == 1
        first = creators[0]
        assert first.generated_password and first.generated_secret_key and first.generated_admin_token
        for other in results:
            assert other.project_id == first.project_id and other.admin_token == first.admin_token
            if other is not first:
                assert not (other.generated_password or other.generated_secret_key)
                assert other.generated_admin_token is None
        store = stores[0]
        domain = store.get_domain_by_name("opencfw")
        user = store.get_user(domain.id, "admin")
        assert verify_password(first.generated_password, user.password_hash)
        assert box.decrypt(store.get_access_key(first.access_key).secret_enc) == first.generated_secret_key
        assert len(store.list_projects(domain.id, "cn-north-4")) == 1
        assert [ak for ak, *_ in store.list_access_keys()] == [first.access_key]
    finally:
        for s in stores:
            s.close()


def test_concurrent_master_key_checks_agree(tmp_path, database_url, clock):
    """Starters with the same master key all pass; the check value is written once."""
    stores = [_open(tmp_path, database_url) for _ in range(STARTERS)]
    stores[0].migrate()
    try:
        box = SecretBox(b"one key")
        _, errors = _at_once(
            STARTERS, lambda i: Credentials(stores[i], clock, box, token_ttl_ms=1).check_master_key()
        )
        assert errors == []
        box.verify_check_value(stores[0].get_meta("master_key_check"))
    finally:
        for s in stores:
            s.close()


def test_concurrent_master_key_files_agree(tmp_path):
    """Processes creating the master key file at once all end up with the one key written."""
    results, errors = _at_once(STARTERS, lambda i: load_master_key(tmp_path, None))
    assert errors == []
    assert len(set(results)) == 1 and results[0] == (tmp_path / "master.key").read_bytes().strip()
    assert [p.name for p in tmp_path.iterdir()] == ["master.key"]  # no temporary file left


@pytest.mark.parametrize("password", [None, "other-password"])
def test_a_worker_never_creates_or_changes_an_account(tmp_path, database_url, password):
    """A worker (bootstrap=False) on an empty store creates no account and no admin token; on a
    store with an account, other user, domain, region or password settings change nothing."""
    base = {
        "data_dir": tmp_path / "data",
        "database_url": Secret(database_url) if database_url else None,
        "master_key": Secret(hashlib.sha256(b"worker-test").hexdigest()),  # 32 bytes as hex
    }
    worker_settings = Settings(
        **base,
        domain="elsewhere",
        user="intruder",
        region="eu-west-0",
        password=Secret(password) if password else None,
    )
    runtime, result = build_runtime(worker_settings, bootstrap=False)
    try:
        assert result is None and runtime.store.is_empty()
        assert runtime.store.get_meta("admin_token") is None
    finally:
        runtime.close()
    server, first = build_runtime(Settings(**base, password=Secret("server-password")))
    server.close()
    assert first is not None and first.created  # the server, started later, creates and shows it
    runtime, _ = build_runtime(worker_settings, bootstrap=False)
    try:
        store = runtime.store
        assert store.get_domain_by_name("elsewhere") is None
        domain = store.get_domain_by_name("opencfw")
        assert store.get_user(domain.id, "intruder") is None
        assert verify_password("server-password", store.get_user(domain.id, "admin").password_hash)
        assert [p.name for p in store.list_projects(domain.id, None)] == ["cn-north-4"]
    finally:
        runtime.close()
