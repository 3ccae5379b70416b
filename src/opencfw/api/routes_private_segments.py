"""East-west: private network segments (``/v2/{project_id}/firewall/{fw_instance_id}/east-west/
private-network-segments*``), the ER and inspection VPC the protection is attached to, and the VPCs
it protects, declared as actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from msgspec import Meta, Struct

from opencfw.api.actions import Action, Call
from opencfw.service.config_quota import SEGMENTS_PER_FIREWALL
from opencfw.service.private_segments import PrivateSegments, Segment, SegmentRepeat, SegmentsFull

if TYPE_CHECKING:
    from opencfw.runtime import Runtime

Id = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,64}\Z")]
Network = Annotated[str, Meta(min_length=1, max_length=64)]
Text = Annotated[str, Meta(max_length=64)]


class NewSegment(Struct):
    """A segment to add (``PrivateNetworkSegmentVO``; a ``conf_id`` given is not used)."""

    protect_network: Network
    conf_id: Id | None = None
    az_info: Text | None = None
    subnet_name: Text | None = None


class ChangedSegment(Struct):
    """A segment to change (``PrivateNetworkSegmentVO`` with its ``conf_id``)."""

    conf_id: Id
    protect_network: Network
    az_info: Text | None = None
    subnet_name: Text | None = None


class EwPrivateNetworkSegmentsDto(Struct):
    private_network_segments: Annotated[
        list[NewSegment], Meta(min_length=1, max_length=SEGMENTS_PER_FIREWALL)
    ]


class DeletePrivateNetworkSegmentsDto(Struct):
    conf_ids: Annotated[list[Id], Meta(min_length=1, max_length=SEGMENTS_PER_FIREWALL)]


class PrivateNetworkSegmentVO(Struct):
    conf_id: str
    protect_network: str
    az_info: str | None
    subnet_name: str | None


class ListPrivateNetworkSegmentsVO(Struct):
    private_network_list: list[PrivateNetworkSegmentVO]
    total: int
    quota: int
    support_az_list: list[str]


class ListPrivateNetworkSegmentsResponse(Struct):
    data: ListPrivateNetworkSegmentsVO


class Done(Struct):
    data: str


class FirewallQuery(Struct):
    fw_instance_id: Id | None = None


class ObjectQuery(Struct):
    object_id: Id
    fw_instance_id: Id | None = None


class ErInfo(Struct):
    er_id: str
    name: str


class ShowEwAssociatedErRespData(Struct):
    er_list: list[ErInfo]


class ShowEwAssociatedErResponse(Struct):
    data: ShowEwAssociatedErRespData


class InspectionVpcInfo(Struct):
    inspection_vpc_id: str
    name: str


class ShowEwAssociatedVpcRespData(Struct):
    inspection_vpc_list: list[InspectionVpcInfo]


class ShowEwAssociatedVpcResponse(Struct):
    data: ShowEwAssociatedVpcRespData


class VpcAttachmentDetail(Struct):
    vpc_id: str


class VPCProtectsVo(Struct):
    total: int
    self_total: int
    other_total: int
    protect_vpcs: list[VpcAttachmentDetail]
    self_protect_vpcs: list[VpcAttachmentDetail]
    other_protect_vpcs: list[VpcAttachmentDetail]
    total_assets: int


class ListProtectedVpcsResponse(Struct):
    data: VPCProtectsVo


def _service(rt: Runtime) -> PrivateSegments:
    return PrivateSegments(rt.store, rt.clock, resources=rt.resources)


def create(rt: Runtime, call: Call) -> Done:
    firewall_id = call.params["fw_instance_id"]
    given = [
        Segment("", s.protect_network, s.az_info, s.subnet_name) for s in call.body.private_network_segments
    ]
    _service(rt).add(call.project_id, firewall_id, given)
    return Done(firewall_id)


def list_(rt: Runtime, call: Call) -> ListPrivateNetworkSegmentsResponse:
    found = _service(rt).all(call.project_id, call.params["fw_instance_id"])
    records = [PrivateNetworkSegmentVO(s.id, s.protect_network, s.az_info, s.subnet_name) for s in found]
    return ListPrivateNetworkSegmentsResponse(
        ListPrivateNetworkSegmentsVO(records, len(records), SEGMENTS_PER_FIREWALL, [])
    )


def update(rt: Runtime, call: Call) -> Done:
    body: ChangedSegment = call.body
    firewall_id = call.params["fw_instance_id"]
    segment = Segment(body.conf_id, body.protect_network, body.az_info, body.subnet_name)
    _service(rt).update(call.project_id, firewall_id, segment)
    return Done(firewall_id)


def delete(rt: Runtime, call: Call) -> Done:
    firewall_id = call.params["fw_instance_id"]
    _service(rt).delete(call.project_id, firewall_id, call.body.conf_ids)
    return Done(firewall_id)


def er(rt: Runtime, call: Call) -> ShowEwAssociatedErResponse:
    found = _service(rt).east_west(call.project_id, call.query.fw_instance_id)
    ers = [ErInfo(found.er_id, found.er_id)] if found is not None else []
    return ShowEwAssociatedErResponse(ShowEwAssociatedErRespData(ers))


def inspection_vpc(rt: Runtime, call: Call) -> ShowEwAssociatedVpcResponse:
    found = _service(rt).east_west(call.project_id, call.query.fw_instance_id)
    vpcs = [InspectionVpcInfo(found.inspection_vpc_id, found.inspection_vpc_id)] if found is not None else []
    return ShowEwAssociatedVpcResponse(ShowEwAssociatedVpcRespData(vpcs))


def protected_vpcs(rt: Runtime, call: Call) -> ListProtectedVpcsResponse:
    q: ObjectQuery = call.query
    _service(rt).object_firewall(call.project_id, q.object_id, q.fw_instance_id)
    # opencfw keeps no VPC inventory: no VPC is attached to the enterprise router it simulates
    return ListProtectedVpcsResponse(VPCProtectsVo(0, 0, 0, [], [], [], 0))


P = "/v2/{project_id}/firewall/{fw_instance_id}/east-west/private-network-segments"
_SEGMENTS = (
    "A segment is a private IPv4 network (IANA private ranges or 100.64.0.0/10), unique per firewall "
    f"(CFW.00400004), at most {SEGMENTS_PER_FIREWALL} per firewall (CFW.00200024). All or none."
)
ACTIONS: list[Action] = [
    Action(
        "batch_create_private_network_segments",
        "POST",
        P + "/batch-create",
        create,
        Done,
        "Add private network segments",
        body=EwPrivateNetworkSegmentsDto,
        errors=(SegmentRepeat, SegmentsFull),
        write=True,
        description=_SEGMENTS,
    ),
    Action(
        "batch_delete_private_network_segments",
        "POST",
        P + "/batch-delete",
        delete,
        Done,
        "Delete private network segments",
        body=DeletePrivateNetworkSegmentsDto,
        write=True,
        description="All or none; an unknown `conf_id` is CFW.00200005.",
    ),
    Action(
        "list_private_network_segments",
        "GET",
        P,
        list_,
        ListPrivateNetworkSegmentsResponse,
        "List private network segments",
        description="Oldest first; `quota` is the limit per firewall; `support_az_list` is empty "
        "(opencfw has no availability zones, `az_info` is free text).",
    ),
    Action(
        "update_private_network_segment",
        "PUT",
        P,
        update,
        Done,
        "Change a private network segment",
        body=ChangedSegment,
        errors=(SegmentRepeat,),
        write=True,
    ),
    Action(
        "show_ew_associated_er",
        "GET",
        "/v1/{project_id}/firewall/east-west/enterprise-router",
        er,
        ShowEwAssociatedErResponse,
        "Read the enterprise router of the east-west protection",
        FirewallQuery,
        description="The ER the firewall's east-west protection was created with (its id is also its name); "
        "none without east-west protection. Without `fw_instance_id`, the project's first firewall that has one.",
    ),
    Action(
        "show_ew_associated_vpc",
        "GET",
        "/v1/{project_id}/firewall/east-west/inspection-vpc",
        inspection_vpc,
        ShowEwAssociatedVpcResponse,
        "Read the inspection VPC of the east-west protection",
        FirewallQuery,
        description="As the enterprise router: the inspection VPC opencfw made with the protection.",
    ),
    Action(
        "list_protected_vpcs",
        "GET",
        "/v1/{project_id}/vpcs/protection",
        protected_vpcs,
        ListProtectedVpcsResponse,
        "List the VPCs the firewall protects",
        ObjectQuery,
        description="opencfw keeps no VPC inventory: the counts are 0 and the lists empty. An unknown "
        "object is CFW.00200005.",
    ),
]
