"""The storage interface that the service layer talks to.

Implementations translate their driver's exceptions into ``opencfw.domain.errors`` classes at this
boundary: ``StoreUnavailable`` when the database cannot be used, ``NameConflict`` for a unique name.
Every method is one transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Protocol

from opencfw.domain.accounts import AccessKey, Domain, Project, User
from opencfw.domain.models import Firewall, FirewallStatus, Job, Tag
from opencfw.store.extensions_sql import Event


class SchemaMissing(RuntimeError):
    """Started with migrations disabled on a store that has no schema yet."""


class Store(Protocol):
    def close(self) -> None: ...

    # -- schema and metadata
    def migrate(self, target: int | None = None) -> list[int]:
        """Apply pending migrations (up to ``target``); return the versions applied."""
        ...

    def schema_version(self) -> int: ...

    def exclusive(self) -> contextlib.AbstractContextManager[Store]:
        """One write transaction that no other ``exclusive()`` runs beside, in any process (a lock
        taken inside it): the store it yields reads and writes inside that transaction, committed
        on exit. For the first start, which concurrent processes must not do twice."""
        ...

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...

    # -- accounts
    def is_empty(self) -> bool:
        """True when no account exists yet (first start)."""
        ...

    def add_domain(self, domain: Domain, now_ms: int) -> None: ...

    def get_domain_by_name(self, name: str) -> Domain | None: ...

    def get_domain(self, domain_id: str) -> Domain | None: ...

    def add_project(self, project: Project, now_ms: int) -> None: ...

    def get_project(self, project_id: str) -> Project | None: ...

    def list_projects(self, domain_id: str, name: str | None) -> list[Project]: ...

    def add_user(self, user: User, now_ms: int) -> None: ...

    def get_user(self, domain_id: str, name: str) -> User | None: ...

    def get_user_by_id(self, user_id: str) -> User | None: ...

    def set_password_hash(self, user_id: str, password_hash: str) -> None: ...

    def put_access_key(self, key: AccessKey, now_ms: int) -> None:
        """Insert the key, or replace the secret and owner of an existing one."""
        ...

    def get_access_key(self, access_key: str) -> AccessKey | None: ...

    # -- firewalls and their jobs
    def create_firewall(
        self, firewall: Firewall, job: Job, idempotency: tuple[str, str] | None = None
    ) -> str:
        """Insert a firewall and its creation job together; return the job id.

        With ``idempotency`` = ``(client token, request hash)``, a token already used in the project
        returns the job id of that earlier request (same hash) or raises ``DuplicateRequest``; the
        check is a unique key inside the same transaction, never a read before the write.
        """
        ...

    def get_firewall(self, project_id: str, firewall_id: str) -> Firewall | None:
        """A firewall that still exists (deleted ones are never returned)."""
        ...

    def list_firewalls(
        self,
        project_id: str,
        *,
        firewall_id: str | None = None,
        name: str | None = None,
        key_word: str | None = None,
        enterprise_project_id: str | None = None,
        status: int | None = None,
        offset: int = 0,
        limit: int | None = 1024,
    ) -> tuple[int, list[Firewall]]:
        """``(total, page)`` of the project's existing firewalls, oldest first (``limit`` None: all)."""
        ...

    def firewall_names(self, project_id: str, firewall_ids: Sequence[str]) -> dict[str, str]:
        """``{id: name}`` of the project's firewalls among ``firewall_ids``, deleted ones included
        (their tasks still name them)."""
        ...

    def rename_firewall(self, project_id: str, firewall_id: str, name: str, now_ms: int) -> bool: ...

    def start_delete(
        self, project_id: str, firewall_id: str, allowed: frozenset[FirewallStatus], job: Job
    ) -> FirewallStatus | None:
        """Move the firewall to DELETING and insert its deletion job, if its status is allowed.

        Returns the status the firewall had (whether or not it changed), or None when it does not exist.
        """
        ...

    def get_job(self, project_id: str, job_id: str) -> Job | None: ...

    def claim_due_jobs(self, now_ms: int, owner: str, lease_ms: int, limit: int = 1) -> list[Job]:
        """Atomically lease up to ``limit`` running jobs whose current step is due."""
        ...

    def save_jobs_progress(
        self, owner: str, updates: Sequence[tuple[Job, FirewallStatus | None, Sequence[tuple[int, str, int]]]]
    ) -> list[bool]:
        """In one transaction, for each ``(job, firewall status, completed steps)``: write the job's new
        state, its firewall's status (when the job ended) and the log of the steps it completed
        ``(index, step, at_ms)`` — if ``owner`` still holds the job's lease. One flag per job."""
        ...

    def job_steps(self, job_id: str) -> list[tuple[int, str, str, int]]:
        """The completed steps of a job: ``(index, step, worker, completed_ms)``, in order."""
        ...

    def next_due_ms(self) -> int | None:
        """When the earliest running job's current step is due (or its lease lapses)."""
        ...

    # -- extensions: the event log, job listing, retention, admin operations (extensions_sql.py)

    #: called after a commit that wrote events, with the projects concerned
    on_events: Callable[[set[str]], None] | None

    def events_since(self, project_id: str, after_seq: int, limit: int = 500) -> list[Event]:
        """The project's events ``(seq, type, data, at_ms)`` above ``after_seq``, oldest first."""
        ...

    def last_event_seq(self, project_id: str) -> int: ...

    def list_jobs(
        self,
        project_id: str,
        *,
        status: str | None = None,
        kind: str | None = None,
        resource_id: str | None = None,
        created_after_ms: int | None = None,
        created_before_ms: int | None = None,
        before: tuple[int, str] | None = None,
        limit: int = 50,
    ) -> list[Job]:
        """The project's jobs, newest first (begin time, then id), strictly after ``before``."""
        ...

    def purge_finished(self, ended_before_ms: int) -> int:
        """Delete jobs (and their traces) that ended before the instant; return how many."""
        ...

    def finish_job_now(
        self, job_id: str, decide: Callable[[Job], FirewallStatus | None], now_ms: int
    ) -> Job | None:
        """End a running job of any project at once as ``decide(job)`` (the service's) sets it and
        its firewall's returned status; None if it does not exist or has ended."""
        ...

    def reset_project(self, project_id: str, now_ms: int) -> tuple[int, int]:
        """Delete a project's firewalls and jobs; return how many of each."""
        ...

    def list_access_keys(self) -> list[tuple[str, str, str, str, int]]:
        """``(access_key, user, domain, status, created_ms)`` of every AK/SK pair, oldest first."""
        ...

    # -- a firewall's tags (tags_sql.py); IPS settings and east-west protection are registry resources
    def change_firewall_tags(
        self, project_id: str, firewall_id: str, change: Callable[[list[Tag]], list[Tag]], now_ms: int
    ) -> list[Tag] | None:
        """Read, ``change`` and write a firewall's tags in one transaction; None: no such firewall."""
        ...
