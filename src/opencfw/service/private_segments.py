"""The private network segments of a firewall's east-west protection (the networks it treats as
private), and what its east-west protection is attached to. The east-west protection itself is
read through the store's interface (``get_east_west``); this module does not change it."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from opencfw.domain.clock import Clock
from opencfw.domain.errors import BadParameter, NotFound, OpenCfwError
from opencfw.resources.east_west import EastWestRow
from opencfw.service import firewall_scope
from opencfw.service.config_quota import SEGMENTS_PER_FIREWALL
from opencfw.service.protection import Protection
from opencfw.service.resources import ResourceServices, Where
from opencfw.store.base import Store


class SegmentRepeat(OpenCfwError):
    error_code = "CFW.00400004"
    http_status = 400
    default_message = "item already exist"


class SegmentsFull(OpenCfwError):
    error_code = "CFW.00200024"
    http_status = 400
    default_message = f"Exceeded maximum quantity limit ({SEGMENTS_PER_FIREWALL} private network segments)"


@dataclass(frozen=True)
class Segment:
    id: str
    protect_network: str
    az_info: str | None
    subnet_name: str | None


def network(text: str) -> str:
    """A private IPv4 network (``a.b.c.d/n``, RFC 1918 or shared 100.64/10), normalised."""
    try:
        found = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise BadParameter(f"Invalid request body: {text!r} is not a network (IP/mask)") from None
    shared = ipaddress.IPv4Network("100.64.0.0/10")
    if not isinstance(found, ipaddress.IPv4Network) or found.prefixlen == 0:
        raise BadParameter(f"Invalid request body: {text!r} is not a private IPv4 network")
    if not (found.is_private or found.subnet_of(shared)):
        raise BadParameter(f"Invalid request body: {text!r} is not a private IPv4 network")
    return str(found)


class PrivateSegments:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
        resources: ResourceServices | None = None,
    ) -> None:
        self.store = store
        self.db = firewall_scope.database(store)
        self.clock = clock
        self.protection = Protection(store, clock, resources=resources)
        self.new_id = new_id

    def all(self, project_id: str, firewall_id: str) -> list[Segment]:
        with self.db.read() as conn:
            firewall_scope.check_firewall(self.db, conn, project_id, firewall_id)
            rows = conn.execute(self.db.sql("segments_of"), (project_id, firewall_id)).fetchall()
        return [Segment(*row) for row in rows]

    def add(self, project_id: str, firewall_id: str, given: Sequence[Segment]) -> list[Segment]:
        """Add every segment or none: a network twice is CFW.00400004, one too many CFW.00200024."""
        now = self.clock.now_ms()
        made = [Segment(self.new_id(), network(s.protect_network), s.az_info, s.subnet_name) for s in given]
        with self.db.write() as conn:
            firewall_scope.check_firewall(self.db, conn, project_id, firewall_id, lock=True)
            rows = conn.execute(self.db.sql("segments_of"), (project_id, firewall_id)).fetchall()
            networks = [str(row[1]) for row in rows] + [s.protect_network for s in made]
            if len(set(networks)) != len(networks):
                raise SegmentRepeat("A private network segment is given twice or exists already")
            if len(networks) > SEGMENTS_PER_FIREWALL:
                raise SegmentsFull()
            for s in made:
                values = (
                    s.id,
                    project_id,
                    firewall_id,
                    s.protect_network,
                    s.az_info,
                    s.subnet_name,
                    firewall_id,  # the position: after the firewall's last segment
                    now,
                    now,
                )
                conn.execute(self.db.sql("segment_insert"), values)
            self.db.emit(
                conn, project_id, "private_network_segment.created", {"firewall_id": firewall_id}, now
            )
        self.db.announce(project_id)
        return made

    def update(self, project_id: str, firewall_id: str, segment: Segment) -> None:
        now = self.clock.now_ms()
        changed = Segment(segment.id, network(segment.protect_network), segment.az_info, segment.subnet_name)
        with self.db.write() as conn:
            firewall_scope.check_firewall(self.db, conn, project_id, firewall_id, lock=True)
            rows = conn.execute(self.db.sql("segments_of"), (project_id, firewall_id)).fetchall()
            if all(row[0] != changed.id for row in rows):
                raise NotFound(f"The private network segment {changed.id} does not exist")
            if any(row[0] != changed.id and row[1] == changed.protect_network for row in rows):
                raise SegmentRepeat(f"The private network segment {changed.protect_network} exists already")
            values = (
                changed.protect_network,
                changed.az_info,
                changed.subnet_name,
                now,
                project_id,
                firewall_id,
                changed.id,
            )
            conn.execute(self.db.sql("segment_update"), values)
            self.db.emit(
                conn, project_id, "private_network_segment.updated", {"firewall_id": firewall_id}, now
            )
        self.db.announce(project_id)

    def delete(self, project_id: str, firewall_id: str, ids: Sequence[str]) -> None:
        """Delete every segment named or none: an unknown one is CFW.00200005."""
        now = self.clock.now_ms()
        with self.db.write() as conn:
            firewall_scope.check_firewall(self.db, conn, project_id, firewall_id, lock=True)
            for segment_id in dict.fromkeys(ids):
                if (
                    conn.execute(
                        self.db.sql("segment_delete"), (project_id, firewall_id, segment_id)
                    ).rowcount
                    != 1
                ):
                    raise NotFound(f"The private network segment {segment_id} does not exist")
            self.db.emit(
                conn, project_id, "private_network_segment.deleted", {"firewall_id": firewall_id}, now
            )
        self.db.announce(project_id)

    def east_west(self, project_id: str, firewall_id: str | None) -> EastWestRow | None:
        """The firewall's east-west protection (None: it has none); without a firewall id, that of
        the project's first firewall that has one."""
        if firewall_id is None:
            found = self.protection.vpc_border_objects(project_id)
            if not found:
                return None
            firewall_id = sorted(found)[0]
        with self.db.read() as conn:
            firewall_scope.check_firewall(self.db, conn, project_id, firewall_id)
        return self.protection.east_west(project_id, firewall_id)

    def object_firewall(self, project_id: str, object_id: str, firewall_id: str | None) -> str:
        """The firewall of a protected object (the named firewall's, when one is named)."""
        # an object's IPS settings row answers for every protected object (the defaults until changed)
        ips = self.protection.ips
        with self.db.read() as conn:
            found = ips.resolve(conn, Where(project_id, firewall_id, object_id))
        if not found:
            raise NotFound(f"The protected object {object_id} does not exist")
        return found
