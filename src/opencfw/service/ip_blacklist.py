"""The IP blacklist of threat intelligence: imported address lists per firewall and effect scope
(1 EIP, 2 NAT), their export, the retry of a failed import, and the feature's switch.

An import is asynchronous, as the real one: it is recorded with ``import_status`` 2 (importing) and
reads as finished ``IMPORT_MS`` later on the injected clock: 1 (done), or 0 (failed, with the
reason) when an address of the list is not an IP address or network. A retry starts a failed
import again; an import of a scope that is still importing is refused.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

from opencfw.domain.clock import Clock
from opencfw.domain.errors import BadParameter, NotFound, OpenCfwError
from opencfw.service import firewall_scope
from opencfw.store.base import Store

#: how long an import runs (ms of the injected clock)
IMPORT_MS = 2_000
#: at most this many addresses in one scope's list
MAX_ADDRESSES = 10_000
IMPORTING, DONE, FAILED = 2, 1, 0
SWITCH = "ip_blacklist"
_SEPARATORS = re.compile(r"[,; \t\r\n]+")
_FILE = {1: "ip-blacklist-eip.txt", 2: "ip-blacklist-nat.txt"}


class ImportRunning(OpenCfwError):
    error_code = "CFW.00900016"
    http_status = 400
    default_message = "import task in progress"


class NothingToDo(OpenCfwError):
    error_code = "CFW.00400002"
    http_status = 400
    default_message = "not need to operate"


@dataclass(frozen=True)
class Blacklist:
    effect_scope: int
    name: str
    addresses: list[str]
    import_status: int
    error_message: str | None
    import_ms: int


def _outcome(addresses: list[str]) -> str | None:
    """How an import of ``addresses`` will end: None (done) or the reason it fails."""
    for address in addresses:
        try:
            ipaddress.ip_network(address, strict=False)
        except ValueError:
            return f"{address!r} is not an IP address or network"
    return None


class IpBlacklists:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.db = firewall_scope.database(store)
        self.clock = clock

    def _settled(
        self, scope: int, name: str, text: str, status: int, error: str | None, at: int
    ) -> Blacklist:
        """The row as it reads now: an import whose time has passed has ended, as its stored
        outcome says (an error message: failed)."""
        addresses = text.split("\n") if text else []
        if status != IMPORTING:
            return Blacklist(scope, name, addresses, status, error, at)
        if self.clock.now_ms() >= at + IMPORT_MS:
            return Blacklist(scope, name, addresses, FAILED if error else DONE, error, at)
        return Blacklist(scope, name, addresses, IMPORTING, None, at)

    def all(self, project_id: str, firewall_id: str) -> list[Blacklist]:
        with self.db.read() as conn:
            firewall_scope.check_firewall(self.db, conn, project_id, firewall_id)
            rows = conn.execute(self.db.sql("blacklist_page"), (project_id, firewall_id)).fetchall()
        return [self._settled(*row) for row in rows]

    def import_(
        self, project_id: str, firewall_id: str, full: bool, text: str, scopes: Sequence[int]
    ) -> list[Blacklist]:
        new = [a for a in _SEPARATORS.split(text) if a]
        if not new:
            raise BadParameter("Invalid request body: `ip_blacklist` holds no address")
        now = self.clock.now_ms()
        with self.db.write() as conn:
            firewall_scope.check_firewall(self.db, conn, project_id, firewall_id, lock=True)
            current = {
                found.effect_scope: found
                for found in (
                    self._settled(*row)
                    for row in conn.execute(self.db.sql("blacklist_page"), (project_id, firewall_id))
                )
            }
            made = []
            for scope in sorted(set(scopes)):
                old = current.get(scope)
                if old is not None and old.import_status == IMPORTING:
                    raise ImportRunning(f"The IP blacklist of effect scope {scope} is still being imported")
                kept = [] if full or old is None else old.addresses
                addresses = list(dict.fromkeys([*kept, *new]))
                if len(addresses) > MAX_ADDRESSES:
                    raise BadParameter(f"An IP blacklist holds at most {MAX_ADDRESSES} addresses")
                conn.execute(self.db.sql("blacklist_delete"), (project_id, firewall_id, scope))
                values = (
                    project_id,
                    firewall_id,
                    scope,
                    _FILE[scope],
                    "\n".join(addresses),
                    IMPORTING,
                    _outcome(addresses),
                    now,
                )
                conn.execute(self.db.sql("blacklist_insert"), values)
                made.append(Blacklist(scope, _FILE[scope], addresses, IMPORTING, None, now))
            self.db.emit(conn, project_id, "ip_blacklist.imported", {"firewall_id": firewall_id}, now)
        self.db.announce(project_id)
        return made

    def _named(self, project_id: str, firewall_id: str, name: str) -> Blacklist:
        found = next((b for b in self.all(project_id, firewall_id) if b.name == name), None)
        if found is None:
            raise NotFound(f"The IP blacklist {name} does not exist")
        return found

    def export(self, project_id: str, firewall_id: str, name: str) -> Blacklist:
        return self._named(project_id, firewall_id, name)

    def retry(self, project_id: str, firewall_id: str, name: str) -> None:
        if self._named(project_id, firewall_id, name).import_status != FAILED:
            raise NothingToDo(f"The import of {name} has not failed")
        now = self.clock.now_ms()
        with self.db.write() as conn:
            firewall_scope.check_firewall(self.db, conn, project_id, firewall_id, lock=True)
            conn.execute(self.db.sql("blacklist_restart"), (now, project_id, firewall_id, name))
            self.db.emit(conn, project_id, "ip_blacklist.retried", {"firewall_id": firewall_id}, now)
        self.db.announce(project_id)

    def delete(self, project_id: str, firewall_id: str, scopes: Sequence[int]) -> None:
        now = self.clock.now_ms()
        with self.db.write() as conn:
            firewall_scope.check_firewall(self.db, conn, project_id, firewall_id, lock=True)
            for scope in sorted(set(scopes)):
                conn.execute(self.db.sql("blacklist_delete"), (project_id, firewall_id, scope))
            self.db.emit(conn, project_id, "ip_blacklist.deleted", {"firewall_id": firewall_id}, now)
        self.db.announce(project_id)

    def switch(self, project_id: str, firewall_id: str) -> int:
        found = firewall_scope.get_setting(self.db, project_id, firewall_id, SWITCH)
        return int(found) if found is not None else 0

    def set_switch(self, project_id: str, firewall_id: str, status: int) -> None:
        firewall_scope.set_setting(self.db, project_id, firewall_id, SWITCH, str(status), self.clock.now_ms())
