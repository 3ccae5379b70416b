"""Reports of a report profile, made from the state opencfw has (``resources.report_profile``
decides which reports exist and when they are sent).

What a report says, honestly: the counts of what is configured (protected objects, the firewall's
rules and black/white list entries of the registry, its private network segments) and the IPS mode
are real, read when the report is read; traffic, attack and EIP figures are 0 and their top lists
empty, because opencfw records no traffic or attacks for a report to sum."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opencfw.domain.clock import Clock
from opencfw.domain.errors import NotFound
from opencfw.resources import REGISTRY, report_profile
from opencfw.resources.report_profile import Report, ReportProfile
from opencfw.service import firewall_scope
from opencfw.service.protection import Protection
from opencfw.service.resources import ResourceServices, Where
from opencfw.store.base import Store

#: the registry resources counted as access policies, when they are declared
POLICY_RESOURCES = ("acl_rule", "black_white_list")


@dataclass(frozen=True)
class Facts:
    """What a report of a firewall states (counted now)."""

    ips_mode: int
    internet_objects: int
    vpc_objects: int
    policies: int
    segments: int


class Reports:
    def __init__(self, store: Store, clock: Clock, resources: ResourceServices) -> None:
        self.store = store
        self.db = firewall_scope.database(store)
        self.clock = clock
        self.resources = resources

    def profile(self, project_id: str, firewall_id: str, profile_id: str) -> ReportProfile:
        row: ReportProfile = self.resources["report_profile"].get(Where(project_id, firewall_id), profile_id)
        return row

    def history(self, project_id: str, firewall_id: str, profile_id: str) -> list[Report]:
        return report_profile.reports(self.profile(project_id, firewall_id, profile_id), self.clock.now_ms())

    def report(
        self, project_id: str, firewall_id: str, report_id: str, profile_id: str | None
    ) -> tuple[ReportProfile, Report, Facts]:
        """A report by id (``<profile id>-<start ms>``); one not made (yet) is CFW.00200005."""
        owner = report_id.rpartition("-")[0]
        if profile_id is not None and profile_id != owner:
            raise NotFound(f"The report {report_id} does not exist")
        try:
            row = self.profile(project_id, firewall_id, owner)
        except NotFound:
            raise NotFound(f"The report {report_id} does not exist") from None
        found = next((r for r in report_profile.reports(row, self.clock.now_ms()) if r.id == report_id), None)
        if found is None:
            raise NotFound(f"The report {report_id} does not exist")
        return row, found, self.facts(project_id, firewall_id)

    def facts(self, project_id: str, firewall_id: str) -> Facts:
        firewall = self.store.get_firewall(project_id, firewall_id)
        if firewall is None:
            raise NotFound(f"The firewall instance {firewall_id} does not exist")
        protection = Protection(self.store, self.clock, resources=self.resources)
        settings = protection.ips_settings(project_id, firewall.internet_object_id, firewall_id)
        east_west = protection.east_west(project_id, firewall_id)
        names = {r.name for r in REGISTRY}
        tables = [REGISTRY[name].table for name in POLICY_RESOURCES if name in names]
        with self.db.read() as conn:
            policies = sum(self._count(conn, table, project_id, firewall_id) for table in tables)
            segments = self._count(conn, "private_network_segments", project_id, firewall_id)
        return Facts(
            int(settings.mode) if settings is not None else 0,
            1,
            1 if east_west is not None else 0,
            policies,
            segments,
        )

    def _count(self, conn: Any, table: str, project_id: str, firewall_id: str) -> int:
        return int(
            conn.execute(self.db.sql("count_where", table=table), (project_id, firewall_id)).fetchone()[0]
        )
