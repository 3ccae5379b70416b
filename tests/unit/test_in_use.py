"""A group a rule still uses cannot be deleted (CFW.00200004), on both stores. The rules arrive
later; here a test-only rule resource, declared like any other with ``Reference``s (one column
for an address group and a domain group, a link child for service groups), gets the in-use
checks, ``ref_count`` and a domain group's ``rules`` from its declaration alone."""

from __future__ import annotations

import msgspec
import pytest
from msgspec import Struct

from opencfw.domain.errors import InUse
from opencfw.resources import REGISTRY, address_group, domain_set, service_group
from opencfw.resources.registry import Operation, Parent, Reference, Registry, Resource, Scope
from opencfw.service.resources import ResourceServices, Where
from tests.unit.test_store_protection import P, firewall


class Rule(Struct):
    id: str
    project_id: str
    firewall_id: str
    object_id: str
    name: str
    address_set_id: str | None
    domain_set_id: str | None
    created_ms: int
    updated_ms: int


class RuleIn(Struct):
    object_id: str
    name: str
    address_set_id: str | None = None
    domain_set_id: str | None = None


class RuleService(Struct):
    id: str
    project_id: str
    firewall_id: str
    rule_id: str
    set_id: str
    created_ms: int
    updated_ms: int


class RuleServiceIn(Struct):
    rule_id: str
    set_id: str


class Query(Struct):
    object_id: str | None = None
    rule_id: str | None = None


def _ops(name: str) -> tuple[Operation, ...]:
    return (
        Operation("list", "GET", f"/v1/{{project_id}}/{name}s", f"list_{name}s"),
        Operation("delete", "DELETE", f"/v1/{{project_id}}/{name}s/{{id}}", f"delete_{name}"),
    )


RULE = Resource(
    name="test_rule",
    title="rule",
    table="test_rules",
    model=Rule,
    create=RuleIn,
    update=None,
    query=Query,
    record=Rule,
    scope=Scope.OBJECT,
    operations=_ops("test_rule"),
    references=(Reference("address_set_id", "address_set"), Reference("domain_set_id", "domain_set")),
)
RULE_SERVICE = Resource(
    name="test_rule_service",
    title="rule's service group",
    table="test_rule_services",
    model=RuleService,
    create=RuleServiceIn,
    update=None,
    query=Query,
    record=RuleService,
    scope=Scope.PARENT,
    parent=Parent("test_rule", "rule_id"),
    operations=_ops("test_rule_service"),
    references=(Reference("set_id", "service_set"),),
)
DDL = [
    "CREATE TABLE test_rules (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, firewall_id TEXT NOT NULL, "
    "object_id TEXT NOT NULL, name TEXT NOT NULL, address_set_id TEXT, domain_set_id TEXT, "
    "created_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL)",
    "CREATE TABLE test_rule_services (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, firewall_id TEXT NOT NULL, "
    "rule_id TEXT NOT NULL, set_id TEXT NOT NULL, created_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL)",
]


@pytest.fixture
def world(store, clock):
    with store._write() as conn:
        for statement in DDL:
            conn.execute(statement)
    services = ResourceServices(store, clock, Registry([*REGISTRY, RULE, RULE_SERVICE]))
    _, obj = firewall(store, clock)
    where = Where(P, object_id=obj)
    make = lambda kind, body: msgspec.convert({"object_id": obj, **body}, kind)  # noqa: E731
    groups = {
        "address_set": services["address_set"].create(
            where, make(address_group.AddAddressSetDto, {"name": "a"})
        ),
        "service_set": services["service_set"].create(
            where, make(service_group.AddServiceSetUsingPOSTRequestBody, {"name": "s"})
        ),
        "domain_set": services["domain_set"].create(
            where, make(domain_set.AddDomainSetInfoDto, {"name": "d"})
        ),
    }
    rule = services["test_rule"].create(
        where,
        RuleIn(obj, "allow-web", groups["address_set"].id, groups["domain_set"].id),
    )
    services["test_rule_service"].create(
        Where(P, parent_id=rule.id), RuleServiceIn(rule.id, groups["service_set"].id)
    )
    return services, where, groups, rule


@pytest.mark.parametrize("kind", ["address_set", "service_set", "domain_set"])
def test_a_group_a_rule_uses_cannot_be_deleted(world, kind):
    """Deleting a used group, alone or in a batch with an unused one, is CFW.00200004 and deletes
    nothing; once the rule is gone the group can go."""
    services, where, groups, rule = world
    group = groups[kind]
    svc = services[kind]
    with pytest.raises(InUse) as err:
        svc.delete(where, group.id)
    assert (err.value.error_code, err.value.http_status) == ("CFW.00200004", 400)
    spare = svc.create(where, msgspec.structs.replace(_body(kind, where), name="spare"))
    with pytest.raises(InUse):
        svc.delete_many(where, [spare.id, group.id])
    assert svc.get(where, spare.id) and svc.get(where, group.id)
    services["test_rule"].delete(where, rule.id)  # takes its link rows with it
    assert svc.delete(where, group.id).id == group.id


def test_used_groups_count_and_name_their_rules(world):
    """``ref_count`` counts the referring rules (through the link rows too) and a domain group's
    ``rules`` names them."""
    services, where, groups, rule = world
    for kind, group in groups.items():
        (extra,) = services[kind].extras(where, [group])
        assert extra["ref_count"] == 1, kind
    (extra,) = services["domain_set"].extras(where, [groups["domain_set"]])
    assert extra["rules"] == [{"id": rule.id, "name": "allow-web"}]
    service_rules = services["service_set"].repo.referrer_rows(
        where, [groups["service_set"].id], services.registry
    )
    assert service_rules == {groups["service_set"].id: [{"id": rule.id, "name": "allow-web"}]}


def _body(kind: str, where: Where) -> Struct:
    bodies = {
        "address_set": address_group.AddAddressSetDto,
        "service_set": service_group.AddServiceSetUsingPOSTRequestBody,
        "domain_set": domain_set.AddDomainSetInfoDto,
    }
    return msgspec.convert({"object_id": where.object_id, "name": "x"}, bodies[kind])
