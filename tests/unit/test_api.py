"""The HTTP contract in-process: shapes, status codes, error bodies and authentication."""

from __future__ import annotations

import re

import pytest

from opencfw.api.app import App
from opencfw.config import Secret, Settings
from opencfw.domain.clock import ManualClock
from opencfw.domain.errors import StoreUnavailable
from opencfw.runtime import build_runtime
from tests.asgi import AsgiClient

P = "0123456789abcdef0123456789abcdef"
OTHER = "fedcba9876543210fedcba9876543210"
AK, SK = "TESTAK0000000000000A", "testsecretkey0000000000000000000000000000"
START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
SDK_DATE = "20260101T000000Z"

CREATE = {
    "name": "fw-1",
    "flavor": {"version": "Professional"},
    "charge_info": {"charge_mode": "postPaid", "is_auto_pay": True},
}


@pytest.fixture
def env(tmp_path, database_url):
    def make(**overrides):
        values = {
            "data_dir": tmp_path / "data",
            "database_url": Secret(database_url) if database_url else None,
            "project_id": P,
            "access_key": AK,
            "secret_key": Secret(SK),
            "password": Secret("pw"),
            "provision_seconds": 0,
        }
        settings = Settings(**{**values, **overrides})
        clock = ManualClock(START_MS)
        runtime, _ = build_runtime(settings, clock)
        return runtime, clock, AsgiClient(App(runtime))

    made = []

    def factory(**overrides):
        made.append(make(**overrides))
        return made[-1]

    yield factory
    for runtime, _, _ in made:
        runtime.close()


@pytest.fixture
def api(env):
    runtime, clock, client = env()
    token = token_for(client, P)
    client.token = token  # type: ignore[attr-defined]
    return runtime, clock, client


def token_for(client: AsgiClient, project_id: str | None = None, project_name: str | None = None) -> str:
    scope = {"id": project_id} if project_id else {"name": project_name}
    reply = client.request(
        "POST",
        "/v3/auth/tokens",
        json_body={
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {"user": {"name": "admin", "password": "pw", "domain": {"name": "opencfw"}}},
                },
                "scope": {"project": scope},
            }
        },
    )
    assert reply.status == 201, reply.body
    return reply.headers["x-subject-token"]


def call(client, method, url, body=None, token=None, headers=None):
    h = {"x-auth-token": token if token is not None else client.token, **(headers or {})}
    return client.request(method, url, headers=h, json_body=body)


def assert_error(reply, status, code, message=None):
    assert reply.status == status, reply.body
    body = reply.json
    assert body["error_code"] == code
    assert isinstance(body["error_msg"], str) and body["error_msg"]
    assert re.fullmatch(r"[0-9a-f]{32}", reply.headers["x-request-id"])
    assert reply.headers["content-type"] == "application/json;charset=UTF-8"
    if code.startswith("APIGW"):
        assert body["request_id"] == reply.headers["x-request-id"]
    else:
        assert set(body) == {"error_code", "error_msg"}
    if message:
        assert re.search(message, body["error_msg"]), body["error_msg"]


def create(client, **changes):
    reply = call(client, "POST", f"/v2/{P}/firewall", {**CREATE, **changes})
    assert reply.status == 200, reply.body
    return reply.json["job_id"]


# -- the job read ----------------------------------------------------------------------------------


def test_job_read_has_exactly_the_documented_shape(api):
    """Running: id, status, begin_time only; after the engine runs: Success with end_time."""
    runtime, clock, client = api
    runtime.firewalls.policy = runtime.firewalls.policy.__class__(duration_ms=3000)
    job_id = create(client)
    reply = call(client, "GET", f"/v3/{P}/jobs/{job_id}")
    assert reply.status == 200
    assert reply.json == {"data": {"id": job_id, "status": "Running", "begin_time": "2026-01-01T00:00:00Z"}}
    for _ in range(5):
        clock.advance(0.6)
        while runtime.worker.run_once():
            pass
    data = call(client, "GET", f"/v3/{P}/jobs/{job_id}").json["data"]
    assert data == {
        "id": job_id,
        "status": "Success",
        "begin_time": "2026-01-01T00:00:00Z",
        "end_time": "2026-01-01T00:00:03Z",
    }


def test_epoch_ms_time_format(env):
    """OPENCFW_JOB_TIME_FORMAT=epoch_ms answers integers in milliseconds."""
    runtime, clock, client = env(job_time_format="epoch_ms")
    client.token = token_for(client, P)
    job_id = create(client)
    clock.advance(0.25)
    runtime.worker.run_once()
    data = call(client, "GET", f"/v3/{P}/jobs/{job_id}").json["data"]
    assert data["begin_time"] == START_MS and data["end_time"] == START_MS + 250


def test_unknown_and_foreign_jobs_look_the_same(api):
    """An unknown job id and another project's job both answer 400 CFW.00200005."""
    runtime, _, client = api
    unknown = call(client, "GET", f"/v3/{P}/jobs/f588ce71-e26c-400d-8981-f854355f6849")
    assert_error(unknown, 400, "CFW.00200005")
    # a second project in the same account, with a job of its own
    from opencfw.domain.accounts import Project

    domain = runtime.store.get_domain_by_name("opencfw")
    runtime.store.add_project(Project(OTHER, "eu-west-0", domain.id), START_MS)
    other_token = token_for(client, OTHER)
    foreign_job = create(client)  # in P
    foreign = call(client, "GET", f"/v3/{OTHER}/jobs/{foreign_job}", token=other_token)
    assert_error(foreign, 400, "CFW.00200005")
    assert foreign.json["error_msg"].replace(foreign_job, "X") == unknown.json["error_msg"].replace(
        "f588ce71-e26c-400d-8981-f854355f6849", "X"
    )


@pytest.mark.parametrize("bad", ["not-a-uuid!", "a" * 65, "%00", "x%2Fy"])
def test_malformed_job_ids_are_bad_parameters(api, bad):
    """A job id that cannot exist is a 400 naming the parameter (or no route at all)."""
    _, _, client = api
    reply = call(client, "GET", f"/v3/{P}/jobs/{bad}")
    if reply.status == 404:
        assert_error(reply, 404, "APIGW.0101")
    else:
        assert_error(reply, 400, "CFW.00200001", "job_id")


# -- routing and authentication ---------------------------------------------------------------------


def test_no_route_and_wrong_method(api):
    """Unknown paths are 404 APIGW.0101, and so is another method on a documented path (as the
    real gateway answers); opencfw's own extension paths answer 405 with Allow."""
    _, _, client = api
    assert_error(call(client, "GET", "/v9/nothing"), 404, "APIGW.0101")
    for method, path in (
        ("PATCH", f"/v3/{P}/jobs/abc"),
        ("GET", f"/v2/{P}/firewall"),
        ("PUT", "/v3/auth/tokens"),
    ):
        reply = call(client, method, path)
        assert_error(reply, 404, "APIGW.0101", "does not exist or has not been published")
        assert "allow" not in reply.headers
    reply = call(client, "DELETE", "/_opencfw/health")
    assert_error(reply, 405, "APIGW.0102")
    assert reply.headers["allow"] == "GET"


def test_missing_and_bad_credentials(api):
    """No credential, a junk token, an unknown scheme: 401 APIGW.0301 saying which."""
    _, _, client = api
    url = f"/v3/{P}/jobs/abc"
    assert_error(client.request("GET", url), 401, "APIGW.0301", "x-auth-token not found")
    assert_error(call(client, "GET", url, token="junk"), 401, "APIGW.0301", "token")
    reply = client.request("GET", url, headers={"authorization": "Basic YTpi"})
    assert_error(reply, 401, "APIGW.0301", "unsupported Authorization")


def test_expired_token(api):
    """After 24 hours a token answers 401 APIGW.0307."""
    _, clock, client = api
    clock.advance(24 * 3600)
    assert_error(call(client, "GET", f"/v3/{P}/jobs/abc"), 401, "APIGW.0307")


def test_token_on_another_project_is_forbidden(api):
    """A token scoped to one project is refused on another's path, and a bad X-Project-Id too."""
    _, _, client = api
    assert_error(call(client, "GET", f"/v3/{OTHER}/jobs/abc"), 403, "APIGW.0302")
    reply = call(client, "GET", f"/v3/{P}/jobs/abc", headers={"x-project-id": OTHER})
    assert_error(reply, 403, "APIGW.0302", "X-Project-Id")


def test_invalid_project_id_is_a_bad_parameter(api):
    """A project id outside [A-Za-z0-9_-]{1,64} is a 400."""
    _, _, client = api
    assert_error(call(client, "GET", "/v3/bad.project/jobs/abc"), 400, "CFW.00200001", "project_id")


def test_aksk_request_works_and_reaches_only_its_account(api):
    """A signed request reads a job; the same key on an unknown project is 403."""
    _, _, client = api
    job_id = create(client)
    ok = client.signed("GET", f"/v3/{P}/jobs/{job_id}", ak=AK, sk=SK, sdk_date=SDK_DATE)
    assert ok.status == 200 and ok.json["data"]["id"] == job_id
    other = client.signed("GET", f"/v3/{OTHER}/jobs/{job_id}", ak=AK, sk=SK, sdk_date=SDK_DATE)
    assert_error(other, 403, "APIGW.0302")
    wrong = client.signed("GET", f"/v3/{P}/jobs/{job_id}", ak=AK, sk=SK + "x", sdk_date=SDK_DATE)
    assert_error(wrong, 401, "APIGW.0301", "verify aksk signature fail")
    stale = client.signed("GET", f"/v3/{P}/jobs/{job_id}", ak=AK, sk=SK, sdk_date="20251231T234400Z")
    assert_error(stale, 401, "APIGW.0301", "15 minutes")


def test_signed_post_with_body(api):
    """The body is covered by the signature; a signed create works."""
    _, _, client = api
    body = b'{"name":"signed","flavor":{"version":"professional"},"charge_info":{"charge_mode":"postPaid"}}'
    reply = client.signed("POST", f"/v2/{P}/firewall", ak=AK, sk=SK, sdk_date=SDK_DATE, body=body)
    assert reply.status == 200, reply.body
    assert reply.json["data"]["flavor"]["version"] == "Professional"


def test_token_endpoint(api):
    """201 with X-Subject-Token and the Keystone body; errors are clear."""
    _, _, client = api
    reply = client.request(
        "POST",
        "/v3/auth/tokens",
        json_body={
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {"user": {"name": "admin", "password": "pw", "domain": {"name": "opencfw"}}},
                },
                "scope": {"project": {"name": "cn-north-4"}},
            }
        },
    )
    assert reply.status == 201
    token = reply.json["token"]
    assert token["project"]["id"] == P and token["project"]["name"] == "cn-north-4"
    assert token["expires_at"] == "2026-01-02T00:00:00.000000Z"
    assert token["methods"] == ["password"] and token["catalog"] == []
    assert reply.headers["x-subject-token"] not in reply.body.decode()
    wrong = client.request(
        "POST",
        "/v3/auth/tokens",
        json_body={
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {"name": "admin", "password": "nope", "domain": {"name": "opencfw"}}
                    },
                },
                "scope": {"project": {"id": P}},
            }
        },
    )
    assert_error(wrong, 401, "APIGW.0301", "username or password")
    unscoped = client.request(
        "POST",
        "/v3/auth/tokens",
        json_body={
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {"user": {"name": "admin", "password": "pw", "domain": {"name": "opencfw"}}},
                }
            }
        },
    )
    assert_error(unscoped, 400, "CFW.00200001", "scope")
    assert_error(client.request("POST", "/v3/auth/tokens", body=b"{"), 400, "CFW.00200001", "JSON")


def test_project_lookup(api):
    """GET /v3/projects?name= lists the caller's projects by name (the SDK needs exactly one)."""
    _, _, client = api
    reply = client.signed("GET", "/v3/projects?name=cn-north-4", ak=AK, sk=SK, sdk_date=SDK_DATE)
    assert reply.status == 200
    assert [p["id"] for p in reply.json["projects"]] == [P]
    none = call(client, "GET", "/v3/projects?name=eu-west-0")
    assert none.json["projects"] == []


def test_auth_domains_lists_the_callers_account(api):
    """GET /v3/auth/domains (the Terraform provider's domain lookup) answers the caller's account,
    by AK/SK and by token, with no next page."""
    _, _, client = api
    by_key = client.signed("GET", "/v3/auth/domains", ak=AK, sk=SK, sdk_date=SDK_DATE)
    assert by_key.status == 200, by_key.body
    (domain,) = by_key.json["domains"]
    assert domain["name"] == "opencfw" and domain["id"] and domain["enabled"] is True
    assert by_key.json["links"]["next"] is None
    assert call(client, "GET", "/v3/auth/domains").json == by_key.json
    assert client.request("GET", "/v3/auth/domains").status == 401


def test_health_is_open_and_reports_the_store(api):
    """/_opencfw/health needs no credential."""
    _, _, client = api
    reply = client.request("GET", "/_opencfw/health")
    assert reply.status == 200 and reply.json["status"] == "ready"


# -- creating -------------------------------------------------------------------------------------


def test_create_echoes_the_body_with_defaults(api):
    """The answer holds the job id (= firewall id) and the request with defaults filled in."""
    _, _, client = api
    reply = call(
        client,
        "POST",
        f"/v2/{P}/firewall",
        {
            "name": "fw-echo",
            "tags": None,
            "flavor": {"version": "PROFESSIONAL", "extend_bandwidth": 5},
            "charge_info": {"charge_mode": "postPaid", "is_auto_renew": "false", "is_auto_pay": True},
        },
    )
    assert reply.status == 200
    body = reply.json
    assert set(body) == {"job_id", "data"}
    assert body["data"] == {
        "name": "fw-echo",
        "enterprise_project_id": "0",
        "tags": None,
        # extend_* echoed only as sent: they take effect for yearly/monthly firewalls only
        "flavor": {"version": "Professional", "extend_bandwidth": 5},
        "charge_info": {"charge_mode": "postPaid", "is_auto_renew": False, "is_auto_pay": True},
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({**CREATE, "name": "x" * 49}, r"name"),
        ({**CREATE, "name": "bad name"}, r"name"),
        ({**CREATE, "name": 12}, r"name"),
        ({k: v for k, v in CREATE.items() if k != "flavor"}, r"flavor"),
        ({**CREATE, "flavor": {"version": "Gold"}}, r"flavor.version"),
        ({**CREATE, "flavor": {"version": "Professional", "extend_bandwidth": 7}}, r"extend_bandwidth"),
        ({**CREATE, "flavor": {"version": "Professional", "extend_eip_count": 2001}}, r"extend_eip_count"),
        ({**CREATE, "flavor": {"version": "Professional", "extend_vpc_count": -1}}, r"extend_vpc_count"),
        ({**CREATE, "flavor": {"version": "Professional", "extend_vpc_count": "2"}}, r"extend_vpc_count"),
        ({**CREATE, "flavor": {"version": "Standard"}}, r"Professional only"),
        ({**CREATE, "charge_info": {"charge_mode": "prePaid", "period_type": "month"}}, r"pay-per-use"),
        ({**CREATE, "charge_info": {"charge_mode": "free"}}, r"charge_mode"),
        ({**CREATE, "charge_info": {"charge_mode": "postPaid", "is_auto_renew": "maybe"}}, r"is_auto_renew"),
        ({**CREATE, "charge_info": {"charge_mode": "postPaid", "is_auto_pay": 1}}, r"is_auto_pay"),
        ({**CREATE, "tags": [{"key": "a", "value": "1"}, {"key": "a", "value": "2"}]}, r"tags"),
        ({**CREATE, "tags": [{"key": "", "value": "1"}]}, r"tags"),
        ({**CREATE, "tags": "a=b"}, r"tags"),
        ([CREATE], r"object"),
        ({**CREATE, "name": 10**30}, r"name"),
    ],
)
def test_create_rejects_bad_bodies_naming_the_field(api, body, message):
    """Wrong types, out-of-range values, over-long names and prePaid are 400s naming the field."""
    _, _, client = api
    assert_error(call(client, "POST", f"/v2/{P}/firewall", body), 400, "CFW.00200001", message)


@pytest.mark.parametrize(
    "raw",
    [b"", b"{", b"null", b"\xff\xfe", b'{"name": NaN}', b"[" * 5000 + b"]" * 5000],
)
def test_create_rejects_malformed_json(api, raw):
    """Malformed, empty, non-UTF-8 or absurdly nested bodies are clear 400s, never a 500."""
    _, _, client = api
    reply = client.request("POST", f"/v2/{P}/firewall", headers={"x-auth-token": client.token}, body=raw)
    assert_error(reply, 400, "CFW.00200001")


def test_oversized_body_is_413_before_reading(api):
    """A Content-Length over 12 MiB is refused with 413."""
    _, _, client = api
    reply = client.request(
        "POST", f"/v2/{P}/firewall", headers={"x-auth-token": client.token, "content-length": str(13 * 2**20)}
    )
    assert_error(reply, 413, "APIGW.0201")


def test_duplicate_name_is_a_conflict(api):
    """Two live firewalls of one project cannot share a name: 400 CFW.00200007."""
    _, _, client = api
    create(client, name="dup")
    assert_error(call(client, "POST", f"/v2/{P}/firewall", {**CREATE, "name": "dup"}), 400, "CFW.00200007")


# -- reading, listing, renaming, deleting --------------------------------------------------------------


def detail(client, fw_id=None, **query):
    params = {"offset": 0, "limit": 10, "service_type": 0, **query}
    if fw_id:
        params["fw_instance_id"] = fw_id
    qs = "&".join(f"{k}={v}" for k, v in params.items())
    return call(client, "GET", f"/v1/{P}/firewall/exist?{qs}")


def test_detail_record_types(api):
    """Every field Terraform parses has the documented type and value."""
    runtime, _, client = api
    fw_id = create(client, tags=[{"key": "env", "value": "ci"}])
    runtime.worker.run_once()
    reply = detail(client, fw_id)
    assert reply.status == 200
    data = reply.json["data"]
    assert (data["offset"], data["limit"], data["total"]) == (0, 10, 1)
    record = data["records"][0]
    assert record["fw_instance_id"] == record["resource_id"] == fw_id
    assert record["fw_instance_name"] == "fw-1"
    assert record["name"] == str(START_MS)
    assert record["status"] == 2 and record["charge_mode"] == 1 and record["enterprise_project_id"] == "0"
    assert record["tags"] == '{"env":"ci"}'
    assert record["flavor"]["version"] == 1 and record["flavor"]["eip_count"] == 1000
    assert record["flavor"]["bandwidth"] == 200 and record["flavor"]["vpc_count"] == 5
    assert [o["type"] for o in record["protect_objects"]] == [0]
    for key in ("ha_type", "service_type", "engine_type"):
        assert isinstance(record[key], int)
    for key in ("support_ipv6", "is_old_firewall_instance", "is_available_obs", "is_support_threat_tags"):
        assert isinstance(record[key], bool)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"offset": -1}, "offset"),
        ({"limit": 0}, "limit"),
        ({"limit": 1025}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"service_type": 1}, "service_type"),
        ({"fw_instance_id": "bad%20id"}, "fw_instance_id"),
    ],
)
def test_detail_query_errors(api, query, message):
    """Out-of-range or malformed query parameters are 400s naming the parameter."""
    _, _, client = api
    assert_error(detail(client, **query), 400, "CFW.00200001", message)
    reply = call(client, "GET", f"/v1/{P}/firewall/exist?limit=10&service_type=0")
    assert_error(reply, 400, "CFW.00200001", "offset")


def test_detail_of_unknown_firewall(api):
    """An unknown fw_instance_id is 400 CFW.00200005; without an id an empty project lists nothing."""
    _, _, client = api
    assert_error(detail(client, "f588ce71-e26c-400d-8981-f854355f6849"), 400, "CFW.00200005")
    assert detail(client).json["data"] == {"offset": 0, "limit": 10, "total": 0, "records": []}


def test_list_and_rename(api):
    """The list answer carries the top-level booleans; a rename shows in reads; errors are clear."""
    _, _, client = api
    fw_id = create(client, name="first")
    reply = call(client, "POST", f"/v1/{P}/firewalls/list", {"limit": 10, "offset": 0, "key_word": "fir"})
    assert reply.status == 200
    body = reply.json
    assert body["is_support_postpaid"] is True and body["data"]["project_id"] == P
    assert [r["fw_instance_id"] for r in body["data"]["records"]] == [fw_id]
    assert_error(
        call(client, "POST", f"/v1/{P}/firewalls/list", {"limit": 0, "offset": 0}), 400, "CFW.00200001"
    )
    renamed = call(
        client, "PUT", f"/v1/{P}/firewall/name?fw_instance_id={fw_id}", {"fw_instance_name": "second"}
    )
    assert renamed.json == {"data": {"id": fw_id, "name": "second"}}
    assert detail(client, fw_id).json["data"]["records"][0]["fw_instance_name"] == "second"
    assert_error(
        call(client, "PUT", f"/v1/{P}/firewall/name", {"fw_instance_name": "x"}), 400, "CFW.00200001"
    )
    bad = call(client, "PUT", f"/v1/{P}/firewall/name?fw_instance_id={fw_id}", {"fw_instance_name": "a b"})
    assert_error(bad, 400, "CFW.00200001", "fw_instance_name")
    missing = call(
        client,
        "PUT",
        f"/v1/{P}/firewall/name?fw_instance_id=f588ce71-e26c-400d-8981-f854355f6849",
        {"fw_instance_name": "x"},
    )
    assert_error(missing, 400, "CFW.00200005")
    create(client, name="taken")
    clash = call(
        client, "PUT", f"/v1/{P}/firewall/name?fw_instance_id={fw_id}", {"fw_instance_name": "taken"}
    )
    assert_error(clash, 400, "CFW.00200007")


def test_delete_flow_and_errors(api):
    """Deleting a creating firewall is 400 CFW.00200016; after deletion reads answer CFW.00200005."""
    runtime, _, client = api
    fw_id = create(client)
    assert_error(call(client, "DELETE", f"/v2/{P}/firewall/{fw_id}"), 400, "CFW.00200016")
    runtime.worker.run_once()
    reply = call(client, "DELETE", f"/v2/{P}/firewall/{fw_id}")
    assert reply.status == 200
    task = reply.json["data"]
    assert detail(client, fw_id).json["data"]["records"][0]["status"] == 1
    assert call(client, "GET", f"/v3/{P}/jobs/{task}").json["data"]["status"] == "Running"
    runtime.worker.run_once()
    assert call(client, "GET", f"/v3/{P}/jobs/{task}").json["data"]["status"] == "Success"
    assert_error(detail(client, fw_id), 400, "CFW.00200005")
    assert_error(call(client, "DELETE", f"/v2/{P}/firewall/{fw_id}"), 400, "CFW.00200005")


# -- faults ----------------------------------------------------------------------------------------


def test_store_failure_is_503_and_bugs_are_500(api, monkeypatch, caplog):
    """A store that cannot answer gives 503 CFW.00100001; an unexpected bug 500, never a traceback body."""
    runtime, _, client = api

    async def down(*args, **kwargs):
        raise StoreUnavailable()

    monkeypatch.setattr(runtime.job_reads, "read_row", down)
    assert_error(call(client, "GET", f"/v3/{P}/jobs/abc"), 503, "CFW.00100001", "System busy")

    async def boom(*args, **kwargs):
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(runtime.job_reads, "read_row", boom)
    reply = call(client, "GET", f"/v3/{P}/jobs/abc")
    assert_error(reply, 500, "CFW.00100001")
    assert b"Traceback" not in reply.body and b"ZeroDivision" not in reply.body
    assert reply.headers["x-request-id"] in caplog.text


def test_request_ids_are_unique(api):
    """Every answer carries its own X-Request-Id."""
    _, _, client = api
    ids = {client.request("GET", "/_opencfw/health").headers["x-request-id"] for _ in range(20)}
    assert len(ids) == 20


def test_a_forked_server_process_draws_other_request_ids():
    """Request ids come from a generator of the process's own: a forked worker reseeds it, or
    every worker would hand out the same ids."""
    import os

    from opencfw.api import app as app_module

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next id, then out at once
        os.write(write, app_module._REQUEST_IDS.randbytes(16))
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read, 16)
    os.close(read)
    os.close(write)
    assert len(child) == 16 and child != app_module._REQUEST_IDS.randbytes(16)


def test_secret_never_in_repr():
    """Settings print secrets masked."""
    settings = Settings(secret_key=Secret("topsecret"), password=Secret("pw2"))
    assert "topsecret" not in repr(settings) and "pw2" not in repr(settings)
