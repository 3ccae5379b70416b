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
    # written by the IPS/east-west code (store/protection_sql.py), not yet by declaration, and
    # the log records (store/logs_sql.py)
    owned_elsewhere=("ips_settings", "east_west", "log_records"),
)
