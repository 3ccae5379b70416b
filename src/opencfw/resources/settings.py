"""Settings of a firewall or of a protected object: one JSON document per ``(kind, key)``, such as
the alarm configuration of an alarm type, the LTS log configuration, the DNS servers, the
anti-virus action of a protocol or the mode of an IPS signature. Stored by declaration (so they go
with their firewall and project like every other row), read and written by ``service.settings``
through the operations declared in ``resources.actions``."""

from __future__ import annotations

from typing import Any

from msgspec import Struct

from opencfw.domain.errors import OpenCfwError
from opencfw.resources.registry import Filter, Resource, Scope


class SettingExists(OpenCfwError):
    """Two writers made the same setting at once: the second one changes it instead."""

    error_code = "CFW.00200009"
    http_status = 400
    default_message = "A request with the same param already exists"


class FirewallSetting(Struct):
    id: str
    project_id: str
    firewall_id: str
    kind: str
    key: str
    doc: str  # JSON
    created_ms: int
    updated_ms: int


class ObjectSetting(Struct):
    id: str
    project_id: str
    firewall_id: str
    object_id: str
    kind: str
    key: str
    doc: str
    created_ms: int
    updated_ms: int


class SettingDto(Struct):
    kind: str
    key: str
    doc: str


class ObjectSettingDto(Struct):
    kind: str
    key: str
    doc: str
    object_id: str | None = None  # the scope's


class SettingQuery(Struct):
    kind: str | None = None
    key: str | None = None


class ObjectSettingQuery(Struct):
    kind: str | None = None
    key: str | None = None
    object_id: str | None = None


def _settings(
    name: str, model: type[Any], body: type[Struct], query: type[Struct], scope: Scope, key: str
) -> Resource[Any]:
    """A table of settings: one document per ``(kind, key)`` of each firewall or object (``key``)."""
    return Resource(
        name=name,
        title=name.replace("_", " "),
        table=f"{name}s",
        model=model,
        create=body,
        update=None,
        query=query,
        record=body,
        scope=scope,
        filters=(Filter("kind"), Filter("key")),
        unique=((key, "kind", "key"),),
        conflict=SettingExists,
        operations=(),
    )


FIREWALL_SETTING = _settings(
    "firewall_setting", FirewallSetting, SettingDto, SettingQuery, Scope.FIREWALL, "firewall_id"
)
OBJECT_SETTING = _settings(
    "object_setting", ObjectSetting, ObjectSettingDto, ObjectSettingQuery, Scope.OBJECT, "object_id"
)
