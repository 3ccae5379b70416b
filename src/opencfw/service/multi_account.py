"""Multi-account protection: one opencfw account (domain) stands for the organisation, and each of
its projects for one member account. A firewall turns multi-account on, then adds accounts of the
organisation to what it protects (``firewall_accounts``) or removes them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from opencfw.domain.accounts import Domain, Project
from opencfw.domain.clock import Clock
from opencfw.domain.errors import NotFound
from opencfw.service import firewall_scope
from opencfw.store.base import Store

SWITCH = "multi_account"


@dataclass(frozen=True)
class Node:
    """A node of the organisation tree: the root (the domain) or an account (a project)."""

    id: str
    name: str
    org_type: str  # "root" or "account"
    parent_id: str
    urn: str
    delegated: bool


@dataclass(frozen=True)
class Member:
    project: Project
    added_ms: int


class MultiAccount:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.db = firewall_scope.database(store)
        self.clock = clock

    def organisation(self, project_id: str, firewall_id: str) -> tuple[Domain, list[Project]]:
        """The caller's domain and its projects (the organisation's accounts), by id."""
        with self.db.read() as conn:
            firewall_scope.check_firewall(self.db, conn, project_id, firewall_id)
        project = self.store.get_project(project_id)
        domain = self.store.get_domain(project.domain_id) if project is not None else None
        if domain is None:
            raise NotFound(f"The project {project_id} belongs to no account")
        return domain, sorted(self.store.list_projects(domain.id, None), key=lambda p: p.id)

    def _added(self, project_id: str, firewall_id: str) -> dict[str, int]:
        with self.db.read() as conn:
            rows = conn.execute(self.db.sql("accounts_of"), (project_id, firewall_id)).fetchall()
        return {str(account): int(at) for account, at in rows}

    def enable(self, project_id: str, firewall_id: str) -> Domain:
        domain, _ = self.organisation(project_id, firewall_id)
        firewall_scope.set_setting(self.db, project_id, firewall_id, SWITCH, "1", self.clock.now_ms())
        return domain

    def tree(
        self, project_id: str, firewall_id: str, parent_id: str | None, accounts_only: bool
    ) -> list[Node]:
        """The nodes under ``parent_id`` (none given: the whole tree, root first); an unknown
        parent is CFW.00200005."""
        domain, projects = self.organisation(project_id, firewall_id)
        added = self._added(project_id, firewall_id)
        root = Node(domain.id, domain.name, "root", "", f"organizations::{domain.id}:root:{domain.id}", False)
        accounts = [
            Node(
                p.id,
                p.name,
                "account",
                domain.id,
                f"organizations::{domain.id}:account:{domain.id}/{p.id}",
                p.id in added,
            )
            for p in projects
        ]
        if parent_id is None:
            return accounts if accounts_only else [root, *accounts]
        if parent_id == domain.id:
            return accounts
        if any(a.id == parent_id for a in accounts):
            return []
        raise NotFound(f"The organisation node {parent_id} does not exist")

    def members(self, project_id: str, firewall_id: str) -> tuple[Domain, list[Member]]:
        domain, projects = self.organisation(project_id, firewall_id)
        added = self._added(project_id, firewall_id)
        found = [Member(p, added[p.id]) for p in projects if p.id in added]
        return domain, sorted(found, key=lambda m: (m.added_ms, m.project.id))

    def change(self, project_id: str, firewall_id: str, account_ids: Sequence[str], add: bool) -> Domain:
        """Add (or remove) every account named, or none: an account that is not one of the
        organisation's, or (removing) not added, is CFW.00200005. Adding one twice changes nothing."""
        domain, projects = self.organisation(project_id, firewall_id)
        known = {p.id for p in projects}
        now = self.clock.now_ms()
        with self.db.write() as conn:
            firewall_scope.check_firewall(self.db, conn, project_id, firewall_id, lock=True)
            rows = conn.execute(self.db.sql("accounts_of"), (project_id, firewall_id)).fetchall()
            added = {str(row[0]) for row in rows}
            for account in dict.fromkeys(account_ids):
                if account not in known or (not add and account not in added):
                    raise NotFound(f"The account {account} is not one of the organisation's")
                if add and account not in added:
                    conn.execute(self.db.sql("account_insert"), (project_id, firewall_id, account, now))
                if not add:
                    conn.execute(self.db.sql("account_delete"), (project_id, firewall_id, account))
            kind = "firewall.accounts_added" if add else "firewall.accounts_removed"
            self.db.emit(conn, project_id, kind, {"firewall_id": firewall_id}, now)
        self.db.announce(project_id)
        return domain
