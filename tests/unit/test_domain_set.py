"""Domain name groups and their domain names over HTTP, in-process, on both stores: what is
particular to them (the common behaviour of every registry resource is in test_resource_contract.py)."""

from __future__ import annotations

import ipaddress

import pytest

from opencfw.config import Secret
from opencfw.domain import resolver
from opencfw.resources import domain_set
from tests.unit import test_api
from tests.unit.test_api import P, assert_error, call
from tests.unit.test_api_protection import running

env = test_api.env
api = test_api.api

SET = f"/v1/{P}/domain-set"
SETS = f"/v1/{P}/domain-sets"
DOMAINS = f"/v1/{P}/domain-set/domains"
UNKNOWN = "f588ce71-e26c-400d-8981-f854355f6849"


def group(client, fw: str, obj: str, name: str = "sites", *names: str, kind: int = 0, **more) -> str:
    body = {
        "fw_instance_id": fw,
        "object_id": obj,
        "name": name,
        "domain_set_type": kind,
        "domain_names": [{"domain_name": n} for n in names],
        **more,
    }
    reply = call(client, "POST", f"{SET}?fw_instance_id={fw}", body)
    assert reply.status == 200, reply.body
    assert reply.json["data"] == {"id": reply.json["data"]["id"], "name": name}
    return str(reply.json["data"]["id"])


def groups(client, fw: str, obj: str, query: str = "") -> dict:
    reply = call(client, "GET", f"{SETS}?fw_instance_id={fw}&object_id={obj}&offset=0&limit=1024{query}")
    assert reply.status == 200, reply.body
    return dict(reply.json["data"])


def domains(client, fw: str, set_id: str, query: str = "") -> dict:
    reply = call(client, "GET", f"{DOMAINS}/{set_id}?fw_instance_id={fw}&offset=0&limit=1024{query}")
    assert reply.status == 200, reply.body
    return dict(reply.json["data"])


def add(client, fw: str, obj: str, set_id: str, *names: str):
    body = {"fw_instance_id": fw, "object_id": obj, "domain_names": [{"domain_name": n} for n in names]}
    return call(client, "POST", f"{DOMAINS}/{set_id}?fw_instance_id={fw}", body)


def remove(client, fw: str, obj: str, set_id: str, *ids: str):
    body = {"object_id": obj, "domain_address_ids": list(ids)}
    return call(client, "DELETE", f"{DOMAINS}/{set_id}?fw_instance_id={fw}", body)


def test_a_group_is_made_with_its_domain_names_and_reads_back(api):
    """AddDomainSet stores the group and its names in one call; the list, the detail and the
    group's domain list carry the SDK's fields."""
    runtime, _, client = api
    fw, obj = running(runtime, client)
    set_id = group(client, fw, obj, "sites", "www.example.com", "*.example.org", description="web")
    record = {
        "set_id": set_id,
        "name": "sites",
        "description": "web",
        "ref_count": 0,
        "domain_set_type": 0,
        "config_status": 3,
        "rules": [],
    }
    assert groups(client, fw, obj)["records"] == [record]
    reply = call(client, "GET", f"{SET}/{set_id}?fw_instance_id={fw}")
    assert reply.json == {"data": record}
    data = domains(client, fw, set_id)
    assert (data["set_id"], data["total"]) == (set_id, 2)
    assert [(r["domain_name"], r["description"]) for r in data["records"]] == [
        ("www.example.com", None),
        ("*.example.org", None),
    ]
    assert all(set(r) == {"domain_address_id", "domain_name", "description"} for r in data["records"])


def test_a_group_may_start_empty_but_never_loses_its_last_name(api):
    """The provider creates groups with no names; DeleteDomains refuses to take the last one
    (CFW.00200001) and then deletes nothing — the provider's placeholder sequence works."""
    runtime, clock, client = api
    fw, obj = running(runtime, client)
    set_id = group(client, fw, obj, "empty")
    assert domains(client, fw, set_id)["total"] == 0
    assert add(client, fw, obj, set_id, "a.example.com", "b.example.com").status == 200
    ids = [r["domain_address_id"] for r in domains(client, fw, set_id)["records"]]
    assert_error(remove(client, fw, obj, set_id, *ids), 400, "CFW.00200001", "at least one")
    assert domains(client, fw, set_id)["total"] == 2
    # the provider's dance: add a placeholder, remove the old, add the new, remove the placeholder
    clock.advance(0.001)
    assert add(client, fw, obj, set_id, "placeholder.placeholder").status == 200
    placeholder = domains(client, fw, set_id)["records"][-1]["domain_address_id"]
    clock.advance(0.001)
    reply = remove(client, fw, obj, set_id, *ids)
    assert reply.json == {"data": {"id": set_id, "name": "a.example.com,b.example.com"}}
    clock.advance(0.001)
    assert add(client, fw, obj, set_id, "c.example.com").status == 200
    assert remove(client, fw, obj, set_id, placeholder).status == 200
    assert [r["domain_name"] for r in domains(client, fw, set_id)["records"]] == ["c.example.com"]


def test_domain_names_are_unique_valid_and_wildcards_only_for_applications(api):
    """A name twice in a group is CFW.00400004 (in AddDomainSet nothing is stored); bad names are
    400 naming the field; a wildcard fits only an application group."""
    runtime, _, client = api
    fw, obj = running(runtime, client)
    body = {
        "object_id": obj,
        "name": "twice",
        "domain_names": [{"domain_name": "a.example.com"}, {"domain_name": "a.example.com"}],
    }
    assert_error(call(client, "POST", f"{SET}?fw_instance_id={fw}", body), 400, "CFW.00400004")
    assert groups(client, fw, obj)["total"] == 0
    set_id = group(client, fw, obj, "net", "a.example.com", kind=1)
    assert_error(add(client, fw, obj, set_id, "a.example.com"), 400, "CFW.00400004")
    for bad in (
        "example",
        "-a.example.com",
        "a..example.com",
        "a.example.com.",
        "*.*.example.com",
        "a b.com",
    ):
        assert_error(add(client, fw, obj, set_id, bad), 400, "CFW.00200001", "domain_name")
    assert_error(add(client, fw, obj, set_id, "*.example.com"), 400, "CFW.00200001", "wildcard")
    assert [r["domain_name"] for r in domains(client, fw, set_id)["records"]] == ["a.example.com"]


def test_limits_per_group_follow_the_groups_type(api):
    """A network group holds 15 names, an application group 1,500 (CFW.00200024); all the names
    of a refused call are refused."""
    runtime, _, client = api
    fw, obj = running(runtime, client)
    net = group(client, fw, obj, "net", *(f"h{i}.example.com" for i in range(14)), kind=1)
    assert_error(add(client, fw, obj, net, "x.example.com", "y.example.com"), 400, "CFW.00200024", "15")
    assert add(client, fw, obj, net, "x.example.com").status == 200
    assert domains(client, fw, net)["total"] == 15
    app = group(client, fw, obj, "app", *(f"h{i}.example.com" for i in range(1500)))
    assert_error(add(client, fw, obj, app, "one-more.example.com"), 400, "CFW.00200024", "1500")


def test_filters_and_scopes(api):
    """``key_word`` and ``domain_set_type`` filter the groups, ``domain_name`` the names; a group
    named under another object or firewall is CFW.00200005."""
    runtime, clock, client = api
    fw, obj = running(runtime, client)
    fw2, obj2 = running(runtime, client, name="fw-2")
    a = group(client, fw, obj, "Shop", "shop.example.com", "api.example.com")
    clock.advance(0.001)
    b = group(client, fw, obj, "net", description="shop backends", kind=1)
    ids = lambda q: [r["set_id"] for r in groups(client, fw, obj, q)["records"]]  # noqa: E731
    assert ids("&key_word=SHOP") == [a, b]
    assert ids("&domain_set_type=1") == [b]
    assert ids("&config_status=3") == [a, b] and ids("&config_status=1") == []
    assert [r["domain_name"] for r in domains(client, fw, a, "&domain_name=API")["records"]] == [
        "api.example.com"
    ]
    assert_error(add(client, fw2, obj2, a, "x.example.com"), 400, "CFW.00200005", a)
    assert_error(add(client, fw, obj2, a, "x.example.com"), 400, "CFW.00200005", a)
    first = domains(client, fw, a)["records"][0]["domain_address_id"]
    assert_error(remove(client, fw, obj2, a, first), 400, "CFW.00200005")
    reply = call(client, "GET", f"{SET}/{a}?fw_instance_id={fw2}")
    assert_error(reply, 400, "CFW.00200005", a)
    assert domains(client, fw, a)["total"] == 2


def test_update_renames_and_deletes_take_the_names(api):
    """UpdateDomainSet changes name and description; DeleteDomainSet and BatchDeleteDomainSet
    delete the groups with their names, all or none."""
    runtime, _, client = api
    fw, obj = running(runtime, client)
    a = group(client, fw, obj, "a", "a.example.com")
    b = group(client, fw, obj, "b", "b.example.com")
    reply = call(client, "PUT", f"{SET}/{a}?fw_instance_id={fw}", {"name": "a2", "description": "d"})
    assert reply.json == {"data": {"id": a, "name": "a2"}}
    assert_error(
        call(client, "PUT", f"{SET}/{a}?fw_instance_id={fw}", {"description": "x"}),
        400,
        "CFW.00200001",
        "name",
    )
    batch = f"{SETS}/batch-delete?fw_instance_id={fw}"
    assert_error(
        call(client, "POST", batch, {"object_id": obj, "set_ids": [a, UNKNOWN]}), 400, "CFW.00200005"
    )
    assert groups(client, fw, obj)["total"] == 2
    reply = call(client, "POST", batch, {"object_id": obj, "set_ids": [a]})
    assert reply.json == {"data": {"responseDatas": [{"id": a, "name": "a2"}]}}
    reply = call(client, "DELETE", f"{SET}/{b}?fw_instance_id={fw}")
    assert reply.json == {"data": {"id": b, "name": "b"}}
    assert groups(client, fw, obj)["total"] == 0
    for set_id in (a, b):
        assert_error(call(client, "GET", f"{DOMAINS}/{set_id}?offset=0&limit=10"), 400, "CFW.00200005")
    repo = runtime.resources["domain"].repo
    with repo.db.read() as conn:
        assert conn.execute("SELECT count(*) FROM domain_set_domains").fetchone()[0] == 0


@pytest.mark.parametrize("name", ["www.example.com", "*.example.com", "xn--bcher-kva.example", "a-1.b-2.io"])
def test_domain_names_accepted(name):
    assert domain_set.is_domain_name(name)


# -- the resolver


ADMIN = {"authorization": "Bearer admin-secret"}


@pytest.fixture
def resolving(env):
    """The app with an admin token, a running firewall and a group with two names."""
    runtime, _clock, client = env(admin_token=Secret("admin-secret"))
    client.token = test_api.token_for(client, P)
    fw, obj = running(runtime, client)
    set_id = group(client, fw, obj, "sites", "www.example.com", "*.example.org")
    names = {r["domain_name"]: r["domain_address_id"] for r in domains(client, fw, set_id)["records"]}
    return runtime, client, fw, set_id, names


def admin(client, method, path, body=None, headers=ADMIN):
    return client.request(method, f"/_opencfw/admin/resolver{path}", headers=headers, json_body=body)


def test_derived_answers_are_deterministic_documentation_addresses():
    """A name nobody configured resolves to one address per family, always the same, in the
    documentation ranges; case and a final dot do not matter; a wildcard resolves to nothing."""
    seen = set()
    for i in range(200):
        answer = resolver.derived(f"host{i}.example.com")
        assert answer == resolver.derived(f"HOST{i}.example.com.")
        (v4,), (v6,) = answer.ipv4, answer.ipv6
        assert any(ipaddress.ip_address(v4) in net for net in resolver.DOCUMENTATION_V4)
        assert ipaddress.ip_address(v6) in resolver.DOCUMENTATION_V6
        seen.add(v4)
    assert len(seen) > 100  # spread over the ranges, not one address for all
    assert resolver.derived("*.example.com") == resolver.Answer()


def test_the_resolution_reads_answer_from_the_resolver(resolving):
    """ListDomainParseDetail resolves any name, ListDomainParseIp and ListDomainResolveIp a
    group's name by id; address_type picks a family; unknown ids and firewalls are CFW.00200005."""
    _runtime, client, fw, set_id, names = resolving
    expected = resolver.derived("www.example.com")
    reply = call(client, "GET", f"/v1/{P}/domain/parse/www.example.com?fw_instance_id={fw}&address_type=0")
    assert reply.json == {"data": expected.ipv4}
    reply = call(client, "GET", f"/v1/{P}/domain/parse/www.example.com")
    assert reply.json == {"data": expected.ipv4 + expected.ipv6}
    www = names["www.example.com"]
    url = f"/v1/{P}/domain/parse-ip-list/{www}?fw_instance_id={fw}&domain_set_id={set_id}&address_type=1"
    assert call(client, "GET", url).json == {"data": expected.ipv6}
    url = f"/v2/{P}/rule/domain/resolve-ip-list/{www}?fw_instance_id={fw}&address_type=0"
    assert call(client, "GET", url).json == {"data": {"parsed_success_ip": expected.ipv4, "excess_ip": []}}
    wildcard = names["*.example.org"]
    assert call(client, "GET", f"/v1/{P}/domain/parse-ip-list/{wildcard}").json == {"data": []}
    assert_error(call(client, "GET", f"/v1/{P}/domain/parse-ip-list/{UNKNOWN}"), 400, "CFW.00200005")
    url = f"/v1/{P}/domain/parse-ip-list/{www}?domain_set_id={UNKNOWN}"
    assert_error(call(client, "GET", url), 400, "CFW.00200005")
    url = f"/v1/{P}/domain/parse/www.example.com?fw_instance_id={UNKNOWN}"
    assert_error(call(client, "GET", url), 400, "CFW.00200005")
    assert_error(call(client, "GET", f"/v1/{P}/domain/parse/not_a_name"), 400, "CFW.00200001", "domain_name")
    url = f"/v1/{P}/domain/parse/www.example.com?address_type=2"
    assert_error(call(client, "GET", url), 400, "CFW.00200001", "address_type")


def test_answers_are_configured_through_the_admin_api(resolving):
    """PUT sets a name's answer (every read then gives it), DELETE gives the derived one back;
    bad addresses are 400 and change nothing; only the admin token may do it."""
    _runtime, client, _fw, _set_id, names = resolving
    body = {"ipv4": ["10.0.0.1", "10.0.0.1", "10.0.0.2"], "ipv6": ["2001:DB8::1"]}
    reply = admin(client, "PUT", "/WWW.example.com", body)
    assert reply.json == {
        "domain_name": "WWW.example.com",
        "configured": True,
        "ipv4": ["10.0.0.1", "10.0.0.2"],
        "ipv6": ["2001:db8::1"],
    }
    assert call(client, "GET", f"/v1/{P}/domain/parse/www.example.com?address_type=0").json == {
        "data": ["10.0.0.1", "10.0.0.2"]
    }
    www = names["www.example.com"]
    url = f"/v2/{P}/rule/domain/resolve-ip-list/{www}"
    assert call(client, "GET", url).json["data"]["parsed_success_ip"] == [
        "10.0.0.1",
        "10.0.0.2",
        "2001:db8::1",
    ]
    assert admin(client, "GET", "").json["answers"][0]["domain_name"] == "www.example.com"
    for bad in ({"ipv4": ["2001:db8::1"]}, {"ipv4": ["300.0.0.1"]}, {"ipv6": ["10.0.0.1"]}, {"other": []}):
        assert_error(admin(client, "PUT", "/www.example.com", bad), 400, "CFW.00200001")
    assert admin(client, "GET", "/www.example.com").json["ipv4"] == ["10.0.0.1", "10.0.0.2"]
    assert (
        admin(client, "PUT", "/www.example.com", body, headers={"x-auth-token": client.token}).status == 401
    )
    assert admin(client, "DELETE", "/www.example.com").json == {"removed": 1}
    assert_error(admin(client, "DELETE", "/www.example.com"), 400, "CFW.00200005")
    view = admin(client, "GET", "/www.example.com").json
    assert (view["configured"], view["ipv4"]) == (False, resolver.derived("www.example.com").ipv4)
