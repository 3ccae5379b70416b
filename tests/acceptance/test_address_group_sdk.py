"""Address and service groups and their members (served by declaration) through the official SDK,
against a real server process, the way the Terraform resources huaweicloud_cfw_address_group(_member)
and huaweicloud_cfw_service_group(_member) use them: add a group, read it by id, change it; add
members many at once, find them by scanning the group's list, delete one; delete the group with the
rest; and the batch deletes."""

from __future__ import annotations

import pytest
from huaweicloudsdkcfw.v1 import (
    AddAddressItemRequest,
    AddAddressItemsInfoDto,
    AddAddressItemsInfoDtoAddressItems,
    AddAddressSetDto,
    AddAddressSetRequest,
    AddServiceItemsRequest,
    AddServiceItemsUsingPOSTRequestBody,
    AddServiceItemsUsingPOSTRequestBodyServiceItems,
    AddServiceSetRequest,
    AddServiceSetUsingPOSTRequestBody,
    BatchDeleteAddressItemsRequest,
    BatchDeleteAddressSetsDto,
    BatchDeleteAddressSetsRequest,
    BatchDeleteServiceItemsRequest,
    BatchDeleteServiceSetsDto,
    BatchDeleteServiceSetsRequest,
    DeleteAddressItemRequest,
    DeleteAddressItemsInfoDto,
    DeleteAddressSetRequest,
    DeleteServiceItemDto,
    DeleteServiceItemRequest,
    DeleteServiceSetRequest,
    ListAddressItemsRequest,
    ListAddressSetDetailRequest,
    ListAddressSetsRequest,
    ListServiceItemsRequest,
    ListServiceSetDetailRequest,
    ListServiceSetsRequest,
    UpdateAddressSetDto,
    UpdateAddressSetRequest,
    UpdateServiceSetRequest,
    UpdateServiceSetUsingPUTRequestBody,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from tests.acceptance import sdk


def _object(cfw, name: str) -> str:
    firewall_id = cfw.create_firewall(sdk.create_request(name)).job_id
    assert sdk.wait_job(cfw, firewall_id) == "Success"
    return sdk.detail(cfw, firewall_id).data.records[0].protect_objects[0].object_id


def _fails(call, code: str) -> None:
    with pytest.raises(ClientRequestException) as err:
        call()
    assert (err.value.status_code, err.value.error_code) == (400, code)


def test_address_groups_through_the_sdk(server):
    """Every address-group operation answers what the SDK's models say, and the documented errors
    for a duplicate name, a duplicate member, and what is gone."""
    cfw = sdk.client(server.url)
    obj = _object(cfw, "groups")
    fails = _fails

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

    addresses = ["10.0.0.1", "10.1.0.0/16", "10.2.0.1-10.2.0.9", "192.168.0.0/24"]
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
    assert {r.address: r.address_type for r in page.records}["10.2.0.1-10.2.0.9"] == 0
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


def test_batch_deletes_of_address_groups_through_the_sdk(server):
    """BatchDeleteAddressItems answers the ids, BatchDeleteAddressSets the ids and names."""
    cfw = sdk.client(server.url)
    obj = _object(cfw, "batches")
    sets = []
    for name in ("a", "b"):
        sets.append(
            cfw.add_address_set(AddAddressSetRequest(body=AddAddressSetDto(object_id=obj, name=name))).data.id
        )
    items = [AddAddressItemsInfoDtoAddressItems(address=f"10.0.0.{i}") for i in (1, 2, 3)]
    body = AddAddressItemsInfoDto(set_id=sets[0], address_items=items)
    ids = [item.id for item in cfw.add_address_item(AddAddressItemRequest(body=body)).data.items]
    drop = DeleteAddressItemsInfoDto(set_id=sets[0], address_item_ids=ids[:2])
    assert sorted(cfw.batch_delete_address_items(BatchDeleteAddressItemsRequest(body=drop)).data) == sorted(
        ids[:2]
    )
    request = ListAddressItemsRequest(set_id=sets[0], limit=10, offset=0)
    assert [r.item_id for r in cfw.list_address_items(request).data.records] == [ids[2]]
    batch = BatchDeleteAddressSetsDto(object_id=obj, set_ids=sets)
    answer = cfw.batch_delete_address_sets(BatchDeleteAddressSetsRequest(body=batch)).data
    assert [(d.id, d.name) for d in answer] == [(sets[0], "a"), (sets[1], "b")]
    _fails(lambda: cfw.batch_delete_address_sets(BatchDeleteAddressSetsRequest(body=batch)), "CFW.00200005")


def test_service_groups_through_the_sdk(server):
    """Every service-group operation answers what the SDK's models say."""
    cfw = sdk.client(server.url)
    obj = _object(cfw, "services")
    body = AddServiceSetUsingPOSTRequestBody(object_id=obj, name="web", description="front")
    added = cfw.add_service_set(AddServiceSetRequest(body=body)).data
    assert added.name == "web" and added.id
    _fails(lambda: cfw.add_service_set(AddServiceSetRequest(body=body)), "CFW.00200007")
    detail = cfw.list_service_set_detail(ListServiceSetDetailRequest(set_id=added.id)).data
    assert (detail.id, detail.name, detail.description, detail.service_set_type) == (
        added.id,
        "web",
        "front",
        0,
    )
    change = UpdateServiceSetUsingPUTRequestBody(name="web-2")
    assert cfw.update_service_set(UpdateServiceSetRequest(set_id=added.id, body=change)).data.id == added.id

    def service(protocol: int, port: str | None = None):
        ports = {"source_port": "1-65535", "dest_port": port} if port else {}
        return AddServiceItemsUsingPOSTRequestBodyServiceItems(protocol=protocol, **ports)

    services = [service(6, "443"), service(17, "53"), service(1)]
    made = cfw.add_service_items(
        AddServiceItemsRequest(
            body=AddServiceItemsUsingPOSTRequestBody(set_id=added.id, service_items=services)
        )
    ).data
    ids = [item.id for item in made.items]
    assert len(ids) == 3
    again = AddServiceItemsUsingPOSTRequestBody(set_id=added.id, service_items=[service(6, "443")])
    _fails(lambda: cfw.add_service_items(AddServiceItemsRequest(body=again)), "CFW.00400004")

    found = cfw.list_service_sets(ListServiceSetsRequest(object_id=obj, limit=10, offset=0)).data
    assert found.total == 1
    record = found.records[0]
    assert (record.set_id, record.name, record.ref_count, record.protocols) == (
        added.id,
        "web-2",
        0,
        [1, 6, 17],
    )
    page = cfw.list_service_items(ListServiceItemsRequest(set_id=added.id, limit=1024, offset=0)).data
    assert (page.total, page.set_id) == (3, added.id)
    https = next(r for r in page.records if r.protocol == 6)
    assert (https.source_port, https.dest_port) == ("1-65535", "443")

    assert cfw.delete_service_item(DeleteServiceItemRequest(item_id=ids[0])).data.id == ids[0]
    drop = DeleteServiceItemDto(set_id=added.id, service_item_ids=[ids[1]])
    assert cfw.batch_delete_service_items(BatchDeleteServiceItemsRequest(body=drop)).data == [ids[1]]
    other = cfw.add_service_set(
        AddServiceSetRequest(body=AddServiceSetUsingPOSTRequestBody(object_id=obj, name="x"))
    )
    batch = BatchDeleteServiceSetsDto(object_id=obj, set_ids=[other.data.id])
    assert [d.id for d in cfw.batch_delete_service_sets(BatchDeleteServiceSetsRequest(body=batch)).data] == [
        other.data.id
    ]
    deleted = cfw.delete_service_set(DeleteServiceSetRequest(set_id=added.id)).data
    assert (deleted.id, deleted.name) == (added.id, "web-2")
    request = ListServiceItemsRequest(set_id=added.id, limit=10, offset=0)
    _fails(lambda: cfw.list_service_items(request), "CFW.00200005")
