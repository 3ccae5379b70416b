"""Domain-name groups, the resolution reads, the black/white list batches and the predefined
groups through the official SDK, against a real server process on both stores."""

from __future__ import annotations

from huaweicloudsdkcfw.v1 import (
    AddBlackWhiteBatchDto,
    AddDomainListDto,
    AddDomainSetInfoDto,
    AddDomainSetRequest,
    AddDomainsRequest,
    BatchCreateBlackWhiteListRequest,
    BatchDeleteBlackWhiteListsRequest,
    BatchDeleteDomainSetRequest,
    BatchDeleteDomainSetsDto,
    BlackWhiteInfo,
    DeleteBlackWhiteDto,
    DeleteDomainDto,
    DeleteDomainSetRequest,
    DeleteDomainsRequest,
    DomainSetInfoDto,
    ListAddressItemsRequest,
    ListAddressSetsRequest,
    ListBlackWhiteListsRequest,
    ListDomainParseDetailRequest,
    ListDomainParseIpRequest,
    ListDomainResolveIpRequest,
    ListDomainSetsRequest,
    ListDomainsRequest,
    ListServiceItemsRequest,
    ListServiceSetsRequest,
    ShowDomainSetDetailRequest,
    UpdateDomainSetInfoDto,
    UpdateDomainSetRequest,
)

from opencfw.domain import resolver
from tests.acceptance import sdk
from tests.acceptance.test_address_group_sdk import _fails


def _firewall(cfw, name: str) -> tuple[str, str]:
    job_id = cfw.create_firewall(sdk.create_request(name)).job_id
    assert sdk.wait_job(cfw, job_id) == "Success"
    record = sdk.detail(cfw, job_id).data.records[0]
    return record.fw_instance_id, record.protect_objects[0].object_id


def test_domain_name_groups_through_the_sdk(server):
    """Every domain-group operation and resolution read answers what the SDK's models say."""
    cfw = sdk.client(server.url)
    fw, obj = _firewall(cfw, "domains")
    names = [
        DomainSetInfoDto(domain_name="www.example.com", description="site"),
        DomainSetInfoDto("*.example.org"),
    ]
    body = AddDomainSetInfoDto(
        fw_instance_id=fw, object_id=obj, name="sites", domain_set_type=0, domain_names=names
    )
    added = cfw.add_domain_set(AddDomainSetRequest(fw_instance_id=fw, body=body)).data
    assert added.name == "sites" and added.id
    _fails(lambda: cfw.add_domain_set(AddDomainSetRequest(fw_instance_id=fw, body=body)), "CFW.00200007")

    page = cfw.list_domain_sets(
        ListDomainSetsRequest(fw_instance_id=fw, object_id=obj, limit=1024, offset=0, key_word="site")
    ).data
    assert page.total == 1
    (record,) = page.records
    assert (record.set_id, record.name, record.ref_count, record.domain_set_type, record.config_status) == (
        added.id,
        "sites",
        0,
        0,
        3,
    )
    assert record.rules == []
    detail = cfw.show_domain_set_detail(
        ShowDomainSetDetailRequest(fw_instance_id=fw, domain_set_id=added.id)
    ).data
    assert (detail.set_id, detail.name) == (added.id, "sites")
    changed = UpdateDomainSetInfoDto(name="sites2", description="all")
    reply = cfw.update_domain_set(
        UpdateDomainSetRequest(set_id=added.id, fw_instance_id=fw, body=changed)
    ).data
    assert (reply.id, reply.name) == (added.id, "sites2")

    more = AddDomainListDto(
        fw_instance_id=fw, object_id=obj, domain_names=[DomainSetInfoDto("api.example.com")]
    )
    reply = cfw.add_domains(AddDomainsRequest(set_id=added.id, fw_instance_id=fw, body=more)).data
    assert (reply.id, reply.name) == (added.id, "api.example.com")
    listed = cfw.list_domains(
        ListDomainsRequest(domain_set_id=added.id, fw_instance_id=fw, limit=1024, offset=0)
    ).data
    assert (listed.set_id, listed.total) == (added.id, 3)
    by_name = {r.domain_name: r.domain_address_id for r in listed.records}
    assert list(by_name) == ["www.example.com", "*.example.org", "api.example.com"]

    www = by_name["www.example.com"]
    derived = resolver.derived("www.example.com")
    parsed = cfw.list_domain_parse_detail(
        ListDomainParseDetailRequest(domain_name="www.example.com", fw_instance_id=fw, address_type=0)
    )
    assert parsed.data == derived.ipv4
    ips = cfw.list_domain_parse_ip(
        ListDomainParseIpRequest(
            domain_address_id=www, domain_set_id=added.id, fw_instance_id=fw, address_type=1
        )
    )
    assert ips.data == derived.ipv6
    resolved = cfw.list_domain_resolve_ip(
        ListDomainResolveIpRequest(domain_address_id=www, fw_instance_id=fw, address_type="0")
    ).data
    assert (resolved.parsed_success_ip, resolved.excess_ip) == (derived.ipv4, [])

    gone = DeleteDomainDto(object_id=obj, domain_address_ids=[www, by_name["api.example.com"]])
    reply = cfw.delete_domains(DeleteDomainsRequest(set_id=added.id, fw_instance_id=fw, body=gone)).data
    assert reply.id == added.id
    last = DeleteDomainDto(object_id=obj, domain_address_ids=[by_name["*.example.org"]])
    _fails(
        lambda: cfw.delete_domains(DeleteDomainsRequest(set_id=added.id, fw_instance_id=fw, body=last)),
        "CFW.00200001",
    )

    reply = cfw.delete_domain_set(DeleteDomainSetRequest(set_id=added.id, fw_instance_id=fw)).data
    assert (reply.id, reply.name) == (added.id, "sites2")
    _fails(
        lambda: cfw.show_domain_set_detail(
            ShowDomainSetDetailRequest(fw_instance_id=fw, domain_set_id=added.id)
        ),
        "CFW.00200005",
    )
    ids = [
        cfw.add_domain_set(
            AddDomainSetRequest(
                fw_instance_id=fw,
                body=AddDomainSetInfoDto(
                    fw_instance_id=fw, object_id=obj, name=f"g{i}", domain_set_type=1, domain_names=[]
                ),
            )
        ).data.id
        for i in range(2)
    ]
    batch = BatchDeleteDomainSetsDto(object_id=obj, set_ids=ids)
    reply = cfw.batch_delete_domain_set(BatchDeleteDomainSetRequest(fw_instance_id=fw, body=batch)).data
    assert [d.id for d in reply.response_datas] == ids
    assert (
        cfw.list_domain_sets(
            ListDomainSetsRequest(fw_instance_id=fw, object_id=obj, limit=10, offset=0)
        ).data.total
        == 0
    )


def test_black_white_list_batches_through_the_sdk(server):
    """BatchCreateBlackWhiteList adds every item (or, with a duplicate, none);
    BatchDeleteBlackWhiteLists deletes the ids named."""
    cfw = sdk.client(server.url)
    _, obj = _firewall(cfw, "bwl-batches")
    items = [BlackWhiteInfo(address=f"10.0.0.{i}", direction=0, protocol=6, port="443") for i in range(1, 4)]
    body = AddBlackWhiteBatchDto(object_id=obj, list_type=4, list_items=items)
    data = cfw.batch_create_black_white_list(BatchCreateBlackWhiteListRequest(body=body)).data
    assert [i.address for i in data.success_list] == ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
    assert [i.address_type for i in data.success_list] == [0, 0, 0]
    assert data.failed_list == [] and data.duplicated_list == []
    _fails(
        lambda: cfw.batch_create_black_white_list(BatchCreateBlackWhiteListRequest(body=body)), "CFW.00400011"
    )
    page = cfw.list_black_white_lists(
        ListBlackWhiteListsRequest(object_id=obj, list_type=4, limit=10, offset=0)
    ).data
    ids = [r.list_id for r in page.records]
    assert page.total == 3
    gone = DeleteBlackWhiteDto(object_id=obj, list_type=4, list_ids=ids[:2])
    assert cfw.batch_delete_black_white_lists(BatchDeleteBlackWhiteListsRequest(body=gone)).data == ids[:2]
    wrong = DeleteBlackWhiteDto(object_id=obj, list_type=5, list_ids=ids[2:])
    _fails(
        lambda: cfw.batch_delete_black_white_lists(BatchDeleteBlackWhiteListsRequest(body=wrong)),
        "CFW.00200005",
    )
    page = cfw.list_black_white_lists(
        ListBlackWhiteListsRequest(object_id=obj, list_type=4, limit=10, offset=0)
    ).data
    assert [r.list_id for r in page.records] == ids[2:]


def test_predefined_groups_through_the_sdk(server):
    """The predefined groups list with query_*_set_type=1, with their services."""
    cfw = sdk.client(server.url)
    _, obj = _firewall(cfw, "predefined")
    sets = cfw.list_address_sets(
        ListAddressSetsRequest(object_id=obj, limit=10, offset=0, query_address_set_type=1)
    ).data
    assert sorted((r.name, r.address_set_type) for r in sets.records) == [
        ("NAT64", 3),
        ("WAF-back-to-source", 1),
    ]
    nat64 = next(r.set_id for r in sets.records if r.name == "NAT64")
    assert cfw.list_address_items(ListAddressItemsRequest(set_id=nat64, limit=10, offset=0)).data.total == 0
    services = cfw.list_service_sets(
        ListServiceSetsRequest(object_id=obj, limit=10, offset=0, query_service_set_type=1)
    ).data
    assert sorted(r.name for r in services.records) == ["Database", "Remote-login-and-ping", "Web"]
    web = next(r.set_id for r in services.records if r.name == "Web")
    items = cfw.list_service_items(ListServiceItemsRequest(set_id=web, limit=10, offset=0)).data
    assert [i.dest_port for i in items.records] == ["80", "443", "8080"]
    assert cfw.list_address_sets(ListAddressSetsRequest(object_id=obj, limit=10, offset=0)).data.total == 0
