"""The first start: the account, user, project and AK/SK pair it creates (once, under a lock,
whatever the number of processes starting), the master key's check, the admin token. A mixin of
``credentials.Credentials`` (moved from there unchanged)."""

from __future__ import annotations

import dataclasses
import secrets
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from opencfw.domain.accounts import AccessKey, Domain, Project, User
from opencfw.domain.clock import Clock
from opencfw.service.key_admin import new_access_key, new_secret_key
from opencfw.service.secrets import SecretBox, WeakMasterKey, hash_password, verify_password
from opencfw.store.base import Store


@dataclass(frozen=True, slots=True)
class BootstrapSpec:
    """What the first start creates; ``None`` fields are generated."""

    domain: str
    user: str
    password: str | None
    region: str
    project_id: str | None
    access_key: str | None
    secret_key: str | None
    #: OPENCFW_ADMIN_TOKEN; None: the one kept in the store, or a new one
    admin_token: str | None = None


@dataclass(frozen=True, slots=True)
class BootstrapResult:
    """What a start created or changed, with the generated secrets to print once."""

    created: bool
    domain: str
    user: str
    project_name: str
    project_id: str
    access_key: str | None
    #: generated values only: a value given by the operator is never echoed back
    generated_password: str | None
    generated_secret_key: str | None
    generated_admin_token: str | None = None
    #: the admin credential in force (never printed unless generated)
    admin_token: str = dataclasses.field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class AdminToken:
    value: str
    #: created on this start (to be shown once)
    generated: bool


def admin_token(store: Store, box: SecretBox, given: str | None) -> AdminToken:
    """The admin credential: ``given`` (OPENCFW_ADMIN_TOKEN), else the one kept encrypted in the
    store, else a new one (kept for the next starts)."""
    if given:
        return AdminToken(given, False)
    stored = store.get_meta("admin_token")
    if stored is not None:
        return AdminToken(box.decrypt(stored.encode()), False)
    token = "ocfwadm-" + secrets.token_urlsafe(24)
    store.set_meta("admin_token", box.encrypt(token).decode())
    return AdminToken(token, True)


class FirstStart:
    if TYPE_CHECKING:  # set by Credentials.__init__
        store: Store
        clock: Clock
        box: SecretBox

        def forget_keys(self) -> None: ...

    # -- first start

    def check_master_key(self, weakness: str | None = None) -> bool:
        """Fail fast when the master key cannot read this store's secrets (the first process to
        start records a check value; concurrent first starts agree on one). A new store is refused
        a weak key (``weakness`` says why it is weak); a store already made with one still opens,
        or its secrets would be lost. Returns whether this store was made with the key just now."""
        with self.store.exclusive() as store:
            stored = store.get_meta("master_key_check")
            if stored is None:
                if weakness is not None:
                    raise WeakMasterKey(weakness)
                store.set_meta("master_key_check", self.box.check_value())
                return True
        self.box.verify_check_value(stored)
        return False

    def bootstrap(self, spec: BootstrapSpec) -> BootstrapResult:
        """Create the first account on an empty store; on later starts, make sure the values that
        the operator fixed (project id, AK/SK, password) exist as given.

        One transaction under the store's exclusive lock: any number of processes may start at
        once, exactly one creates the account (and the admin token) and gets the generated secrets
        to show; the others find it made. Password hashing is slow, so a new user's hash is made
        before the lock is taken."""
        now = self.clock.now_ms()
        generated_password = generated_sk = None
        prepared: str | None = None
        domain = self.store.get_domain_by_name(spec.domain)
        if domain is None or self.store.get_user(domain.id, spec.user) is None:
            password = spec.password if spec.password is not None else secrets.token_urlsafe(12)
            prepared = hash_password(password)
        with self.store.exclusive() as store:
            created = store.is_empty()
            domain = store.get_domain_by_name(spec.domain)
            if domain is None:
                domain = Domain(uuid.uuid4().hex, spec.domain)
                store.add_domain(domain, now)
            user = store.get_user(domain.id, spec.user)
            if user is None:
                if prepared is None:  # the user went away since the look before the lock
                    password = spec.password if spec.password is not None else secrets.token_urlsafe(12)
                    prepared = hash_password(password)
                if spec.password is None:
                    generated_password = password
                user = User(uuid.uuid4().hex, spec.user, domain.id, prepared)
                store.add_user(user, now)
            elif spec.password is not None and not verify_password(spec.password, user.password_hash):
                store.set_password_hash(user.id, hash_password(spec.password))

            project: Project | None = None
            if spec.project_id is not None:
                project = store.get_project(spec.project_id)
                if project is not None and project.domain_id != domain.id:
                    raise ValueError(f"project {spec.project_id} belongs to another account")
            else:
                found = store.list_projects(domain.id, spec.region)
                project = found[0] if found else None
            if project is None:
                project = Project(spec.project_id or uuid.uuid4().hex, spec.region, domain.id)
                store.add_project(project, now)

            access_key = spec.access_key
            if access_key is not None:
                secret = spec.secret_key
                existing = store.get_access_key(access_key)
                if secret is None:
                    if existing is None:
                        secret = generated_sk = new_secret_key()
                elif existing is not None and self.box.decrypt(existing.secret_enc) == secret:
                    secret = None  # already as given
                if secret is not None:
                    store.put_access_key(
                        AccessKey(access_key, user.id, domain.id, self.box.encrypt(secret), True), now
                    )
            elif created:
                access_key = new_access_key()
                generated_sk = new_secret_key()
                store.put_access_key(
                    AccessKey(access_key, user.id, domain.id, self.box.encrypt(generated_sk), True), now
                )
            admin = admin_token(store, self.box, spec.admin_token)
        return BootstrapResult(
            created=created,
            domain=domain.name,
            user=user.name,
            project_name=project.name,
            project_id=project.id,
            access_key=access_key,
            generated_password=generated_password,
            generated_secret_key=generated_sk,
            generated_admin_token=admin.value if admin.generated else None,
            admin_token=admin.value,
        )
