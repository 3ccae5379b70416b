"""The resource registry: every resource opencfw serves by declaration (docs/resources.md).

``REGISTRY`` lists them in dependency order, referenced resources first. Adding a resource is a
module here, a line below, a migration, and its own tests.
"""

from opencfw.resources import address_group, black_white_list, report_profile, schedule, service_group
from opencfw.resources.registry import Registry

REGISTRY = Registry(
    [
        black_white_list.RESOURCE,
        address_group.ADDRESS_SET,
        address_group.ADDRESS_ITEM,
        service_group.SERVICE_SET,
        service_group.SERVICE_ITEM,
        schedule.RESOURCE,
        report_profile.RESOURCE,
    ],
    # written by the IPS/east-west code (store/protection_sql.py), not yet by declaration
    owned_elsewhere=(
        "ips_settings",
        "east_west",
        # written by the declared actions' services (service/ip_blacklist.py & co.)
        "ip_blacklists",
        "firewall_settings",
        "firewall_accounts",
        "private_network_segments",
    ),
)
