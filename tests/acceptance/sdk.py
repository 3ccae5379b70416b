"""The official SDK, configured the way users configure it."""

from __future__ import annotations

import time

from huaweicloudsdkcfw.v1 import (
    CfwClient,
    CreateFirewallReq,
    CreateFirewallReqChargeInfo,
    CreateFirewallReqFlavor,
    CreateFirewallReqTags,
    CreateFirewallRequest,
    DeleteFirewallRequest,
    ListFirewallDetailRequest,
    ListJobRequest,
)
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig

from tests.acceptance.server import AK, PROJECT, SK

# The seed's Python sample as published, with its two placeholders filled in by the test.
SEED_SAMPLE = """\
# coding: utf-8

import os
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcfw.v1.region.cfw_region import CfwRegion
from huaweicloudsdkcore.exceptions import exceptions
from huaweicloudsdkcfw.v1 import *

if __name__ == "__main__":
    # The AK and SK used for authentication are hard-coded or stored in plaintext, which has great security risks.
    # It is recommended that the AK and SK be stored in ciphertext in configuration files or environment variables
    # and decrypted during use to ensure security.
    # In this example, AK and SK are stored in environment variables for authentication.
    # Before running this example, set environment variables CLOUD_SDK_AK and CLOUD_SDK_SK in the local environment
    ak = os.environ["CLOUD_SDK_AK"]
    sk = os.environ["CLOUD_SDK_SK"]
    projectId = "{project_id}"

    credentials = BasicCredentials(ak, sk, projectId)

    client = CfwClient.new_builder() \\
        .with_credentials(credentials) \\
        .with_region(CfwRegion.value_of("cn-north-4")) \\
        .build()

    try:
        request = ListJobRequest()
        request.job_id = "{job_id}"
        response = client.list_job(request)
        print(response)
    except exceptions.ClientRequestException as e:
        print(e.status_code)
        print(e.request_id)
        print(e.error_code)
        print(e.error_msg)
"""


def client(
    url: str, *, ak: str = AK, sk: str = SK, project_id: str | None = PROJECT, credentials=None
) -> CfwClient:
    config = HttpConfig.get_default_config()
    config.retry_times = 0
    return (
        CfwClient.new_builder()
        .with_credentials(credentials or BasicCredentials(ak, sk, project_id))
        .with_endpoints([url])
        .with_http_config(config)
        .build()
    )


def create_request(name: str, tags: dict[str, str] | None = None) -> CreateFirewallRequest:
    return CreateFirewallRequest(
        body=CreateFirewallReq(
            name=name,
            flavor=CreateFirewallReqFlavor(version="Professional"),
            charge_info=CreateFirewallReqChargeInfo(
                charge_mode="postPaid", is_auto_renew=False, is_auto_pay=True
            ),
            tags=[CreateFirewallReqTags(key=k, value=v) for k, v in (tags or {}).items()] or None,
        )
    )


def wait_job(cfw: CfwClient, job_id: str, timeout: float = 20.0, interval: float = 0.05) -> str:
    """Poll ListJob as clients do, until the status is not Running."""
    deadline = time.monotonic() + timeout
    while True:
        status = cfw.list_job(ListJobRequest(job_id=job_id)).data.status
        if status != "Running" or time.monotonic() > deadline:
            return status
        time.sleep(interval)


def detail(cfw: CfwClient, firewall_id: str):
    return cfw.list_firewall_detail(
        ListFirewallDetailRequest(offset=0, limit=10, service_type=0, fw_instance_id=firewall_id)
    )


__all__ = ["DeleteFirewallRequest", "ListJobRequest", "client", "create_request", "detail", "wait_job"]
