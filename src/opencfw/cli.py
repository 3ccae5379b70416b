"""The ``opencfw`` command: one entry point, one top-level error handler."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from opencfw import __version__, backup, client, credentials_cli
from opencfw.config import ConfigError, Settings
from opencfw.domain.errors import OpenCfwError
from opencfw.observability import logs
from opencfw.service.credentials import BootstrapResult
from opencfw.service.secrets import MasterKeyError
from opencfw.store.base import SchemaMissing


class UsageError(Exception):
    """A mistake on the command line or in the settings: one line on stderr, exit 2."""


def _env_help() -> str:
    lines = ["settings (each also read from its environment variable, or from the --config file):"]
    lines += [f"  {env:<28} {name}" for env, name in Settings.variables()]
    lines += [f"  {'OPENCFW_CONFIG':<28} the configuration file (opencfw.toml), like --config"]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="opencfw",
        description="A self-hosted Huawei Cloud Firewall (CFW) provisioning-task API.",
        epilog=_env_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"opencfw {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the API server and the job engine",
        epilog=_env_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--host", help="address to bind (OPENCFW_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (OPENCFW_PORT, default 9449)")
    serve.add_argument("--data-dir", type=Path, help="where the store lives (OPENCFW_DATA_DIR)")
    _add_config(serve)
    _add_log_format(serve)
    serve.add_argument(
        "--no-worker",
        dest="run_worker",
        action="store_const",
        const=False,
        help="serve the API only; run `opencfw worker` processes for the jobs (OPENCFW_RUN_WORKER=false)",
    )
    serve.add_argument(
        "--no-migrate",
        dest="migrate_on_start",
        action="store_const",
        const=False,
        help="do not apply schema migrations on start (OPENCFW_MIGRATE=false)",
    )

    worker = commands.add_parser(
        "worker",
        help="run only the job engine (any number, beside `serve --no-worker`, on PostgreSQL)",
        epilog=_env_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    worker.add_argument("--data-dir", type=Path, help="where the store lives (OPENCFW_DATA_DIR)")
    _add_config(worker)
    _add_log_format(worker)
    worker.add_argument(
        "--no-migrate",
        dest="migrate_on_start",
        action="store_const",
        const=False,
        help="do not apply schema migrations on start (OPENCFW_MIGRATE=false)",
    )

    migrate = commands.add_parser("migrate", help="create or upgrade the store's schema, then exit")
    migrate.add_argument("--data-dir", type=Path, help="where the store lives (OPENCFW_DATA_DIR)")
    _add_config(migrate)

    config = commands.add_parser("config", help="the effective configuration")
    config_commands = config.add_subparsers(dest="config_command", metavar="COMMAND", required=True)
    show = config_commands.add_parser(
        "show", help="print every setting, where its value came from, secrets masked"
    )
    show.add_argument("--data-dir", type=Path, help="where the store lives (OPENCFW_DATA_DIR)")
    _add_config(show)

    take = commands.add_parser(
        "backup", help="copy the SQLite store consistently to FILE, also while the server runs"
    )
    take.add_argument("file", type=Path, metavar="FILE")
    take.add_argument("--data-dir", type=Path, help="where the store lives (OPENCFW_DATA_DIR)")
    _add_config(take)
    put = commands.add_parser(
        "restore", help="replace the SQLite store by the backup FILE (the server must be stopped)"
    )
    put.add_argument("file", type=Path, metavar="FILE")
    put.add_argument("--data-dir", type=Path, help="where the store lives (OPENCFW_DATA_DIR)")
    _add_config(put)

    commands.add_parser("version", help="print the version")
    completion = commands.add_parser(
        "completion", help='print a shell completion script: eval "$(opencfw completion bash)"'
    )
    completion.add_argument("shell", choices=("bash", "zsh", "tcsh"))
    client.register(commands)
    credentials_cli.register(commands)
    return parser


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="configuration file, opencfw.toml (OPENCFW_CONFIG)"
    )


def _add_log_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log-format",
        choices=("auto", "human", "json"),
        help="human, json (a line per request too) or auto: human on a terminal (OPENCFW_LOG_FORMAT)",
    )


def _sdk_region_variable(region: str) -> str:
    return "HUAWEICLOUD_SDK_REGION_CFW_" + region.upper().replace("-", "_")


def print_bootstrap(result: BootstrapResult, settings: Settings) -> None:
    endpoint = f"http://{settings.host}:{settings.port}"
    if (
        result.created
        or result.generated_password
        or result.generated_secret_key
        or result.generated_admin_token
    ):
        out = [
            "",
            f"opencfw: created the first account in {settings.data_dir}",
            "         generated secrets are shown this once: keep them",
            f"  project        {result.project_name}  (id {result.project_id})",
            f"  domain / user  {result.domain} / {result.user}",
        ]
        if result.generated_password:
            out.append(f"  password       {result.generated_password}")
        if result.access_key:
            out.append(f"  access key     {result.access_key}")
        if result.generated_secret_key:
            out.append(f"  secret key     {result.generated_secret_key}")
        if result.generated_admin_token:
            out.append(f"  admin token    {result.generated_admin_token}  (for /_opencfw/admin/...)")
            out += [
                "",
                "  point the official SDK at this server:",
                f"    export CLOUD_SDK_AK={result.access_key} CLOUD_SDK_SK={result.generated_secret_key}",
                f"    export {_sdk_region_variable(result.project_name)}={endpoint}",
            ]
        out.append("")
    else:
        out = [
            f"opencfw: project {result.project_name} (id {result.project_id}), data in {settings.data_dir}"
        ]
    print("\n".join(out), flush=True)


def _serve(settings: Settings) -> int:
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: object) -> None:
            # a graceful stop on SIGTERM/SIGINT exits 0; stock uvicorn re-raises the signal after
            # shutting down, which makes every orderly stop look like a crash to supervisors
            if self.should_exit and sig == signal.SIGINT:
                self.force_exit = True
            else:
                self.should_exit = True
                app.begin_draining()  # end event streams, so their connections can close

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            runtime.phase = "ready"  # the lifespan ran and the sockets listen

    from opencfw.api.app import App
    from opencfw.api.connections import connection_limits, guarded_protocol
    from opencfw.runtime import build_runtime

    runtime, result = build_runtime(settings)
    runtime.phase = "starting"
    print_bootstrap(result, settings)
    app = App(runtime)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        lifespan="on",
        http=guarded_protocol(connection_limits(settings)),  # httptools, with header/time/count limits
        access_log=False,
        log_config=None,  # uvicorn's own records go through the handler logs.configure installed
        log_level="info" if settings.log_level in ("debug", "info") else settings.log_level,
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    try:
        Server(config).run()
    finally:
        runtime.close()
    return 0


def _worker(settings: Settings) -> int:
    import asyncio

    from opencfw.runtime import build_runtime

    runtime, _ = build_runtime(settings)
    print(f"opencfw: worker {runtime.worker.owner} on the {runtime.store_kind} store", flush=True)
    if settings.worker_metrics_port is not None and runtime.metrics is not None:
        from prometheus_client import start_http_server

        # a worker has no API: its own metrics (heartbeat, jobs finished, queue) on a port of its own
        start_http_server(settings.worker_metrics_port, settings.host, runtime.metrics.registry)
        print(
            f"opencfw: worker metrics on http://{settings.host}:{settings.worker_metrics_port}/metrics",
            flush=True,
        )

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await runtime.run_engine(stop)

    try:
        asyncio.run(run())
    finally:
        runtime.close()
    print("opencfw: worker stopped", flush=True)
    return 0


def _held(settings: Settings) -> contextlib.AbstractContextManager[None]:
    """A server or worker on the SQLite store holds its data directory (a restore then refuses)."""
    if settings.database_url is not None:
        return contextlib.nullcontext()
    return backup.held(settings.data_dir)


def _config_show(settings: Settings, sources: dict[str, str]) -> int:
    from dataclasses import fields

    names = [f.name for f in fields(Settings)]
    rows = [(key, value, sources[name]) for (key, value), name in zip(settings.shown(), names, strict=True)]
    width = max(len(key) for key, _, _ in rows)
    value_width = min(max(len(value) for _, value, _ in rows), 48)
    for key, value, source in rows:
        print(f"{key:<{width}}  {value:<{value_width}}  {source}")
    return 0


def _backup(settings: Settings, file: Path) -> int:
    from opencfw.runtime import DATABASE_FILE

    if settings.database_url is not None:
        raise UsageError(
            "backup copies the SQLite store; for PostgreSQL use pg_dump (see the README's Operating section)"
        )
    backup.backup(settings.data_dir / DATABASE_FILE, file)
    print(f"opencfw: backed up {settings.data_dir / DATABASE_FILE} to {file}")
    return 0


def _restore(settings: Settings, file: Path) -> int:
    from opencfw.runtime import DATABASE_FILE

    if settings.database_url is not None:
        raise UsageError("restore fills the SQLite store; for PostgreSQL use pg_restore or psql")
    kept = backup.restore(file, settings.data_dir / DATABASE_FILE)
    print(
        f"opencfw: restored {file} into {settings.data_dir}"
        + (f" (the previous store is kept as {kept})" if kept else "")
    )
    return 0


def _migrate(settings: Settings) -> int:
    from opencfw.runtime import open_store

    store, kind = open_store(settings)
    try:
        applied = store.migrate()
        version = store.schema_version()
    finally:
        store.close()
    done = f"applied {', '.join(map(str, applied))}" if applied else "nothing to apply"
    print(f"opencfw: {kind} store at schema version {version} ({done})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if args.command in client.COMMANDS:
        return client.run(args)
    try:
        if args.command == "version":
            print(f"opencfw {__version__}")
            return 0
        if args.command == "completion":
            import shtab

            print(shtab.complete(build_parser(), shell=args.shell))
            return 0
        settings, sources = Settings.resolve(
            os.environ,
            getattr(args, "config", None),
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
            data_dir=getattr(args, "data_dir", None),
            run_worker=getattr(args, "run_worker", None),
            migrate_on_start=getattr(args, "migrate_on_start", None),
            log_format=getattr(args, "log_format", None),
        )
        logs.configure(settings.log_level, settings.log_format)
        if args.command == "config":
            return _config_show(settings, sources)
        if args.command == "backup":
            return _backup(settings, args.file)
        if args.command == "restore":
            return _restore(settings, args.file)
        if args.command == "serve":
            with _held(settings):
                return _serve(settings)
        if args.command == "worker":
            with _held(settings):
                return _worker(settings)
        if args.command == "credentials":
            return credentials_cli.run(args, settings, print_bootstrap)
        return _migrate(settings)
    except (ConfigError, UsageError, backup.BackupError) as exc:
        print(f"opencfw: error: {exc}", file=sys.stderr)
        return 2
    except (MasterKeyError, SchemaMissing, OpenCfwError, OSError) as exc:
        # at the command line the cause helps (a read-only or full disk, a locked file), where an
        # API client only gets the documented "System busy"
        cause = f": {exc.__cause__}" if isinstance(exc, OpenCfwError) and exc.__cause__ else ""
        print(f"opencfw: error: {exc}{cause}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
