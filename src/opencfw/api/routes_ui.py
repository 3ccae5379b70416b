"""The dashboard under /_opencfw/ui: a page and its two assets, and the JSON and SSE endpoints the
page calls with its session cookie.

The page, its assets and the sign-in are ``auth="none"``; every other route declares a session auth
mode (``session``, ``session_write``, ``session_admin``) that the router enforces through
``check_session`` before the handler runs (the handler finds the session in ``req.session``), so
the documented API keeps its own authentication untouched. A session comes from the project's user and
password (read-only, its project) or the admin token (any project, and the admin actions). Every
state-changing call needs the session's CSRF token in ``X-Opencfw-Csrf`` and, when the browser
sends one, an ``Origin`` of this host; the cookie is HttpOnly, Secure and SameSite=Strict.
"""

from __future__ import annotations

import functools
import hmac
import weakref
from importlib import resources
from typing import TYPE_CHECKING, Annotated, Literal
from urllib.parse import urlsplit

import msgspec
from msgspec import Meta, Struct

from opencfw.api import routes_admin, routes_tasks, schemas, views
from opencfw.api.http import Request, Response, Route, json_response
from opencfw.domain.errors import BadParameter, Forbidden, NotFound, Unauthenticated
from opencfw.domain.models import Firewall, FirewallStatus
from opencfw.service import sessions

if TYPE_CHECKING:
    from opencfw.runtime import Runtime
    from opencfw.service.credentials import Credentials

COOKIE = "opencfw_ui"
CSRF_HEADER = "x-opencfw-csrf"
_U = "/_opencfw/ui"
_COOKIE_ATTRS = f"Path={_U}; HttpOnly; Secure; SameSite=Strict"
_SECURITY_HEADERS = [
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
_CSP = (
    b"default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    b"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
_ASSETS = {
    "index.html": b"text/html; charset=utf-8",
    "app.js": b"text/javascript; charset=utf-8",
    "app.css": b"text/css; charset=utf-8",
    "favicon.ico": b"image/x-icon",
}

#: one session codec per runtime (its key comes from the runtime's master key)
_codecs: weakref.WeakKeyDictionary[Credentials, sessions.Sessions] = weakref.WeakKeyDictionary()


def _sessions(rt: Runtime) -> sessions.Sessions:
    codec = _codecs.get(rt.credentials)
    if codec is None:
        codec = _codecs[rt.credentials] = sessions.Sessions(rt.credentials.tokens.key, rt.credentials.clock)
    return codec


@functools.cache
def _asset(name: str) -> bytes:
    return resources.files("opencfw.api").joinpath("ui", name).read_bytes()


def _static(name: str) -> Response:
    headers = list(_SECURITY_HEADERS)
    if name == "index.html":
        headers.append((b"content-security-policy", _CSP))
    return Response(200, _asset(name), headers, content_type=_ASSETS[name])


def page(rt: Runtime, req: Request) -> Response:
    return _static("index.html")


def script(rt: Runtime, req: Request) -> Response:
    return _static("app.js")


def stylesheet(rt: Runtime, req: Request) -> Response:
    return _static("app.css")


def favicon(rt: Runtime, req: Request) -> Response:
    """The dashboard's icon, also at /favicon.ico where browsers look for one unasked."""
    return _static("favicon.ico")


# -- sessions


def _cookie(req: Request) -> str | None:
    for part in req.headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE and value:
            return value
    return None


def _credential_of(rt: Runtime, session: sessions.Session) -> str | None:
    """The secret the session is bound to, as it is now (None: the user no longer exists)."""
    if session.kind == "admin":
        return rt.admin_token
    user = rt.store.get_user_by_id(session.user_id)
    return None if user is None else user.password_hash


async def _session(
    rt: Runtime, req: Request, *, write: bool = False, admin: bool = False
) -> sessions.Session:
    """The caller's session (401 without one); for ``write``, CSRF-checked; for ``admin``, the admin's."""
    cookie = _cookie(req)
    if cookie is None:
        raise Unauthenticated("Sign in to the dashboard first")
    session = _sessions(rt).verify(cookie)
    current = await rt.read(_credential_of, rt, session)
    if current is None or not hmac.compare_digest(sessions.fingerprint(current), session.bind):
        raise Unauthenticated("The credential of this dashboard session has changed: sign in again")
    if write:
        _check_origin(req)
        if not sessions.csrf_matches(session, req.headers.get(CSRF_HEADER)):
            raise Forbidden("The request lacks the dashboard session's CSRF token")
    if admin and session.kind != "admin":
        raise Forbidden("Only a dashboard session signed in with the admin token may do this")
    req.params["project_id"] = session.project_id
    return session


async def check_session(rt: Runtime, req: Request, auth: str) -> sessions.Session:
    """The router's check of a route's session auth mode (``http.SESSION_AUTH``)."""
    return await _session(rt, req, write=auth != "session", admin=auth == "session_admin")


def _check_origin(req: Request) -> None:
    origin = req.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != req.headers.get("host"):
        raise Forbidden("The request comes from another site")


def _session_body(rt: Runtime, session: sessions.Session) -> dict[str, object]:
    project = rt.store.get_project(session.project_id)
    return {
        "kind": session.kind,
        "project_id": session.project_id,
        "project_name": project.name if project is not None else session.project_id,
        "csrf": session.csrf,
        "expires_at": views.iso_ms(session.expires_ms),
        "can_act": session.kind == "admin",
    }


class SignInIn(Struct, forbid_unknown_fields=True):
    method: Literal["password", "admin"]
    #: the project's id or name
    project: Annotated[str, Meta(min_length=1, max_length=64)]
    domain: Annotated[str, Meta(max_length=64)] = ""
    user: Annotated[str, Meta(max_length=64)] = ""
    password: Annotated[str, Meta(max_length=256)] = ""
    token: Annotated[str, Meta(max_length=256)] = ""


def sign_in(rt: Runtime, req: Request) -> Response:
    """Check the password (as POST /v3/auth/tokens does) or the admin token; set the session cookie."""
    if not req.headers.get("content-type", "").lower().startswith("application/json"):
        raise BadParameter("The sign-in body must be JSON (Content-Type: application/json)")
    _check_origin(req)
    body = schemas.decode_body(req.body, SignInIn)
    known = schemas.PROJECT_ID.fullmatch(body.project) and rt.store.get_project(body.project) is not None
    if body.method == "password":
        if not body.domain or not body.user:
            raise BadParameter("Invalid request body: a password sign-in needs `domain` and `user`")
        _, _, user, _, project = rt.credentials.issue_token(
            domain_name=body.domain,
            domain_id=None,
            user_name=body.user,
            password=body.password,
            project_id=body.project if known else None,
            project_name=None if known else body.project,
            client=req.client,
        )
        assert project is not None  # a project-scoped token always names its project
        value, session = _sessions(rt).issue("user", project.id, user.id, user.password_hash)
    else:
        if not body.token:
            raise Unauthenticated("The admin token is not valid")
        rt.credentials.check_admin_token(body.token, rt.admin_token, req.client)
        if not known:
            raise NotFound(f"The project {body.project[:64]} does not exist")
        value, session = _sessions(rt).issue("admin", body.project, "", rt.admin_token)
    max_age = (session.expires_ms - session.issued_ms) // 1000
    cookie = f"{COOKIE}={value}; Max-Age={max_age}; {_COOKIE_ATTRS}"
    return json_response(
        200, _session_body(rt, session), [(b"set-cookie", cookie.encode()), *_SECURITY_HEADERS]
    )


async def sign_out(rt: Runtime, req: Request) -> Response:
    session = req.session
    _sessions(rt).end(session)
    cookie = f"{COOKIE}=; Max-Age=0; {_COOKIE_ATTRS}"
    return json_response(200, {"signed_out": True}, [(b"set-cookie", cookie.encode()), *_SECURITY_HEADERS])


async def whoami(rt: Runtime, req: Request) -> Response:
    session = req.session
    body = await rt.read(_session_body, rt, session)
    return json_response(200, body, list(_SECURITY_HEADERS))


# -- reads: the project of the session


def _firewall(firewall: Firewall) -> dict[str, object]:
    return {
        "id": firewall.id,
        "name": firewall.name,
        "status": FirewallStatus(firewall.status).name.replace("_", " ").capitalize(),
        "edition": firewall.edition.name.capitalize(),
        "tags": {tag.key: tag.value for tag in firewall.tags},
        "created_at": views.iso_ms(firewall.created_ms),
    }


#: the dashboard's firewall list comes a page at a time (a project may have thousands)
FIREWALL_PAGE = 100
FIREWALL_PAGE_MAX = 500
_STATUS_LABELS = {FirewallStatus(s).name.replace("_", " ").capitalize(): s for s in FirewallStatus}


async def firewalls(rt: Runtime, req: Request) -> Response:
    """A page of the session project's firewalls, oldest first, optionally of one status."""
    session = req.session
    q = req.query
    limit = schemas.query_int(q, "limit", low=1, high=FIREWALL_PAGE_MAX, required=False) or FIREWALL_PAGE
    offset = schemas.query_int(q, "offset", low=0, high=1_000_000_000, required=False) or 0
    label = q.get("status") or None
    if label is not None and label not in _STATUS_LABELS:
        raise BadParameter(f"The query parameter `status` is not a firewall status: {label[:32]!r}")
    status = _STATUS_LABELS[label] if label is not None else None
    total, found = await rt.read(
        lambda: rt.store.list_firewalls(session.project_id, status=status, offset=offset, limit=limit)
    )
    return json_response(
        200,
        {"firewalls": [_firewall(f) for f in found], "total": total, "offset": offset, "limit": limit},
        list(_SECURITY_HEADERS),
    )


async def jobs(rt: Runtime, req: Request) -> Response:
    """The extension's job list, and the names of the jobs' firewalls, deleted ones included (the
    firewall list no longer has them, and a page of it may not either)."""
    session = req.session
    listed = await routes_tasks.job_list(rt, req)
    body = msgspec.json.decode(listed.body)
    ids = [job["resource_id"] for job in body["jobs"]]
    body["names"] = await rt.read(rt.store.firewall_names, session.project_id, ids)
    return json_response(200, body, list(_SECURITY_HEADERS))


async def job(rt: Runtime, req: Request) -> Response:
    req.query.pop("wait", None)
    return await routes_tasks.job_read(rt, req)


async def events(rt: Runtime, req: Request) -> Response:
    """The project's event stream; it ends once the session expires, is signed out, or its
    password or admin token changes (checked every second while it is open)."""

    async def alive() -> bool:
        try:
            await _session(rt, req)
        except Unauthenticated:
            return False
        return True

    return await routes_tasks.events(rt, req, alive)


async def engine(rt: Runtime, req: Request) -> Response:
    return await rt.read(routes_admin.engine_state, rt, req)


# -- the admin's actions


async def _finish(rt: Runtime, req: Request, outcome: str) -> Response:
    session = req.session
    job_id = schemas.path_id(req.params["job_id"], "job_id")
    if await rt.read(rt.store.get_job, session.project_id, job_id) is None:
        raise NotFound(f"The job {job_id} does not exist")
    handler = routes_admin.complete_job if outcome == "success" else routes_admin.fail_job
    return await rt.write(handler, rt, req)


async def complete_job(rt: Runtime, req: Request) -> Response:
    return await _finish(rt, req, "success")


async def fail_job(rt: Runtime, req: Request) -> Response:
    return await _finish(rt, req, "failed")


async def pause(rt: Runtime, req: Request) -> Response:
    return await rt.write(routes_admin.pause_engine, rt, req)


async def resume(rt: Runtime, req: Request) -> Response:
    return await rt.write(routes_admin.resume_engine, rt, req)


async def reset(rt: Runtime, req: Request) -> Response:
    return await rt.write(routes_admin.reset_project, rt, req)


_A = f"{_U}/api"
ROUTES = [
    Route("GET", _U, page, auth="none"),
    Route("GET", f"{_U}/app.js", script, auth="none"),
    Route("GET", f"{_U}/app.css", stylesheet, auth="none"),
    Route("GET", f"{_U}/favicon.ico", favicon, auth="none"),
    Route("GET", "/favicon.ico", favicon, auth="none"),
    # password hashing is slow on purpose: keep it off the event loop
    Route("POST", f"{_A}/session", sign_in, mode="thread", auth="none"),
    Route("GET", f"{_A}/session", whoami, mode="async", auth="session"),
    Route("DELETE", f"{_A}/session", sign_out, mode="async", auth="session_write"),
    Route("GET", f"{_A}/firewalls", firewalls, mode="async", auth="session"),
    Route("GET", f"{_A}/jobs", jobs, mode="async", auth="session"),
    Route("GET", f"{_A}/jobs/{{job_id}}", job, mode="async", auth="session"),
    Route("POST", f"{_A}/jobs/{{job_id}}/complete", complete_job, mode="async", auth="session_admin"),
    Route("POST", f"{_A}/jobs/{{job_id}}/fail", fail_job, mode="async", auth="session_admin"),
    Route("GET", f"{_A}/events", events, mode="async", auth="session"),
    Route("GET", f"{_A}/engine", engine, mode="async", auth="session"),
    Route("POST", f"{_A}/engine/pause", pause, mode="async", auth="session_admin"),
    Route("POST", f"{_A}/engine/resume", resume, mode="async", auth="session_admin"),
    Route("POST", f"{_A}/reset", reset, mode="async", auth="session_admin"),
]
