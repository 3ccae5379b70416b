"""The IAM calls that the official SDKs and the Terraform provider make: password tokens, the
project lookup (spec section 5) and the account lookup."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from opencfw.api import schemas
from opencfw.api.http import Request, Response, Route, json_response
from opencfw.domain.errors import BadParameter

if TYPE_CHECKING:
    from opencfw.runtime import Runtime


def _keystone_time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def issue_token(rt: Runtime, req: Request) -> Response:
    body = schemas.decode_body(req.body, schemas.TokenRequestIn)
    identity = body.auth.identity
    if "password" not in identity.methods or identity.password is None:
        raise BadParameter("Invalid request body: `auth.identity.methods` must include password")
    user = identity.password.user
    if not user.domain.name and not user.domain.id:
        raise BadParameter("Invalid request body: `auth.identity.password.user.domain` needs a name or an id")
    project = body.auth.scope.project if body.auth.scope is not None else None
    if project is None or not (project.id or project.name):
        raise BadParameter("Invalid request body: `auth.scope.project` with an id or a name is required")
    token, claims, user_rec, domain, project_rec = rt.credentials.issue_token(
        domain_name=user.domain.name,
        domain_id=user.domain.id,
        user_name=user.name,
        password=user.password,
        project_id=project.id,
        project_name=project.name,
    )
    domain_ref = {"id": domain.id, "name": domain.name}
    payload = {
        "token": {
            "expires_at": _keystone_time(claims.expires_ms),
            "issued_at": _keystone_time(claims.issued_ms),
            "methods": ["password"],
            "catalog": [],
            "project": {"id": project_rec.id, "name": project_rec.name, "domain": domain_ref},
            "roles": [],
            "user": {"id": user_rec.id, "name": user_rec.name, "domain": domain_ref},
        }
    }
    return json_response(201, payload, [(b"x-subject-token", token.encode())])


def list_projects(rt: Runtime, req: Request) -> Response:
    assert req.principal is not None
    name = schemas.query_text(req.query, "name")
    projects = rt.credentials.projects_of(req.principal, name)
    return json_response(
        200,
        {
            "projects": [
                {
                    "id": p.id,
                    "name": p.name,
                    "domain_id": p.domain_id,
                    "parent_id": p.domain_id,
                    "enabled": True,
                    "is_domain": False,
                    "description": "",
                }
                for p in projects
            ],
            "links": {"self": None, "previous": None, "next": None},
        },
    )


def list_auth_domains(rt: Runtime, req: Request) -> Response:
    """The caller's account: the Terraform provider asks for it on every start (for its domain id)."""
    assert req.principal is not None
    domain = rt.store.get_domain(req.principal.domain_id)
    domains = [] if domain is None else [domain]
    return json_response(
        200,
        {
            "domains": [
                {"id": d.id, "name": d.name, "enabled": True, "description": "", "links": {"self": None}}
                for d in domains
            ],
            "links": {"self": None, "previous": None, "next": None},
        },
    )


ROUTES = [
    # password hashing is slow on purpose: keep it off the event loop
    Route("POST", "/v3/auth/tokens", issue_token, mode="thread", auth="none"),
    Route("GET", "/v3/projects", list_projects, auth="caller"),
    Route("GET", "/v3/auth/domains", list_auth_domains, auth="caller"),
]
