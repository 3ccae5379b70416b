"""The predefined address and service groups every firewall starts with, on its Internet-border
object: read-only rows stored with the firewall (``Resource.builtin``), listed with
``query_address_set_type=1`` / ``query_service_set_type=1``.

Their ids are the object's id and a fixed suffix (``<object_id>-nat64``; a member
``<set id>-<n>``), so that they are the same for a firewall on every server and the migration that
introduced them could add them to firewalls made before. The real service's catalogue is not
documented beyond the groups' kinds: the names and the services below are opencfw's choice
(docs/api-notes.md)."""

from __future__ import annotations

from opencfw.domain.errors import OpenCfwError

#: address groups: (id suffix, name, address_set_type); address_type 0, no members
ADDRESS_SETS = (
    ("waf", "WAF-back-to-source", 1),
    ("nat64", "NAT64", 3),
)
#: service groups: (id suffix, name, description, [(protocol, source_port, dest_port)])
SERVICE_SETS = (
    (
        "web",
        "Web",
        "Common web services",
        [(6, "1-65535", "80"), (6, "1-65535", "443"), (6, "1-65535", "8080")],
    ),
    (
        "remote",
        "Remote-login-and-ping",
        "Remote login and ping",
        [(6, "1-65535", "22"), (6, "1-65535", "23"), (6, "1-65535", "3389"), (1, "", "")],
    ),
    (
        "database",
        "Database",
        "Common databases",
        [
            (6, "1-65535", "1433"),
            (6, "1-65535", "1521"),
            (6, "1-65535", "3306"),
            (6, "1-65535", "5432"),
            (6, "1-65535", "6379"),
            (6, "1-65535", "27017"),
        ],
    ),
)


class ReadOnly(OpenCfwError):
    error_code = "CFW.00200010"
    http_status = 400
    default_message = "config type error: a predefined group cannot be changed"


def set_id(object_id: str, suffix: str) -> str:
    return f"{object_id}-{suffix}"


def item_id(group_id: str, n: int) -> str:
    return f"{group_id}-{n}"
