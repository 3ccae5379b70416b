"""The first start's banner: the account created, where the store is, and the lines that point the
SDK and the ``opencfw`` command at the server. Moved unchanged from ``cli.py``."""

from __future__ import annotations

from urllib.parse import urlsplit

from opencfw.config import Settings
from opencfw.service.credentials import BootstrapResult


def _sdk_region_variable(region: str) -> str:
    return "HUAWEICLOUD_SDK_REGION_CFW_" + region.upper().replace("-", "_")


def _where(settings: Settings) -> str:
    """Where the account lives, without credentials: the SQLite file's directory or the database."""
    if settings.database_url is None:
        return f"the SQLite store in {settings.data_dir}"
    url = urlsplit(settings.database_url.reveal())
    host = url.hostname or "localhost"
    port = f":{url.port}" if url.port else ""
    return f"PostgreSQL at {host}{port}{url.path or ''}"


def _endpoint(settings: Settings) -> str:
    """The URL a client on this machine uses: a wildcard address is reached on loopback."""
    wildcard = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}  # noqa: S104 - not a bind
    host = wildcard.get(settings.host, settings.host)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


def bootstrap_text(result: BootstrapResult, settings: Settings) -> str:
    """What a start tells about the account: everything a first client needs after the first
    start (the exports for the SDK and the CLI, the dashboard), one line on later starts. Only
    generated secrets are shown, and said to be shown once; given ones are never echoed."""
    endpoint = _endpoint(settings)
    dashboard = f"{endpoint}/_opencfw/ui"
    generated = result.generated_password or result.generated_secret_key or result.generated_admin_token
    if not (result.created or generated):
        return (
            f"opencfw: project {result.project_name} (id {result.project_id}) in {_where(settings)}"
            f"; dashboard {dashboard}"
        )
    head = "created the first account" if result.created else "completed the account"
    out = ["", f"opencfw: {head} in {_where(settings)}"]
    if generated:
        out.append("         generated secrets are shown this once: keep them")
    out += [
        f"  project        {result.project_name}  (id {result.project_id})",
        f"  domain / user  {result.domain} / {result.user}",
    ]
    if result.generated_password:
        out.append(f"  password       {result.generated_password}")
    if result.access_key:
        out.append(f"  access key     {result.access_key}")
    if result.generated_secret_key:
        out.append(f"  secret key     {result.generated_secret_key}")
    elif result.access_key:
        out.append("  secret key     as given in the settings (OPENCFW_SECRET_KEY), not shown")
    if result.generated_admin_token:
        out.append(f"  admin token    {result.generated_admin_token}  (admin API and dashboard)")
    out.append(f"  dashboard      {dashboard}")
    out += ["", "  point the official SDK and the opencfw command at this server:"]
    if result.access_key:
        secret = result.generated_secret_key or "<the secret key you set>"
        out.append(f"    export CLOUD_SDK_AK={result.access_key} CLOUD_SDK_SK={secret}")
    out += [
        f"    export OPENCFW_PROJECT_ID={result.project_id} OPENCFW_ENDPOINT={endpoint}",
        f"    export {_sdk_region_variable(result.project_name)}={endpoint}",
        "",
    ]
    return "\n".join(out)


def print_bootstrap(result: BootstrapResult, settings: Settings) -> None:
    print(bootstrap_text(result, settings), flush=True)
