"""The domain-name resolution reads (ListDomainParseDetail, ListDomainParseIp, ListDomainResolveIp),
answered by opencfw's own resolver, and the admin routes that configure it
(``/_opencfw/admin/resolver``). Nothing here asks the network."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from opencfw.api import schemas
from opencfw.api.http import Request, Response, Route, json_response
from opencfw.domain.errors import BadParameter, NotFound
from opencfw.domain.models import FirewallStatus
from opencfw.domain.resolver import ADDRESSES_PER_NAME, Answer
from opencfw.resources.domain_set import is_domain_name
from opencfw.service.resolver import Resolver
from opencfw.service.resources import Where

if TYPE_CHECKING:
    from opencfw.runtime import Runtime


class ParseQuery(Struct):
    address_type: Literal[0, 1] | None = None
    domain_set_id: Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,64}\Z")] | None = None


class AnswerIn(Struct, forbid_unknown_fields=True):
    """A configured answer: the addresses of each family, at most 1,500 each."""

    ipv4: Annotated[list[Annotated[str, Meta(max_length=45)]], Meta(max_length=1500)] = []
    ipv6: Annotated[list[Annotated[str, Meta(max_length=45)]], Meta(max_length=1500)] = []


def _query(req: Request) -> ParseQuery:
    values = {k: v for k, v in req.query.items() if v != "" and k in ParseQuery.__struct_fields__}
    try:
        return msgspec.convert(values, ParseQuery, strict=False)
    except msgspec.ValidationError as exc:
        raise BadParameter(f"Invalid query parameter: {exc}") from exc


def _firewall(rt: Runtime, req: Request) -> str | None:
    """The query's ``fw_instance_id``: a live firewall of the project when given."""
    schemas.query_text(req.query, "enterprise_project_id")
    firewall_id = schemas.query_text(req.query, "fw_instance_id", pattern=schemas.RESOURCE_ID)
    if firewall_id is not None:
        found = rt.store.get_firewall(req.params["project_id"], firewall_id)
        if found is None or found.status == FirewallStatus.DELETED:
            raise NotFound(f"The firewall instance {firewall_id} does not exist")
    return firewall_id


def _name(req: Request) -> str:
    name = req.params["domain_name"]
    if not is_domain_name(name):
        raise BadParameter(f"The path parameter `domain_name` is not a domain name: {name[:64]!r}")
    return name


def _domain_addresses(rt: Runtime, req: Request) -> list[str]:
    """The addresses of the domain name ``{domain_address_id}`` of one of the project's groups."""
    firewall_id = _firewall(rt, req)
    query = _query(req)
    domain_id = schemas.path_id(req.params["domain_address_id"], "domain_address_id")
    where = Where(req.params["project_id"], firewall_id, parent_id=query.domain_set_id)
    row = rt.resources["domain"].get(where, domain_id)
    return Resolver(rt.store).resolve(row.domain_name, query.address_type)


def parse_detail(rt: Runtime, req: Request) -> Response:
    """ListDomainParseDetail: what a domain name resolves to."""
    _firewall(rt, req)
    name = _name(req)
    return json_response(200, {"data": Resolver(rt.store).resolve(name, _query(req).address_type)})


def parse_ip(rt: Runtime, req: Request) -> Response:
    """ListDomainParseIp: what a group's domain name resolves to."""
    return json_response(200, {"data": _domain_addresses(rt, req)})


def resolve_ip(rt: Runtime, req: Request) -> Response:
    """ListDomainResolveIp: the same, the addresses beyond the limit per name apart."""
    found = _domain_addresses(rt, req)
    data = {"parsed_success_ip": found[:ADDRESSES_PER_NAME], "excess_ip": found[ADDRESSES_PER_NAME:]}
    return json_response(200, {"data": data})


# -- admin


def _view(name: str, answer: Answer, configured: bool) -> dict[str, Any]:
    return {"domain_name": name, "configured": configured, "ipv4": answer.ipv4, "ipv6": answer.ipv6}


def list_answers(rt: Runtime, req: Request) -> Response:
    answers = Resolver(rt.store).configured()
    return json_response(200, {"answers": [_view(n, a, True) for n, a in answers.items()]})


def get_answer(rt: Runtime, req: Request) -> Response:
    name = _name(req)
    answer, configured = Resolver(rt.store).answer(name)
    return json_response(200, _view(name, answer, configured))


def put_answer(rt: Runtime, req: Request) -> Response:
    """Make a name resolve to the addresses given (replacing its derived or former answer)."""
    name = _name(req)
    body = schemas.decode_body(req.body, AnswerIn)
    try:
        answer = Resolver(rt.store).configure(name, Answer(ipv4=body.ipv4, ipv6=body.ipv6))
    except ValueError as exc:
        raise BadParameter(f"Invalid request body: {exc}") from exc
    return json_response(200, _view(name, answer, True))


def delete_answer(rt: Runtime, req: Request) -> Response:
    name = _name(req)
    if not Resolver(rt.store).forget(name):
        raise NotFound(f"No answer is configured for {name}")
    return json_response(200, {"removed": 1})


_A = "/_opencfw/admin/resolver"
ROUTES = [
    Route("GET", "/v1/{project_id}/domain/parse/{domain_name}", parse_detail),
    Route("GET", "/v1/{project_id}/domain/parse-ip-list/{domain_address_id}", parse_ip),
    Route("GET", "/v2/{project_id}/rule/domain/resolve-ip-list/{domain_address_id}", resolve_ip),
    Route("GET", _A, list_answers, auth="admin"),
    Route("GET", f"{_A}/{{domain_name}}", get_answer, auth="admin"),
    Route("PUT", f"{_A}/{{domain_name}}", put_answer, mode="write", auth="admin"),
    Route("DELETE", f"{_A}/{{domain_name}}", delete_answer, mode="write", auth="admin"),
]
