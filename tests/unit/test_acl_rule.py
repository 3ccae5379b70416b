"""ACL rules over HTTP, in-process, on both stores: fields, order, groups, filters, hit counts,
batch operations, errors, and the policy evaluator's endpoint."""

from __future__ import annotations

import pytest

from opencfw.domain.eips import Verdict as EipVerdict
from tests.unit import test_api
from tests.unit.test_api import P, assert_error, call
from tests.unit.test_api_protection import EAST_WEST, running

env = test_api.env


def _api(env):
    runtime, clock, client = env()
    client.token = test_api.token_for(client, P)
    return runtime, clock, client


@pytest.fixture
def api(env, monkeypatch):
    """The API of test_api, every address a protected EIP: these tests are about rules (EIP
    protection itself: test_evaluate_follows_real_eip_protection below, and test_eips.py)."""
    runtime, clock, client = _api(env)
    monkeypatch.setattr(runtime.eips, "verdict", lambda *where: EipVerdict(protected=True, bypassed=False))
    return runtime, clock, client


RULE = f"/v1/{P}/acl-rule"
RULES = f"/v1/{P}/acl-rules"
UNKNOWN = "f588ce71-e26c-400d-8981-f854355f6849"
ANY_ADDRESS = {"type": 0, "address": "0.0.0.0/0"}
ANY_SERVICE = {"type": 0, "protocol": -1, "source_port": "1-65535", "dest_port": "1-65535"}


def rule(name: str = "r", sequence: dict | None = None, **more) -> dict:
    return {
        "name": name,
        "sequence": sequence or {"bottom": 1},
        "address_type": 0,
        "action_type": 0,
        "status": 1,
        "long_connect_enable": 0,
        "direction": 0,
        "source": ANY_ADDRESS,
        "destination": ANY_ADDRESS,
        "service": ANY_SERVICE,
        **more,
    }


def add(client, obj: str, *rules: dict, type_: int = 0):
    return call(client, "POST", RULE, {"object_id": obj, "type": type_, "rules": list(rules)})


def added(client, obj: str, *rules: dict) -> list[str]:
    reply = add(client, obj, *rules)
    assert reply.status == 200, reply.body
    return [r["id"] for r in reply.json["data"]["rules"]]


def page(client, obj: str, query: str = "", limit: int = 1024, offset: int = 0) -> dict:
    reply = call(client, "GET", f"{RULES}?object_id={obj}&offset={offset}&limit={limit}{query}")
    assert reply.status == 200, reply.body
    return reply.json["data"]


def order(client, obj: str) -> list[str]:
    return [r["rule_id"] for r in page(client, obj)["records"]]


def move(client, rule_id: str, **sequence):
    return call(client, "PUT", f"{RULE}/order/{rule_id}", sequence)


def test_a_rule_reads_back_in_the_list(api):
    runtime, _, client = api
    _, obj = running(runtime, client)
    src = {"type": 5, "ip_address": ["1.2.3.4", "10.0.0.0/8"], "address_type": 0}
    (rule_id,) = added(
        client, obj, rule("web", source=src, description="d", tag={"tag_key": "k", "tag_value": "v"})
    )
    data = page(client, obj)
    assert (data["total"], data["object_id"], data["up_rules_count"]) == (1, obj, 0)
    (record,) = data["records"]
    assert record["rule_id"] == rule_id and record["order_id"] == 1
    assert record["name"] == "web" and record["description"] == "d" and record["status"] == 1
    assert record["source"]["ip_address"] == ["1.2.3.4", "10.0.0.0/8"]
    assert record["source"]["address_group_names"] == []
    assert record["tag"] == {"tag_key": "k", "tag_value": "v"}
    assert record["service"]["protocol"] == -1


def test_order_top_bottom_after_and_moves(api):
    runtime, _, client = api
    _, obj = running(runtime, client)
    a, b = added(client, obj, rule("a"), rule("b"))
    (c,) = added(client, obj, rule("c", {"top": 1}))
    (d,) = added(client, obj, rule("d", {"dest_rule_id": c}))
    assert order(client, obj) == [c, d, a, b]
    assert page(client, obj)["up_rules_count"] == 1
    assert move(client, b, top=1).status == 200
    assert order(client, obj) == [b, c, d, a]
    assert move(client, b, dest_rule_id=a).status == 200
    assert order(client, obj) == [c, d, a, b]
    assert move(client, c, bottom=1).status == 200
    assert order(client, obj) == [d, a, b, c]
    assert [r["order_id"] for r in page(client, obj, limit=2, offset=2)["records"]] == [3, 4]
    assert_error(move(client, c, dest_rule_id=UNKNOWN), 400, "CFW.00200005")
    assert_error(move(client, c, top=1, bottom=1), 400, "CFW.00200001")
    assert_error(move(client, UNKNOWN, top=1), 400, "CFW.00200005")
    assert order(client, obj) == [d, a, b, c]


def test_many_inserts_after_one_rule_renumber_and_keep_the_order(api):
    """Forty inserts right after the same rule halve its gap until it runs out: the rules are
    renumbered and the order stays exact."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    (first,) = added(client, obj, rule("first"))
    (last,) = added(client, obj, rule("last"))
    expected = [first, last]
    for i in range(40):
        (new,) = added(client, obj, rule(f"n{i}", {"dest_rule_id": first}))
        expected.insert(1, new)
    assert order(client, obj) == expected


def test_twenty_rules_per_call(api):
    runtime, _, client = api
    _, obj = running(runtime, client)
    assert_error(add(client, obj, *[rule(f"r{i}") for i in range(21)]), 400, "CFW.00200020")
    assert page(client, obj)["total"] == 0
    assert len(added(client, obj, *[rule(f"r{i}") for i in range(20)])) == 20


def test_bad_rules_change_nothing(api):
    runtime, _, client = api
    _, obj = running(runtime, client)
    bad = [
        (rule(sequence={"top": 0, "bottom": 0}), "CFW.00200001"),
        (rule(source={"type": 0, "address": "::1"}), "CFW.00200027"),
        (rule(source={"type": 0, "address": "nonsense"}), "CFW.00200001"),
        (rule(source={"type": 1}), "CFW.00200001"),
        (rule(service={"type": 0, "protocol": 6, "dest_port": "70000"}), "CFW.00200001"),
        (rule(long_connect_enable=1, long_connect_time=0), "CFW.00200025"),
        (rule(long_connect_enable=1, long_connect_time=60), "CFW.00400010"),
        (rule(direction=None), "CFW.00200001"),
        (rule(source={"type": 1, "address_set_id": UNKNOWN}), "CFW.00200005"),
    ]
    for body, code in bad:
        assert_error(add(client, obj, body), 400, code)
    assert_error(add(client, obj, rule(), type_=1), 400, "CFW.00400007")
    assert_error(add(client, UNKNOWN, rule()), 400, "CFW.00200005")
    assert page(client, obj)["total"] == 0


def test_long_connection_rules(api):
    runtime, _, client = api
    _, obj = running(runtime, client)
    tcp = {"type": 0, "protocol": 6, "source_port": "1-65535", "dest_port": "443"}
    added(client, obj, rule(long_connect_enable=1, long_connect_time_hour=1, service=tcp))
    assert page(client, obj)["records"][0]["long_connect_time"] == 3600


def test_update_keeps_what_is_not_sent(api):
    runtime, _, client = api
    _, obj = running(runtime, client)
    (rule_id,) = added(client, obj, rule("a", description="x"))
    reply = call(client, "PUT", f"{RULE}/{rule_id}", {"name": "b", "action_type": 1, "type": 0})
    assert reply.status == 200 and reply.json["data"] == {"id": rule_id, "name": "b"}
    (record,) = page(client, obj)["records"]
    assert (record["name"], record["action_type"], record["description"]) == ("b", 1, "x")
    assert_error(call(client, "PUT", f"{RULE}/{UNKNOWN}", {"name": "c"}), 400, "CFW.00200005")
    assert_error(call(client, "PUT", f"{RULE}/{rule_id}", {"type": 1}), 400, "CFW.00400007")


def test_groups_are_named_in_the_record_and_cannot_be_deleted_while_used(api):
    runtime, _, client = api
    _, obj = running(runtime, client)
    reply = call(client, "POST", f"/v1/{P}/address-set", {"object_id": obj, "name": "web"})
    set_id = reply.json["data"]["id"]
    call(
        client,
        "POST",
        f"/v1/{P}/address-items",
        {"set_id": set_id, "address_items": [{"address": "5.5.5.0/24"}]},
    )
    reply = call(client, "POST", f"/v1/{P}/service-set", {"object_id": obj, "name": "svc"})
    svc_id = reply.json["data"]["id"]
    call(
        client,
        "POST",
        f"/v1/{P}/service-items",
        {"set_id": svc_id, "service_items": [{"protocol": 6, "source_port": "1-65535", "dest_port": "80"}]},
    )
    (rule_id,) = added(
        client,
        obj,
        rule(
            destination={"type": 5, "address_group": [set_id], "address_type": 0},
            service={"type": 2, "service_group": [svc_id], "protocols": [6]},
        ),
    )
    (record,) = page(client, obj)["records"]
    assert record["destination"]["address_group_names"] == [
        {"set_id": set_id, "name": "web", "address_set_type": 0}
    ]
    assert record["service"]["service_group_names"] == [
        {"set_id": svc_id, "name": "svc", "protocols": [6], "service_set_type": 0}
    ]
    assert_error(call(client, "DELETE", f"/v1/{P}/address-sets/{set_id}"), 400, "CFW.00200004")
    assert_error(call(client, "DELETE", f"/v1/{P}/service-sets/{svc_id}"), 400, "CFW.00200004")
    groups = call(client, "GET", f"/v1/{P}/address-sets?object_id={obj}&offset=0&limit=10").json["data"]
    assert groups["records"][0]["ref_count"] == 1
    assert call(client, "DELETE", f"{RULE}/{rule_id}").status == 200
    assert call(client, "DELETE", f"/v1/{P}/address-sets/{set_id}").status == 200
    assert call(client, "DELETE", f"/v1/{P}/service-sets/{svc_id}").status == 200


def test_a_domain_group_a_rule_uses_is_counted_named_and_cannot_be_deleted(api):
    """A domain name group a rule's destination names (types 4 and 6) counts the rule in its
    ``ref_count`` and ``rules``, refuses DeleteDomainSet and BatchDeleteDomainSet with CFW.00200004
    until the rule goes, and a rule naming an unknown domain group is refused."""
    runtime, _, client = api
    fw, obj = running(runtime, client)

    def group(name: str, kind: int) -> str:
        body = {
            "object_id": obj,
            "name": name,
            "domain_set_type": kind,
            "domain_names": [{"domain_name": "a.example.com"}],
        }
        reply = call(client, "POST", f"/v1/{P}/domain-set?fw_instance_id={fw}", body)
        assert reply.status == 200, reply.body
        return str(reply.json["data"]["id"])

    def groups() -> dict[str, dict]:
        reply = call(
            client, "GET", f"/v1/{P}/domain-sets?fw_instance_id={fw}&object_id={obj}&offset=0&limit=10"
        )
        assert reply.status == 200, reply.body
        return {g["set_id"]: g for g in reply.json["data"]["records"]}

    app, net, spare = group("app", 0), group("net", 1), group("spare", 1)
    assert_error(
        add(client, obj, rule(destination={"type": 4, "domain_set_id": UNKNOWN})), 400, "CFW.00200005"
    )
    (first,) = added(client, obj, rule("first", destination={"type": 4, "domain_set_id": app}))
    (second,) = added(client, obj, rule("second", destination={"type": 6, "domain_set_id": net}))
    (third,) = added(client, obj, rule("third", source={"type": 6, "domain_set_id": net}))
    found = groups()
    assert (found[app]["ref_count"], found[app]["rules"]) == (1, [{"id": first, "name": "first"}])
    assert found[net]["ref_count"] == 2
    named = sorted(found[net]["rules"], key=lambda r: r["name"])  # created in the same ms: ordered by id
    assert named == [{"id": second, "name": "second"}, {"id": third, "name": "third"}]
    assert (found[spare]["ref_count"], found[spare]["rules"]) == (0, [])
    assert_error(call(client, "DELETE", f"/v1/{P}/domain-set/{app}?fw_instance_id={fw}"), 400, "CFW.00200004")
    batch = {"object_id": obj, "set_ids": [spare, net]}
    reply = call(client, "POST", f"/v1/{P}/domain-sets/batch-delete?fw_instance_id={fw}", batch)
    assert_error(reply, 400, "CFW.00200004")
    assert set(groups()) == {app, net, spare}  # the batch deleted none
    assert call(client, "DELETE", RULE, {"object_id": obj, "rule_ids": [first, second, third]}).status == 200
    assert groups()[net]["ref_count"] == 0
    assert call(client, "DELETE", f"/v1/{P}/domain-set/{app}?fw_instance_id={fw}").status == 200
    reply = call(client, "POST", f"/v1/{P}/domain-sets/batch-delete?fw_instance_id={fw}", batch)
    assert reply.status == 200, reply.body
    assert groups() == {}


def test_filters(api):
    runtime, _, client = api
    _, obj = running(runtime, client)
    a, b, c = added(
        client,
        obj,
        rule("alpha", source={"type": 0, "address": "1.1.1.1"}, action_type=1),
        rule("beta", destination={"type": 0, "address": "2.2.2.2"}, status=0, direction=1),
        rule("gamma", service={"type": 0, "protocol": 6, "dest_port": "8080"}, applications=["HTTP"]),
    )

    def ids(query: str) -> list[str]:
        return [r["rule_id"] for r in page(client, obj, query)["records"]]

    assert ids("&name=ALP") == [a]
    assert ids("&action_type=1") == [a]
    assert ids("&status=0") == [b]
    assert ids("&direction=1") == [b]
    assert ids("&ip=2.2.2.2") == [b]
    assert ids("&source=1.1.1.1") == [a]
    assert ids("&destination=2.2.2.2") == [b]
    assert ids("&service=8080") == [c]
    assert ids("&application=HTTP") == [c]
    assert ids("&type=0") == [a, b, c]
    assert page(client, obj, "&name=gamma")["records"][0]["order_id"] == 3
    assert_error(
        call(client, "GET", f"{RULES}?object_id={obj}&offset=0&limit=10&status=7"), 400, "CFW.00200001"
    )
    assert_error(call(client, "GET", f"{RULES}?object_id={UNKNOWN}&offset=0&limit=10"), 400, "CFW.00200005")


def test_hit_counts_batch_delete_and_actions(api):
    runtime, _, client = api
    fw, obj = running(runtime, client)
    a, b = added(client, obj, rule("a"), rule("b"))
    reply = call(client, "POST", f"{RULE}/count", {"rule_ids": [a, b]})
    assert reply.json["data"]["records"] == [
        {"rule_id": a, "rule_hit_count": 0},
        {"rule_id": b, "rule_hit_count": 0},
    ]
    flow = {"source": "8.8.8.8", "destination": "9.9.9.9", "protocol": 6, "dest_port": 80}
    reply = call(client, "POST", f"/_opencfw/v1/{P}/firewalls/{fw}/evaluate", flow)
    assert reply.status == 200, reply.body
    assert reply.json["data"]["rule_id"] == a and reply.json["data"]["action"] == "allow"
    assert (
        call(client, "POST", f"{RULE}/count", {"rule_ids": [a]}).json["data"]["records"][0]["rule_hit_count"]
        == 1
    )
    assert call(client, "DELETE", f"{RULE}/count", {"rule_ids": [a]}).status == 200
    assert (
        call(client, "POST", f"{RULE}/count", {"rule_ids": [a]}).json["data"]["records"][0]["rule_hit_count"]
        == 0
    )
    assert_error(call(client, "DELETE", f"{RULE}/count", {"rule_ids": [UNKNOWN]}), 400, "CFW.00400006")
    reply = call(client, "PUT", f"{RULE}/action", {"object_id": obj, "action": "disable", "rule_ids": [a]})
    assert reply.status == 200 and reply.json["data"] == [a]
    reply = call(client, "POST", f"/_opencfw/v1/{P}/firewalls/{fw}/evaluate", flow)
    assert reply.json["data"]["action"] == "deny"
    assert_error(
        call(client, "DELETE", RULE, {"object_id": obj, "rule_ids": [a, UNKNOWN]}), 400, "CFW.00200005"
    )
    assert page(client, obj)["total"] == 2
    reply = call(client, "DELETE", RULE, {"object_id": obj, "rule_ids": [a, b]})
    assert reply.status == 200 and {r["id"] for r in reply.json["data"]["responseDatas"]} == {a, b}
    assert page(client, obj)["total"] == 0
    reply = call(client, "POST", f"/_opencfw/v1/{P}/firewalls/{fw}/evaluate", flow)
    assert reply.json["data"]["matched"] == "default"


@pytest.mark.parametrize("protected", [True, False])
def test_evaluate_bypasses_unprotected_addresses(api, protected):
    runtime, _, client = api
    fw, obj = running(runtime, client)
    added(client, obj, rule("deny", action_type=1))
    asked = []
    runtime.eips.verdict = lambda *where: asked.append(where) or EipVerdict(protected, bypassed=False)
    flow = {"source": "8.8.8.8", "destination": "9.9.9.9", "protocol": 17, "dest_port": 53}
    data = call(client, "POST", f"/_opencfw/v1/{P}/firewalls/{fw}/evaluate", flow).json["data"]
    assert data["action"] == ("deny" if protected else "allow")
    assert data["matched"] == ("rule" if protected else "bypassed")
    assert asked == [(P, fw, "9.9.9.9")]  # inbound: the destination is the EIP


def test_evaluate_checks_lists_first(api):
    runtime, _, client = api
    fw, obj = running(runtime, client)
    added(client, obj, rule("deny", action_type=1))
    entry = {
        "object_id": obj,
        "list_type": 5,
        "direction": 0,
        "address_type": 0,
        "address": "8.8.8.0/24",
        "protocol": -1,
    }
    list_id = call(client, "POST", f"/v1/{P}/black-white-list", entry).json["data"]["id"]
    flow = {"source": "8.8.8.8", "destination": "9.9.9.9", "protocol": 6, "dest_port": 80}
    data = call(client, "POST", f"/_opencfw/v1/{P}/firewalls/{fw}/evaluate", flow).json["data"]
    assert (data["action"], data["matched"], data["list_id"]) == ("allow", "whitelist", list_id)
    assert_error(
        call(client, "POST", f"/_opencfw/v1/{P}/firewalls/{fw}/evaluate", {**flow, "source": "x"}),
        400,
        "CFW.00200001",
    )
    assert_error(
        call(client, "POST", f"/_opencfw/v1/{P}/firewalls/{UNKNOWN}/evaluate", flow), 400, "CFW.00200005"
    )


def _upload(client, obj: str, content: bytes):
    boundary = "b0undary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="rules.json"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"x-auth-token": client.token, "content-type": f"multipart/form-data; boundary={boundary}"}
    return client.request("POST", f"{RULE}/import?object_id={obj}", headers=headers, body=body)


def test_export_then_import_into_another_firewall(api):
    """An export is the rules in order; importing it elsewhere adds them at the bottom in that order
    and reports each; a rule that cannot be added (a group of the first object) fails alone."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    set_id = call(client, "POST", f"/v1/{P}/address-set", {"object_id": obj, "name": "g"}).json["data"]["id"]
    added(client, obj, rule("one"), rule("two", destination={"type": 5, "address_group": [set_id]}))
    added(client, obj, rule("zero", {"top": 1}))
    status = call(client, "GET", f"{RULE}/export-status?object_id={obj}").json["data"]
    assert status == {"id": None, "status": 0}
    assert_error(call(client, "GET", f"{RULE}/export-result?object_id={obj}"), 400, "CFW.00200005")
    reply = call(client, "POST", f"{RULE}/export", {"object_id": obj})
    assert reply.status == 200, reply.body
    export_id = reply.json["data"]["id"]
    assert call(client, "GET", f"{RULE}/export-status?object_id={obj}").json["data"] == {
        "id": export_id,
        "status": 3,
    }
    reply = call(client, "GET", f"{RULE}/export-result?object_id={obj}")
    assert reply.status == 200 and reply.headers["content-type"] == "application/octet-stream"
    document = reply.body
    assert [r["name"] for r in msgspec_json(document)["rules"]] == ["zero", "one", "two"]

    _, other = running(runtime, client, name="second")
    (first,) = added(client, other, rule("first"))
    reply = _upload(client, other, document)
    assert reply.status == 200, reply.body
    assert call(client, "GET", f"{RULE}/import-status?object_id={other}").json["data"]["status"] == 5
    names = [r["name"] for r in page(client, other)["records"]]
    assert names == ["first", "zero", "one"]
    report = msgspec_json(call(client, "GET", f"{RULE}/import-result?object_id={other}").body)["results"]
    assert [(r["name"], r["result"]) for r in report] == [
        ("zero", "success"),
        ("one", "success"),
        ("two", "failed"),
    ]
    assert report[2]["error_code"] == "CFW.00200005"
    template = call(client, "GET", f"{RULE}/import-template?object_id={other}")
    assert template.status == 200
    assert _upload(client, other, template.body).status == 200
    assert call(client, "GET", f"{RULE}/import-status?object_id={other}").json["data"]["status"] == 3
    assert_error(_upload(client, other, b"not json"), 400, "CFW.00200001")
    assert first in order(client, other)


def msgspec_json(content: bytes):
    import json

    return json.loads(content)


def test_tags_and_hit_status(api):
    runtime, _, client = api
    fw, obj = running(runtime, client)
    a, b, _ = added(
        client,
        obj,
        rule("a", tag={"tag_key": "env", "tag_value": "prod"}),
        rule("b", tag={"tag_key": "env", "tag_value": "prod"}),
        rule("c", tag={"tag_id": "t1", "tag_key": "team", "tag_value": "net"}),
    )
    reply = call(client, "GET", f"/v2/{P}/cfw-acl/tags?fw_instance_id={fw}&offset=0&limit=10")
    assert reply.status == 200, reply.body
    records = reply.json["data"]["records"]
    assert reply.json["data"]["total"] == 2
    assert [(r["tag_key"], r["tag_value"]) for r in records] == [("env", "prod"), ("team", "net")]
    assert records[1]["tag_id"] == "t1" and records[0]["tag_id"]
    assert_error(call(client, "GET", f"/v2/{P}/cfw-acl/tags?offset=0&limit=10"), 400, "CFW.00200001")
    # the common query parameter is bounded here too (found by the schema fuzzing)
    long_eps = f"/v2/{P}/cfw-acl/tags?fw_instance_id={fw}&offset=0&limit=10&enterprise_project_id={'e' * 256}"
    assert_error(call(client, "GET", long_eps), 400, "CFW.00200001")
    flow = {"source": "8.8.8.8", "destination": "9.9.9.9", "protocol": 6, "dest_port": 80}
    call(client, "POST", f"/_opencfw/v1/{P}/firewalls/{fw}/evaluate", flow)
    hit = f"/v1/{P}/cfw/{fw}/acl-rule/hit-info/batch-query"
    records = call(client, "POST", hit, {"rule_ids": [a, b]}).json["data"]["records"]
    assert [(r["rule_id"], r["rule_hit_count"]) for r in records] == [(a, 1), (b, 0)]
    assert records[0]["rule_last_hit_time"] == test_api.START_MS and records[1]["rule_last_hit_time"] is None
    assert_error(call(client, "POST", hit, {"rule_ids": [UNKNOWN]}), 400, "CFW.00200005")


def _rows(runtime, table: str) -> int:
    with runtime.acl_rules.db.read() as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_rules_go_with_their_firewall_and_project(api):
    """Deleting the firewall deletes its rules, their link rows and transfers; so does a reset."""
    runtime, clock, client = api
    fw, obj = running(runtime, client)
    set_id = call(client, "POST", f"/v1/{P}/address-set", {"object_id": obj, "name": "g"}).json["data"]["id"]
    (rule_id,) = added(client, obj, rule(destination={"type": 5, "address_group": [set_id]}))
    assert call(client, "POST", f"{RULE}/export", {"object_id": obj}).status == 200
    assert (
        _rows(runtime, "acl_rules"),
        _rows(runtime, "acl_rule_refs"),
        _rows(runtime, "acl_transfers"),
    ) == (1, 1, 1)
    assert call(client, "DELETE", f"/v2/{P}/firewall/{fw}").status == 200
    clock.advance(1)
    while runtime.worker.run_once():
        pass
    assert (
        _rows(runtime, "acl_rules"),
        _rows(runtime, "acl_rule_refs"),
        _rows(runtime, "acl_transfers"),
    ) == (0, 0, 0)
    assert_error(call(client, "DELETE", f"{RULE}/{rule_id}"), 400, "CFW.00200005")
    _, obj = running(runtime, client, name="again")
    added(client, obj, rule())
    runtime.store.reset_project(P, clock.now_ms())
    assert _rows(runtime, "acl_rules") == 0


def test_evaluated_flows_are_logged(api):
    """A rule's hit is an access-control record naming the rule; a flow let through (no rule) a
    flow record; a bypassed flow, which the firewall never saw, neither."""
    runtime, _, client = api
    fw, obj = running(runtime, client)
    (rule_id,) = added(
        client, obj, rule("deny", action_type=1, service={**ANY_SERVICE, "protocol": 6, "dest_port": "443"})
    )
    denied = {"source": "8.8.8.8", "destination": "9.9.9.9", "protocol": 6, "dest_port": 443, "direction": 0}
    passed = {**denied, "dest_port": 80}
    for flow in (denied, passed):
        assert call(client, "POST", f"/_opencfw/v1/{P}/firewalls/{fw}/evaluate", flow).status == 200
    query = f"fw_instance_id={fw}&start_time=0&end_time={runtime.clock.now_ms() + 1}&limit=100"
    acl = call(client, "GET", f"/v1/{P}/cfw/logs/access-control?{query}").json["data"]
    assert [(r["rule_id"], r["action"], r["dst_port"]) for r in acl["records"]] == [(rule_id, "deny", 443)]
    flows = call(client, "GET", f"/v1/{P}/cfw/logs/flow?{query}").json["data"]
    assert [(r["dst_port"], r["src_ip"]) for r in flows["records"]] == [(80, "8.8.8.8")]
    runtime.eips.verdict = lambda *where: EipVerdict(protected=False, bypassed=False)
    assert (
        call(client, "POST", f"/_opencfw/v1/{P}/firewalls/{fw}/evaluate", denied).json["data"]["matched"]
        == "bypassed"
    )
    acl = call(client, "GET", f"/v1/{P}/cfw/logs/access-control?{query}").json["data"]
    assert acl["total"] == 1


def test_the_compiled_policy_follows_group_members_and_rule_changes(api):
    """A member added to a group a rule uses, or a rule moved, changes the next verdict: the
    compiled policy is rebuilt after any change in the project."""
    runtime, _, client = api
    fw, obj = running(runtime, client)
    set_id = call(client, "POST", f"/v1/{P}/address-set", {"object_id": obj, "name": "g"}).json["data"]["id"]
    svc = {"type": 0, "protocol": 6, "source_port": "1-65535", "dest_port": "80-90"}
    (deny,) = added(
        client,
        obj,
        rule("deny", destination={"type": 5, "address_group": [set_id]}, action_type=1, service=svc),
    )
    (allow,) = added(client, obj, rule("allow", destination={"type": 0, "address": "203.0.113.0/24"}))
    flow = {"source": "8.8.8.8", "destination": "203.0.113.5", "protocol": 6, "dest_port": 85}

    def verdict():
        data = call(client, "POST", f"/_opencfw/v1/{P}/firewalls/{fw}/evaluate", flow).json["data"]
        return data["rule_id"], data["action"]

    assert verdict() == (allow, "allow")
    items = {"set_id": set_id, "address_items": [{"address": "203.0.113.0/28"}]}
    assert call(client, "POST", f"/v1/{P}/address-items", items).status == 200
    assert verdict() == (deny, "deny")
    assert move(client, allow, top=1).status == 200
    assert verdict() == (allow, "allow")
    assert verdict() == (allow, "allow")  # the same compiled policy: nothing changed
    assert (
        call(client, "POST", f"{RULE}/count", {"rule_ids": [allow]}).json["data"]["records"][0][
            "rule_hit_count"
        ]
        == 3
    )
    flow["dest_port"] = 95
    assert move(client, deny, top=1).status == 200
    assert verdict() == (allow, "allow")  # the deny rule's service is 80-90


def test_inter_vpc_rules_on_the_vpc_border_object(api):
    """Type 1 rules live on the VPC border object (type 0 there is CFW.00400007); they match both
    directions, and its flows never bypass (EIP protection is an Internet border matter)."""
    runtime, _, client = api
    fw, obj = running(runtime, client)
    vpc = call(client, "POST", f"/v1/{P}/firewall/east-west?fw_instance_id={fw}", EAST_WEST).json["data"][
        "id"
    ]
    assert_error(add(client, vpc, rule()), 400, "CFW.00400007")
    private = {"type": 0, "address": "10.1.0.0/16"}
    (rule_id,) = added_typed(client, vpc, 1, rule("vpc", source=private, action_type=1, direction=None))
    runtime.eips.verdict = lambda *where: EipVerdict(protected=False, bypassed=False)
    for direction in (0, 1):
        flow = {"source": "10.1.2.3", "destination": "10.2.0.1", "protocol": 17, "dest_port": 53}
        flow |= {"direction": direction, "object_id": vpc}
        data = call(client, "POST", f"/_opencfw/v1/{P}/firewalls/{fw}/evaluate", flow).json["data"]
        assert (data["object_id"], data["rule_id"], data["action"]) == (vpc, rule_id, "deny")
    assert [r["rule_id"] for r in page(client, obj)["records"]] == []


def added_typed(client, obj: str, type_: int, *rules: dict) -> list[str]:
    reply = add(client, obj, *rules, type_=type_)
    assert reply.status == 200, reply.body
    return [r["id"] for r in reply.json["data"]["rules"]]


def test_evaluate_follows_real_eip_protection(env):
    """Without any double: a flow to an EIP the firewall protects meets the rules; to one it does
    not protect, or while "bypass all" is on, it bypasses the firewall."""
    runtime, _, client = _api(env)
    fw, obj = running(runtime, client)
    added(client, obj, rule("deny", action_type=1))
    listed = call(client, "GET", f"/v1/{P}/eips/protect?object_id={obj}&offset=0&limit=10&sync=1").json
    first, second = listed["data"]["records"][:2]
    body = {"object_id": obj, "status": 0, "ip_infos": [{"id": first["id"], "public_ip": first["public_ip"]}]}
    assert call(client, "POST", f"/v1/{P}/eip/protect", body).status == 200

    def verdict(address: str) -> tuple[str, str]:
        flow = {"source": "8.8.8.8", "destination": address, "protocol": 6, "dest_port": 22}
        data = call(client, "POST", f"/_opencfw/v1/{P}/firewalls/{fw}/evaluate", flow).json["data"]
        return data["action"], data["matched"]

    assert verdict(first["public_ip"]) == ("deny", "rule")
    assert verdict(second["public_ip"]) == ("allow", "bypassed")
    switch = {"object_id": obj, "bypass_operation": 1}
    reply = call(client, "POST", f"/v1/{P}/eip/protect/all/{fw}/operation", switch)
    assert reply.status == 200, reply.body
    while runtime.worker.run_once():
        pass
    assert verdict(first["public_ip"]) == ("allow", "bypassed")
