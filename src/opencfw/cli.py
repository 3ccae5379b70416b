"""The ``opencfw`` command: one entry point, one top-level error handler."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import errno
import logging
import os
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from opencfw import __version__, backup, client, credentials_cli, exits
from opencfw.banner import bootstrap_text, print_bootstrap  # noqa: F401 - re-exported
from opencfw.config import ConfigError, Settings
from opencfw.dataplane import lab_cli
from opencfw.domain.errors import OpenCfwError
from opencfw.exits import Exit
from opencfw.observability import logs
from opencfw.service.secrets import MasterKeyError
from opencfw.store.base import SchemaMissing


class UsageError(Exception):
    """A mistake on the command line or in the settings: one line on stderr, exit 3."""


def _env_help() -> str:
    lines = ["settings: the environment variable, then the same setting's key in the --config file:"]
    lines += [f"  {env:<28} {key}" for env, key in Settings.variables()]
    lines += [f"  {'OPENCFW_CONFIG':<28} the configuration file (opencfw.toml), like --config"]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = exits.ArgumentParser(
        prog="opencfw",
        description="A self-hosted Huawei Cloud Firewall (CFW) provisioning-task API.",
        epilog=_env_help() + "\n" + exits.EXIT_HELP,
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
    serve.add_argument("--port", help="port to listen on (OPENCFW_PORT, default 9449)")
    serve.add_argument("--data-dir", help="where the store lives (OPENCFW_DATA_DIR)")
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
        dest="migrate",
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
    worker.add_argument("--data-dir", help="where the store lives (OPENCFW_DATA_DIR)")
    _add_config(worker)
    _add_log_format(worker)
    worker.add_argument(
        "--no-migrate",
        dest="migrate",
        action="store_const",
        const=False,
        help="do not apply schema migrations on start (OPENCFW_MIGRATE=false)",
    )

    migrate = commands.add_parser("migrate", help="create or upgrade the store's schema, then exit")
    migrate.add_argument("--data-dir", help="where the store lives (OPENCFW_DATA_DIR)")
    _add_config(migrate)

    config = commands.add_parser("config", help="the effective configuration")
    config_commands = config.add_subparsers(dest="config_command", metavar="COMMAND", required=True)
    show = config_commands.add_parser(
        "show", help="print every setting, where its value came from, secrets masked"
    )
    show.add_argument("--data-dir", help="where the store lives (OPENCFW_DATA_DIR)")
    _add_config(show)

    take = commands.add_parser(
        "backup", help="copy the SQLite store consistently to FILE, also while the server runs"
    )
    take.add_argument("file", type=Path, metavar="FILE")
    take.add_argument("--data-dir", help="where the store lives (OPENCFW_DATA_DIR)")
    _add_config(take)
    put = commands.add_parser(
        "restore", help="replace the SQLite store by the backup FILE (the server must be stopped)"
    )
    put.add_argument("file", type=Path, metavar="FILE")
    put.add_argument("--data-dir", help="where the store lives (OPENCFW_DATA_DIR)")
    _add_config(put)

    commands.add_parser("version", help="print the version")
    completion = commands.add_parser(
        "completion", help='print a shell completion script: eval "$(opencfw completion bash)"'
    )
    completion.add_argument("shell", choices=("bash", "zsh", "tcsh"))
    client.register(commands)
    credentials_cli.register(commands)
    lab_cli.register(commands)
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
            # uvicorn says where it listens only for sockets it bound itself
            logging.getLogger("uvicorn.error").info(
                "Uvicorn running on http://%s:%d (Press CTRL+C to quit)", settings.host, settings.port
            )

    from opencfw.api.app import App
    from opencfw.api.connections import connection_limits, guarded_protocol
    from opencfw.runtime import build_runtime

    if settings.dataplane == "nftables":
        from opencfw.dataplane.runner import problem

        reason = problem()
        if reason is not None:
            raise StartupError(f"{reason}; set OPENCFW_DATAPLANE=none to serve without it")
    # the port first: a server that cannot listen creates nothing and shows no secrets, so the
    # next start that can listen still creates the first account and shows them
    sock = _listen(settings.host, settings.port)
    if settings.port == 0:  # the port the system chose, for the lines printed below
        settings = dataclasses.replace(settings, port=sock.getsockname()[1])
    try:
        runtime, result = build_runtime(settings)
    except BaseException:
        sock.close()
        raise
    assert result is not None
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
        # the client address that guessing limits count by: a trusted proxy's X-Forwarded-For
        proxy_headers=settings.forwarded_allow_ips != "none",
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
    try:
        Server(config).run(sockets=[sock])
    finally:
        sock.close()
        runtime.close()
    return 0


class StartupError(Exception):
    """The server cannot start here: one line on stderr, exit 1."""


class ListenError(StartupError):
    """The server cannot listen where it was told to."""


def _listen(host: str, port: int) -> socket.socket:
    """Bind and listen on ``host:port`` before anything else happens (uvicorn then serves on it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        where = f"[{host}]:{port}" if family == socket.AF_INET6 else f"{host}:{port}"
        if exc.errno == errno.EADDRINUSE:
            reason = f"port {port} is taken: another process is listening on {where}"
        else:
            reason = exc.strerror or str(exc)
        raise ListenError(
            f"cannot listen on {where}: {reason} (nothing was created; set OPENCFW_PORT or --port)"
        ) from exc
    sock.set_inheritable(True)
    return sock


def _worker(settings: Settings) -> int:
    import asyncio

    from opencfw.runtime import build_runtime

    # a worker needs only the store and the master key: it never creates or changes an account
    runtime, _ = build_runtime(settings, bootstrap=False)
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
    """The ``opencfw`` command. Output cut short by its reader (``| head``) ends it quietly, for
    every command: the rest is dropped, no "Broken pipe", exit 141 as for a process SIGPIPE ended."""
    try:
        try:
            return _main(argv)
        finally:
            # here, not at interpreter exit where a closed pipe cannot be caught; also after
            # argparse's --help, which ignores write errors and exits
            sys.stdout.flush()
    except BrokenPipeError:
        # whatever is still buffered cannot be written: point stdout and stderr at /dev/null so
        # that Python's own flush at exit does not complain either
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                os.dup2(devnull, stream.fileno())
        os.close(devnull)
        return int(Exit.BROKEN_PIPE)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return int(Exit.USAGE)
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
            migrate=getattr(args, "migrate", None),
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
        if args.command == "lab":
            return lab_cli.run(args, settings)
        return _migrate(settings)
    except (ConfigError, UsageError) as exc:
        print(f"opencfw: error: {exc}", file=sys.stderr)
        return int(Exit.USAGE)
    except StartupError as exc:
        print(f"opencfw: error: {exc}", file=sys.stderr)
        return int(Exit.FAILED)
    except BrokenPipeError:
        raise
    except (MasterKeyError, SchemaMissing, OpenCfwError, OSError, backup.BackupError) as exc:
        # at the command line the cause helps (a read-only or full disk, a locked file), where an
        # API client only gets the documented "System busy"
        cause = f": {exc.__cause__}" if isinstance(exc, OpenCfwError) and exc.__cause__ else ""
        print(f"opencfw: error: {exc}{cause}", file=sys.stderr)
        return int(Exit.FAILED)
    except KeyboardInterrupt:
        return int(Exit.INTERRUPTED)
