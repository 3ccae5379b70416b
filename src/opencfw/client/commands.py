"""The client commands (``opencfw job ...``, ``opencfw firewall ...``, ``opencfw eip ...``) and
their arguments."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from opencfw import exits
from opencfw.client import output
from opencfw.client.job_commands import _json_data, _verdict, _wait, job_get, job_list, job_wait
from opencfw.client.session import (
    DEFAULT_ENDPOINT,
    DEFAULT_REGION,
    ClientError,
    Connection,
    Exit,
    Extensions,
    Target,
)

COMMANDS = ("job", "firewall", "eip")
PAGE = 1024

Handler = Callable[[Connection, argparse.Namespace, str], int]


class ClientParser(exits.ArgumentParser):
    """Usage errors of the client commands exit 3 (exit 2 means a wait timed out); so do
    arguments left over."""

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[no-untyped-def]
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h)?\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def duration(text: str) -> float:
    """``20m``, ``1.5s``, ``500ms``, ``90`` (seconds) -> seconds."""
    match = _DURATION.match(text.lower())
    if not match:
        raise argparse.ArgumentTypeError(f"not a duration (like 30s, 20m, 1h): {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def positive_duration(text: str) -> float:
    value = duration(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than zero: {text!r}")
    return value


def _from_one_to(high: int, text: str) -> int:
    """1 to ``high`` (named as a range, never as the choices)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= high:
        raise argparse.ArgumentTypeError(f"a number from 1 to {high}, got {text!r}")
    return value


def page_size(text: str) -> int:
    return _from_one_to(200, text)


def eip_count(text: str) -> int:
    return _from_one_to(1024, text)


def tag(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"a tag is KEY=VALUE, got {text!r}")
    return key.strip(), value


def edition(text: str) -> str:
    for name in ("Standard", "Professional"):
        if text.lower() == name.lower():
            return name
    raise argparse.ArgumentTypeError(f"the version is Standard or Professional, got {text!r}")


def _common() -> argparse.ArgumentParser:
    common = ClientParser(add_help=False)
    where = common.add_argument_group("connection")
    where.add_argument("--endpoint", help=f"CFW endpoint URL (OPENCFW_ENDPOINT, default {DEFAULT_ENDPOINT})")
    where.add_argument("--region", help=f"region id (default {DEFAULT_REGION})")
    where.add_argument("--project-id", help="project id (OPENCFW_PROJECT_ID)")
    common.add_argument(
        "-o",
        "--output",
        choices=output.FORMATS,
        help="result format (default: table on a terminal, else json)",
    )
    return common


def _wait_options(parser: argparse.ArgumentParser, *, switch: bool) -> None:
    group = parser.add_argument_group("waiting")
    if switch:
        group.add_argument("--wait", action="store_true", help="wait until the job ends")
    group.add_argument(
        "--timeout", type=duration, default=1200.0, help="give up after this long (default 20m)"
    )
    group.add_argument(
        "--interval", type=positive_duration, default=1.0, help="first pause between polls (default 1s)"
    )
    group.add_argument(
        "--max-interval",
        type=positive_duration,
        default=10.0,
        help="longest pause between polls; the pause doubles up to it (default 10s)",
    )
    group.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")


ENV_HELP = f"""\
credentials come from the environment, as for the official SDK:
  CLOUD_SDK_AK, CLOUD_SDK_SK   access key and secret key
{exits.EXIT_HELP}"""


def register(subparsers: Any) -> None:
    """Add ``job``, ``firewall`` and ``eip`` to the ``opencfw`` command's subparsers."""
    common = _common()
    fmt = argparse.RawDescriptionHelpFormatter

    def group(name: str, help_text: str) -> Any:
        parser = subparsers.add_parser(name, help=help_text, epilog=ENV_HELP, formatter_class=fmt)
        parser.__class__ = ClientParser  # so that its usage errors, and its commands', exit 3
        return parser.add_subparsers(dest=f"{name}_command", metavar="COMMAND", required=True)

    def leaf(parent: Any, name: str, help_text: str, handler: Handler) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = parent.add_parser(
            name, help=help_text, parents=[common], epilog=ENV_HELP, formatter_class=fmt
        )
        parser.set_defaults(client_handler=handler)
        return parser

    jobs = group("job", "read and wait for provisioning jobs (through the official SDK)")
    leaf(jobs, "get", "show a job's status", job_get).add_argument("job_id", metavar="JOB_ID")
    listing = leaf(jobs, "list", "list the project's jobs, newest first (opencfw servers only)", job_list)
    listing.add_argument("--status", choices=("Running", "Success", "Failed"))
    listing.add_argument("--kind", choices=("create", "delete", "bypass", "restore"))
    listing.add_argument("--limit", type=page_size, default=50, metavar="1-200", help="default 50")
    wait = leaf(jobs, "wait", "wait until a job succeeds or fails", job_wait)
    wait.add_argument("job_id", metavar="JOB_ID")
    _wait_options(wait, switch=False)

    firewalls = group("firewall", "create, list, show and delete pay-per-use firewalls; evaluate a flow")
    create = leaf(firewalls, "create", "create a pay-per-use firewall", firewall_create)
    create.add_argument("name", metavar="NAME")
    create.add_argument(
        "--version", type=edition, default="Professional", help="Standard or Professional (default)"
    )
    create.add_argument(
        "--tag", type=tag, action="append", default=[], metavar="KEY=VALUE", help="a tag (repeatable)"
    )
    _wait_options(create, switch=True)
    leaf(firewalls, "list", "list the project's firewalls", firewall_list)
    leaf(firewalls, "show", "show one firewall", firewall_show).add_argument("firewall_id", metavar="ID")
    delete = leaf(firewalls, "delete", "delete a pay-per-use firewall", firewall_delete)
    delete.add_argument("firewall_id", metavar="ID")
    _wait_options(delete, switch=True)
    evaluate = leaf(
        firewalls, "evaluate", "which rule a flow meets, and the verdict (counts a hit)", firewall_evaluate
    )
    evaluate.add_argument("firewall_id", metavar="ID")
    evaluate.add_argument("--source", required=True, metavar="IP", help="the flow's source address")
    evaluate.add_argument("--destination", required=True, metavar="IP", help="the flow's destination address")
    evaluate.add_argument(
        "--protocol",
        type=protocol,
        default=6,
        metavar="PROTO",
        help="tcp (default), udp, icmp, icmpv6 or a number",
    )
    evaluate.add_argument("--source-port", type=port, metavar="PORT")
    evaluate.add_argument("--dest-port", type=port, metavar="PORT")
    evaluate.add_argument(
        "--direction", choices=("in", "out"), default="in", help="in: Internet to cloud (default); out"
    )
    evaluate.add_argument(
        "--object-id", metavar="ID", help="the protected object (default: the Internet border)"
    )

    eips = group("eip", "the project's EIPs on an opencfw server (what the EIP service holds in the cloud)")
    add = leaf(eips, "create", "add EIPs (CFW lists them after a ListEips with sync=1)", eip_create)
    add.add_argument("--count", type=eip_count, metavar="1-1024", help="how many (default 1)")
    add.add_argument("--ip", metavar="ADDRESS", help="its IPv4 address (default: the next free one)")
    add.add_argument("--ipv6", metavar="ADDRESS", help="an IPv6 address too")
    add.add_argument("--device-name", metavar="NAME", help="the name of the device it is bound to")
    leaf(eips, "list", "list the project's EIPs, with the firewall protecting each", eip_list)
    leaf(eips, "delete", "release an EIP (its protection goes with it)", eip_delete).add_argument(
        "eip_id", metavar="ID"
    )


def run(args: argparse.Namespace) -> int:
    """Run a parsed client command; every error ends as one line on stderr and an exit code."""
    fmt = output.choose_format(args.output, sys.stdout)
    try:
        target = Target.resolve(endpoint=args.endpoint, region=args.region, project_id=args.project_id)
        try:
            conn = Connection(target)
        except ImportError:
            raise ClientError(
                "the client commands need the official SDK: pip install huaweicloudsdkcfw"
            ) from None
        return int(args.client_handler(conn, args, fmt))
    except ClientError as exc:
        output.error(exc)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("opencfw: interrupted\n")
        return int(Exit.INTERRUPTED)


# --- firewalls -------------------------------------------------------------------------------


def _created_at(record: dict[str, Any]) -> str:
    try:
        when = datetime.fromtimestamp(int(record["name"]) / 1000, UTC)
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return "-"
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _firewall_text(record: dict[str, Any]) -> str:
    flavor: dict[str, Any] = record["flavor"] if isinstance(record.get("flavor"), dict) else {}
    row = {
        **record,
        "created": _created_at(record),
        "eip_count": flavor.get("eip_count"),
        "bandwidth": flavor.get("bandwidth"),
    }
    return output.fields(
        row,
        [
            *output.FIREWALL_COLUMNS,
            ("CREATED", "created"),
            ("ENTERPRISE PROJECT", "enterprise_project_id"),
            ("EIPS", "eip_count"),
            ("BANDWIDTH", "bandwidth"),
        ],
    )


def _read_firewall(conn: Connection, firewall_id: str) -> dict[str, Any]:
    from huaweicloudsdkcfw.v1 import ListFirewallDetailRequest

    request = ListFirewallDetailRequest(offset=0, limit=10, service_type=0, fw_instance_id=firewall_id)
    data = _json_data(conn.call("list_firewall_detail", request), "ListFirewallDetail")
    for record in (data or {}).get("records") or []:
        if record.get("fw_instance_id") == firewall_id:
            return dict(record)
    raise ClientError(f"not found: no firewall {firewall_id}", Exit.NOT_FOUND)


def firewall_create(conn: Connection, args: argparse.Namespace, fmt: str) -> int:
    from huaweicloudsdkcfw.v1 import (
        CreateFirewallReq,
        CreateFirewallReqChargeInfo,
        CreateFirewallReqFlavor,
        CreateFirewallReqTags,
        CreateFirewallRequest,
    )

    if len({key for key, _ in args.tag}) != len(args.tag):
        raise ClientError("the same tag key is given twice", Exit.USAGE)
    body = CreateFirewallReq(
        name=args.name,
        flavor=CreateFirewallReqFlavor(version=args.version),
        charge_info=CreateFirewallReqChargeInfo(charge_mode="postPaid", is_auto_pay=True),
        tags=[CreateFirewallReqTags(key=k, value=v) for k, v in args.tag] or None,
    )
    answer = conn.call("create_firewall", CreateFirewallRequest(body=body)).to_json_object() or {}
    job_id = answer.get("job_id")
    if not job_id:
        raise ClientError("unexpected answer to CreateFirewall: no `job_id`")
    if not args.wait:
        human = output.fields(
            {"id": job_id, "name": args.name, "job": job_id},
            [("FIREWALL", "id"), ("NAME", "name"), ("JOB", "job")],
        )
        output.emit(answer, fmt, human)
        return int(Exit.OK)
    outcome = _wait(conn, args, job_id)
    if outcome.status != "Success":
        return _verdict(outcome, job_id, fmt)
    record = _read_firewall(conn, job_id)
    output.emit(record, fmt, _firewall_text(record))
    return int(Exit.OK)


def firewall_list(conn: Connection, args: argparse.Namespace, fmt: str) -> int:
    from huaweicloudsdkcfw.v1 import ListFirewallListRequest, QueryFireWallInstanceDto

    records: list[dict[str, Any]] = []
    while True:
        request = ListFirewallListRequest(body=QueryFireWallInstanceDto(limit=PAGE, offset=len(records)))
        data = _json_data(conn.call("list_firewall_list", request), "ListFirewallList") or {}
        page = data.get("records") or []
        records += page
        if not page or len(records) >= int(data.get("total") or 0):
            break
    output.emit(records, fmt, output.table(records, output.FIREWALL_COLUMNS) if records else "no firewalls")
    return int(Exit.OK)


def firewall_show(conn: Connection, args: argparse.Namespace, fmt: str) -> int:
    record = _read_firewall(conn, args.firewall_id)
    output.emit(record, fmt, _firewall_text(record))
    return int(Exit.OK)


def firewall_delete(conn: Connection, args: argparse.Namespace, fmt: str) -> int:
    from huaweicloudsdkcfw.v1 import DeleteFirewallRequest

    request = DeleteFirewallRequest(resource_id=args.firewall_id)
    job_id = _json_data(conn.call("delete_firewall", request), "DeleteFirewall")
    if not isinstance(job_id, str) or not job_id:
        raise ClientError("unexpected answer to DeleteFirewall: `data` is not a job id")
    if not args.wait:
        answer = {"firewall_id": args.firewall_id, "job_id": job_id}
        output.emit(answer, fmt, output.fields(answer, [("FIREWALL", "firewall_id"), ("JOB", "job_id")]))
        return int(Exit.OK)
    return _verdict(_wait(conn, args, job_id), job_id, fmt)


_PROTOCOLS = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}


def protocol(text: str) -> int:
    value = _PROTOCOLS.get(text.lower()) or (int(text) if text.isdigit() else None)
    if value is None or value not in _PROTOCOLS.values():
        raise argparse.ArgumentTypeError("tcp, udp, icmp, icmpv6, or 6, 17, 1, 58")
    return value


def port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError("a port 1-65535")
    return int(text)


def firewall_evaluate(conn: Connection, args: argparse.Namespace, fmt: str) -> int:
    """POST /_opencfw/v1/{project_id}/firewalls/{id}/evaluate: the verdict on one flow."""
    flow: dict[str, Any] = {
        "source": args.source,
        "destination": args.destination,
        "protocol": args.protocol,
        "direction": 0 if args.direction == "in" else 1,
    }
    for key, value in (
        ("source_port", args.source_port),
        ("dest_port", args.dest_port),
        ("object_id", args.object_id),
    ):
        if value is not None:
            flow[key] = value
    body = Extensions(conn.target).request(
        "POST", f"firewalls/{args.firewall_id}/evaluate", {}, flow, timeout=30
    )
    if body is None:
        raise ClientError(f"{conn.target.endpoint} does not evaluate flows (not an opencfw server)")
    verdict = body.get("data") or {}
    names = [("VERDICT", "action"), ("MATCHED", "matched"), ("RULE", "rule_id"), ("NAME", "rule_name")]
    names += [("LIST ENTRY", "list_id"), ("OBJECT", "object_id")]
    output.emit(verdict, fmt, output.fields(verdict, names))
    return int(Exit.OK)


# --- EIPs (opencfw's own routes: the cloud's EIP service has no CFW operation) ---------------

EIP_COLUMNS = (
    ("ID", "id"),
    ("ADDRESS", "public_ip"),
    ("IPV6", "public_ipv6"),
    ("FIREWALL", "fw_instance_id"),
    ("SYNCED", "synced"),
    ("DEVICE", "device_name"),
)


def _eips(conn: Connection, method: str, path: str, body: Any = None) -> dict[str, Any]:
    answer = Extensions(conn.target).request(method, path, {}, body, timeout=30)
    if answer is None:
        raise ClientError(f"{conn.target.endpoint} does not keep EIPs: it is not an opencfw server")
    return answer


def eip_create(conn: Connection, args: argparse.Namespace, fmt: str) -> int:
    if args.ip is None and args.ipv6 is None and args.device_name is None:
        body: dict[str, Any] = {"count": args.count or 1}
    elif args.count not in (None, 1):
        raise ClientError(
            "--count makes EIPs with made-up addresses: no --ip, --ipv6 or --device-name", Exit.USAGE
        )
    else:
        one = {"public_ip": args.ip, "public_ipv6": args.ipv6, "device_name": args.device_name}
        body = {"eips": [{k: v for k, v in one.items() if v is not None}]}
    made = _eips(conn, "POST", "eips", body).get("eips") or []
    output.emit(made, fmt, output.table(made, EIP_COLUMNS))
    return int(Exit.OK)


def eip_list(conn: Connection, args: argparse.Namespace, fmt: str) -> int:
    listed = _eips(conn, "GET", "eips").get("eips") or []
    output.emit(listed, fmt, output.table(listed, EIP_COLUMNS) if listed else "no EIPs")
    return int(Exit.OK)


def eip_delete(conn: Connection, args: argparse.Namespace, fmt: str) -> int:
    from urllib.parse import quote

    answer = _eips(conn, "DELETE", f"eips/{quote(args.eip_id, safe='')}")
    output.emit(answer, fmt, output.fields(answer, [("REMOVED", "removed")]))
    return int(Exit.OK)


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parse client argv alone, as ``opencfw`` does (for tests and embedding)."""
    parser = ClientParser(prog="opencfw")
    register(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    return parser.parse_args(list(argv))
