"""Every operation of the pinned official SDK's ``CfwClient``, called through the SDK against a real
server process with a valid request built from its request model: an operation opencfw serves must
answer with something that parses into the SDK's response model, never 404 ``APIGW.0101``.

The request is built generically from the model's ``openapi_types`` (a value per attribute name,
else per type, nested models built the same way); ``OVERRIDES`` give the values that must be real
(a firewall, a protected object, and objects made for the call by ``World``: a group, an entry, an
ACL rule, a schedule, a report profile, a capture task, a custom IPS rule, a domain name group, an
EIP, an IP blacklist import...) or that one operation reads differently (an enum, a time of day, a
filter left unset). ``NOT_SERVED_YET`` lists the operations no branch merged here serves yet: each
must still be 404 APIGW.0101, so the set shrinks as operations land (the test fails otherwise)."""

from __future__ import annotations

import inspect
import itertools
import re
import time
from pathlib import Path
from typing import Any

import huaweicloudsdkcfw.v1.model as models
import pytest
from huaweicloudsdkcfw.v1 import CfwClient
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.formdata import FormFile

from tests.acceptance import sdk
from tests.acceptance.server import PROJECT
from tests.acceptance.test_ips_sdk import rule_body

#: every operation of the client: the methods that build an HTTP request (not their invokers)
OPERATIONS = sorted(set(re.findall(r"def _(\w+)_http_info\(", inspect.getsource(CfwClient))))

#: operations served on other branches or not yet built; the lead empties this at merge
NOT_SERVED_YET: set[str] = set()  # every operation of the official client is served
#: served operations whose generic request is not valid (the builder needs an override with real
#: values for them): they must be routed and refuse the made-up values with a documented 400 (a CFW
#: error code), never 404 APIGW.0101 or a 5xx. Every operation has its valid request now.
NEEDS_REAL_VALUES: set[str] = set()


class World:
    """A running firewall, its Internet-border object, and makers of fresh objects for the calls
    that need a real one (a delete gets an object of its own)."""

    def __init__(self, cfw: CfwClient, server: Any, tmp: Path) -> None:
        self.cfw = cfw
        self.server = server
        self.tmp = tmp
        self.memo: dict[str, Any] = {}
        self.names = (f"ops{i}" for i in itertools.count())
        self.fw = self.firewall()
        self.obj = sdk.detail(cfw, self.fw).data.records[0].protect_objects[0].object_id
        self.address_set = self.new_address_set()
        self.service_set = self.new_service_set()
        self.entry = self.new_entry()
        self.ips_rules = [self.new_custom_ips() for _ in range(3)]
        self.account = self.cfw.enable_multi_account(models.EnableMultiAccountRequest(fw_instance_id=self.fw))

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

    def acl_rule(self) -> str:
        body = models.AddRuleAclDto(object_id=self.obj, type=0, rules=[self.rule_body()])
        return self.cfw.add_acl_rule(models.AddAclRuleRequest(body=body)).data.rules[0].id

    def rule_body(self) -> Any:
        return models.AddRuleAclDtoRules(
            name=self.name(),
            sequence=models.OrderRuleAclDto(bottom=1),
            address_type=0,
            action_type=0,
            status=1,
            long_connect_enable=0,
            direction=0,
            source=models.RuleAddressDtoForRequest(type=0, address="0.0.0.0/0"),
            destination=models.RuleAddressDtoForRequest(type=0, address=self._address()),
            service=models.RuleServiceDto(type=0, protocol=6, source_port="1-65535", dest_port="443"),
        )

    def schedule(self) -> str:
        return self.cfw.create_schedule(models.CreateScheduleRequest(body=self.schedule_body())).data.id

    def schedule_body(self) -> Any:
        plan = models.ScheduleInfoDTOPeriodic(
            type=1, start_time="08:00:00", end_time="18:00:00", week_mask=[1, 2]
        )
        absolute = models.ScheduleInfoDTOAbsolute(start_time=NOW_MS, end_time=NOW_MS + 86_400_000)
        return models.ScheduleInfoDTO(
            object_id=self.obj, name=self.name(), periodic=[plan], absolute=absolute
        )

    def report_body(self) -> Any:
        return models.CreateReportProfileDto(
            category="custom",
            name=self.name(),
            topic_urn="urn:smn:cn-north-4:0123:audit",
            statistic_period=models.StatisticPeriod(start_time=1_700_000_000_000, end_time=1_700_086_399_999),
            status=1,
            subscription_type=0,
        )

    def report_profile(self) -> str:
        request = models.CreateReportProfileRequest(fw_instance_id=self.fw, body=self.report_body())
        return self.cfw.create_report_profile(request).data.id

    def report(self) -> tuple[str, str]:
        """A custom profile over a past period and the report it has made."""
        profile = self.report_profile()
        history = self.cfw.list_report_history(
            models.ListReportHistoryRequest(
                fw_instance_id=self.fw, report_profile_id=profile, limit=10, offset=0
            )
        )
        return profile, history.data.records[0].report_id

    def capture_body(self) -> Any:
        return models.CaptureTaskDto(
            name=self.name(),
            duration=10,
            max_packets=1000,
            source=models.CaptureRuleAddressDto(address=self._address(), address_type=0, type=0),
            destination=models.CaptureRuleAddressDto(address="10.0.0.0/24", address_type=0, type=0),
            service=models.CaptureServiceDto(protocol=6, source_port="1-65535", dest_port="443"),
        )

    def capture_task(self) -> str:
        body = self.capture_body()
        self.cfw.create_capture_task(models.CreateCaptureTaskRequest(fw_instance_id=self.fw, body=body))
        found = self.cfw.list_capture_task(
            models.ListCaptureTaskRequest(fw_instance_id=self.fw, limit=100, offset=0)
        )
        return next(t.task_id for t in found.data.records if t.name == body.name)

    def ips_body(self) -> Any:
        return rule_body(self.fw, self.name())

    def new_custom_ips(self) -> str:
        body = self.ips_body()
        self.cfw.create_customer_ips(models.CreateCustomerIpsRequest(body=body))
        page = self.cfw.list_customer_ips(
            models.ListCustomerIpsRequest(fw_instance_id=self.fw, ips_name=body.ips_name, limit=10, offset=0)
        )
        return page.data.records[0].ips_cfw_id

    def custom_ips(self) -> str:
        """A custom IPS rule made with the world, once it is applied (it cannot change before)."""
        rule = self.ips_rules.pop()
        request = models.ShowCustomerIpsInfoRequest(ips_cfw_id=rule, fw_instance_id=self.fw)
        deadline = time.monotonic() + 10
        while self.cfw.show_customer_ips_info(request).data.config_status != 2:
            assert time.monotonic() < deadline, f"the custom IPS rule {rule} is never applied"
            time.sleep(0.05)
        return rule

    def domain_set(self, *domains: str) -> str:
        names = [models.DomainSetInfoDto(domain_name=d) for d in domains or ("www.example.com",)]
        body = models.AddDomainSetInfoDto(
            fw_instance_id=self.fw,
            object_id=self.obj,
            name=self.name(),
            domain_set_type=0,
            domain_names=names,
        )
        return self.cfw.add_domain_set(models.AddDomainSetRequest(fw_instance_id=self.fw, body=body)).data.id

    def domain(self) -> tuple[str, str]:
        """A domain name group with two names: (group, the first name's id)."""
        group = self.domain_set("www.example.com", "api.example.com")
        listed = self.cfw.list_domains(
            models.ListDomainsRequest(domain_set_id=group, fw_instance_id=self.fw, limit=10, offset=0)
        )
        return group, listed.data.records[0].domain_address_id

    def ips_whitelist(self) -> str:
        entry = models.IpsWhiteListDto(
            name=self.name(),
            ip_version=4,
            ips_id="all",
            effective_scopes=["EIP"],
            source_address=self._address(),
        )
        body = models.BatchCreateIpsWhiteListDto(ips_white_list_dto_list=[entry])
        request = models.BatchCreateIpsWhitelistRequest(fw_instance_id=self.fw, body=body)
        return self.cfw.batch_create_ips_whitelist(request).data.list_ids[0]

    def segment(self) -> str:
        n = next(self.addresses)
        body = models.EwPrivateNetworkSegmentsDto(
            private_network_segments=[
                models.PrivateNetworkSegmentVO(protect_network=f"172.{16 + n % 16}.{n % 256}.0/24")
            ]
        )
        self.cfw.batch_create_private_network_segments(
            models.BatchCreatePrivateNetworkSegmentsRequest(fw_instance_id=self.fw, body=body)
        )
        listed = self.cfw.list_private_network_segments(
            models.ListPrivateNetworkSegmentsRequest(fw_instance_id=self.fw)
        )
        return listed.data.private_network_list[-1].conf_id

    def eip(self) -> dict[str, Any]:
        """An EIP of the project's inventory made for the call, shown to CFW by a sync."""
        status, _, body = self.server.request(
            "POST",
            f"/_opencfw/v1/{PROJECT}/eips",
            headers={"X-Auth-Token": self.server.token()},
            body={"count": 1},
        )
        assert status == 201, body
        self.cfw.list_eips(models.ListEipsRequest(object_id=self.obj, sync=1, limit=10, offset=0))
        return body["eips"][0]

    def blacklist(self, status: int) -> str:
        """The name of an IP blacklist import that ended with ``status`` (1 done, 0 failed): one of
        the world's, else a new one (into scope 1 a network, into scope 2 a name that is none)."""
        found = [r.name for r in self.blacklists() if r.import_status == status]
        if found:
            return found[0]
        scope, text = (1, "192.0.2.0/24") if status == 1 else (2, "nonsense")
        body = models.IpBlacklistImportDto(add_type=0, ip_blacklist=text, effect_scope=[scope])
        self.cfw.import_ip_blacklist(models.ImportIpBlacklistRequest(fw_instance_id=self.fw, body=body))
        found = [r.name for r in self.blacklists() if r.import_status == status]
        assert found, f"no IP blacklist import ended with {status}"
        return found[0]

    def blacklists(self) -> list[Any]:
        """The firewall's IP blacklists once none is importing (an import takes 2 s)."""
        request = models.ListIpBlacklistRequest(fw_instance_id=self.fw, limit=10, offset=0)
        deadline = time.monotonic() + 10
        while True:
            records = self.cfw.list_ip_blacklist(request).data.records
            if all(r.import_status != 2 for r in records):
                return records
            assert time.monotonic() < deadline, "an IP blacklist import never ends"
            time.sleep(0.05)

    def template(self) -> Any:
        """The ACL import template, as a file to upload."""
        response = self.cfw.download_import_template(models.DownloadImportTemplateRequest(object_id=self.obj))
        chunks: list[bytes] = []
        response.consume_download_stream(lambda stream: chunks.append(stream.content))
        path = self.tmp / f"{self.name()}.json"
        path.write_bytes(b"".join(chunks))
        return FormFile(str(path), "application/octet-stream")

    def once(self, key: str, make: Any) -> Any:
        """What ``make()`` gives, made once for the request being built (several attributes name it)."""
        if key not in self.memo:
            self.memo[key] = make()
        return self.memo[key]

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
    # ACL rules: a rule made for the call, at the bottom
    "add_acl_rule": {"body.type": 0, "body.rules": lambda w: [w.rule_body()]},
    "update_acl_rule": {
        "acl_rule_id": lambda w: w.acl_rule(),
        "body": lambda w: models.UpdateRuleAclDto(name=w.name(), type=0, description="changed"),
    },
    "update_acl_rule_order": {
        "acl_rule_id": lambda w: w.acl_rule(),
        "body": lambda w: models.OrderRuleAclDto(top=1),
    },
    "delete_acl_rule": {"acl_rule_id": lambda w: w.acl_rule()},
    "batch_delete_acl_rules": {"body.rule_ids": lambda w: [w.acl_rule()]},
    "batch_update_acl_rule_actions": {"body.action": "disable", "body.rule_ids": lambda w: [w.acl_rule()]},
    "list_acl_rule_hit_count": {"body.rule_ids": lambda w: [w.acl_rule()]},
    "delete_acl_rule_hit_count": {"body.rule_ids": lambda w: [w.acl_rule()]},
    "list_acl_rule_hit_status": {"body.rule_ids": lambda w: [w.acl_rule()]},
    "download_export_result": {"object_id": lambda w: _exported(w)},
    "import_rule_acl": {"body.file": lambda w: w.template()},
    "download_import_result": {"object_id": lambda w: _imported(w)},
    "batch_delete_black_white_lists": {"body.list_ids": lambda w: [w.new_entry()]},
    # schedules
    "create_schedule": {"body": lambda w: w.schedule_body()},
    "update_schedule": {"schedule_id": lambda w: w.schedule(), "body": lambda w: w.schedule_body()},
    "delete_schedule": {"schedule_id": lambda w: w.schedule()},
    "batch_delete_schedules": {"body.schedule_ids": lambda w: [w.schedule()]},
    # report profiles and reports
    "create_report_profile": {"body": lambda w: w.report_body()},
    "list_report_profiles": {"category": "custom"},
    "show_report_profile": {"report_profile_id": lambda w: w.report_profile()},
    "update_report_profile": {
        "report_profile_id": lambda w: w.report_profile(),
        "body": lambda w: models.UpdateReportProfileDto(name=w.name(), description="changed"),
    },
    "delete_report_profile": {"report_profile_id": lambda w: w.report_profile()},
    "list_report_history": {"report_profile_id": lambda w: w.report_profile()},
    "show_firewall_report": {
        "report_profile_id": lambda w: w.once("report", w.report)[0],
        "report_id": lambda w: w.once("report", w.report)[1],
    },
    # capture tasks
    "create_capture_task": {"body": lambda w: w.capture_body()},
    "cancel_capture_task": {"body.task_id": lambda w: w.capture_task()},
    "delete_capture_task": {"body.task_ids": lambda w: [w.capture_task()]},
    "list_capture_result": {"task_id": lambda w: w.capture_task(), "type": 0, "ip": None},
    # IPS: custom rules, the rule library, advanced rules, the whitelist
    "create_customer_ips": {"body": lambda w: w.ips_body()},
    "update_customer_ips": {"ips_cfw_id": lambda w: w.custom_ips(), "body": lambda w: w.ips_body()},
    "batch_delete_customer_ips": {"body.ips_ids": lambda w: [w.custom_ips()], "body.action_type": None},
    "batch_update_customer_ips_action": {"body.ips_ids": lambda w: [w.custom_ips()], "body.action_type": 0},
    "change_ips_rule_mode": {"body.ips_ids": [], "body.status": "ALL_DEFAULT"},
    "list_ips_rules": {
        "create_time": None,
        "ips_id": None,
        "ips_name_like": None,
        "ips_status": None,
        "ips_cve_like": None,
        "ips_group": None,
        "ips_level": None,
        "affected_application_like": None,
        "ips_rules_type_like": None,
        "is_updated_ips_rule_queried": None,
    },
    "update_advanced_ips_rule": {"body": lambda w: _advanced(w)},
    "batch_create_ips_whitelist": {
        "body.ips_white_list_dto_list": lambda w: [
            models.IpsWhiteListDto(
                name=w.name(),
                ip_version=4,
                ips_id="all",
                effective_scopes=["EIP"],
                source_address=w._address(),
            )
        ]
    },
    "update_ips_whitelist": {
        "list_id": lambda w: w.ips_whitelist(),
        "body": lambda w: models.UpdateIpsWhitelistDto(
            name=w.name(), ip_version=4, ips_id="all", effective_scopes=["EIP"], source_address=w._address()
        ),
    },
    "batch_delete_ips_whitelist": {"body.list_ids": lambda w: [w.ips_whitelist()]},
    # domain name groups
    "add_domain_set": {
        "body.domain_names": lambda w: [models.DomainSetInfoDto(domain_name="www.example.com")],
        "body.domain_set_type": 0,
    },
    "add_domains": {
        "set_id": lambda w: w.domain_set(),
        "body.domain_names": lambda w: [models.DomainSetInfoDto(domain_name="api.example.com")],
    },
    "list_domains": {"domain_set_id": lambda w: w.domain_set()},
    "show_domain_set_detail": {"domain_set_id": lambda w: w.domain_set()},
    "update_domain_set": {
        "set_id": lambda w: w.domain_set(),
        "body": lambda w: models.UpdateDomainSetInfoDto(name=w.name()),
    },
    "delete_domain_set": {"set_id": lambda w: w.domain_set()},
    "batch_delete_domain_set": {"body.set_ids": lambda w: [w.domain_set()]},
    "delete_domains": {
        "set_id": lambda w: w.once("domain", w.domain)[0],
        "body": lambda w: models.DeleteDomainDto(
            object_id=w.obj, domain_address_ids=[w.once("domain", w.domain)[1]]
        ),
    },
    "list_domain_parse_detail": {"domain_name": "www.example.com", "address_type": 0},
    "list_domain_parse_ip": {
        "address_type": 0,
        "domain_address_id": lambda w: w.once("domain", w.domain)[1],
        "domain_set_id": lambda w: w.once("domain", w.domain)[0],
    },
    "list_domain_resolve_ip": {"address_type": "0", "domain_address_id": lambda w: w.domain()[1]},
    # EIPs
    "list_eips": {
        "status": None,
        "key_word": None,
        "device_key": None,
        "fw_key_word": None,
        "tags": None,
        "eps_id": None,
        "address_type": None,
    },
    # off: left on, it would protect every EIP that other tests on the shared server add
    "switch_auto_protect_status": {"body.status": 0},
    "add_eip_alarm_whitelist": {"body.eip_infos": lambda w: [_eip_info(w)]},
    "list_alarm_whitelist": {"ip_address": None},
    # multi-account
    "list_organization_tree": {"parent_id": None, "marker": None},
    "list_organization_accounts": {"parent_id": lambda w: w.account.data.id, "marker": None},
    "batch_add_accounts": {"body.accounts": [models.AccountInfo(account_id=PROJECT)]},
    "batch_remove_accounts": {"body.accounts": lambda w: _added_account(w)},
    # the IP blacklist
    "export_ip_blacklist": {"name": lambda w: w.blacklist(1)},
    "retry_ip_blacklist": {"name": lambda w: w.blacklist(0)},
    "import_ip_blacklist": {"body": lambda w: _blacklist_import(w)},
    # firewall configuration
    "add_custom_dns_server": {"server_ip": "1.1.1.1"},
    "update_dns_servers": {
        "body": lambda w: models.UpdateDnsServersRequestBody(
            dns_server=[
                models.UpdateDnsServersRequestBodyDnsServer(
                    server_ip="8.8.8.8", is_customized=1, is_applied=1
                )
            ],
            health_check_domain_name="example.com",
        )
    },
    "update_alarm_config": {
        "body.language": "en-us",
        "body.alarm_type": 0,
        "body.severity": "CRITICAL,HIGH",
        "body.topic_urn": "urn:smn:cn-north-4:0123:opencfw-alarms",
    },
    # east-west segments, quotas, descriptions
    "batch_create_private_network_segments": {
        "body.private_network_segments": [
            models.PrivateNetworkSegmentVO(protect_network="10.0.0.0/16", az_info="az1", subnet_name="a")
        ]
    },
    "update_private_network_segment": {
        "body": lambda w: models.PrivateNetworkSegmentVO(conf_id=w.segment(), protect_network="10.1.0.0/16")
    },
    "batch_delete_private_network_segments": {"body.conf_ids": lambda w: [w.segment()]},
    "show_config_quota": {"config_type": "ACL", "set_id": None},
    "update_object_config_desc": {
        "body": lambda w: models.UpdateObjectConfigDesc(
            description="changed",
            fw_instance_id=w.fw,
            item_id=w.new_address_item(),
            set_id=w.address_set,
            type="ADDR_SET",
        )
    },
}


def _exported(w: World) -> str:
    w.cfw.export_rule_acl(models.ExportRuleAclRequest(body=models.ExportRuleAclRequestBody(object_id=w.obj)))
    return w.obj


def _imported(w: World) -> str:
    body = models.ImportRuleAclRequestBody(file=w.template())
    w.cfw.import_rule_acl(models.ImportRuleAclRequest(object_id=w.obj, body=body))
    return w.obj


def _advanced(w: World) -> Any:
    """A change of the object's scan-detection advanced IPS rule."""
    listed = w.cfw.list_advanced_ips_rules(models.ListAdvancedIpsRulesRequest(object_id=w.obj))
    scan = next(r for r in listed.data.advanced_ips_rules if r.ips_rule_type == 0)
    return models.AdvancedIpsRuleDto(
        object_id=w.obj,
        ips_rule_id=scan.ips_rule_id,
        ips_rule_type=0,
        action=2,
        status=1,
        param='{"threshold": 20}',
    )


def _blacklist_import(w: World) -> Any:
    """A list of networks for scope 1, once no import is running (one at a time per scope)."""
    w.blacklists()
    return models.IpBlacklistImportDto(add_type=0, ip_blacklist="198.51.100.0/24", effect_scope=[1])


def _eip_info(w: World) -> Any:
    eip = w.eip()
    return models.EipInfo(eip_id=eip["id"], public_ip=eip["public_ip"], fw_instance_id=w.fw, object_id=w.obj)


def _added_account(w: World) -> list[Any]:
    """The project, added as an account of the organisation so that it can be removed."""
    accounts = [models.AccountInfo(account_id=PROJECT)]
    w.cfw.batch_add_accounts(
        models.BatchAddAccountsRequest(fw_instance_id=w.fw, body=models.AccountDto(accounts=accounts))
    )
    return accounts


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
    world.memo = {}
    request = build(getattr(models, _camel(op) + "Request"), world, OVERRIDES.get(op, {}))
    return getattr(cfw, op)(request)


@pytest.fixture(scope="module")
def world(server, tmp_path_factory) -> World:
    return World(sdk.client(server.url), server, tmp_path_factory.mktemp("ops"))


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
