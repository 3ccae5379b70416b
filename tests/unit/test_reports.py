"""Report profiles (a registry resource) and their reports: which reports exist when, on the
server's clock; what a report says; checks per category; unknown reports."""

from __future__ import annotations

import pytest

from tests.unit import test_api
from tests.unit.test_api import OTHER, START_MS, P, assert_error, call, token_for
from tests.unit.test_api_protection import other_project, running

env = test_api.env
api = test_api.api
DAY = 86_400_000
HOUR = 3_600_000
URN = "urn:smn:cn-north-4:0123:reports"


def _profile(client, fw: str, **body):
    values = {"category": "daily", "name": "daily", "topic_urn": URN, "send_period": 8, **body}
    reply = call(client, "POST", f"/v1/{P}/report-profile?fw_instance_id={fw}", values)
    assert reply.status == 200, reply.body
    return reply.json["data"]["id"]


def _history(client, fw: str, pid: str) -> dict:
    reply = call(client, "GET", f"/v1/{P}/report/history/{pid}?fw_instance_id={fw}&limit=10&offset=0")
    assert reply.status == 200, reply.body
    return reply.json["data"]


def _at(clock, client, ms: int) -> None:
    """Move the server's clock to ``ms``, with a fresh token (a token lasts a day)."""
    clock.advance((ms - clock.now_ms()) / 1000)
    client.token = token_for(client, P)


def test_a_daily_profile_makes_a_report_a_day(api):
    """No report before the first send time; then one per UTC day, newest first, sent at
    send_period o'clock; the list's report_id and last_time name the newest."""
    runtime, clock, client = api
    fw, _ = running(runtime, client)
    pid = _profile(client, fw)
    assert _history(client, fw, pid)["total"] == 0
    _at(clock, client, START_MS + 2 * DAY + 9 * HOUR)
    data = _history(client, fw, pid)
    assert data["total"] == 2
    newest = data["records"][0]
    assert newest["statistic_period"] == {"start_time": START_MS + DAY, "end_time": START_MS + 2 * DAY - 1}
    assert newest["send_time"] == START_MS + 2 * DAY + 8 * HOUR
    (listed,) = call(client, "GET", f"/v1/{P}/report-profile?fw_instance_id={fw}&limit=10&offset=0").json[
        "data"
    ]["records"]
    assert (listed["report_id"], listed["last_time"]) == (newest["report_id"], newest["send_time"])
    report = call(
        client, "GET", f"/v1/{P}/report/{newest['report_id']}?fw_instance_id={fw}&report_profile_id={pid}"
    )
    assert report.status == 200, report.body
    data = report.json["data"]
    assert data["category"] == "daily" and data["send_time"] == newest["send_time"]
    assert data["internet_firewall"]["overview"]["assets"]["total"] == 1
    assert data["attack_info"]["ips_mode"] == 0 and data["attack_info"]["trend"] == []


def test_policies_count_the_firewalls_entries(api):
    """A report's access policies count the firewall's black/white list entries, read now."""
    runtime, clock, client = api
    fw, obj = running(runtime, client)
    entry = {
        "object_id": obj,
        "list_type": 4,
        "direction": 0,
        "address_type": 0,
        "address": "1.2.3.4",
        "protocol": -1,
    }
    assert call(client, "POST", f"/v1/{P}/black-white-list", entry).status == 200
    pid = _profile(client, fw)
    _at(clock, client, START_MS + DAY + 9 * HOUR)
    rid = _history(client, fw, pid)["records"][0]["report_id"]
    data = call(client, "GET", f"/v1/{P}/report/{rid}?fw_instance_id={fw}").json["data"]
    assert data["internet_firewall"]["overview"]["access_policies"]["total"] == 1


def test_weekly_custom_and_disabled_profiles(api):
    """A weekly report is sent on its weekday; a custom one once its period has ended; a disabled
    profile makes none."""
    runtime, clock, client = api
    fw, _ = running(runtime, client)
    weekly = _profile(client, fw, name="weekly", category="weekly", send_week_day=1, send_period=0)
    period = {"start_time": START_MS, "end_time": START_MS + DAY - 1}
    custom = _profile(client, fw, name="custom", category="custom", statistic_period=period, send_period=None)
    off = _profile(client, fw, name="off", status=0)
    _at(clock, client, START_MS + 3 * DAY)  # Sunday 2026-01-04
    assert _history(client, fw, weekly)["total"] == 0
    assert _history(client, fw, custom)["records"][0]["statistic_period"] == period
    _at(clock, client, START_MS + 4 * DAY)  # Monday 2026-01-05
    (report,) = _history(client, fw, weekly)["records"]
    assert report["statistic_period"]["end_time"] == START_MS + 4 * DAY - 1
    assert _history(client, fw, off)["total"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"category": "weekly", "send_week_day": None},
        {"category": "daily", "send_period": None},
        {"category": "custom", "statistic_period": None},
        {"category": "custom", "statistic_period": {"start_time": 10, "end_time": 5}},
        {"send_period": 24},
        {"category": "monthly"},
        {"topic_urn": None, "subscription_type": 0},
    ],
)
def test_bad_profiles_are_refused(api, body):
    """What a category needs, in range: else 400 CFW.00200001 and nothing stored."""
    runtime, _, client = api
    fw, _ = running(runtime, client)
    values = {"category": "daily", "name": "x", "topic_urn": URN, "send_period": 8, **body}
    assert_error(
        call(client, "POST", f"/v1/{P}/report-profile?fw_instance_id={fw}", values), 400, "CFW.00200001"
    )
    listed = call(client, "GET", f"/v1/{P}/report-profile?fw_instance_id={fw}&limit=10&offset=0")
    assert listed.json["data"]["total"] == 0


def test_unknown_and_foreign_reports(api):
    """A report not made yet, of an unknown profile, or of another project is CFW.00200005."""
    runtime, clock, client = api
    fw, _ = running(runtime, client)
    pid = _profile(client, fw)
    for rid in (f"{pid}-{START_MS}", f"{pid}-0", "nothing", "f588ce71-e26c-400d-8981-f854355f6849-1"):
        assert_error(call(client, "GET", f"/v1/{P}/report/{rid}?fw_instance_id={fw}"), 400, "CFW.00200005")
    _at(clock, client, START_MS + DAY + 9 * HOUR)
    rid = _history(client, fw, pid)["records"][0]["report_id"]
    wrong = call(client, "GET", f"/v1/{P}/report/{rid}?fw_instance_id={fw}&report_profile_id=other")
    assert_error(wrong, 400, "CFW.00200005")
    token = other_project(runtime, client)
    foreign = call(client, "GET", f"/v1/{OTHER}/report/{rid}?fw_instance_id={fw}", token=token)
    assert_error(foreign, 400, "CFW.00200005")
    assert_error(
        call(client, "GET", f"/v1/{OTHER}/report/history/{pid}?fw_instance_id={fw}", token=token),
        400,
        "CFW.00200005",
    )
