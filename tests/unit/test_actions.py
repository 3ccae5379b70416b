"""The declared actions: every operation of this area of the official SDK is served (by a
registry resource or an action) at the SDK's method and path, and an action's decoding refuses
bad queries and bodies with a 400 naming the parameter, before its service runs."""

from __future__ import annotations

import pytest

from opencfw.api import action_routes, resource_routes
from tests.unit import test_api
from tests.unit.test_api import P, assert_error, call
from tests.unit.test_api_protection import running
from tests.unit.test_registry import sdk_operations

env = test_api.env
api = test_api.api

#: the operations of issue 19 served here (schedules, reports, IP blacklist, multi-account,
#: east-west segments and reads, quota, object descriptions)
AREA = [
    "import_ip_blacklist",
    "export_ip_blacklist",
    "retry_ip_blacklist",
    "enable_ip_blacklist",
    "list_ip_blacklist_switch",
    "list_ip_blacklist",
    "delete_ip_blacklist",
    "enable_multi_account",
    "list_organization_tree",
    "list_organization_accounts",
    "batch_add_accounts",
    "batch_remove_accounts",
    "list_accounts",
    "create_schedule",
    "update_schedule",
    "delete_schedule",
    "batch_delete_schedules",
    "list_schedules",
    "create_report_profile",
    "update_report_profile",
    "delete_report_profile",
    "show_report_profile",
    "list_report_profiles",
    "list_report_history",
    "show_firewall_report",
    "batch_create_private_network_segments",
    "batch_delete_private_network_segments",
    "list_private_network_segments",
    "update_private_network_segment",
    "show_ew_associated_er",
    "show_ew_associated_vpc",
    "list_protected_vpcs",
    "show_config_quota",
    "update_object_config_desc",
]


def test_every_operation_of_the_area_is_served_at_the_sdks_path():
    """34 SDK operations, each declared once, at the SDK's method and path."""
    served = {op.sdk: (op.method, op.path) for op in resource_routes.operations()}
    served |= {a.sdk: (a.method, a.path) for a in action_routes.ACTIONS}
    assert len(AREA) == 34
    missing = [name for name in AREA if name not in served]
    assert not missing
    sdk = sdk_operations()
    assert {name: served[name] for name in AREA} == {name: sdk[name] for name in AREA}


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/v1/{P}/ptf/ip-blacklist?fw_instance_id={fw}&limit=0", "limit"),
        ("/v1/{P}/ptf/ip-blacklist?fw_instance_id=bad%20id", "fw_instance_id"),
        ("/v1/{P}/ptf/ip-blacklist?fw_instance_id={fw}%00", "NUL"),
        ("/v2/{P}/cfw/{fw}/quota?config_type=", "config_type"),
        ("/v1/{P}/system/multi-account/organization-tree?fw_instance_id={fw}&limit=2001", "limit"),
        ("/v1/{P}/report/" + "r" * 65 + "?fw_instance_id={fw}", "report_id"),
    ],
)
def test_bad_queries_are_400_naming_the_parameter(api, path, named):
    """A query or path value out of its declared range is CFW.00200001 naming it."""
    runtime, _, client = api
    fw, _ = running(runtime, client)
    reply = call(client, "GET", path.format(P=P, fw=fw))
    assert_error(reply, 400, "CFW.00200001")
    assert named in reply.json["error_msg"]
