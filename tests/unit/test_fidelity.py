"""Where opencfw follows the real service's documents and SDK models rather than a guess
(docs/api-notes.md): tag filters, names, wrong methods, the pay-per-use flavour, reserved tags."""

from __future__ import annotations

import pytest

from tests.unit import test_api, test_tasks
from tests.unit.test_api import CREATE, P, assert_error, call, create, detail

env = test_api.env
api = test_api.api
tasks = test_tasks.tasks


def _list(client, **body):
    reply = call(client, "POST", f"/v1/{P}/firewalls/list", {"limit": 10, "offset": 0, **body})
    assert reply.status == 200, reply.body
    return reply.json["data"]


# -- ListFirewallList tag filters ---------------------------------------------------------------


def test_tag_filter_in_the_documented_form(api):
    """`{key, values: [...]}` (SDK TagInfo, what the SDK sends) matches a firewall whose tag has
    one of the values; filters are and-ed; a key alone matches any value."""
    _, _, client = api
    ci = create(client, name="ci", tags=[{"key": "env", "value": "ci"}, {"key": "team", "value": "qa"}])
    prod = create(client, name="prod", tags=[{"key": "env", "value": "prod"}])
    create(client, name="bare")

    def ids(tags):
        return sorted(r["fw_instance_id"] for r in _list(client, tags=tags)["records"])

    assert ids([{"key": "env", "values": ["ci"]}]) == [ci]
    assert ids([{"key": "env", "values": ["ci", "prod"]}]) == sorted([ci, prod])
    assert ids([{"key": "env", "values": ["ci", "prod"]}, {"key": "team", "values": ["qa"]}]) == [ci]
    assert ids([{"key": "env", "values": []}]) == sorted([ci, prod])
    assert ids([{"key": "env"}]) == sorted([ci, prod])
    assert ids([{"key": "env", "values": ["staging"]}]) == []
    assert _list(client, tags=[{"key": "env", "values": ["ci", "prod"]}])["total"] == 2


def test_tag_filter_with_a_single_value_still_works(api):
    """The `{key, value}` form keeps working, alone or beside `values`."""
    _, _, client = api
    ci = create(client, name="ci", tags=[{"key": "env", "value": "ci"}])
    prod = create(client, name="prod", tags=[{"key": "env", "value": "prod"}])
    assert [r["fw_instance_id"] for r in _list(client, tags=[{"key": "env", "value": "ci"}])["records"]] == [
        ci
    ]
    both = _list(client, tags=[{"key": "env", "value": "ci", "values": ["prod"]}])
    assert sorted(r["fw_instance_id"] for r in both["records"]) == sorted([ci, prod])


def test_tag_filter_bad_values_are_400(api):
    """A tag filter whose values are not strings is a 400 naming the field."""
    _, _, client = api
    reply = call(
        client,
        "POST",
        f"/v1/{P}/firewalls/list",
        {"limit": 1, "offset": 0, "tags": [{"key": "k", "values": [1]}]},
    )
    assert_error(reply, 400, "CFW.00200001", "values")


# -- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["防火墙", "防火墙-prod_1", "a" * 48, "墙" * 48])
def test_chinese_and_english_names_on_create_and_rename(api, name):
    """Chinese and English letters, digits, `_` and `-`, 1-48 characters, on create and rename."""
    _, _, client = api
    fw_id = create(client, name=name)
    assert detail(client, fw_id).json["data"]["records"][0]["fw_instance_name"] == name
    renamed = call(
        client, "PUT", f"/v1/{P}/firewall/name?fw_instance_id={fw_id}", {"fw_instance_name": name[::-1]}
    )
    assert renamed.status == 200, renamed.body
    assert detail(client, fw_id).json["data"]["records"][0]["fw_instance_name"] == name[::-1]


@pytest.mark.parametrize("name", ["", "a b", "墙" * 49, "fw!", "ファイア", "fw\n", "\uff46\uff57"])
def test_bad_names_are_400_without_a_regular_expression(api, name):
    """Other names are a 400 that names the field and states the rule in words, never a regex."""
    _, _, client = api
    for reply, field in (
        (call(client, "POST", f"/v2/{P}/firewall", {**CREATE, "name": name}), "name"),
        (
            call(
                client,
                "PUT",
                f"/v1/{P}/firewall/name?fw_instance_id={create(client, name='x' + str(len(name)))}",
                {"fw_instance_name": name},
            ),
            "fw_instance_name",
        ),
    ):
        assert_error(reply, 400, "CFW.00200001", f"`{field}`")
        message = reply.json["error_msg"]
        assert not any(mark in message for mark in ("regex", "\\Z", "[A-Za-z", "^[", "{1,48}")), message


# -- the pay-per-use flavour --------------------------------------------------------------------


def test_pay_per_use_is_professional_with_its_defaults(api):
    """A pay-per-use firewall reports the Professional pay-per-use defaults: eip 1000, bandwidth
    200, vpc 5; extend_* are accepted (yearly/monthly only) but change nothing."""
    runtime, _, client = api
    fw_id = create(client, flavor={"version": "Professional", "extend_eip_count": 10, "extend_vpc_count": 1})
    runtime.worker.run_once()
    flavor = detail(client, fw_id).json["data"]["records"][0]["flavor"]
    assert flavor == {
        "version": 1,
        "eip_count": 1000,
        "vpc_count": 5,
        "bandwidth": 200,
        "log_storage": 0,
        "default_eip_count": 1000,
        "default_vpc_count": 5,
        "default_bandwidth": 200,
        "default_log_storage": 0,
    }


@pytest.mark.parametrize("version", ["Standard", "standard"])
def test_pay_per_use_standard_is_refused(api, version):
    """postPaid with the Standard edition is a 400 CFW.00200001 saying pay-per-use is Professional
    only, and creates nothing."""
    _, _, client = api
    reply = call(client, "POST", f"/v2/{P}/firewall", {**CREATE, "flavor": {"version": version}})
    assert_error(reply, 400, "CFW.00200001", "Professional only")
    assert _list(client)["total"] == 0


def test_create_echo_adds_no_extend_fields(api):
    """The create answer echoes the flavor as sent: no extend_* the client did not send."""
    _, _, client = api
    reply = call(client, "POST", f"/v2/{P}/firewall", CREATE)
    assert reply.json["data"]["flavor"] == {"version": "Professional"}


# -- reserved tags: one check on every path that writes tags --------------------------------------


@pytest.mark.parametrize(
    "tag",
    [
        {"key": "opencfw:bogus", "value": "x"},
        {"key": "opencfw:duration", "value": "soon"},
        {"key": "opencfw:outcome", "value": "maybe"},
        {"key": "opencfw:fail-at", "value": "nowhere"},
        {"key": "opencfw:delete-outcome", "value": "later"},
    ],
)
def test_tags_create_checks_reserved_tags_like_create(api, tag):
    """tags/create refuses a bad reserved tag with the create's 400; the firewall keeps its tags
    and can still be deleted."""
    runtime, _, client = api
    fw_id = create(client)
    runtime.worker.run_once()
    reply = call(client, "POST", f"/v2/{P}/cfw-cfw/{fw_id}/tags/create", {"tags": [tag]})
    assert_error(reply, 400, "CFW.00200001", tag["key"])
    assert detail(client, fw_id).json["data"]["records"][0]["tags"] == "{}"
    assert call(client, "DELETE", f"/v2/{P}/firewall/{fw_id}").status == 200


def test_tags_create_checks_the_merged_set(api):
    """A reserved tag that contradicts one the firewall already has is refused."""
    runtime, _, client = api
    fw_id = create(client, tags=[{"key": "opencfw:outcome", "value": "success"}])
    runtime.worker.run_once()
    reply = call(
        client,
        "POST",
        f"/v2/{P}/cfw-cfw/{fw_id}/tags/create",
        {"tags": [{"key": "opencfw:fail-at", "value": "configure"}]},
    )
    assert_error(reply, 400, "CFW.00200001", "contradict")
    good = call(
        client,
        "POST",
        f"/v2/{P}/cfw-cfw/{fw_id}/tags/create",
        {"tags": [{"key": "opencfw:duration", "value": "2s"}]},
    )
    assert good.status == 200, good.body


def test_a_bad_reserved_tag_stored_earlier_never_blocks_a_delete(api):
    """A firewall holding a bad reserved tag written before every path checked them is deleted
    normally, and the tag can be removed."""
    runtime, clock, client = api
    fw_id = create(client)
    runtime.worker.run_once()
    from opencfw.domain.models import Tag

    runtime.store.change_firewall_tags(P, fw_id, lambda tags: [Tag("opencfw:bogus", "x")], clock.now_ms())
    removed = call(
        client, "DELETE", f"/v2/{P}/cfw-cfw/{fw_id}/tags/delete", {"tags": [{"key": "opencfw:bogus"}]}
    )
    assert removed.status == 200, removed.body
    runtime.store.change_firewall_tags(
        P, fw_id, lambda tags: [Tag("opencfw:duration", "soon")], clock.now_ms()
    )
    assert call(client, "DELETE", f"/v2/{P}/firewall/{fw_id}").status == 200


# -- "System busy": the documented 400, on request ---------------------------------------------------


def test_fault_can_answer_the_documented_system_busy(tasks):
    """A fault with `error_code` CFW.00100001 and status 400 answers as the real service's
    documented example does (400, "System busy"), so a client's handling of it can be tested;
    the store's own outage stays a 503 (docs/api-notes.md)."""
    from tests.unit.test_tasks import admin, documented

    _, _, client = tasks
    job_id = create(client)
    fault = admin(client, "POST", "/faults", {"status": 400, "error_code": "CFW.00100001", "count": 1})
    assert fault.status == 201 and fault.json["fault"]["error_code"] == "CFW.00100001"
    assert_error(documented(client, job_id), 400, "CFW.00100001", "^System busy")
    assert documented(client, job_id).status == 200
    for bad in (
        {"latency_ms": 5, "error_code": "CFW.00100001", "count": 1},
        {"status": 400, "error_code": "boom", "count": 1},
    ):
        assert_error(admin(client, "POST", "/faults", bad), 400, "CFW.00200001", "error_code")


def test_store_outage_is_503_system_busy(api, monkeypatch):
    """When the store cannot be used the answer is 503 CFW.00100001 "System busy" (the SDK raises
    ServerResponseException; opencfw job wait retries)."""
    from opencfw.domain.errors import StoreUnavailable

    runtime, _, client = api
    job_id = create(client)

    async def down(*args, **kwargs):
        raise StoreUnavailable("System busy. Try again later. (OperationalError)")

    monkeypatch.setattr(runtime.job_reads, "read_row", down)
    runtime.job_reads.answers.forget_all()
    assert_error(call(client, "GET", f"/v3/{P}/jobs/{job_id}"), 503, "CFW.00100001", "System busy")


def test_no_error_message_shows_a_regular_expression(api):
    """A field checked against a pattern (an IPS object id here) is refused in words."""
    _, _, client = api
    reply = call(client, "POST", f"/v1/{P}/ips/protect", {"object_id": "a b", "mode": 1})
    assert_error(reply, 400, "CFW.00200001", "object_id")
    message = reply.json["error_msg"]
    assert "regex" not in message and "\\Z" not in message and "1-64 letters" in message, message
