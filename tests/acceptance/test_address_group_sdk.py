"""Address groups and their members (served by declaration) through the official SDK, against a
real server process, the way the Terraform resources huaweicloud_cfw_address_group and
huaweicloud_cfw_address_group_member use them: add a group, read it by id, change it; add members
many at once, find them by scanning the group's list, delete one; delete the group with the rest."""

from __future__ import annotations

import pytest
from huaweicloudsdkcfw.v1 import (
    AddAddressItemRequest,
    AddAddressItemsInfoDto,
    AddAddressItemsInfoDtoAddressItems,
    AddAddressSetDto,
    AddAddressSetRequest,
    DeleteAddressItemRequest,
    DeleteAddressSetRequest,
    ListAddressItemsRequest,
    ListAddressSetDetailRequest,
    ListAddressSetsRequest,
    UpdateAddressSetDto,
    UpdateAddressSetRequest,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from tests.acceptance import sdk


def test_address_groups_through_the_sdk(server):
    """Every address-group operation answers what the SDK's models say, and the documented errors
    for a duplicate name, a duplicate member, and what is gone."""
    cfw = sdk.client(server.url)
    firewall_id = cfw.create_firewall(sdk.create_request("groups")).job_id
    assert sdk.wait_job(cfw, firewall_id) == "Success"
    obj = sdk.detail(cfw, firewall_id).data.records[0].protect_objects[0].object_id

    def fails(call, code: str) -> None:
        with pytest.raises(ClientRequestException) as err:
            call()
        assert (err.value.status_code, err.value.error_code) == (400, code)

    body = AddAddressSetDto(object_id=obj, name="web", description="front", address_type=0)
    added = cfw.add_address_set(AddAddressSetRequest(body=body)).data
    assert added.name == "web" and added.id
    fails(lambda: cfw.add_address_set(AddAddressSetRequest(body=body)), "CFW.00200007")

    detail = cfw.list_address_set_detail(ListAddressSetDetailRequest(set_id=added.id)).data
    assert (detail.id, detail.name, detail.description, detail.address_type, detail.address_set_type) == (
        added.id,
        "web",
        "front",
        0,
        0,
    )
    change = UpdateAddressSetDto(name="web-2", description="moved")
    changed = cfw.update_address_set(UpdateAddressSetRequest(set_id=added.id, body=change)).data
    assert (changed.id, changed.name) == (added.id, "web-2")
    found = cfw.list_address_sets(
        ListAddressSetsRequest(object_id=obj, key_word="WEB", limit=10, offset=0)
    ).data
    assert found.total == 1
    record = found.records[0]
    assert (record.set_id, record.name, record.ref_count, record.object_id) == (added.id, "web-2", 0, obj)

    addresses = ["10.0.0.1", "10.1.0.0/16", "10.2.0.1-10.2.0.9", "2001:db8::/32"]
    items = [AddAddressItemsInfoDtoAddressItems(address=a, description="m") for a in addresses]
    body_items = AddAddressItemsInfoDto(set_id=added.id, address_items=items)
    made = cfw.add_address_item(AddAddressItemRequest(body=body_items)).data
    assert len(made.items) == 4 and all(item.id for item in made.items)
    again = [AddAddressItemsInfoDtoAddressItems(address="10.0.0.1")]
    again_body = AddAddressItemsInfoDto(set_id=added.id, address_items=again)
    fails(lambda: cfw.add_address_item(AddAddressItemRequest(body=again_body)), "CFW.00400004")

    def members(offset: int = 0, limit: int = 10, **filters):
        request = ListAddressItemsRequest(set_id=added.id, limit=limit, offset=offset, **filters)
        return cfw.list_address_items(request).data

    page = members()
    assert (page.total, page.set_id) == (4, added.id)
    assert sorted(r.address for r in page.records) == sorted(addresses)
    assert {r.address: r.address_type for r in page.records}["2001:db8::/32"] == 1
    assert members(offset=4).records == [] and members(offset=4).total == 4
    first = made.items[0].id
    assert [r.item_id for r in members(address="10.0.0.1").records] == [first]

    gone = cfw.delete_address_item(DeleteAddressItemRequest(item_id=first)).data
    assert (gone.id, gone.name) == (first, "10.0.0.1")
    fails(lambda: cfw.delete_address_item(DeleteAddressItemRequest(item_id=first)), "CFW.00200005")
    assert members().total == 3

    deleted = cfw.delete_address_set(DeleteAddressSetRequest(set_id=added.id)).data
    assert (deleted.id, deleted.name) == (added.id, "web-2")
    fails(lambda: cfw.list_address_set_detail(ListAddressSetDetailRequest(set_id=added.id)), "CFW.00200005")
    fails(members, "CFW.00200005")
    other = made.items[1].id
    fails(lambda: cfw.delete_address_item(DeleteAddressItemRequest(item_id=other)), "CFW.00200005")
