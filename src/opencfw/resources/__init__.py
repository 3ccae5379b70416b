"""The resource registry: every resource opencfw serves by declaration (docs/resources.md).

``REGISTRY`` lists them in dependency order, referenced resources first. Adding a resource is a
module here, a line below, a migration, and its own tests.
"""

from opencfw.resources import (
    acl_rule,
    address_group,
    black_white_list,
    capture,
    domain_set,
    east_west,
    ips,
    ips_settings,
    regions,
    report_profile,
    schedule,
    service_group,
    settings,
)
from opencfw.resources.registry import Link, Registry

REGISTRY = Registry(
    [
        black_white_list.RESOURCE,
        address_group.ADDRESS_SET,
        address_group.ADDRESS_ITEM,
        service_group.SERVICE_SET,
        service_group.SERVICE_ITEM,
        domain_set.DOMAIN_SET,
        domain_set.DOMAIN,
        ips_settings.RESOURCE,
        east_west.RESOURCE,
        ips.CUSTOMER_IPS,
        ips.IPS_WHITELIST,
        capture.CAPTURE_TASK,
        settings.FIREWALL_SETTING,
        settings.OBJECT_SETTING,
        schedule.RESOURCE,
        report_profile.RESOURCE,
    ],
    fixed=(regions.REGIONS,),
    # written by their own code (service/acl_rules.py, store/eips.py), purged with their firewall and project
    owned_elsewhere=(
        "acl_rules",
        "acl_rule_refs",
        "acl_transfers",
        # the EIP code (store/eips.py): a firewall's deletion unprotects its EIPs by purging these
        "eip_protections",
        "eip_settings",
        "eip_alarm_whitelist",
        # written by the declared actions' services (service/ip_blacklist.py & co.)
        "ip_blacklists",
        "firewall_switches",
        "firewall_accounts",
        "private_network_segments",
        # the log records (store/logs_sql.py)
        "log_records",
    ),
    # ACL rules (service/acl_rules.py, ordered) name the groups they use in link rows
    links=(
        Link("acl_rule_refs", "address_set_id", "address_set"),
        Link("acl_rule_refs", "service_set_id", "service_set"),
        Link("acl_rule_refs", "domain_set_id", "domain_set", owner="acl_rules", owner_column="rule_id"),
    ),
    actions=acl_rule.ACTIONS,
)
