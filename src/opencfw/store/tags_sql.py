"""A firewall's tags, a column of its row (the firewall lifecycle owns it): the one change of that
column outside a firewall's creation. A mixin of ``sql_store.SqlStore``."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from opencfw.domain.models import FirewallStatus, Tag
from opencfw.store.sql_mixin import SqlMixin

_tags = msgspec.json.Decoder(list[Tag])
_DELETED = int(FirewallStatus.DELETED)

TAGS_SQL = {
    "firewall_tags": "SELECT tags FROM firewalls WHERE project_id = ? AND id = ? AND status <> ?",
    "set_tags": "UPDATE firewalls SET tags = ?, updated_ms = ? WHERE id = ?",
}


class TagsSql(SqlMixin):
    def change_firewall_tags(
        self, project_id: str, firewall_id: str, change: Callable[[list[Tag]], list[Tag]], now_ms: int
    ) -> list[Tag] | None:
        """Read, ``change`` and write a firewall's tags in one transaction (row locked).

        Returns the new tags, or None when the firewall does not exist. ``change`` may raise.
        """
        with self._write() as conn:
            row = conn.execute(
                self._q(TAGS_SQL["firewall_tags"] + self.lock_rows), (project_id, firewall_id, _DELETED)
            ).fetchone()
            if row is None:
                return None
            new = change(_tags.decode(row[0]))
            conn.execute(
                self._q(TAGS_SQL["set_tags"]), (msgspec.json.encode(new).decode(), now_ms, firewall_id)
            )
        return new
