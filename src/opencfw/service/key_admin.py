"""Key administration: AK/SK pairs made and revoked by the `opencfw credentials` commands. A mixin of
``credentials.Credentials`` (moved from there unchanged)."""

from __future__ import annotations

import dataclasses
import secrets
import string
import uuid
from typing import TYPE_CHECKING

from opencfw.domain.accounts import AccessKey, Project
from opencfw.domain.clock import Clock
from opencfw.service.secrets import SecretBox
from opencfw.store.base import Store

_AK_ALPHABET = string.ascii_uppercase + string.digits
_SK_ALPHABET = string.ascii_letters + string.digits


def new_access_key() -> str:
    return "".join(secrets.choice(_AK_ALPHABET) for _ in range(20))


def new_secret_key() -> str:
    return "".join(secrets.choice(_SK_ALPHABET) for _ in range(40))


class KeyAdministration:
    if TYPE_CHECKING:  # set by Credentials.__init__
        store: Store
        clock: Clock
        box: SecretBox

        def forget_keys(self) -> None: ...

    # -- key management (the `opencfw credentials` commands)

    def create_access_key(
        self, *, domain_name: str, user_name: str, project_id: str | None, project_name: str | None
    ) -> tuple[str, str, Project | None]:
        """A new AK/SK pair for an existing user, and optionally a new project in its account.
        Returns ``(access key, secret key, new project)``; the secret exists in clear only here."""
        domain = self.store.get_domain_by_name(domain_name)
        user = self.store.get_user(domain.id, user_name) if domain else None
        if domain is None or user is None:
            raise ValueError(f"no user {user_name!r} in account {domain_name!r}")
        project = None
        if project_id is not None or project_name is not None:
            if project_id is not None and self.store.get_project(project_id) is not None:
                raise ValueError(f"project {project_id} exists already")
            project = Project(
                project_id or uuid.uuid4().hex, project_name or project_id or "project", domain.id
            )
            self.store.add_project(project, self.clock.now_ms())
        access_key, secret_key = new_access_key(), new_secret_key()
        self.store.put_access_key(
            AccessKey(access_key, user.id, domain.id, self.box.encrypt(secret_key), True), self.clock.now_ms()
        )
        return access_key, secret_key, project

    def revoke_access_key(self, access_key: str) -> bool:
        """Mark a key revoked (every process refuses it within KEY_CACHE_MS). False if unknown."""
        key = self.store.get_access_key(access_key)
        if key is None:
            return False
        self.store.put_access_key(dataclasses.replace(key, active=False), self.clock.now_ms())
        self.forget_keys()
        return True
