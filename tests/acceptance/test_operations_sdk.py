"""Schedules, report profiles and reports, the IP blacklist, multi-account, east-west private
network segments and reads, config quotas and member descriptions through the official SDK,
against a real server process on each store: every call answers what the SDK's response model
parses, and the documented errors for what is unknown or bad."""

from __future__ import annotations

import pytest
from huaweicloudsdkcfw.v1 import (
    AccountDto,
    AccountInfo,
    AddAddressItemRequest,
    AddAddressItemsInfoDto,
    AddAddressItemsInfoDtoAddressItems,
    AddAddressSetDto,
    AddAddressSetRequest,
    BatchAddAccountsRequest,
    BatchCreatePrivateNetworkSegmentsRequest,
    BatchDeletePrivateNetworkSegmentsRequest,
    BatchDeleteSchedulesRequest,
    BatchDeleteSchedulesRequestBody,
    BatchRemoveAccountsRequest,
    CreateReportProfileDto,
    CreateReportProfileRequest,
    CreateScheduleRequest,
    DeleteIpBlacklistRequest,
    DeletePrivateNetworkSegmentsDto,
    DeleteReportProfileRequest,
    DeleteScheduleRequest,
    EnableIpBlacklistRequest,
    EnableMultiAccountRequest,
    EwPrivateNetworkSegmentsDto,
    ExportIpBlacklistRequest,
    ImportIpBlacklistRequest,
    IpBlacklistDeleteDto,
    IpBlacklistEnableDto,
    IpBlacklistImportDto,
    ListAccountsRequest,
    ListIpBlacklistRequest,
    ListIpBlacklistSwitchRequest,
    ListOrganizationAccountsRequest,
    ListOrganizationTreeRequest,
    ListPrivateNetworkSegmentsRequest,
    ListProtectedVpcsRequest,
    ListReportHistoryRequest,
    ListReportProfilesRequest,
    ListSchedulesRequest,
    PrivateNetworkSegmentVO,
    RetryIpBlacklistRequest,
    ScheduleInfoDTO,
    ScheduleInfoDTOAbsolute,
    ScheduleInfoDTOPeriodic,
    ShowConfigQuotaRequest,
    ShowEwAssociatedErRequest,
    ShowEwAssociatedVpcRequest,
    ShowFirewallReportRequest,
    ShowReportProfileRequest,
    StatisticPeriod,
    UpdateObjectConfigDesc,
    UpdateObjectConfigDescRequest,
    UpdatePrivateNetworkSegmentRequest,
    UpdateReportProfileDto,
    UpdateReportProfileRequest,
    UpdateScheduleRequest,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from tests.acceptance import sdk
from tests.acceptance.server import ADMIN_TOKEN, PROJECT

UNKNOWN = "f588ce71-e26c-400d-8981-f854355f6849"


def _fails(call, code: str) -> None:
    with pytest.raises(ClientRequestException) as err:
        call()
    assert (err.value.status_code, err.value.error_code) == (400, code)


@pytest.fixture
def world(spawn):
    """A server on a manual clock (provisioning takes no time), the SDK, and one running firewall:
    (server, cfw, fw, object)."""
    server = spawn(clock="manual", admin_token=ADMIN_TOKEN, provision_seconds="0")
    cfw = sdk.client(server.url)
    fw = cfw.create_firewall(sdk.create_request("ops")).job_id
    assert sdk.wait_job(cfw, fw) == "Success"
    obj = sdk.detail(cfw, fw).data.records[0].protect_objects[0].object_id
    return server, cfw, fw, obj


def _advance(server, seconds: float) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    status, _, body = server.request(
        "POST", "/_opencfw/admin/clock/advance", headers=admin, body={"seconds": seconds}
    )
    assert status == 200, body


def test_schedules_through_the_sdk(world):
    """Create, list (absolute times as strings), update, delete and batch delete a schedule."""
    _, cfw, _, obj = world
    plan = ScheduleInfoDTOPeriodic(type=1, start_time="08:00:00", end_time="18:00:00", week_mask=[1, 2, 3])
    body = ScheduleInfoDTO(
        object_id=obj,
        name="office",
        description="hours",
        periodic=[plan],
        absolute=ScheduleInfoDTOAbsolute(start_time=1773730600349, end_time=1774076220000),
    )
    made = cfw.create_schedule(CreateScheduleRequest(body=body)).data
    assert made.name == "office" and made.id
    _fails(lambda: cfw.create_schedule(CreateScheduleRequest(body=body)), "CFW.00200007")
    page = cfw.list_schedules(ListSchedulesRequest(object_id=obj, limit=10, offset=0)).data
    assert page.total == 1
    record = page.records[0]
    assert (record.schedule_id, record.ref_count, record.periodic[0].week_mask) == (made.id, 0, [1, 2, 3])
    assert (record.absolute.start_time, record.absolute.end_time) == ("1773730600349", "1774076220000")
    body.description = "changed"
    assert cfw.update_schedule(UpdateScheduleRequest(schedule_id=made.id, body=body)).data.id == made.id
    assert (
        cfw.list_schedules(ListSchedulesRequest(object_id=obj, name="off", limit=10, offset=0))
        .data.records[0]
        .description
        == "changed"
    )
    assert cfw.delete_schedule(DeleteScheduleRequest(schedule_id=made.id)).data.id == made.id
    _fails(lambda: cfw.delete_schedule(DeleteScheduleRequest(schedule_id=made.id)), "CFW.00200005")
    body.name = "second"
    second = cfw.create_schedule(CreateScheduleRequest(body=body)).data.id
    batch = BatchDeleteSchedulesRequestBody(object_id=obj, schedule_ids=[second])
    assert cfw.batch_delete_schedules(BatchDeleteSchedulesRequest(body=batch)).data == [second]
    _fails(lambda: cfw.batch_delete_schedules(BatchDeleteSchedulesRequest(body=batch)), "CFW.00200005")


def test_report_profiles_and_reports_through_the_sdk(world):
    """A custom profile over a past period has made its report: history and report parse; the
    profile is read, changed, listed and deleted."""
    _, cfw, fw, _ = world
    body = CreateReportProfileDto(
        category="custom",
        name="audit",
        topic_urn="urn:smn:cn-north-4:0123:audit",
        statistic_period=StatisticPeriod(start_time=1_700_000_000_000, end_time=1_700_086_399_999),
        status=1,
        subscription_type=0,
        description="quarterly",
    )
    pid = cfw.create_report_profile(CreateReportProfileRequest(fw_instance_id=fw, body=body)).data.id
    shown = cfw.show_report_profile(ShowReportProfileRequest(fw_instance_id=fw, report_profile_id=pid)).data
    assert (shown.category, shown.name, shown.topic_name, shown.statistic_period.end_time) == (
        "custom",
        "audit",
        "audit",
        1_700_086_399_999,
    )
    change = UpdateReportProfileDto(name="audit-2", description="monthly")
    assert (
        cfw.update_report_profile(
            UpdateReportProfileRequest(fw_instance_id=fw, report_profile_id=pid, body=change)
        ).data.name
        == "audit-2"
    )
    listed = cfw.list_report_profiles(ListReportProfilesRequest(fw_instance_id=fw, limit=10, offset=0)).data
    assert listed.total == 1 and listed.records[0].profile_id == pid and listed.records[0].report_id
    history = cfw.list_report_history(
        ListReportHistoryRequest(fw_instance_id=fw, report_profile_id=pid, limit=10, offset=0)
    ).data
    assert history.total == 1
    rid = history.records[0].report_id
    report = cfw.show_firewall_report(
        ShowFirewallReportRequest(fw_instance_id=fw, report_profile_id=pid, report_id=rid)
    ).data
    assert report.category == "custom" and report.statistic_period.start_time == 1_700_000_000_000
    assert report.internet_firewall.overview.assets.total == 1 and report.attack_info.ips_mode == 0
    _fails(
        lambda: cfw.show_firewall_report(ShowFirewallReportRequest(fw_instance_id=fw, report_id=f"{pid}-1")),
        "CFW.00200005",
    )
    assert (
        cfw.delete_report_profile(
            DeleteReportProfileRequest(fw_instance_id=fw, report_profile_id=pid)
        ).data.id
        == pid
    )
    _fails(
        lambda: cfw.show_report_profile(ShowReportProfileRequest(fw_instance_id=fw, report_profile_id=pid)),
        "CFW.00200005",
    )


def test_the_ip_blacklist_through_the_sdk(world):
    """Import (importing, then done on the server's clock), export, retry a failed one, delete, the
    switch."""
    server, cfw, fw, _ = world
    body = IpBlacklistImportDto(add_type=0, ip_blacklist="1.1.1.1\n2.2.2.0/24", effect_scope=[1])
    cfw.import_ip_blacklist(ImportIpBlacklistRequest(fw_instance_id=fw, body=body))
    page = cfw.list_ip_blacklist(ListIpBlacklistRequest(fw_instance_id=fw, limit=10, offset=0)).data
    assert (page.total, page.records[0].import_status, page.records[0].effect_scope) == (1, 2, [1])
    _advance(server, 2)
    record = cfw.list_ip_blacklist(
        ListIpBlacklistRequest(fw_instance_id=fw, limit=10, offset=0)
    ).data.records[0]
    assert record.import_status == 1
    exported = cfw.export_ip_blacklist(ExportIpBlacklistRequest(fw_instance_id=fw, name=record.name))
    assert exported.content_disposition.endswith(f'"{record.name}"')
    bad = IpBlacklistImportDto(add_type=0, ip_blacklist="nonsense", effect_scope=[2])
    cfw.import_ip_blacklist(ImportIpBlacklistRequest(fw_instance_id=fw, body=bad))
    _advance(server, 2)
    failed = cfw.list_ip_blacklist(
        ListIpBlacklistRequest(fw_instance_id=fw, limit=10, offset=0)
    ).data.records[1]
    assert failed.import_status == 0 and "nonsense" in failed.error_message
    cfw.retry_ip_blacklist(RetryIpBlacklistRequest(fw_instance_id=fw, name=failed.name))
    _fails(
        lambda: cfw.retry_ip_blacklist(RetryIpBlacklistRequest(fw_instance_id=fw, name=record.name)),
        "CFW.00400002",
    )
    cfw.delete_ip_blacklist(
        DeleteIpBlacklistRequest(fw_instance_id=fw, body=IpBlacklistDeleteDto(effect_scope=[1, 2]))
    )
    assert (
        cfw.list_ip_blacklist(ListIpBlacklistRequest(fw_instance_id=fw, limit=10, offset=0)).data.total == 0
    )
    cfw.enable_ip_blacklist(EnableIpBlacklistRequest(fw_instance_id=fw, body=IpBlacklistEnableDto(status=1)))
    assert cfw.list_ip_blacklist_switch(ListIpBlacklistSwitchRequest(fw_instance_id=fw)).data.status == 1
    _fails(
        lambda: cfw.list_ip_blacklist_switch(ListIpBlacklistSwitchRequest(fw_instance_id=UNKNOWN)),
        "CFW.00200005",
    )


def test_multi_account_through_the_sdk(world):
    """Enable, the tree and accounts, add and remove the project as an account."""
    _, cfw, fw, _ = world
    enabled = cfw.enable_multi_account(EnableMultiAccountRequest(fw_instance_id=fw)).data
    assert (enabled.name, enabled.trust_service_status) == ("opencfw", 1)
    tree = cfw.list_organization_tree(ListOrganizationTreeRequest(fw_instance_id=fw))
    assert tree.total == 2 and tree.data[0].org_type == "root" and tree.data[1].id == PROJECT
    accounts = cfw.list_organization_accounts(
        ListOrganizationAccountsRequest(fw_instance_id=fw, parent_id=enabled.id)
    )
    assert [a.id for a in accounts.data] == [PROJECT] and accounts.data[0].delegated is False
    body = AccountDto(accounts=[AccountInfo(account_id=PROJECT)])
    assert cfw.batch_add_accounts(BatchAddAccountsRequest(fw_instance_id=fw, body=body)).data.id == enabled.id
    listed = cfw.list_accounts(ListAccountsRequest(fw_instance_id=fw, limit=10, offset=0)).data
    assert listed.total == 1 and listed.records[0].project_id == PROJECT
    cfw.batch_remove_accounts(BatchRemoveAccountsRequest(fw_instance_id=fw, body=body))
    _fails(
        lambda: cfw.batch_remove_accounts(BatchRemoveAccountsRequest(fw_instance_id=fw, body=body)),
        "CFW.00200005",
    )


def test_east_west_segments_and_quota_through_the_sdk(world):
    """Private network segments added, changed, listed, deleted; the ER, inspection VPC and
    protected VPC reads; the quota counts; a member's description changes."""
    _, cfw, fw, obj = world
    segments = [PrivateNetworkSegmentVO(protect_network="10.0.0.0/16", az_info="az1", subnet_name="a")]
    body = EwPrivateNetworkSegmentsDto(private_network_segments=segments)
    assert (
        cfw.batch_create_private_network_segments(
            BatchCreatePrivateNetworkSegmentsRequest(fw_instance_id=fw, body=body)
        ).data
        == fw
    )
    listed = cfw.list_private_network_segments(ListPrivateNetworkSegmentsRequest(fw_instance_id=fw)).data
    assert (listed.total, listed.quota) == (1, 100)
    conf_id = listed.private_network_list[0].conf_id
    change = PrivateNetworkSegmentVO(conf_id=conf_id, protect_network="10.1.0.0/16")
    cfw.update_private_network_segment(UpdatePrivateNetworkSegmentRequest(fw_instance_id=fw, body=change))
    quota = cfw.show_config_quota(
        ShowConfigQuotaRequest(fw_instance_id=fw, config_type="PRIVATE_NETWORK_SEGMENT")
    ).data
    assert (quota.quota_type, quota.max_quota, quota.used_quota) == ("PRIVATE_NETWORK_SEGMENT", 100, 1)
    drop = DeletePrivateNetworkSegmentsDto(conf_ids=[conf_id])
    cfw.batch_delete_private_network_segments(
        BatchDeletePrivateNetworkSegmentsRequest(fw_instance_id=fw, body=drop)
    )
    _fails(
        lambda: cfw.batch_delete_private_network_segments(
            BatchDeletePrivateNetworkSegmentsRequest(fw_instance_id=fw, body=drop)
        ),
        "CFW.00200005",
    )
    assert cfw.show_ew_associated_er(ShowEwAssociatedErRequest(fw_instance_id=fw)).data.er_list == []
    assert (
        cfw.show_ew_associated_vpc(ShowEwAssociatedVpcRequest(fw_instance_id=fw)).data.inspection_vpc_list
        == []
    )
    vpcs = cfw.list_protected_vpcs(ListProtectedVpcsRequest(object_id=obj, fw_instance_id=fw)).data
    assert (vpcs.total, vpcs.protect_vpcs) == (0, [])
    set_id = cfw.add_address_set(AddAddressSetRequest(body=AddAddressSetDto(object_id=obj, name="g"))).data.id
    items = AddAddressItemsInfoDto(
        set_id=set_id, address_items=[AddAddressItemsInfoDtoAddressItems(address="1.1.1.1")]
    )
    item_id = cfw.add_address_item(AddAddressItemRequest(body=items)).data.items[0].id
    quota = cfw.show_config_quota(
        ShowConfigQuotaRequest(fw_instance_id=fw, config_type="ADDR_SET_ITEM", set_id=set_id)
    ).data
    assert (quota.used_quota, quota.item_info.max_quota, quota.item_info.used_quota) == (1, 640, 1)
    desc = UpdateObjectConfigDesc(
        description="dns", fw_instance_id=fw, item_id=item_id, set_id=set_id, type="ADDR_SET"
    )
    assert cfw.update_object_config_desc(UpdateObjectConfigDescRequest(body=desc)).data == item_id
