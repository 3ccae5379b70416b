"""Every operation of the pinned official SDK's ``CfwClient``, called through the SDK against a real
server process with a valid request built from its request model: an operation opencfw serves must
answer with something that parses into the SDK's response model, never 404 ``APIGW.0101``.

The request is built generically from the model's ``openapi_types`` (a value per attribute name,
else per type, nested models built the same way); ``OVERRIDES`` give the few values that must be
real (a firewall, a protected object, a group, an entry made for the call) or that one operation
reads differently. ``NOT_SERVED_YET`` lists the operations no branch merged here serves yet: each
must still be 404 APIGW.0101, so the set shrinks as operations land (the test fails otherwise)."""

from __future__ import annotations

import inspect
import itertools
import re
import time
from typing import Any

import huaweicloudsdkcfw.v1.model as models
import pytest
from huaweicloudsdkcfw.v1 import CfwClient
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from tests.acceptance import sdk

#: every operation of the client: the methods that build an HTTP request (not their invokers)
OPERATIONS = sorted(set(re.findall(r"def _(\w+)_http_info\(", inspect.getsource(CfwClient))))

#: operations served on other branches or not yet built; the lead empties this at merge
NOT_SERVED_YET: set[str] = set()  # every operation of the official client is served
#: served operations whose generic request is not valid yet (the builder needs an override with
#: real values for them): they must be routed and refuse the made-up values with a documented 400
#: (a CFW error code), never 404 APIGW.0101 or a 5xx. Shrink it as overrides are written.
NEEDS_REAL_VALUES = {
    "add_acl_rule",
    "add_custom_dns_server",
    "add_domain_set",
    "add_domains",
    "add_eip_alarm_whitelist",
    "batch_add_accounts",
    "batch_create_ips_whitelist",
    "batch_create_private_network_segments",
    "batch_delete_acl_rules",
    "batch_delete_black_white_lists",
    "batch_delete_customer_ips",
    "batch_delete_domain_set",
    "batch_delete_ips_whitelist",
    "batch_delete_private_network_segments",
    "batch_delete_schedules",
    "batch_remove_accounts",
    "batch_update_acl_rule_actions",
    "batch_update_customer_ips_action",
    "cancel_capture_task",
    "change_ips_rule_mode",
    "create_capture_task",
    "create_customer_ips",
    "create_report_profile",
    "create_schedule",
    "delete_acl_rule",
    "delete_acl_rule_hit_count",
    "delete_capture_task",
    "delete_domain_set",
    "delete_domains",
    "delete_report_profile",
    "delete_schedule",
    "download_export_result",
    "download_import_result",
    "export_ip_blacklist",
    "import_rule_acl",
    "list_acl_rule_hit_count",
    "list_acl_rule_hit_status",
    "list_alarm_whitelist",
    "list_capture_result",
    "list_domain_parse_detail",
    "list_domain_parse_ip",
    "list_domain_resolve_ip",
    "list_domains",
    "list_eips",
    "list_ips_rules",
    "list_organization_accounts",
    "list_organization_tree",
    "list_report_history",
    "list_report_profiles",
    "retry_ip_blacklist",
    "show_config_quota",
    "show_domain_set_detail",
    "show_firewall_report",
    "show_report_profile",
    "update_acl_rule",
    "update_acl_rule_order",
    "update_advanced_ips_rule",
    "update_alarm_config",
    "update_customer_ips",
    "update_dns_servers",
    "update_domain_set",
    "update_ips_whitelist",
    "update_object_config_desc",
    "update_private_network_segment",
    "update_report_profile",
    "update_schedule",
}


class World:
    """A running firewall, its Internet-border object, and makers of fresh objects for the calls
    that need a real one (a delete gets an object of its own)."""

    def __init__(self, cfw: CfwClient) -> None:
        self.cfw = cfw
        self.names = (f"ops{i}" for i in itertools.count())
        self.fw = self.firewall()
        self.obj = sdk.detail(cfw, self.fw).data.records[0].protect_objects[0].object_id
        self.address_set = self.new_address_set()
        self.service_set = self.new_service_set()
        self.entry = self.new_entry()

    def name(self) -> str:
        return next(self.names)

    def firewall(self) -> str:
        fw = self.cfw.create_firewall(sdk.create_request(self.name())).job_id
        assert sdk.wait_job(self.cfw, fw) == "Success"
        return fw

    def new_address_set(self) -> str:
        body = models.AddAddressSetDto(object_id=self.obj, name=self.name(), address_type=0)
        return self.cfw.add_address_set(models.AddAddressSetRequest(body=body)).data.id

    def new_address_item(self) -> str:
        items = [models.AddAddressItemsInfoDtoAddressItems(address_type=0, address=self._address())]
        body = models.AddAddressItemsInfoDto(set_id=self.address_set, address_items=items)
        return self.cfw.add_address_item(models.AddAddressItemRequest(body=body)).data.items[0].id

    def new_service_set(self) -> str:
        body = models.AddServiceSetUsingPOSTRequestBody(object_id=self.obj, name=self.name())
        return self.cfw.add_service_set(models.AddServiceSetRequest(body=body)).data.id

    def new_service_item(self) -> str:
        port = str(1000 + next(self.ports))
        item = models.AddServiceItemsUsingPOSTRequestBodyServiceItems(
            protocol=6, source_port="1-65535", dest_port=port
        )
        body = models.AddServiceItemsUsingPOSTRequestBody(set_id=self.service_set, service_items=[item])
        return self.cfw.add_service_items(models.AddServiceItemsRequest(body=body)).data.items[0].id

    def new_entry(self) -> str:
        body = models.AddBlackWhiteListDto(
            object_id=self.obj,
            list_type=4,
            direction=0,
            address_type=0,
            address=self._address(),
            protocol=6,
            port="80",
        )
        return self.cfw.add_black_white_list(models.AddBlackWhiteListRequest(body=body)).data.id

    def vpc_object(self) -> str:
        """The VPC-border object of a new firewall with east-west protection."""
        body = models.CreateEastWestFirewallRequestBody(
            er_id="er-0001", inspection_cidr="10.10.0.0/16", mode="er"
        )
        request = models.CreateEastWestFirewallRequest(fw_instance_id=self.firewall(), body=body)
        return self.cfw.create_east_west_firewall(request).data.id

    ports = itertools.count()
    addresses = itertools.count(1)

    def _address(self) -> str:
        n = next(self.addresses)
        return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


NOW_MS = int(time.time() * 1000)

#: values by attribute name, for every operation (a callable gets the world)
VALUES: dict[str, Any] = {
    "fw_instance_id": lambda w: w.fw,
    "object_id": lambda w: w.obj,
    "enterprise_project_id": "0",
    "job_id": lambda w: w.fw,
    "limit": 10,
    "offset": 0,
    "service_type": 0,
    "name": lambda w: w.name(),
    "fw_instance_name": lambda w: w.name(),
    "description": "made by the all-operations test",
    "address": lambda w: w._address(),
    "address_type": 0,
    "protocol": 6,
    "port": "80",
    "source_port": "1-65535",
    "dest_port": "443",
    "direction": 0,
    "list_type": 4,
    "key_word": "opencfw",
    "start_time": NOW_MS - 3_600_000,
    "end_time": NOW_MS,
    "range": 1,
    "log_type": "internet",
    "size": 5,
    "query_address_set_type": 0,
    "query_service_set_type": 0,
    "address_set_type": 0,
    "key": "opencfw-test",
    "value": "yes",
    "values": ["yes"],
}

#: per operation: attribute (dotted inside the body) -> value or callable(world); None leaves it unset
OVERRIDES: dict[str, dict[str, Any]] = {
    "add_address_item": {"body.set_id": lambda w: w.address_set},
    "add_service_items": {"body.set_id": lambda w: w.service_set},
    "list_address_items": {"set_id": lambda w: w.address_set, "address": None},
    "list_address_set_detail": {"set_id": lambda w: w.address_set},
    "update_address_set": {"set_id": lambda w: w.address_set},
    "list_service_items": {"set_id": lambda w: w.service_set},
    "list_service_set_detail": {"set_id": lambda w: w.service_set},
    "update_service_set": {"set_id": lambda w: w.service_set},
    "delete_address_set": {"set_id": lambda w: w.new_address_set()},
    "delete_service_set": {"set_id": lambda w: w.new_service_set()},
    "delete_address_item": {"item_id": lambda w: w.new_address_item()},
    "delete_service_item": {"item_id": lambda w: w.new_service_item()},
    "batch_delete_address_sets": {"body.set_ids": lambda w: [w.new_address_set()]},
    "batch_delete_service_sets": {"body.set_ids": lambda w: [w.new_service_set()]},
    "batch_delete_address_items": {
        "body.set_id": lambda w: w.address_set,
        "body.address_item_ids": lambda w: [w.new_address_item()],
    },
    "batch_delete_service_items": {
        "body.set_id": lambda w: w.service_set,
        "body.service_item_ids": lambda w: [w.new_service_item()],
    },
    "update_black_white_list": {"list_id": lambda w: w.entry},
    "delete_black_white_list": {"list_id": lambda w: w.new_entry()},
    "list_black_white_lists": {"address": None, "port": None},
    "list_address_sets": {"address": None},
    "delete_firewall": {"resource_id": lambda w: w.firewall()},
    "list_firewall_detail": {"name": None},
    "create_firewall": {
        "body.flavor.version": "Professional",
        "body.flavor.extend_eip_count": 0,
        "body.flavor.extend_bandwidth": 0,
        "body.flavor.extend_vpc_count": 0,
        "body.charge_info.charge_mode": "postPaid",
        "body.charge_info.period_type": None,
        "body.charge_info.period_num": None,
    },
    "change_ips_protect_mode": {"body.mode": 1},
    "change_ips_switch_status": {"body.ips_type": 1, "body.status": 1},
    "change_east_west_firewall_status": {"body.object_id": lambda w: w.vpc_object(), "body.status": 1},
    "create_east_west_firewall": {
        "fw_instance_id": lambda w: w.firewall(),
        "body.er_id": "er-opencfw",
        "body.inspection_cidr": "10.9.0.0/16",
        "body.mode": "er",
    },
    "delete_tag": {"body.tags": lambda w: [models.ResourceTag(key="opencfw-test", value="yes")]},
    # logs and statistics: the items each one aggregates by
    "list_access_control_logs": {"action": "permit", "protocol": "TCP", "src_ip": None, "dst_ip": None},
    "list_attack_logs": {"action": "deny", "direction": "out2in", "level": "HIGH", "protocol": "TCP"},
    "list_flow_logs": {"direction": "out2in", "protocol": "TCP"},
    "list_logs": {
        "body.type": "flow",
        "body.filters": lambda w: [models.Filter(field="src_ip", operator="contain", values=["10."])],
    },
    "export_logs": {"body.type": "acl", "body.filters": None, "body.time_zone": "GMT+08:00"},
    "show_logs_count": {"item": "open_port", "vgw_id": None},
    "list_attack_statistic": {"item": "src", "direction": "out2in"},
    "list_flow_statistic": {"item": "dst_port", "asset_type": "public", "direction": "in2out"},
    "show_access_detail": {"item": "top_deny_rule", "item_id": "rule", "direction": "out2in"},
    "show_access_top": {"item": "strategy_dashboard", "direction": "out2in", "rule_id": None},
    "show_attack_detail": {"item": "dst_port", "value": "80", "action": 0},
    "show_attack_top": {"item": ["src_ip", "level"], "action": 1},
    "show_flow_detail": {
        "item": "dst_ip",
        "value": "10.0.0.1",
        "asset_type": "private",
        "direction": "in2out",
    },
    "show_flow_top": {"item": ["src_ip"], "order": "byte", "asset_type": "public", "direction": "in2out"},
    "show_flow_trend": {"ip": ["10.0.0.1"], "vpc": None, "asset_type": "public", "direction": "in2out"},
    "show_traffic_trend": {"agg_type": "max", "ip": ["10.0.0.1"]},
}
#: every statistic takes a list of VGW ids opencfw has none of: left unset
for _op in [
    o for o in OPERATIONS if (o.startswith(("show_", "list_")) and "stat" in o) or "trend" in o or "top" in o
]:
    OVERRIDES.setdefault(_op, {}).setdefault("vgw_id", None)


def _camel(op: str) -> str:
    return "".join(part.capitalize() for part in op.split("_"))


def build(model: type[Any], world: World, overrides: dict[str, Any], prefix: str = "") -> Any:
    """An instance of ``model`` with every attribute filled: an override, a value of its name, a
    nested model built the same way, a one-element list, or a plain value of its type."""
    values = {}
    for attr, kind in model.openapi_types.items():
        path = prefix + attr
        if path in overrides:
            value = overrides[path]
        elif attr in VALUES:
            value = VALUES[attr]
        else:
            value = _of_type(kind, world, overrides, path)
        if callable(value) and not isinstance(value, type):
            value = value(world)
        if value is not None:
            values[attr] = value
    return model(**values)


def _of_type(kind: str, world: World, overrides: dict[str, Any], path: str) -> Any:
    inner = re.fullmatch(r"list\[(.+)\]", kind)
    if inner:
        item = _of_type(inner.group(1), world, overrides, path)
        return None if item is None else [item]
    if hasattr(models, kind):
        return build(getattr(models, kind), world, overrides, path + ".")
    return {"str": "opencfw", "int": 1, "bool": True, "float": 1.0}.get(kind)


def call(cfw: CfwClient, op: str, world: World) -> Any:
    request = build(getattr(models, _camel(op) + "Request"), world, OVERRIDES.get(op, {}))
    return getattr(cfw, op)(request)


@pytest.fixture(scope="module")
def world(server) -> World:
    return World(sdk.client(server.url))


def test_the_list_of_operations_is_the_pinned_sdks():
    """168 operations, and every name in NOT_SERVED_YET is one of them (a typo would hide nothing)."""
    assert len(OPERATIONS) == 168
    assert set(OPERATIONS) >= NOT_SERVED_YET | NEEDS_REAL_VALUES


@pytest.mark.parametrize("op", OPERATIONS)
def test_every_operation_is_answered(world, op):
    """A served operation answers a valid request with its response model; an operation in
    NOT_SERVED_YET is still 404 APIGW.0101 (remove it from the set once it is served)."""
    try:
        response = call(world.cfw, op, world)
    except ClientRequestException as err:
        unrouted = (err.status_code, err.error_code) == (404, "APIGW.0101")
        if op in NOT_SERVED_YET:
            assert unrouted, (
                f"{op} is served now ({err.status_code} {err.error_code}): remove it from NOT_SERVED_YET"
            )
            return
        assert not unrouted, f"{op} is not served (404 APIGW.0101)"
        if op in NEEDS_REAL_VALUES:
            assert err.status_code == 400 and err.error_code.startswith("CFW."), (op, err.status_code)
            return
        pytest.fail(f"{op} refused a valid request: {err.status_code} {err.error_code} {err.error_msg}")
    assert op not in NOT_SERVED_YET, f"{op} is served now: remove it from NOT_SERVED_YET"
    assert op not in NEEDS_REAL_VALUES, f"{op} took its generic request: remove it from NEEDS_REAL_VALUES"
    assert type(response).__name__ == _camel(op) + "Response"
    assert 200 <= response.status_code < 300
