"""ACL rules through the official SDK against a real server process (both stores): every operation
answers what the SDK's models say; then the Terraform provider's own call sequences, signed as its
Go client signs: huaweicloud_cfw_acl_rule (create, read by list scan plus hit count, update, move,
reset of the hit count, delete and the wait for the rule to vanish), _batch_delete_acl_rules,
_batch_update_acl_rules_action and _export_acl_rule."""

from __future__ import annotations

import json

import pytest
from huaweicloudsdkcfw.v1 import (
    AddAclRuleRequest,
    AddRuleAclDto,
    AddRuleAclDtoRules,
    BatchDeleteAclRulesRequest,
    BatchUpdateAclRuleActionsRequest,
    ClearAccessLogRuleHitCountsDto,
    DeleteAclRuleHitCountRequest,
    DeleteAclRuleRequest,
    DeleteRuleAclDto,
    DownloadExportResultRequest,
    DownloadImportResultRequest,
    DownloadImportTemplateRequest,
    ExportRuleAclRequest,
    ExportRuleAclRequestBody,
    ImportRuleAclRequest,
    ImportRuleAclRequestBody,
    ListAclRuleHitCountRequest,
    ListAclRuleHitStatusRequest,
    ListAclRuleHitStatusRequestBody,
    ListAclRulesRequest,
    ListRuleAclTagsRequest,
    ListRuleHitCountDto,
    OrderRuleAclDto,
    RuleAddressDtoForRequest,
    RuleServiceDto,
    ShowExportStatusRequest,
    ShowImportStatusRequest,
    TagsVO,
    UpdateAclRuleOrderRequest,
    UpdateAclRuleRequest,
    UpdateRuleAclDto,
    UpdateSecurityPolciesActionDto,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.formdata import FormFile

from tests.acceptance import sdk
from tests.acceptance.test_terraform import GoClient, P, wait_job


def _object(cfw, name: str) -> tuple[str, str]:
    firewall_id = cfw.create_firewall(sdk.create_request(name)).job_id
    assert sdk.wait_job(cfw, firewall_id) == "Success"
    return firewall_id, sdk.detail(cfw, firewall_id).data.records[0].protect_objects[0].object_id


def _fails(call, code: str) -> None:
    with pytest.raises(ClientRequestException) as err:
        call()
    assert (err.value.status_code, err.value.error_code) == (400, code)


def _rule(name: str, sequence: OrderRuleAclDto, **more) -> AddRuleAclDtoRules:
    values = {
        "name": name,
        "sequence": sequence,
        "address_type": 0,
        "action_type": 0,
        "status": 1,
        "long_connect_enable": 0,
        "direction": 0,
        "source": RuleAddressDtoForRequest(type=0, address="0.0.0.0/0"),
        "destination": RuleAddressDtoForRequest(type=5, address_type=0, ip_address=["192.0.2.10"]),
        "service": RuleServiceDto(type=0, protocol=6, source_port="1-65535", dest_port="443"),
        **more,
    }
    return AddRuleAclDtoRules(**values)


def _read(response) -> bytes:
    chunks: list[bytes] = []
    response.consume_download_stream(lambda stream: chunks.append(stream.content))
    return b"".join(chunks)


def test_every_acl_rule_operation_through_the_sdk(server, tmp_path):
    cfw = sdk.client(server.url)
    firewall_id, obj = _object(cfw, "acl-sdk")
    body = AddRuleAclDto(
        object_id=obj,
        type=0,
        rules=[
            _rule("a", OrderRuleAclDto(bottom=1), tag=TagsVO(tag_key="env", tag_value="prod")),
            _rule("b", OrderRuleAclDto(bottom=1)),
        ],
    )
    added = cfw.add_acl_rule(AddAclRuleRequest(body=body)).data.rules
    a, b = added[0].id, added[1].id
    assert [r.name for r in added] == ["a", "b"]
    top = AddRuleAclDto(object_id=obj, type=0, rules=[_rule("c", OrderRuleAclDto(top=1))])
    c = cfw.add_acl_rule(AddAclRuleRequest(body=top)).data.rules[0].id
    too_many = AddRuleAclDto(
        object_id=obj, type=0, rules=[_rule(f"r{i}", OrderRuleAclDto(bottom=1)) for i in range(21)]
    )
    _fails(lambda: cfw.add_acl_rule(AddAclRuleRequest(body=too_many)), "CFW.00200020")

    listed = cfw.list_acl_rules(ListAclRulesRequest(object_id=obj, limit=10, offset=0)).data
    assert [r.rule_id for r in listed.records] == [c, a, b]
    assert (listed.total, listed.object_id, listed.up_rules_count) == (3, obj, 1)
    assert [r.order_id for r in listed.records] == [1, 2, 3]
    assert listed.records[1].tag.tag_key == "env" and listed.records[1].service.dest_port == "443"
    filtered = cfw.list_acl_rules(ListAclRulesRequest(object_id=obj, limit=10, offset=0, name="b")).data
    assert [r.rule_id for r in filtered.records] == [b]

    cfw.update_acl_rule_order(UpdateAclRuleOrderRequest(acl_rule_id=c, body=OrderRuleAclDto(dest_rule_id=b)))
    order = cfw.list_acl_rules(ListAclRulesRequest(object_id=obj, limit=10, offset=0)).data.records
    assert [r.rule_id for r in order] == [a, b, c]

    changed = cfw.update_acl_rule(
        UpdateAclRuleRequest(acl_rule_id=a, body=UpdateRuleAclDto(name="a2", type=0))
    )
    assert changed.data.id == a
    _fails(
        lambda: cfw.update_acl_rule(
            UpdateAclRuleRequest(acl_rule_id="nope", body=UpdateRuleAclDto(name="x"))
        ),
        "CFW.00200005",
    )

    counts = cfw.list_acl_rule_hit_count(
        ListAclRuleHitCountRequest(body=ListRuleHitCountDto(rule_ids=[a]))
    ).data
    assert (counts.records[0].rule_id, counts.records[0].rule_hit_count) == (a, 0)
    cfw.delete_acl_rule_hit_count(
        DeleteAclRuleHitCountRequest(body=ClearAccessLogRuleHitCountsDto(rule_ids=[a]))
    )
    status = cfw.list_acl_rule_hit_status(
        ListAclRuleHitStatusRequest(
            fw_instance_id=firewall_id, body=ListAclRuleHitStatusRequestBody(rule_ids=[a])
        )
    ).data
    assert status.records[0].rule_hit_count == 0
    action = UpdateSecurityPolciesActionDto(object_id=obj, action="disable", rule_ids=[a, b])
    assert cfw.batch_update_acl_rule_actions(BatchUpdateAclRuleActionsRequest(body=action)).data == [a, b]
    tags = cfw.list_rule_acl_tags(ListRuleAclTagsRequest(fw_instance_id=firewall_id, offset=0, limit=10)).data
    assert [(t.tag_key, t.tag_value) for t in tags.records] == [("env", "prod")]

    exported = cfw.export_rule_acl(ExportRuleAclRequest(body=ExportRuleAclRequestBody(object_id=obj))).data
    assert cfw.show_export_status(ShowExportStatusRequest(object_id=obj)).data.status == 3
    document = _read(cfw.download_export_result(DownloadExportResultRequest(object_id=obj)))
    assert exported.id and [r["name"] for r in json.loads(document)["rules"]] == ["a2", "b", "c"]
    template = _read(cfw.download_import_template(DownloadImportTemplateRequest(object_id=obj)))
    (tmp_path / "rules.json").write_bytes(template)
    upload = ImportRuleAclRequestBody(file=FormFile(str(tmp_path / "rules.json"), "application/octet-stream"))
    assert cfw.import_rule_acl(ImportRuleAclRequest(object_id=obj, body=upload)).data.id
    assert cfw.show_import_status(ShowImportStatusRequest(object_id=obj)).data.status == 3
    report = json.loads(_read(cfw.download_import_result(DownloadImportResultRequest(object_id=obj))))
    assert [r["result"] for r in report["results"]] == ["success"]

    deleted = cfw.delete_acl_rule(DeleteAclRuleRequest(acl_rule_id=c)).data
    assert (deleted.id, deleted.name) == (c, "c")
    _fails(lambda: cfw.delete_acl_rule(DeleteAclRuleRequest(acl_rule_id=c)), "CFW.00200005")
    gone = cfw.batch_delete_acl_rules(
        BatchDeleteAclRulesRequest(body=DeleteRuleAclDto(object_id=obj, rule_ids=[a, b]))
    )
    assert {d.id for d in gone.data.response_datas} == {a, b}
    assert cfw.list_acl_rules(ListAclRulesRequest(object_id=obj, limit=10, offset=0)).data.total == 1


# -- the provider's call sequences


def _provider_firewall(tf: GoClient) -> tuple[str, str]:
    body = {
        "name": "tf-acl",
        "flavor": {"version": "Professional"},
        "charge_info": {"charge_mode": "postPaid"},
    }
    firewall_id = tf.ok("POST", f"/v2/{P}/firewall", body)["job_id"]
    assert wait_job(tf, firewall_id) == "Success"
    path = f"/v1/{P}/firewall/exist?offset=0&limit=10&service_type=0&fw_instance_id={firewall_id}"
    return firewall_id, tf.ok("GET", path)["data"]["records"][0]["protect_objects"][0]["object_id"]


def _provider_read(tf: GoClient, obj: str, rule_id: str) -> dict | None:
    """resourceACLRuleRead: pages of 100 until the rule or the end, then its hit count."""
    offset = 0
    while True:
        data = tf.ok("GET", f"/v1/{P}/acl-rules?object_id={obj}&limit=100&offset={offset}")["data"]
        found = next((r for r in data["records"] if r["rule_id"] == rule_id), None)
        if found is not None:
            count = tf.ok("POST", f"/v1/{P}/acl-rule/count", {"rule_ids": [rule_id]})["data"]
            found["rule_hit_count"] = count["records"][0]["rule_hit_count"]
            return found
        offset += 100
        if data["total"] <= offset:
            return None


def test_the_provider_drives_an_acl_rule(spawn):
    srv = spawn(provision_seconds="0")
    tf = GoClient(srv.port)
    _, obj = _provider_firewall(tf)
    set_id = tf.ok("POST", f"/v1/{P}/address-set", {"object_id": obj, "name": "tf-group", "address_type": 0})[
        "data"
    ]["id"]
    svc_id = tf.ok("POST", f"/v1/{P}/service-set", {"object_id": obj, "name": "tf-svc"})["data"]["id"]
    tf.ok(
        "POST",
        f"/v1/{P}/service-items",
        {"set_id": svc_id, "service_items": [{"protocol": 6, "source_port": "1-65535", "dest_port": "22"}]},
    )
    for i in range(150):  # the rule sits past the first page of the provider's scan
        filler = {"object_id": obj, "type": 0, "rules": [_provider_rule(f"filler-{i}")]}
        tf.ok("POST", f"/v1/{P}/acl-rule", filler)
    body = {
        "object_id": obj,
        "type": 0,
        "rules": [
            {
                **_provider_rule("tf-rule"),
                "source": {
                    "type": 3,
                    "region_list": [{"region_id": "CN", "region_type": 0}],
                    "addressType": 0,
                },
                "destination": {
                    "type": 5,
                    "address_group": [set_id],
                    "predefined_group": [],
                    "address_type": 0,
                },
                "service": {"type": 2, "service_group": [svc_id], "predefined_group": [], "protocols": [6]},
                "tag": {"tag_key": "owner", "tag_value": "tf"},
            }
        ],
    }
    rule_id = tf.ok("POST", f"/v1/{P}/acl-rule", body)["data"]["rules"][0]["id"]
    state = _provider_read(tf, obj, rule_id)
    assert state is not None and state["rule_hit_count"] == 0
    assert [
        g["set_id"] for g in state["destination"]["address_group_names"] if g["address_set_type"] == 0
    ] == [set_id]
    assert [(g["set_id"], g["protocols"]) for g in state["service"]["service_group_names"]] == [(svc_id, [6])]
    status, payload = tf("DELETE", f"/v1/{P}/address-sets/{set_id}")
    assert (status, payload["error_code"]) == (400, "CFW.00200004")
    # update: the whole rule with its type and no sequence, then the order, then the hit count
    update = {
        **_provider_rule("tf-rule-2"),
        "type": 0,
        "destination": body["rules"][0]["destination"],
        "service": body["rules"][0]["service"],
    }
    update.pop("sequence")
    tf.ok("PUT", f"/v1/{P}/acl-rule/{rule_id}", update)
    tf.ok("PUT", f"/v1/{P}/acl-rule/order/{rule_id}", {"top": 1, "bottom": 0})
    tf.ok("DELETE", f"/v1/{P}/acl-rule/count", {"rule_ids": [rule_id]})
    state = _provider_read(tf, obj, rule_id)
    assert state is not None and state["name"] == "tf-rule-2" and state["order_id"] == 1
    # delete, and the wait for the rule to be gone from the list
    tf.ok("DELETE", f"/v1/{P}/acl-rule/{rule_id}")
    assert _provider_read(tf, obj, rule_id) is None
    status, payload = tf("DELETE", f"/v1/{P}/acl-rule/{rule_id}")
    assert (status, payload["error_code"]) == (400, "CFW.00200005")
    tf.ok("DELETE", f"/v1/{P}/address-sets/{set_id}")


def _provider_rule(name: str) -> dict:
    return {
        "action_type": 0,
        "address_type": 0,
        "direction": 0,
        "long_connect_enable": 0,
        "name": name,
        "status": 1,
        "tag": {},
        "sequence": {"top": 0, "bottom": 1},
        "service": {"type": 0, "protocol": -1, "source_port": "1-65535", "dest_port": "1-65535"},
        "source": {"type": 0, "address": "0.0.0.0/0"},
        "destination": {"type": 0, "address": "0.0.0.0/0"},
    }


def test_the_provider_batch_resources(spawn):
    """_batch_update_acl_rules_action, _export_acl_rule and _batch_delete_acl_rules: one call each."""
    srv = spawn(provision_seconds="0")
    tf = GoClient(srv.port)
    firewall_id, obj = _provider_firewall(tf)
    rules = [_provider_rule("one"), _provider_rule("two")]
    ids = [
        r["id"]
        for r in tf.ok("POST", f"/v1/{P}/acl-rule", {"object_id": obj, "type": 0, "rules": rules})["data"][
            "rules"
        ]
    ]
    assert (
        tf.ok("PUT", f"/v1/{P}/acl-rule/action", {"object_id": obj, "action": "disable", "rule_ids": ids})[
            "data"
        ]
        == ids
    )
    records = tf.ok("GET", f"/v1/{P}/acl-rules?object_id={obj}&limit=10&offset=0")["data"]["records"]
    assert {r["action_type"] for r in records} == {1}
    assert tf.ok("POST", f"/v1/{P}/acl-rule/export", {"object_id": obj})["data"]["id"]
    path = f"/v1/{P}/acl-rule?fw_instance_id={firewall_id}&enterprise_project_id=0"
    gone = tf.ok("DELETE", path, {"object_id": obj, "rule_ids": ids})["data"]["responseDatas"]
    assert {g["id"] for g in gone} == set(ids)
    assert tf.ok("GET", f"/v1/{P}/acl-rules?object_id={obj}&limit=10&offset=0")["data"]["total"] == 0
