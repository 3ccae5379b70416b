"""IAM as the SDKs meet it: every signing algorithm of the official SDKs on a real request,
temporary access keys with their security token, and domain-scoped tokens."""

from __future__ import annotations

import pytest

from opencfw.domain import signing
from tests.unit import test_api
from tests.unit.test_api import AK, CREATE, OTHER, SDK_DATE, SK, P, assert_error, call, create

env = test_api.env
api = test_api.api

SECURITY_TOKENS = "/v3.0/OS-CREDENTIAL/securitytokens"


def _password_auth(scope: dict) -> dict:
    return {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": "admin", "password": "pw", "domain": {"name": "opencfw"}}},
            },
            "scope": scope,
        }
    }


# -- signing algorithms -------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", [signing.SHA256, signing.SM3, signing.P256, signing.SM2])
def test_every_sdk_signing_algorithm_is_answered(api, algorithm):
    """HMAC-SHA256, HMAC-SM3, ECDSA-P256-SHA256 and SM2-SM3 signed requests are served (the last
    two used to answer 401 "unsupported Authorization scheme"); a wrong SK is still refused."""
    _, _, client = api
    job_id = create(client)
    body = b'{"limit":10,"offset":0}'
    for method, url, payload in (
        ("GET", f"/v3/{P}/jobs/{job_id}", b""),
        ("POST", f"/v1/{P}/firewalls/list", body),
    ):
        reply = client.signed(method, url, ak=AK, sk=SK, sdk_date=SDK_DATE, body=payload, algorithm=algorithm)
        assert reply.status == 200, (algorithm, reply.body)
    wrong = client.signed(
        "GET", f"/v3/{P}/jobs/{job_id}", ak=AK, sk=SK + "x", sdk_date=SDK_DATE, algorithm=algorithm
    )
    assert_error(wrong, 401, "APIGW.0301", "verify aksk signature fail")


# -- temporary access keys ----------------------------------------------------------------------


def _temporary(client, body: dict | None = None, **kwargs):
    payload = body if body is not None else {"auth": {"identity": {"methods": ["token"]}}}
    return call(client, "POST", SECURITY_TOKENS, payload, **kwargs)


def test_temporary_keys_from_a_token(api):
    """A token gets a temporary AK/SK and security token (201, IAM's shape), valid 15 minutes by
    default; they sign requests of the token's project with X-Security-Token."""
    _, _, client = api
    reply = _temporary(client)
    assert reply.status == 201, reply.body
    credential = reply.json["credential"]
    assert set(credential) == {"access", "secret", "securitytoken", "expires_at"}
    assert credential["expires_at"] == "2026-01-01T00:15:00.000000Z"
    job_id = create(client)
    extra = {"x-security-token": credential["securitytoken"]}
    url = f"/v3/{P}/jobs/{job_id}"
    ok = client.signed(
        "GET", url, ak=credential["access"], sk=credential["secret"], sdk_date=SDK_DATE, extra=extra
    )
    assert ok.status == 200, ok.body
    # the token was scoped to P: so are the keys obtained with it
    other = client.signed(
        "GET",
        f"/v3/{OTHER}/jobs/{job_id}",
        ak=credential["access"],
        sk=credential["secret"],
        sdk_date=SDK_DATE,
        extra=extra,
    )
    assert_error(other, 403, "APIGW.0302")


def test_temporary_keys_from_an_aksk_signature_with_a_duration(api):
    """An AK/SK signature gets them too; `duration_seconds` (integer or the documented example's
    string) sets their life, 900 to 86400 seconds, and they expire."""
    _, clock, client = api
    body = b'{"auth":{"identity":{"methods":["token"],"token":{"duration_seconds":"3600"}}}}'
    reply = client.signed("POST", SECURITY_TOKENS, ak=AK, sk=SK, sdk_date=SDK_DATE, body=body)
    assert reply.status == 201, reply.body
    credential = reply.json["credential"]
    assert credential["expires_at"] == "2026-01-01T01:00:00.000000Z"
    for duration in (899, 86401, "soon"):
        bad = _temporary(
            client, {"auth": {"identity": {"methods": ["token"], "token": {"duration_seconds": duration}}}}
        )
        assert_error(bad, 400, "CFW.00200001", "duration_seconds")
    job_id = create(client)
    url = f"/v3/{P}/jobs/{job_id}"
    extra = {"x-security-token": credential["securitytoken"]}
    clock.advance(3599)
    sdk_date = "20260101T005959Z"
    ok = client.signed(
        "GET", url, ak=credential["access"], sk=credential["secret"], sdk_date=sdk_date, extra=extra
    )
    assert ok.status == 200, ok.body
    clock.advance(1)
    late = client.signed(
        "GET", url, ak=credential["access"], sk=credential["secret"], sdk_date="20260101T010000Z", extra=extra
    )
    assert_error(late, 401, "APIGW.0307", "security token has expired")


def test_security_token_must_match_and_be_real(api):
    """A temporary AK without its token, with another AK's token, or with a forged token is
    refused; a permanent AK with any security token is refused."""
    _, _, client = api
    first = _temporary(client).json["credential"]
    second = _temporary(client).json["credential"]
    job_id = create(client)
    url = f"/v3/{P}/jobs/{job_id}"

    def signed(ak, sk, token):
        extra = {"x-security-token": token} if token is not None else None
        return client.signed("GET", url, ak=ak, sk=sk, sdk_date=SDK_DATE, extra=extra)

    assert_error(signed(first["access"], first["secret"], None), 401, "APIGW.0301", "not found")
    assert_error(
        signed(first["access"], first["secret"], second["securitytoken"]),
        401,
        "APIGW.0301",
        "does not belong",
    )
    forged = first["securitytoken"][:-6] + (
        "AAAAAA" if not first["securitytoken"].endswith("AAAAAA") else "BBBBBB"
    )
    assert_error(signed(first["access"], first["secret"], forged), 401, "APIGW.0301", "security token")
    assert_error(signed(first["access"], first["secret"], "junk"), 401, "APIGW.0301", "security token")
    assert_error(signed(AK, SK, first["securitytoken"]), 401, "APIGW.0301", "permanent AK")
    assert_error(signed(AK, SK, "bogus"), 401, "APIGW.0301", "permanent AK")
    assert_error(
        signed(first["access"], first["secret"] + "x", first["securitytoken"]),
        401,
        "APIGW.0301",
        "signature fail",
    )


def test_temporary_keys_need_a_caller_and_the_token_method(api):
    """Without credentials the call is 401; methods other than token are a 400; temporary keys
    cannot obtain more temporary keys."""
    _, _, client = api
    assert_error(client.request("POST", SECURITY_TOKENS, json_body={}), 401, "APIGW.0301")
    bad = _temporary(client, {"auth": {"identity": {"methods": ["password"]}}})
    assert_error(bad, 400, "CFW.00200001", "methods")
    first = _temporary(client).json["credential"]
    body = b'{"auth":{"identity":{"methods":["token"]}}}'
    again = client.signed(
        "POST", SECURITY_TOKENS, ak=first["access"], sk=first["secret"], sdk_date=SDK_DATE, body=body,
        extra={"x-security-token": first["securitytoken"]},
    )  # fmt: skip
    assert_error(again, 403, "APIGW.0302", "Temporary")


# -- domain-scoped tokens -----------------------------------------------------------------------


@pytest.mark.parametrize("domain", [{"name": "opencfw"}, "by-id"])
def test_domain_scoped_token_is_issued_as_iam_does(api, domain):
    """scope {"domain": ...} gets a 201 domain-scoped token (body `token.domain`, no project); it
    lists the account's projects and gets temporary keys, but no project's path accepts it."""
    runtime, _, client = api
    if domain == "by-id":
        domain = {"id": runtime.store.get_domain_by_name("opencfw").id}
    reply = client.request("POST", "/v3/auth/tokens", json_body=_password_auth({"domain": domain}))
    assert reply.status == 201, reply.body
    token_body = reply.json["token"]
    assert "project" not in token_body and token_body["domain"]["name"] == "opencfw"
    token = reply.headers["x-subject-token"]
    projects = call(client, "GET", "/v3/projects", token=token)
    assert projects.status == 200 and [p["id"] for p in projects.json["projects"]] == [P]
    assert _temporary(client, token=token).status == 201
    job_id = create(client)
    assert_error(
        call(client, "GET", f"/v3/{P}/jobs/{job_id}", token=token), 403, "APIGW.0302", "domain-scoped"
    )
    assert_error(call(client, "POST", f"/v2/{P}/firewall", CREATE, token=token), 403, "APIGW.0302")


def test_domain_scope_of_another_account_and_project_precedence(api):
    """A domain scope naming another account is a 403; with a project and a domain the project
    wins (IAM's rule)."""
    _, _, client = api
    other = client.request(
        "POST", "/v3/auth/tokens", json_body=_password_auth({"domain": {"name": "elsewhere"}})
    )
    assert_error(other, 403, "APIGW.0302")
    both = client.request(
        "POST",
        "/v3/auth/tokens",
        json_body=_password_auth({"domain": {"name": "opencfw"}, "project": {"id": P}}),
    )
    assert both.status == 201 and both.json["token"]["project"]["id"] == P
