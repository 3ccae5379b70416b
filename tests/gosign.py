"""Sign requests the way the Terraform provider's Go client does.

It signs exactly ``accept;content-type;user-agent;x-sdk-date`` (``content-type`` only when it sends a
body), never ``host``, and adds ``X-Project-Id`` after signing, so that header is unsigned.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from opencfw.domain import signing

USER_AGENT = "terraform-provider-huaweicloud"


def go_headers(
    method: str,
    url: str,
    *,
    ak: str,
    sk: str,
    sdk_date: str,
    project_id: str,
    body: bytes | None = None,
) -> dict[str, str]:
    """The headers the Go client sends (``Host`` is left to the HTTP library)."""
    headers = {"accept": "application/json", "user-agent": USER_AGENT, "x-sdk-date": sdk_date}
    if body is not None:
        headers["content-type"] = "application/json"
    names = [n for n in ("accept", "content-type", "user-agent", "x-sdk-date") if n in headers]
    parts = urlsplit(url)
    canonical = signing.canonical_request(
        method,
        parts.path.encode(),
        parts.query.encode(),
        headers,
        names,
        signing.payload_hash(signing.SHA256, body or b""),
    )
    to_sign = signing.string_to_sign(signing.SHA256, sdk_date, canonical)
    sig = signing.signature(signing.SHA256, sk, to_sign)
    headers["authorization"] = (
        f"{signing.SHA256} Access={ak}, SignedHeaders={';'.join(names)}, Signature={sig}"
    )
    headers["x-project-id"] = project_id  # added after signing: not part of the signature
    return headers
