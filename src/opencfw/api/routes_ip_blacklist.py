"""The IP blacklist of threat intelligence (``/v1/{project_id}/ptf/ip-blacklist*``), declared as
actions: import, list, export, retry, delete, and the feature's switch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from msgspec import Meta, Struct

from opencfw.api.actions import Action, Call, Download
from opencfw.service.ip_blacklist import ImportRunning, IpBlacklists, NothingToDo

if TYPE_CHECKING:
    from opencfw.runtime import Runtime

Id = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,64}\Z")]
Scopes = Annotated[list[Literal[1, 2]], Meta(min_length=1, max_length=2)]
FileName = Annotated[str, Meta(min_length=1, max_length=255)]


class FirewallQuery(Struct):
    fw_instance_id: Id


class PagedFirewallQuery(Struct):
    fw_instance_id: Id
    limit: Annotated[int, Meta(ge=1, le=1024)] = 10
    offset: Annotated[int, Meta(ge=0, le=2**31 - 1)] = 0


class NamedQuery(Struct):
    fw_instance_id: Id
    name: FileName


class IpBlacklistImportDto(Struct):
    add_type: Literal[0, 1]  # 0 added to the current list, 1 replaces it
    ip_blacklist: Annotated[str, Meta(min_length=1, max_length=500_000)]
    effect_scope: Scopes


class IpBlacklistDeleteDto(Struct):
    effect_scope: Scopes


class IpBlacklistEnableDto(Struct):
    status: Literal[0, 1]


class Done(Struct):
    """An answer with no documented fields beyond the firewall: ``{"data": <firewall id>}``."""

    data: str


class IpBlacklistSwitchInfoVo(Struct):
    status: int


class ListIpBlacklistSwitchResponse(Struct):
    data: IpBlacklistSwitchInfoVo


class IpBlacklistVO(Struct):
    name: str
    effect_scope: list[int]
    import_status: int
    import_time: int
    error_message: str | None


class PageDataIpBlacklistsVo(Struct):
    limit: int
    offset: int
    total: int
    records: list[IpBlacklistVO]


class ListIpBlacklistResponse(Struct):
    data: PageDataIpBlacklistsVo


def _service(rt: Runtime) -> IpBlacklists:
    return IpBlacklists(rt.store, rt.clock)


def import_(rt: Runtime, call: Call) -> Done:
    body: IpBlacklistImportDto = call.body
    firewall_id = call.query.fw_instance_id
    _service(rt).import_(
        call.project_id, firewall_id, body.add_type == 1, body.ip_blacklist, body.effect_scope
    )
    return Done(firewall_id)


def list_(rt: Runtime, call: Call) -> ListIpBlacklistResponse:
    q: PagedFirewallQuery = call.query
    found = _service(rt).all(call.project_id, q.fw_instance_id)
    records = [
        IpBlacklistVO(b.name, [b.effect_scope], b.import_status, b.import_ms, b.error_message)
        for b in found[q.offset : q.offset + q.limit]
    ]
    return ListIpBlacklistResponse(PageDataIpBlacklistsVo(q.limit, q.offset, len(found), records))


def export(rt: Runtime, call: Call) -> Download:
    found = _service(rt).export(call.project_id, call.query.fw_instance_id, call.query.name)
    content = "".join(f"{address}\n" for address in found.addresses).encode()
    disposition = f'attachment; filename="{found.name}"'.encode()
    return Download(content, "application/octet-stream", [(b"content-disposition", disposition)])


def retry(rt: Runtime, call: Call) -> Done:
    _service(rt).retry(call.project_id, call.query.fw_instance_id, call.query.name)
    return Done(call.query.fw_instance_id)


def delete(rt: Runtime, call: Call) -> Done:
    _service(rt).delete(call.project_id, call.query.fw_instance_id, call.body.effect_scope)
    return Done(call.query.fw_instance_id)


def switch(rt: Runtime, call: Call) -> ListIpBlacklistSwitchResponse:
    status = _service(rt).switch(call.project_id, call.query.fw_instance_id)
    return ListIpBlacklistSwitchResponse(IpBlacklistSwitchInfoVo(status))


def enable(rt: Runtime, call: Call) -> Done:
    _service(rt).set_switch(call.project_id, call.query.fw_instance_id, call.body.status)
    return Done(call.query.fw_instance_id)


P = "/v1/{project_id}/ptf/ip-blacklist"
_IMPORT_NOTE = (
    "Runs as a task: the list reads `import_status` 2 until it ends (2 s on the server's clock), then 1, "
    "or 0 with `error_message` when an address is not an IP address or network. A scope still importing "
    "is CFW.00900016."
)
ACTIONS: list[Action] = [
    Action(
        "import_ip_blacklist",
        "POST",
        P + "/import",
        import_,
        Done,
        "Import an IP blacklist",
        FirewallQuery,
        IpBlacklistImportDto,
        (ImportRunning,),
        write=True,
        description=_IMPORT_NOTE,
    ),
    Action(
        "list_ip_blacklist",
        "GET",
        P,
        list_,
        ListIpBlacklistResponse,
        "List IP blacklists",
        PagedFirewallQuery,
    ),
    Action(
        "export_ip_blacklist", "POST", P + "/export", export, None, "Export an IP blacklist file", NamedQuery
    ),
    Action(
        "retry_ip_blacklist",
        "POST",
        P + "/retry",
        retry,
        Done,
        "Retry a failed IP blacklist import",
        NamedQuery,
        errors=(NothingToDo,),
        write=True,
    ),
    Action(
        "delete_ip_blacklist",
        "DELETE",
        P,
        delete,
        Done,
        "Delete IP blacklists",
        FirewallQuery,
        IpBlacklistDeleteDto,
        write=True,
    ),
    Action(
        "list_ip_blacklist_switch",
        "GET",
        P + "/switch",
        switch,
        ListIpBlacklistSwitchResponse,
        "Read the IP blacklist switch",
        FirewallQuery,
    ),
    Action(
        "enable_ip_blacklist",
        "POST",
        P + "/switch",
        enable,
        Done,
        "Turn the IP blacklist on or off",
        FirewallQuery,
        IpBlacklistEnableDto,
        write=True,
    ),
]
