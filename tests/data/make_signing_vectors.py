"""Write tests/data/signing-vectors-asymmetric.txt with the official Python SDK's own signers.

    .venv/bin/python tests/data/make_signing_vectors.py

The SDK-ECDSA-P256-SHA256 and SDK-SM2-SM3 signers of huaweicloudsdkcore sign with a random nonce,
so the file is made once and committed; tests/unit/test_signing.py verifies every signature in it
(and signs fresh requests with the installed SDK as well). Each block names the AK/SK pair, the
public key the SDK's signer derived from it, the canonical request, the string to sign and the
Authorization header the SDK produced.
"""

from __future__ import annotations

import json
from pathlib import Path

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import P256SHA256Signer, SM2SM3Signer

PROJECT = "0123456789abcdef0123456789abcdef"
DATE = "20240101T000000Z"
#: the second pair is chosen so that the SM2 public key has a coordinate below 2^248 (see
#: docs/api-notes.md: the SDK's SM2 Z_A then differs from GB/T 32918's)
PAIRS = [("MYAKEXAMPLE123", "MySecretKeyExample456"), ("MYAKEXAMPLE123", "MySecretKeyExample233")]
OUT = Path(__file__).with_name("signing-vectors-asymmetric.txt")


def requests() -> list[tuple[str, str, list[tuple[str, object]], bytes | None]]:
    body = {"name": "fw1", "flavor": {"version": "Professional"}, "charge_info": {"charge_mode": "postPaid"}}
    return [
        ("GET", f"/v3/{PROJECT}/jobs/f588ce71-e26c-400d-8981-f854355f6849", [], None),
        ("POST", f"/v2/{PROJECT}/firewall", [], json.dumps(body).encode()),
        (
            "GET",
            f"/v1/{PROJECT}/firewall/exist",
            [("offset", 0), ("limit", 10), ("service_type", 0), ("name", "a b/c")],
            None,
        ),
    ]


def main() -> None:
    blocks = [
        "# Signing vectors for SDK-ECDSA-P256-SHA256 and SDK-SM2-SM3, made by the official Python SDK's",
        "# signers (huaweicloudsdkcore 3.1.219) with tests/data/make_signing_vectors.py.",
        f"# project = {PROJECT}   X-Sdk-Date = {DATE}",
        "",
    ]
    for signer_class in (P256SHA256Signer, SM2SM3Signer):
        for ak, sk in PAIRS:
            signer = signer_class(BasicCredentials(ak, sk, PROJECT))
            x, y = signer.get_signing_key()._public_key
            for method, path, query, body in requests():
                headers = {
                    "Content-Type": "application/json",
                    "User-Agent": "huaweicloud-usdk-python/3.0; test",
                    "X-Project-Id": PROJECT,
                    "X-Sdk-Date": DATE,
                    "Host": "127.0.0.1:18080",
                }
                request = SdkRequest(
                    method=method,
                    schema="http",
                    host="127.0.0.1:18080",
                    resource_path=path,
                    query_params=list(query),
                    header_params=headers,
                    body=body,
                )
                signed_headers = signer._process_signed_headers(request)
                canonical = signer._process_canonical_request(request, signed_headers)
                signer.sign(request)
                to_sign = signer._process_string_to_sign(canonical, signer._process_header_time(request))
                blocks += [
                    f"---- {signer_class.__name__} {method} {request.uri}",
                    f"AK: {ak}",
                    f"SK: {sk}",
                    f"PublicKey: {x:064x} {y:064x}",
                    f"Body: {(body or b'').decode()}",
                    "CanonicalRequest:",
                    canonical,
                    "StringToSign:",
                    to_sign,
                    f"Authorization: {request.header_params['Authorization']}",
                    "",
                ]
    OUT.write_text("\n".join(blocks))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
