"""Tenant isolation over every operation of the official SDK's ``CfwClient``: one project never sees,
changes or learns anything of another's.

Project A (the server's first project) makes its objects with ``World`` and a valid request for every
operation (``test_all_operations``), plus the few in ``CROSS`` that name A's objects where the
generic ones name something made up. Each request is then sent as project B, B being another
project of the same account (a key made with ``opencfw credentials create``) or a project of
another account: as A made it, with B's own firewall and object in place of A's, and (requests
naming several of A's objects) as B's own valid request with one of A's ids at a time. Each time:

- the answer is exactly the answer with A's ids replaced by ids that exist nowhere (same status,
  error code and message, same body once ids and times are masked), never a 5xx;
- no answer holds any of A's ids or names (lists, counts, statistics and logs included);
- A reads what it read before: a write or delete from B changes nothing of A.

Another account's key on A's project answers as on no project, for every operation; B's reads of
its own firewall (counts and statistics a leak of ids would not show) do not move when A makes one
more of everything. The only expectation kept by hand is ``Tenants.account_wide``: multi-account
protection's organisation is the account, shared by its projects. The extensions under
``/_opencfw/v1/{project_id}/``, the event stream and the dashboard are checked at the end.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import huaweicloudsdkcfw.v1.model as models
import pytest
from huaweicloudsdkcfw.v1 import CfwClient
from huaweicloudsdkcore.exceptions.exceptions import ServiceResponseException
from huaweicloudsdkcore.http.formdata import FormFile

from tests import pg
from tests.acceptance import sdk
from tests.acceptance.server import ADMIN_TOKEN, PASSWORD, PROJECT, Server
from tests.acceptance.test_all_operations import NOW_MS, OPERATIONS, OVERRIDES, World, _camel, build
from tests.acceptance.test_logs_sdk import attack, flow
from tests.acceptance.test_sdk import OTHER_AK, OTHER_PROJECT, OTHER_SK, add_other_account
from tests.conftest import BACKENDS

#: the second project of A's account, made by `opencfw credentials create --new-project-id`
SAME_ACCOUNT_PROJECT = "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"
NEW_PROJECT = ("--new-project-id", SAME_ACCOUNT_PROJECT, "--json")
CALLERS = ["same-account", "other-account"]

#: an id as opencfw or the test makes them: a UUID, or 32 hexadecimal digits
ID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b[0-9a-f]{32}\b")
#: a time in milliseconds (answers carry the time they were made)
MILLIS = re.compile(r"\b1[0-9]{12}\b")

#: requests the generic ones leave out, naming one of A's objects where theirs names something made
#: up (a rule using A's groups, A's EIP, A's custom IPS rule, one of A's log records)
CROSS: dict[str, dict[str, Any]] = {
    "add_acl_rule:groups": {"body.type": 0, "body.rules": lambda w: [_grouped_rule(w)]},
    "change_eip_status:eip": {
        "body.status": 1,
        "body.ip_infos": lambda w: [
            models.EipOperateProtectReqIpInfos(id=w.eips[0]["id"], public_ip=w.eips[0]["public_ip"])
        ],
    },
    "show_customer_ips_info:rule": {"ips_cfw_id": lambda w: w.new_custom_ips()},
    "list_logs:record": {"body.type": "flow", "body.log_id": lambda w: w.logs["flows"][0]["flow_log_id"]},
    "list_access_control_logs:record": {
        "action": "permit",
        "protocol": "TCP",
        "log_id": lambda w: w.logs["flows"][0]["acl_log_id"],
    },
}
CASES = OPERATIONS + sorted(CROSS)


def _grouped_rule(w: World) -> Any:
    rule = w.rule_body()
    rule.source = models.RuleAddressDtoForRequest(type=1, address_set_id=w.address_set)
    rule.service = models.RuleServiceDto(type=1, service_set_id=w.service_set)
    return rule


#: the read operations: A reads them before and after B's requests (nothing of A may change)
READS = [op for op in OPERATIONS if op.startswith(("list_", "show_", "count_"))]


@dataclass
class Answer:
    """What an operation answered: status, error code and message, and the body of a success."""

    status: int
    code: str | None = None
    message: str = ""
    body: Any = None

    def text(self) -> str:
        return json.dumps([self.code, self.message, self.body], sort_keys=True, default=str)


def send(cfw: CfwClient, op: str, request: Any) -> Answer:
    try:
        response = getattr(cfw, op)(_reopened(request))
    except ServiceResponseException as err:
        return Answer(err.status_code, err.error_code, err.error_msg or "")
    if hasattr(response, "consume_download_stream"):
        chunks: list[bytes] = []
        response.consume_download_stream(lambda stream: chunks.append(stream.content))
        return Answer(response.status_code, body=b"".join(chunks).decode(errors="replace"))
    return Answer(response.status_code, body=response.to_json_object())


def _reopened(request: Any) -> Any:
    """The request with its files opened anew (a send reads an uploaded file to its end)."""
    body: Any = getattr(request, "body", None)
    file = getattr(body, "file", None)
    if isinstance(file, FormFile):
        body.file = FormFile(file.path, "application/octet-stream")
    return request


class BWorld(World):
    """Another project's own objects, made as A's are (its requests are valid in its project)."""

    def __init__(self, cfw: CfwClient, server: Server, tmp: Path, project: str, token: str) -> None:
        self.project, self.token = project, token
        super().__init__(cfw, server, tmp)
        self.eips = [self.eip()]

    def name(self) -> str:
        return f"isob{super().name()}z"

    def eip(self) -> dict[str, Any]:
        status, _, body = self.server.request(
            "POST",
            f"/_opencfw/v1/{self.project}/eips",
            headers={"X-Auth-Token": self.token},
            body={"count": 1},
        )
        assert status == 201, body
        self.cfw.list_eips(models.ListEipsRequest(object_id=self.obj, sync=1, limit=10, offset=0))
        return dict(body["eips"][0])


class IsoWorld(World):
    """``World``, remembering everything of A it makes: ids, names, addresses."""

    def __init__(self, cfw: CfwClient, server: Any, tmp: Path) -> None:
        self.owned: set[str] = set()
        self.eips: list[dict[str, Any]] = []
        self.logs: dict[str, Any] = {}
        super().__init__(cfw, server, tmp)

    def __getattribute__(self, name: str) -> Any:
        value = super().__getattribute__(name)
        if name.startswith("_") or not callable(value) or name in ("once", "blacklist"):
            # an IP blacklist is named by its scope alike in every project: not A's to keep
            return value

        def recorded(*args: Any, **kwargs: Any) -> Any:
            result = value(*args, **kwargs)
            self._own(result)
            return result

        return recorded

    def _own(self, value: Any) -> None:
        if isinstance(value, str) and len(value) >= 4:
            self.owned.add(value)
        elif isinstance(value, (tuple, list)):
            for item in value:
                self._own(item)
        elif isinstance(value, dict):
            for item in value.values():
                self._own(item)

    def name(self) -> str:
        return f"isoa{super().name()}z"


def ids_in(value: Any, owned: set[str]) -> set[str]:
    """A's ids in a request (its attributes, nested models and lists)."""
    found: set[str] = set()
    if isinstance(value, str):
        if value in owned or ID.fullmatch(value):
            found.add(value)
    elif isinstance(value, (list, tuple)):
        for item in value:
            found |= ids_in(item, owned)
    elif hasattr(value, "openapi_types"):
        for attr in value.openapi_types:
            found |= ids_in(getattr(value, attr), owned)
    return found


def replaced(value: Any, mapping: dict[str, str]) -> Any:
    """A copy of a request with each of A's ids replaced by the id that exists nowhere."""
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, list):
        return [replaced(item, mapping) for item in value]
    if hasattr(value, "openapi_types"):
        twin = copy.copy(value)
        for attr in value.openapi_types:
            setattr(twin, f"_{attr}", replaced(getattr(value, attr), mapping))
        return twin
    return value


def leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], str]]:
    """Every text of a request, with where it is (attribute names and list indexes)."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, list):
        return [leaf for i, item in enumerate(value) for leaf in leaves(item, (*path, i))]
    if hasattr(value, "openapi_types"):
        return [leaf for attr in value.openapi_types for leaf in leaves(getattr(value, attr), (*path, attr))]
    return []


def with_leaf(value: Any, path: tuple[Any, ...], new: str) -> Any:
    """A copy of a request with the text at ``path`` replaced."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, list):
        return [with_leaf(item, rest, new) if i == head else item for i, item in enumerate(value)]
    twin = copy.copy(value)
    setattr(twin, f"_{head}", with_leaf(getattr(value, head), rest, new))
    return twin


def nowhere(value: str) -> str:
    """An id of the same form as ``value`` that no project has."""
    fresh = str(uuid.uuid4())
    if re.fullmatch(r"[0-9a-f]{32}", value):
        return fresh.replace("-", "")
    if ID.search(value):  # an id, or one inside another (a report's id is its profile's and a time)
        return ID.sub(fresh, value)
    if re.fullmatch(r"[0-9.]+", value):
        return f"203.0.113.{uuid.uuid4().int % 250 + 1}"
    return f"nx{fresh.replace('-', '')}"[: max(len(value), 8)]


def masked(text: str) -> str:
    return MILLIS.sub("<ms>", ID.sub("<id>", text))


@dataclass
class Tenants:
    server: Server
    world: IsoWorld
    clients: dict[str, CfwClient]
    tokens: dict[str, str]
    projects: dict[str, str]
    requests: dict[str, Any] = field(default_factory=dict)
    reads: dict[str, Any] = field(default_factory=dict)
    before: dict[str, str] = field(default_factory=dict)
    #: A's reads, read a second time before anything else happens
    again: dict[str, str] = field(default_factory=dict)
    #: A's values each caller was given in a request that succeeded (what it made with them is its own)
    given: dict[str, set[str]] = field(default_factory=lambda: {c: set() for c in CALLERS})
    #: each caller's own running firewall and its protected object
    homes: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: another account's key, for A's project and for a project that does not exist
    trespass: dict[str, CfwClient] = field(default_factory=dict)
    #: each caller's objects, made as A's are
    worlds: dict[str, BWorld] = field(default_factory=dict)

    def account_wide(self, caller: str) -> set[str]:
        """What the same account's other project may name and see: multi-account protection's
        organisation is the account, and its member accounts are the account's projects
        (docs/api-notes.md, "Multi-account"). Another account knows none of it."""
        if caller != "same-account":
            return set()
        return {self.world.account.data.id, PROJECT}

    def snapshot(self, ops: list[str]) -> dict[str, str]:
        return {op: masked(send(self.world.cfw, op, self.reads[op]).text()) for op in ops}

    def changed(self, ops: list[str]) -> list[str]:
        now = self.snapshot(ops)
        return [op for op, text in now.items() if text != self.before[op]]


def settled(read: Callable[[], dict[str, str]]) -> dict[str, str]:
    """What ``read()`` answers once two reads in a row agree: a custom IPS rule is "applying" for a
    second after a change, an EIP protection switch for its job's time (a state moving by itself
    would otherwise count as a change)."""
    deadline = time.monotonic() + 15
    last = read()
    while (now := read()) != last:
        assert time.monotonic() < deadline, [op for op in now if now[op] != last.get(op)]
        time.sleep(0.2)
        last = now
    return now


def _token(server: Server, project: str, user: str, password: str, domain: str) -> str:
    named = {"name": user, "password": password, "domain": {"name": domain}}
    identity = {"methods": ["password"], "password": {"user": named}}
    status, headers, body = server.request(
        "POST",
        "/v3/auth/tokens",
        body={"auth": {"identity": identity, "scope": {"project": {"id": project}}}},
    )
    assert status == 201, body
    return str(headers["X-Subject-Token"])


def _widest(world: IsoWorld, op: str, request: Any) -> Any:
    """A read's request with the largest page the operation takes (A's whole state, not ten rows)."""
    if not hasattr(request, "limit"):
        return request
    for limit in (1000, 500, 100, 50):
        wide = copy.copy(request)
        wide.limit = limit
        if send(world.cfw, op, wide).status != 400:
            return wide
    return request


@pytest.fixture(
    scope="module",
    params=[pytest.param(b, marks=pytest.mark.xdist_group(f"isolation-{b}")) for b in BACKENDS],
)
def tenants(request, tmp_path_factory, sdk_home):
    """One server per store with project A (its world and a request for every operation), a second
    project of A's account and a project of another account, each with its own key."""
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(pg.fresh_schema()) if request.param == "postgres" else None
        tmp = tmp_path_factory.mktemp("iso")
        add_other_account(tmp / "data", url)
        server = Server(tmp / "data", url, provision_seconds="0.4", admin_token=ADMIN_TOKEN).start()
        stack.callback(server.stop)
        made = subprocess.run(
            [sys.executable, "-m", "opencfw", "credentials", "create", *NEW_PROJECT],
            env=server.env,
            capture_output=True,
            text=True,
            check=True,
        )
        key = json.loads(made.stdout)
        world = IsoWorld(sdk.client(server.url), server, tmp)
        t = Tenants(
            server,
            world,
            clients={
                "same-account": sdk.client(
                    server.url, ak=key["access_key"], sk=key["secret_key"], project_id=SAME_ACCOUNT_PROJECT
                ),
                "other-account": sdk.client(server.url, ak=OTHER_AK, sk=OTHER_SK, project_id=OTHER_PROJECT),
            },
            tokens={
                "same-account": _token(server, SAME_ACCOUNT_PROJECT, "admin", PASSWORD, "opencfw"),
                "other-account": _token(server, OTHER_PROJECT, "bob", "bobpw", "other"),
            },
            projects={"same-account": SAME_ACCOUNT_PROJECT, "other-account": OTHER_PROJECT},
            trespass={
                "A's project": sdk.client(server.url, ak=OTHER_AK, sk=OTHER_SK, project_id=PROJECT),
                "no project": sdk.client(server.url, ak=OTHER_AK, sk=OTHER_SK, project_id=uuid.uuid4().hex),
            },
        )
        for op in OPERATIONS:
            world.memo = {}
            t.requests[op] = build(getattr(models, _camel(op) + "Request"), world, OVERRIDES.get(op, {}))
        world.blacklists()  # no import running any more
        _log(world, server)
        world.eips = [world.eip()]
        _auto_protect(world)  # a new EIP of B's would show in A's reads if A's firewall took it
        for case, overrides in CROSS.items():
            op = case.split(":")[0]
            world.memo = {}
            t.requests[case] = build(
                getattr(models, _camel(op) + "Request"), world, {**OVERRIDES.get(op, {}), **overrides}
            )
            assert send(world.cfw, op, t.requests[case]).status < 300, f"{case} is not a valid request"
        for caller, cfw in t.clients.items():
            t.worlds[caller] = BWorld(cfw, server, tmp, t.projects[caller], t.tokens[caller])
            t.homes[caller] = (t.worlds[caller].fw, t.worlds[caller].obj)
        t.reads = {op: _widest(world, op, t.requests[op]) for op in READS}
        t.before = settled(lambda: t.snapshot(READS))
        t.again = t.snapshot(READS)
        yield t


def _auto_protect(world: World) -> None:
    """The world's firewall protects every new EIP of its project from now on."""
    overrides = {**OVERRIDES["switch_auto_protect_status"], "body.status": 1}
    world.cfw.switch_auto_protect_status(build(models.SwitchAutoProtectStatusRequest, world, overrides))


def _log(world: IsoWorld, server: Server) -> None:
    """Flows and attacks of A's firewall in the hour the log reads ask about, each read's filters
    met (a leak of them would show)."""
    at = NOW_MS - 600_000
    flows = [
        flow(world.fw, i, start_ms=at + i, rule_name=world.name(), src_ip=f"10.0.0.{i + 1}")
        | {"direction": "out2in" if i % 2 else "in2out"}
        for i in range(4)
    ]
    attacks = [
        attack(world.fw, event_ms=at + i, attack_rule=world.name(), level="HIGH", protocol=6)
        for i in range(2)
    ]
    status, _, made = server.request(
        "POST",
        f"/_opencfw/admin/projects/{PROJECT}/logs",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        body={"flows": flows, "attacks": attacks},
    )
    assert status == 200, made
    world._own(made)
    world.logs = made


def test_a_reads_the_same_twice(tenants):
    """A's state is still while B works (no read changes by itself), so any change is B's doing."""
    changed = [op for op in READS if tenants.again[op] != tenants.before[op]]
    assert not changed


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("case", CASES)
def test_another_project_gets_nothing_of_a(tenants, case, caller):
    """The request as A made it, then with B's own firewall and protected object in place of A's (B
    passes the firewall check; A's other ids must still be as unknown as ids that exist nowhere)."""
    t = tenants
    op = case.split(":")[0]
    cfw = t.clients[caller]
    fw, obj = t.homes[caller]
    for where, home in [("A's firewall", {}), ("B's firewall", {t.world.fw: fw, t.world.obj: obj})]:
        request = replaced(t.requests[case], home)
        if home and ids_in(request, {fw, obj}) == set():
            continue  # the request names neither: it was just sent
        ids = ids_in(request, t.world.owned) - {fw, obj} - t.account_wide(caller)
        mapping = {value: nowhere(value) for value in ids}
        theirs = send(cfw, op, request)
        if not ids:  # nothing of A in it: B's own request, whose answer must show nothing of A
            assert theirs.status < 500, (op, where, theirs)
            _no_leak(t, op, caller, ids, theirs)
            continue
        nothing = send(cfw, op, replaced(request, mapping))
        assert theirs.status < 500, (op, where, theirs)
        seen = theirs.text()
        for value, fake in mapping.items():
            seen = seen.replace(value, fake)
        assert masked(seen) == masked(nothing.text()) and theirs.status == nothing.status, (
            f"{op} as {caller} with {where}: A's ids answer {theirs} but ids that exist nowhere "
            f"answer {nothing}"
        )
        _no_leak(t, op, caller, ids, theirs)
    _one_of_a_in_bs_own(t, case, caller)
    if caller == "other-account":
        # another account's key on A's project: as on a project that does not exist, whatever it asks
        on_a = send(t.trespass["A's project"], op, t.requests[case])
        on_none = send(t.trespass["no project"], op, t.requests[case])
        assert (on_a.status, on_a.code) == (on_none.status, on_none.code) == (403, "APIGW.0302"), (op, on_a)
    _unchanged(t, op, caller, ids_in(t.requests[case], t.world.owned))


def _one_of_a_in_bs_own(t: Tenants, case: str, caller: str) -> None:
    """A request naming several of A's objects, made by B's world in B's project (valid there),
    with one of A's ids in the place of B's at a time: answers as with an id that exists nowhere
    in that place (B's group with A's member, B's profile with A's report, ...)."""
    mine = ids_in(t.requests[case], t.world.owned) - {t.world.fw, t.world.obj} - t.account_wide(caller)
    if len(mine) < 2:
        return  # one id at most: the request with B's firewall was that already
    op = case.split(":")[0]
    w = t.worlds[caller]
    w.memo = {}
    overrides = {**OVERRIDES.get(op, {}), **CROSS.get(case, {})}
    own = build(getattr(models, _camel(op) + "Request"), w, overrides)
    theirs_at = dict(leaves(t.requests[case]))
    for path, value in leaves(own):
        foreign = theirs_at.get(path)
        if foreign not in mine or foreign == value or not ID.search(foreign):  # ids, not names
            continue
        theirs = send(t.clients[caller], op, with_leaf(own, path, foreign))
        fake = nowhere(foreign)
        nothing = send(t.clients[caller], op, with_leaf(own, path, fake))
        assert theirs.status < 500, (case, path, theirs)
        assert (theirs.status, masked(theirs.text().replace(foreign, fake))) == (
            nothing.status,
            masked(nothing.text()),
        ), f"{case} as {caller}, B's own request with A's {'.'.join(map(str, path))}: {theirs} != {nothing}"
        _no_leak(t, op, caller, {foreign}, theirs)


def _no_leak(t: Tenants, op: str, caller: str, ids: set[str], theirs: Answer) -> None:
    if theirs.status < 300:  # what B made with A's names is B's own (ids are never B's to give)
        t.given[caller] |= {value for value in ids if not ID.search(value)}
    shown = t.world.owned - t.given[caller] - ids - t.account_wide(caller)
    shown = {value for value in shown if not any(value in named for named in ids)}  # a report's profile
    leaked = {value for value in shown if value in theirs.text()}
    assert not leaked, f"{op} as {caller} shows A's {sorted(leaked)}: {theirs}"


def _unchanged(t: Tenants, op: str, caller: str, ids: set[str]) -> None:
    """A's reads that show an object the request named read as before; after a write naming only
    A's firewall or object, every read of A."""
    related = [r for r in READS if any(i in t.before[r] for i in ids - {t.world.fw, t.world.obj})]
    if op not in READS and not related:
        related = READS
    assert not t.changed(related), f"{op} as {caller} changed A's {t.changed(related)}"


def test_nothing_of_a_changed(tenants):
    """After every operation of both other projects, A reads exactly what it read before."""
    assert not tenants.changed(READS)


# -- opencfw's own endpoints: the extensions under /_opencfw/v1/{project_id}/ and the dashboard


def _http(t: Tenants, method: str, path: str, headers: dict[str, str], body: Any = None) -> Answer:
    status, _, answer = t.server.request(method, path, headers=headers, body=body)
    if isinstance(answer, dict) and "error_code" in answer:
        return Answer(status, answer["error_code"], answer.get("error_msg", ""))
    return Answer(status, body=answer)


def _same_as_nowhere(t: Tenants, caller: str, what: str, ask: Any, *a_ids: str) -> Answer:
    """``ask(ids)`` with A's ids answers as with ids that exist nowhere, and shows nothing else of A."""
    mapping = {value: nowhere(value) for value in a_ids}
    theirs, nothing = ask(list(a_ids)), ask(list(mapping.values()))
    assert theirs.status < 500, (what, theirs)
    seen = theirs.text()
    for value, fake in mapping.items():
        seen = seen.replace(value, fake)
    assert (theirs.status, masked(seen)) == (nothing.status, masked(nothing.text())), (
        f"{what} as {caller}: A's ids answer {theirs} but ids that exist nowhere answer {nothing}"
    )
    _no_leak(t, what, caller, set(a_ids), theirs)
    return theirs


def _a_job(t: Tenants) -> str:
    """A job of A's (the creation of A's firewall: a job's id is its firewall's)."""
    return t.world.fw


def _a_eip(t: Tenants) -> str:
    status, _, body = t.server.request(
        "GET", f"/_opencfw/v1/{PROJECT}/eips", headers={"X-Auth-Token": t.server.token()}
    )
    assert status == 200 and body["eips"], body
    return str(body["eips"][0]["id"])


@pytest.mark.parametrize("caller", CALLERS)
def test_extensions_give_nothing_of_a(tenants, caller):
    """The extended job read and list, the EIP inventory and the policy evaluator of B's project:
    A's ids answer as ids that exist nowhere, B's lists hold nothing of A, nothing of A changes."""
    t = tenants
    b = t.projects[caller]
    auth = {"X-Auth-Token": t.tokens[caller]}
    fw, _ = t.homes[caller]
    _same_as_nowhere(
        t,
        caller,
        "job read",
        lambda ids: _http(t, "GET", f"/_opencfw/v1/{b}/jobs/{ids[0]}?wait=0", auth),
        _a_job(t),
    )
    _same_as_nowhere(
        t,
        caller,
        "job list by firewall",
        lambda ids: _http(t, "GET", f"/_opencfw/v1/{b}/jobs?resource_id={ids[0]}", auth),
        t.world.fw,
    )
    for path in ("jobs?limit=200", "eips"):
        _no_leak(t, path, caller, set(), _http(t, "GET", f"/_opencfw/v1/{b}/{path}", auth))
    eip = _a_eip(t)
    _same_as_nowhere(
        t, caller, "EIP delete", lambda ids: _http(t, "DELETE", f"/_opencfw/v1/{b}/eips/{ids[0]}", auth), eip
    )
    flow = {"source": "203.0.113.9", "destination": "10.0.0.1", "protocol": 6, "dest_port": 443}
    _same_as_nowhere(
        t,
        caller,
        "evaluate in A's firewall",
        lambda ids: _http(t, "POST", f"/_opencfw/v1/{b}/firewalls/{ids[0]}/evaluate", auth, flow),
        t.world.fw,
    )
    _same_as_nowhere(
        t,
        caller,
        "evaluate in B's firewall on A's object",
        lambda ids: _http(
            t, "POST", f"/_opencfw/v1/{b}/firewalls/{fw}/evaluate", auth, flow | {"object_id": ids[0]}
        ),
        t.world.obj,
    )
    assert _a_eip(t) == eip
    assert not t.changed(READS), "an extension call of B changed A"


@pytest.mark.parametrize("caller", CALLERS)
def test_event_stream_shows_nothing_of_a(tenants, caller):
    """B's event stream from its very first event holds B's events only."""
    t = tenants
    url = f"{t.server.url}/_opencfw/v1/{t.projects[caller]}/events?last_event_id=0"
    request = urllib.request.Request(url, headers={"X-Auth-Token": t.tokens[caller]})
    text = ""
    with urllib.request.urlopen(request, timeout=5) as stream:
        assert stream.status == 200
        while "event:" not in text or not text.endswith("\n\n"):
            text += stream.readline().decode()
    assert "event:" in text
    _no_leak(t, "events", caller, set(), Answer(200, body=text))


@pytest.mark.parametrize("caller", CALLERS)
def test_dashboard_shows_nothing_of_a(tenants, caller):
    """B's dashboard session: its firewall and job lists hold nothing of A; A's job answers as a
    job that exists nowhere."""
    t = tenants
    user, password, domain = (
        ("admin", PASSWORD, "opencfw") if caller == "same-account" else ("bob", "bobpw", "other")
    )
    sign_in = {"method": "password", "project": t.projects[caller], "domain": domain, "user": user}
    status, headers, body = t.server.request(
        "POST", "/_opencfw/ui/api/session", body=sign_in | {"password": password}
    )
    assert status == 200, body
    cookie = {"Cookie": headers["Set-Cookie"].split(";")[0]}
    for path in ("firewalls?limit=500", "jobs?limit=200"):
        answer = _http(t, "GET", f"/_opencfw/ui/api/{path}", cookie)
        assert answer.status == 200, answer
        _no_leak(t, path, caller, set(), answer)
    _same_as_nowhere(
        t,
        caller,
        "dashboard job",
        lambda ids: _http(t, "GET", f"/_opencfw/ui/api/jobs/{ids[0]}", cookie),
        _a_job(t),
    )


def _a_makes_one_more_of_everything(t: Tenants) -> None:
    w = t.world
    w.firewall()
    w.new_address_set(), w.new_address_item(), w.new_service_set(), w.new_service_item()
    w.new_entry(), w.acl_rule(), w.schedule(), w.report(), w.capture_task(), w.new_custom_ips()
    w.domain(), w.ips_whitelist(), w.segment(), w.eip()
    _log(w, t.server)


@pytest.mark.parametrize("caller", CALLERS)
def test_what_a_does_never_shows_in_b(tenants, caller):
    """Counts, quotas, statistics and lists of B's own firewall (numbers a leak check of ids cannot
    see) read the same before and after A makes one more of every object and logs more traffic."""
    t = tenants
    fw, obj = t.homes[caller]
    reads = {op: replaced(t.reads[op], {t.world.fw: fw, t.world.obj: obj}) for op in READS}

    def b_reads() -> dict[str, str]:
        return {op: masked(send(t.clients[caller], op, request).text()) for op, request in reads.items()}

    _auto_protect(t.worlds[caller])  # B's firewall must not take A's new EIPs
    before = settled(b_reads)
    _a_makes_one_more_of_everything(t)
    after = b_reads()
    t.before = settled(lambda: t.snapshot(READS))  # A's own state moved on
    assert [op for op in READS if after[op] != before[op]] == []


@pytest.mark.parametrize("caller", CALLERS)
def test_a_token_of_b_on_as_project_is_refused_as_on_no_project(tenants, caller):
    """A token is scoped to its project: B's token on A's project answers as on a project that does
    not exist (the same account's key may reach A by design; B's token may not)."""
    t = tenants
    auth = {"X-Auth-Token": t.tokens[caller]}
    for template in (
        "/v3/{p}/jobs/" + t.world.fw,
        "/v1/{p}/firewall/exist?offset=0&limit=10&service_type=0",
        "/_opencfw/v1/{p}/jobs",
        "/_opencfw/v1/{p}/eips",
    ):
        on_a = _http(t, "GET", template.format(p=PROJECT), auth)
        on_none = _http(t, "GET", template.format(p=uuid.uuid4().hex), auth)
        assert (on_a.status, on_a.code, on_a.message) == (on_none.status, on_none.code, on_none.message)
        assert on_a.status == 403, on_a
