"""The IAM calls that the official SDKs and the Terraform provider make: password tokens (project-
or domain-scoped), the project lookup (spec section 5), the account lookup, and temporary access
keys with their security token."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from opencfw.api import schemas
from opencfw.api.http import Request, Response, Route, json_response
from opencfw.domain.errors import BadParameter, Forbidden

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
    scope = body.auth.scope
    project = scope.project if scope is not None else None
    scope_domain = scope.domain if scope is not None else None
    # IAM: the scope is a project or a domain; with both, the project wins
    if project is not None and (project.id or project.name):
        wanted_domain = None
    elif scope_domain is not None and (scope_domain.id or scope_domain.name):
        project, wanted_domain = None, (scope_domain.id, scope_domain.name)
    else:
        raise BadParameter(
            "Invalid request body: `auth.scope` needs a project or a domain, with an id or a name"
        )
    token, claims, user_rec, domain, project_rec = rt.credentials.issue_token(
        domain_name=user.domain.name,
        domain_id=user.domain.id,
        user_name=user.name,
        password=user.password,
        project_id=project.id if project is not None else None,
        project_name=project.name if project is not None else None,
        scope_domain=wanted_domain,
        client=req.client,
    )
    domain_ref = {"id": domain.id, "name": domain.name}
    token_body: dict[str, Any] = {
        "expires_at": _keystone_time(claims.expires_ms),
        "issued_at": _keystone_time(claims.issued_ms),
        "methods": ["password"],
        "catalog": [],
        "roles": [],
        "user": {"id": user_rec.id, "name": user_rec.name, "domain": domain_ref},
    }
    if project_rec is not None:
        token_body["project"] = {"id": project_rec.id, "name": project_rec.name, "domain": domain_ref}
    else:
        token_body["domain"] = domain_ref
    return json_response(201, {"token": token_body}, [(b"x-subject-token", token.encode())])


def issue_security_token(rt: Runtime, req: Request) -> Response:
    """Temporary AK/SK and security token for the caller (a token or an AK/SK signature)."""
    assert req.principal is not None
    body = schemas.decode_body(req.body, schemas.SecurityTokenIn)
    identity = body.auth.identity
    if "token" not in identity.methods:
        raise BadParameter('Invalid request body: `auth.identity.methods` must be ["token"]')
    if req.principal.temporary:
        raise Forbidden("Temporary access keys cannot be obtained with temporary access keys")
    principal = req.principal
    given = identity.token
    if given is not None and given.id:
        # the token named in the body is the identity the credential is issued to
        principal = rt.credentials.verify_token(given.id)
        if principal.domain_id != req.principal.domain_id or principal.user_id != req.principal.user_id:
            raise Forbidden("The token in the body belongs to another user")
    duration = _duration(given.duration_seconds if given is not None else None)
    credential, security_token = rt.credentials.issue_temporary(principal, duration)
    payload = {
        "credential": {
            "access": credential.access_key,
            "secret": credential.secret_key,
            "securitytoken": security_token,
            "expires_at": _keystone_time(credential.expires_ms),
        }
    }
    return json_response(201, payload)


def _duration(value: int | str | None) -> int | None:
    if value is None or isinstance(value, int):
        return value
    if not value.isascii() or not value.isdigit():
        raise BadParameter(
            f"Invalid request body: `auth.identity.token.duration_seconds` must be an integer, got {value!r}"
        )
    return int(value)


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
    Route("POST", "/v3.0/OS-CREDENTIAL/securitytokens", issue_security_token, auth="caller"),
    Route("GET", "/v3/auth/domains", list_auth_domains, auth="caller"),
]
