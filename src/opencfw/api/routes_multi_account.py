"""Multi-account (``/v1/{project_id}/system/multi-account/*``), declared as actions: turn it on,
read the organisation tree and its accounts, add and remove the accounts a firewall protects."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from msgspec import Meta, Struct

from opencfw.api.actions import Action, Call
from opencfw.service.multi_account import MultiAccount, Node

if TYPE_CHECKING:
    from opencfw.runtime import Runtime

Id = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,64}\Z")]


class FirewallQuery(Struct):
    fw_instance_id: Id


class TreeQuery(Struct):
    fw_instance_id: Id
    parent_id: Id | None = None
    limit: Annotated[int, Meta(ge=1, le=2000)] = 100
    marker: Id | None = None


class PagedQuery(Struct):
    fw_instance_id: Id
    limit: Annotated[int, Meta(ge=1, le=1024)] = 10
    offset: Annotated[int, Meta(ge=0, le=2**31 - 1)] = 0


class AccountInfo(Struct):
    account_id: Id


class AccountDto(Struct):
    accounts: Annotated[list[AccountInfo], Meta(min_length=1, max_length=100)]


class MultiAccountRespData(Struct):
    id: str
    name: str
    trust_service_status: int


class MultiAccountResponse(Struct):
    data: MultiAccountRespData


class OrganizationAccountInfo(Struct):
    delegated: bool
    id: str
    name: str
    org_type: str
    parent_id: str
    urn: str


class OrganizationTreeResponse(Struct, omit_defaults=True):
    data: list[OrganizationAccountInfo]
    total: int
    marker: str | None = None


class AccountVO(Struct):
    account_id: str
    account_name: str
    eip_count_protected: int
    eip_count_total: int
    eip_count_unprotected: int
    organization_id: str
    project_id: str
    project_name: str


class PageDataAccountVO(Struct):
    limit: int
    offset: int
    total: int
    records: list[AccountVO]


class ListAccountsResponse(Struct):
    data: PageDataAccountVO


def _service(rt: Runtime) -> MultiAccount:
    return MultiAccount(rt.store, rt.clock)


def enable(rt: Runtime, call: Call) -> MultiAccountResponse:
    domain = _service(rt).enable(call.project_id, call.query.fw_instance_id)
    return MultiAccountResponse(MultiAccountRespData(domain.id, domain.name, 1))


def _page(nodes: list[Node], q: TreeQuery) -> OrganizationTreeResponse:
    """A page of ``limit`` nodes after ``marker`` (an id of the list); ``marker`` answers the
    last id when more follow."""
    start = 0
    if q.marker is not None:
        start = next((i + 1 for i, n in enumerate(nodes) if n.id == q.marker), len(nodes))
    page = nodes[start : start + q.limit]
    more = start + q.limit < len(nodes)
    records = [
        OrganizationAccountInfo(n.delegated, n.id, n.name, n.org_type, n.parent_id, n.urn) for n in page
    ]
    return OrganizationTreeResponse(records, len(nodes), page[-1].id if more and page else None)


def tree(rt: Runtime, call: Call) -> OrganizationTreeResponse:
    q: TreeQuery = call.query
    return _page(_service(rt).tree(call.project_id, q.fw_instance_id, q.parent_id, False), q)


def organization_accounts(rt: Runtime, call: Call) -> OrganizationTreeResponse:
    q: TreeQuery = call.query
    return _page(_service(rt).tree(call.project_id, q.fw_instance_id, q.parent_id, True), q)


def _change(rt: Runtime, call: Call, add: bool) -> MultiAccountResponse:
    ids = [a.account_id for a in call.body.accounts]
    domain = _service(rt).change(call.project_id, call.query.fw_instance_id, ids, add)
    return MultiAccountResponse(MultiAccountRespData(domain.id, domain.name, 1))


def add(rt: Runtime, call: Call) -> MultiAccountResponse:
    return _change(rt, call, True)


def remove(rt: Runtime, call: Call) -> MultiAccountResponse:
    return _change(rt, call, False)


def accounts(rt: Runtime, call: Call) -> ListAccountsResponse:
    q: PagedQuery = call.query
    domain, members = _service(rt).members(call.project_id, q.fw_instance_id)
    # opencfw keeps no EIP inventory per account: the EIP counts are 0
    records = [
        AccountVO(m.project.id, m.project.name, 0, 0, 0, domain.id, m.project.id, m.project.name)
        for m in members[q.offset : q.offset + q.limit]
    ]
    return ListAccountsResponse(PageDataAccountVO(q.limit, q.offset, len(members), records))


P = "/v1/{project_id}/system/multi-account"
_TREE = (
    "The organisation is the caller's account (domain): the root node, and one node of type `account` "
    "per project of the account. `delegated` says whether the firewall protects it. `marker` is the id "
    "of the last node of a page when more follow; an unknown `parent_id` is CFW.00200005."
)
ACTIONS: list[Action] = [
    Action(
        "enable_multi_account",
        "POST",
        P + "/enable",
        enable,
        MultiAccountResponse,
        "Turn multi-account protection on",
        FirewallQuery,
        write=True,
    ),
    Action(
        "list_organization_tree",
        "GET",
        P + "/organization-tree",
        tree,
        OrganizationTreeResponse,
        "List the organisation tree",
        TreeQuery,
        description=_TREE,
    ),
    Action(
        "list_organization_accounts",
        "GET",
        P + "/organization-accounts",
        organization_accounts,
        OrganizationTreeResponse,
        "List the organisation's accounts",
        TreeQuery,
        description=_TREE,
    ),
    Action(
        "batch_add_accounts",
        "POST",
        P + "/accounts",
        add,
        MultiAccountResponse,
        "Protect accounts of the organisation",
        FirewallQuery,
        AccountDto,
        write=True,
        description="All or none; an account that is not the organisation's is CFW.00200005; one "
        "already protected stays so.",
    ),
    Action(
        "batch_remove_accounts",
        "POST",
        P + "/batch-delete",
        remove,
        MultiAccountResponse,
        "Stop protecting accounts",
        FirewallQuery,
        AccountDto,
        write=True,
        description="All or none; an account not protected is CFW.00200005.",
    ),
    Action(
        "list_accounts",
        "GET",
        P + "/accounts",
        accounts,
        ListAccountsResponse,
        "List the protected accounts",
        PagedQuery,
        description="The EIP counts are 0: opencfw keeps no EIP inventory per account.",
    ),
]
