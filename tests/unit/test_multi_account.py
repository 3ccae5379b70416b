"""Multi-account over HTTP in-process, on both stores: the caller's account is the organisation,
its projects the member accounts; adding and removing accounts, all or none."""

from __future__ import annotations

from tests.unit import test_api
from tests.unit.test_api import OTHER, P, assert_error, call
from tests.unit.test_api_protection import other_project, running

env = test_api.env
api = test_api.api
M = f"/v1/{P}/system/multi-account"


def test_the_tree_is_the_account_and_its_projects(api):
    """The root is the domain; each project is an account under it; `delegated` follows adds and
    removes; list_accounts answers the protected ones."""
    runtime, _, client = api
    fw, _ = running(runtime, client)
    other_project(runtime, client)
    domain = runtime.store.get_domain_by_name("opencfw")
    enabled = call(client, "POST", f"{M}/enable?fw_instance_id={fw}")
    assert enabled.json == {"data": {"id": domain.id, "name": "opencfw", "trust_service_status": 1}}
    tree = call(client, "GET", f"{M}/organization-tree?fw_instance_id={fw}").json
    assert tree["total"] == 3 and "marker" not in tree
    root, *accounts = tree["data"]
    assert (root["id"], root["org_type"]) == (domain.id, "root")
    assert {a["id"] for a in accounts} == {P, OTHER} and all(a["parent_id"] == domain.id for a in accounts)
    assert not any(a["delegated"] for a in accounts)
    added = call(client, "POST", f"{M}/accounts?fw_instance_id={fw}", {"accounts": [{"account_id": OTHER}]})
    assert added.status == 200, added.body
    listed = call(client, "GET", f"{M}/accounts?fw_instance_id={fw}&limit=10&offset=0").json["data"]
    assert listed["total"] == 1
    record = listed["records"][0]
    assert (record["account_id"], record["project_id"], record["organization_id"]) == (
        OTHER,
        OTHER,
        domain.id,
    )
    under = call(client, "GET", f"{M}/organization-accounts?fw_instance_id={fw}&parent_id={domain.id}").json
    assert {a["id"]: a["delegated"] for a in under["data"]} == {P: False, OTHER: True}
    page = call(client, "GET", f"{M}/organization-tree?fw_instance_id={fw}&limit=2").json
    assert len(page["data"]) == 2 and page["marker"] == page["data"][-1]["id"]
    rest = call(
        client, "GET", f"{M}/organization-tree?fw_instance_id={fw}&limit=2&marker={page['marker']}"
    ).json
    assert len(rest["data"]) == 1 and "marker" not in rest
    removed = call(
        client, "POST", f"{M}/batch-delete?fw_instance_id={fw}", {"accounts": [{"account_id": OTHER}]}
    )
    assert removed.status == 200
    assert (
        call(client, "GET", f"{M}/accounts?fw_instance_id={fw}&limit=10&offset=0").json["data"]["total"] == 0
    )


def test_unknown_accounts_change_nothing(api):
    """An account outside the organisation, or removing one not added, is CFW.00200005 and the
    others of the call are not added or removed either; bad bodies are CFW.00200001."""
    runtime, _, client = api
    fw, _ = running(runtime, client)
    unknown = "f588ce71e26c400d8981f854355f6849"
    bad = call(
        client,
        "POST",
        f"{M}/accounts?fw_instance_id={fw}",
        {"accounts": [{"account_id": P}, {"account_id": unknown}]},
    )
    assert_error(bad, 400, "CFW.00200005")
    assert (
        call(client, "GET", f"{M}/accounts?fw_instance_id={fw}&limit=10&offset=0").json["data"]["total"] == 0
    )
    assert_error(
        call(client, "POST", f"{M}/batch-delete?fw_instance_id={fw}", {"accounts": [{"account_id": P}]}),
        400,
        "CFW.00200005",
    )
    assert_error(
        call(client, "POST", f"{M}/accounts?fw_instance_id={fw}", {"accounts": []}), 400, "CFW.00200001"
    )
    assert_error(
        call(client, "GET", f"{M}/organization-tree?fw_instance_id={fw}&parent_id={unknown}"),
        400,
        "CFW.00200005",
    )
    assert_error(call(client, "POST", f"{M}/enable?fw_instance_id={unknown}"), 400, "CFW.00200005")
