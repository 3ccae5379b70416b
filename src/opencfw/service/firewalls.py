"""The pay-per-use firewall lifecycle: create, read, list, rename, delete."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from opencfw.domain.clock import Clock
from opencfw.domain.errors import BadParameter, InstanceStatusError, NotFound
from opencfw.domain.models import (
    DELETABLE,
    Edition,
    Firewall,
    FirewallStatus,
    Job,
    JobKind,
    Tag,
)
from opencfw.service.jobs import (
    PlanOverrides,
    ProvisioningPolicy,
    new_job,
    overrides_from_tags,
    validate_tags,
)
from opencfw.store.base import Store


@dataclass(frozen=True, slots=True)
class NewFirewall:
    """A validated creation request."""

    name: str
    enterprise_project_id: str
    edition: Edition
    extend_eip_count: int
    extend_bandwidth: int
    extend_vpc_count: int
    tags: list[Tag]


@dataclass(frozen=True, slots=True)
class TagFilter:
    """ListFirewallList: a firewall matches when it has ``key`` with one of ``values`` (any value
    when None); every filter of a request must match."""

    key: str
    values: frozenset[str] | None

    def matches(self, tags: list[Tag]) -> bool:
        return any(t.key == self.key and (self.values is None or t.value in self.values) for t in tags)


def _not_found(firewall_id: str) -> NotFound:
    return NotFound(f"The firewall instance {firewall_id} does not exist")


class Firewalls:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        policy: ProvisioningPolicy,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self.store = store
        self.clock = clock
        self.policy = policy
        self.new_id = new_id

    def create(self, project_id: str, spec: NewFirewall, idempotency: tuple[str, str] | None = None) -> str:
        """Store a new firewall (status 0, creating) and its creation job, whose id is the firewall's.

        Returns the job id. ``idempotency`` is ``(client token, request hash)``: a repeated request
        returns the first one's job id instead of creating another firewall.
        """
        overrides = validate_tags(spec.tags)
        now = self.clock.now_ms()
        firewall_id = self.new_id()
        firewall = Firewall(
            id=firewall_id,
            project_id=project_id,
            name=spec.name,
            enterprise_project_id=spec.enterprise_project_id,
            status=FirewallStatus.CREATING,
            edition=spec.edition,
            extend_eip_count=spec.extend_eip_count,
            extend_bandwidth=spec.extend_bandwidth,
            extend_vpc_count=spec.extend_vpc_count,
            tags=spec.tags,
            internet_object_id=self.new_id(),
            created_ms=now,
            updated_ms=now,
        )
        job = new_job(
            job_id=firewall_id,
            project_id=project_id,
            kind=JobKind.CREATE,
            resource_id=firewall_id,
            policy=self.policy,
            now_ms=now,
            overrides=overrides,
        )
        return self.store.create_firewall(firewall, job, idempotency)

    def get(self, project_id: str, firewall_id: str) -> Firewall:
        firewall = self.store.get_firewall(project_id, firewall_id)
        if firewall is None:
            raise _not_found(firewall_id)
        return firewall

    def detail(
        self, project_id: str, *, firewall_id: str | None, name: str | None, enterprise_project_id: str | None
    ) -> list[Firewall]:
        """ListFirewallDetail: the named firewall (400 when it does not exist), or the project's first."""
        if firewall_id is not None:
            firewall = self.get(project_id, firewall_id)
            matches = (name is None or firewall.name == name) and (
                enterprise_project_id is None or firewall.enterprise_project_id == enterprise_project_id
            )
            return [firewall] if matches else []
        _, page = self.store.list_firewalls(
            project_id, name=name, enterprise_project_id=enterprise_project_id, limit=1
        )
        return page

    def list(
        self,
        project_id: str,
        *,
        key_word: str | None,
        enterprise_project_id: str | None,
        tags: list[TagFilter],
        offset: int,
        limit: int,
    ) -> tuple[int, list[Firewall]]:
        if not tags:
            return self.store.list_firewalls(
                project_id,
                key_word=key_word,
                enterprise_project_id=enterprise_project_id,
                offset=offset,
                limit=limit,
            )
        _, everything = self.store.list_firewalls(
            project_id, key_word=key_word, enterprise_project_id=enterprise_project_id, limit=None
        )
        matching = [fw for fw in everything if all(f.matches(fw.tags) for f in tags)]
        return len(matching), matching[offset : offset + limit]

    def rename(self, project_id: str, firewall_id: str, name: str) -> Firewall:
        if not self.store.rename_firewall(project_id, firewall_id, name, self.clock.now_ms()):
            raise _not_found(firewall_id)
        return self.get(project_id, firewall_id)

    def delete(self, project_id: str, firewall_id: str) -> Job:
        """Start deleting a pay-per-use firewall; the returned job is readable like any other."""
        # the firewall's reserved tags script its deletion too (its status is checked atomically below)
        current = self.store.get_firewall(project_id, firewall_id)
        overrides = PlanOverrides()
        if current is not None:
            try:
                overrides = overrides_from_tags(current.tags)
            except BadParameter:
                # every write checks the tags now; a bad one stored before that never blocks a delete
                overrides = PlanOverrides()
        job = new_job(
            job_id=self.new_id(),
            project_id=project_id,
            kind=JobKind.DELETE,
            resource_id=firewall_id,
            policy=self.policy,
            now_ms=self.clock.now_ms(),
            overrides=overrides,
        )
        before = self.store.start_delete(project_id, firewall_id, DELETABLE, job)
        if before is None:
            raise _not_found(firewall_id)
        if before not in DELETABLE:
            state = "still being created" if before is FirewallStatus.CREATING else "being deleted"
            if before not in (FirewallStatus.CREATING, FirewallStatus.DELETING):
                state = f"in status {int(before)}"
            raise InstanceStatusError(f"The firewall instance {firewall_id} is {state} and cannot be deleted")
        return job
