"""Log records and the log reads over HTTP, in-process, on both stores: what ``Logs.record_flows``
records, how the lists filter and page, what the statistics compute, where records go (retention,
firewall deletion, project reset) and how bad input is refused."""

from __future__ import annotations

import msgspec
import pytest

from opencfw.config import Secret
from opencfw.domain.errors import NotFound
from opencfw.domain.logs import Attack, Flow, Place
from opencfw.service.logs import DAY_MS, TimeRangeError
from tests.unit import test_api
from tests.unit.test_api import OTHER, START_MS, P, assert_error, call
from tests.unit.test_api_protection import other_project, running

env = test_api.env
ADMIN = {"authorization": "Bearer admin-secret"}
L = f"/v1/{P}/cfw/logs"


@pytest.fixture
def api(env):
    runtime, clock, client = env(admin_token=Secret("admin-secret"))
    client.token = test_api.token_for(client, P)
    return runtime, clock, client


def flow(fw: str, i: int = 0, **changes) -> Flow:
    values = {
        "fw_instance_id": fw,
        "src_ip": f"10.0.0.{i % 3 + 1}",
        "src_port": 30000 + i,
        "dst_ip": "192.168.0.9",
        "dst_port": 443 if i % 2 else 22,
        "protocol": 6,
        "direction": "out2in",
        "action": "permit",
        "rule_id": "r-allow",
        "rule_name": "allow",
        "bytes": 100 * (i + 1),
        "packets": i + 1,
        "start_ms": START_MS - 10_000 + i,
        **changes,
    }
    return msgspec.convert(values, Flow)


def attack(fw: str, i: int = 0, **changes) -> Attack:
    values = {
        "fw_instance_id": fw,
        "src_ip": f"203.0.113.{i % 2 + 1}",
        "dst_ip": "192.168.0.9",
        "dst_port": 80,
        "protocol": 6,
        "direction": "out2in",
        "action": "deny",
        "attack_type": "Web attack",
        "attack_rule": "SQL injection",
        "attack_rule_id": "330001",
        "level": "HIGH",
        "event_ms": START_MS - 5_000 + i,
        **changes,
    }
    return msgspec.convert(values, Attack)


def span(fw: str, **extra) -> str:
    query = {
        "fw_instance_id": fw,
        "start_time": START_MS - DAY_MS,
        "end_time": START_MS,
        "limit": 100,
        **extra,
    }
    return "&".join(f"{k}={v}" for k, v in query.items())


def get(client, path: str, query: str):
    reply = call(client, "GET", f"{path}?{query}")
    assert reply.status == 200, reply.body
    return reply.json["data"]


def test_a_flow_makes_an_access_control_record_when_a_rule_decided_it_and_a_flow_record_when_it_passed(api):
    """Rule + permit: both records; rule + deny: access-control only; no rule: flow only. The ids
    answered are the records' log ids, and the records carry the flow's fields."""
    runtime, _, client = api
    fw, obj = running(runtime, client)
    made = runtime.logs.record_flows(
        P,
        [
            flow(fw, 1),
            flow(fw, 2, action="deny", rule_name="block"),
            flow(fw, 3, rule_id=None, rule_name=None),
        ],
    )
    assert made[0].acl_log_id and made[0].flow_log_id
    assert made[1].acl_log_id and made[1].flow_log_id is None
    assert made[2].acl_log_id is None and made[2].flow_log_id
    acl = get(client, f"{L}/access-control", span(fw))
    assert acl["total"] == 2 and {r["log_id"] for r in acl["records"]} == {
        made[0].acl_log_id,
        made[1].acl_log_id,
    }
    denied = next(r for r in acl["records"] if r["action"] == "deny")
    assert denied == {
        "log_id": made[1].acl_log_id,
        "action": "deny",
        "rule_id": "r-allow",
        "rule_name": "block",
        "hit_time": START_MS - 10_000 + 2,
        "src_ip": "10.0.0.3",
        "src_port": 30002,
        "dst_ip": "192.168.0.9",
        "dst_port": 22,
        "protocol": "TCP",
        "app": "ANY",
        "dst_host": "",
        **dict.fromkeys(Place.__struct_fields__, ""),
    }
    flows = get(client, f"{L}/flow", span(fw))
    assert flows["total"] == 2 and {r["bytes"] for r in flows["records"]} == {200, 400}
    assert runtime.store.get_firewall(P, fw).internet_object_id == obj


def test_lists_page_newest_first_with_exact_totals_and_resume_after_a_record(api):
    """Offset paging is newest first with the same total on every page and an empty page past the
    end; log_id + next_date resume after that record."""
    runtime, _, client = api
    fw, _ = running(runtime, client)
    runtime.logs.record_flows(P, [flow(fw, i) for i in range(25)])
    seen = []
    for offset in range(0, 30, 10):
        data = get(client, f"{L}/flow", span(fw, limit=10, offset=offset))
        assert data["total"] == 25 and data["limit"] == 10
        seen += data["records"]
    assert len(seen) == 25 and [r["start_time"] for r in seen] == sorted(
        (r["start_time"] for r in seen), reverse=True
    )
    last = seen[9]
    data = get(client, f"{L}/flow", span(fw, limit=10, log_id=last["log_id"], next_date=last["start_time"]))
    assert [r["log_id"] for r in data["records"]] == [r["log_id"] for r in seen[10:20]]


def test_filters_and_time_ranges_select_records(api):
    """Query filters are exact; records outside the time range are left out; ListLogs matches by
    operator; an unknown ListLogs field is a 400."""
    runtime, _, client = api
    fw, _ = running(runtime, client)
    runtime.logs.record_flows(P, [flow(fw, i) for i in range(12)])
    runtime.logs.record_attacks(P, [attack(fw, i) for i in range(4)])
    assert get(client, f"{L}/flow", span(fw, dst_port=443))["total"] == 6
    assert get(client, f"{L}/flow", span(fw, src_ip="10.0.0.1", dst_port=22))["total"] == 2
    assert get(client, f"{L}/access-control", span(fw, rule_name="allow", action="permit"))["total"] == 12
    assert get(client, f"{L}/access-control", span(fw, action="deny"))["total"] == 0
    assert get(client, f"{L}/attack", span(fw, src_ip="203.0.113.2", level="HIGH"))["total"] == 2
    narrow = span(fw, start_time=START_MS - 10_000, end_time=START_MS - 10_000 + 4)
    assert get(client, f"{L}/flow", narrow)["total"] == 5

    def listed(kind, field, operator, values):
        body = {"type": kind, "start_time": START_MS - DAY_MS, "end_time": START_MS, "limit": 1024}
        body["filters"] = [{"field": field, "operator": operator, "values": values}]
        reply = call(client, "POST", f"/v1/{P}/cfw/{fw}/logs", body)
        return reply

    assert listed("flow", "src_ip", "equal", ["10.0.0.1", "10.0.0.2"]).json["data"]["total"] == 8
    assert listed("flow", "src_ip", "not_equal", ["10.0.0.1"]).json["data"]["total"] == 8
    assert listed("flow", "dst_port", "starts_with", ["44"]).json["data"]["total"] == 6
    assert listed("attack", "attack_rule", "contain", ["injection"]).json["data"]["total"] == 4
    assert listed("url", "src_ip", "contain", ["10"]).json["data"] == {
        "total": 0,
        "limit": 1024,
        "records": [],
    }
    assert_error(listed("flow", "no_such_field", "equal", ["1"]), 400, "CFW.00200001", "no_such_field")
    assert_error(listed("flow", "src_ip", "equal", []), 400, "CFW.00200001", "values")


def test_statistics_are_computed_from_the_records(api):
    """Totals, trends and tops add up to the records: the trend's buckets sum to the total, tops are
    ordered by count, the flow trend's bits per second are the bytes over the bucket."""
    runtime, _, client = api
    fw, _ = running(runtime, client)
    runtime.logs.record_flows(
        P, [flow(fw, i) for i in range(9)] + [flow(fw, 9, action="deny", rule_id="r-deny")]
    )
    runtime.logs.record_attacks(P, [attack(fw, i, action="permit" if i == 0 else "deny") for i in range(5)])
    q = f"fw_instance_id={fw}&range=1"
    assert get(client, f"{L}/total-attack", q) == {
        "attack_count": 5,
        "deny_count": 4,
        "permit_count": 1,
        "risk_ports": 1,
    }
    trend = get(client, f"{L}/trend-attack", q)
    assert len(trend) == 25 and trend[0]["time"] == START_MS - DAY_MS
    assert sum(p["deny_count"] for p in trend) == 4 and sum(p["permit_count"] for p in trend) == 1
    top = get(client, f"{L}/top-attack", q + "&item=src_ip&item=level&size=1")
    assert top == {
        "src_ip": [{"count": 3, "item": "203.0.113.1", "item_id": "203.0.113.1"}],
        "level": [{"count": 5, "item": "HIGH", "item_id": "HIGH"}],
    }
    access = get(client, f"{L}/access-top", q)
    assert (access["hit_count"], access["deny_count"], access["permit_count"]) == (10, 1, 9)
    assert access["deny_top_one_acl_id"] == "r-deny" and access["permit_top_one_acl_id"] == "r-allow"
    assert sum(r["total_access_top_counts"] for r in access["records"]) == 10
    assert access["out2in_deny_src_ip_list"] == [{"count": "1", "item": "10.0.0.1", "name": "10.0.0.1"}]
    assert access["out2in_deny_dst_port_list"] == [{"count": "1", "item": "443", "name": "443"}]
    assert access["in2out_deny_dst_ip_list"] == [] and access["top_deny_rule_list"][0]["item"] == "r-deny"
    assert [(m["item"], m["count"]) for m in access["all_hit_rule_list"]] == [
        ("r-allow", "9"),
        ("r-deny", "1"),
    ]
    only = get(client, f"{L}/access-top", q + "&item=src_ip")
    assert set(only) == {
        "hit_count",
        "deny_count",
        "permit_count",
        "in2out_deny_src_ip_list",
        "out2in_deny_src_ip_list",
    }
    flows = get(client, f"{L}/flow-top", q + "&item=src_ip&order=byte&size=3")["src_ip"]
    by_ip = {}
    for i in range(9):
        by_ip[f"10.0.0.{i % 3 + 1}"] = by_ip.get(f"10.0.0.{i % 3 + 1}", 0) + 100 * (i + 1)
    assert [(v["key"], v["value"]) for v in flows] == sorted(by_ip.items(), key=lambda kv: -kv[1])
    ftrend = get(client, f"{L}/flow-trend", q)
    assert sum(r["in_bps"] for r in ftrend["records"]) * 3600 / 8 == sum(by_ip.values())
    traffic = get(client, f"{L}/traffic-trend", q + "&agg_type=max")
    peak = max(p["bps"] for p in traffic)
    assert peak == sum(by_ip.values()) * 8 / 60  # every flow started in the same minute
    avg = get(client, f"{L}/traffic-trend", q + "&agg_type=avg")
    assert max(p["bps"] for p in avg) == sum(by_ip.values()) * 8 / 3600
    stat = get(client, f"{L}/flow-statistic", q + "&item=dst_port")
    assert stat["total"] == 2 and sum(r["sessions"] for r in stat["records"]) == 9
    assert get(client, "/v1/" + P + "/logs/count", q + "&item=risk_ip")["count"] == 2
    assert get(client, "/v1/" + P + "/logs/count", q)["count"] == 10 + 9 + 5


def test_another_projects_or_an_unknown_firewall_is_not_found_and_records_nothing(api):
    """Reads and records for a firewall that is not the project's answer CFW.00200005; a batch with
    one such flow records none of its flows."""
    runtime, _, client = api
    fw, _ = running(runtime, client)
    token = other_project(runtime, client)
    assert_error(
        call(client, "GET", f"/v1/{OTHER}/cfw/logs/flow?{span(fw)}", token=token), 400, "CFW.00200005"
    )
    assert_error(call(client, "GET", f"{L}/flow?{span('nope')}"), 400, "CFW.00200005")
    with pytest.raises(NotFound):
        runtime.logs.record_flows(P, [flow(fw), flow("nope")])
    with pytest.raises(NotFound):
        runtime.logs.record_flows(OTHER, [flow(fw)])
    with pytest.raises(TimeRangeError):
        runtime.logs.record_flows(P, [flow(fw, end_ms=START_MS - DAY_MS)])
    assert get(client, f"{L}/flow", span(fw))["total"] == 0


def test_records_go_with_the_retention_the_firewall_and_the_project(api):
    """The retention purge deletes records older than its cut-off and only those; a firewall's
    deletion deletes its records; a project reset deletes the project's."""
    runtime, clock, client = api
    fw, _ = running(runtime, client)
    fw2, _ = running(runtime, client, name="fw-2")
    runtime.logs.record_flows(P, [flow(fw, 0, start_ms=START_MS - 3 * DAY_MS), flow(fw, 1), flow(fw2, 2)])
    assert runtime.store.purge_finished(START_MS - 2 * DAY_MS) == 0  # no job that old
    assert get(client, f"{L}/flow", span(fw, start_time=0))["total"] == 1
    reply = call(client, "DELETE", f"/v2/{P}/firewall/{fw}")
    assert reply.status == 200, reply.body
    while runtime.worker.run_once():
        pass
    assert_error(call(client, "GET", f"{L}/flow?{span(fw)}"), 400, "CFW.00200005")
    assert runtime.store.reset_project(P, clock.now_ms()) == (1, 3)
    fw3, _ = running(runtime, client, name="fw-3")
    count = runtime.logs.db.db.store._read  # the table is empty: nothing of any firewall is left
    with count() as conn:
        assert conn.execute("SELECT count(*) FROM log_records").fetchone()[0] == 0
    assert fw3


def test_the_admin_route_records_flows_and_attacks_and_refuses_bad_input(api):
    """The admin token is required; bad bodies are 400 naming the field and record nothing."""
    runtime, _, client = api
    fw, _ = running(runtime, client)
    path = f"/_opencfw/admin/projects/{P}/logs"
    good = {"flows": [msgspec.to_builtins(flow(fw))], "attacks": [msgspec.to_builtins(attack(fw))]}
    assert client.request("POST", path, json_body=good).status == 401
    reply = client.request("POST", path, headers=ADMIN, json_body=good)
    assert reply.status == 200, reply.body
    assert len(reply.json["flows"]) == 1 and len(reply.json["attacks"]) == 1
    for field, value in [
        ("src_ip", "not-an-ip"),
        ("dst_port", 70000),
        ("direction", "sideways"),
        ("action", "maybe"),
        ("protocol", 300),
        ("bytes", -1),
        ("fw_instance_id", "a/b"),
    ]:
        bad = {"flows": [{**msgspec.to_builtins(flow(fw)), field: value}]}
        assert_error(client.request("POST", path, headers=ADMIN, json_body=bad), 400, "CFW.00200001", field)
    bad = {
        "flows": [msgspec.to_builtins(flow(fw)), {**msgspec.to_builtins(flow(fw)), "fw_instance_id": "nope"}]
    }
    assert_error(client.request("POST", path, headers=ADMIN, json_body=bad), 400, "CFW.00200005")
    assert get(client, f"{L}/flow", span(fw))["total"] == 1


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("flow", "limit=0", "limit"),
        ("flow", "limit=1025", "limit"),
        ("flow", "offset=-1", "offset"),
        ("flow", "start_time=x", "start_time"),
        ("flow", "direction=up", "direction"),
        ("access-control", "action=allow", "action"),
        ("attack", "level=SEVERE", "level"),
        ("flow", "dst_port=65536", "dst_port"),
        ("total-attack", "range=3", "range"),
        ("top-attack", "item=nothing", "item"),
        ("flow-top", "size=11", "size"),
        ("flow-statistic", "item=everything", "item"),
        ("attack-statistic", "size=101", "size"),
        ("traffic-trend", "agg_type=median", "agg_type"),
        ("access-top", "item=x", "item"),
        ("flow", "src_ip=%00", "NUL"),
        ("flow", "log_type=null", "log_type"),
        ("top-access-detail", "direction=null", "direction"),
        ("total-attack", "range=null", "range"),
    ],
)
def test_bad_queries_are_400_naming_the_parameter(api, path, query, field):
    """A bad value of any parameter is 400 CFW.00200001 naming it, never a 500."""
    runtime, _, client = api
    fw, _ = running(runtime, client)
    base = span(fw) if path in ("flow", "access-control", "attack") else f"fw_instance_id={fw}"
    assert_error(call(client, "GET", f"{L}/{path}?{base}&{query}"), 400, "CFW.00200001", field)


def test_a_time_range_ending_before_it_starts_is_cfw_00500002(api):
    runtime, _, client = api
    fw, _ = running(runtime, client)
    reply = call(client, "GET", f"{L}/flow?{span(fw, start_time=START_MS, end_time=START_MS - 1)}")
    assert_error(reply, 400, "CFW.00500002")
    reply = call(client, "GET", f"{L}/trend-attack?fw_instance_id={fw}&start_time={START_MS}&end_time=1")
    assert_error(reply, 400, "CFW.00500002")


def test_export_is_a_csv_of_the_matching_records(api):
    """ExportLogs answers text/csv: a header of the list record's fields and one line per record."""
    runtime, _, client = api
    fw, _ = running(runtime, client)
    runtime.logs.record_flows(P, [flow(fw, i) for i in range(3)])
    body = {"type": "flow", "start_time": START_MS - DAY_MS, "end_time": START_MS}
    reply = call(client, "POST", f"/v1/{P}/cfw/{fw}/logs/export", body)
    assert reply.status == 200 and reply.headers["content-type"].startswith("text/csv")
    lines = reply.body.decode().splitlines()
    assert len(lines) == 4 and lines[0].startswith("log_id,src_ip,src_port,dst_ip")
