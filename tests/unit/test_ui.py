"""The dashboard's server side in-process: sign-in, the session cookie, CSRF, expiry, project
isolation, the admin's actions and sign-out, on both stores."""

from __future__ import annotations

import asyncio

import pytest

from opencfw.config import Secret
from opencfw.domain.accounts import Project
from opencfw.service.secrets import hash_password
from opencfw.service.sessions import SESSION_TTL_MS
from tests.unit.test_api import CREATE, OTHER, START_MS, P, assert_error, call, env, token_for  # noqa: F401

SHARED_KEY = "c2hhcmVkIG1hc3RlciBrZXkgb2YgdHdvIHByb2Nlc3Nlcw=="  # 34 bytes as base64
U = "/_opencfw/ui"
A = f"{U}/api"
JSON = {"content-type": "application/json"}


@pytest.fixture
def ui(env):  # noqa: F811
    runtime, clock, client = env(provision_seconds=5, admin_token=Secret("admin-secret"))
    client.token = token_for(client, P)
    return runtime, clock, client


def sign_in(client, **body):
    fields = {
        "method": "password",
        "project": P,
        "domain": "opencfw",
        "user": "admin",
        "password": "pw",
        **body,
    }
    return client.request("POST", f"{A}/session", headers=JSON, json_body=fields)


def session_of(reply):
    """The cookie header to send back and the CSRF token of a successful sign-in."""
    assert reply.status == 200, reply.body
    cookie = reply.headers["set-cookie"].split(";", 1)[0]
    return {"cookie": cookie}, reply.json["csrf"]


def admin_session(client, project=P):
    return session_of(sign_in(client, method="admin", token="admin-secret", project=project))


def create(client, name="fw-1"):
    body = {**CREATE, "name": name, "tags": [{"key": "team", "value": "blue"}]}
    reply = call(client, "POST", f"/v2/{P}/firewall", body)
    assert reply.status == 200, reply.body
    return reply.json["job_id"]


def test_page_and_assets_are_served_without_a_session(ui):
    """The page, script and stylesheet answer 200 with their types; the page carries a strict CSP."""
    _, _, client = ui
    page = client.request("GET", U)
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert b'src="/_opencfw/ui/app.js"' in page.body and b"https://" not in page.body
    assert client.request("GET", f"{U}/app.js").headers["content-type"].startswith("text/javascript")
    assert client.request("GET", f"{U}/app.css").headers["content-type"].startswith("text/css")


def test_password_sign_in_sets_a_hardened_cookie(ui):
    """A right password gives an HttpOnly, Secure, SameSite=Strict cookie that reveals no credential."""
    _, _, client = ui
    reply = sign_in(client)
    assert reply.status == 200, reply.body
    attributes = [part.strip() for part in reply.headers["set-cookie"].split(";")]
    assert {"HttpOnly", "Secure", "SameSite=Strict", f"Path={U}"} <= set(attributes)
    assert reply.json["kind"] == "user" and reply.json["project_id"] == P and not reply.json["can_act"]
    headers, _ = session_of(reply)
    who = client.request("GET", f"{A}/session", headers=headers)
    assert who.status == 200 and who.json["csrf"] == reply.json["csrf"]


def test_sign_in_by_project_name(ui):
    """The project may be given by name, as the token call allows."""
    _, _, client = ui
    assert sign_in(client, project="cn-north-4").json["project_id"] == P


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"password": "wrong"}, 401, "APIGW.0301"),
        ({"user": "nobody"}, 401, "APIGW.0301"),
        ({"domain": "elsewhere"}, 401, "APIGW.0301"),
        ({"project": OTHER}, 403, "APIGW.0302"),
        ({"user": ""}, 400, "CFW.00200001"),
        ({"method": "admin", "token": "wrong"}, 401, "APIGW.0301"),
        ({"method": "admin", "token": ""}, 401, "APIGW.0301"),
        ({"method": "admin", "token": "admin-secret", "project": OTHER}, 400, "CFW.00200005"),
        ({"method": "magic"}, 400, "CFW.00200001"),
    ],
)
def test_sign_in_errors(ui, fields, status, code):
    """Wrong credentials, another account's project and malformed bodies are refused, no cookie set."""
    _, _, client = ui
    reply = sign_in(client, **fields)
    assert_error(reply, status, code)
    assert "set-cookie" not in reply.headers


def test_sign_in_needs_json_and_this_origin(ui):
    """A form post (no JSON type) or a sign-in from another site's page is refused."""
    _, _, client = ui
    body = {"method": "password", "project": P, "domain": "opencfw", "user": "admin", "password": "pw"}
    form = client.request("POST", f"{A}/session", headers={"content-type": "text/plain"}, json_body=body)
    assert_error(form, 400, "CFW.00200001")
    cross = client.request(
        "POST",
        f"{A}/session",
        headers={**JSON, "origin": "https://evil.example", "host": "127.0.0.1:9449"},
        json_body=body,
    )
    assert_error(cross, 403, "APIGW.0302")


@pytest.mark.parametrize("path", ["/session", "/firewalls", "/jobs", "/jobs/x", "/engine", "/events"])
def test_reads_need_a_session(ui, path):
    """Without a cookie, or with a forged one, every dashboard endpoint answers 401."""
    _, _, client = ui
    assert_error(client.request("GET", A + path), 401, "APIGW.0301")
    forged = client.request("GET", A + path, headers={"cookie": "opencfw_ui=gAAAAAforged"})
    assert_error(forged, 401, "APIGW.0301")


def test_project_token_is_not_a_session(ui):
    """The documented API's token does not open the dashboard's endpoints."""
    _, _, client = ui
    assert_error(
        client.request("GET", f"{A}/firewalls", headers={"x-auth-token": client.token}), 401, "APIGW.0301"
    )


def test_the_project_view(ui):
    """A session reads its project's firewalls (with tags) and jobs, with steps on the job read."""
    _, _, client = ui
    job_id = create(client)
    headers, _ = session_of(sign_in(client))
    firewalls = client.request("GET", f"{A}/firewalls", headers=headers).json["firewalls"]
    assert [(f["name"], f["status"], f["edition"], f["tags"]) for f in firewalls] == [
        ("fw-1", "Creating", "Professional", {"team": "blue"})
    ]
    jobs = client.request("GET", f"{A}/jobs?status=Running", headers=headers).json["jobs"]
    assert [j["id"] for j in jobs] == [job_id]
    assert client.request("GET", f"{A}/jobs?status=Failed", headers=headers).json["jobs"] == []
    detail = client.request("GET", f"{A}/jobs/{job_id}", headers=headers).json["data"]
    assert detail["steps"][0]["status"] == "running"
    assert_error(client.request("GET", f"{A}/jobs?status=Bogus", headers=headers), 400, "CFW.00200001")


def test_project_isolation(ui):
    """A session sees and acts on its own project only, even the admin's."""
    runtime, _, client = ui
    domain = runtime.store.get_domain_by_name("opencfw")
    runtime.store.add_project(Project(OTHER, "eu-west-0", domain.id), START_MS)
    job_id = create(client)
    headers, csrf = admin_session(client, project=OTHER)
    assert client.request("GET", f"{A}/firewalls", headers=headers).json["firewalls"] == []
    assert client.request("GET", f"{A}/jobs", headers=headers).json["jobs"] == []
    assert_error(client.request("GET", f"{A}/jobs/{job_id}", headers=headers), 400, "CFW.00200005")
    acted = client.request(
        "POST", f"{A}/jobs/{job_id}/fail", headers={**headers, **JSON, "x-opencfw-csrf": csrf}
    )
    assert_error(acted, 400, "CFW.00200005")
    assert runtime.store.get_job(P, job_id).status.value == "Running"


def test_actions_need_the_csrf_token(ui):
    """A state-changing call without the session's CSRF token, with a wrong one, or from another
    site's page is refused; with it, it is done."""
    _, _, client = ui
    headers, csrf = admin_session(client)
    missing = client.request("POST", f"{A}/engine/pause", headers=headers)
    assert_error(missing, 403, "APIGW.0302")
    wrong = client.request(
        "POST",
        f"{A}/engine/pause",
        headers={**headers, "x-opencfw-csrf": csrf[:-1] + ("B" if csrf.endswith("A") else "A")},
    )
    assert_error(wrong, 403, "APIGW.0302")
    other_site = {**headers, "x-opencfw-csrf": csrf, "origin": "https://evil.example", "host": "127.0.0.1"}
    assert_error(client.request("POST", f"{A}/engine/pause", headers=other_site), 403, "APIGW.0302")
    assert client.request("GET", f"{A}/engine", headers=headers).json == {"paused": False}
    same_site = {
        **headers,
        "x-opencfw-csrf": csrf,
        "origin": "http://127.0.0.1:9449",
        "host": "127.0.0.1:9449",
    }
    assert client.request("POST", f"{A}/engine/pause", headers=same_site).json == {"paused": True}
    assert client.request("POST", f"{A}/engine/resume", headers=same_site).json == {"paused": False}


def test_a_user_session_is_read_only(ui):
    """Signed in with the password, the actions answer 403 even with the CSRF token."""
    runtime, _, client = ui
    job_id = create(client)
    headers, csrf = session_of(sign_in(client))
    with_csrf = {**headers, "x-opencfw-csrf": csrf}
    for path in (f"/jobs/{job_id}/complete", f"/jobs/{job_id}/fail", "/engine/pause", "/reset"):
        assert_error(client.request("POST", A + path, headers=with_csrf), 403, "APIGW.0302")
    assert runtime.store.get_job(P, job_id).status.value == "Running"


def test_admin_actions(ui):
    """The admin session completes and fails running jobs of its project and resets it."""
    runtime, _, client = ui
    first, second = create(client), create(client, name="fw-2")
    headers, csrf = admin_session(client)
    act = {**headers, **JSON, "x-opencfw-csrf": csrf}
    done = client.request("POST", f"{A}/jobs/{first}/complete", headers=act)
    assert done.json["data"] == {"id": first, "status": "Success"}
    failed = client.request(
        "POST", f"{A}/jobs/{second}/fail", headers=act, json_body={"message": "from the UI"}
    )
    assert failed.json["data"] == {"id": second, "status": "Failed"}
    assert runtime.store.get_job(P, second).error_msg == "from the UI"
    assert_error(client.request("POST", f"{A}/jobs/{first}/fail", headers=act), 400, "CFW.00200016")
    reset = client.request("POST", f"{A}/reset", headers=act)
    assert reset.json["deleted"] == {"firewalls": 2, "jobs": 2}


def test_sessions_expire(ui):
    """Eight hours after sign-in the cookie no longer works."""
    _, clock, client = ui
    headers, _ = session_of(sign_in(client))
    clock.advance(SESSION_TTL_MS / 1000 - 1)
    assert client.request("GET", f"{A}/session", headers=headers).status == 200
    clock.advance(1)
    assert_error(client.request("GET", f"{A}/session", headers=headers), 401, "APIGW.0301")


def test_a_new_password_ends_sessions(ui):
    """Changing the user's password ends the sessions signed in with the old one."""
    runtime, _, client = ui
    headers, _ = session_of(sign_in(client))
    user = runtime.store.get_user(runtime.store.get_domain_by_name("opencfw").id, "admin")
    runtime.store.set_password_hash(user.id, hash_password("new"))
    assert_error(client.request("GET", f"{A}/session", headers=headers), 401, "APIGW.0301")


def test_sign_out(ui):
    """Sign-out needs the CSRF token, clears the cookie, and the old cookie stops working."""
    _, _, client = ui
    headers, csrf = session_of(sign_in(client))
    assert_error(client.request("DELETE", f"{A}/session", headers=headers), 403, "APIGW.0302")
    out = client.request("DELETE", f"{A}/session", headers={**headers, "x-opencfw-csrf": csrf})
    assert out.status == 200 and "Max-Age=0" in out.headers["set-cookie"]
    assert_error(client.request("GET", f"{A}/session", headers=headers), 401, "APIGW.0301")
    assert_error(client.request("GET", f"{A}/firewalls", headers=headers), 401, "APIGW.0301")


def test_sessions_survive_a_restart_with_the_same_master_key(env):  # noqa: F811
    """The cookie is sealed with a key derived from the master key: another process accepts it,
    and a cookie altered by one character is refused."""
    _, _, first = env(admin_token=Secret("admin-secret"), master_key=Secret(SHARED_KEY))
    headers, _ = admin_session(first)
    _, _, second = env(admin_token=Secret("admin-secret"), master_key=Secret(SHARED_KEY))
    assert second.request("GET", f"{A}/session", headers=headers).status == 200
    value = headers["cookie"]
    altered = value[:-5] + ("A" if value[-5] != "A" else "B") + value[-4:]
    assert_error(second.request("GET", f"{A}/session", headers={"cookie": altered}), 401, "APIGW.0301")


def test_the_event_stream_ends_with_the_session(ui, monkeypatch):
    """The session's event stream sends events while it lasts and ends soon after a sign-out (a
    last comment line says why), instead of streaming on to a signed-out browser."""
    from opencfw.api import routes_tasks, routes_ui
    from opencfw.api.http import Request

    runtime, _, client = ui
    monkeypatch.setattr(routes_tasks, "KEEPALIVE_SECONDS", 0.05)
    headers, _ = session_of(sign_in(client))

    async def scenario():
        runtime.attach(asyncio.get_running_loop())
        req = Request(
            method="GET", path=f"{A}/events", raw_path=b"", raw_query=b"", headers=headers, request_id="r"
        )
        req.session = await routes_ui.check_session(runtime, req, "session")  # as the router does
        reply = await routes_ui.events(runtime, req)
        chunks = [await asyncio.wait_for(anext(reply.stream), 5) for _ in range(2)]
        routes_ui._sessions(runtime).end(
            routes_ui._sessions(runtime).verify(headers["cookie"].split("=", 1)[1])
        )
        last = await asyncio.wait_for(anext(reply.stream), 5)
        assert last.startswith(b": ") and b"revoked" in last
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(anext(reply.stream), 5)
        return chunks

    assert asyncio.run(scenario()) == [b"retry: 2000\n\n", b": keep-alive\n\n"]


def test_browsers_find_an_icon(ui):
    """/favicon.ico (where browsers look unasked) and the page's own icon are an icon, not a 404."""
    _, _, client = ui
    for path in ("/favicon.ico", f"{U}/favicon.ico"):
        reply = client.request("GET", path)
        assert reply.status == 200 and reply.headers["content-type"] == "image/x-icon"
        assert reply.body[:4] == b"\x00\x00\x01\x00"


def test_the_page_gets_names_not_only_ids(ui):
    """The session names its project; the task list names each task's firewall, also once the
    firewall is deleted (the firewall list no longer has it)."""
    runtime, clock, client = ui
    firewall = create(client, "edge")

    def run_for(seconds):
        for _ in range(seconds):
            clock.advance(1)
            while runtime.worker.run_once():
                pass

    run_for(6)
    assert call(client, "DELETE", f"/v2/{P}/firewall/{firewall}").status == 200
    run_for(6)
    headers, _ = session_of(sign_in(client))
    assert client.request("GET", f"{A}/session", headers=headers).json["project_name"] == "cn-north-4"
    assert client.request("GET", f"{A}/firewalls", headers=headers).json["firewalls"] == []
    listed = client.request("GET", f"{A}/jobs", headers=headers).json
    assert [(j["kind"], j["status"]) for j in listed["jobs"]] == [
        ("delete", "Success"),
        ("create", "Success"),
    ]
    assert listed["names"] == {firewall: "edge"}


def test_the_firewall_list_comes_in_pages(ui):
    """The list is paged on the server (it used to send every firewall at once: 787 KB for 5,086),
    in a stable order, with the total, and filtered by status on the server too."""
    _, _, client = ui
    for i in range(130):
        create(client, name=f"fw-{i:03d}")
    headers, _ = session_of(sign_in(client))
    first = client.request("GET", f"{A}/firewalls", headers=headers).json
    assert (first["total"], first["offset"], first["limit"], len(first["firewalls"])) == (130, 0, 100, 100)
    second = client.request("GET", f"{A}/firewalls?offset=100&limit=100", headers=headers).json
    names = [f["name"] for f in first["firewalls"] + second["firewalls"]]
    assert sorted(names) == [f"fw-{i:03d}" for i in range(130)]  # every one once (same clock: by id)
    small = client.request("GET", f"{A}/firewalls?offset=5&limit=3", headers=headers).json
    assert [f["name"] for f in small["firewalls"]] == names[5:8]
    creating = client.request("GET", f"{A}/firewalls?status=Creating&limit=1", headers=headers).json
    assert creating["total"] == 130 and len(creating["firewalls"]) == 1
    running = client.request("GET", f"{A}/firewalls?status=Running", headers=headers).json
    assert running == {"firewalls": [], "total": 0, "offset": 0, "limit": 100}
    for bad in ("limit=0", "limit=501", "offset=-1", "status=Bogus", "limit=x"):
        assert_error(client.request("GET", f"{A}/firewalls?{bad}", headers=headers), 400, "CFW.00200001")
