"""Where the client talks to and as whom: settings from flags and environment, the SDK client, and
the translation of SDK exceptions into one error type with an exit code."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from opencfw.exits import Exit

if TYPE_CHECKING:
    from huaweicloudsdkcfw.v1 import CfwClient

DEFAULT_ENDPOINT = "http://127.0.0.1:9449"
DEFAULT_REGION = "cn-north-4"
NOT_FOUND_CODE = "CFW.00200005"


class ClientError(Exception):
    """Anything that ends a client command early: one line on stderr and an exit code."""

    def __init__(
        self,
        message: str,
        exit_code: Exit = Exit.FAILED,
        *,
        error_code: str | None = None,
        request_id: str | None = None,
        transient: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.error_code = error_code
        self.request_id = request_id
        #: a server fault or an unreachable endpoint: worth another try while waiting
        self.transient = transient

    def line(self) -> str:
        extra = [f"error_code {self.error_code}"] if self.error_code else []
        extra += [f"request_id {self.request_id}"] if self.request_id else []
        return self.message + (f" ({', '.join(extra)})" if extra else "")


@dataclass(frozen=True)
class Target:
    """The endpoint, region, project and access key that every command uses."""

    endpoint: str
    region: str
    project_id: str
    access_key: str
    secret_key: str = field(repr=False)

    @classmethod
    def resolve(
        cls,
        *,
        endpoint: str | None,
        region: str | None,
        project_id: str | None,
        environ: Mapping[str, str] = os.environ,
    ) -> Target:
        """Flags win over the environment; a missing value names the variable that provides it."""
        ak = environ.get("CLOUD_SDK_AK", "").strip()
        sk = environ.get("CLOUD_SDK_SK", "").strip()
        project = (project_id or environ.get("OPENCFW_PROJECT_ID", "")).strip()
        if not ak:
            raise ClientError("no access key: set CLOUD_SDK_AK", Exit.USAGE)
        if not sk:
            raise ClientError("no secret key: set CLOUD_SDK_SK", Exit.USAGE)
        if not project:
            raise ClientError("no project id: set OPENCFW_PROJECT_ID or pass --project-id", Exit.USAGE)
        url = (endpoint or environ.get("OPENCFW_ENDPOINT", "") or DEFAULT_ENDPOINT).strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise ClientError(f"the endpoint must start with http:// or https://, got {url!r}", Exit.USAGE)
        return cls(url, (region or DEFAULT_REGION).strip(), project, ak, sk)


class Connection:
    """An SDK ``CfwClient`` for a target, remembering the last ``Retry-After`` header it saw."""

    def __init__(self, target: Target, *, timeout: float = 30.0) -> None:
        from huaweicloudsdkcfw.v1 import CfwClient
        from huaweicloudsdkcore.auth.credentials import BasicCredentials
        from huaweicloudsdkcore.http.http_config import HttpConfig
        from huaweicloudsdkcore.http.http_handler import HttpHandler
        from huaweicloudsdkcore.region.region import Region

        self.target = target
        self.retry_after: str | None = None
        config = HttpConfig.get_default_config()
        config.retry_times = 0  # the wait loop decides when to ask again
        config.timeout = (min(timeout, 10.0), timeout)
        handler = HttpHandler().add_response_handler(self._remember_retry_after)
        self.sdk: CfwClient = (
            CfwClient.new_builder()
            .with_credentials(BasicCredentials(target.access_key, target.secret_key, target.project_id))
            .with_region(Region(target.region, target.endpoint))
            .with_http_config(config)
            .with_http_handler(handler)
            .build()
        )
        _silence_sdk_loggers()

    def _remember_retry_after(self, **kwargs: Any) -> None:
        response = kwargs.get("response")
        headers = getattr(response, "headers", None) or {}
        self.retry_after = headers.get("Retry-After")

    def call(self, method: str, request: Any) -> Any:
        """Call one SDK operation; every SDK exception comes out as a ``ClientError``."""
        from huaweicloudsdkcore.exceptions import exceptions

        self.retry_after = None
        try:
            return getattr(self.sdk, method)(request)
        except exceptions.ServiceResponseException as exc:
            raise _from_response(exc, self.target.endpoint) from None
        except exceptions.ConnectionException as exc:
            raise ClientError(
                f"cannot reach {self.target.endpoint}: {_first_line(exc.error_msg)}", transient=True
            ) from None
        except exceptions.RequestTimeoutException as exc:
            raise ClientError(
                f"no answer from {self.target.endpoint}: {_first_line(exc.error_msg)}", transient=True
            ) from None
        except exceptions.SdkException as exc:
            raise ClientError(_first_line(exc.error_msg) or type(exc).__name__) from None


class Extensions:
    """opencfw's own /_opencfw/v1/ routes, signed like the SDK signs (the SDK does not know
    them). ``available`` turns False at the first sign that the endpoint does not serve them."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.available: bool | None = None

    def get(self, path: str, query: Mapping[str, str], timeout: float) -> dict[str, Any] | None:
        """GET ``/_opencfw/v1/{project_id}/{path}``; None when the endpoint has no such route."""
        return self.request("GET", path, query, None, timeout)

    def request(
        self, method: str, path: str, query: Mapping[str, str], body: Any, timeout: float
    ) -> dict[str, Any] | None:
        """``method /_opencfw/v1/{project_id}/{path}`` with a JSON ``body`` (None: none), signed;
        None when the endpoint has no such route."""
        import http.client
        import json
        import time
        import urllib.error
        import urllib.request
        from urllib.parse import quote, urlencode, urlsplit

        from opencfw.domain import signing

        if self.available is False:
            return None
        resource = f"/_opencfw/v1/{quote(self.target.project_id, safe='')}/{path}"
        query_string = urlencode(sorted(query.items()))
        url = f"{self.target.endpoint}{resource}" + (f"?{query_string}" if query_string else "")
        headers = {
            "host": urlsplit(self.target.endpoint).netloc,
            "x-sdk-date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
            "x-project-id": self.target.project_id,
        }
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            headers["content-type"] = "application/json"
        prefix = urlsplit(self.target.endpoint).path.rstrip("/")
        headers["authorization"] = signing.sign_headers(
            access_key=self.target.access_key,
            secret_key=self.target.secret_key,
            method=method,
            path=prefix + resource,
            query=query_string,
            headers=headers,
            body=data or b"",
        )
        # the endpoint was checked to be http(s) in Target.resolve
        request = urllib.request.Request(  # noqa: S310
            url, data=data, method=method, headers={k: v for k, v in headers.items() if k != "host"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310 - http(s) only
                raw = reply.read()
            try:
                body = json.loads(raw)
            except ValueError:
                # a 200 that is not JSON is no opencfw answer (or was cut off): try again
                raise ClientError(
                    f"an unreadable answer from {self.target.endpoint}", transient=True
                ) from None
            self.available = True
            return body if isinstance(body, dict) else None
        except urllib.error.HTTPError as exc:
            try:
                payload = json.loads(exc.read() or b"{}")
            except ValueError:
                payload = {}
            code = payload.get("error_code") if isinstance(payload, dict) else None
            if exc.code in (404, 405) or not isinstance(payload, dict) or code is None:
                # not an opencfw server (the real cloud has no such route)
                self.available = False
                return None
            message = str(payload.get("error_msg") or f"HTTP {exc.code}")
            answer = SimpleNamespace(
                status_code=exc.code,
                error_msg=message,
                error_code=code,
                request_id=exc.headers.get("X-Request-Id"),
            )
            raise _from_response(answer, self.target.endpoint) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
            # refused, reset, or closed mid-answer: worth another try
            raise ClientError(
                f"cannot reach {self.target.endpoint}: {exc or type(exc).__name__}", transient=True
            ) from None


def _silence_sdk_loggers() -> None:
    """The SDK logs errors it also raises; the raised one is reported, once, by the command."""
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if name.startswith("HuaweiCloud-SDK") and isinstance(logger, logging.Logger) and not logger.handlers:
            logger.addHandler(logging.NullHandler())


def _first_line(text: object) -> str:
    lines = str(text or "").strip().splitlines()
    return lines[0] if lines else ""


def _not_cfw(text: str) -> bool:
    """An answer that is no CFW error body: an HTML page (a proxy, a web server, a wrong URL)."""
    return text.lstrip().startswith("<")


def _from_response(exc: Any, endpoint: str) -> ClientError:
    status = int(exc.status_code or 0)
    message = _first_line(exc.error_msg) or f"HTTP {status}"
    common: dict[str, Any] = {"error_code": exc.error_code or None, "request_id": exc.request_id or None}
    if _not_cfw(str(exc.error_msg or "")):
        # never print the page itself: say what it means
        what = f"{endpoint} answered HTTP {status} with a web page, not a CFW answer"
        if status >= 500:
            return ClientError(f"server error {status}: {what}", transient=True)
        return ClientError(
            f"{what}: is the endpoint right (OPENCFW_ENDPOINT or --endpoint)?",
            Exit.USAGE if status == 404 else Exit.FAILED,
        )
    if status in (401, 403):
        return ClientError(f"authentication failed: {message}", Exit.USAGE, **common)
    if exc.error_code == NOT_FOUND_CODE:
        return ClientError(f"not found: {message}", Exit.NOT_FOUND, **common)
    if status >= 500:
        return ClientError(f"server error {status}: {message}", transient=True, **common)
    return ClientError(message, **common)
