"""An object's ACL rules exported as one JSON document (ExportRuleAcl) and such a document imported
(ImportRuleAcl), with the last export's and import's state and result (``acl_transfers``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from opencfw.domain.errors import BadParameter, OpenCfwError
from opencfw.resources import acl_rule as decl
from opencfw.resources.acl_rule import AddRuleAclDto, AddRuleAclDtoRules, OrderRuleAclDto
from opencfw.service import acl_rows
from opencfw.service.acl_rows import AclRule

if TYPE_CHECKING:
    from opencfw.service.acl_rules import AclRules


class AclTransfers:
    def __init__(self, rules: AclRules) -> None:
        self.rules = rules

    def export(self, project_id: str, firewall_id: str | None, object_id: str) -> str:
        """Write the object's rules, in order, as one JSON document (``ImportRuleAcl`` reads it)."""
        now = self.rules.clock.now_ms()
        with self.rules.db.write() as conn:
            fw, _ = self.rules.object_of(conn, project_id, object_id, firewall_id)
            rows = self.rules.rows_of(conn, project_id, object_id)
            document = {"object_id": object_id, "rules": [self._exported(row) for row in rows]}
            return self._transfer(
                conn, project_id, fw, object_id, "export", 3, msgspec.json.encode(document), now
            )

    @staticmethod
    def _exported(row: AclRule) -> dict[str, Any]:
        found = {
            **acl_rows.settings(row),
            "source": msgspec.json.decode(row.source),
            "destination": msgspec.json.decode(row.destination),
            "service": msgspec.json.decode(row.service),
            "tag": acl_rows.tag(row),
        }
        return {k: v for k, v in found.items() if v is not None}

    def _transfer(
        self,
        conn: Any,
        project_id: str,
        fw: str,
        object_id: str,
        kind: str,
        status: int,
        result: bytes,
        now: int,
    ) -> str:
        transfer_id = self.rules.new_id()
        conn.execute(self.rules.db.sql("acl_transfer_delete"), (project_id, object_id, kind))
        values = (transfer_id, project_id, fw, object_id, kind, status, result.decode(), now)
        conn.execute(self.rules.db.sql("acl_transfer_insert"), values)
        return transfer_id

    def transfer(self, project_id: str, object_id: str, kind: str) -> tuple[str, int, str] | None:
        """``(id, status, result)`` of the object's last export or import; None: there was none.
        An unknown object is ``NotFound``."""
        with self.rules.db.read() as conn:
            self.rules.object_of(conn, project_id, object_id, None)
            found = conn.execute(
                self.rules.db.sql("acl_transfer_get"), (project_id, object_id, kind)
            ).fetchone()
        return None if found is None else (str(found[0]), int(found[1]), str(found[2]))

    def import_(self, project_id: str, firewall_id: str | None, object_id: str, content: bytes) -> str:
        """Add the rules of an exported document at the lowest priority, in its order, each on its
        own: the report says which failed and why (status 3 all added, 5 some, 6 none)."""
        try:
            document = msgspec.json.decode(content, type=_ImportFile)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise BadParameter(f"The imported file is not a rule document: {exc}") from exc
        with self.rules.db.read() as conn:
            fw, _ = self.rules.object_of(conn, project_id, object_id, firewall_id)
        report = []
        for i, item in enumerate(document.rules):
            body = AddRuleAclDto(
                object_id=object_id,
                type=item.type,
                rules=[item.rule()],
            )
            try:
                (row,) = self.rules.add(project_id, fw, body)
                report.append({"index": i, "name": item.name, "id": row.id, "result": "success"})
            except OpenCfwError as exc:
                report.append(
                    {
                        "index": i,
                        "name": item.name,
                        "result": "failed",
                        "error_code": exc.error_code,
                        "error_msg": str(exc),
                    }
                )
        added = sum(1 for r in report if r["result"] == "success")
        status = 3 if added == len(report) else (5 if added else 6)
        with self.rules.db.write() as conn:
            document_report = msgspec.json.encode({"object_id": object_id, "results": report})
            return self._transfer(
                conn, project_id, fw, object_id, "import", status, document_report, self.rules.clock.now_ms()
            )


class _ImportRule(AddRuleAclDtoRules, kw_only=True):
    """A rule of an exported document: a create body's rule with its ``type``, no ``sequence``."""

    type: Literal[0, 1, 2]
    sequence: OrderRuleAclDto | None = None  # type: ignore[assignment]

    def rule(self) -> AddRuleAclDtoRules:
        fields = {
            name: getattr(self, name) for name in AddRuleAclDtoRules.__struct_fields__ if name != "sequence"
        }
        return AddRuleAclDtoRules(**fields, sequence=OrderRuleAclDto(bottom=1))


class _ImportFile(Struct):
    rules: Annotated[list[_ImportRule], Meta(max_length=decl.RULES_PER_FIREWALL)]
    object_id: str | None = None
