"""Typed settings, read once at the edge (CLI or app factory) from OPENCFW_* and flags."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from opencfw.domain.durations import parse_seconds

DEFAULT_PORT = 9449


class ConfigError(ValueError):
    """A setting has a value that cannot be used; the message names the setting."""


class Secret:
    """A string that never shows itself in a repr, a log line or a traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def default_data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    base = environ.get("XDG_DATA_HOME") or str(Path(environ.get("HOME") or Path.home()) / ".local" / "share")
    return Path(base) / "opencfw"


def _duration_seconds(text: str, name: str) -> float:
    try:
        return parse_seconds(text)
    except ValueError:
        raise ConfigError(
            f"{name} must be a non-negative duration such as 3, 1.5s or 2m, got {text!r}"
        ) from None


def _choice(text: str, name: str, choices: tuple[str, ...]) -> str:
    value = text.strip().lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {text!r}")
    return value


def _port(text: str, name: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{name} must be a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise ConfigError(f"{name} must be between 0 and 65535, got {value}")
    return value


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _bool(text: str, name: str) -> bool:
    """Booleans from an explicit vocabulary: "false" means false."""
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, got {text!r}")


def _database_url(text: str, name: str) -> Secret:
    value = _text(text, name)
    if not value.startswith(("postgresql://", "postgres://")):
        raise ConfigError(
            f"{name} must be a postgresql:// URL (leave it unset for the embedded SQLite store)"
        )
    return Secret(value)


def _fraction(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"{name} must be a number from 0 to 1, got {text!r}")
    return value


def _integer(text: str, name: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {text!r}") from None


def _count(text: str, name: str, low: int) -> int:
    value = _integer(text, name)
    if value < low:
        raise ConfigError(f"{name} must be at least {low}, got {value}")
    return value


def _bounded(text: str, name: str, low: int, high: int) -> int:
    value = _count(text, name, low)
    if value > high:
        raise ConfigError(f"{name} must be at most {high}, got {value}")
    return value


def _access_key(text: str, name: str) -> str:
    value = _text(text, name)
    # the shape the API accepts in a signature (service/credentials.py ACCESS_KEY_SHAPE)
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,128}", value, re.ASCII):
        raise ConfigError(f"{name} must be 1 to 128 letters, digits, '.', '_' or '-'")
    return value


def _text(text: str, name: str) -> str:
    if not text.strip():
        raise ConfigError(f"{name} must not be empty")
    return text.strip()


def _forwarded_allow_ips(text: str, name: str) -> str:
    """Addresses or networks whose X-Forwarded-For is believed, comma-separated; ``*`` all, ``none`` none."""
    import ipaddress

    value = _text(text, name).replace(" ", "")
    if value in ("*", "none"):
        return value
    for item in value.split(","):
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ConfigError(
                f"{name} must be addresses or networks separated by commas, * or none, got {item!r}"
            ) from None
    return value


@dataclass(frozen=True)
class Settings:
    """Every setting, with its OPENCFW_* variable in the field's metadata."""

    host: str = field(default="127.0.0.1", metadata={"env": "OPENCFW_HOST", "parse": _text})
    port: int = field(default=DEFAULT_PORT, metadata={"env": "OPENCFW_PORT", "parse": _port})
    data_dir: Path = field(
        default_factory=default_data_dir,
        metadata={"env": "OPENCFW_DATA_DIR", "parse": lambda t, n: Path(_text(t, n)).expanduser()},
    )
    database_url: Secret | None = field(
        default=None, metadata={"env": "OPENCFW_DATABASE_URL", "parse": _database_url}
    )
    run_worker: bool = field(default=True, metadata={"env": "OPENCFW_RUN_WORKER", "parse": _bool})
    migrate: bool = field(default=True, metadata={"env": "OPENCFW_MIGRATE", "parse": _bool})
    region: str = field(default="cn-north-4", metadata={"env": "OPENCFW_REGION", "parse": _text})
    domain: str = field(default="opencfw", metadata={"env": "OPENCFW_DOMAIN", "parse": _text})
    user: str = field(default="admin", metadata={"env": "OPENCFW_USER", "parse": _text})
    password: Secret | None = field(
        default=None, metadata={"env": "OPENCFW_PASSWORD", "parse": lambda t, n: Secret(_text(t, n))}
    )
    project_id: str | None = field(default=None, metadata={"env": "OPENCFW_PROJECT_ID", "parse": _text})
    access_key: str | None = field(default=None, metadata={"env": "OPENCFW_ACCESS_KEY", "parse": _access_key})
    secret_key: Secret | None = field(
        default=None, metadata={"env": "OPENCFW_SECRET_KEY", "parse": lambda t, n: Secret(_text(t, n))}
    )
    master_key: Secret | None = field(
        default=None, metadata={"env": "OPENCFW_MASTER_KEY", "parse": lambda t, n: Secret(_text(t, n))}
    )
    provision_seconds: float = field(
        default=3.0, metadata={"env": "OPENCFW_PROVISION_SECONDS", "parse": _duration_seconds}
    )
    provision_outcome: str = field(
        default="success",
        metadata={
            "env": "OPENCFW_PROVISION_OUTCOME",
            "parse": lambda t, n: _choice(t, n, ("success", "failed")),
        },
    )
    delete_outcome: str = field(
        default="success",
        metadata={
            "env": "OPENCFW_DELETE_OUTCOME",
            "parse": lambda t, n: _choice(t, n, ("success", "failed")),
        },
    )
    #: the EIPs a new project starts with (the inventory opencfw keeps in place of the EIP service)
    eip_count: int = field(
        default=4, metadata={"env": "OPENCFW_EIP_COUNT", "parse": lambda t, n: _bounded(t, n, 0, 1024)}
    )
    job_time_format: str = field(
        default="iso8601",
        metadata={
            "env": "OPENCFW_JOB_TIME_FORMAT",
            "parse": lambda t, n: _choice(t, n, ("iso8601", "epoch_ms")),
        },
    )
    token_ttl: float = field(
        default=86400.0, metadata={"env": "OPENCFW_TOKEN_TTL", "parse": _duration_seconds}
    )
    poll_interval: float = field(
        default=1.0, metadata={"env": "OPENCFW_POLL_INTERVAL", "parse": _duration_seconds}
    )
    clock: str = field(
        default="system",
        metadata={"env": "OPENCFW_CLOCK", "parse": lambda t, n: _choice(t, n, ("system", "manual"))},
    )
    failure_rate: float = field(default=0.0, metadata={"env": "OPENCFW_FAILURE_RATE", "parse": _fraction})
    failure_seed: int | None = field(
        default=None, metadata={"env": "OPENCFW_FAILURE_SEED", "parse": _integer}
    )
    job_retention: float = field(
        default=30 * 86400.0, metadata={"env": "OPENCFW_JOB_RETENTION", "parse": _duration_seconds}
    )
    admin_token: Secret | None = field(
        default=None, metadata={"env": "OPENCFW_ADMIN_TOKEN", "parse": lambda t, n: Secret(_text(t, n))}
    )
    lease_seconds: float = field(
        default=15.0, metadata={"env": "OPENCFW_LEASE_SECONDS", "parse": _duration_seconds}
    )
    log_level: str = field(
        default="info",
        metadata={
            "env": "OPENCFW_LOG_LEVEL",
            "parse": lambda t, n: _choice(t, n, ("debug", "info", "warning", "error")),
        },
    )
    log_format: str = field(
        default="auto",
        metadata={
            "env": "OPENCFW_LOG_FORMAT",
            "parse": lambda t, n: _choice(t, n, ("auto", "human", "json")),
        },
    )
    #: ``nftables``: every running firewall is a real packet filter in a network namespace (Linux, root)
    dataplane: str = field(
        default="none",
        metadata={"env": "OPENCFW_DATAPLANE", "parse": lambda t, n: _choice(t, n, ("none", "nftables"))},
    )
    #: what a deny verdict does to a packet: ``drop`` it (as CFW does), or ``reject`` it with an
    #: ICMP "administratively prohibited" (an immediate answer instead of a client timeout)
    dataplane_deny: str = field(
        default="drop",
        metadata={"env": "OPENCFW_DATAPLANE_DENY", "parse": lambda t, n: _choice(t, n, ("drop", "reject"))},
    )
    metrics: bool = field(default=True, metadata={"env": "OPENCFW_METRICS", "parse": _bool})
    metrics_token: Secret | None = field(
        default=None, metadata={"env": "OPENCFW_METRICS_TOKEN", "parse": lambda t, n: Secret(_text(t, n))}
    )
    worker_metrics_port: int | None = field(
        default=None, metadata={"env": "OPENCFW_WORKER_METRICS_PORT", "parse": _port}
    )
    forwarded_allow_ips: str = field(
        default="127.0.0.1,::1",
        metadata={"env": "OPENCFW_FORWARDED_ALLOW_IPS", "parse": _forwarded_allow_ips},
    )
    max_header_bytes: int = field(
        default=64 * 1024,
        metadata={"env": "OPENCFW_MAX_HEADER_BYTES", "parse": lambda t, n: _count(t, n, 1024)},
    )
    max_header_lines: int = field(
        default=100, metadata={"env": "OPENCFW_MAX_HEADER_LINES", "parse": lambda t, n: _count(t, n, 8)}
    )
    header_timeout: float = field(
        default=10.0, metadata={"env": "OPENCFW_HEADER_TIMEOUT", "parse": _duration_seconds}
    )
    body_timeout: float = field(
        default=15.0, metadata={"env": "OPENCFW_BODY_TIMEOUT", "parse": _duration_seconds}
    )
    #: 0: from the process's open-file limit
    max_connections: int = field(
        default=0, metadata={"env": "OPENCFW_MAX_CONNECTIONS", "parse": lambda t, n: _count(t, n, 0)}
    )
    max_body_bytes_in_flight: int = field(
        default=64 * 1024 * 1024,
        metadata={
            "env": "OPENCFW_MAX_BODY_BYTES_IN_FLIGHT",
            "parse": lambda t, n: _count(t, n, 12 * 1024 * 1024),
        },
    )

    @classmethod
    def load(
        cls, environ: Mapping[str, str] = os.environ, config: Path | None = None, **overrides: Any
    ) -> Settings:
        """Defaults, then the configuration file, then OPENCFW_* variables, then ``overrides``
        (flags; None means not given). The file is ``config`` or OPENCFW_CONFIG, when either is set."""
        return cls.resolve(environ, config, **overrides)[0]

    @classmethod
    def resolve(
        cls, environ: Mapping[str, str] = os.environ, config: Path | None = None, **overrides: Any
    ) -> tuple[Settings, dict[str, str]]:
        """The settings and, per field, where its value came from (default, file, environment, flag)."""
        values: dict[str, Any] = {}
        sources = {f.name: "default" for f in fields(cls)}
        path = config if config is not None else _config_path(environ)
        if path is not None:
            for name, (raw, key) in _read_file(path).items():
                f = _FIELDS[name]
                values[name] = f.metadata["parse"](raw, f"{key} in {path}")
                sources[name] = f"file {path}"
        for f in fields(cls):
            env = environ.get(f.metadata["env"])
            if env is not None and env != "":
                values[f.name] = f.metadata["parse"](env, f.metadata["env"])
                sources[f.name] = f"environment {f.metadata['env']}"
        values.setdefault("data_dir", default_data_dir(environ))
        settings = cls(**values)
        # flags go through the same checks as environment and file values (`--port 70000`)
        given = {
            name: _FIELDS[name].metadata["parse"](_as_text(value), flag_name(name))
            for name, value in overrides.items()
            if value is not None
        }
        settings = replace(settings, **given)
        sources.update({k: "flag" for k in given})
        if settings.token_ttl <= 0:
            raise ConfigError("OPENCFW_TOKEN_TTL must be positive")
        if not 0.01 <= settings.poll_interval <= 3600:
            raise ConfigError("OPENCFW_POLL_INTERVAL must be between 10ms and 1h")
        if settings.lease_seconds < 1:
            raise ConfigError("OPENCFW_LEASE_SECONDS must be at least 1 second")
        if settings.header_timeout <= 0 or settings.body_timeout <= 0:
            raise ConfigError("OPENCFW_HEADER_TIMEOUT and OPENCFW_BODY_TIMEOUT must be positive")
        if settings.secret_key is not None and settings.access_key is None:
            raise ConfigError("OPENCFW_SECRET_KEY is set without OPENCFW_ACCESS_KEY")
        return settings, sources

    def shown(self) -> list[tuple[str, str]]:
        """``(file key, value)`` of every setting, secrets masked (for ``opencfw config show``)."""
        out = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                text = "(unset)"
            elif isinstance(value, Secret):
                text = "**********"
            elif isinstance(value, bool):
                text = "true" if value else "false"
            else:
                text = str(value)
            out.append((file_key(f.metadata["env"]), text))
        return out

    @staticmethod
    def variables() -> list[tuple[str, str]]:
        """``(variable, file key)`` pairs, for help texts and docs."""
        return [(f.metadata["env"], file_key(f.metadata["env"])) for f in fields(Settings)]


CONFIG_VARIABLE = "OPENCFW_CONFIG"

#: the flags whose name is not simply the setting's, with dashes
_FLAGS = {"run_worker": "--no-worker", "migrate": "--no-migrate"}


def flag_name(name: str) -> str:
    """The command-line flag of a setting, for messages."""
    return _FLAGS.get(name, "--" + name.replace("_", "-"))


def _as_text(value: Any) -> str:
    """A flag's value as the text its setting's parser reads."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Secret):
        return value.reveal()
    return str(value)


def file_key(variable: str) -> str:
    """The configuration file's key of a setting: its variable without OPENCFW_, lower case."""
    return variable.removeprefix("OPENCFW_").lower()


#: field name by file key, and the fields by name: one set of names, so each field is named as
#: its key in the file (its variable without OPENCFW_, lower case)
_BY_KEY = {file_key(f.metadata["env"]): f.name for f in fields(Settings)}
_FIELDS = {f.name: f for f in fields(Settings)}
if any(key != name for key, name in _BY_KEY.items()):  # pragma: no cover - a programming error
    raise RuntimeError("a Settings field is not named as its configuration file key")


def _config_path(environ: Mapping[str, str]) -> Path | None:
    raw = environ.get(CONFIG_VARIABLE)
    return Path(raw).expanduser() if raw else None


def _read_file(path: Path) -> dict[str, tuple[str, str]]:
    """``{field: (value as text, file key)}`` from a TOML file of ``key = value`` lines."""
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(
            f"{CONFIG_VARIABLE}: cannot read the configuration file {path}: {exc.strerror}"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the configuration file {path} is not valid TOML: {exc}") from None
    out: dict[str, tuple[str, str]] = {}
    for key, value in document.items():
        name = _BY_KEY.get(key)
        if name is None:
            raise ConfigError(f"unknown setting {key!r} in {path}")
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, int | float | str):
            text = str(value)
        else:
            raise ConfigError(f"{key} in {path} must be a string, number or boolean")
        out[name] = (text, key)
    return out
