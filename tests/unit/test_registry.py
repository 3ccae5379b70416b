"""The machinery of the resource registry: declarations, the named-query catalogue, the operation
table against the official SDK's own, the router, and the generated OpenAPI document."""

from __future__ import annotations

import json
import re
import types
from pathlib import Path

import msgspec
import pytest
from huaweicloudsdkcfw.v1 import CfwClient

from opencfw.api import (
    action_routes,
    eip_openapi,
    resource_openapi,
    resource_routes,
    routes_actions,
    routes_domains,
    routes_logs,
)
from opencfw.api.app import App
from opencfw.api.http import Route
from opencfw.api.http import Router as ListRouter
from opencfw.api.routing import Router
from opencfw.domain.errors import MethodNotAllowed, RouteNotFound
from opencfw.resources import REGISTRY
from opencfw.resources.registry import Link, Operation, Registry, Resource, Scope
from opencfw.store.db import DIALECTS, Catalogue, catalogue
from tests.unit import test_api

env = test_api.env
api = test_api.api

DOCUMENT = Path(__file__).parents[2] / "src" / "opencfw" / "api" / "openapi.json"


def sdk_operations() -> dict[str, tuple[str, str]]:
    """``{operation: (method, path)}`` of every operation of the official Python SDK's CfwClient,
    read from the ``http_info`` each operation builds."""
    found = {}
    for name in dir(CfwClient):
        builder = getattr(CfwClient, f"_{name}_http_info", None)
        if name.startswith("_") or builder is None:
            continue
        info = builder(types.SimpleNamespace(attribute_map={}))
        found[name] = (info["method"], info["resource_path"])
    return found


def shape(path: str) -> str:
    """A path template with its parameter names dropped: SDK and server may name them differently."""
    return re.sub(r"\{\w+\}", "{}", path)


# -- the operation table


def test_the_sdk_table_is_read():
    """The official client's table has the 168 operations of CFW v1 (the reading works)."""
    table = sdk_operations()
    assert len(table) == 168
    assert table["list_job"] == ("GET", "/v3/{project_id}/jobs/{job_id}")


@pytest.mark.parametrize(
    "op", [*resource_routes.operations(), *routes_actions.ACTIONS], ids=lambda op: op.sdk
)
def test_every_declared_operation_is_the_sdks(op):
    """Each declared operation has the method and path of the SDK operation of the same name."""
    assert sdk_operations()[op.sdk] == (op.method, op.path)


def test_every_served_cfw_route_is_an_sdk_operation(api):
    """Every route of the documented CFW API (hand-written or declared) has the method and path of
    an operation of the official client, so a typo in a path fails here."""
    runtime, _, _ = api
    sdk = {(method, shape(path)) for method, path in sdk_operations().values()}
    cfw = [
        r
        for r in App(runtime).router.routes
        if re.match(r"^/v[12]/\{project_id\}/", r.template) or r.template.startswith("/v3/{project_id}/")
    ]
    assert len(cfw) >= 19  # 15 hand-written, 4 declared (black/white lists)
    assert [(r.method, r.template) for r in cfw if (r.method, shape(r.template)) not in sdk] == []


# -- the router


def _paths(routes: list[Route]) -> list[str]:
    """Paths that exercise every template: parameters filled with a plain value and with every
    literal segment of the table (where literal and parameter children compete)."""
    literals = {s for r in routes for s in r.template.split("/") if s and "{" not in s}
    paths = set()
    for route in routes:
        parts = route.template.split("/")
        for fill in ["x1", *sorted(literals)]:
            paths.add("/".join(fill if "{" in p else p for p in parts))
        paths.add(route.template.replace("{", "").replace("}", "") + "/more")
    return sorted(paths | {"/", "", "/v1", "/v1//firewall/exist", "/nope"})


def _answer(router, method: str, path: str):
    try:
        route, params = router.match(method, path)
        return route.template, route.method, params
    except MethodNotAllowed as exc:
        return "405", sorted(set(exc.allowed))
    except RouteNotFound:
        return "404"


def test_the_tree_router_answers_as_the_list_router(api):
    """On every route of the app, with paths built to make literal and parameter segments compete,
    the segment tree matches the same route with the same parameters, or the same 404/405."""
    runtime, _, _ = api
    routes = App(runtime).router.routes
    tree, listed = Router(routes), ListRouter(routes)
    paths = _paths(routes)
    assert len(paths) > 500
    for path in paths:
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            assert _answer(tree, method, path) == _answer(listed, method, path), (method, path)


def test_the_router_refuses_two_routes_for_one_operation():
    """Declaring the same method and template twice is a mistake caught at start."""
    route = Route("GET", "/v1/{project_id}/x", lambda rt, req: None)
    with pytest.raises(ValueError, match="two routes"):
        Router([route, route])


# -- declarations and the catalogue


def test_every_resource_declares_a_consistent_shape():
    """Names, tables and SDK operations are unique; views name model fields; the list query has
    the scope key and every filter; create and update bodies only name model columns."""
    assert len({r.table for r in REGISTRY}) == len(REGISTRY)
    sdk_names = [op.sdk for op in resource_routes.operations()]
    assert len(set(sdk_names)) == len(sdk_names)
    for r in REGISTRY:
        computed = {*r.aggregates, *(f for f in (r.ref_count, r.ref_rows) if f), *r.computed_fields}
        for record in (r.record, r.detail or r.record):
            fields = set(record.__struct_fields__) - computed
            assert all(r.view.get(f, f) in r.columns for f in fields), r.name
        query_fields = r.query.__struct_fields__
        assert all(f.param in query_fields for f in r.filters), r.name
        if r.scope is Scope.OBJECT:
            assert "object_id" in query_fields and "object_id" in r.create.__struct_fields__
        if r.parent is not None:  # the parent is named in the path or in the query and body
            create, listing = r.operation("create"), r.operation("list")
            assert create is not None and listing is not None
            assert r.parent.column in query_fields or listing.parent_param
            assert r.parent.column in r.create.__struct_fields__ or create.parent_param
        for body in (r.create, r.update):
            if body is not None:
                names = set(body.__struct_fields__) - {"fw_instance_id", "object_id"}
                if r.items is not None and body is r.create:  # the elements' fields are the columns
                    names.discard(r.items)
                    item = msgspec.inspect.type_info(body).fields  # type: ignore[attr-defined]
                    element = next(f for f in item if f.name == r.items).type.item_type.cls
                    names |= set(element.__struct_fields__)
                if r.nested is not None and body is r.create:  # the children's bodies
                    names.discard(r.nested.field)
                assert names <= set(r.columns), (r.name, names - set(r.columns))


def test_a_declaration_with_a_bad_identifier_is_refused():
    """Identifiers reach SQL text, so only plain lowercase identifiers are accepted."""

    class Row(msgspec.Struct):
        id: str
        project_id: str
        created_ms: int
        updated_ms: int

    common = dict(
        name="x",
        title="x",
        model=Row,
        create=Row,
        update=None,
        query=Row,
        record=Row,
        scope=Scope.PROJECT,
        operations=(Operation("list", "GET", "/v1/{project_id}/x", "x"),),
    )
    Resource(table="rows", **common)
    with pytest.raises(ValueError, match="identifier"):
        Resource(table="rows; DROP TABLE firewalls", **common)
    with pytest.raises(ValueError, match="lacks"):
        Resource(table="rows", **{**common, "scope": Scope.OBJECT})


def test_the_catalogue_has_every_query_for_both_dialects():
    """Each named query resolves in both dialects, with the driver's placeholder."""
    queries = catalogue()
    assert {"resource_insert", "resource_page", "scope_object", "purge_project"} <= queries.names
    for name in queries.names:
        for dialect in DIALECTS:
            text = queries.text(name, dialect)
            assert text and ("?" not in text if dialect == "postgres" else "%s" not in text)
    assert "FOR UPDATE" in queries.text("resource_get_locked", "postgres")
    assert "FOR UPDATE" not in queries.text("resource_get_locked", "sqlite")
    assert "instr(" in queries.text("filter_key_word", "sqlite")
    assert "strpos(" in queries.text("filter_key_word", "postgres")


def test_a_link_names_a_declared_target_and_an_owner_table_with_its_column():
    """A link to an unknown resource, or with an owner table but no (or an unsafe) owner column,
    is refused at start: its names go into SQL text."""
    resources = list(REGISTRY)
    Registry(resources, links=(Link("refs", "set_id", "domain_set", owner="rules", owner_column="rule_id"),))
    for bad in (
        Link("refs", "set_id", "no_such_resource"),
        Link("refs", "set_id", "domain_set", owner="rules"),
        Link("refs", "set_id", "domain_set", owner="rules", owner_column="id; DROP TABLE rules"),
    ):
        with pytest.raises(ValueError, match="bad link"):
            Registry(resources, links=(bad,))


def test_the_catalogue_refuses_a_name_twice_or_an_unknown_dialect():
    """A query defined twice, or for a dialect opencfw does not have, is an error at load."""
    with pytest.raises(ValueError, match="twice"):
        Catalogue("-- name: a\nSELECT 1\n-- name: a\nSELECT 2\n")
    with pytest.raises(ValueError, match="dialect"):
        Catalogue("-- name: a@oracle\nSELECT 1\n")
    assert Catalogue("-- name: a\n-- a comment\nSELECT 1 -- trailing\n  FROM t\n").text("a", "sqlite") == (
        "SELECT 1 FROM t"
    )


# -- the OpenAPI document


def test_the_served_document_equals_the_generated_one():
    """Merging a fresh generation into openapi.json changes nothing: the document's registry part
    is exactly what the declarations say (run `python -m opencfw.api.resource_openapi` after a change)."""
    committed = json.loads(DOCUMENT.read_text())
    assert resource_openapi.dumps(resource_openapi.merge(committed)) == DOCUMENT.read_text()
    generated = {
        (m.upper(), p)
        for p, item in committed["paths"].items()
        for m, op in item.items()
        if resource_openapi.MARK in op
    }
    resolver = {(r.method, r.template) for r in routes_domains.ROUTES}
    described = {(doc.method, doc.path) for doc in eip_openapi.DOCS}
    declared = {(op.method, op.path) for op in resource_routes.operations()}
    actions = (
        {(a.method, a.path) for a in REGISTRY.actions}
        | {(a.method, a.path) for a in routes_actions.ACTIONS}
        | {(a.method, a.path) for a in action_routes.ACTIONS}
    )
    logs = {(method, path) for _, method, path, _, _ in routes_logs.OPERATIONS} | {
        ("POST", routes_logs.INJECT_PATH)
    }
    assert generated == declared | resolver | described | actions | logs


def test_a_generated_operation_is_named_as_the_sdk_names_it():
    """operationId is the SDK's operation in CamelCase; bodies refer to the declared structs."""
    doc = json.loads(DOCUMENT.read_text())
    create = doc["paths"]["/v1/{project_id}/black-white-list"]["post"]
    assert create["operationId"] == "AddBlackWhiteList"
    body = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body == "#/components/schemas/AddBlackWhiteListDto"
    assert doc["components"]["schemas"]["AddBlackWhiteListDto"]["required"] == [
        "object_id",
        "list_type",
        "direction",
        "address_type",
        "address",
        "protocol",
    ]
    codes = doc["components"]["responses"]["BlackWhiteListBadRequest"]["content"]["application/json"]
    assert "CFW.00400011" in json.dumps(codes)
