"""Black/white list entries (the first resource served by declaration) through the official SDK,
against a real server process, the way the Terraform resource huaweicloud_cfw_black_white_list
uses them: add, find by list filters (the IP part of the address), change, delete."""

from __future__ import annotations

import pytest
from huaweicloudsdkcfw.v1 import (
    AddBlackWhiteListDto,
    AddBlackWhiteListRequest,
    DeleteBlackWhiteListRequest,
    ListBlackWhiteListsRequest,
    UpdateBlackWhiteListDto,
    UpdateBlackWhiteListRequest,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from tests.acceptance import sdk


def test_black_white_list_through_the_sdk(server):
    """Add answers the id and address; the list finds it by object, list type and IP part with an
    exact total; update and delete answer the id; a second delete, a duplicate, and the object of
    a deleted firewall answer the documented errors."""
    cfw = sdk.client(server.url)
    firewall_id = cfw.create_firewall(sdk.create_request("bwl")).job_id
    assert sdk.wait_job(cfw, firewall_id) == "Success"
    obj = sdk.detail(cfw, firewall_id).data.records[0].protect_objects[0].object_id

    def add(address: str):
        body = AddBlackWhiteListDto(
            object_id=obj, list_type=4, direction=0, address_type=0, address=address, protocol=6, port="443"
        )
        return cfw.add_black_white_list(AddBlackWhiteListRequest(body=body)).data

    added = add("2.2.2.0/24")
    assert added.name == "2.2.2.0/24" and added.id
    add("3.3.3.3")

    def find(**filters):
        request = ListBlackWhiteListsRequest(object_id=obj, list_type=4, limit=10, offset=0, **filters)
        return cfw.list_black_white_lists(request).data

    found = find(address="2.2.2.0")
    assert found.total == 1 and found.records[0].list_id == added.id
    assert (found.records[0].address, found.records[0].port, found.records[0].protocol) == (
        "2.2.2.0/24",
        "443",
        6,
    )
    assert find().total == 2 and find(address="9.9.9.9").records == []

    body = UpdateBlackWhiteListDto(direction=1, address="2.2.3.0/24", description="moved")
    changed = cfw.update_black_white_list(UpdateBlackWhiteListRequest(list_id=added.id, body=body)).data
    assert changed.id == added.id
    record = find(address="2.2.3.0").records[0]
    assert (record.direction, record.description) == (1, "moved")

    with pytest.raises(ClientRequestException) as err:
        add("3.3.3.3")
    assert (err.value.status_code, err.value.error_code) == (400, "CFW.00400011")

    deleted = cfw.delete_black_white_list(DeleteBlackWhiteListRequest(list_id=added.id)).data
    assert deleted.id == added.id
    with pytest.raises(ClientRequestException) as err:
        cfw.delete_black_white_list(DeleteBlackWhiteListRequest(list_id=added.id))
    assert (err.value.status_code, err.value.error_code) == (400, "CFW.00200005")

    task = cfw.delete_firewall(sdk.DeleteFirewallRequest(resource_id=firewall_id)).data
    assert sdk.wait_job(cfw, task) == "Success"
    with pytest.raises(ClientRequestException) as err:
        find()
    assert (err.value.status_code, err.value.error_code) == (400, "CFW.00200005")
