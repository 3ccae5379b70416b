"""The Terraform provider's calls for ``huaweicloud_cfw_domain_name_group`` and
``huaweicloud_cfw_black_white_list`` (huaweicloud/services/cfw, v1.97.1), replayed against a real
server on both stores and signed as its Go client signs: create, read by list scan, import by its
id formats, update, delete, and the read that finds the resource gone."""

from __future__ import annotations

from typing import Any

from tests.acceptance.test_terraform import GoClient, P, detail_path, wait_job


def _firewall(tf: GoClient) -> tuple[str, str]:
    body = {
        "name": "tf-policy",
        "flavor": {"version": "Professional"},
        "charge_info": {"charge_mode": "postPaid"},
    }
    job_id = tf.ok("POST", f"/v2/{P}/firewall", body)["job_id"]
    assert wait_job(tf, job_id) == "Success"
    record = tf.ok("GET", detail_path(job_id))["data"]["records"][0]
    return record["fw_instance_id"], record["protect_objects"][0]["object_id"]


def _gone(reply: tuple[int, Any]) -> bool:
    """ConvertExpected400ErrInto404Err: only 400 with CFW.00200005 means gone."""
    status, body = reply
    return status == 400 and body["error_code"] == "CFW.00200005"


# -- huaweicloud_cfw_domain_name_group


def read_domain_group(
    tf: GoClient, fw: str, obj: str, set_id: str, name: str | None
) -> dict[str, Any] | None:
    """resourceDomainNameGroupRead: the group by list scan (key_word = the name, when known), then its
    names; None when the scan does not find it."""
    query = f"?limit=1024&offset=0&fw_instance_id={fw}&object_id={obj}" + (
        f"&key_word={name}" if name else ""
    )
    records = tf.ok("GET", f"/v1/{P}/domain-sets{query}")["data"]["records"]
    found = next((r for r in records if r["set_id"] == set_id), None)
    if found is None:
        return None
    names = tf.ok("GET", f"/v1/{P}/domain-set/domains/{set_id}?limit=1024&offset=0&fw_instance_id={fw}")
    found["domain_names"] = [(d["domain_name"], d.get("description")) for d in names["data"]["records"]]
    found["ids"] = {d["domain_name"]: d["domain_address_id"] for d in names["data"]["records"]}
    return found


def test_domain_name_group_as_the_provider_drives_it(spawn):
    srv = spawn(provision_seconds="0.1")
    tf = GoClient(srv.port)
    fw, obj = _firewall(tf)
    body = {
        "fw_instance_id": fw,
        "object_id": obj,
        "name": "tf-domains",
        "domain_set_type": 0,
        "domain_names": [
            {"domain_name": "www.example.com", "description": "site"},
            {"domain_name": "api.example.com", "description": ""},
        ],
        "description": "created by terraform",
    }
    set_id = tf.ok("POST", f"/v1/{P}/domain-set?fw_instance_id={fw}", body)["data"]["id"]
    state = read_domain_group(tf, fw, obj, set_id, "tf-domains")
    assert state is not None
    assert (state["name"], state["description"], state["domain_set_type"], state["config_status"]) == (
        "tf-domains",
        "created by terraform",
        0,
        3,
    )
    assert state["domain_names"] == [("www.example.com", "site"), ("api.example.com", "")]  # no drift
    # import <fw_instance_id>/<object_id>/<id>: read without the name
    imported_fw, imported_obj, imported_id = f"{fw}/{obj}/{set_id}".split("/")
    assert read_domain_group(tf, imported_fw, imported_obj, imported_id, None) == state
    # update: name and description, then the names with the provider's placeholder sequence
    changed = {"name": "tf-domains-2", "description": "changed"}
    assert tf.ok("PUT", f"/v1/{P}/domain-set/{set_id}?fw_instance_id={fw}", changed)["data"]["id"] == set_id
    old, new = state["domain_names"], [("shop.example.com", "shop"), ("cdn.example.com", "")]
    names = f"/v1/{P}/domain-set/domains/{set_id}"
    ids = state["ids"]

    def remove(*domains: str) -> None:
        tf.ok("DELETE", names, {"object_id": obj, "domain_address_ids": [ids[d] for d in domains]})

    def add(*pairs: tuple[str, str]) -> None:
        body = {
            "fw_instance_id": fw,
            "object_id": obj,
            "domain_names": [{"domain_name": n, "description": d} for n, d in pairs],
        }
        tf.ok("POST", names, body)

    remove(*(n for n, _ in old[1:]))
    add(("placeholder.placeholder", ""))
    ids = read_domain_group(tf, fw, obj, set_id, None)["ids"]  # type: ignore[index]
    remove(old[0][0])
    add(new[0])
    remove("placeholder.placeholder")
    add(*new[1:])
    state = read_domain_group(tf, fw, obj, set_id, "tf-domains-2")
    assert state is not None and state["domain_names"] == new
    # delete, then the immediate re-read must not find it
    assert tf.ok("DELETE", f"/v1/{P}/domain-set/{set_id}?fw_instance_id={fw}")["data"]["id"] == set_id
    assert read_domain_group(tf, fw, obj, set_id, "tf-domains-2") is None
    assert _gone(tf("DELETE", f"/v1/{P}/domain-set/{set_id}?fw_instance_id={fw}"))


# -- huaweicloud_cfw_black_white_list


def read_entry(tf: GoClient, obj: str, list_type: int, address: str) -> dict[str, Any] | None:
    """resourceBlackWhiteListRead: exactly one record for the address without its mask, else gone."""
    query = f"?offset=0&limit=10&object_id={obj}&list_type={list_type}&address={address.split('/')[0]}"
    records = tf.ok("GET", f"/v1/{P}/black-white-lists{query}")["data"]["records"]
    return records[0] if len(records) == 1 else None


def test_black_white_list_as_the_provider_drives_it(spawn):
    srv = spawn(provision_seconds="0.1")
    tf = GoClient(srv.port)
    _, obj = _firewall(tf)
    body = {
        "object_id": obj,
        "list_type": 4,
        "direction": 0,
        "protocol": 6,
        "port": "443",
        "address_type": 0,
        "address": "2.2.2.0/24",
        "description": "tf",
    }
    entry_id = tf.ok("POST", f"/v1/{P}/black-white-list", body)["data"]["id"]
    # a neighbour with the same IP in the other list does not disturb the scan
    tf.ok("POST", f"/v1/{P}/black-white-list", {**body, "list_type": 5, "address": "2.2.2.0/25"})
    state = read_entry(tf, obj, 4, "2.2.2.0/24")
    assert state is not None and state["list_id"] == entry_id
    assert (state["address"], state["port"], state["protocol"], state["direction"]) == (
        "2.2.2.0/24",
        "443",
        6,
        0,
    )
    # import <object_id>/<list_type>/<address>
    imported_obj, imported_type, imported_address = f"{obj}/4/2.2.2.0".split("/")
    assert read_entry(tf, imported_obj, int(imported_type), imported_address) == state
    update = {**body, "port": "8443", "description": "changed"}
    del update["object_id"]
    assert tf.ok("PUT", f"/v1/{P}/black-white-list/{entry_id}", update)["data"]["id"] == entry_id
    state = read_entry(tf, obj, 4, "2.2.2.0/24")
    assert state is not None and (state["port"], state["description"]) == ("8443", "changed")
    assert tf.ok("DELETE", f"/v1/{P}/black-white-list/{entry_id}")["data"]["id"] == entry_id
    assert read_entry(tf, obj, 4, "2.2.2.0/24") is None
    assert _gone(tf("DELETE", f"/v1/{P}/black-white-list/{entry_id}"))
