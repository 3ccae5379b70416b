"""Configuration quotas of a firewall (ShowConfigQuota): how many rows of a kind the firewall has,
counted in the store when asked, against the limit opencfw enforces for that kind.

A kind maps to the registry resource that stores it (its table; the limits are the declaration's
quotas, so the answer and the error at the limit agree). A kind whose resource this build does not
declare has no rows: its usage is 0, against the limit the documentation gives."""

from __future__ import annotations

from dataclasses import dataclass

from opencfw.domain.errors import BadParameter, NotFound
from opencfw.resources import REGISTRY
from opencfw.resources.registry import Registry
from opencfw.service import firewall_scope
from opencfw.store.base import Store

#: at most this many private network segments per firewall
SEGMENTS_PER_FIREWALL = 100


@dataclass(frozen=True)
class Kind:
    """``resource``'s rows of the firewall (with ``where`` column values) count against ``limit``;
    with ``per_set``, ``item_info`` counts the rows of the group ``set_id`` against ``set_limit``."""

    resource: str
    limit: int
    where: tuple[tuple[str, int], ...] = ()
    per_set: bool = False
    set_limit: int = 0
    #: a table written outside the registry (private network segments)
    table: str | None = None


def _limit(registry: Registry, resource: str, per: tuple[str, ...], default: int) -> int:
    names = {r.name for r in registry}
    if resource in names:
        for quota in registry[resource].quotas:
            if quota.per == per:
                return quota.limit
    return default


def kinds(registry: Registry = REGISTRY) -> dict[str, Kind]:
    fw = ("firewall_id",)
    group = ("set_id",)
    return {
        # ACL rules are written by their own service (service/acl_rules.py), not by declaration
        "ACL": Kind("", 20000, table="acl_rules"),
        # the predefined groups and their services count in no quota (resources/predefined.py)
        "ADDR_SET": Kind("address_set", _limit(registry, "address_set", fw, 3800), (("predefined", 0),)),
        "ADDR_SET_ITEM": Kind(
            "address_item",
            _limit(registry, "address_item", fw, 30000),
            per_set=True,
            set_limit=_limit(registry, "address_item", group, 640),
        ),
        "ADDR_SET_ITEM_DEVICE": Kind("address_item", _limit(registry, "address_item", fw, 30000)),
        "SERV_SET": Kind("service_set", _limit(registry, "service_set", fw, 512), (("service_set_type", 0),)),
        "SERV_SET_ITEM": Kind(
            "service_item",
            _limit(registry, "service_item", fw, 900),
            (("predefined", 0),),
            per_set=True,
            set_limit=_limit(registry, "service_item", group, 64),
        ),
        "SERV_SET_ITEM_DEVICE": Kind(
            "service_item", _limit(registry, "service_item", fw, 900), (("predefined", 0),)
        ),
        "BLACKLIST": Kind("black_white_list", 2000, (("list_type", 4),)),
        "WHITELIST": Kind("black_white_list", 2000, (("list_type", 5),)),
        "PRIVATE_NETWORK_SEGMENT": Kind("", SEGMENTS_PER_FIREWALL, table="private_network_segments"),
        # domain groups (the documented limits: application groups 500 per firewall, 1,500 domains
        # per group and 2,500 per firewall; network groups 15 domains per group and 1,000 per
        # firewall, 1,500 resolved addresses per group; no documented group count for network groups)
        "APPLICATION_DOMAIN_SET": Kind("domain_set", 500, (("domain_set_type", 0),)),
        "APPLICATION_DOMAIN_SET_ITEM": Kind(
            "domain", 2500, (("domain_set_type", 0),), per_set=True, set_limit=1500
        ),
        "APPLICATION_DOMAIN_SET_ITEM_DEVICE": Kind("domain", 2500, (("domain_set_type", 0),)),
        "DNS_DOMAIN_SET": Kind("domain_set", 500, (("domain_set_type", 1),)),
        "DOMAIN": Kind("domain", 1000, (("domain_set_type", 1),), per_set=True, set_limit=15),
        "DOMAIN_DEVICE": Kind("domain", 1000, (("domain_set_type", 1),)),
        "DNS_DOMAIN_SET_PARSE_IP": Kind("domain_parse_ip", 1500),
    }


KINDS = kinds()


@dataclass(frozen=True)
class Usage:
    quota_type: str
    max_quota: int
    used_quota: int
    #: the group's own count (``set_id`` given): (max, used)
    item: tuple[int, int] | None


class ConfigQuota:
    def __init__(self, store: Store, registry: Registry = REGISTRY) -> None:
        self.db = firewall_scope.database(store)
        self.registry = registry

    def usage(self, project_id: str, firewall_id: str, config_type: str, set_id: str | None) -> Usage:
        kind = KINDS.get(config_type)
        if kind is None:
            raise BadParameter(f"The query parameter `config_type` must be one of {', '.join(KINDS)}")
        table = kind.table or self._table(kind.resource)
        with self.db.read() as conn:
            firewall_scope.check_firewall(self.db, conn, project_id, firewall_id)
            used = self._count(conn, table, project_id, firewall_id, kind.where)
            item = None
            if kind.per_set and set_id is not None:
                in_set = self._count(conn, table, project_id, firewall_id, (("set_id", set_id),))
                if (
                    table is not None
                    and in_set == 0
                    and not self._set_exists(conn, kind, project_id, firewall_id, set_id)
                ):
                    raise NotFound(f"The group {set_id} does not exist")
                item = (kind.set_limit, in_set)
        return Usage(config_type, kind.limit, used, item)

    def _table(self, resource: str) -> str | None:
        return self.registry[resource].table if resource in {r.name for r in self.registry} else None

    def _set_exists(self, conn: object, kind: Kind, project_id: str, firewall_id: str, set_id: str) -> bool:
        parent = self.registry[kind.resource].parent
        if parent is None:
            return False
        table = self.registry[parent.resource].table
        return self._count(conn, table, project_id, firewall_id, (("id", set_id),)) > 0

    def _count(
        self,
        conn: object,
        table: str | None,
        project_id: str,
        firewall_id: str,
        where: tuple[tuple[str, object], ...],
    ) -> int:
        if table is None:  # not declared in this build: no rows can exist
            return 0
        sql = " AND ".join(
            [
                self.db.sql("count_where", table=table),
                *(self.db.sql("filter_exact", column=c) for c, _ in where),
            ]
        )
        values = (project_id, firewall_id, *(v for _, v in where))
        return int(conn.execute(sql, values).fetchone()[0])  # type: ignore[attr-defined]
