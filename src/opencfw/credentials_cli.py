"""`opencfw credentials create|list|revoke`: AK/SK pairs and projects, straight on the store
(server side, like `migrate`); a new secret key is shown once and never stored in clear."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable
from datetime import UTC, datetime

import msgspec

from opencfw.config import Settings
from opencfw.exits import Exit
from opencfw.service.credentials import BootstrapResult


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    creds = commands.add_parser("credentials", help="create, list or revoke AK/SK pairs (on the store)")
    actions = creds.add_subparsers(dest="credentials_action", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create", help="a new AK/SK pair (and optionally a new project); the SK is shown once"
    )
    create.add_argument("--user", help="the user who owns the key (OPENCFW_USER, default admin)")
    create.add_argument("--domain", help="the user's account (OPENCFW_DOMAIN, default opencfw)")
    create.add_argument(
        "--new-project-id", help="also create this project in the account (32 hex characters)"
    )
    create.add_argument("--new-project-name", help="the new project's name (default: the region)")
    listing = actions.add_parser("list", help="every AK with its owner and status (never a secret)")
    revoke = actions.add_parser("revoke", help="refuse an AK from now on (every process within 2 s)")
    revoke.add_argument("access_key")
    for parser in (create, listing, revoke):
        parser.add_argument("--data-dir", help="where the store lives (OPENCFW_DATA_DIR)")
        parser.add_argument(
            "-o", "--output", choices=("table", "json"), default="table", help="default: table"
        )
        parser.add_argument(
            "--json", dest="output", action="store_const", const="json", help="JSON, for scripts"
        )


def run(
    args: argparse.Namespace, settings: Settings, show_bootstrap: Callable[[BootstrapResult, Settings], None]
) -> int:
    from opencfw.runtime import build_runtime

    runtime, first = build_runtime(settings)
    assert first is not None  # the command bootstraps an empty store like serve does
    if first.created or first.generated_secret_key or first.generated_password:
        # an empty store was just given its first account: show it once, apart from the output
        with contextlib.redirect_stdout(sys.stderr):
            show_bootstrap(first, settings)
    as_json = args.output == "json"
    try:
        creds = runtime.credentials
        if args.credentials_action == "list":
            keys = runtime.store.list_access_keys()
            rows = [
                {"access_key": ak, "user": user, "domain": domain, "status": status, "created": _iso(created)}
                for ak, user, domain, status, created in keys
            ]
            _print(rows, as_json, ("access_key", "user", "domain", "status", "created"))
            return 0
        if args.credentials_action == "revoke":
            if not creds.revoke_access_key(args.access_key):
                print(f"opencfw: error: no access key {args.access_key}", file=sys.stderr)
                return int(Exit.NOT_FOUND)
            _print([{"access_key": args.access_key, "status": "revoked"}], as_json, ("access_key", "status"))
            return 0
        try:
            ak, sk, project = creds.create_access_key(
                domain_name=args.domain or settings.domain,
                user_name=args.user or settings.user,
                project_id=args.new_project_id,
                project_name=args.new_project_name or (settings.region if args.new_project_id else None),
            )
        except ValueError as exc:
            print(f"opencfw: error: {exc}", file=sys.stderr)
            return int(Exit.USAGE)
        row = {"access_key": ak, "secret_key": sk}
        if project is not None:
            row |= {"project_id": project.id, "project_name": project.name}
        if as_json:
            print(msgspec.json.encode(row).decode())
        else:
            print("opencfw: a new AK/SK pair (the secret key is shown this once: keep it)")
            for name, value in row.items():
                print(f"  {name:<13} {value}")
        return 0
    finally:
        runtime.close()


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _print(rows: list[dict[str, str]], as_json: bool, columns: tuple[str, ...]) -> None:
    if as_json:
        print(msgspec.json.encode(rows).decode())
        return
    widths = [max([len(c), *(len(str(r.get(c, ""))) for r in rows)]) for c in columns]
    print(
        "  ".join(c.upper().replace("_", " ").ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()
    )
    for r in rows:
        print("  ".join(str(r.get(c, "")).ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
