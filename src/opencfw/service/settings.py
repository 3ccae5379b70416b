"""Reading and writing settings (``resources.settings``): a document per ``(kind, key)`` of a
firewall or protected object, its default until first written. A write changes the stored
document or adds it; two first writes at once end as one row (the second changes it)."""

from __future__ import annotations

from typing import Any

import msgspec

from opencfw.resources.settings import SettingExists
from opencfw.service.resources import ResourceService, Where

_ALL = 100_000


class Change(msgspec.Struct):
    doc: str


class Settings:
    def __init__(self, service: ResourceService[Any]) -> None:
        self.svc = service

    def read(self, where: Where, kind: str) -> dict[str, dict[str, Any]]:
        """The stored documents of ``kind``, by key (CFW.00200005 for an unknown firewall or object)."""
        _, rows = self.svc.list(where, {"kind": kind}, 0, _ALL)
        return {row.key: msgspec.json.decode(row.doc) for row in rows}

    def write(self, where: Where, kind: str, key: str, doc: dict[str, Any]) -> str:
        """Store ``doc`` as the setting; returns the row's id."""
        text = msgspec.json.encode(doc).decode()
        for _ in range(2):
            _, rows = self.svc.list(where, {"kind": kind, "key": key}, 0, 1)
            if rows:
                return str(self.svc.update(where, rows[0].id, Change(text)).id)
            try:
                return str(self.svc.create(where, self.svc.r.create(kind=kind, key=key, doc=text)).id)
            except SettingExists:
                continue
        raise SettingExists()

    def clear(self, where: Where, kind: str) -> int:
        """Forget every document of ``kind`` (back to the defaults)."""
        _, rows = self.svc.list(where, {"kind": kind}, 0, _ALL)
        if rows:
            self.svc.delete_many(where, [row.id for row in rows])
        return len(rows)
