"""IPS settings, east-west protection and firewall tags over HTTP, in-process, on both stores."""

from __future__ import annotations

import json

import pytest

from opencfw.api import routes_terraform
from opencfw.domain.accounts import Project
from tests.gosign import go_headers
from tests.unit import test_api
from tests.unit.test_api import AK, OTHER, SDK_DATE, SK, START_MS, P, assert_error, call, create, token_for

env = test_api.env
api = test_api.api

UNKNOWN = "f588ce71-e26c-400d-8981-f854355f6849"
EAST_WEST = {"er_id": "er-0001", "inspection_cidr": "10.10.0.0/16", "mode": "er"}


def running(runtime, client, **changes) -> tuple[str, str]:
    """A firewall whose creation job has run: ``(firewall id, its Internet border object id)``."""
    firewall_id = create(client, **changes)
    while runtime.worker.run_once():
        pass
    return firewall_id, record(client, firewall_id)["protect_objects"][0]["object_id"]


def record(client, firewall_id):
    reply = call(
        client, "GET", f"/v1/{P}/firewall/exist?offset=0&limit=10&service_type=0&fw_instance_id={firewall_id}"
    )
    assert reply.status == 200, reply.body
    return reply.json["data"]["records"][0]


def other_project(runtime, client) -> str:
    """A second project of the same account, and a token for it."""
    domain = runtime.store.get_domain_by_name("opencfw")
    runtime.store.add_project(Project(OTHER, "eu-west-0", domain.id), START_MS)
    return token_for(client, OTHER)


# -- IPS protection mode


def test_ips_mode_defaults_to_observe_and_is_stored(api):
    """A new object reads mode 0; a change answers its id and is read back, per object."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    _, obj2 = running(runtime, client, name="fw-2")
    assert call(client, "GET", f"/v1/{P}/ips/protect?object_id={obj}").json == {
        "data": {"id": obj, "mode": 0}
    }
    reply = call(client, "POST", f"/v1/{P}/ips/protect", {"object_id": obj, "mode": 2})
    assert (reply.status, reply.json) == (200, {"data": {"id": obj}})
    assert call(client, "GET", f"/v1/{P}/ips/protect?object_id={obj}").json["data"]["mode"] == 2
    assert call(client, "GET", f"/v1/{P}/ips/protect?object_id={obj2}").json["data"]["mode"] == 0


def test_ips_mode_errors(api):
    """Missing or bad object id and mode are 400 CFW.00200001 naming the field; unknown ids 00200005."""
    runtime, _, client = api
    firewall_id, obj = running(runtime, client)
    assert_error(call(client, "GET", f"/v1/{P}/ips/protect"), 400, "CFW.00200001", "object_id")
    assert_error(call(client, "GET", f"/v1/{P}/ips/protect?object_id=a.b"), 400, "CFW.00200001", "object_id")
    assert_error(call(client, "GET", f"/v1/{P}/ips/protect?object_id={UNKNOWN}"), 400, "CFW.00200005")
    assert_error(call(client, "GET", f"/v1/{P}/ips/protect?object_id={firewall_id}"), 400, "CFW.00200005")
    for mode in (4, -1, "1", 1.5, None):
        reply = call(client, "POST", f"/v1/{P}/ips/protect", {"object_id": obj, "mode": mode})
        assert_error(reply, 400, "CFW.00200001", "mode")
    assert_error(call(client, "POST", f"/v1/{P}/ips/protect", {"mode": 1}), 400, "CFW.00200001", "object_id")
    assert_error(call(client, "POST", f"/v1/{P}/ips/protect"), 400, "CFW.00200001", "body")
    reply = call(client, "POST", f"/v1/{P}/ips/protect", {"object_id": UNKNOWN, "mode": 1})
    assert_error(reply, 400, "CFW.00200005")
    # the object must belong to the firewall named in the query
    reply = call(client, "GET", f"/v1/{P}/ips/protect?object_id={obj}&fw_instance_id={UNKNOWN}")
    assert_error(reply, 400, "CFW.00200005")
    reply = call(
        client, "POST", f"/v1/{P}/ips/protect?fw_instance_id={UNKNOWN}", {"object_id": obj, "mode": 1}
    )
    assert_error(reply, 400, "CFW.00200005")
    assert call(client, "GET", f"/v1/{P}/ips/protect?object_id={obj}").json["data"]["mode"] == 0


def test_another_projects_object_looks_unknown(api):
    """From another project, an object, a firewall and its tags answer exactly as unknown ones."""
    runtime, _, client = api
    firewall_id, obj = running(runtime, client)
    token = other_project(runtime, client)
    for method, url, body in [
        ("GET", f"/v1/{OTHER}/ips/protect?object_id={obj}", None),
        ("POST", f"/v1/{OTHER}/ips/protect", {"object_id": obj, "mode": 1}),
        ("GET", f"/v1/{OTHER}/ips/switch?object_id={obj}", None),
        ("POST", f"/v1/{OTHER}/ips/switch", {"object_id": obj, "ips_type": 2, "status": 1}),
        ("GET", f"/v1/{OTHER}/firewall/east-west?offset=0&limit=10&fw_instance_id={firewall_id}", None),
        ("POST", f"/v1/{OTHER}/firewall/east-west?fw_instance_id={firewall_id}", EAST_WEST),
        ("POST", f"/v2/{OTHER}/cfw-cfw/{firewall_id}/tags/create", {"tags": [{"key": "k", "value": "v"}]}),
        ("DELETE", f"/v2/{OTHER}/cfw-cfw/{firewall_id}/tags/delete", {"tags": [{"key": "k"}]}),
        ("PUT", f"/v2/{OTHER}/cfw-cfw/{firewall_id}/tags/save", {"tags": [{"key": "k", "value": "v"}]}),
        ("GET", f"/v2/{OTHER}/cfw-cfw/{firewall_id}/tags", None),
    ]:
        foreign = call(client, method, url, body, token=token)
        unknown = call(
            client, method, url.replace(firewall_id, UNKNOWN).replace(obj, UNKNOWN), body, token=token
        )
        assert_error(foreign, 400, "CFW.00200005")
        assert json.loads(foreign.body)["error_code"] == json.loads(unknown.body)["error_code"]
        assert foreign.status == unknown.status
    assert call(client, "GET", f"/v1/{P}/ips/protect?object_id={obj}").json["data"]["mode"] == 0


# -- IPS switches


def test_ips_switch_defaults_and_changes(api):
    """Basic defense on and virtual patches off by default; ips_type 2 and 1 change each switch."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    url = f"/v1/{P}/ips/switch?object_id={obj}"
    assert call(client, "GET", url).json == {
        "data": {"id": obj, "basic_defense_status": 1, "virtual_patches_status": 0}
    }
    reply = call(client, "POST", f"/v1/{P}/ips/switch", {"object_id": obj, "ips_type": 2, "status": 1})
    assert (reply.status, reply.json) == (200, {"data": {"id": obj}})
    assert call(client, "GET", url).json["data"]["virtual_patches_status"] == 1
    call(client, "POST", f"/v1/{P}/ips/switch", {"object_id": obj, "ips_type": 1, "status": 0})
    assert call(client, "GET", url).json["data"] == {
        "id": obj,
        "basic_defense_status": 0,
        "virtual_patches_status": 1,
    }
    # the mode is kept apart from the switches
    call(client, "POST", f"/v1/{P}/ips/protect", {"object_id": obj, "mode": 3})
    assert call(client, "GET", url).json["data"]["virtual_patches_status"] == 1


def test_ips_switch_errors(api):
    """ips_type outside 1-2, status outside 0-1, a VPC border object: 400 naming the field."""
    runtime, _, client = api
    firewall_id, obj = running(runtime, client)
    for body, field in [
        ({"object_id": obj, "ips_type": 3, "status": 1}, "ips_type"),
        ({"object_id": obj, "ips_type": 2, "status": 2}, "status"),
        ({"object_id": obj, "ips_type": 2}, "status"),
        ({"object_id": obj, "ips_type": True, "status": 1}, "ips_type"),
    ]:
        assert_error(call(client, "POST", f"/v1/{P}/ips/switch", body), 400, "CFW.00200001", field)
    assert_error(call(client, "GET", f"/v1/{P}/ips/switch"), 400, "CFW.00200001", "object_id")
    assert_error(call(client, "GET", f"/v1/{P}/ips/switch?object_id={UNKNOWN}"), 400, "CFW.00200005")
    vpc_object = call(
        client, "POST", f"/v1/{P}/firewall/east-west?fw_instance_id={firewall_id}", EAST_WEST
    ).json["data"]["id"]
    body = {"object_id": vpc_object, "ips_type": 2, "status": 1}
    assert_error(call(client, "POST", f"/v1/{P}/ips/switch", body), 400, "CFW.00200001", "object_id")


# -- east-west protection


def test_east_west_lifecycle(api):
    """Absent (nulls), created (type-1 object listed, status 1), protected (0), unprotected (1)."""
    runtime, _, client = api
    firewall_id, obj = running(runtime, client)
    url = f"/v1/{P}/firewall/east-west?offset=0&limit=10&fw_instance_id={firewall_id}"
    data = call(client, "GET", url).json["data"]
    assert data == {
        "object_id": None,
        "project_id": P,
        "status": None,
        "mode": None,
        "er": None,
        "inspection_vpc": None,
        "firewall_associated_subnets": [],
        "protect_infos": [],
        "total": 0,
        "offset": 0,
        "limit": 10,
    }
    created = call(client, "POST", f"/v1/{P}/firewall/east-west?fw_instance_id={firewall_id}", EAST_WEST)
    assert created.status == 200, created.body
    vpc_object = created.json["data"]["id"]
    assert created.json["data"]["er"]["er_id"] == "er-0001"
    assert set(created.json["data"]["inspertion_vpc"]) == {"vpc_id", "subnet_ids"}
    data = call(client, "GET", url).json["data"]
    assert (data["object_id"], data["status"], data["mode"]) == (vpc_object, 1, "er")
    assert data["er"]["id"] == "er-0001" and data["er"]["attachment_id"]
    assert data["inspection_vpc"]["cidr"] == "10.10.0.0/16" and data["inspection_vpc"]["id"]
    objects = record(client, firewall_id)["protect_objects"]
    assert [(o["object_id"], o["type"]) for o in objects] == [(obj, 0), (vpc_object, 1)]
    protect = f"/v1/{P}/firewall/east-west/protect?fw_instance_id={firewall_id}"
    reply = call(client, "POST", protect, {"object_id": vpc_object, "status": 0})
    assert (reply.status, reply.json) == (200, {"data": {"id": vpc_object}})
    assert call(client, "GET", url).json["data"]["status"] == 0
    call(client, "POST", f"/v1/{P}/firewall/east-west/protect", {"object_id": vpc_object, "status": 1})
    assert call(client, "GET", url).json["data"]["status"] == 1
    # IPS settings apply to the VPC border object too
    call(client, "POST", f"/v1/{P}/ips/protect", {"object_id": vpc_object, "mode": 1})
    assert call(client, "GET", f"/v1/{P}/ips/protect?object_id={vpc_object}").json["data"]["mode"] == 1


def test_east_west_errors(api):
    """Missing paging or firewall, unknown firewall or object, bad values, a second creation: 400s."""
    runtime, _, client = api
    firewall_id, obj = running(runtime, client)
    base = f"/v1/{P}/firewall/east-west"
    assert_error(call(client, "GET", f"{base}?offset=0&limit=10"), 400, "CFW.00200001", "fw_instance_id")
    reply = call(client, "GET", f"{base}?offset=0&fw_instance_id={firewall_id}")
    assert_error(reply, 400, "CFW.00200001", "limit")
    reply = call(client, "GET", f"{base}?offset=0&limit=2000&fw_instance_id={firewall_id}")
    assert_error(reply, 400, "CFW.00200001", "limit")
    assert_error(
        call(client, "GET", f"{base}?offset=0&limit=10&fw_instance_id={UNKNOWN}"), 400, "CFW.00200005"
    )
    create_url = f"{base}?fw_instance_id={firewall_id}"
    assert_error(call(client, "POST", base, EAST_WEST), 400, "CFW.00200001", "fw_instance_id")
    for changes, field in [
        ({"mode": "vpc"}, "mode"),
        ({"inspection_cidr": "10.0.0.0/28"}, "inspection_cidr"),
        ({"inspection_cidr": "8.8.8.0/24"}, "inspection_cidr"),
        ({"inspection_cidr": "10.0.0.1/16"}, "inspection_cidr"),
        ({"er_id": ""}, "er_id"),
    ]:
        assert_error(call(client, "POST", create_url, {**EAST_WEST, **changes}), 400, "CFW.00200001", field)
    reply = call(client, "POST", f"{base}?fw_instance_id={UNKNOWN}", EAST_WEST)
    assert_error(reply, 400, "CFW.00200005")
    assert call(client, "POST", create_url, EAST_WEST).status == 200
    assert_error(call(client, "POST", create_url, EAST_WEST), 400, "CFW.00200016", "already")
    protect = f"{base}/protect"
    assert_error(
        call(client, "POST", protect, {"object_id": obj, "status": 0}), 400, "CFW.00200001", "object_id"
    )
    assert_error(call(client, "POST", protect, {"object_id": UNKNOWN, "status": 0}), 400, "CFW.00200005")
    vpc_object = record(client, firewall_id)["protect_objects"][1]["object_id"]
    reply = call(client, "POST", protect, {"object_id": vpc_object, "status": 2})
    assert_error(reply, 400, "CFW.00200001", "status")
    reply = call(
        client, "POST", f"{protect}?fw_instance_id={UNKNOWN}", {"object_id": vpc_object, "status": 0}
    )
    assert_error(reply, 400, "CFW.00200005")


# -- tags


def test_the_tag_reads_and_save_bound_enterprise_project_id_as_documented(api):
    """ListResourceTags, ListProjectTags and SaveTags take an `enterprise_project_id` of up to 64
    characters (the document's bound; found by the OpenAPI fuzzing): a longer one is a 400."""
    runtime, _, client = api
    firewall_id, _ = running(runtime, client)
    save = {"tags": [{"key": "k", "value": "v"}]}
    for method, path, body in (
        ("GET", f"/v2/{P}/cfw-cfw/{firewall_id}/tags", None),
        ("GET", f"/v2/{P}/cfw-cfw/tags", None),
        ("PUT", f"/v2/{P}/cfw-cfw/{firewall_id}/tags/save", save),
    ):
        assert_error(
            call(client, method, f"{path}?enterprise_project_id={'e' * 65}", body), 400, "CFW.00200001"
        )
        assert call(client, method, f"{path}?enterprise_project_id={'e' * 64}", body).status == 200


def test_tags_create_and_delete_show_in_the_record(api):
    """Created tags join (and overwrite) the record's JSON-string tags; deleted keys leave it."""
    runtime, _, client = api
    firewall_id, _ = running(runtime, client, tags=[{"key": "team", "value": "qa"}])
    url = f"/v2/{P}/cfw-cfw/{firewall_id}/tags"
    reply = call(
        client,
        "POST",
        f"{url}/create",
        {"tags": [{"key": "env", "value": "dev"}, {"key": "team", "value": "ops"}]},
    )
    assert (reply.status, reply.json) == (200, {})
    tags = record(client, firewall_id)["tags"]
    assert isinstance(tags, str) and json.loads(tags) == {"team": "ops", "env": "dev"}
    reply = call(
        client, "DELETE", f"{url}/delete", {"tags": [{"key": "team", "value": "ops"}, {"key": "absent"}]}
    )
    assert (reply.status, reply.json) == (200, {})
    assert json.loads(record(client, firewall_id)["tags"]) == {"env": "dev"}
    assert call(client, "POST", f"{url}/create", {"tags": None}).status == 200
    assert call(client, "DELETE", f"{url}/delete", {}).status == 200
    assert json.loads(record(client, firewall_id)["tags"]) == {"env": "dev"}
    # the listing filters on the stored tags
    listed = call(
        client,
        "POST",
        f"/v1/{P}/firewalls/list",
        {"limit": 10, "offset": 0, "tags": [{"key": "env", "value": "dev"}]},
    )
    assert [r["fw_instance_id"] for r in listed.json["data"]["records"]] == [firewall_id]


def test_tags_errors(api):
    """Unknown firewall 00200005; repeated keys, more than 20 tags, bad tags or body: 00200001."""
    runtime, _, client = api
    firewall_id, _ = running(runtime, client)
    url = f"/v2/{P}/cfw-cfw/{firewall_id}/tags"
    reply = call(
        client, "POST", f"/v2/{P}/cfw-cfw/{UNKNOWN}/tags/create", {"tags": [{"key": "k", "value": "v"}]}
    )
    assert_error(reply, 400, "CFW.00200005")
    assert_error(
        call(client, "DELETE", f"/v2/{P}/cfw-cfw/{UNKNOWN}/tags/delete", {"tags": []}), 400, "CFW.00200005"
    )
    twice = {"tags": [{"key": "k", "value": "1"}, {"key": "k", "value": "2"}]}
    assert_error(call(client, "POST", f"{url}/create", twice), 400, "CFW.00200001", "tags")
    many = [{"key": f"k{i}", "value": "v"} for i in range(15)]
    assert call(client, "POST", f"{url}/create", {"tags": many}).status == 200
    more = [{"key": f"m{i}", "value": "v"} for i in range(6)]
    assert_error(call(client, "POST", f"{url}/create", {"tags": more}), 400, "CFW.00200001", "tags")
    assert_error(
        call(client, "POST", f"{url}/create", {"tags": [{"value": "v"}]}), 400, "CFW.00200001", "key"
    )
    assert_error(call(client, "POST", f"{url}/create", {"tags": [{"key": ""}]}), 400, "CFW.00200001", "key")
    assert_error(call(client, "POST", f"{url}/create"), 400, "CFW.00200001", "body")
    assert_error(call(client, "POST", f"/v2/{P}/cfw-cfw/a.b/tags/create", {"tags": []}), 400, "CFW.00200001")
    assert len(json.loads(record(client, firewall_id)["tags"])) == 15


def test_tag_reads_and_save(api):
    """ListResourceTags answers a firewall's tags; SaveTags replaces them (checked as a create checks
    them); ListProjectTags answers every key of the project's firewalls with its distinct values,
    keys in order, paged; another project's tags never show."""
    runtime, _, client = api
    first, _ = running(runtime, client, tags=[{"key": "team", "value": "qa"}])
    second, _ = running(runtime, client, name="fw-2", tags=[{"key": "team", "value": "ops"}])
    url = f"/v2/{P}/cfw-cfw/{first}/tags"
    assert call(client, "GET", url).json == {"tags": [{"key": "team", "value": "qa"}], "sys_tags": []}
    saved = {"tags": [{"key": "env", "value": "dev"}, {"key": "app", "value": "web"}]}
    assert (reply := call(client, "PUT", f"{url}/save", saved)).status == 200, reply.body
    assert call(client, "GET", f"{url}?enterprise_project_id=0").json["tags"] == saved["tags"]
    assert json.loads(record(client, first)["tags"]) == {"env": "dev", "app": "web"}
    twice = {"tags": [{"key": "k", "value": "1"}, {"key": "k", "value": "2"}]}
    assert_error(call(client, "PUT", f"{url}/save", twice), 400, "CFW.00200001", "tags")
    bad = {"tags": [{"key": "opencfw:nonsense", "value": "1"}]}
    assert_error(call(client, "PUT", f"{url}/save", bad), 400, "CFW.00200001", "opencfw:nonsense")
    assert call(client, "GET", url).json["tags"] == saved["tags"]  # nothing changed
    call(client, "PUT", f"/v2/{P}/cfw-cfw/{second}/tags/save", {"tags": [{"key": "env", "value": "prod"}]})
    every = [{"key": "app", "value": ["web"]}, {"key": "env", "value": ["dev", "prod"]}]
    assert call(client, "GET", f"/v2/{P}/cfw-cfw/tags").json == {"tags": every}
    assert call(client, "GET", f"/v2/{P}/cfw-cfw/tags?offset=1&limit=1").json == {"tags": every[1:]}
    assert call(client, "GET", f"/v2/{P}/cfw-cfw/tags?offset=2&limit=1").json == {"tags": []}
    assert_error(call(client, "GET", f"/v2/{P}/cfw-cfw/tags?limit=0"), 400, "CFW.00200001", "limit")
    token = other_project(runtime, client)
    assert call(client, "GET", f"/v2/{OTHER}/cfw-cfw/tags", token=token).json == {"tags": []}
    assert call(client, "PUT", f"{url}/save", {"tags": None}).status == 200
    assert call(client, "GET", url).json["tags"] == []


# -- a deleted firewall, authentication


def test_deleted_firewall_owns_nothing(api):
    """Once deleted, a firewall's objects, east-west protection and tags answer 400 CFW.00200005."""
    runtime, _, client = api
    firewall_id, obj = running(runtime, client)
    vpc_object = call(
        client, "POST", f"/v1/{P}/firewall/east-west?fw_instance_id={firewall_id}", EAST_WEST
    ).json["data"]["id"]
    assert call(client, "DELETE", f"/v2/{P}/firewall/{firewall_id}").status == 200
    while runtime.worker.run_once():
        pass
    for method, url, body in [
        (
            "GET",
            f"/v1/{P}/firewall/exist?offset=0&limit=10&service_type=0&fw_instance_id={firewall_id}",
            None,
        ),
        ("GET", f"/v1/{P}/ips/protect?object_id={obj}", None),
        ("POST", f"/v1/{P}/ips/protect", {"object_id": obj, "mode": 1}),
        ("GET", f"/v1/{P}/ips/switch?object_id={obj}", None),
        ("GET", f"/v1/{P}/firewall/east-west?offset=0&limit=10&fw_instance_id={firewall_id}", None),
        ("POST", f"/v1/{P}/firewall/east-west/protect", {"object_id": vpc_object, "status": 0}),
        ("POST", f"/v2/{P}/cfw-cfw/{firewall_id}/tags/create", {"tags": [{"key": "k", "value": "v"}]}),
        ("PUT", f"/v2/{P}/cfw-cfw/{firewall_id}/tags/save", {"tags": [{"key": "k", "value": "v"}]}),
        ("GET", f"/v2/{P}/cfw-cfw/{firewall_id}/tags", None),
    ]:
        assert_error(call(client, method, url, body), 400, "CFW.00200005")
    assert call(client, "GET", f"/v2/{P}/cfw-cfw/tags").json == {"tags": []}


@pytest.mark.parametrize("route", routes_terraform.ROUTES, ids=lambda r: f"{r.method} {r.template}")
def test_every_new_route_needs_authentication(api, route):
    """Without a credential each route answers 401 APIGW.0301; with a bad token too."""
    _, _, client = api
    url = route.template.replace("{project_id}", P).replace("{fw_instance_id}", UNKNOWN)
    assert_error(client.request(route.method, url, json_body={}), 401, "APIGW.0301")
    assert_error(call(client, route.method, url, {}, token="not-a-token"), 401, "APIGW.0301")


# -- signatures made the Go client's way


def go(client, method, url, body=None, project_id=P, sk=SK, **extra):
    raw = None if body is None else json.dumps(body).encode()
    headers = go_headers(method, url, ak=AK, sk=sk, sdk_date=SDK_DATE, project_id=project_id, body=raw)
    return client.request(method, url, headers={"host": "127.0.0.1:9449", **headers, **extra}, body=raw)


def test_go_client_signature_is_accepted(api):
    """SignedHeaders accept;[content-type;]user-agent;x-sdk-date, host and X-Project-Id unsigned: 200."""
    runtime, _, client = api
    firewall_id, obj = running(runtime, client)
    headers = go_headers("GET", "/x", ak=AK, sk=SK, sdk_date=SDK_DATE, project_id=P)
    assert "SignedHeaders=accept;user-agent;x-sdk-date," in headers["authorization"]
    assert "content-type" not in headers
    reply = go(client, "GET", f"/v1/{P}/ips/protect?object_id={obj}")
    assert (reply.status, reply.json) == (200, {"data": {"id": obj, "mode": 0}})
    reply = go(client, "POST", f"/v1/{P}/ips/protect", {"object_id": obj, "mode": 3})
    assert reply.status == 200, reply.body
    reply = go(
        client, "DELETE", f"/v2/{P}/cfw-cfw/{firewall_id}/tags/delete", {"tags": [{"key": "k", "value": "v"}]}
    )
    assert reply.status == 200, reply.body
    # unsigned headers may change on the way (a proxy rewriting Host), signed ones may not
    assert go(client, "GET", f"/v1/{P}/ips/protect?object_id={obj}", host="elsewhere:1").status == 200
    tampered = go(client, "GET", f"/v1/{P}/ips/protect?object_id={obj}", **{"user-agent": "other"})
    assert_error(tampered, 401, "APIGW.0301")
    assert_error(go(client, "GET", f"/v1/{P}/ips/protect?object_id={obj}", sk=SK + "x"), 401, "APIGW.0301")
    # the unsigned X-Project-Id must still agree with the path
    assert_error(
        go(client, "GET", f"/v1/{P}/ips/protect?object_id={obj}", project_id=OTHER), 403, "APIGW.0302"
    )


def test_go_client_signed_body_is_checked(api):
    """The body hash is part of the signature: another body under the same signature is refused."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    url = f"/v1/{P}/ips/protect"
    raw = json.dumps({"object_id": obj, "mode": 1}).encode()
    headers = go_headers("POST", url, ak=AK, sk=SK, sdk_date=SDK_DATE, project_id=P, body=raw)
    assert "SignedHeaders=accept;content-type;user-agent;x-sdk-date," in headers["authorization"]
    forged = json.dumps({"object_id": obj, "mode": 2}).encode()
    assert_error(client.request("POST", url, headers=headers, body=forged), 401, "APIGW.0301")
    assert client.request("POST", url, headers=headers, body=raw).status == 200
