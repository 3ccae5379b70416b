"""The official huaweicloudsdkcfw against a real opencfw server process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.signer.signer import Signer

from opencfw.config import Secret, Settings
from opencfw.runtime import build_runtime
from tests.acceptance import sdk
from tests.acceptance.server import AK, MASTER_KEY, PROJECT, SK, Server

OTHER_PROJECT = "fedcba9876543210fedcba9876543210"
OTHER_AK, OTHER_SK = "OTHERACCOUNTAK000001", "other-account-secret-key-000000000000001"


def run_seed_sample(
    server: Server, job_id: str, home: Path, *, dateutil: bool
) -> subprocess.CompletedProcess[str]:
    """Run the published sample unchanged, configured only by the documented environment."""
    script = home / "sample.py"
    script.write_text(sdk.SEED_SAMPLE.replace("{project_id}", PROJECT).replace("{job_id}", job_id))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "CLOUD_SDK_AK": AK,
        "CLOUD_SDK_SK": SK,
        "HUAWEICLOUD_SDK_REGION_CFW_CN_NORTH_4": server.url,
    }
    if not dateutil:
        # a package named dateutil that cannot be imported: as if python-dateutil were absent
        blocker = home / "no-dateutil" / "dateutil"
        blocker.mkdir(parents=True, exist_ok=True)
        (blocker / "__init__.py").write_text("raise ImportError('python-dateutil is not installed')\n")
        env["PYTHONPATH"] = str(blocker.parent)
    return subprocess.run(
        [sys.executable, "-W", "ignore", str(script)], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("dateutil", [True, False], ids=["with-dateutil", "without-dateutil"])
def test_seed_sample_runs_unchanged(server, sdk_home, dateutil):
    """The seed's sample prints the job with status Success, with and without python-dateutil."""
    cfw = sdk.client(server.url)
    job_id = cfw.create_firewall(sdk.create_request(f"seed-{dateutil}")).job_id
    assert sdk.wait_job(cfw, job_id) == "Success"
    result = run_seed_sample(server, job_id, sdk_home, dateutil=dateutil)
    assert result.returncode == 0, result.stderr
    assert '"status": "Success"' in result.stdout, result.stdout
    assert job_id in result.stdout
    if dateutil:
        assert "datetime.date(" in result.stdout or '"begin_time": "20' in result.stdout


def test_create_poll_read_delete(server):
    """create -> Running -> Success -> status 2; delete -> its job succeeds -> reads answer 400."""
    cfw = sdk.client(server.url)
    created = cfw.create_firewall(sdk.create_request("lifecycle", {"team": "qa"}))
    job_id = created.job_id
    assert created.order_id is None
    assert created.data.name == "lifecycle" and created.data.enterprise_project_id == "0"
    first = cfw.list_job(sdk.ListJobRequest(job_id=job_id)).data
    assert first.status == "Running" and first.end_time is None
    assert sdk.detail(cfw, job_id).data.records[0].status == 0
    assert sdk.wait_job(cfw, job_id) == "Success"
    record = sdk.detail(cfw, job_id).data.records[0]
    assert (record.status, record.charge_mode, record.flavor.version) == (2, 1, 1)
    assert record.fw_instance_id == job_id and record.tags == '{"team":"qa"}'

    task = cfw.delete_firewall(sdk.DeleteFirewallRequest(resource_id=job_id)).data
    assert task != job_id
    assert sdk.detail(cfw, job_id).data.records[0].status == 1
    assert sdk.wait_job(cfw, task) == "Success"
    with pytest.raises(ClientRequestException) as err:
        sdk.detail(cfw, job_id)
    assert (err.value.status_code, err.value.error_code) == (400, "CFW.00200005")


def test_failed_outcome(spawn):
    """With OPENCFW_PROVISION_OUTCOME=failed the job ends Failed and the firewall shows status 6."""
    srv = spawn(provision_seconds="0", provision_outcome="failed")
    cfw = sdk.client(srv.url)
    job_id = cfw.create_firewall(sdk.create_request("doomed")).job_id
    assert sdk.wait_job(cfw, job_id) == "Failed"
    job = cfw.list_job(sdk.ListJobRequest(job_id=job_id)).data
    assert job.end_time is not None
    assert sdk.detail(cfw, job_id).data.records[0].status == 6


def add_other_account(data_dir: Path, database_url: str | None) -> None:
    """A second account (domain, project, key) written into a stopped server's store."""
    settings = Settings(
        data_dir=data_dir,
        database_url=Secret(database_url) if database_url else None,
        master_key=Secret(MASTER_KEY),
        domain="other",
        user="bob",
        password=Secret("bobpw"),
        region="cn-north-4",
        project_id=OTHER_PROJECT,
        access_key=OTHER_AK,
        secret_key=Secret(OTHER_SK),
    )
    runtime, _ = build_runtime(settings)
    runtime.close()


def expect_client_error(call, status: int, code: str, message: str | None = None) -> ClientRequestException:
    with pytest.raises(ClientRequestException) as err:
        call()
    exc = err.value
    assert (exc.status_code, exc.error_code) == (status, code), exc
    assert exc.error_msg and (message is None or message in exc.error_msg), exc.error_msg
    assert exc.request_id and len(exc.request_id) == 32
    return exc


def test_errors_seen_through_the_sdk(tmp_path, spawn, monkeypatch, database_url):
    """Unknown job, another project's job, wrong SK, stale X-Sdk-Date and no credentials."""
    data = tmp_path / "two-accounts"
    add_other_account(data, database_url)
    srv = spawn(data_dir=data, provision_seconds="0")
    cfw = sdk.client(srv.url)
    job_id = cfw.create_firewall(sdk.create_request("mine")).job_id

    expect_client_error(
        lambda: cfw.list_job(sdk.ListJobRequest(job_id="f588ce71-e26c-400d-8981-f854355f6849")),
        400,
        "CFW.00200005",
    )
    other = sdk.client(srv.url, ak=OTHER_AK, sk=OTHER_SK, project_id=OTHER_PROJECT)
    expect_client_error(lambda: other.list_job(sdk.ListJobRequest(job_id=job_id)), 400, "CFW.00200005")
    trespass = sdk.client(srv.url, ak=OTHER_AK, sk=OTHER_SK, project_id=PROJECT)
    expect_client_error(lambda: trespass.list_job(sdk.ListJobRequest(job_id=job_id)), 403, "APIGW.0302")

    wrong_sk = sdk.client(srv.url, sk=SK + "x")
    expect_client_error(
        lambda: wrong_sk.list_job(sdk.ListJobRequest(job_id=job_id)),
        401,
        "APIGW.0301",
        "verify aksk signature fail",
    )

    def unsigned(self, request):
        Signer.process_request_uri(request)
        return request

    # the SDK accepts only a class with this exact name; this one sends no signature at all
    no_credentials = type("BasicCredentials", (BasicCredentials,), {"sign_request": unsigned})
    anonymous = sdk.client(srv.url, credentials=no_credentials("x", "y", PROJECT))
    expect_client_error(
        lambda: anonymous.list_job(sdk.ListJobRequest(job_id=job_id)),
        401,
        "APIGW.0301",
        "x-auth-token not found",
    )

    stale = sdk.client(srv.url)
    original = Signer._process_header_time.__func__

    def twenty_minutes_ago(cls, request):
        request.header_params["X-Sdk-Date"] = (
            __import__("datetime").datetime.utcnow() - __import__("datetime").timedelta(minutes=20)
        ).strftime("%Y%m%dT%H%M%SZ")
        return original(cls, request)

    monkeypatch.setattr(Signer, "_process_header_time", classmethod(twenty_minutes_ago))
    expect_client_error(
        lambda: stale.list_job(sdk.ListJobRequest(job_id=job_id)), 401, "APIGW.0301", "15 minutes"
    )


def test_sdk_finds_its_project_by_region(server, monkeypatch):
    """Without a project id the SDK asks GET /v3/projects?name=<region> and uses the one answer."""
    from huaweicloudsdkcfw.v1.region.cfw_region import CfwRegion

    monkeypatch.setenv("HUAWEICLOUD_SDK_REGION_CFW_CN_NORTH_4", server.url)
    monkeypatch.setenv("HUAWEICLOUD_SDK_IAM_ENDPOINT", server.url)
    from huaweicloudsdkcfw.v1 import CfwClient

    cfw = (
        CfwClient.new_builder()
        .with_credentials(BasicCredentials(AK, SK))
        .with_region(CfwRegion.value_of("cn-north-4"))
        .build()
    )
    job_id = cfw.create_firewall(sdk.create_request("by-region")).job_id
    assert sdk.wait_job(cfw, job_id) == "Success"


def test_time_formats_over_http_and_sdk(spawn, sdk_home):
    """Default: 'yyyy-mm-ddThh:mm:ssZ' strings; epoch_ms: integers, readable by the SDK without dateutil."""
    srv = spawn(provision_seconds="0", job_time_format="epoch_ms")
    cfw = sdk.client(srv.url)
    job_id = cfw.create_firewall(sdk.create_request("epoch")).job_id
    token = srv.token()
    import time

    for _ in range(200):
        status, _, body = srv.request("GET", f"/v3/{PROJECT}/jobs/{job_id}", headers={"X-Auth-Token": token})
        if body["data"]["status"] != "Running":
            break
        time.sleep(0.02)
    assert status == 200
    data = body["data"]
    assert isinstance(data["begin_time"], int) and isinstance(data["end_time"], int)
    assert data["end_time"] >= data["begin_time"] > 1_600_000_000_000
    result = run_seed_sample(srv, job_id, sdk_home, dateutil=False)
    assert result.returncode == 0, result.stderr
    assert f'"begin_time": {data["begin_time"]}' in result.stdout
