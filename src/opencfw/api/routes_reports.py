"""Reports of report profiles (``/v1/{project_id}/report/*``), declared as actions: a profile's
report history and one report (the profiles themselves are a registry resource)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from msgspec import Meta, Struct

from opencfw.api.actions import Action, Call
from opencfw.resources.report_profile import Report, StatisticPeriod
from opencfw.service.reports import Facts, Reports

if TYPE_CHECKING:
    from opencfw.runtime import Runtime

Id = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,64}\Z")]


class HistoryQuery(Struct):
    fw_instance_id: Id
    limit: Annotated[int, Meta(ge=1, le=1024)] = 10
    offset: Annotated[int, Meta(ge=0, le=2**31 - 1)] = 0


class ReportQuery(Struct):
    fw_instance_id: Id
    report_profile_id: Id | None = None


class ReportHistoryVO(Struct):
    report_id: str
    send_time: int
    statistic_period: StatisticPeriod


class ListReportHistoryRespData(Struct):
    limit: int
    offset: int
    total: int
    records: list[ReportHistoryVO]


class ListReportHistoryResponse(Struct):
    data: ListReportHistoryRespData


class ItemVO(Struct):
    key: str
    name: str
    value: int


class TrendVO(Struct):
    agg_time: int
    bps: float
    deny: int
    in_bps: float
    out_bps: float
    permit: int


class ChangedVO(Struct):
    changed: int
    total: int
    value: int


class AccessPolicy(Struct):
    changed: int
    eip: int
    nat: int
    total: int


class AttackEvent(Struct):
    changed: int
    deny: int
    total: int


class Overview(Struct):
    access_policies: AccessPolicy
    assets: ChangedVO
    attack_event: AttackEvent
    traffic_peak: TrendVO


class Eip(Struct):
    protected: ChangedVO
    total: int


class In2Out(Struct):
    dst_host: list[ItemVO]
    dst_ip: list[ItemVO]
    dst_port: list[ItemVO]
    src_ip: list[ItemVO]


class Out2in(Struct):
    dst_ip: list[ItemVO]
    dst_port: list[ItemVO]
    src_ip: list[ItemVO]


class InternetReport(Struct):
    eip: Eip
    in2out: In2Out
    out2in: Out2in
    overview: Overview
    traffic_trend: list[TrendVO]


class Vpc(Struct):
    protected: ChangedVO
    total: int


class VpcReport(Struct):
    app: list[ItemVO]
    dst_ip: list[ItemVO]
    overview: Overview
    src_ip: list[ItemVO]
    traffic_trend: list[TrendVO]
    vpc: Vpc


class AttackReport(Struct):
    dst_ip: list[ItemVO]
    ips_mode: int
    level: list[ItemVO]
    rule: list[ItemVO]
    src_ip: list[ItemVO]
    trend: list[TrendVO]
    type: list[ItemVO]


class FirewallReport(Struct):
    attack_info: AttackReport
    category: str
    internet_firewall: InternetReport
    send_time: int
    statistic_period: StatisticPeriod
    vpc_firewall: VpcReport


class ShowFirewallReportResponse(Struct):
    data: FirewallReport


def _service(rt: Runtime) -> Reports:
    return Reports(rt.store, rt.clock, rt.resources)


def history(rt: Runtime, call: Call) -> ListReportHistoryResponse:
    q: HistoryQuery = call.query
    made = _service(rt).history(call.project_id, q.fw_instance_id, call.params["report_profile_id"])
    records = [
        ReportHistoryVO(r.id, r.sent_ms, StatisticPeriod(r.start_ms, r.end_ms))
        for r in made[q.offset : q.offset + q.limit]
    ]
    return ListReportHistoryResponse(ListReportHistoryRespData(q.limit, q.offset, len(made), records))


def _overview(at_ms: int, policies: int, assets: int) -> Overview:
    quiet = TrendVO(at_ms, 0.0, 0, 0.0, 0.0, 0)
    return Overview(
        AccessPolicy(0, policies, 0, policies), ChangedVO(0, assets, assets), AttackEvent(0, 0, 0), quiet
    )


def _report(category: str, made: Report, facts: Facts) -> FirewallReport:
    at = made.start_ms
    return FirewallReport(
        attack_info=AttackReport([], facts.ips_mode, [], [], [], [], []),
        category=category,
        internet_firewall=InternetReport(
            Eip(ChangedVO(0, 0, 0), 0),
            In2Out([], [], [], []),
            Out2in([], [], []),
            _overview(at, facts.policies, facts.internet_objects),
            [],
        ),
        send_time=made.sent_ms,
        statistic_period=StatisticPeriod(made.start_ms, made.end_ms),
        vpc_firewall=VpcReport(
            [],
            [],
            _overview(at, 0, facts.vpc_objects),
            [],
            [],
            Vpc(ChangedVO(0, facts.segments, facts.segments), facts.segments),
        ),
    )


def show(rt: Runtime, call: Call) -> ShowFirewallReportResponse:
    q: ReportQuery = call.query
    row, made, facts = _service(rt).report(
        call.project_id, q.fw_instance_id, call.params["report_id"], q.report_profile_id
    )
    return ShowFirewallReportResponse(_report(row.category, made, facts))


ACTIONS: list[Action] = [
    Action(
        "list_report_history",
        "GET",
        "/v1/{project_id}/report/history/{report_profile_id}",
        history,
        ListReportHistoryResponse,
        "List a report profile's reports",
        HistoryQuery,
        description="Newest first. A daily report covers a UTC day and is sent the next day at `send_period` "
        "o'clock; a weekly one the seven days before `send_week_day` at that hour; a custom one its "
        "statistic period, once it has ended. A disabled profile makes none.",
    ),
    Action(
        "show_firewall_report",
        "GET",
        "/v1/{project_id}/report/{report_id}",
        show,
        ShowFirewallReportResponse,
        "Read a report",
        ReportQuery,
        description="Counts of what is configured (protected objects, access policies, private network "
        "segments) and the IPS mode are real; traffic, attack and EIP figures are 0 and top lists empty: "
        "opencfw records no traffic for a report to sum. A report not made yet is CFW.00200005.",
    ),
]
