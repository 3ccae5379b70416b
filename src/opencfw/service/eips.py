"""EIPs and their protection: the project's inventory (opencfw stands in for the EIP service), which
firewall protects which EIP within its quota, auto-protection of new EIPs, the bypass-all switch
whose status a job drives, the alarm whitelist, and the policy evaluator's question (``verdict``).

A project's inventory is made at its first use: the first call, of the CFW API, the admin API or
the CLI, that reads or writes its EIPs gets it ``seed`` EIPs (OPENCFW_EIP_COUNT) in the
documentation ranges, the same ids and addresses on every server. EIPs added later are seen by
CFW only after a ListEips with ``sync=1``. Another project's objects and firewalls answer exactly
as unknown ones (``NotFound``).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from opencfw.domain.clock import Clock
from opencfw.domain.eips import (
    BYPASS_ON,
    IN_PROGRESS,
    PROTECTION_TRANSITIONS,
    SWITCH_JOB,
    Eip,
    FirewallEips,
    ProtectionStatus,
    Verdict,
    check_protection_transition,
)
from opencfw.domain.errors import BadParameter, InstanceStatusError, NotFound, OpenCfwError
from opencfw.domain.models import FirewallStatus, Job
from opencfw.service import jobs
from opencfw.store.base import Store
from opencfw.store.db import Database
from opencfw.store.eips import EipStore, Listed, NewEip, Owner

#: at most this many EIPs per admin call, and per ChangeEipStatus or AddEipAlarmWhitelist
MAX_BATCH = 1024


class NothingToDo(OpenCfwError):
    """The switch is already where the request wants it."""

    error_code = "CFW.00400002"
    http_status = 400
    default_message = "not need to operate"


@dataclass(frozen=True, slots=True)
class Target:
    """An EIP named by a request: its id, and the addresses the caller says it has."""

    id: str
    public_ip: str | None = None
    public_ipv6: str | None = None


@dataclass(frozen=True, slots=True)
class Counts:
    total: int
    protected: int
    protected_self: int
    quota: int


def address(text: str, version: int, what: str) -> str:
    """An IP address of the family, in its normal form (``2001:DB8::1`` is ``2001:db8::1``)."""
    try:
        found = ipaddress.ip_address(text)
    except ValueError:
        raise BadParameter(f"Invalid request body: `{what}` is not an IP address: {text[:64]!r}") from None
    if found.version != version:
        raise BadParameter(f"Invalid request body: `{what}` must be an IPv{version} address")
    return str(found)


class Eips:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        seed: int,
        policy: Callable[[], jobs.ProvisioningPolicy],
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self.db = Database(store)  # type: ignore[arg-type]  # both stores are SqlStores
        self.store = EipStore(self.db)
        self.clock = clock
        self.seed = seed
        #: the server's provisioning policy now (the admin API may replace it)
        self.policy = policy
        self.new_id = new_id

    def _write(self, project_id: str) -> Any:
        return self.store.write(project_id, self.seed, self.clock.now_ms())

    # -- the inventory (admin API and CLI)

    def inventory(self, project_id: str) -> list[Eip]:
        """Every EIP of the project, those CFW has not seen yet too (their ``synced`` is 0)."""
        with self._write(project_id) as conn:
            return self.store.select(conn, project_id)

    def add(self, project_id: str, new: list[NewEip]) -> list[Eip]:
        if not 1 <= len(new) <= MAX_BATCH:
            raise BadParameter(f"Invalid request body: add 1 to {MAX_BATCH} EIPs at a time")
        given = [spec.public_ip for spec in new if spec.public_ip is not None]
        if len(set(given)) != len(given):
            raise BadParameter("Invalid request body: the same `public_ip` twice")
        with self._write(project_id) as conn:
            for ip in given:
                if self.store.has_address(conn, project_id, ip):
                    raise BadParameter(f"Invalid request body: the project already has the EIP {ip}")
            try:
                made = self.store.add(conn, project_id, new, self.clock.now_ms(), synced=0)
            except LookupError as exc:
                raise BadParameter(f"Cannot add EIPs: {exc}; give `public_ip`") from None
            self.db.emit(conn, project_id, "eip.added", {"ids": [e.id for e in made]}, self.clock.now_ms())
        return made

    def remove(self, project_id: str, eip_id: str) -> None:
        """Delete an EIP (released in the EIP service): its protection and whitelist entries go too."""
        with self._write(project_id) as conn:
            if not self.store.remove(conn, project_id, eip_id):
                raise NotFound(f"The EIP {eip_id} does not exist")
            self.db.emit(conn, project_id, "eip.removed", {"id": eip_id}, self.clock.now_ms())

    # -- scope

    def _object(self, conn: Any, project_id: str, object_id: str, firewall_id: str | None) -> Owner:
        owner = self.store.owner_of_object(conn, project_id, object_id)
        if owner is None or (firewall_id is not None and owner.id != firewall_id):
            raise NotFound(f"The protected object {object_id} does not exist")
        return owner

    def _firewall(self, conn: Any, project_id: str, firewall_id: str) -> Owner:
        owner = self.store.firewall(conn, project_id, firewall_id, lock=True)
        if owner is None:
            raise NotFound(f"The firewall instance {firewall_id} does not exist")
        return owner

    @staticmethod
    def _running(owner: Owner) -> None:
        if owner.status is not FirewallStatus.RUNNING:
            raise InstanceStatusError(
                f"The firewall instance {owner.id} is not running (status {int(owner.status)})"
            )

    # -- ListEips, ChangeEipStatus

    def listing(
        self,
        project_id: str,
        object_id: str,
        firewall_id: str | None,
        filters: dict[str, Any],
        *,
        sync: bool,
        offset: int,
        limit: int,
    ) -> tuple[Owner, int, list[Listed]]:
        """A page of the EIPs CFW sees. ``status`` 0 is protected by this object's firewall, 1 is
        not (another firewall may protect it: the record names it). ``sync`` first makes the EIPs
        added since visible, and the firewalls that protect new EIPs automatically take them."""
        with self._write(project_id) as conn:
            owner = self._object(conn, project_id, object_id, firewall_id)
            if sync:
                self._sync(conn, project_id)
            where = {k: v for k, v in filters.items() if k != "status"}
            where["synced"] = True
            if filters.get("status") == 0:
                where["protected_by"] = owner.id
            elif filters.get("status") == 1:
                where["not_protected_by"] = owner.id
            total, rows = self.store.page(conn, project_id, where, offset, limit)
        return owner, total, rows

    def _sync(self, conn: Any, project_id: str) -> None:
        self.store.lock(conn, project_id)
        fresh = self.store.sync(conn, project_id)
        if not fresh:
            return
        now = self.clock.now_ms()
        waiting = [e for e in self.store.select(conn, project_id, synced=True) if e.id in set(fresh)]
        for owner in self.store.auto_protecting(conn, project_id):
            room = owner.quota - self.store.protected_count(conn, owner.id)
            taken, waiting = waiting[: max(room, 0)], waiting[max(room, 0) :]
            for eip in taken:
                self.store.protect(conn, eip, owner, now)
        self.db.emit(conn, project_id, "eip.synced", {"ids": fresh}, now)

    def change_status(
        self,
        project_id: str,
        object_id: str,
        status: int,
        targets: list[Target],
        firewall_id: str | None = None,
    ) -> tuple[Owner, list[tuple[str, str]]]:
        """Protect (0) or unprotect (1) the EIPs; returns the firewall and ``(id, why)`` of each EIP
        that could not change (unknown, another firewall's, over the quota). The others change."""
        if not 1 <= len(targets) <= MAX_BATCH:
            raise BadParameter(f"Invalid request body: `ip_infos` must have 1 to {MAX_BATCH} EIPs")
        failed: list[tuple[str, str]] = []
        with self._write(project_id) as conn:
            owner = self._object(conn, project_id, object_id, firewall_id)
            self._running(owner)
            self.store.lock(conn, project_id)
            known = {e.id: e for e in self.store.select(conn, project_id, synced=True)}
            used = self.store.protected_count(conn, owner.id)
            now = self.clock.now_ms()
            changed = []
            for target in targets:
                eip = known.get(target.id)
                why = self._mismatch(eip, target)
                if why is None and eip is not None:
                    why, used = self._change(conn, eip, owner, status, used, now)
                    if why is None:
                        known[eip.id] = _with_owner(eip, owner if status == 0 else None)
                        changed.append(eip.id)
                if why is not None:
                    failed.append((target.id, why))
            kind = "eip.protected" if status == 0 else "eip.unprotected"
            self.db.emit(conn, project_id, kind, {"fw_instance_id": owner.id, "ids": changed}, now)
        return owner, failed

    @staticmethod
    def _mismatch(eip: Eip | None, target: Target) -> str | None:
        if eip is None:
            return f"The EIP {target.id} does not exist"
        if target.public_ip and target.public_ip != eip.public_ip:
            return f"The EIP {eip.id} has the address {eip.public_ip}, not {target.public_ip}"
        if target.public_ipv6 and target.public_ipv6 != eip.public_ipv6:
            return f"The EIP {eip.id} has no IPv6 address {target.public_ipv6}"
        return None

    def _change(
        self, conn: Any, eip: Eip, owner: Owner, status: int, used: int, now: int
    ) -> tuple[str | None, int]:
        if eip.firewall_id is not None and eip.firewall_id != owner.id:
            return f"The EIP {eip.id} is protected by the firewall {eip.firewall_id}", used
        if status == 0:
            if eip.firewall_id == owner.id:
                return None, used
            if used >= owner.quota:
                return f"The firewall {owner.id} protects {owner.quota} EIPs already (its quota)", used
            self.store.protect(conn, eip, owner, now)
            return None, used + 1
        if eip.firewall_id == owner.id:
            self.store.unprotect(conn, eip)
            return None, used - 1
        return None, used

    # -- counts and auto-protection

    def counts(self, project_id: str, object_id: str, firewall_id: str | None) -> tuple[Owner, Counts]:
        with self._write(project_id) as conn:
            owner = self._object(conn, project_id, object_id, firewall_id)
            total, protected, mine = self.store.counts(conn, project_id, owner.id)
        return owner, Counts(total, protected, mine, owner.quota)

    def auto_protect(
        self, project_id: str, object_id: str, firewall_id: str | None
    ) -> tuple[FirewallEips, Counts]:
        with self._write(project_id) as conn:
            owner = self._object(conn, project_id, object_id, firewall_id)
            total, protected, mine = self.store.counts(conn, project_id, owner.id)
            settings = self.store.settings(conn, project_id, owner)
        return settings, Counts(total, protected, mine, owner.quota)

    def switch_auto_protect(self, project_id: str, firewall_id: str, object_id: str, status: int) -> str:
        with self._write(project_id) as conn:
            owner = self._object(conn, project_id, object_id, firewall_id)
            self._running(owner)
            settings = self.store.settings(conn, project_id, owner)
            now = self.clock.now_ms()
            self.store.put_settings(conn, _replace(settings, auto_protect=status, updated_ms=now))
            data = {"fw_instance_id": owner.id, "auto_protect": status}
            self.db.emit(conn, project_id, "eip.auto_protect", data, now)
        return owner.object_id

    # -- the bypass-all switch

    def switch_bypass(self, project_id: str, firewall_id: str, operation: int) -> tuple[FirewallEips, Job]:
        """Start turning the bypass on (1) or off (0): the status becomes 1 (bypassing) or 4
        (restoring) at once, and a job ends it (2 or 3, 0 or 5) as provisioning jobs end."""
        kind, during = SWITCH_JOB[operation]
        with self._write(project_id) as conn:
            owner = self._firewall(conn, project_id, firewall_id)
            self._running(owner)
            current = self.store.settings(conn, project_id, owner)
            if current.protection_status in IN_PROGRESS:
                raise InstanceStatusError(
                    f"The firewall instance {firewall_id} is switching its EIP protection "
                    f"(status {int(current.protection_status)})"
                )
            if during not in _next(current.protection_status):
                raise NothingToDo(
                    f"The EIP protection of the firewall instance {firewall_id} is already "
                    + ("bypassed" if operation == 1 else "on")
                )
            check_protection_transition(current.protection_status, during)
            now = self.clock.now_ms()
            job = jobs.new_job(
                job_id=self.new_id(),
                project_id=project_id,
                kind=kind,
                resource_id=owner.id,
                policy=self.policy(),
                now_ms=now,
            )
            settings = _replace(
                current, protection_status=during, job_id=job.id, fail_reason=None, updated_ms=now
            )
            self.store.put_settings(conn, settings)
            self.store.start_job(conn, job)
        return settings, job

    def protection_status(self, project_id: str, firewall_id: str) -> FirewallEips:
        with self._write(project_id) as conn:
            owner = self._firewall(conn, project_id, firewall_id)
            return self.store.settings(conn, project_id, owner)

    # -- the alarm whitelist

    def whitelist(self, project_id: str, firewall_id: str, targets: list[Target]) -> str:
        """Put the EIPs on the firewall's alarm whitelist (again is fine); all or none."""
        if not 1 <= len(targets) <= MAX_BATCH:
            raise BadParameter(f"Invalid request body: `eip_infos` must have 1 to {MAX_BATCH} EIPs")
        with self._write(project_id) as conn:
            owner = self._firewall(conn, project_id, firewall_id)
            self._running(owner)
            known = {e.id: e for e in self.store.select(conn, project_id, synced=True)}
            now = self.clock.now_ms()
            for target in targets:
                eip = known.get(target.id)
                why = self._mismatch(eip, target)
                if why is not None or eip is None:
                    raise NotFound(why)
                self.store.whitelist(conn, eip, owner, now)
            data = {"fw_instance_id": owner.id, "ids": [t.id for t in targets]}
            self.db.emit(conn, project_id, "eip.whitelisted", data, now)
        return owner.id

    def whitelisted(
        self, project_id: str, firewall_id: str, ip: str | None, offset: int, limit: int
    ) -> tuple[int, list[tuple[Any, ...]]]:
        """``(total, rows)``: rows are ``(eip_id, fw_instance_id, object_id, public_ip, public_ipv6,
        device_name)``, oldest first."""
        with self._write(project_id) as conn:
            owner = self._firewall(conn, project_id, firewall_id)
            return self.store.whitelist_page(conn, project_id, owner.id, ip, offset, limit)

    # -- for the policy evaluator

    def verdict(self, project_id: str, firewall_id: str, address: str) -> Verdict:
        """Is ``address`` (an IP address as text, either family) an EIP of the project that the
        firewall protects, and is the firewall's bypass-all switch on? One read; no write, no
        inventory made. An address that is not an IP address is no protected EIP."""
        try:
            normal = str(ipaddress.ip_address(address))
        except ValueError:
            normal = ""
        protected, status = self.store.verdict(project_id, firewall_id, normal)
        return Verdict(protected=protected and bool(normal), bypassed=status in BYPASS_ON)


def _next(status: ProtectionStatus) -> frozenset[ProtectionStatus]:
    return PROTECTION_TRANSITIONS[status]


def _replace(settings: FirewallEips, **changes: Any) -> FirewallEips:
    return dataclasses.replace(settings, **changes)


def _with_owner(eip: Eip, owner: Owner | None) -> Eip:
    return dataclasses.replace(
        eip, firewall_id=owner.id if owner else None, object_id=owner.object_id if owner else None
    )
