"""Tenant isolation: project B asking for project A's objects gets exactly the answer for an id that
does not exist, and no list, count or lookup ever shows another project's data."""

from __future__ import annotations

import re
import uuid

import pytest

from opencfw.domain.accounts import AccessKey, Domain, Project, User
from opencfw.service.secrets import hash_password
from tests.unit import test_api
from tests.unit.test_api import AK, CREATE, OTHER, SK, P, call, token_for
from tests.unit.test_hardening_auth import send, signed_headers

# the in-process runtime with a manual clock, shared with the API tests
env = test_api.env
api = test_api.api

#: a second account (domain) with its own project, user and key
FOREIGN_PROJECT = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
FOREIGN_AK, FOREIGN_SK = "FOREIGNAK00000000000", "foreign-secret-key-000000000000000000000"


@pytest.fixture
def tenants(api):
    """Project A (P) with firewalls in several states; project B (OTHER) of the same account; and a
    project of another account. Returns a caller for each way of reaching B."""
    runtime, clock, client = api
    now = clock.now_ms()
    domain = runtime.store.get_domain_by_name("opencfw")
    runtime.store.add_project(Project(OTHER, "cn-south-1", domain.id), now)
    other_domain = Domain(uuid.uuid4().hex, "other-account")
    runtime.store.add_domain(other_domain, now)
    user = User(uuid.uuid4().hex, "admin", other_domain.id, hash_password("pw2"))
    runtime.store.add_user(user, now)
    runtime.store.add_project(Project(FOREIGN_PROJECT, "cn-north-4", other_domain.id), now)
    runtime.store.put_access_key(
        AccessKey(FOREIGN_AK, user.id, other_domain.id, runtime.credentials.box.encrypt(FOREIGN_SK), True),
        now,
    )

    def make(name, **changes):
        reply = call(client, "POST", f"/v2/{P}/firewall", {**CREATE, "name": name, **changes})
        assert reply.status == 200, reply.body
        return reply.json["job_id"]

    running = make("a-running", tags=[{"key": "team", "value": "a"}])
    creating = make("a-creating")
    clock.advance(1)
    runtime.worker.run_once()  # one job only: 'a-creating' may still be creating
    while runtime.worker.run_once():
        pass
    deleting = make("a-deleting")
    clock.advance(1)
    while runtime.worker.run_once():
        pass
    deletion_job = call(client, "DELETE", f"/v2/{P}/firewall/{deleting}").json["data"]
    a_ids = {"running": running, "creating": creating, "deleting": deleting, "deletion_job": deletion_job}

    token_b = token_for(client, OTHER)

    def as_token(method, url, body=None):
        return call(client, method, url, body, token=token_b)

    def as_aksk(method, url, body=None, *, ak=AK, sk=SK):
        import json

        raw = b"" if body is None else json.dumps(body).encode()
        return send(
            client, method, url, list(signed_headers(clock, method, url, raw, ak=ak, sk=sk).items()), raw
        )

    def as_foreign(method, url, body=None):
        return as_aksk(method, url.replace(OTHER, FOREIGN_PROJECT), body, ak=FOREIGN_AK, sk=FOREIGN_SK)

    return runtime, clock, client, a_ids, {"token": as_token, "aksk": as_aksk, "foreign": as_foreign}


def shape(reply, *ids):
    """Status, code and message with the ids taken out: what must not differ."""
    body = reply.json
    message = body.get("error_msg", "")
    for value in ids:
        message = message.replace(value, "<id>")
    return reply.status, body.get("error_code"), re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "<id>", message)


ID_ROUTES = [
    ("GET", "/v3/{project}/jobs/{id}", None),
    ("DELETE", "/v2/{project}/firewall/{id}", None),
    ("GET", "/v1/{project}/firewall/exist?offset=0&limit=10&service_type=0&fw_instance_id={id}", None),
    ("PUT", "/v1/{project}/firewall/name?fw_instance_id={id}", {"fw_instance_name": "stolen"}),
]


@pytest.mark.parametrize("caller", ["token", "aksk", "foreign"])
@pytest.mark.parametrize(
    ("method", "template", "body"), ID_ROUTES, ids=lambda v: v if isinstance(v, str) else ""
)
@pytest.mark.parametrize("state", ["running", "creating", "deleting", "deletion_job"])
def test_foreign_id_answers_like_a_missing_id(tenants, caller, method, template, body, state):
    """Every route that takes an id: B asking for A's object == B asking for an id that never existed."""
    runtime, _, _client, a_ids, callers = tenants
    ask = callers[caller]
    foreign_id = a_ids[state]
    missing_id = str(uuid.uuid4())
    theirs = ask(method, template.format(project=OTHER, id=foreign_id), body)
    nothing = ask(method, template.format(project=OTHER, id=missing_id), body)
    assert shape(theirs, foreign_id) == shape(nothing, missing_id)
    assert theirs.status == 400 and theirs.json["error_code"] == "CFW.00200005"
    assert set(theirs.json) == set(nothing.json) == {"error_code", "error_msg"}
    # and A's object is untouched
    if state != "deletion_job":
        fw = runtime.store.get_firewall(P, foreign_id)
        assert fw is not None and fw.name.startswith("a-")


@pytest.mark.parametrize("caller", ["token", "aksk", "foreign"])
def test_lists_and_counts_never_show_another_project(tenants, caller):
    """B's lists, filtered by A's ids, names, tags or nothing at all, are empty with total 0."""
    _, _, _client, a_ids, callers = tenants
    ask = callers[caller]
    for key_word in [None, "a-", "a-running", a_ids["running"], a_ids["running"][:8], "%", "_"]:
        body = {"limit": 1024, "offset": 0, **({"key_word": key_word} if key_word else {})}
        reply = ask("POST", f"/v1/{OTHER}/firewalls/list", body)
        assert reply.status == 200, reply.body
        assert (reply.json["data"]["total"], reply.json["data"]["records"]) == (0, []), key_word
    reply = ask(
        "POST",
        f"/v1/{OTHER}/firewalls/list",
        {"limit": 10, "offset": 0, "tags": [{"key": "team", "value": "a"}]},
    )
    assert (reply.json["data"]["total"], reply.json["data"]["records"]) == (0, [])
    for query in ["", "&name=a-running", "&enterprise_project_id=0"]:
        reply = ask("GET", f"/v1/{OTHER}/firewall/exist?offset=0&limit=10&service_type=0{query}")
        assert (
            reply.status == 200 and reply.json["data"]["records"] == [] and reply.json["data"]["total"] == 0
        )


def test_b_sees_its_own_and_only_its_own(tenants):
    """With firewalls in both projects, each project's list holds exactly its own."""
    _, _clock, client, a_ids, callers = tenants
    mine = callers["token"]("POST", f"/v2/{OTHER}/firewall", {**CREATE, "name": "a-running"})
    assert mine.status == 200, mine.body  # A's name is free in B: a conflict would reveal it
    listing = callers["token"]("POST", f"/v1/{OTHER}/firewalls/list", {"limit": 1024, "offset": 0})
    assert [r["fw_instance_id"] for r in listing.json["data"]["records"]] == [mine.json["job_id"]]
    assert listing.json["data"]["project_id"] == OTHER
    in_a = call(client, "POST", f"/v1/{P}/firewalls/list", {"limit": 1024, "offset": 0}).json["data"]
    assert mine.json["job_id"] not in {r["fw_instance_id"] for r in in_a["records"]}
    assert {r["fw_instance_id"] for r in in_a["records"]} <= set(a_ids.values())


def test_idempotency_keys_are_per_project(tenants):
    """The same X-Client-Token and body in B creates B's own firewall, never returns A's job."""
    _, _, client, _, _callers = tenants
    headers = {"x-client-token": "shared-token-1"}
    body = {**CREATE, "name": "same-everywhere"}
    a = call(client, "POST", f"/v2/{P}/firewall", body, headers=headers)
    b = call(client, "POST", f"/v2/{OTHER}/firewall", body, token=token_for(client, OTHER), headers=headers)
    assert a.status == b.status == 200
    assert a.json["job_id"] != b.json["job_id"]


def test_project_lookup_shows_only_reachable_projects(tenants):
    """GET /v3/projects: a token sees its own project; a key its account's; never another account's."""
    _, _, _client, _, callers = tenants
    by_token = {p["id"] for p in callers["token"]("GET", "/v3/projects").json["projects"]}
    by_key = {p["id"] for p in callers["aksk"]("GET", "/v3/projects").json["projects"]}
    by_foreign = {p["id"] for p in callers["foreign"]("GET", "/v3/projects").json["projects"]}
    assert by_token == {OTHER}
    assert by_key == {P, OTHER}
    assert by_foreign == {FOREIGN_PROJECT}


def test_domain_lookup_shows_only_the_callers_account(tenants):
    """GET /v3/auth/domains: each caller sees its own account, never another one."""
    _, _, _client, _, callers = tenants
    seen = {
        who: [d["id"] for d in callers[who]("GET", "/v3/auth/domains").json["domains"]] for who in callers
    }
    assert seen["token"] == seen["aksk"] and len(seen["aksk"]) == 1
    assert len(seen["foreign"]) == 1 and seen["foreign"] != seen["aksk"]


@pytest.mark.parametrize("project", [P, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"])
def test_another_accounts_project_looks_like_no_project(tenants, project):
    """A key of another account on A's project answers as on a project that does not exist (403)."""
    _, _, _, a_ids, callers = tenants
    url = f"/v3/{project}/jobs/{a_ids['running']}"
    reply = callers["aksk"]("GET", url, ak=FOREIGN_AK, sk=FOREIGN_SK)
    assert (reply.status, reply.json["error_code"]) == (403, "APIGW.0302")
    unknown = callers["aksk"](
        "GET", f"/v3/cccccccccccccccccccccccccccccccc/jobs/{a_ids['running']}", ak=FOREIGN_AK, sk=FOREIGN_SK
    )
    assert shape(reply) == shape(unknown)
