"""EIPs: the project's elastic public IPs (an inventory opencfw keeps in place of the EIP service),
their protection by a firewall, and a firewall's bypass-all switch with its status table."""

from __future__ import annotations

import enum
import hashlib
import ipaddress
import uuid
from dataclasses import dataclass

from opencfw.domain.errors import InvalidTransition
from opencfw.domain.models import JobKind, JobStatus

#: the documentation ranges the inventory's addresses come from (RFC 5737), in this order
RANGES = (
    ipaddress.IPv4Network("192.0.2.0/24"),
    ipaddress.IPv4Network("198.51.100.0/24"),
    ipaddress.IPv4Network("203.0.113.0/24"),
)
#: the addresses of those ranges a project may use (network and broadcast addresses left out)
ADDRESSES = tuple(str(a) for net in RANGES for a in net.hosts())
#: the namespace of the inventory's ids: the same project gets the same ids on every server
_NAMESPACE = uuid.UUID("6f1a3c5e-2b4d-4e8f-9a0b-1c2d3e4f5a6b")


def project_start(project_id: str) -> int:
    """Where a project's addresses start in ``ADDRESSES``: a hash of the project id, so that two
    projects usually get different addresses, and one project always the same."""
    digest = hashlib.sha256(project_id.encode()).digest()
    return int.from_bytes(digest[:4], "big") % len(ADDRESSES)


def nth_eip(project_id: str, index: int) -> tuple[str, str]:
    """``(id, public_ip)`` of the project's ``index``-th EIP (0, 1, ...), the same on every server."""
    eip_id = str(uuid.uuid5(_NAMESPACE, f"{project_id}/{index}"))
    return eip_id, ADDRESSES[(project_start(project_id) + index) % len(ADDRESSES)]


class EipStatus(enum.IntEnum):
    """``status`` of a ListEips record."""

    PROTECTED = 0
    UNPROTECTED = 1


class ProtectionStatus(enum.IntEnum):
    """A firewall's ``protection_status`` (SwitchFirewallEipProtection, ShowSnFirewallProtectionStatus)."""

    NORMAL = 0
    BYPASSING = 1
    BYPASSED = 2
    BYPASS_FAILED = 3
    RESTORING = 4
    RESTORE_FAILED = 5


#: the transitions of ``protection_status``: a switch starts a job (1 or 4), the job ends it
PROTECTION_TRANSITIONS: dict[ProtectionStatus, frozenset[ProtectionStatus]] = {
    ProtectionStatus.NORMAL: frozenset({ProtectionStatus.BYPASSING}),
    ProtectionStatus.BYPASSING: frozenset({ProtectionStatus.BYPASSED, ProtectionStatus.BYPASS_FAILED}),
    ProtectionStatus.BYPASSED: frozenset({ProtectionStatus.RESTORING}),
    ProtectionStatus.BYPASS_FAILED: frozenset({ProtectionStatus.BYPASSING}),
    ProtectionStatus.RESTORING: frozenset({ProtectionStatus.NORMAL, ProtectionStatus.RESTORE_FAILED}),
    ProtectionStatus.RESTORE_FAILED: frozenset({ProtectionStatus.RESTORING}),
}
#: the job a switch starts: bypass_operation 1 turns the bypass on, 0 restores protection
SWITCH_JOB = {
    1: (JobKind.BYPASS, ProtectionStatus.BYPASSING),
    0: (JobKind.RESTORE, ProtectionStatus.RESTORING),
}
#: the status a switch's job leaves behind (in the transaction that ends it)
AFTER_SWITCH_JOB: dict[tuple[JobKind, JobStatus], ProtectionStatus] = {
    (JobKind.BYPASS, JobStatus.SUCCESS): ProtectionStatus.BYPASSED,
    (JobKind.BYPASS, JobStatus.FAILED): ProtectionStatus.BYPASS_FAILED,
    (JobKind.RESTORE, JobStatus.SUCCESS): ProtectionStatus.NORMAL,
    (JobKind.RESTORE, JobStatus.FAILED): ProtectionStatus.RESTORE_FAILED,
}
#: statuses in which a job is running
IN_PROGRESS = frozenset({ProtectionStatus.BYPASSING, ProtectionStatus.RESTORING})
#: statuses in which the firewall lets its EIPs' traffic through unfiltered: from the moment a
#: bypass job succeeds until a restoration job succeeds
BYPASS_ON = frozenset(
    {ProtectionStatus.BYPASSED, ProtectionStatus.RESTORING, ProtectionStatus.RESTORE_FAILED}
)


def check_protection_transition(old: ProtectionStatus, new: ProtectionStatus) -> None:
    if new not in PROTECTION_TRANSITIONS[old]:
        raise InvalidTransition(f"protection status {old.name} -> {new.name} is not allowed")


@dataclass(frozen=True, slots=True)
class Eip:
    """One EIP of the inventory and, when a firewall protects it, which one."""

    id: str
    project_id: str
    public_ip: str
    public_ipv6: str | None
    device_id: str | None
    device_name: str | None
    device_owner: str | None
    associate_instance_type: str | None
    #: 0 until a ListEips with sync=1 has seen it (an EIP made after the project's first use)
    synced: int
    created_ms: int
    firewall_id: str | None = None
    object_id: str | None = None


@dataclass(frozen=True, slots=True)
class FirewallEips:
    """A firewall's EIP settings: auto-protection of new EIPs and the bypass-all switch."""

    firewall_id: str
    project_id: str
    object_id: str
    auto_protect: int
    protection_status: ProtectionStatus
    #: the job of the last switch, and why it failed (``fail_reason``)
    job_id: str | None
    fail_reason: str | None
    updated_ms: int


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the policy evaluator needs to know about a flow's address on a firewall."""

    #: the address is one of the project's EIPs that this firewall protects
    protected: bool
    #: the firewall's bypass-all switch is on (its EIPs' traffic passes unfiltered)
    bypassed: bool
