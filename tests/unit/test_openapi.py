"""The OpenAPI document: it describes exactly the routes that exist, is served unauthenticated, and
the real answers of a whole firewall lifecycle match its response schemas."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema_rs
import pytest

from opencfw.api.app import App
from tests.unit import test_api
from tests.unit.test_api import CREATE, P, call, token_for

# the in-process runtime with a manual clock, shared with the API tests
env = test_api.env
api = test_api.api

DOCUMENT = Path(__file__).parents[2] / "src" / "opencfw" / "api" / "openapi.json"
DOC = json.loads(DOCUMENT.read_text())
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def documented() -> set[tuple[str, str]]:
    return {
        (method.upper(), path) for path, item in DOC["paths"].items() for method in item if method in METHODS
    }


def routed(runtime) -> set[tuple[str, str]]:
    return {(route.method, route.template) for route in App(runtime).router.routes}


def validate(reply, method: str, path: str) -> None:
    """The reply's status is documented for the operation and its body matches that schema."""
    responses = DOC["paths"][path][method.lower()]["responses"]
    assert str(reply.status) in responses, (method, path, reply.status, reply.body)
    response = responses[str(reply.status)]
    if "$ref" in response:
        response = DOC["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = response["content"]["application/json"]["schema"]
    validator = jsonschema_rs.validator_for({**DOC, **schema}, validate_formats=True)
    errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(reply.json)]
    assert not errors, (method, path, reply.json, errors)
    header = re.fullmatch(
        DOC["components"]["headers"]["X-Request-Id"]["schema"]["pattern"], reply.headers["x-request-id"]
    )
    assert header


def test_every_route_is_documented_and_nothing_else(api):
    """A route in the router without a description in the document, or the other way round, fails."""
    runtime, _, _ = api
    assert routed(runtime) == documented()


def test_every_operation_documents_errors_with_their_body(api):
    """Each operation has an operationId, a success answer and error answers with a body schema."""
    for path, item in DOC["paths"].items():
        for method, operation in item.items():
            assert operation["operationId"], (method, path)
            codes = set(operation["responses"])
            assert any(code.startswith("2") for code in codes), (method, path)
            assert {"500", "413"} <= codes, (method, path)
            for code in codes:
                ref = operation["responses"][code].get("$ref")
                response = (
                    DOC["components"]["responses"][ref.rsplit("/", 1)[1]]
                    if ref
                    else operation["responses"][code]
                )
                assert "X-Request-Id" in response["headers"], (method, path, code)
                streamed = operation.get("x-opencfw-stream") and code == "200"
                media = "text/event-stream" if streamed else "application/json"
                if "text/plain" in response["content"]:  # the Prometheus exposition
                    media = "text/plain"
                if "text/csv" in response["content"]:  # an export of log records
                    media = "text/csv"
                if "application/octet-stream" in response["content"]:  # a downloaded file
                    media = "application/octet-stream"
                # the dashboard's page and assets, and file downloads
                if (operation.get("x-opencfw-static") or operation.get("x-opencfw-file")) and code == "200":
                    media = next(iter(response["content"]))
                assert "schema" in response["content"][media], (method, path, code)


def test_document_is_served_unauthenticated(api):
    """GET /_opencfw/openapi.json answers the static file, OpenAPI 3.1, without a credential."""
    _, _, client = api
    reply = client.request("GET", "/_opencfw/openapi.json")
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/json;charset=UTF-8"
    assert reply.body == DOCUMENT.read_bytes()
    assert reply.json["openapi"].startswith("3.1")
    validate(reply, "GET", "/_opencfw/openapi.json")


def test_document_is_package_data():
    """The document ships inside the package, where the route reads it from."""
    from opencfw.api import routes_opencfw

    assert routes_opencfw.openapi_document() == DOCUMENT.read_bytes()


def test_a_whole_lifecycle_matches_the_document(api):
    """Every answer of create, poll, read, list, rename, delete and the IAM calls matches its schema."""
    runtime, clock, client = api
    reply = client.request(
        "POST",
        "/v3/auth/tokens",
        json_body={
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {"user": {"name": "admin", "password": "pw", "domain": {"name": "opencfw"}}},
                },
                "scope": {"project": {"id": P}},
            }
        },
    )
    validate(reply, "POST", "/v3/auth/tokens")
    validate(call(client, "GET", "/v3/projects?name=cn-north-4"), "GET", "/v3/projects")
    validate(call(client, "GET", "/v3/auth/domains"), "GET", "/v3/auth/domains")
    validate(client.request("GET", "/_opencfw/health"), "GET", "/_opencfw/health")
    domain_scoped = client.request(
        "POST",
        "/v3/auth/tokens",
        json_body={
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {"user": {"name": "admin", "password": "pw", "domain": {"name": "opencfw"}}},
                },
                "scope": {"domain": {"name": "opencfw"}},
            }
        },
    )
    validate(domain_scoped, "POST", "/v3/auth/tokens")
    temporary = call(
        client, "POST", "/v3.0/OS-CREDENTIAL/securitytokens", {"auth": {"identity": {"methods": ["token"]}}}
    )
    validate(temporary, "POST", "/v3.0/OS-CREDENTIAL/securitytokens")
    for bad in ({"auth": {"identity": {"methods": ["x"]}}}, {"auth": {}}):
        validate(
            call(client, "POST", "/v3.0/OS-CREDENTIAL/securitytokens", bad),
            "POST",
            "/v3.0/OS-CREDENTIAL/securitytokens",
        )

    body = {
        **CREATE,
        "tags": [{"key": "k", "value": "v"}],
        "charge_info": {**CREATE["charge_info"], "period_type": "month", "period_num": 1},
    }
    reply = call(client, "POST", f"/v2/{P}/firewall", body)
    validate(reply, "POST", "/v2/{project_id}/firewall")
    fw = reply.json["job_id"]
    validate(call(client, "GET", f"/v3/{P}/jobs/{fw}"), "GET", "/v3/{project_id}/jobs/{job_id}")
    clock.advance(1)
    while runtime.worker.run_once():
        pass
    validate(call(client, "GET", f"/v3/{P}/jobs/{fw}"), "GET", "/v3/{project_id}/jobs/{job_id}")
    detail = f"/v1/{P}/firewall/exist?offset=0&limit=10&service_type=0&fw_instance_id={fw}"
    validate(call(client, "GET", detail), "GET", "/v1/{project_id}/firewall/exist")
    listing = call(client, "POST", f"/v1/{P}/firewalls/list", {"limit": 10, "offset": 0})
    validate(listing, "POST", "/v1/{project_id}/firewalls/list")
    assert listing.json["data"]["total"] == 1
    rename = call(client, "PUT", f"/v1/{P}/firewall/name?fw_instance_id={fw}", {"fw_instance_name": "fw-2"})
    validate(rename, "PUT", "/v1/{project_id}/firewall/name")
    reply = call(client, "DELETE", f"/v2/{P}/firewall/{fw}")
    validate(reply, "DELETE", "/v2/{project_id}/firewall/{resource_id}")
    validate(
        call(client, "GET", f"/v3/{P}/jobs/{reply.json['data']}"), "GET", "/v3/{project_id}/jobs/{job_id}"
    )
    validate(
        call(client, "DELETE", f"/v2/{P}/firewall/{fw}"), "DELETE", "/v2/{project_id}/firewall/{resource_id}"
    )


@pytest.mark.parametrize(
    ("method", "url", "template"),
    [
        ("GET", "/v3/{P}/jobs/nope", "/v3/{project_id}/jobs/{job_id}"),
        ("GET", "/v3/{P}/jobs/a%2Fb", "/v3/{project_id}/jobs/{job_id}"),
        ("POST", "/v2/{P}/firewall", "/v2/{project_id}/firewall"),
        ("GET", "/v1/{P}/firewall/exist?offset=-1", "/v1/{project_id}/firewall/exist"),
        ("PUT", "/v1/{P}/firewall/name", "/v1/{project_id}/firewall/name"),
        ("GET", "/v3/projects?name=" + "x" * 300, "/v3/projects"),
    ],
)
def test_error_answers_match_the_document(api, method, url, template):
    """Bad requests, unknown ids, missing or foreign credentials: every error body is as documented."""
    _, _, client = api
    url = url.replace("{P}", P)
    validate(call(client, method, url, {"bad": 1}), method, template)
    validate(client.request(method, url), method, template)
    validate(call(client, method, url, token="junk"), method, template)
    if "{project_id}" in template:
        other = token_for(client, P)
        foreign = url.replace(P, "fedcba9876543210fedcba9876543210")
        validate(call(client, method, foreign, token=other), method, template)
