"""The predefined address and service groups, ListAddressSets' ``address`` filter and the
Internet-border-only rule of AddAddressSet, over HTTP on both stores."""

from __future__ import annotations

from importlib import resources

from opencfw.resources import predefined
from tests.unit import test_api
from tests.unit.test_api import P, assert_error, call
from tests.unit.test_api_protection import EAST_WEST, running

env = test_api.env
api = test_api.api

ADDRESS_SETS = f"/v1/{P}/address-sets"
SERVICE_SETS = f"/v1/{P}/service-sets"


def listed(client, url: str) -> list[dict]:
    reply = call(client, "GET", url)
    assert reply.status == 200, reply.body
    return list(reply.json["data"]["records"])


def test_every_firewall_starts_with_the_predefined_groups(api):
    """A new firewall's Internet-border object lists the predefined groups with
    query_*_set_type=1 (and only then); the service groups hold their services; each firewall
    has its own, with ids made from its object."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    _, other = running(runtime, client, name="fw-2")
    records = listed(client, f"{ADDRESS_SETS}?object_id={obj}&offset=0&limit=10&query_address_set_type=1")
    assert [(r["set_id"], r["name"], r["address_set_type"], r["ref_count"]) for r in records] == [
        (f"{obj}-{suffix}", name, kind, 0) for suffix, name, kind in sorted(predefined.ADDRESS_SETS)
    ]
    assert listed(client, f"{ADDRESS_SETS}?object_id={obj}&offset=0&limit=10") == []
    nat64 = listed(
        client,
        f"{ADDRESS_SETS}?object_id={obj}&offset=0&limit=10&query_address_set_type=1&address_set_type=3",
    )
    assert [r["name"] for r in nat64] == ["NAT64"]
    services = listed(client, f"{SERVICE_SETS}?object_id={obj}&offset=0&limit=10&query_service_set_type=1")
    # rows of one creation list in id order
    assert [(r["name"], r["service_set_type"], r["protocols"]) for r in services] == [
        ("Database", 1, [6]),
        ("Remote-login-and-ping", 1, [1, 6]),
        ("Web", 1, [6]),
    ]
    web = services[2]["set_id"]
    items = listed(client, f"/v1/{P}/service-items?set_id={web}&offset=0&limit=10")
    assert [(i["protocol"], i["dest_port"]) for i in items] == [(6, "80"), (6, "443"), (6, "8080")]
    assert call(client, "GET", f"{SERVICE_SETS}/{web}").json["data"]["service_set_type"] == 1
    other_ids = [
        r["set_id"]
        for r in listed(
            client, f"{ADDRESS_SETS}?object_id={other}&offset=0&limit=10&query_address_set_type=1"
        )
    ]
    assert other_ids == [f"{other}-nat64", f"{other}-waf"]


def test_predefined_groups_are_read_only(api):
    """Changing or deleting a predefined group, or adding to or deleting from its members, is
    CFW.00200010 and changes nothing; they count in no quota of user-defined groups."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    waf, web = f"{obj}-waf", f"{obj}-web"
    for method, url, body in (
        ("PUT", f"{ADDRESS_SETS}/{waf}", {"name": "mine"}),
        ("DELETE", f"{ADDRESS_SETS}/{waf}", None),
        ("POST", f"/v1/{P}/address-sets/batch-delete", {"object_id": obj, "set_ids": [waf]}),
        ("POST", f"/v1/{P}/address-items", {"set_id": waf, "address_items": [{"address": "1.1.1.1"}]}),
        ("PUT", f"{SERVICE_SETS}/{web}", {"name": "mine"}),
        ("DELETE", f"{SERVICE_SETS}/{web}", None),
        ("POST", f"/v1/{P}/service-items", {"set_id": web, "service_items": [{"protocol": 1}]}),
        ("DELETE", f"/v1/{P}/service-items/{web}-1", None),
        ("DELETE", f"/v1/{P}/service-items", {"set_id": web, "service_item_ids": [f"{web}-1"]}),
    ):
        assert_error(call(client, method, url, body), 400, "CFW.00200010", "predefined")
    assert call(client, "GET", f"{ADDRESS_SETS}/{waf}").json["data"]["name"] == "WAF-back-to-source"
    assert len(listed(client, f"/v1/{P}/service-items?set_id={web}&offset=0&limit=10")) == 3
    # the user's first group is the first of the quota: the predefined ones count in none
    repo = runtime.resources["address_set"].repo
    with repo.db.read() as conn:
        sql = repo._count_sql(("firewall_id", "predefined"))
        row = conn.execute(f"SELECT firewall_id FROM address_sets WHERE id = {repo.db.sql('value')}", (waf,))
        firewall_id = row.fetchone()[0]
        assert conn.execute(sql, (P, firewall_id, 0)).fetchone()[0] == 0


def test_the_address_filter_finds_the_groups_holding_an_address(api):
    """ListAddressSets' ``address`` lists the groups with a member of that address or of that IP
    part (``10.0.0.0`` finds a group holding ``10.0.0.0/24``)."""
    runtime, clock, client = api
    _, obj = running(runtime, client)
    ids = []
    for name, addresses in (("a", ["10.0.0.0/24", "1.1.1.1"]), ("b", ["1.1.1.1"]), ("c", ["10.0.0.1"])):
        set_id = call(client, "POST", f"/v1/{P}/address-set", {"object_id": obj, "name": name}).json["data"][
            "id"
        ]
        body = {"set_id": set_id, "address_items": [{"address": a} for a in addresses]}
        assert call(client, "POST", f"/v1/{P}/address-items", body).status == 200
        ids.append(set_id)
        clock.advance(0.001)

    def found(a):
        return [
            r["set_id"]
            for r in listed(client, f"{ADDRESS_SETS}?object_id={obj}&offset=0&limit=10&address={a}")
        ]

    assert found("1.1.1.1") == ids[:2]
    assert found("10.0.0.0") == found("10.0.0.0/24") == ids[:1]
    assert found("10.0.0.1") == ids[2:]
    assert found("9.9.9.9") == []
    reply = call(client, "GET", f"{ADDRESS_SETS}?object_id={obj}&offset=0&limit=1&address=1.1.1.1")
    assert reply.json["data"]["total"] == 2


def test_address_groups_only_on_the_internet_border(api):
    """AddAddressSet on a VPC-border object (type 1) is 400 and adds nothing; service groups and
    the listing of that object are not concerned."""
    runtime, _, client = api
    firewall_id, _ = running(runtime, client)
    reply = call(client, "POST", f"/v1/{P}/firewall/east-west?fw_instance_id={firewall_id}", EAST_WEST)
    vpc = reply.json["data"]["id"]
    reply = call(client, "POST", f"/v1/{P}/address-set", {"object_id": vpc, "name": "inner"})
    assert_error(reply, 400, "CFW.00200001", "Internet-border")
    assert listed(client, f"{ADDRESS_SETS}?object_id={vpc}&offset=0&limit=10") == []
    assert call(client, "POST", f"/v1/{P}/service-set", {"object_id": vpc, "name": "inner"}).status == 200


def test_the_migration_gives_older_firewalls_the_predefined_groups(api):
    """The migration's seed statements, run for a firewall without predefined groups, store the
    very rows a new firewall gets."""
    runtime, _, client = api
    running(runtime, client)
    tables = ("address_sets", "service_sets", "service_items")
    store = runtime.store

    def rows() -> dict[str, list[tuple]]:
        with store._read() as conn:
            return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall()) for t in tables}

    made = rows()
    assert all(made.values())
    text = (resources.files("opencfw.store") / "sql" / store.dialect / "0052_domain_sets.sql").read_text(
        "utf-8"
    )
    seeds = [s[s.index("INSERT") :] for s in text.split(";") if "INSERT INTO" in s]
    assert len(seeds) == len(predefined.ADDRESS_SETS) + sum(1 + len(x[3]) for x in predefined.SERVICE_SETS)
    with store._write() as conn:
        for table in tables:
            conn.execute(f"DELETE FROM {table}")
        for statement in seeds:
            conn.execute(statement)
    assert rows() == made
