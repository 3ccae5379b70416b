"""Settings of a firewall and its protected objects served by declared actions: anti-virus
(switch and per-protocol actions), alarm configuration per alarm type, the LTS log configuration
and the DNS servers. Stored as settings (``resources.settings``); the defaults until first written
are here."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from opencfw.resources.actions import Action

Id = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,64}\Z")]
Opaque = Annotated[str, Meta(max_length=255)]
Ipv4 = Annotated[str, Meta(pattern=r"^[0-9]{1,3}(\.[0-9]{1,3}){3}\Z")]

# -- anti-virus (per protected object)

#: HTTP, SMTP, POP3, IMAP4, FTP, SMB; 6 (malicious access control) and 7 (IM) when configured
PROTOCOLS = (0, 1, 2, 3, 4, 5)
OBSERVE, BLOCK, DISABLED = 0, 1, 2


class ObjectQuery(Struct):
    object_id: Id


class AntiVirusRuleQuery(Struct):
    object_id: Id
    limit: Annotated[int, Meta(ge=1, le=1024)]
    offset: Annotated[int, Meta(ge=0, le=2**31 - 1)]
    engine_type: Literal[0, 1] | None = None


class AntiVirusSwitchDto(Struct):
    object_id: Id
    anti_virus_status: Literal[0, 1]  # off, on


class AntiVirusVO(Struct):
    id: str
    name: str
    anti_virus_status: int


class ScanProtocolConfig(Struct):
    protocol_type: Annotated[int, Meta(ge=0, le=7)]
    action: Literal[0, 1, 2]  # observe, block, disabled


class AntiVirusRuleDto(Struct):
    object_id: Id
    scan_protocol_configs: Annotated[list[ScanProtocolConfig], Meta(min_length=1, max_length=8)]


class AntiVirusRuleVO(Struct):
    id: str
    name: str
    total: int
    scan_protocol_configs: list[ScanProtocolConfig]


class IdData(Struct):
    id: str


# -- alarm configuration (per firewall and alarm type)

#: attack, traffic over threshold, EIP unprotected, threat intelligence
ALARM_TYPES = (0, 1, 2, 3)
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW")
DEFAULT_SEVERITY = {0: "CRITICAL,HIGH", 1: "2", 2: "3", 3: "CRITICAL,HIGH"}


class FirewallQuery(Struct):
    fw_instance_id: Id


class UpdateAttackLogAlarmConfigDto(Struct):
    alarm_type: Literal[0, 1, 2, 3]
    enable_status: Literal[0, 1]
    alarm_time_period: Literal[0, 1] | UnsetType = UNSET  # 08:00-22:00, all day
    frequency_count: Annotated[int, Meta(ge=1, le=2000)] | UnsetType = UNSET
    frequency_time: Annotated[int, Meta(ge=1, le=60)] | UnsetType = UNSET  # minutes
    severity: Annotated[str, Meta(max_length=64)] | UnsetType = UNSET
    topic_urn: Opaque | UnsetType = UNSET
    language: Literal["zh-cn", "en-us"] | UnsetType = UNSET
    username: Opaque | UnsetType = UNSET
    account_name: Opaque | UnsetType = UNSET
    alarm_id: Opaque | UnsetType = UNSET


class AlarmConfig(Struct):
    alarm_type: int
    enable_status: int
    alarm_time_period: int
    frequency_count: int
    frequency_time: int
    severity: str
    topic_urn: str
    language: str
    username: str
    account_name: str
    alarm_id: str
    name: str


class AlarmConfigs(Struct):
    alarm_configs: list[AlarmConfig]


def default_alarm(alarm_type: int) -> AlarmConfig:
    slow = alarm_type in (0, 3)
    return AlarmConfig(
        alarm_type=alarm_type,
        enable_status=0,
        alarm_time_period=1,
        frequency_count=10 if slow else 1,
        frequency_time=5 if slow else 1,
        severity=DEFAULT_SEVERITY[alarm_type],
        topic_urn="",
        language="en-us",
        username="cfw",
        account_name="",
        alarm_id="",
        name="",
    )


# -- LTS log configuration (per firewall)


class LogConfigDto(Struct):
    fw_instance_id: Id
    lts_enable: Literal[0, 1]
    lts_log_group_id: Opaque = ""
    lts_attack_log_stream_id: Opaque | None = None
    lts_attack_log_stream_enable: Literal[0, 1] = 0
    lts_access_log_stream_id: Opaque | None = None
    lts_access_log_stream_enable: Literal[0, 1] = 0
    lts_flow_log_stream_id: Opaque | None = None
    lts_flow_log_stream_enable: Literal[0, 1] = 0


# -- DNS servers (per firewall)

#: the region's default DNS servers: listed always, applied when chosen
DEFAULT_DNS = ("100.125.1.250", "100.125.21.250")
HEALTH_CHECK_DOMAIN = "www.huaweicloud.com"
MAX_CUSTOM_DNS = 2


class UpdateDnsServersRequestBodyDnsServer(Struct):
    server_ip: Ipv4
    is_customized: Literal[0, 1] = 0
    is_applied: Literal[0, 1] = 1


class UpdateDnsServersRequestBody(Struct):
    dns_server: Annotated[list[UpdateDnsServersRequestBodyDnsServer], Meta(max_length=8)]
    health_check_domain_name: Annotated[str, Meta(pattern=r"^[A-Za-z0-9.-]{1,253}\Z")] | None = None


class DnsServersResponseDTO(Struct):
    id: int
    server_ip: str
    is_applied: int
    is_customized: int
    status: int  # 1: answering (health-checked)
    health_check_domain_name: str


class DnsServers(Struct):
    data: list[DnsServersResponseDTO]
    total: int


class ListDnsServersQuery(Struct):
    fw_instance_id: Id
    limit: Annotated[int, Meta(ge=1, le=1024)] = 1024
    offset: Annotated[int, Meta(ge=0, le=2**31 - 1)] = 0


ACTIONS = (
    Action(
        "GET",
        "/v1/{project_id}/anti-virus/switch",
        "show_anti_virus_switch",
        "Read the anti-virus switch of a protected object",
        query=ObjectQuery,
        answer=AntiVirusVO,
    ),
    Action(
        "PUT",
        "/v1/{project_id}/anti-virus/switch",
        "update_anti_virus_switch",
        "Turn anti-virus on or off for a protected object",
        body=AntiVirusSwitchDto,
        answer=IdData,
        mode="write",
    ),
    Action(
        "GET",
        "/v1/{project_id}/anti-virus/rule",
        "show_anti_virus_rule",
        "Read the anti-virus action of each protocol",
        query=AntiVirusRuleQuery,
        answer=AntiVirusRuleVO,
    ),
    Action(
        "PUT",
        "/v1/{project_id}/anti-virus/rule",
        "update_anti_virus_rule",
        "Change the anti-virus action of the protocols given (the others keep theirs)",
        body=AntiVirusRuleDto,
        answer=IdData,
        mode="write",
    ),
    Action(
        "GET",
        "/v1/{project_id}/cfw/alarm/config",
        "show_alarm_config",
        "Read the alarm configuration of each alarm type",
        query=FirewallQuery,
        answer=AlarmConfigs,
        top_level=True,
    ),
    Action(
        "PUT",
        "/v1/{project_id}/cfw/alarm/config",
        "update_alarm_config",
        "Change the alarm configuration of one alarm type (fields not sent keep their values)",
        query=FirewallQuery,
        body=UpdateAttackLogAlarmConfigDto,
        answer=IdData,
        mode="write",
    ),
    Action(
        "POST",
        "/v1/{project_id}/cfw/logs/configuration",
        "add_log_config",
        "Set the LTS log configuration of a firewall",
        body=LogConfigDto,
        mode="write",
    ),
    Action(
        "GET",
        "/v1/{project_id}/cfw/logs/configuration",
        "list_log_config",
        "Read the LTS log configuration of a firewall",
        query=FirewallQuery,
        answer=LogConfigDto,
    ),
    Action(
        "PUT",
        "/v1/{project_id}/cfw/logs/configuration",
        "update_log_config",
        "Replace the LTS log configuration of a firewall",
        body=LogConfigDto,
        mode="write",
    ),
    Action(
        "GET",
        "/v1/{project_id}/dns/servers",
        "list_dns_servers",
        "List the DNS servers of a firewall (a page of them: `total` counts them all)",
        query=ListDnsServersQuery,
        answer=DnsServers,
        top_level=True,
    ),
    Action(
        "PUT",
        "/v1/{project_id}/dns/servers",
        "update_dns_servers",
        "Choose the DNS servers a firewall resolves domain names with",
        query=FirewallQuery,
        body=UpdateDnsServersRequestBody,
        mode="write",
    ),
    Action(
        "POST",
        "/v1/{project_id}/dns/server/{server_ip}/status",
        "add_custom_dns_server",
        "Add a custom DNS server to a firewall's list (not applied until chosen)",
        query=FirewallQuery,
        mode="write",
    ),
)
