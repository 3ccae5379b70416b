"""The accounts in SQL: domains, projects, users, access keys. A mixin of ``sql_store.SqlStore``
(its statements are in ``sql_store.SQL``; moved here unchanged)."""

from __future__ import annotations

from opencfw.domain.accounts import AccessKey, Domain, Project, User
from opencfw.store.sql_mixin import SqlMixin


class AccountsSql(SqlMixin):
    # -- accounts

    def is_empty(self) -> bool:
        return self._one("SELECT 1 FROM domains LIMIT 1", ()) is None

    def add_domain(self, domain: Domain, now_ms: int) -> None:
        with self._write() as conn:
            conn.execute(self._q("INSERT INTO domains VALUES (?, ?, ?)"), (domain.id, domain.name, now_ms))

    def get_domain_by_name(self, name: str) -> Domain | None:
        row = self._one(self._q("SELECT id, name FROM domains WHERE name = ?"), (name,))
        return None if row is None else Domain(*row)

    def get_domain(self, domain_id: str) -> Domain | None:
        row = self._one(self._q("SELECT id, name FROM domains WHERE id = ?"), (domain_id,))
        return None if row is None else Domain(*row)

    def add_project(self, project: Project, now_ms: int) -> None:
        with self._write() as conn:
            conn.execute(
                self._q("INSERT INTO projects VALUES (?, ?, ?, ?)"),
                (project.id, project.name, project.domain_id, now_ms),
            )

    def get_project(self, project_id: str) -> Project | None:
        row = self._one(self._q("SELECT id, name, domain_id FROM projects WHERE id = ?"), (project_id,))
        return None if row is None else Project(*row)

    def list_projects(self, domain_id: str, name: str | None) -> list[Project]:
        sql = "SELECT id, name, domain_id FROM projects WHERE domain_id = ?"
        params: tuple[str, ...] = (domain_id,)
        if name is not None:
            sql += " AND name = ?"
            params = (domain_id, name)
        with self._read() as conn:
            rows = conn.execute(self._q(sql + " ORDER BY created_ms, id"), params).fetchall()
        return [Project(*row) for row in rows]

    def add_user(self, user: User, now_ms: int) -> None:
        with self._write() as conn:
            conn.execute(
                self._q("INSERT INTO users VALUES (?, ?, ?, ?, ?)"),
                (user.id, user.domain_id, user.name, user.password_hash, now_ms),
            )

    def get_user(self, domain_id: str, name: str) -> User | None:
        row = self._one(
            self._q("SELECT id, name, domain_id, password_hash FROM users WHERE domain_id = ? AND name = ?"),
            (domain_id, name),
        )
        return None if row is None else User(*row)

    def get_user_by_id(self, user_id: str) -> User | None:
        row = self._one(
            self._q("SELECT id, name, domain_id, password_hash FROM users WHERE id = ?"), (user_id,)
        )
        return None if row is None else User(*row)

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        with self._write() as conn:
            conn.execute(self._q("UPDATE users SET password_hash = ? WHERE id = ?"), (password_hash, user_id))

    def put_access_key(self, key: AccessKey, now_ms: int) -> None:
        with self._write() as conn:
            conn.execute(
                self.sql["upsert_access_key"],
                (key.access_key, key.user_id, key.secret_enc, "active" if key.active else "revoked", now_ms),
            )

    def get_access_key(self, access_key: str) -> AccessKey | None:
        row = self._one(
            self._q(
                "SELECT k.access_key, k.user_id, u.domain_id, k.secret_enc, k.status "
                "FROM access_keys k JOIN users u ON u.id = k.user_id WHERE k.access_key = ?"
            ),
            (access_key,),
        )
        if row is None:
            return None
        return AccessKey(row[0], row[1], row[2], bytes(row[3]), row[4] == "active")
