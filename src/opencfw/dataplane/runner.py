"""Starting the data plane beside the API (``OPENCFW_DATAPLANE=nftables``), and what it needs.

- ``problem()``: why this host cannot run it (not Linux, no ``ip``/``nft``, not permitted), tried for
  real: a throw-away namespace with a veth pair and a table using every feature the compiler emits.
- ``host_lock``: exactly one process on a host drives the namespaces of a store's firewalls: a
  PostgreSQL advisory lock named after the host (API processes sharing a database), or a file lock
  in the data directory (processes sharing a SQLite file).
- ``start(runtime)``: the reconciler on its thread, fed by the store's change notifications.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from opencfw.config import Settings
from opencfw.dataplane import netns, source
from opencfw.dataplane.flow_logs import FlowLogs
from opencfw.dataplane.reconciler import Reconciler
from opencfw.domain.logs import Flow
from opencfw.store import dataplane_sql
from opencfw.store.db import Database

if TYPE_CHECKING:
    from opencfw.runtime import Runtime

_PROBE_TABLE = """\
add table inet opencfw_probe
add counter inet opencfw_probe c
add set inet opencfw_probe s { type ipv4_addr; flags interval; auto-merge; }
add element inet opencfw_probe s { 192.0.2.0/24 }
add chain inet opencfw_probe f { type filter hook forward priority filter; policy accept; }
add rule inet opencfw_probe f ct state established,related accept
add rule inet opencfw_probe f iifname "probe0" ct mark set 1
add rule inet opencfw_probe f ip saddr @s meta l4proto tcp th dport 22 counter name "c" log prefix "p" group 1 reject with icmpx type admin-prohibited
"""


def problem() -> str | None:
    """None when the data plane can run here, else the reason in one sentence."""
    if not sys.platform.startswith("linux"):
        return f"the nftables data plane needs Linux (this is {sys.platform})"
    missing = [tool for tool in ("ip", "nft") if shutil.which(tool) is None]
    if missing:
        return f"the nftables data plane needs {' and '.join(missing)} (Debian: apt-get install nftables iproute2)"
    name = f"ocfw-probe-{os.getpid()}"
    steps = [
        ["ip", "netns", "add", name],
        ["ip", "-n", name, "link", "add", "name", "probe0", "type", "veth", "peer", "name", "probe1"],
        ["ip", "netns", "exec", name, "nft", "-f", "-"],
    ]
    try:
        for step in steps:
            done = subprocess.run(
                step,
                input=_PROBE_TABLE if "nft" in step else None,
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            if done.returncode != 0:
                why = (
                    done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
                )
                return (
                    f"the nftables data plane cannot run here: `{' '.join(step[:4])}` failed: {why} "
                    "(it needs root, or CAP_SYS_ADMIN and CAP_NET_ADMIN)"
                )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"the nftables data plane cannot run here: {exc}"
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False, timeout=30)
    return None


def store_identity(settings: Settings) -> str:
    """What names the store for lab names: the SQLite file, or the database without credentials."""
    if settings.database_url is None:
        return str((settings.data_dir / "opencfw.sqlite3").resolve())
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(settings.database_url.reveal())
    # the options name the schema (search_path) where several stores share one database
    parts = (info.get(key, "") for key in ("host", "port", "dbname", "options"))
    return "postgres://{}:{}/{}?{}".format(*parts)


def instance(settings: Settings) -> str:
    return netns.instance_of(store_identity(settings))


#: what a host lock yields: None when another process holds it, else a check that it still holds
Held = Callable[[], bool] | None


def _always() -> bool:
    return True


@contextlib.contextmanager
def _file_lock(settings: Settings) -> Iterator[Held]:
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(settings.data_dir / "dataplane.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None
            return
        yield _always  # held until the file is closed
    finally:
        os.close(fd)  # releases the lock


#: the lock's session is named so in ``pg_stat_activity``, after the store's instance
LOCK_APPLICATION = "opencfw-dataplane-lock"


@contextlib.contextmanager
def _postgres_lock(settings: Settings) -> Iterator[Held]:
    import psycopg

    assert settings.database_url is not None
    # per host and per store: stores in other schemas of the database have labs of their own
    key = f"opencfw-dataplane:{socket.gethostname()}:{instance(settings)}"
    try:
        conn = psycopg.connect(
            settings.database_url.reveal(),
            autocommit=True,
            connect_timeout=5,
            application_name=f"{LOCK_APPLICATION} {instance(settings)}",
        )
    except psycopg.Error:
        yield None
        return

    def alive() -> bool:
        """The lock lives as long as its session: is the session still there?"""
        try:
            return conn.execute("SELECT 1").fetchone() is not None
        except psycopg.Error:
            return False

    try:
        row = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (key,)).fetchone()
        yield alive if row and row[0] else None
    finally:
        with contextlib.suppress(psycopg.Error):
            conn.close()  # the session ends: so does its advisory lock


def host_lock(settings: Settings) -> Callable[[], contextlib.AbstractContextManager[Held]]:
    if settings.database_url is not None:
        return lambda: _postgres_lock(settings)
    return lambda: _file_lock(settings)


def reconciler(runtime: Runtime) -> Reconciler:
    database = Database(runtime.store)  # type: ignore[arg-type]

    def load() -> dict[str, source.Desired]:
        return source.policies(dataplane_sql.snapshot(database), runtime.acl_rules.compiled)

    def record(project_id: str, flows: list[Flow], flow_records: bool) -> None:
        runtime.logs.record_flows(project_id, flows, flow_records=flow_records)

    return Reconciler(
        load,
        instance(runtime.settings),
        deny=runtime.settings.dataplane_deny,
        host_lock=host_lock(runtime.settings),
        logs=FlowLogs(record),
    )


def start(runtime: Runtime) -> Reconciler | None:
    """The reconciler, running, when the settings ask for the data plane; else None."""
    if runtime.settings.dataplane != "nftables":
        return None
    found = reconciler(runtime)
    runtime.hub.listeners.append(found.changed)
    runtime.dataplane = found
    if runtime.metrics is not None:
        runtime.metrics.watch_dataplane(found)
    found.start()
    return found
