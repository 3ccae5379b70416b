"""The resource registry: every resource opencfw serves by declaration (docs/resources.md).

``REGISTRY`` lists them in dependency order, referenced resources first. Adding a resource is a
module here, a line below, a migration, and its own tests.
"""

from opencfw.resources import address_group, black_white_list, service_group
from opencfw.resources.registry import Registry

REGISTRY = Registry(
    [
        black_white_list.RESOURCE,
        address_group.ADDRESS_SET,
        address_group.ADDRESS_ITEM,
        service_group.SERVICE_SET,
        service_group.SERVICE_ITEM,
    ],
    # written by the IPS/east-west code (store/protection_sql.py) and the EIP code (store/eips.py),
    # not by declaration; a firewall's deletion unprotects its EIPs by purging eip_protections
    owned_elsewhere=("ips_settings", "east_west", "eip_protections", "eip_settings", "eip_alarm_whitelist"),
)
