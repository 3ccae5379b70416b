"""The Terraform provider's calls for the huaweicloud_cfw_* resources and data sources of
schedules, report profiles and reports, the IP blacklist, multi-account, east-west reads and config
quotas, replayed against a real server on both stores and signed as its Go client signs, with the
query strings and bodies the provider's code builds (v1.97.1)."""

from __future__ import annotations

import http.client
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.acceptance.server import ADMIN_TOKEN, AK, PROJECT, SK
from tests.acceptance.test_terraform import GoClient, wait_job
from tests.gosign import go_headers

P = PROJECT
GONE = "CFW.00200005"


@pytest.fixture
def tf(spawn):
    """The provider's client on a manual-clock server (provisioning takes no time), with one
    running firewall: (client, server, firewall id, its Internet border object id)."""
    server = spawn(clock="manual", admin_token=ADMIN_TOKEN, provision_seconds="0")
    client = GoClient(server.port)
    body = {
        "name": "tf-ops",
        "flavor": {"version": "Professional"},
        "charge_info": {"charge_mode": "postPaid", "is_auto_renew": False, "is_auto_pay": True},
    }
    fw = client.ok("POST", f"/v2/{P}/firewall", body)["job_id"]
    assert wait_job(client, fw) == "Success"
    path = f"/v1/{P}/firewall/exist?offset=0&limit=10&service_type=0&fw_instance_id={fw}"
    obj = client.ok("GET", path)["data"]["records"][0]["protect_objects"][0]["object_id"]
    return client, server, fw, obj


def gone(client: GoClient, method: str, path: str, body: Any = None) -> None:
    """What the provider reads as "deleted": 400 with CFW.00200005."""
    status, payload = client(method, path, body)
    assert (status, payload.get("error_code")) == (400, GONE), payload


def raw(port: int, method: str, path: str) -> tuple[int, bytes]:
    """A call whose answer the provider keeps as bytes (KeepResponseBody)."""
    sdk_date = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    headers = go_headers(method, path, ak=AK, sk=SK, sdk_date=sdk_date, project_id=P, body=None)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, headers={**headers, "Content-Type": "application/json"})
        reply = conn.getresponse()
        return reply.status, reply.read()
    finally:
        conn.close()


def scan(client: GoClient, path: str, field: str, wanted: str) -> dict[str, Any] | None:
    """The provider's read of a list-scanned resource: offset loop until an empty page."""
    offset = 0
    while True:
        records = client.ok("GET", f"{path}&offset={offset}")["data"]["records"]
        if not records:
            return None
        found = next((r for r in records if r[field] == wanted), None)
        if found is not None:
            return found
        offset += len(records)


def test_schedule_resource_and_data_source(tf):
    """huaweicloud_cfw_schedule: create, read by scanning the list, update, delete, gone;
    huaweicloud_cfw_schedules with name and desc filters."""
    client, _, _, obj = tf
    periodic = [
        {"type": 0, "start_time": "00:00:00", "end_time": "23:59:59", "week_mask": None},
        {
            "type": 2,
            "start_time": "00:00:00",
            "end_time": "23:59:59",
            "week_mask": None,
            "start_week": 1,
            "end_week": 1,
        },
    ]
    body = {
        "object_id": obj,
        "name": "tf-schedule",
        "description": None,
        "periodic": periodic,
        "absolute": {"start_time": 1773730600349, "end_time": 1774076220000},
    }
    sid = client.ok("POST", f"/v1/{P}/schedule", body)["data"]["id"]
    lister = f"/v1/{P}/schedules?object_id={obj}&limit=1024"
    found = scan(client, lister, "schedule_id", sid)
    assert found is not None and found["ref_count"] == 0
    assert int(found["absolute"]["start_time"]) == 1773730600349  # convertAbsoluteStringToInt
    change = {**body, "description": "changed", "periodic": periodic[:1]}
    client.ok("PUT", f"/v1/{P}/schedule/{sid}", change)
    found = scan(client, lister, "schedule_id", sid)
    assert found is not None and found["description"] == "changed" and len(found["periodic"]) == 1
    data = client.ok("GET", f"{lister}&name=tf-sch&desc=chan&offset=0")["data"]
    assert [r["schedule_id"] for r in data["records"]] == [sid]
    client.ok("DELETE", f"/v1/{P}/schedule/{sid}")
    assert scan(client, lister, "schedule_id", sid) is None
    gone(client, "PUT", f"/v1/{P}/schedule/{sid}", change)
    gone(client, "DELETE", f"/v1/{P}/schedule/{sid}")


def test_report_profile_resource_and_report_data_sources(tf):
    """huaweicloud_cfw_report_profile (create with the provider's nulls, read, update, delete, gone),
    huaweicloud_cfw_report_profiles, _report_history and _report."""
    client, _, fw, _ = tf
    body = {
        "category": "custom",
        "name": "tf-report",
        "topic_urn": "urn:smn:cn-north-4:0123:tf",
        "send_period": None,
        "send_week_day": None,
        "status": None,
        "subscription_type": None,
        "statistic_period": {"start_time": 1772035200000, "end_time": 1772726399999},
        "description": None,
    }
    pid = client.ok("POST", f"/v1/{P}/report-profile?fw_instance_id={fw}", body)["data"]["id"]
    read = client.ok("GET", f"/v1/{P}/report-profile/{pid}?fw_instance_id={fw}")["data"]
    assert (read["category"], read["status"], read["subscription_type"], read["topic_name"]) == (
        "custom",
        1,
        0,
        "tf",
    )
    assert read["statistic_period"] == body["statistic_period"]
    update = {k: v for k, v in body.items() if k != "category"} | {"name": "tf-report-2", "status": 1}
    client.ok("PUT", f"/v1/{P}/report-profile/{pid}?fw_instance_id={fw}", update)
    assert (
        client.ok("GET", f"/v1/{P}/report-profile/{pid}?fw_instance_id={fw}")["data"]["name"] == "tf-report-2"
    )
    profiles = client.ok("GET", f"/v1/{P}/report-profile?fw_instance_id={fw}&limit=1024&offset=0")["data"]
    assert profiles["total"] == 1 and profiles["records"][0]["profile_id"] == pid
    history = client.ok("GET", f"/v1/{P}/report/history/{pid}?fw_instance_id={fw}&limit=1024&offset=0")[
        "data"
    ]
    (made,) = history["records"]
    assert (
        client.ok("GET", f"/v1/{P}/report/history/{pid}?fw_instance_id={fw}&limit=1024&offset=1")["data"][
            "records"
        ]
        == []
    )
    report = client.ok(
        "GET", f"/v1/{P}/report/{made['report_id']}?fw_instance_id={fw}&report_profile_id={pid}"
    )["data"]
    assert report["statistic_period"] == body["statistic_period"] and report["category"] == "custom"
    client.ok("DELETE", f"/v1/{P}/report-profile/{pid}?fw_instance_id={fw}")
    gone(client, "GET", f"/v1/{P}/report-profile/{pid}?fw_instance_id={fw}")


def test_ip_blacklist_resources_and_data_sources(tf):
    """The one-shot resources import, switch, export, retry and delete, and the data sources
    huaweicloud_cfw_ip_blacklist (offset loop) and _ip_blacklist_switch."""
    client, server, fw, _ = tf
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    body = {"add_type": 0, "ip_blacklist": "1.1.1.1\r\n2.2.2.2\t3.3.3.0/24", "effect_scope": [1, 2]}
    client.ok("POST", f"/v1/{P}/ptf/ip-blacklist/import?fw_instance_id={fw}", body)
    client.ok("POST", f"/v1/{P}/ptf/ip-blacklist/switch?fw_instance_id={fw}", {"status": 1})
    assert client.ok("GET", f"/v1/{P}/ptf/ip-blacklist/switch?fw_instance_id={fw}")["data"] == {"status": 1}
    page = client.ok("GET", f"/v1/{P}/ptf/ip-blacklist?fw_instance_id={fw}&limit=1024&offset=0")["data"]
    assert page["total"] == 2 and all(r["import_status"] == 2 for r in page["records"])
    assert (
        server.request("POST", "/_opencfw/admin/clock/advance", headers=admin, body={"seconds": 2})[0] == 200
    )
    page = client.ok("GET", f"/v1/{P}/ptf/ip-blacklist?fw_instance_id={fw}&limit=1024&offset=0")["data"]
    assert [r["import_status"] for r in page["records"]] == [1, 1]
    name = page["records"][0]["name"]
    status, exported = raw(
        server.port, "POST", f"/v1/{P}/ptf/ip-blacklist/export?fw_instance_id={fw}&name={name}"
    )
    assert status == 200 and exported == b"1.1.1.1\n2.2.2.2\n3.3.3.0/24\n"
    status, payload = client("POST", f"/v1/{P}/ptf/ip-blacklist/retry?fw_instance_id={fw}&name={name}")
    assert (status, payload["error_code"]) == (400, "CFW.00400002")
    client.ok("DELETE", f"/v1/{P}/ptf/ip-blacklist?fw_instance_id={fw}", {"effect_scope": [1, 2]})
    assert (
        client.ok("GET", f"/v1/{P}/ptf/ip-blacklist?fw_instance_id={fw}&limit=1024&offset=0")["data"]["total"]
        == 0
    )


def test_read_only_data_sources(tf):
    """huaweicloud_cfw_organization_tree (limit 2000), _firewall_router, _inspection_vpcs,
    _vpcs_protection and _firewall_config_quota answer what the provider reads."""
    client, _, fw, obj = tf
    tree = client.ok("GET", f"/v1/{P}/system/multi-account/organization-tree?fw_instance_id={fw}&limit=2000")
    assert [n["org_type"] for n in tree["data"]] == ["root", "account"]
    assert all(isinstance(n["delegated"], bool) and n["urn"] for n in tree["data"])
    assert client.ok("GET", f"/v1/{P}/firewall/east-west/enterprise-router?fw_instance_id={fw}")["data"] == {
        "er_list": []
    }
    vpcs = client.ok("GET", f"/v1/{P}/firewall/east-west/inspection-vpc?fw_instance_id={fw}")["data"]
    assert vpcs == {"inspection_vpc_list": []}
    protection = client.ok("GET", f"/v1/{P}/vpcs/protection?object_id={obj}")["data"]
    assert protection["total"] == 0 and protection["protect_vpcs"] == []
    quota = client.ok("GET", f"/v2/{P}/cfw/{fw}/quota?config_type=ACL")["data"]
    assert quota == {"quota_type": "ACL", "max_quota": 20000, "used_quota": 0}
    gone(client, "GET", f"/v2/{P}/cfw/f588ce71-e26c-400d-8981-f854355f6849/quota?config_type=ACL")
