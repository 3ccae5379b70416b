"""Configuration quotas and group member descriptions, declared as actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from msgspec import Meta, Struct

from opencfw.api.actions import Action, Call
from opencfw.domain.errors import NotFound
from opencfw.resources import REGISTRY
from opencfw.service.config_quota import KINDS, ConfigQuota
from opencfw.service.resources import Where

if TYPE_CHECKING:
    from opencfw.runtime import Runtime

Id = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,64}\Z")]
ConfigType = Annotated[str, Meta(pattern="^(" + "|".join(KINDS) + r")\Z")]


class QuotaQuery(Struct):
    config_type: ConfigType
    set_id: Id | None = None


class ItemInfo(Struct):
    max_quota: int
    used_quota: int
    extras_info: dict[str, str]


class ShowConfigQuotaDto(Struct, omit_defaults=True):
    quota_type: str
    max_quota: int
    used_quota: int
    item_info: ItemInfo | None = None


class ShowConfigQuotaResponse(Struct):
    data: ShowConfigQuotaDto


class UpdateObjectConfigDesc(Struct):
    fw_instance_id: Id
    set_id: Id
    item_id: Id
    type: Literal["ADDR_SET", "SERV_SET", "DOMAIN_SET", "URL_SET"]
    description: Annotated[str, Meta(max_length=255)] | None = None


class Done(Struct):
    data: str


class _Description(Struct):
    description: str | None


#: the registry resource holding the members of each kind of group
MEMBERS = {
    "ADDR_SET": "address_item",
    "SERV_SET": "service_item",
    "DOMAIN_SET": "domain_item",
    "URL_SET": "url_item",
}


def quota(rt: Runtime, call: Call) -> ShowConfigQuotaResponse:
    q: QuotaQuery = call.query
    found = ConfigQuota(rt.store).usage(
        call.project_id, call.params["fw_instance_id"], q.config_type, q.set_id
    )
    item = ItemInfo(found.item[0], found.item[1], {}) if found.item is not None else None
    return ShowConfigQuotaResponse(
        ShowConfigQuotaDto(found.quota_type, found.max_quota, found.used_quota, item)
    )


def describe(rt: Runtime, call: Call) -> Done:
    body: UpdateObjectConfigDesc = call.body
    name = MEMBERS[body.type]
    if name not in {r.name for r in REGISTRY}:
        raise NotFound(f"The member {body.item_id} does not exist")
    where = Where(call.project_id, body.fw_instance_id, parent_id=body.set_id)
    rt.resources[name].update(where, body.item_id, _Description(body.description))
    return Done(body.item_id)


ACTIONS: list[Action] = [
    Action(
        "show_config_quota",
        "GET",
        "/v2/{project_id}/cfw/{fw_instance_id}/quota",
        quota,
        ShowConfigQuotaResponse,
        "Read a configuration quota",
        QuotaQuery,
        description="`used_quota` counts the firewall's rows of the kind now; `max_quota` is the limit opencfw "
        "enforces. With `set_id` (member kinds), `item_info` counts the group's members. A kind that this "
        "build does not serve counts 0.",
    ),
    Action(
        "update_object_config_desc",
        "PUT",
        "/v1/{project_id}/config/object/description",
        describe,
        Done,
        "Change a group member's description",
        body=UpdateObjectConfigDesc,
        write=True,
        description="The member `item_id` of the group `set_id` of the firewall; an unknown one is CFW.00200005.",
    ),
]
