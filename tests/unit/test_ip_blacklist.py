"""The IP blacklist of threat intelligence over HTTP in-process, on both stores: an import runs as a
task on the server's clock, ends done or failed, can be retried, exported and deleted; the switch."""

from __future__ import annotations

from tests.unit import test_api
from tests.unit.test_api import OTHER, P, assert_error, call
from tests.unit.test_api_protection import other_project, running

env = test_api.env
api = test_api.api
UNKNOWN = "f588ce71-e26c-400d-8981-f854355f6849"


def _url(path: str, firewall_id: str, **query: str) -> str:
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    return f"/v1/{P}/ptf/ip-blacklist{path}?fw_instance_id={firewall_id}{extra}"


def _records(client, firewall_id: str) -> list[dict]:
    reply = call(client, "GET", _url("", firewall_id, limit="10", offset="0"))
    assert reply.status == 200, reply.body
    return reply.json["data"]["records"]


def test_an_import_is_importing_then_done(api):
    """Right after the import the list says 2 (importing); two seconds later 1 (done), per scope."""
    runtime, clock, client = api
    fw, _ = running(runtime, client)
    body = {"add_type": 0, "ip_blacklist": "1.1.1.1, 2.2.2.0/24;3.3.3.3", "effect_scope": [1, 2]}
    reply = call(client, "POST", _url("/import", fw), body)
    assert reply.status == 200 and reply.json == {"data": fw}
    records = _records(client, fw)
    assert [(r["effect_scope"], r["import_status"]) for r in records] == [([1], 2), ([2], 2)]
    clock.advance(2)
    assert [r["import_status"] for r in _records(client, fw)] == [1, 1]
    exported = call(client, "POST", _url("/export", fw, name=records[0]["name"]))
    assert exported.status == 200 and exported.body == b"1.1.1.1\n2.2.2.0/24\n3.3.3.3\n"


def test_incremental_and_full_imports(api):
    """add_type 0 adds to the list, 1 replaces it; an import while one runs is CFW.00900016."""
    runtime, clock, client = api
    fw, _ = running(runtime, client)
    call(client, "POST", _url("/import", fw), {"add_type": 0, "ip_blacklist": "1.1.1.1", "effect_scope": [1]})
    again = call(
        client, "POST", _url("/import", fw), {"add_type": 0, "ip_blacklist": "9.9.9.9", "effect_scope": [1]}
    )
    assert_error(again, 400, "CFW.00900016")
    clock.advance(2)
    call(client, "POST", _url("/import", fw), {"add_type": 0, "ip_blacklist": "4.4.4.4", "effect_scope": [1]})
    name = _records(client, fw)[0]["name"]
    assert call(client, "POST", _url("/export", fw, name=name)).body == b"1.1.1.1\n4.4.4.4\n"
    clock.advance(2)
    call(client, "POST", _url("/import", fw), {"add_type": 1, "ip_blacklist": "5.5.5.5", "effect_scope": [1]})
    assert call(client, "POST", _url("/export", fw, name=name)).body == b"5.5.5.5\n"


def test_a_bad_address_fails_the_import_and_a_retry_runs_it_again(api):
    """An address that is not one ends the import failed with a message; retry restarts it; retrying
    one that has not failed is CFW.00400002."""
    runtime, clock, client = api
    fw, _ = running(runtime, client)
    call(
        client,
        "POST",
        _url("/import", fw),
        {"add_type": 0, "ip_blacklist": "1.1.1.1 nonsense", "effect_scope": [2]},
    )
    clock.advance(2)
    (record,) = _records(client, fw)
    assert record["import_status"] == 0 and "nonsense" in record["error_message"]
    assert call(client, "POST", _url("/retry", fw, name=record["name"])).status == 200
    assert _records(client, fw)[0]["import_status"] == 2
    clock.advance(2)
    assert _records(client, fw)[0]["import_status"] == 0
    call(client, "POST", _url("/import", fw), {"add_type": 1, "ip_blacklist": "1.1.1.1", "effect_scope": [2]})
    clock.advance(2)
    assert_error(call(client, "POST", _url("/retry", fw, name=record["name"])), 400, "CFW.00400002")
    assert_error(call(client, "POST", _url("/retry", fw, name="nothing.txt")), 400, "CFW.00200005")


def test_delete_by_scope_and_the_switch(api):
    """Deleting a scope removes its list only; the switch reads 0 until turned on."""
    runtime, _, client = api
    fw, _ = running(runtime, client)
    call(
        client,
        "POST",
        _url("/import", fw),
        {"add_type": 0, "ip_blacklist": "1.1.1.1", "effect_scope": [1, 2]},
    )
    assert call(client, "DELETE", _url("", fw), {"effect_scope": [1]}).status == 200
    assert [r["effect_scope"] for r in _records(client, fw)] == [[2]]
    assert call(client, "GET", _url("/switch", fw)).json == {"data": {"status": 0}}
    assert call(client, "POST", _url("/switch", fw), {"status": 1}).json == {"data": fw}
    assert call(client, "GET", _url("/switch", fw)).json == {"data": {"status": 1}}


def test_bad_input_unknown_and_foreign_firewalls(api):
    """Bad bodies are 400 CFW.00200001 and change nothing; an unknown firewall or another
    project's is CFW.00200005."""
    runtime, _, client = api
    fw, _ = running(runtime, client)
    for body in (
        {"add_type": 2, "ip_blacklist": "1.1.1.1", "effect_scope": [1]},
        {"add_type": 0, "ip_blacklist": "", "effect_scope": [1]},
        {"add_type": 0, "ip_blacklist": " ,; ", "effect_scope": [1]},
        {"add_type": 0, "ip_blacklist": "1.1.1.1", "effect_scope": [3]},
        {"add_type": 0, "ip_blacklist": "1.1.1.1", "effect_scope": []},
    ):
        assert_error(call(client, "POST", _url("/import", fw), body), 400, "CFW.00200001")
    assert _records(client, fw) == []
    assert_error(call(client, "GET", f"/v1/{P}/ptf/ip-blacklist/switch"), 400, "CFW.00200001")
    assert_error(call(client, "GET", _url("/switch", UNKNOWN)), 400, "CFW.00200005")
    token = other_project(runtime, client)
    foreign = call(client, "GET", _url("/switch", fw).replace(P, OTHER), token=token)
    assert_error(foreign, 400, "CFW.00200005")
