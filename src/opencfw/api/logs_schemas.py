"""The query parameters and bodies of the log operations, as the official SDK's request models name
them; the same structs decode requests and describe them in the OpenAPI document."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

from opencfw.domain.logs import Attack, Flow

Id = Annotated[str, Meta(pattern="^[A-Za-z0-9_-]{1,64}$")]
Ms = Annotated[int, Meta(ge=0, le=2**53)]
Text = Annotated[str, Meta(max_length=255)]
Short = Annotated[str, Meta(max_length=64)]
Port = Annotated[int, Meta(ge=0, le=65535)]
Range = Literal[0, 1, 2]
LogType = Literal["internet", "nat", "vpc", "vgw"]
Direction = Literal["in2out", "out2in"]
#: a comma-separated list of ids (as the SDK sends ``rule_id``)
IdList = Annotated[str, Meta(pattern="^[A-Za-z0-9_-]{1,64}(,[A-Za-z0-9_-]{1,64}){0,99}$")]


class Stats(Struct, kw_only=True):
    """What every statistic takes: the firewall and the time (``range`` or explicit times). The
    SDK's ``vgw_id`` (virtual gateways, which opencfw has none of) is accepted and ignored."""

    fw_instance_id: Id
    range: Range | None = None
    start_time: Ms | None = None
    end_time: Ms | None = None
    log_type: LogType | None = None
    enterprise_project_id: Text | None = None


class Geo(Struct, kw_only=True):
    src_region_name: Text | None = None
    dst_region_name: Text | None = None
    src_province_name: Text | None = None
    dst_province_name: Text | None = None
    src_city_name: Text | None = None
    dst_city_name: Text | None = None


class LogsQuery(Geo, kw_only=True):
    """The common part of the three log lists; ``log_id`` with ``next_date`` resumes after that record."""

    fw_instance_id: Id
    start_time: Ms
    end_time: Ms
    limit: Annotated[int, Meta(ge=1, le=1024)]
    offset: Annotated[int, Meta(ge=0, le=2**31 - 1)] = 0
    src_ip: Short | None = None
    src_port: Port | None = None
    dst_ip: Short | None = None
    dst_port: Port | None = None
    protocol: Short | None = None
    app: Short | None = None
    log_id: Short | None = None
    next_date: Ms | None = None
    log_type: LogType | None = None
    dst_host: Text | None = None
    enterprise_project_id: Text | None = None


class AccessControlLogsQuery(LogsQuery, kw_only=True):
    rule_id: Short | None = None
    rule_name: Text | None = None
    action: Literal["permit", "deny"] | None = None


class AttackLogsQuery(LogsQuery, kw_only=True):
    action: Literal["permit", "deny"] | None = None
    direction: Direction | None = None
    attack_type: Text | None = None
    attack_rule: Text | None = None
    attack_rule_id: Short | None = None
    level: Literal["CRITICAL", "HIGH", "MEDIUM", "LOW"] | None = None


class FlowLogsQuery(LogsQuery, kw_only=True):
    direction: Direction | None = None


class Filter(Struct, forbid_unknown_fields=True):
    field: Short
    operator: Literal["equal", "not_equal", "contain", "starts_with"]
    values: Annotated[list[Text], Meta(min_length=1, max_length=100)]


class ListLogsRequestBody(Struct, kw_only=True, forbid_unknown_fields=True):
    type: Literal["attack", "acl", "flow", "url"]
    start_time: Ms
    end_time: Ms
    limit: Annotated[int, Meta(ge=1, le=1024)]
    offset: Annotated[int, Meta(ge=0, le=2**31 - 1)] = 0
    filters: Annotated[list[Filter], Meta(max_length=1024)] | None = None
    log_id: Short | None = None
    next_date: Ms | None = None
    log_type: LogType | None = None


class ExportLogsRequestBody(Struct, kw_only=True, forbid_unknown_fields=True):
    type: Literal["attack", "acl", "flow", "url"]
    start_time: Ms
    end_time: Ms
    filters: Annotated[list[Filter], Meta(max_length=1024)] | None = None
    log_type: LogType | None = None
    time_zone: Short | None = None


class LogsCountQuery(Struct, kw_only=True):
    fw_instance_id: Id
    range: Range | None = None
    start_time: Ms | None = None
    end_time: Ms | None = None
    item: Literal["risk_ip", "risk_host", "open_port"] | None = None
    enterprise_project_id: Text | None = None


class AttackStatisticQuery(Stats, kw_only=True):
    direction: Direction | None = None
    item: Literal["dst", "src"] | None = None
    size: Annotated[int, Meta(ge=0, le=100)] = 50


FlowItem = Literal[
    "src_ip", "dst_ip", "dst_port", "protocol", "dst_host", "app", "dst_region_name", "src_region_name"
]
AssetType = Literal["public", "private", "open_port"]


class FlowStatisticQuery(Stats, kw_only=True):
    direction: Direction | None = None
    asset_type: AssetType | None = None
    item: FlowItem | Literal["risk_ip", "risk_host", "open_port"] | None = None
    size: Annotated[int, Meta(ge=0, le=10)] = 5


AccessItem = Literal["top_deny_rule", "dst_ip", "src_ip", "dst_port", "dst_region", "src_region"]


class AccessDetailQuery(Stats, kw_only=True):
    direction: Direction | None = None
    item: AccessItem | None = None
    item_id: Text | None = None


class AccessTopQuery(Stats, kw_only=True):
    direction: Direction | None = None
    item: AccessItem | Literal["strategy_hit_info", "strategy_dashboard"] | None = None
    rule_id: IdList | None = None


AttackItem = Literal[
    "src_region_id",
    "attack_type",
    "in_src_ip",
    "out_src_ip",
    "dst_port",
    "dst_ip",
    "attack_rule",
    "src_ip",
    "level",
]


class AttackDetailQuery(Stats, kw_only=True):
    action: Literal[0, 1] | None = None
    item: AttackItem | None = None
    value: Text | None = None


class AttackTopQuery(Stats, kw_only=True):
    action: Literal[0, 1] | None = None
    item: Annotated[list[AttackItem], Meta(max_length=20)] | None = None
    size: Annotated[int, Meta(ge=0, le=10)] = 5


class FlowDetailQuery(Stats, kw_only=True):
    direction: Direction | None = None
    asset_type: AssetType | None = None
    item: FlowItem | None = None
    value: Text | None = None


class FlowTopQuery(Stats, kw_only=True):
    direction: Direction | None = None
    asset_type: AssetType | None = None
    item: Annotated[list[FlowItem], Meta(max_length=20)] | None = None
    order: Literal["record", "byte"] | None = None
    size: Annotated[int, Meta(ge=0, le=10)] = 5


Ips = Annotated[list[Short], Meta(max_length=100)]


class FlowTrendQuery(Stats, kw_only=True):
    direction: Direction | None = None
    asset_type: AssetType | None = None
    ip: Ips | None = None
    vpc: Ips | None = None


class TrafficTrendQuery(Stats, kw_only=True):
    agg_type: Literal["avg", "max"] | None = None
    ip: Ips | None = None


class InjectIn(Struct, kw_only=True, forbid_unknown_fields=True):
    """The admin API's log injection: flows (recorded as the evaluator records them) and attacks."""

    flows: Annotated[list[Flow], Meta(max_length=10_000)] = []
    attacks: Annotated[list[Attack], Meta(max_length=10_000)] = []
