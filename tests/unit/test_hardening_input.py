"""Input that used to answer 500 answers a documented 4xx instead, on both stores: impossible dates,
overflowing cursors, non-UTF-8 key ids, and NUL characters (which PostgreSQL cannot store)."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest

from tests.unit import test_api
from tests.unit.test_api import CREATE, P, assert_error, call

env = test_api.env
api = test_api.api

JOBS = f"/_opencfw/v1/{P}/jobs"


@pytest.mark.parametrize("value", ["2020-13-45T25:61:61Z", "0000-01-01T00:00:00Z", "2021-02-29T00:00:00Z"])
@pytest.mark.parametrize("name", ["created_after", "created_before"])
def test_impossible_dates_in_the_job_listing_are_a_bad_parameter(api, name, value):
    """A date of the right shape that is not a date (month 13, year 0, 29 February 2021) is a 400."""
    _, _, client = api
    assert_error(call(client, "GET", f"{JOBS}?{name}={value}"), 400, "CFW.00200001", name)


@pytest.mark.parametrize("begin", ["99999999999999999999999", "18446744073709551616", "-1"])
def test_a_cursor_whose_number_overflows_is_a_bad_parameter(api, begin):
    """A forged cursor with a begin time past any store's integers is refused, never a 500."""
    _, _, client = api
    cursor = base64.urlsafe_b64encode(f"{begin}:job-1".encode()).decode().rstrip("=")
    assert_error(call(client, "GET", f"{JOBS}?cursor={cursor}"), 400, "CFW.00200001", "cursor")


@pytest.mark.parametrize("raw_ak", [b"AK\xff0000000000000000", b"\xc3\xa9AK00000000000000000", b"AK\x00X"])
def test_a_non_ascii_access_key_is_refused_without_a_lookup(api, raw_ak):
    """A key id with a non-UTF-8 (or non-ASCII) byte is a malformed signature: 401, no credentials needed."""
    _, _, client = api
    authorization = (
        b"SDK-HMAC-SHA256 Access=" + raw_ak + b", SignedHeaders=host;x-sdk-date, Signature=" + b"ab" * 32
    )
    headers = [(b"authorization", authorization), (b"x-sdk-date", b"20260101T000000Z"), (b"host", b"t")]
    reply = asyncio.run(client._call("GET", f"/v3/{P}/jobs/job-1", b"", headers, b""))
    assert_error(reply, 401, "APIGW.0301", "Incorrect IAM authentication information")


def _token_body(user="admin", domain="opencfw", project=None):
    return {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": user, "password": "pw", "domain": {"name": domain}}},
            },
            "scope": {"project": project or {"id": P}},
        }
    }


@pytest.mark.parametrize(
    "body",
    [
        _token_body(user="ad\x00min"),
        _token_body(domain="open\x00cfw"),
        _token_body(project={"name": "cn-north-4\x00"}),
    ],
    ids=["user", "domain", "project"],
)
def test_nul_in_iam_names_is_a_bad_parameter(api, body):
    """NUL in the user, domain or project name of a token request is a 400 on both stores."""
    _, _, client = api
    reply = client.request("POST", "/v3/auth/tokens", json_body=body)
    assert_error(reply, 400, "CFW.00200001", "NUL")


def test_an_escaped_backslash_before_u0000_is_not_nul(api):
    """The text `\\u0000` (a backslash, then u0000) is ordinary text, not a NUL."""
    _, _, client = api
    raw = json.dumps(_token_body(user="ad\\u0000min")).encode()
    assert b"\\\\u0000" in raw
    reply = client.request("POST", "/v3/auth/tokens", body=raw, headers={"content-type": "application/json"})
    assert_error(reply, 401, "APIGW.0301", "username or password")


def test_nul_in_the_dashboard_sign_in_is_a_bad_parameter(api):
    """The dashboard's password sign-in refuses NUL in its fields like the token request does."""
    _, _, client = api
    for field in ("domain", "user", "project", "password"):
        body = {"method": "password", "project": P, "domain": "opencfw", "user": "admin", "password": "pw"}
        body[field] = body[field][:2] + "\x00" + body[field][2:]
        reply = client.request(
            "POST", "/_opencfw/ui/api/session", headers={"content-type": "application/json"}, json_body=body
        )
        assert_error(reply, 400, "CFW.00200001", "NUL")


@pytest.mark.parametrize("field", ["key_word", "enterprise_project_id"])
def test_nul_in_firewall_list_filters_is_a_bad_parameter(api, field):
    """NUL in `key_word` or `enterprise_project_id` of the firewall list is a 400."""
    _, _, client = api
    reply = call(client, "POST", f"/v1/{P}/firewalls/list", {"limit": 10, "offset": 0, field: "a\x00b"})
    assert_error(reply, 400, "CFW.00200001", "NUL")


def test_nul_in_a_created_firewalls_enterprise_project_is_a_bad_parameter(api):
    """NUL in the `enterprise_project_id` of CreateFirewall is a 400, and nothing is created."""
    _, _, client = api
    reply = call(client, "POST", f"/v2/{P}/firewall", {**CREATE, "enterprise_project_id": "e\x00p"})
    assert_error(reply, 400, "CFW.00200001", "NUL")
    detail = call(client, "GET", f"/v1/{P}/firewall/exist?offset=0&limit=10&service_type=0")
    assert detail.status == 200 and detail.json["data"]["total"] == 0


@pytest.mark.parametrize(
    "url",
    [
        "/v3/projects?name=cn-north-4%00",
        f"/v1/{P}/firewall/exist?offset=0&limit=10&service_type=0&enterprise_project_id=a%00b",
    ],
)
def test_nul_in_query_text_is_a_bad_parameter(api, url):
    """NUL in a free-text query parameter (the project lookup's `name`, filters) is a 400."""
    _, _, client = api
    assert_error(call(client, "GET", url), 400, "CFW.00200001", "not valid")


def test_a_non_utf8_byte_quoted_in_an_error_message_is_escaped(api):
    """An error message that quotes a header with a non-UTF-8 byte (here a signed header name) is
    sent with the byte escaped, instead of failing to encode (a 500 before)."""
    _, _, client = api
    authorization = (
        b"SDK-HMAC-SHA256 Access=TESTAK0000000000000A, SignedHeaders=x-sdk-date;x-\xff, Signature="
        + b"ab" * 32
    )
    headers = [(b"authorization", authorization), (b"x-sdk-date", b"20260101T000000Z")]
    reply = asyncio.run(client._call("GET", f"/v3/{P}/jobs/job-1", b"", headers, b""))
    assert_error(reply, 401, "APIGW.0301", r"signed header x-\\udcff is missing")
