"""Limits and hostile input in-process: sizes, names and tags at and beyond their limits, bad bytes,
deep JSON, huge numbers, NaN, duplicate keys — always a clear 4xx in the documented format."""

from __future__ import annotations

import pytest

from tests.unit import test_api
from tests.unit.test_api import CREATE, P, assert_error, call

# the in-process runtime with a manual clock, shared with the API tests
env = test_api.env
api = test_api.api


def raw(client, method, url, body: bytes, headers=None):
    return client.request(
        method,
        url,
        headers={"x-auth-token": client.token, "content-type": "application/json", **(headers or {})},
        body=body,
    )


# -- regressions found by the property-based tests ------------------------------------------------


def test_name_with_a_trailing_newline_is_refused(api):
    """A name that matches the pattern except for a final newline is a 400 (it used to be stored)."""
    _, _, client = api
    assert_error(
        call(client, "POST", f"/v2/{P}/firewall", {**CREATE, "name": "fw\n"}), 400, "CFW.00200001", "name"
    )
    job = call(client, "POST", f"/v2/{P}/firewall", CREATE).json["job_id"]
    reply = call(client, "PUT", f"/v1/{P}/firewall/name?fw_instance_id={job}", {"fw_instance_name": "x\n"})
    assert_error(reply, 400, "CFW.00200001", "fw_instance_name")


@pytest.mark.parametrize("offset", [2**31, 2**63, 2**64 - 1])
def test_list_offset_beyond_its_range_is_a_400(api, offset):
    """A list offset past 2^31-1 is a 400 naming it (2^63 used to crash the store with a 500)."""
    _, _, client = api
    reply = call(client, "POST", f"/v1/{P}/firewalls/list", {"limit": 10, "offset": offset})
    assert_error(reply, 400, "CFW.00200001", "offset")


def test_list_offset_at_its_limit_is_fine(api):
    """The largest documented offset answers an empty page."""
    _, _, client = api
    reply = call(client, "POST", f"/v1/{P}/firewalls/list", {"limit": 10, "offset": 2**31 - 1})
    assert reply.status == 200 and reply.json["data"]["records"] == []


@pytest.mark.parametrize("digits", ["%D9%A3", "%EF%BC%93", "%E0%A5%A9"])
def test_non_ascii_digits_are_not_integers(api, digits):
    """Query integers are ASCII digits only: Arabic-Indic, full-width or Devanagari digits are a 400."""
    _, _, client = api
    reply = call(client, "GET", f"/v1/{P}/firewall/exist?offset=0&service_type=0&limit={digits}")
    assert_error(reply, 400, "CFW.00200001", "limit")


@pytest.mark.parametrize(
    "body",
    [
        b'{"name":"a","name":"b","flavor":{"version":"Standard"},"charge_info":{"charge_mode":"postPaid"}}',
        b'{"name":"a","flavor":{"version":"Standard","version":"Professional"},"charge_info":{"charge_mode":"postPaid"}}',
        b'{"name":"a","flavor":{"version":"Standard"},"charge_info":{"charge_mode":"postPaid"},'
        b'"tags":[{"key":"k","key":"j","value":""}]}',
    ],
)
def test_duplicate_keys_are_refused(api, body):
    """A JSON object that repeats a key, at any depth, is a 400 naming the key, and nothing is created."""
    _, _, client = api
    assert_error(raw(client, "POST", f"/v2/{P}/firewall", body), 400, "CFW.00200001", "appears twice")
    listing = call(client, "POST", f"/v1/{P}/firewalls/list", {"limit": 10, "offset": 0})
    assert listing.json["data"]["total"] == 0


@pytest.mark.parametrize("value", [" true", "true ", "\x1ctrue", "yes", "1"])
def test_string_booleans_are_exactly_true_or_false(api, value):
    """is_auto_renew as a string is "true"/"false" in any case, nothing around it."""
    _, _, client = api
    body = {**CREATE, "charge_info": {"charge_mode": "postPaid", "is_auto_renew": value}}
    assert_error(call(client, "POST", f"/v2/{P}/firewall", body), 400, "CFW.00200001", "is_auto_renew")
    body["charge_info"]["is_auto_renew"] = "TRUE"
    assert (
        call(client, "POST", f"/v2/{P}/firewall", body).json["data"]["charge_info"]["is_auto_renew"] is True
    )
