"""Request bodies and query parameters: decoding, validation, and the error that names the field."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, TypeVar

import msgspec
from msgspec import Meta, Struct

from opencfw.domain.errors import BadParameter

#: a firewall name: Chinese (CJK unified ideographs) and English letters, digits, `_` and `-`,
#: 1-48 characters (SDK UpdateFirewallNameDto; docs/api-notes.md). `\Z`, not `$`, which also
#: matches before a final newline.
NAME = re.compile(r"[\u4e00-\u9fffA-Za-z0-9_-]{1,48}\Z")
NAME_RULE = "1-48 characters: Chinese or English letters, digits, '_' or '-'"
PROJECT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: ids in paths and queries: printable, no separators, bounded
RESOURCE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: X-Client-Token / Idempotency-Key values
CLIENT_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

# checked by check_name: msgspec's own pattern error would show the regular expression to the client
Name = str
ShortText = Annotated[str, Meta(max_length=255)]


class TagIn(Struct, forbid_unknown_fields=False):
    key: Annotated[str, Meta(min_length=1, max_length=128)]
    value: Annotated[str, Meta(max_length=255)] = ""


class TagFilterIn(Struct, forbid_unknown_fields=False):
    """A ListFirewallList tag filter: the documented ``{key, values: [...]}`` (SDK TagInfo), or
    ``{key, value}`` as the tags themselves are written."""

    key: Annotated[str, Meta(min_length=1, max_length=128)]
    value: Annotated[str, Meta(max_length=255)] | None = None
    values: Annotated[list[Annotated[str, Meta(max_length=255)]], Meta(max_length=20)] | None = None


class FlavorIn(Struct):
    version: Annotated[str, Meta(max_length=32)]
    extend_eip_count: Annotated[int, Meta(ge=0, le=2000)] | None = None
    extend_bandwidth: Annotated[int, Meta(ge=0, le=5000, multiple_of=5)] | None = None
    extend_vpc_count: Annotated[int, Meta(ge=0, le=100)] | None = None


class ChargeInfoIn(Struct):
    charge_mode: Annotated[str, Meta(max_length=32)]
    period_type: Annotated[str, Meta(max_length=32)] | None = None
    period_num: Annotated[int, Meta(ge=1, le=100)] | None = None
    # Terraform sends is_auto_renew as the string "true"/"false"
    is_auto_renew: bool | Annotated[str, Meta(max_length=8)] | None = None
    is_auto_pay: bool | Annotated[str, Meta(max_length=8)] | None = None


class CreateFirewallIn(Struct):
    name: Name
    flavor: FlavorIn
    charge_info: ChargeInfoIn
    enterprise_project_id: Annotated[str, Meta(min_length=1, max_length=64)] | None = None
    tags: Annotated[list[TagIn], Meta(max_length=20)] | None = None


class ListFirewallsIn(Struct):
    limit: Annotated[int, Meta(ge=1, le=1024)]
    # bounded like ListFirewallDetail's offset: the store cannot page past a 64-bit integer
    offset: Annotated[int, Meta(ge=0, le=2**31 - 1)]
    key_word: ShortText | None = None
    enterprise_project_id: Annotated[str, Meta(max_length=64)] | None = None
    tags: Annotated[list[TagFilterIn], Meta(max_length=20)] | None = None


class RenameFirewallIn(Struct):
    fw_instance_name: Name


# -- IAM (Keystone v3 password authentication)


class DomainRef(Struct):
    name: ShortText | None = None
    id: ShortText | None = None


class UserRef(Struct):
    name: ShortText
    password: Annotated[str, Meta(max_length=1024)]
    domain: DomainRef


class PasswordIdentity(Struct):
    user: UserRef


class Identity(Struct):
    methods: list[ShortText]
    password: PasswordIdentity | None = None


class ProjectRef(Struct):
    id: ShortText | None = None
    name: ShortText | None = None
    domain: DomainRef | None = None


class Scope(Struct):
    project: ProjectRef | None = None
    domain: DomainRef | None = None


class AuthIn(Struct):
    identity: Identity
    scope: Scope | None = None


class TokenRequestIn(Struct):
    auth: AuthIn


# -- IAM temporary access keys (POST /v3.0/OS-CREDENTIAL/securitytokens)


class TokenIdentity(Struct):
    id: Annotated[str, Meta(max_length=16384)] | None = None
    # documented as an integer; the documented example sends the string "900"
    duration_seconds: int | Annotated[str, Meta(max_length=16)] | None = None


class SecurityTokenIdentity(Struct):
    methods: Annotated[list[ShortText], Meta(max_length=8)]
    token: TokenIdentity | None = None


class SecurityTokenAuth(Struct):
    identity: SecurityTokenIdentity


class SecurityTokenIn(Struct):
    auth: SecurityTokenAuth


T = TypeVar("T")
#: a JSON escape of NUL (not preceded by an escaped backslash)
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_decoders: dict[type, msgspec.json.Decoder[Any]] = {}


def _nul_field(body: bytes) -> str | None:
    """The dotted name of the first field whose key or text holds NUL, if the body is JSON."""

    def walk(value: Any, path: str) -> str | None:
        if isinstance(value, str):
            return path if "\x00" in value else None
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, item in items:
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and "\x00" in key:
                return name
            found = walk(item, name)
            if found:
                return found
        return None

    try:
        return walk(json.loads(body), "")
    except (ValueError, RecursionError):
        return None


def decode_body(body: bytes, kind: type[T]) -> T:
    """Decode and validate a JSON body; any problem is a 400 naming the field."""
    decoder = _decoders.get(kind)
    if decoder is None:
        decoder = _decoders[kind] = msgspec.json.Decoder(kind)
    if not body.strip():
        raise BadParameter("The request body is empty; a JSON object is required")
    if b"\\u0000" in body and _JSON_NUL.search(body):
        # PostgreSQL cannot store or compare text with NUL in it: refused alike on both stores
        where = _nul_field(body)
        raise BadParameter(
            f"Invalid request body: {f'`{where}`' if where else 'text'} must not contain the NUL "
            "character (\\u0000)"
        )
    try:
        result: T = decoder.decode(body)
        # msgspec keeps the last of repeated keys silently; a body that says two things is refused
        json.loads(body, object_pairs_hook=_refuse_duplicate_keys)
    except msgspec.ValidationError as exc:
        raise BadParameter(f"Invalid request body: {_in_words(str(exc))}") from exc
    except (msgspec.DecodeError, ValueError) as exc:  # ValueError: bad JSON or bad UTF-8 for json
        raise BadParameter(f"The request body is not valid JSON: {exc}") from exc
    except RecursionError as exc:  # from either decoder, on absurd nesting
        raise BadParameter("The request body is not valid JSON: it is nested too deeply") from exc
    return result


#: what the patterns of request fields mean, for error messages (never a regular expression)
_PATTERN_WORDS = {
    r"^[A-Za-z0-9_-]{1,64}\Z": "1-64 letters, digits, '_' or '-'",
    "^(success|failed)$": "success or failed",
    "^[A-Za-z]{1,10}$": "an HTTP method name",
}
_REGEX_IN_MESSAGE = re.compile(r"matching regex '((?:[^'\\]|\\.)*)'")


def _in_words(message: str) -> str:
    """msgspec's message with any regular expression replaced by what it means."""

    def words(found: re.Match[str]) -> str:
        pattern = found[1].encode().decode("unicode_escape")
        return "that is " + _PATTERN_WORDS.get(pattern, "in the documented format")

    return _REGEX_IN_MESSAGE.sub(words, message)


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        repeated = next(key for key in keys if keys.count(key) > 1)
        raise BadParameter(f"The request body is not valid JSON: the key {repeated[:64]!r} appears twice")
    return dict(pairs)


def check_name(value: str, field: str) -> str:
    """A firewall name as the API documents it; the error names the field and the rule."""
    if not NAME.match(value):
        raise BadParameter(f"Invalid request body: `{field}` must be {NAME_RULE}, got {value[:64]!r}")
    return value


def as_bool(value: bool | str | None, field: str) -> bool:
    """A boolean sent as a JSON boolean or as the string "true"/"false" (any case)."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise BadParameter(f"Invalid request body: `{field}` must be true or false, got {value!r}")


def query_int(query: dict[str, str], name: str, *, low: int, high: int, required: bool = True) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        if required:
            raise BadParameter(f"The query parameter `{name}` is required")
        return None
    if not re.fullmatch(r"-?[0-9]{1,10}", raw):  # not \d, which also matches non-ASCII digits
        raise BadParameter(f"The query parameter `{name}` must be an integer, got {raw[:32]!r}")
    value = int(raw)
    if not low <= value <= high:
        raise BadParameter(f"The query parameter `{name}` must be between {low} and {high}, got {value}")
    return value


def query_text(query: dict[str, str], name: str, *, pattern: re.Pattern[str] | None = None) -> str | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    if len(raw) > 255 or "\x00" in raw or (pattern is not None and not pattern.fullmatch(raw)):
        raise BadParameter(f"The query parameter `{name}` is not valid: {raw[:64]!r}")
    return raw


def path_id(value: str, name: str) -> str:
    if not RESOURCE_ID.fullmatch(value):
        raise BadParameter(f"The path parameter `{name}` is not valid: {value[:64]!r}")
    return value
