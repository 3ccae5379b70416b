"""The real ``terraform`` binary and the real Huawei Cloud provider against opencfw, on both stores.

The provider is built once per machine with the go command at a pinned version and laid out as a
filesystem mirror in ``.cache/interop/terraform``; every terraform run uses a CLI configuration that
installs from that mirror only, so nothing comes from a provider registry. Each test works in a
temporary directory with a copy of ``interop/terraform``.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.acceptance.server import AK, PROJECT, SK
from tests.gosign import go_headers
from tests.interop import tools

PROVIDER_MODULE = "github.com/huaweicloud/terraform-provider-huaweicloud"
#: the provider's newest release when this was written; it builds with Go 1.26 (see the README)
PROVIDER_VERSION = "1.97.1"
PROVIDER_ADDRESS = "registry.terraform.io/huaweicloud/huaweicloud"
#: OpenTofu reads the same source address "huaweicloud/huaweicloud" as this one
TOFU_ADDRESS = "registry.opentofu.org/huaweicloud/huaweicloud"
#: where the machine has no terraform, OpenTofu built from the Go module proxy stands in for it
TOFU_MODULE = "github.com/opentofu/opentofu"
TOFU_VERSION = "v1.12.6"
#: a cold build of the provider took 7-12 min on 2 busy cores; leave room for a busier machine
BUILD_TIMEOUT_S = 3600
STEP_TIMEOUT_S = 300
REGION = "cn-north-4"  # the name of the server's project (OPENCFW_REGION's default)
TF_SOURCES = tools.INTEROP / "terraform"
TF_CACHE = tools.CACHE / "terraform"
RESOURCE = "huaweicloud_cfw_firewall.this"
FIRST = ("-var", "name=tf-interop")
#: the update: a new name and tags, IPS loose with the patch switch off, east-west protection stopped
RENAMED = (
    *("-var", "name=tf-interop-renamed", "-var", 'tags={env="prod"}'),
    *("-var", "ips_protection_mode=3", "-var", "ips_switch_status=0", "-var", "east_west_status=1"),
)
DOOMED = ("-var", "name=tf-doomed", "-var", 'tags={"opencfw:outcome"="failed"}', "-var", "east_west=false")

pytestmark = [pytest.mark.interop, pytest.mark.timeout(BUILD_TIMEOUT_S + 900)]


# -- the provider


def _go_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GOMODCACHE=str(tools.CACHE / "gomod"),
        GOCACHE=str(tools.CACHE / "gocache"),
        GOPATH=str(tools.CACHE / "gopath"),
        GOBIN=str(tools.CACHE / "gopath" / "bin"),
        GOFLAGS="-buildvcs=false",
    )
    return env


def _go(args: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["go", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        tools.unavailable(f"`go {' '.join(args)}` did not finish in {BUILD_TIMEOUT_S} s")
        raise  # unreachable: unavailable() skips or fails


def _tail(text: str, lines: int = 5) -> str:
    return " | ".join(text.strip().splitlines()[-lines:])


def build_provider() -> Path:
    """The provider binary in the mirror's layout, built when it is not there yet.

    First ``go install module@vVERSION`` through the Go module proxy. Where the proxy does not serve
    the module, ``OPENCFW_TF_PROVIDER_SOURCE`` may name a checkout of the provider at that tag: it
    vendors its dependencies, so ``go build -mod=vendor`` there needs no network."""
    env = _go_env()
    platform = subprocess.run(
        ["go", "env", "GOOS", "GOARCH"], env=env, capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    target = (
        TF_CACHE
        / "mirror"
        / PROVIDER_ADDRESS
        / PROVIDER_VERSION
        / "_".join(platform)
        / f"terraform-provider-huaweicloud_v{PROVIDER_VERSION}"
    )
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    installed = _go(["install", f"{PROVIDER_MODULE}@v{PROVIDER_VERSION}"], env)
    if installed.returncode == 0:
        shutil.copy2(Path(env["GOBIN"]) / "terraform-provider-huaweicloud", partial)
    else:
        source = os.environ.get("OPENCFW_TF_PROVIDER_SOURCE")
        refused = f"`go install {PROVIDER_MODULE}@v{PROVIDER_VERSION}` failed: {_tail(installed.stderr)}"
        if not source and tools.registry_refusal(installed.stderr):
            tools.refused_by_registry(
                f"{refused}; set OPENCFW_TF_PROVIDER_SOURCE to a checkout of the provider at "
                f"v{PROVIDER_VERSION} to build it from there"
            )
        if not source:
            tools.unavailable(
                f"{refused}; set OPENCFW_TF_PROVIDER_SOURCE to a checkout of the provider at "
                f"v{PROVIDER_VERSION} to build it from there"
            )
        vendored = (Path(source) / "vendor" / "modules.txt").is_file()
        env.update(GOFLAGS="-buildvcs=false -mod=vendor" if vendored else env["GOFLAGS"])
        built = _go(["build", "-o", str(partial), "."], env, cwd=Path(source))
        if built.returncode != 0:
            tools.unavailable(f"{refused}; building {source} failed too: {_tail(built.stderr)}")
    partial.replace(target)
    return target


def mirror_for_opentofu(binary: Path) -> None:
    """The same binary under OpenTofu's registry host, so that either CLI finds it in the mirror."""
    relative = binary.relative_to(TF_CACHE / "mirror" / PROVIDER_ADDRESS)
    alias = TF_CACHE / "mirror" / TOFU_ADDRESS / relative
    if not alias.exists():
        alias.parent.mkdir(parents=True, exist_ok=True)
        alias.symlink_to(binary)


def terraform_cli() -> str:
    """``terraform`` from PATH; otherwise OpenTofu, built once into the cache.

    ``go install`` refuses OpenTofu (its go.mod has a replace directive), so the module is
    downloaded from the Go module proxy and built as the main module."""
    found = shutil.which("terraform")
    if found:
        return found
    tofu = tools.CACHE / "bin" / f"tofu-{TOFU_VERSION}"
    if tofu.is_file():
        return str(tofu)
    env = _go_env()
    downloaded = _go(["mod", "download", "-json", f"{TOFU_MODULE}@{TOFU_VERSION}"], env)
    if downloaded.returncode != 0:
        tools.unavailable(
            f"no terraform on PATH, and the Go module proxy refused OpenTofu: {_tail(downloaded.stdout)}"
        )
    source = tools.CACHE / "tofu-src" / TOFU_VERSION
    if not source.is_dir():
        staging = source.with_name(source.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(json.loads(downloaded.stdout)["Dir"], staging)
        for path in [staging, *staging.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)  # the module cache is read-only
        staging.replace(source)
    partial = tofu.with_name(tofu.name + ".partial")
    built = _go(["build", "-o", str(partial), "./cmd/tofu"], env, cwd=source)
    if built.returncode != 0:
        tools.unavailable(f"no terraform on PATH, and building OpenTofu failed: {_tail(built.stderr)}")
    partial.replace(tofu)
    return str(tofu)


@pytest.fixture(scope="session")
def provider() -> Path:
    """The go command is needed; the provider is built at most once per machine (then cached)."""
    tools.require("go")
    binary = build_provider()
    mirror_for_opentofu(binary)
    return binary


@pytest.fixture(scope="session")
def cli(provider) -> str:
    """The terraform CLI (or OpenTofu where there is none)."""
    return terraform_cli()


# -- terraform


class Terraform:
    """``terraform`` in one working directory, offline: the provider comes from the local mirror."""

    def __init__(
        self, cli: str, workdir: Path, home: Path, server_url: str, sources: Path = TF_SOURCES
    ) -> None:
        self.cli = cli
        workdir.mkdir(parents=True)
        for source in sources.glob("*.tf"):
            shutil.copy2(source, workdir / source.name)
        self.workdir = workdir
        cli_config = home / "opencfw.tfrc"
        if not cli_config.exists():
            (TF_CACHE / "plugin-cache").mkdir(parents=True, exist_ok=True)
            cli_config.write_text(cli_configuration(TF_CACHE / "mirror", TF_CACHE / "plugin-cache"))
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": str(home),
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            # anything not on this machine goes to a closed port: no network
            "HTTP_PROXY": "http://127.0.0.1:9",
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "NO_PROXY": "127.0.0.1,localhost",
            "TF_VAR_opencfw_url": server_url.rstrip("/") + "/",
            "TF_VAR_region": REGION,
            "TF_VAR_access_key": AK,
            "TF_VAR_secret_key": SK,
            # the provider logs every request and answer here, so a failure can be read afterwards
            "TF_LOG_PROVIDER": "DEBUG",
            "TF_LOG_PATH": str(workdir / "terraform.log"),
        }
        self.transcript: list[str] = []

    def run(self, *args: str, expect: int | None = 0) -> subprocess.CompletedProcess[str]:
        began = time.monotonic()
        done = subprocess.run(
            [self.cli, *args, "-no-color"],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
        took = time.monotonic() - began
        self.transcript.append(f"$ terraform {' '.join(args)}  # exit {done.returncode}, {took:.1f} s")
        if expect is not None and done.returncode != expect:
            raise AssertionError(
                f"terraform {' '.join(args)} exited {done.returncode}, expected {expect}\n"
                f"--- steps\n" + "\n".join(self.transcript) + "\n"
                f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}\n--- log tail\n{self.log_tail()}"
            )
        return done

    def log_tail(self, chars: int = 4000) -> str:
        log = self.workdir / "terraform.log"
        return log.read_text(errors="replace")[-chars:] if log.exists() else ""

    def init(self) -> None:
        self.run("init", "-input=false")

    def apply(self, *var_args: str, expect: int | None = 0) -> subprocess.CompletedProcess[str]:
        return self.run("apply", "-auto-approve", "-input=false", *var_args, expect=expect)

    def values(self, address: str = RESOURCE) -> dict[str, Any]:
        """A resource's attributes in the state (default: the firewall's)."""
        state = json.loads(self.run("show", "-json").stdout)
        resources = state.get("values", {}).get("root_module", {}).get("resources", [])
        (resource,) = [r for r in resources if r["address"] == address]
        return dict(resource["values"])

    def no_drift(self, *var_args: str) -> None:
        """``plan -detailed-exitcode``: 0 means the server's answers match the configuration."""
        self.run("plan", "-detailed-exitcode", "-input=false", *var_args, expect=0)


def cli_configuration(mirror: Path, plugin_cache: Path) -> str:
    """Install the provider from the local mirror only, never from a registry."""
    return f"""\
provider_installation {{
  filesystem_mirror {{
    path    = "{mirror}"
    include = ["{PROVIDER_ADDRESS}", "{TOFU_ADDRESS}"]
  }}
}}
plugin_cache_dir   = "{plugin_cache}"
disable_checkpoint = true
"""


@pytest.fixture
def terraform(cli, interop_server, interop_home, tmp_path):
    """A factory of initialised terraform working directories against this test's server."""

    def make(name: str) -> Terraform:
        tf = Terraform(cli, tmp_path / name, interop_home, interop_server.url)
        tf.init()
        return tf

    return make


def job_error(port: int, job_id: str) -> dict[str, Any]:
    """The reason a job failed, from opencfw's task extension (ListJob itself gives only the status)."""
    path = f"/_opencfw/v1/{PROJECT}/jobs/{job_id}"
    sdk_date = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(
            "GET", path, headers=go_headers("GET", path, ak=AK, sk=SK, sdk_date=sdk_date, project_id=PROJECT)
        )
        reply = conn.getresponse()
        assert reply.status == 200, reply.read()
        return dict(json.loads(reply.read())["data"]["error"])
    finally:
        conn.close()


#: attributes that only a create sets (from the configuration) and a read never fills in
WRITE_ONLY = {"period", "period_unit", "auto_renew", "timeouts"}


def test_apply_plan_import_rename_destroy(terraform):
    """The whole lifecycle of huaweicloud_cfw_firewall through the real provider."""
    tf = terraform("main")
    tf.apply(*FIRST)
    created = tf.values()
    firewall_id = created["id"]
    assert created["name"] == "tf-interop"
    assert created["charging_mode"] == "postPaid"
    assert created["flavor"][0]["version"] == "Professional"
    assert created["tags"] == {"team": "qa"}
    assert (created["ips_protection_mode"], created["ips_switch_status"]) == (1, 1)
    assert created["status"] == 2  # running
    assert created["east_west_firewall_er_id"] == "er-interop"
    assert created["east_west_firewall_inspection_cidr"] == "10.240.0.0/16"
    assert created["east_west_firewall_status"] == 0
    assert sorted(o["type"] for o in created["protect_objects"]) == [0, 1]
    # every call the provider made on the way was answered (it also looks up the account's id)
    assert "get domain id failed" not in tf.log_tail(10**8)

    tf.no_drift(*FIRST)

    # import into an empty state reads back the same attributes
    imported_dir = terraform("import")
    imported_dir.run("import", "-input=false", *FIRST, RESOURCE, firewall_id)
    imported = imported_dir.values()
    differ = {
        key: (created.get(key), imported.get(key))
        for key in set(created) | set(imported)
        if key not in WRITE_ONLY and created.get(key) != imported.get(key)
    }
    assert not differ, differ
    imported_dir.no_drift(*FIRST)

    # rename, new tags, other IPS and east-west settings through apply: an update in place, same id
    tf.apply(*RENAMED)
    renamed = tf.values()
    assert (renamed["id"], renamed["name"], renamed["tags"]) == (
        firewall_id,
        "tf-interop-renamed",
        {"env": "prod"},
    )
    assert (renamed["ips_protection_mode"], renamed["ips_switch_status"]) == (3, 0)
    assert renamed["east_west_firewall_status"] == 1
    tf.no_drift(*RENAMED)

    tf.run("destroy", "-auto-approve", "-input=false", *RENAMED)
    # the imported copy of the state now finds the firewall gone on the server: it plans a new one
    gone = imported_dir.run("plan", "-detailed-exitcode", "-input=false", *FIRST, expect=2)
    assert "will be created" in gone.stdout, gone.stdout


def test_failed_creation_fails_apply_with_the_reason(terraform, interop_server):
    """A creation job scripted to fail (tag opencfw:outcome=failed) makes apply fail, naming the
    firewall and the job's outcome; the firewall stays in the state (tainted) and destroy removes it."""
    tf = terraform("failed")
    failed = tf.apply(*DOOMED, expect=1)
    output = failed.stdout + failed.stderr
    firewall_id = tf.values()["id"]
    # ListJob's data is exactly {id, status, begin_time, end_time}: the status is the reason it gives
    assert (
        f"error waiting for the Firewall ({firewall_id}) creation to complete: "
        "unexpected state 'Failed', wanted target 'COMPLETED'"
    ) in output, output
    # ... and that is the job whose recorded reason is the scripted failure
    assert (
        job_error(interop_server.port, firewall_id)["message"]
        == "Firewall creation failed at step deploy-engine"
    )
    assert tf.run("state", "list").stdout.split() == [RESOURCE]
    replan = tf.run("plan", "-detailed-exitcode", "-input=false", *DOOMED, expect=2)
    # terraform says "is tainted, so must be replaced", OpenTofu "is tainted, so it must be replaced"
    assert re.search(r"is tainted, so (it )?must be replaced", replan.stdout), replan.stdout
    tf.run("destroy", "-auto-approve", "-input=false", *DOOMED)
    assert tf.run("state", "list").stdout.split() == []
