"""Firewalls and jobs, their status enums, and the transition tables that guard them."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from opencfw.domain.errors import InvalidTransition


class FirewallStatus(enum.IntEnum):
    """The integer ``status`` of a firewall record (spec section 3)."""

    AWAITING_PAYMENT = -1
    CREATING = 0
    DELETING = 1
    RUNNING = 2
    UPGRADING = 3
    DELETED = 4
    FROZEN = 5
    CREATE_FAILED = 6
    DELETE_FAILED = 7
    FREEZE_FAILED = 8
    STORING = 9
    STORE_FAILED = 10
    UPGRADE_FAILED = 11


FIREWALL_TRANSITIONS: dict[FirewallStatus, frozenset[FirewallStatus]] = {
    FirewallStatus.CREATING: frozenset({FirewallStatus.RUNNING, FirewallStatus.CREATE_FAILED}),
    FirewallStatus.RUNNING: frozenset({FirewallStatus.DELETING}),
    FirewallStatus.CREATE_FAILED: frozenset({FirewallStatus.DELETING}),
    FirewallStatus.DELETE_FAILED: frozenset({FirewallStatus.DELETING}),
    FirewallStatus.DELETING: frozenset({FirewallStatus.DELETED, FirewallStatus.DELETE_FAILED}),
}

#: statuses from which a pay-per-use firewall may be deleted
DELETABLE = frozenset(s for s, nxt in FIREWALL_TRANSITIONS.items() if FirewallStatus.DELETING in nxt)


def check_firewall_transition(old: FirewallStatus, new: FirewallStatus) -> None:
    if new not in FIREWALL_TRANSITIONS.get(old, frozenset()):
        raise InvalidTransition(f"firewall status {old.name} -> {new.name} is not allowed")


class JobStatus(enum.StrEnum):
    """The ``status`` string of a job: exactly these three, case-sensitive (spec section 1)."""

    RUNNING = "Running"
    SUCCESS = "Success"
    FAILED = "Failed"


JOB_TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.RUNNING: frozenset({JobStatus.SUCCESS, JobStatus.FAILED}),
}


def check_job_transition(old: JobStatus, new: JobStatus) -> None:
    if new not in JOB_TRANSITIONS.get(old, frozenset()):
        raise InvalidTransition(f"job status {old} -> {new} is not allowed")


class JobKind(enum.StrEnum):
    CREATE = "create"
    DELETE = "delete"
    #: a firewall's bypass-all switch (SwitchFirewallEipProtection): turning it on, and back off
    BYPASS = "bypass"
    RESTORE = "restore"


#: the kinds of job that create or delete their firewall (the others change a setting of it)
FIREWALL_KINDS = frozenset({JobKind.CREATE, JobKind.DELETE})


#: the named provisioning steps each kind of job walks, in order
STEPS: dict[JobKind, tuple[str, ...]] = {
    JobKind.CREATE: ("validate", "allocate", "deploy-engine", "configure", "activate"),
    JobKind.DELETE: ("validate", "detach", "release-engine", "cleanup"),
    JobKind.BYPASS: ("validate", "divert-traffic"),
    JobKind.RESTORE: ("validate", "restore-traffic"),
}

#: the step at which a job scripted to fail fails, unless told otherwise
DEFAULT_FAIL_AT: dict[JobKind, str] = {
    JobKind.CREATE: "deploy-engine",
    JobKind.DELETE: "release-engine",
    JobKind.BYPASS: "divert-traffic",
    JobKind.RESTORE: "restore-traffic",
}

#: a job's status once its firewall reaches the end of the job (the same transaction)
FIREWALL_AFTER_JOB: dict[tuple[JobKind, JobStatus], FirewallStatus] = {
    (JobKind.CREATE, JobStatus.SUCCESS): FirewallStatus.RUNNING,
    (JobKind.CREATE, JobStatus.FAILED): FirewallStatus.CREATE_FAILED,
    (JobKind.DELETE, JobStatus.SUCCESS): FirewallStatus.DELETED,
    (JobKind.DELETE, JobStatus.FAILED): FirewallStatus.DELETE_FAILED,
}


class Edition(enum.IntEnum):
    """``flavor.version`` as the records report it."""

    STANDARD = 0
    PROFESSIONAL = 1


#: default capacities of a pay-per-use firewall of each edition (SDK ``Flavor``: pay-per-use is
#: Professional only, eip 1000 / bandwidth 200 / vpc 5; docs/api-notes.md). Standard is only
#: reported for firewalls that a store kept from before pay-per-use Standard was refused: they keep
#: the yearly/monthly Standard defaults they were created with.
EDITION_DEFAULTS: dict[Edition, dict[str, int]] = {
    Edition.STANDARD: {"eip_count": 20, "bandwidth": 10, "vpc_count": 0, "log_storage": 0},
    Edition.PROFESSIONAL: {"eip_count": 1000, "bandwidth": 200, "vpc_count": 5, "log_storage": 0},
}


@dataclass(slots=True)
class Tag:
    key: str
    value: str


@dataclass(slots=True)
class Firewall:
    id: str
    project_id: str
    name: str
    enterprise_project_id: str
    status: FirewallStatus
    edition: Edition
    extend_eip_count: int
    extend_bandwidth: int
    extend_vpc_count: int
    tags: list[Tag]
    #: the protected object of type 0 (Internet border) created with the firewall
    internet_object_id: str
    created_ms: int
    updated_ms: int


@dataclass(slots=True)
class StepPlan:
    name: str
    duration_ms: int


@dataclass(slots=True)
class Job:
    id: str
    project_id: str
    kind: JobKind
    resource_id: str
    status: JobStatus
    steps: list[StepPlan]
    step_index: int
    #: the planned end: ``success`` or ``failed``, and the step where a failure happens
    outcome: str
    fail_at: str | None
    attempts: int
    begin_ms: int
    end_ms: int | None
    run_after_ms: int
    lease_owner: str | None = None
    lease_expires_ms: int | None = None
    error_code: str | None = None
    error_msg: str | None = None
    updated_ms: int = 0
    step_started_ms: int = 0

    @property
    def current_step(self) -> str | None:
        if self.status is not JobStatus.RUNNING:
            return None
        return self.steps[self.step_index].name
