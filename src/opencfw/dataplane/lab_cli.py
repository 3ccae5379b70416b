"""``opencfw lab probe|show``: real packets through a firewall of a server that runs the data plane.

The command reads the same configuration as ``serve`` (it names the store, and the store names the
labs); it never opens the store. Its output and exit codes are fixed, for scripts: ``probe``
prints ``allowed`` (exit 0) or ``denied`` (exit 1); errors go to stderr with exit 3 (usage) or 4
(no such lab or EIP).
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path

from opencfw.config import Settings
from opencfw.dataplane import netns, nft, probe, runner
from opencfw.exits import Exit


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    lab = commands.add_parser(
        "lab", help="send real packets through a firewall of a server that runs the nftables data plane"
    )
    verbs = lab.add_subparsers(dest="lab_command", metavar="COMMAND", required=True)
    send = verbs.add_parser(
        "probe", help="does a flow get through? prints allowed (exit 0) or denied (exit 1)"
    )
    send.add_argument("--firewall", required=True, metavar="ID", help="the firewall's id")
    send.add_argument("--from", dest="source", required=True, metavar="internet|EIP")
    send.add_argument("--to", dest="target", required=True, metavar="EIP|internet")
    send.add_argument("--protocol", required=True, choices=probe.PROTOCOLS)
    send.add_argument("--port", type=int, default=80, metavar="N", help="TCP/UDP port (default 80)")
    send.add_argument("--timeout", type=float, default=1.0, metavar="SECONDS", help="default 1")
    show = verbs.add_parser("show", help="the firewall's lab: its hosts and its nftables ruleset")
    show.add_argument("--firewall", required=True, metavar="ID", help="the firewall's id")
    for parser in (send, show):
        parser.add_argument("--data-dir", help="where the store lives (OPENCFW_DATA_DIR)")
        parser.add_argument(
            "--config", type=Path, metavar="FILE", help="configuration file, opencfw.toml (OPENCFW_CONFIG)"
        )


def _fail(message: str, code: Exit) -> int:
    print(f"opencfw: error: {message}", file=sys.stderr)
    return int(code)


def _endpoint(text: str) -> str | None:
    if text == "internet":
        return text
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return str(address) if address.version == 4 else None


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not netns.namespaces_supported():
        return _fail("the lab needs Linux network namespaces (`ip netns`)", Exit.USAGE)
    lab = netns.Lab.for_firewall(args.firewall, runner.instance(settings))
    if not netns.exists(lab):
        return _fail(
            f"firewall {args.firewall} has no lab on this host: is `opencfw serve` running here with "
            "OPENCFW_DATAPLANE=nftables and the same store, and is the firewall up (its create job done)?",
            Exit.NOT_FOUND,
        )
    if args.lab_command == "show":
        return _show(lab, args.firewall)
    source, target = _endpoint(args.source), _endpoint(args.target)
    for given, name in ((source, args.source), (target, args.target)):
        if given is None:
            return _fail(f"{name!r} is neither `internet` nor an IPv4 EIP address", Exit.USAGE)
    if (source == "internet") == (target == "internet"):
        return _fail("one side of a probe is `internet`, the other an EIP of the firewall", Exit.USAGE)
    if not 0 < args.port < 65536:
        return _fail(f"--port must be 1-65535, got {args.port}", Exit.USAGE)
    if not 0 < args.timeout <= 60:
        return _fail(f"--timeout must be more than 0 and at most 60 seconds, got {args.timeout}", Exit.USAGE)
    eip = target if source == "internet" else source
    hosts = netns.lab_eips(lab)
    if eip not in hosts:
        return _fail(
            f"{eip} is not an EIP of firewall {args.firewall}'s project (its EIPs: {', '.join(hosts) or 'none'})",
            Exit.NOT_FOUND,
        )
    assert source is not None and target is not None
    allowed = probe.probe(lab, source, target, args.protocol, args.port, args.timeout)
    print("allowed" if allowed else "denied")
    return int(Exit.OK if allowed else Exit.FAILED)


def _show(lab: netns.Lab, firewall_id: str) -> int:
    print(f"firewall {firewall_id}")
    print(f"  internet host  {netns.INTERNET_HOST}  (namespace {lab.internet})")
    print(f"  firewall       interfaces inet, eips  (namespace {lab.firewall})")
    print(f"  EIP hosts      {', '.join(netns.lab_eips(lab)) or 'none'}  (namespace {lab.eips})")
    print()
    print(nft.run_nft(lab.firewall, ["list", "table", "inet", nft.TABLE]).rstrip())
    return int(Exit.OK)
