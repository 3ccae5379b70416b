"""Limits and hostile input in-process: sizes, names and tags at and beyond their limits, bad bytes,
deep JSON, huge numbers, NaN, duplicate keys — always a clear 4xx in the documented format."""

from __future__ import annotations

import json

import pytest

from opencfw.api.app import MAX_BODY_BYTES
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


# -- names and tags at and beyond their documented limits --------------------------------------------


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("a", True),
        ("n" * 48, True),
        ("n" * 49, False),
        ("", False),
        ("a b", False),
        ("fw.1", False),
        ("é", False),
    ],
)
def test_name_limits(api, name, ok):
    """Names are 1-48 of [A-Za-z0-9_-]: at the limit accepted, beyond it a 400 naming the field."""
    _, _, client = api
    reply = call(client, "POST", f"/v2/{P}/firewall", {**CREATE, "name": name})
    if ok:
        assert reply.status == 200 and reply.json["data"]["name"] == name
    else:
        assert_error(reply, 400, "CFW.00200001", "name")


@pytest.mark.parametrize(
    ("tags", "ok"),
    [
        ([{"key": f"k{i}", "value": "v"} for i in range(20)], True),
        ([{"key": f"k{i}", "value": "v"} for i in range(21)], False),
        ([{"key": "k" * 128, "value": "v" * 255}], True),
        ([{"key": "k" * 129, "value": "v"}], False),
        ([{"key": "k", "value": "v" * 256}], False),
        ([{"key": "", "value": "v"}], False),
        ([{"value": "v"}], False),
        ([{"key": "k", "value": "a"}, {"key": "k", "value": "b"}], False),
    ],
    ids=["20", "21", "max-lengths", "key-129", "value-256", "empty-key", "no-key", "same-key"],
)
def test_tag_limits(api, tags, ok):
    """At most 20 tags, keys 1-128 and values up to 255 characters, no key twice."""
    _, _, client = api
    reply = call(client, "POST", f"/v2/{P}/firewall", {**CREATE, "tags": tags})
    if ok:
        assert reply.status == 200 and reply.json["data"]["tags"] == tags
    else:
        assert_error(reply, 400, "CFW.00200001", "tags")


# -- bytes and JSON that are not what they should be -------------------------------------------------

LIST = f"/v1/{P}/firewalls/list"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"limit": 10, "offset": 0, "key_word": "\xff\xfe"}', "not valid JSON"),
        (b'{"limit": 10, "offset": 0, "key_word": "\xed\xa0\x80"}', "not valid JSON"),
        (b'{"limit": 10, "offset": 0, "key_word": "\\ud800"}', "not valid JSON"),
        (b"\xef\xbb\xbf" + b'{"limit": 10, "offset": 0}', "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON|Invalid request body"),
        (b'{"a":' * 5000 + b"1" + b"}" * 5000, "not valid JSON|nested too deeply"),
        (b'{"limit": 10, "offset": 1' + b"0" * 5000 + b"}", "not valid JSON|Invalid request body|offset"),
        (b'{"limit": 1e400, "offset": 0}', "limit"),
        (b'{"limit": NaN, "offset": 0}', "not valid JSON"),
        (b'{"limit": Infinity, "offset": 0}', "not valid JSON"),
        (b'{"limit": -Infinity, "offset": 0}', "not valid JSON"),
        (b'{"limit": 10.5, "offset": 0}', "limit"),
        (b'{"limit": "10", "offset": 0}', "limit"),
        (b'{"limit": true, "offset": 0}', "limit"),
        (b'{"limit": 10, "offset": 0, "limit": 11}', "appears twice"),
        (b'{"limit": 10, "offset": 0}{"limit": 1}', "not valid JSON"),
        (b'{"limit": 10, "offset": 0', "not valid JSON"),
        (b"\x00" * 64, "not valid JSON"),
        (b"null", "Invalid request body"),
        (b'"text"', "Invalid request body"),
    ],
    ids=lambda v: None,
)
def test_hostile_json_is_a_clear_400(api, body, message):
    """Non-UTF-8 bytes, lone surrogates, a BOM, deep nesting, huge numbers, NaN and Infinity, wrong
    types, duplicate keys, trailing data or truncation: 400 CFW.00200001 with a message, never a 500."""
    _, _, client = api
    assert_error(raw(client, "POST", LIST, body), 400, "CFW.00200001", message)


@pytest.mark.parametrize("value", [2**63, 2**64, -(2**63) - 1, 10**400])
def test_huge_integers_in_every_integer_field(api, value):
    """A huge integer in any integer field of a create is a 400 naming the field."""
    _, _, client = api
    for field in ("extend_eip_count", "extend_bandwidth", "extend_vpc_count"):
        body = json.dumps({**CREATE, "flavor": {"version": "Professional", field: value}}).encode()
        assert_error(
            raw(client, "POST", f"/v2/{P}/firewall", body), 400, "CFW.00200001", field + "|out of range"
        )
    body = json.dumps({**CREATE, "charge_info": {"charge_mode": "postPaid", "period_num": value}}).encode()
    assert_error(
        raw(client, "POST", f"/v2/{P}/firewall", body), 400, "CFW.00200001", "period_num|out of range"
    )


@pytest.mark.parametrize(
    "query",
    [
        "offset=0&limit=10&service_type=0&name=%FF",
        "offset=%FF&limit=10&service_type=0",
        "offset=0&limit=99999999999&service_type=0",
        "offset=0&limit=10&service_type=0&fw_instance_id=%00",
    ],
)
def test_hostile_query_strings(api, query):
    """Invalid UTF-8, NUL or huge numbers in a query: a 400 or an empty answer, never a 500."""
    _, _, client = api
    reply = call(client, "GET", f"/v1/{P}/firewall/exist?{query}")
    assert reply.status in (200, 400), reply.body
    if reply.status == 400:
        assert_error(reply, 400, "CFW.00200001")


def test_oversized_declared_body_on_any_route(api):
    """A declared body over the limit is 413 APIGW.0201 on every route, before authentication, with
    Connection: close so that the rest is never read."""
    _, _, client = api
    for method, url in [
        ("POST", f"/v2/{P}/firewall"),
        ("GET", f"/v3/{P}/jobs/x"),
        ("POST", "/v3/auth/tokens"),
    ]:
        reply = client.request(method, url, headers={"content-length": str(MAX_BODY_BYTES + 1)})
        assert_error(reply, 413, "APIGW.0201")
        assert reply.headers["connection"] == "close"
