"""IPS through the official SDK against a real server process (on a manual clock, so that a custom
rule's "applying" state and its end are seen, never slept through): custom rules the way
huaweicloud_cfw_ips_custom_rule drives them (create, find by exact name, poll config_status for 2,
update retried on CFW.00109003, batch-delete and poll until gone), the batch action, the signature
catalogue and its modes (huaweicloud_cfw_ips_rule_mode_change), advanced rules, the update time
and the IPS whitelist."""

from __future__ import annotations

import pytest
from huaweicloudsdkcfw.v1 import (
    AdvancedIpsRuleDto,
    BatchCreateIpsWhiteListDto,
    BatchCreateIpsWhitelistRequest,
    BatchDeleteCustomerIpsRequest,
    BatchDeleteIpsWhitelistRequest,
    BatchDeleteIpsWhiteListRequestBody,
    BatchUpdateCustomerIpsActionRequest,
    ChangeIpsRuleModeRequest,
    CreateCustomerIpsRequest,
    CustomerIpsSaveDto,
    IpsContent,
    IpsCustomerBatchDto,
    IpsRuleChangeDto,
    IpsWhiteListDto,
    ListAdvancedIpsRulesRequest,
    ListCustomerIpsRequest,
    ListIpsRulesRequest,
    ListIpsWhitelistsRequest,
    ListJobRequest,
    Port,
    ShowCustomerIpsInfoRequest,
    ShowIpsUpdateTimeRequest,
    UpdateAdvancedIpsRuleRequest,
    UpdateCustomerIpsRequest,
    UpdateIpsWhitelistDto,
    UpdateIpsWhitelistRequest,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from tests.acceptance import sdk
from tests.acceptance.server import ADMIN_TOKEN, Server


@pytest.fixture
def still(spawn) -> Server:
    """A server of this test's store on a manual clock."""
    return spawn(provision_seconds="1", clock="manual", admin_token=ADMIN_TOKEN)


def advance(server: Server, seconds: float) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    status, _, body = server.request(
        "POST", "/_opencfw/admin/clock/advance", headers=admin, body={"seconds": seconds}
    )
    assert status == 200, body


def firewall(server: Server, cfw, name: str) -> tuple[str, str]:
    """A running firewall on a manual-clock server: its id and Internet-border object (the clock
    moves on until its creation job has ended)."""
    job_id = cfw.create_firewall(sdk.create_request(name)).job_id
    for _ in range(60):
        if cfw.list_job(ListJobRequest(job_id=job_id)).data.status != "Running":
            break
        advance(server, 1)
    record = sdk.detail(cfw, job_id).data.records[0]
    return record.fw_instance_id, record.protect_objects[0].object_id


def fails(call, code: str) -> None:
    with pytest.raises(ClientRequestException) as err:
        call()
    assert (err.value.status_code, err.value.error_code) == (400, code), err.value.error_msg


def rule_body(fw: str, name: str, severity: int = 1) -> CustomerIpsSaveDto:
    content = IpsContent(
        content="/etc/passwd",
        depth=128,
        is_hex=False,
        is_ignore=True,
        is_uri=True,
        offset=0,
        relative_position=0,
    )
    return CustomerIpsSaveDto(
        fw_instance_id=fw,
        ips_name=name,
        protocol=9,
        action_type=1,
        affected_os=2,
        attack_type=5,
        direction=0,
        severity=severity,
        software=2,
        src_port=Port(port_type=-1),
        dst_port=Port(port_type=0, ports="80,8080"),
        contents=[content],
    )


def test_custom_ips_rules_as_the_provider_drives_them(still):
    cfw = sdk.client(still.url)
    fw, _ = firewall(still, cfw, "ips-custom")
    # create answers an id the provider does not use: it finds the rule by its exact name
    cfw.create_customer_ips(CreateCustomerIpsRequest(body=rule_body(fw, "passwd-read")))
    cfw.create_customer_ips(CreateCustomerIpsRequest(body=rule_body(fw, "passwd-read-2")))
    fails(
        lambda: cfw.create_customer_ips(CreateCustomerIpsRequest(body=rule_body(fw, "passwd-read"))),
        "CFW.00200007",
    )
    page = cfw.list_customer_ips(
        ListCustomerIpsRequest(fw_instance_id=fw, ips_name="passwd-read", limit=1024, offset=0)
    )
    assert page.data.total == 2  # the name filter is a part of the name
    rule = next(r for r in page.data.records if r.ips_name == "passwd-read")
    assert (rule.dst_port_type, rule.dst_ports, rule.src_port_type, rule.config_status) == (
        0,
        "80,8080",
        -1,
        1,
    )
    past = cfw.list_customer_ips(ListCustomerIpsRequest(fw_instance_id=fw, limit=1024, offset=1024))
    assert (past.data.total, past.data.records) == (2, [])

    def detail(rule_id: str):
        return cfw.show_customer_ips_info(
            ShowCustomerIpsInfoRequest(ips_cfw_id=rule_id, fw_instance_id=fw)
        ).data

    shown = detail(rule.ips_cfw_id)
    assert (shown.config_status, shown.contents[0].content, shown.dst_port.ports) == (
        1,
        "/etc/passwd",
        "80,8080",
    )
    # while applying, a change answers CFW.00109003 (the provider retries)
    change = UpdateCustomerIpsRequest(
        ips_cfw_id=rule.ips_cfw_id, body=rule_body(fw, "passwd-read", severity=3)
    )
    fails(lambda: cfw.update_customer_ips(change), "CFW.00109003")
    advance(still, 1)
    assert detail(rule.ips_cfw_id).config_status == 2
    assert cfw.update_customer_ips(change).data.id == rule.ips_cfw_id
    assert (detail(rule.ips_cfw_id).severity, detail(rule.ips_cfw_id).config_status) == (3, 1)
    advance(still, 1)

    # the batch action: every id known or nothing changes
    other = next(r.ips_cfw_id for r in page.data.records if r.ips_name == "passwd-read-2")
    unknown = IpsCustomerBatchDto(fw_instance_id=fw, action_type=0, ips_ids=[rule.ips_cfw_id, "nope"])
    fails(
        lambda: cfw.batch_update_customer_ips_action(BatchUpdateCustomerIpsActionRequest(body=unknown)),
        "CFW.00200005",
    )
    assert detail(rule.ips_cfw_id).action == 1
    both = IpsCustomerBatchDto(fw_instance_id=fw, action_type=0, ips_ids=[rule.ips_cfw_id, other])
    assert cfw.batch_update_customer_ips_action(BatchUpdateCustomerIpsActionRequest(body=both)).data.id == fw
    assert [detail(i).action for i in (rule.ips_cfw_id, other)] == [0, 0]
    advance(still, 1)

    gone = IpsCustomerBatchDto(fw_instance_id=fw, ips_ids=[rule.ips_cfw_id])
    assert cfw.batch_delete_customer_ips(BatchDeleteCustomerIpsRequest(body=gone)).data.id == rule.ips_cfw_id
    # a rule that is gone reads as an empty one (what the provider's wait after a delete expects)
    assert (detail(rule.ips_cfw_id).contents, detail(rule.ips_cfw_id).protocol) == ([], -99)
    fails(lambda: cfw.batch_delete_customer_ips(BatchDeleteCustomerIpsRequest(body=gone)), "CFW.00200005")
    fails(
        lambda: cfw.list_customer_ips(ListCustomerIpsRequest(fw_instance_id="nope", limit=10, offset=0)),
        "CFW.00200005",
    )


def test_the_signature_catalogue_and_its_modes(server):
    cfw = sdk.client(server.url)
    job_id = cfw.create_firewall(sdk.create_request("ips-modes")).job_id
    assert sdk.wait_job(cfw, job_id) == "Success"
    record = sdk.detail(cfw, job_id).data.records[0]
    fw, obj = record.fw_instance_id, record.protect_objects[0].object_id

    def rules(**filters):
        return cfw.list_ips_rules(ListIpsRulesRequest(object_id=obj, limit=1000, offset=0, **filters)).data

    every = rules()
    assert every.total >= 30 and every.fw_instance_id == fw and every.object_id == obj
    log4j = rules(ips_name_like="log4j")
    assert log4j.total == 2 and all(
        "Log4j" in r.ips_name and r.ips_level == "CRITICAL" for r in log4j.records
    )
    first = log4j.records[0]
    assert first.ips_status == first.default_status == "ENABLE"
    assert all(r.ips_level == "LOW" for r in rules(ips_level=3).records)
    changed = cfw.change_ips_rule_mode(
        ChangeIpsRuleModeRequest(body=IpsRuleChangeDto(object_id=obj, ips_ids=[first.ips_id], status="CLOSE"))
    ).data
    assert changed.result is True and changed.ips_ids == [first.ips_id]
    assert rules(ips_id=first.ips_id).records[0].ips_status == "CLOSE"
    assert [r.ips_id for r in rules(ips_status="CLOSE").records] == [first.ips_id]
    bad = IpsRuleChangeDto(object_id=obj, ips_ids=["999"], status="OBSERVE")
    fails(lambda: cfw.change_ips_rule_mode(ChangeIpsRuleModeRequest(body=bad)), "CFW.00200005")
    reset = IpsRuleChangeDto(object_id=obj, ips_ids=[], status="ALL_DEFAULT")
    cfw.change_ips_rule_mode(ChangeIpsRuleModeRequest(body=reset))
    assert rules(ips_status="CLOSE").total == 0
    fails(
        lambda: cfw.list_ips_rules(ListIpsRulesRequest(object_id="nope", limit=10, offset=0)), "CFW.00200005"
    )

    times = cfw.show_ips_update_time(ShowIpsUpdateTimeRequest(fw_instance_id=fw)).data
    assert sorted(t.ips_type for t in times) == [0, 1] and all(
        t.update_time > 0 and t.ips_version for t in times
    )

    advanced = cfw.list_advanced_ips_rules(ListAdvancedIpsRulesRequest(object_id=obj)).data
    assert advanced.total == 2 and sorted(r.ips_rule_type for r in advanced.advanced_ips_rules) == [0, 1]
    scan = next(r for r in advanced.advanced_ips_rules if r.ips_rule_type == 0)
    body = AdvancedIpsRuleDto(
        object_id=obj,
        ips_rule_id=scan.ips_rule_id,
        ips_rule_type=0,
        action=2,
        status=1,
        param='{"threshold": 20}',
    )
    assert cfw.update_advanced_ips_rule(UpdateAdvancedIpsRuleRequest(body=body)).data.id == scan.ips_rule_id
    again = cfw.list_advanced_ips_rules(ListAdvancedIpsRulesRequest(object_id=obj)).data.advanced_ips_rules
    now = next(r for r in again if r.ips_rule_id == scan.ips_rule_id)
    assert (now.action, now.status, now.param) == (2, 1, '{"threshold": 20}')
    body.ips_rule_id = "not-a-rule"
    fails(lambda: cfw.update_advanced_ips_rule(UpdateAdvancedIpsRuleRequest(body=body)), "CFW.00200005")


def test_the_ips_whitelist(server):
    cfw = sdk.client(server.url)
    job_id = cfw.create_firewall(sdk.create_request("ips-white")).job_id
    assert sdk.wait_job(cfw, job_id) == "Success"
    fw = sdk.detail(cfw, job_id).data.records[0].fw_instance_id
    entries = [
        IpsWhiteListDto(
            name="scanner", ip_version=4, ips_id="all", effective_scopes=["EIP"], source_address="10.9.0.0/24"
        ),
        IpsWhiteListDto(
            name="backup",
            ip_version=4,
            ips_id="330001",
            effective_scopes=["NAT", "VPC"],
            dest_address="10.8.0.5",
        ),
    ]
    made = cfw.batch_create_ips_whitelist(
        BatchCreateIpsWhitelistRequest(
            fw_instance_id=fw, body=BatchCreateIpsWhiteListDto(ips_white_list_dto_list=entries)
        )
    ).data.list_ids
    assert len(made) == 2

    def listed(**filters):
        return cfw.list_ips_whitelists(
            ListIpsWhitelistsRequest(fw_instance_id=fw, limit=10, offset=0, **filters)
        ).data

    assert listed().total == 2
    found = listed(source_address="10.9.0.0").records
    assert [(r.list_id, r.effective_scopes) for r in found] == [(made[0], ["EIP"])]
    change = UpdateIpsWhitelistDto(
        name="scanner",
        ip_version=4,
        ips_id="all",
        effective_scopes=["EIP"],
        source_address="10.9.1.0/24",
        description="moved",
    )
    answer = cfw.update_ips_whitelist(
        UpdateIpsWhitelistRequest(fw_instance_id=fw, list_id=made[0], body=change)
    ).data
    assert answer.ips_whitelist_id == made[0]
    assert listed(name="SCAN").records[0].description == "moved"
    drop = BatchDeleteIpsWhiteListRequestBody(list_ids=made)
    deleted = cfw.batch_delete_ips_whitelist(
        BatchDeleteIpsWhitelistRequest(fw_instance_id=fw, body=drop)
    ).data
    assert sorted(deleted.list_ids) == sorted(made)
    assert listed().total == 0
    fails(
        lambda: cfw.batch_delete_ips_whitelist(BatchDeleteIpsWhitelistRequest(fw_instance_id=fw, body=drop)),
        "CFW.00200005",
    )
