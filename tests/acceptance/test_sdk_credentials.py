"""The official Python SDK against a real server with every way it can authenticate: the four
signing algorithms, and temporary access keys with their security token."""

from __future__ import annotations

import pytest
from huaweicloudsdkcfw.v1 import ListFirewallListRequest, QueryFireWallInstanceDto, TagInfo
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcore.signer.algorithm import SigningAlgorithm

from tests.acceptance import sdk
from tests.acceptance.server import AK, PROJECT, SK


def _client(url: str, credentials: BasicCredentials, algorithm: SigningAlgorithm):
    from huaweicloudsdkcfw.v1 import CfwClient

    config = HttpConfig.get_default_config()
    config.retry_times = 0
    config.signing_algorithm = algorithm
    return (
        CfwClient.new_builder()
        .with_credentials(credentials)
        .with_endpoints([url])
        .with_http_config(config)
        .build()
    )


@pytest.mark.parametrize("algorithm", list(SigningAlgorithm), ids=lambda a: a.name)
def test_every_sdk_signing_algorithm_end_to_end(server, algorithm):
    """With each signing algorithm the SDK can use, a create, its job and a tag-filtered list
    (the documented {key, values} TagInfo the SDK sends) all succeed."""
    cfw = _client(server.url, BasicCredentials(AK, SK, PROJECT), algorithm)
    name = f"alg-{algorithm.value}"
    job_id = cfw.create_firewall(sdk.create_request(name, {"alg": algorithm.name})).job_id
    assert sdk.wait_job(cfw, job_id) == "Success"
    listing = cfw.list_firewall_list(
        ListFirewallListRequest(
            body=QueryFireWallInstanceDto(
                limit=10, offset=0, tags=[TagInfo(key="alg", values=[algorithm.name])]
            )
        )
    ).data
    assert [r.fw_instance_id for r in listing.records] == [job_id]
    wrong = _client(server.url, BasicCredentials(AK, SK + "x", PROJECT), algorithm)
    with pytest.raises(ClientRequestException) as err:
        wrong.list_job(sdk.ListJobRequest(job_id=job_id))
    assert (err.value.status_code, err.value.error_code) == (401, "APIGW.0301")


def _temporary_keys(server, duration: int = 900) -> dict[str, str]:
    status, _, body = server.request(
        "POST",
        "/v3.0/OS-CREDENTIAL/securitytokens",
        headers={"X-Auth-Token": server.token()},
        body={"auth": {"identity": {"methods": ["token"], "token": {"duration_seconds": duration}}}},
    )
    assert status == 201, body
    return body["credential"]


@pytest.mark.parametrize("algorithm", [SigningAlgorithm.HMAC_SHA256, SigningAlgorithm.ECDSA_P256_SHA256])
def test_temporary_keys_with_the_sdk(server, algorithm):
    """BasicCredentials(temporary AK, SK, project).with_security_token(token) works end to end:
    create, poll, read, delete."""
    keys = _temporary_keys(server)
    credentials = BasicCredentials(keys["access"], keys["secret"], PROJECT).with_security_token(
        keys["securitytoken"]
    )
    cfw = _client(server.url, credentials, algorithm)
    job_id = cfw.create_firewall(sdk.create_request(f"temp-{algorithm.value}")).job_id
    assert sdk.wait_job(cfw, job_id) == "Success"
    assert sdk.detail(cfw, job_id).data.records[0].status == 2
    task = cfw.delete_firewall(sdk.DeleteFirewallRequest(resource_id=job_id)).data
    assert sdk.wait_job(cfw, task) == "Success"


def test_security_tokens_are_checked(server):
    """A permanent AK with a security token, a temporary AK without its token or with another
    one's: each is a 401 through the SDK."""
    first, second = _temporary_keys(server), _temporary_keys(server)
    cases = [
        BasicCredentials(AK, SK, PROJECT).with_security_token(first["securitytoken"]),
        BasicCredentials(AK, SK, PROJECT).with_security_token("bogus"),
        BasicCredentials(first["access"], first["secret"], PROJECT),
        BasicCredentials(first["access"], first["secret"], PROJECT).with_security_token(
            second["securitytoken"]
        ),
    ]
    for credentials in cases:
        cfw = _client(server.url, credentials, SigningAlgorithm.HMAC_SHA256)
        with pytest.raises(ClientRequestException) as err:
            cfw.list_job(sdk.ListJobRequest(job_id="f588ce71-e26c-400d-8981-f854355f6849"))
        assert (err.value.status_code, err.value.error_code) == (401, "APIGW.0301"), err.value
