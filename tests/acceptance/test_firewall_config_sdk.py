"""Anti-virus, alarm configuration, LTS logs, DNS servers and capture tasks through the official
SDK against a real server process, in the call sequences of the Terraform resources
huaweicloud_cfw_anti_virus, _alarm_config, _lts_log, _dns_resolution, _add_dns_server and
_capture_task (create, read, update, delete as the provider does them)."""

from __future__ import annotations

from huaweicloudsdkcfw.v1 import (
    AddCustomDnsServerRequest,
    AddLogConfigRequest,
    AntiVirusRuleDto,
    AntiVirusSwitchDto,
    CancelCaptureTaskDto,
    CancelCaptureTaskRequest,
    CaptureRuleAddressDto,
    CaptureServiceDto,
    CaptureTaskDto,
    CreateCaptureTaskRequest,
    DeleteCaptureTaskDto,
    DeleteCaptureTaskRequest,
    ListCaptureResultRequest,
    ListCaptureTaskRequest,
    ListDnsServersRequest,
    ListLogConfigRequest,
    LogConfigDto,
    ScanProtocolConfig,
    ShowAlarmConfigRequest,
    ShowAntiVirusRuleRequest,
    ShowAntiVirusSwitchRequest,
    UpdateAlarmConfigRequest,
    UpdateAntiVirusRuleRequest,
    UpdateAntiVirusSwitchRequest,
    UpdateAttackLogAlarmConfigDto,
    UpdateDnsServersRequest,
    UpdateDnsServersRequestBody,
    UpdateDnsServersRequestBodyDnsServer,
    UpdateLogConfigRequest,
)

from tests.acceptance import sdk
from tests.acceptance.test_ips_sdk import advance, fails, firewall, still  # noqa: F401 - fixture


def _running(server, name: str) -> tuple[object, str, str]:
    cfw = sdk.client(server.url)
    job_id = cfw.create_firewall(sdk.create_request(name)).job_id
    assert sdk.wait_job(cfw, job_id) == "Success"
    record = sdk.detail(cfw, job_id).data.records[0]
    return cfw, record.fw_instance_id, record.protect_objects[0].object_id


def test_anti_virus_as_the_provider_drives_it(server):
    cfw, _, obj = _running(server, "anti-virus")

    def switch() -> int:
        return cfw.show_anti_virus_switch(ShowAntiVirusSwitchRequest(object_id=obj)).data.anti_virus_status

    def actions() -> dict[int, int]:
        data = cfw.show_anti_virus_rule(
            ShowAntiVirusRuleRequest(object_id=obj, engine_type=1, limit=50, offset=0)
        ).data
        assert data.total == len(data.scan_protocol_configs)
        return {c.protocol_type: c.action for c in data.scan_protocol_configs}

    def rule(**protocols: int) -> None:
        configs = [ScanProtocolConfig(protocol_type=int(p[1:]), action=a) for p, a in protocols.items()]
        body = AntiVirusRuleDto(object_id=obj, scan_protocol_configs=configs)
        assert cfw.update_anti_virus_rule(UpdateAntiVirusRuleRequest(body=body)).data.id == obj

    assert switch() == 0 and set(actions().values()) == {2}  # off, every protocol disabled
    body = AntiVirusSwitchDto(object_id=obj, anti_virus_status=1)
    assert cfw.update_anti_virus_switch(UpdateAntiVirusSwitchRequest(body=body)).data.id == obj
    rule(p0=1, p4=0)  # HTTP blocked, FTP observed
    assert switch() == 1 and {p: a for p, a in actions().items() if a != 2} == {0: 1, 4: 0}
    rule(p4=2, p1=1)  # the provider removes FTP and adds SMTP; HTTP keeps its action
    assert {p: a for p, a in actions().items() if a != 2} == {0: 1, 1: 1}
    page = cfw.show_anti_virus_rule(ShowAntiVirusRuleRequest(object_id=obj, limit=2, offset=4)).data
    assert (page.total, [c.protocol_type for c in page.scan_protocol_configs]) == (6, [4, 5])
    rule(p0=2, p1=2)
    cfw.update_anti_virus_switch(
        UpdateAntiVirusSwitchRequest(body=AntiVirusSwitchDto(object_id=obj, anti_virus_status=0))
    )
    assert switch() == 0 and set(actions().values()) == {2}
    fails(lambda: cfw.show_anti_virus_switch(ShowAntiVirusSwitchRequest(object_id="nope")), "CFW.00200005")
    twice = AntiVirusRuleDto(
        object_id=obj,
        scan_protocol_configs=[
            ScanProtocolConfig(protocol_type=0, action=1),
            ScanProtocolConfig(protocol_type=0, action=0),
        ],
    )
    fails(lambda: cfw.update_anti_virus_rule(UpdateAntiVirusRuleRequest(body=twice)), "CFW.00200001")


def test_alarm_configuration_as_the_provider_drives_it(server):
    cfw, fw, _ = _running(server, "alarms")

    def configs() -> dict[int, object]:
        found = cfw.show_alarm_config(ShowAlarmConfigRequest(fw_instance_id=fw)).alarm_configs
        return {c.alarm_type: c for c in found}

    assert sorted(configs()) == [0, 1, 2, 3] and all(c.enable_status == 0 for c in configs().values())
    urn = "urn:smn:cn-north-4:0123456789abcdef0123456789abcdef:cfw-alarms"
    body = UpdateAttackLogAlarmConfigDto(
        enable_status=1,
        alarm_type=0,
        alarm_time_period=1,
        frequency_count=20,
        frequency_time=10,
        severity="CRITICAL,HIGH,MEDIUM",
        topic_urn=urn,
    )
    assert cfw.update_alarm_config(UpdateAlarmConfigRequest(fw_instance_id=fw, body=body)).data.id
    attack = configs()[0]
    assert (attack.enable_status, attack.frequency_count, attack.severity, attack.topic_urn) == (
        1,
        20,
        "CRITICAL,HIGH,MEDIUM",
        urn,
    )
    # the provider's delete: enable_status 0 with the reset body
    reset = UpdateAttackLogAlarmConfigDto(
        enable_status=0, alarm_type=0, severity="CRITICAL,HIGH,MEDIUM", alarm_time_period=0, topic_urn=""
    )
    cfw.update_alarm_config(UpdateAlarmConfigRequest(fw_instance_id=fw, body=reset))
    assert (configs()[0].enable_status, configs()[0].topic_urn) == (0, "")
    bad = UpdateAttackLogAlarmConfigDto(
        enable_status=1, alarm_type=1, severity="2", frequency_count=5, frequency_time=1, topic_urn=urn
    )
    fails(
        lambda: cfw.update_alarm_config(UpdateAlarmConfigRequest(fw_instance_id=fw, body=bad)), "CFW.00200001"
    )
    bad = UpdateAttackLogAlarmConfigDto(
        enable_status=1, alarm_type=0, severity="SEVERE", frequency_count=5, frequency_time=1, topic_urn=urn
    )
    fails(
        lambda: cfw.update_alarm_config(UpdateAlarmConfigRequest(fw_instance_id=fw, body=bad)), "CFW.00200001"
    )
    assert configs()[1].enable_status == 0
    fails(lambda: cfw.show_alarm_config(ShowAlarmConfigRequest(fw_instance_id="nope")), "CFW.00200005")


def test_lts_log_configuration_as_the_provider_drives_it(server):
    cfw, fw, _ = _running(server, "lts-logs")
    assert cfw.list_log_config(ListLogConfigRequest(fw_instance_id=fw)).data.lts_enable == 0
    body = LogConfigDto(
        fw_instance_id=fw,
        lts_enable=1,
        lts_log_group_id="5f3a2b1c-0000-4000-8000-000000000001",
        lts_attack_log_stream_enable=1,
        lts_attack_log_stream_id="5f3a2b1c-0000-4000-8000-000000000002",
        lts_access_log_stream_enable=0,
        lts_flow_log_stream_enable=0,
    )
    assert cfw.add_log_config(AddLogConfigRequest(fw_instance_id=fw, body=body)).data == fw
    shown = cfw.list_log_config(ListLogConfigRequest(fw_instance_id=fw)).data
    assert (shown.lts_enable, shown.lts_attack_log_stream_id, shown.lts_access_log_stream_enable) == (
        1,
        body.lts_attack_log_stream_id,
        0,
    )
    body.lts_flow_log_stream_enable, body.lts_flow_log_stream_id = 1, "5f3a2b1c-0000-4000-8000-000000000003"
    assert cfw.update_log_config(UpdateLogConfigRequest(fw_instance_id=fw, body=body)).data == fw
    assert cfw.list_log_config(ListLogConfigRequest(fw_instance_id=fw)).data.lts_flow_log_stream_enable == 1
    off = LogConfigDto(
        fw_instance_id=fw,
        lts_enable=0,
        lts_log_group_id="",
        lts_attack_log_stream_enable=0,
        lts_attack_log_stream_id="",
    )
    cfw.update_log_config(UpdateLogConfigRequest(fw_instance_id=fw, body=off))
    assert cfw.list_log_config(ListLogConfigRequest(fw_instance_id=fw)).data.lts_enable == 0
    bad = LogConfigDto(fw_instance_id=fw, lts_enable=1, lts_log_group_id="")
    fails(lambda: cfw.add_log_config(AddLogConfigRequest(fw_instance_id=fw, body=bad)), "CFW.00200001")
    bad.fw_instance_id = "nope"
    bad.lts_log_group_id = "group"
    fails(lambda: cfw.add_log_config(AddLogConfigRequest(fw_instance_id="nope", body=bad)), "CFW.00200005")


def test_dns_servers_as_the_provider_drives_them(server):
    cfw, fw, _ = _running(server, "dns")

    def servers():
        return cfw.list_dns_servers(ListDnsServersRequest(fw_instance_id=fw)).data

    defaults = [s.server_ip for s in servers() if s.is_customized == 0]
    assert len(defaults) == 2 and not [s for s in servers() if s.is_applied == 1]
    chosen = [
        UpdateDnsServersRequestBodyDnsServer(server_ip=defaults[0], is_customized=0, is_applied=1),
        UpdateDnsServersRequestBodyDnsServer(server_ip="8.8.8.8", is_customized=1, is_applied=1),
    ]
    body = UpdateDnsServersRequestBody(dns_server=chosen, health_check_domain_name="example.com")
    cfw.update_dns_servers(UpdateDnsServersRequest(fw_instance_id=fw, body=body))
    applied = {s.server_ip: s for s in servers() if s.is_applied == 1}
    assert set(applied) == {defaults[0], "8.8.8.8"} and applied["8.8.8.8"].is_customized == 1
    assert {s.health_check_domain_name for s in servers()} == {"example.com"}
    # huaweicloud_cfw_add_dns_server
    assert (
        cfw.add_custom_dns_server(AddCustomDnsServerRequest(fw_instance_id=fw, server_ip="1.1.1.1")).data
        == "1.1.1.1"
    )
    assert {s.server_ip: s.is_applied for s in servers()}["1.1.1.1"] == 0
    fails(
        lambda: cfw.add_custom_dns_server(AddCustomDnsServerRequest(fw_instance_id=fw, server_ip="9.9.9.9")),
        "CFW.00200001",
    )
    # the provider's delete: every default server unapplied, the default health-check domain
    reset = [
        UpdateDnsServersRequestBodyDnsServer(server_ip=ip, is_customized=0, is_applied=0) for ip in defaults
    ]
    body = UpdateDnsServersRequestBody(dns_server=reset, health_check_domain_name="www.huaweicloud.com")
    cfw.update_dns_servers(UpdateDnsServersRequest(fw_instance_id=fw, body=body))
    assert not [s for s in servers() if s.is_applied == 1]
    not_default = [UpdateDnsServersRequestBodyDnsServer(server_ip="8.8.4.4", is_customized=0, is_applied=1)]
    body = UpdateDnsServersRequestBody(dns_server=not_default)
    fails(
        lambda: cfw.update_dns_servers(UpdateDnsServersRequest(fw_instance_id=fw, body=body)), "CFW.00200001"
    )
    fails(lambda: cfw.list_dns_servers(ListDnsServersRequest(fw_instance_id="nope")), "CFW.00200005")


def test_capture_tasks_as_the_provider_drives_them(still):  # noqa: F811 - the fixture
    cfw = sdk.client(still.url)
    fw, _ = firewall(still, cfw, "capture")

    def body(name: str, minutes: int) -> CaptureTaskDto:
        return CaptureTaskDto(
            name=name,
            duration=minutes,
            max_packets=100000,
            source=CaptureRuleAddressDto(address="192.168.0.10", address_type=0, type=0),
            destination=CaptureRuleAddressDto(address="10.0.0.0/24", address_type=0, type=0),
            service=CaptureServiceDto(protocol=6, source_port="1-65535", dest_port="443"),
        )

    def tasks() -> dict[str, object]:
        found = cfw.list_capture_task(ListCaptureTaskRequest(fw_instance_id=fw, limit=100, offset=0)).data
        return {t.name: t for t in found.records}

    made = cfw.create_capture_task(CreateCaptureTaskRequest(fw_instance_id=fw, body=body("short", 1))).data
    assert made.name == "short"
    cfw.create_capture_task(CreateCaptureTaskRequest(fw_instance_id=fw, body=body("long", 10)))
    fails(
        lambda: cfw.create_capture_task(CreateCaptureTaskRequest(fw_instance_id=fw, body=body("short", 1))),
        "CFW.00200007",
    )
    short = tasks()["short"]
    assert (short.status, short.dest_address, short.dest_port, short.protocol) == (2, "10.0.0.0/24", "443", 6)
    advance(still, 60)
    assert (tasks()["short"].status, tasks()["long"].status) == (1, 2)
    long_id = tasks()["long"].task_id
    cancel = CancelCaptureTaskRequest(fw_instance_id=fw, body=CancelCaptureTaskDto(task_id=long_id))
    assert cfw.cancel_capture_task(cancel).data.id == long_id
    assert tasks()["long"].status == 5  # stopping; the provider waits while 2 or 5
    advance(still, 5)
    assert tasks()["long"].status == 4
    result = cfw.list_capture_result(
        ListCaptureResultRequest(fw_instance_id=fw, task_id=long_id, type=0)
    ).data
    assert result.file_list == []
    drop = DeleteCaptureTaskDto(task_ids=[long_id, short.task_id])
    cfw.delete_capture_task(DeleteCaptureTaskRequest(fw_instance_id=fw, body=drop))
    assert tasks() == {}
    fails(
        lambda: cfw.delete_capture_task(DeleteCaptureTaskRequest(fw_instance_id=fw, body=drop)),
        "CFW.00200005",
    )
    fails(lambda: cfw.cancel_capture_task(cancel), "CFW.00200005")
    fails(
        lambda: cfw.list_capture_result(ListCaptureResultRequest(fw_instance_id=fw, task_id=long_id)),
        "CFW.00200005",
    )
    too_long = body("huge", 100000)
    fails(
        lambda: cfw.create_capture_task(CreateCaptureTaskRequest(fw_instance_id=fw, body=too_long)),
        "CFW.00200001",
    )
