"""Schedules (a registry resource) beyond the contract: plans checked per type, absolute times
listed as strings, filters, the batch delete, bad input changing nothing."""

from __future__ import annotations

import pytest

from tests.unit import test_api
from tests.unit.test_api import P, assert_error, call
from tests.unit.test_api_protection import running

env = test_api.env
api = test_api.api
DAY = {"type": 0, "start_time": "08:00:00", "end_time": "18:00:00"}


def _list(client, obj: str, **query: str) -> dict:
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    reply = call(client, "GET", f"/v1/{P}/schedules?object_id={obj}&limit=100&offset=0{extra}")
    assert reply.status == 200, reply.body
    return reply.json["data"]


def test_a_schedule_lists_as_the_sdk_reads_it(api):
    """Create answers id and name; the list answers schedule_id, plans, absolute times as strings
    and ref_count 0; update changes plans; name and desc filter by part."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    body = {
        "object_id": obj,
        "name": "office",
        "description": "working hours",
        "periodic": [DAY, {"type": 1, "start_time": "00:00", "end_time": "23:59", "week_mask": [6, 7]}],
        "absolute": {"start_time": 1773730600349, "end_time": 1774076220000},
    }
    created = call(client, "POST", f"/v1/{P}/schedule", body)
    assert created.status == 200, created.body
    sid = created.json["data"]["id"]
    assert created.json["data"]["name"] == "office"
    (record,) = _list(client, obj)["records"]
    assert record == {
        "schedule_id": sid,
        "name": "office",
        "description": "working hours",
        "ref_count": 0,
        "periodic": [DAY, {"type": 1, "start_time": "00:00", "end_time": "23:59", "week_mask": [6, 7]}],
        "absolute": {"start_time": "1773730600349", "end_time": "1774076220000"},
    }
    change = {
        "name": "office",
        "periodic": [{"type": 2, "start_time": "09:00", "end_time": "17:00", "start_week": 1, "end_week": 5}],
        "absolute": None,
    }
    assert call(client, "PUT", f"/v1/{P}/schedule/{sid}", change).status == 200
    (record,) = _list(client, obj)["records"]
    assert record["periodic"][0]["start_week"] == 1 and record["absolute"] is None
    assert _list(client, obj, name="OFF")["total"] == 1
    assert _list(client, obj, desc="night")["total"] == 0


@pytest.mark.parametrize(
    "change",
    [
        {"periodic": [], "absolute": None},
        {"periodic": [{"type": 1, "start_time": "08:00", "end_time": "09:00"}]},
        {"periodic": [{"type": 2, "start_time": "08:00", "end_time": "09:00", "start_week": 1}]},
        {"periodic": [{"type": 0, "start_time": "18:00", "end_time": "08:00"}]},
        {"periodic": [{"type": 0, "start_time": "25:00", "end_time": "26:00"}]},
        {"periodic": [{"type": 3, "start_time": "08:00", "end_time": "09:00"}]},
        {"periodic": [{"type": 1, "start_time": "08:00", "end_time": "09:00", "week_mask": [8]}]},
        {"absolute": {"start_time": 20, "end_time": 10}},
        {"name": ""},
    ],
)
def test_bad_plans_are_refused_and_change_nothing(api, change):
    """A plan missing what its type needs, times out of order or out of range, no plan at all:
    400 CFW.00200001, on create and on update, and the stored schedule stays as it was."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    created = call(client, "POST", f"/v1/{P}/schedule", {"object_id": obj, "name": "s", "periodic": [DAY]})
    sid = created.json["data"]["id"]
    before = _list(client, obj)
    bad = {"object_id": obj, "name": "t", "periodic": [DAY], **change}
    assert_error(call(client, "POST", f"/v1/{P}/schedule", bad), 400, "CFW.00200001")
    assert_error(call(client, "PUT", f"/v1/{P}/schedule/{sid}", change), 400, "CFW.00200001")
    assert _list(client, obj) == before


def test_batch_delete_takes_all_or_none(api):
    """The batch delete answers the ids; with an unknown id it deletes nothing (CFW.00200005)."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    ids = [
        call(
            client, "POST", f"/v1/{P}/schedule", {"object_id": obj, "name": f"s{i}", "periodic": [DAY]}
        ).json["data"]["id"]
        for i in range(3)
    ]
    unknown = "f588ce71-e26c-400d-8981-f854355f6849"
    bad = call(
        client,
        "POST",
        f"/v1/{P}/schedules/batch-delete",
        {"object_id": obj, "schedule_ids": [ids[0], unknown]},
    )
    assert_error(bad, 400, "CFW.00200005")
    assert _list(client, obj)["total"] == 3
    done = call(
        client, "POST", f"/v1/{P}/schedules/batch-delete", {"object_id": obj, "schedule_ids": ids[:2]}
    )
    assert done.json == {"data": ids[:2]}
    assert [r["schedule_id"] for r in _list(client, obj)["records"]] == [ids[2]]
    dup = call(client, "POST", f"/v1/{P}/schedule", {"object_id": obj, "name": "s2", "periodic": [DAY]})
    assert_error(dup, 400, "CFW.00200007")
