"""Settings: a TOML file plus ``MODULO_WATCH_<SECTION>_<KEY>`` environment overrides -> one frozen Settings.

Validation is strict and every failure is one ``ConfigError`` line naming the file (or variable), the
dotted key and what was expected: a bad config must never become a traceback or a silently ignored typo.
No textual or rich imports here: the CLI loads settings before the UI is imported.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

import platformdirs

from modulo_watch.collectors.models import SourceName
from modulo_watch.secrets_file import SecretFileError, exposure_warning, looks_like_token, read_secret_file

ENV_PREFIX = "MODULO_WATCH_"
REDACTED = "***"
DEFAULT_ERROR_RATIO_QUERY = (
    'sum(rate(http_requests_total{job="modulo-api",status=~"5.."}[5m]))'
    ' / sum(rate(http_requests_total{job="modulo-api"}[5m]))'
)
DEFAULT_LATENCY_P95_QUERY = (
    'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job="modulo-api"}[5m])))'
)
DEFAULT_LATENCY_P99_QUERY = (
    'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job="modulo-api"}[5m])))'
)
DEFAULT_REQUEST_RATE_QUERY = 'sum(rate(http_requests_total{job="modulo-api"}[5m]))'


class ConfigError(Exception):
    """A bad setting; ``str()`` is one line fit to print after ``modulo-watch:``."""


# --- Settings ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KubernetesSettings:
    kubeconfig: str | None = None
    context: str | None = None  # None: the kubeconfig's current context
    contexts: tuple[str, ...] = ()  # offered by the context switcher; empty: every kubeconfig context
    namespaces: tuple[str, ...] = ()  # empty: all namespaces
    label_selector: str | None = None
    interval: float = 2.0
    # Captured from the environment at load time, so `configured` needs no env argument.
    in_cluster: bool = field(default=False, repr=False)
    env_kubeconfig: str | None = field(default=None, repr=False)
    home: str | None = field(default=None, repr=False)

    @property
    def configured(self) -> bool:
        # An explicit but missing kubeconfig counts: the collector's "file not found" says more than a hint.
        if self.kubeconfig or self.env_kubeconfig or self.in_cluster:
            return True
        return self.home is not None and (Path(self.home) / ".kube" / "config").is_file()


@dataclass(frozen=True, slots=True)
class PostgresSettings:
    dsn: str | None = None
    interval: float = 2.0
    statement_timeout_ms: int = 500
    libpq_env: bool = field(default=False, repr=False)  # PGHOST, PGSERVICE or PGDATABASE was set

    @property
    def configured(self) -> bool:
        return self.dsn is not None or self.libpq_env


@dataclass(frozen=True, slots=True)
class PrometheusSettings:
    url: str | None = None
    error_ratio_query: str = DEFAULT_ERROR_RATIO_QUERY
    latency_p95_query: str = DEFAULT_LATENCY_P95_QUERY  # seconds
    latency_p99_query: str = DEFAULT_LATENCY_P99_QUERY
    request_rate_query: str = DEFAULT_REQUEST_RATE_QUERY  # requests per second
    interval: float = 15.0

    @property
    def configured(self) -> bool:
        return self.url is not None


@dataclass(frozen=True, slots=True)
class AlertmanagerSettings:
    url: str | None = None
    interval: float = 10.0
    group_by: tuple[str, ...] = ("alertname", "severity")  # the labels the alerts pane groups by
    ack_minutes: float = 15.0  # how long an acknowledgement (a silence) lasts

    @property
    def configured(self) -> bool:
        return self.url is not None


@dataclass(frozen=True, slots=True)
class HealthCheck:
    name: str
    url: str
    timeout: float = 3.0
    expect_status: tuple[int, ...] = ()  # empty: any 2xx; a redirect is ok only when listed here


@dataclass(frozen=True, slots=True)
class HealthSettings:
    checks: tuple[HealthCheck, ...] = ()
    interval: float = 10.0

    @property
    def configured(self) -> bool:
        return bool(self.checks)


@dataclass(frozen=True, slots=True)
class GrafanaDashboard:
    name: str
    uid: str  # the dashboard's uid: its address is <url>/d/<uid>


@dataclass(frozen=True, slots=True)
class GrafanaSettings:
    url: str | None = None
    dashboards: tuple[GrafanaDashboard, ...] = ()


@dataclass(frozen=True, slots=True)
class RunbookSettings:
    path: str | None = None


@dataclass(frozen=True, slots=True)
class UiSettings:
    theme: str = "textual-dark"
    keymap: tuple[tuple[str, str], ...] = ()  # (binding id, keys) pairs, sorted: hashable, unlike a dict
    bell: bool = False

    @property
    def keymap_mapping(self) -> Mapping[str, str]:
        """The keymap in the shape ``App.set_keymap`` takes."""
        return MappingProxyType(dict(self.keymap))


@dataclass(frozen=True, slots=True)
class ActionsSettings:
    enabled: bool = False  # read-only unless the responder opts in


@dataclass(frozen=True, slots=True)
class Secret:
    """A token read from the environment or a file: it never shows itself in a repr, a log or an f-string."""

    value: str = field(repr=False)
    # Where it came from, for --check-config: "MODULO_WATCH_SLACK_BOT_TOKEN" or "file ~/.slack-token".
    origin: str = field(default="", repr=False, compare=False)

    def __repr__(self) -> str:
        return f"Secret({REDACTED})"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class SlackSettings:
    webhook_url: str | None = field(default=None, repr=False)  # a secret: its path carries the token
    bot_token: Secret | None = None  # MODULO_WATCH_SLACK_BOT_TOKEN, or read from bot_token_file
    bot_token_file: str | None = None
    announce_channel: str = "#incidents"  # where a new incident is announced
    api_url: str = "https://slack.com/api"

    @property
    def configured(self) -> bool:
        return self.webhook_url is not None or self.bot_token is not None


@dataclass(frozen=True, slots=True)
class PagerDutySettings:
    api_token: Secret | None = None  # MODULO_WATCH_PAGERDUTY_API_TOKEN, or read from api_token_file
    api_token_file: str | None = None
    routing_key: Secret | None = None  # Events API v2; MODULO_WATCH_PAGERDUTY_ROUTING_KEY or routing_key_file
    routing_key_file: str | None = None
    from_email: str | None = None  # the REST API's required From header: the responder's PagerDuty login
    escalation_policy_id: str | None = None  # whose on-call levels the escalation clock names
    api_url: str = "https://api.pagerduty.com"
    events_url: str = "https://events.pagerduty.com"

    @property
    def configured(self) -> bool:
        return self.api_token is not None or self.routing_key is not None


@dataclass(frozen=True, slots=True)
class StatuspageSettings:
    api_key: Secret | None = None  # MODULO_WATCH_STATUSPAGE_API_KEY, or read from api_key_file
    api_key_file: str | None = None
    page_id: str | None = None
    components: tuple[str, ...] = ()  # component ids marked affected by a new incident
    api_url: str = "https://api.statuspage.io/v1"

    @property
    def configured(self) -> bool:
        return self.api_key is not None and self.page_id is not None


@dataclass(frozen=True, slots=True)
class Settings:
    kubernetes: KubernetesSettings = field(default_factory=KubernetesSettings)
    postgres: PostgresSettings = field(default_factory=PostgresSettings)
    prometheus: PrometheusSettings = field(default_factory=PrometheusSettings)
    alertmanager: AlertmanagerSettings = field(default_factory=AlertmanagerSettings)
    health: HealthSettings = field(default_factory=HealthSettings)
    runbook: RunbookSettings = field(default_factory=RunbookSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    actions: ActionsSettings = field(default_factory=ActionsSettings)
    slack: SlackSettings = field(default_factory=SlackSettings)
    pagerduty: PagerDutySettings = field(default_factory=PagerDutySettings)
    statuspage: StatuspageSettings = field(default_factory=StatuspageSettings)
    grafana: GrafanaSettings = field(default_factory=GrafanaSettings)
    warnings: tuple[str, ...] = ()  # said at start and by --check-config: e.g. a token file others can read
    source_file: Path | None = None  # the file that was read; None when only defaults and env apply


# --- Value kinds: one validator per kind, shared by the file and the environment -------------------------


class _Invalid(ValueError):
    """A value failed validation; the loader adds the file (or variable) and the key."""

    def __init__(self, problem: str, subkey: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.subkey = subkey


def _show(value: object) -> str:
    """A short, one-line, escape-free rendering of a bad value for an error message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | dict):
        return "a list" if isinstance(value, list) else "a table"
    return f"a {type(value).__name__}"  # a TOML date or time


def _expected(what: str, got: object) -> _Invalid:
    return _Invalid(f"expected {what}, got {_show(got)}")


def _key_label(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _expected("a non-empty string", value)
    return value


def _optional_text(value: object) -> str | None:
    return None if value is None else _text(value)


def _url(value: object) -> str:
    if not isinstance(value, str) or not is_http_url(value):
        raise _expected("an http:// or https:// URL", redact_url(value) if isinstance(value, str) else value)
    return value


def is_http_url(value: str) -> bool:
    """An http(s) URL with a host and, if any, a valid port."""
    try:
        parts = urlsplit(value)
        _ = parts.port  # "http://[oops" fails in urlsplit, "http://host:99999" only here: both now, not later
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _optional_url(value: object) -> str | None:
    return None if value is None else _url(value)


def _webhook_url(value: object) -> str | None:
    """An optional URL like the others, but a rejected one shows no path: a webhook's path is its token."""
    if value is None:
        return None
    try:
        return _url(value)
    except ValueError:  # also urlsplit's own, e.g. for "https://[oops"
        raise _expected(
            "an http:// or https:// URL", redact_webhook_url(value) if isinstance(value, str) else value
        ) from None


def _slack_channel(value: object) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"#[a-z0-9_-]{1,80}", value):
        raise _expected('a Slack channel like "#incidents" (lowercase letters, digits, - and _)', value)
    return value


def _optional_email(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s.]+", value):
        raise _expected("an email address like oncall@example.com", value)
    return value


_API_ID = re.compile(r"[A-Za-z0-9]{1,64}")  # PagerDuty's "PABC123", Statuspage's "kctbh9vrtdwd"


def _optional_api_id(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _API_ID.fullmatch(value):
        raise _expected("an id of letters and digits", value)
    return value


def _api_ids(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _expected("a list of ids", value)
    for index, item in enumerate(value):
        if not isinstance(item, str) or not _API_ID.fullmatch(item):
            raise _Invalid(f"expected an id of letters and digits, got {_show(item)}", f"[{index}]")
        if item in value[:index]:
            raise _Invalid(f"duplicate id {_show(item)}", f"[{index}]")
    return tuple(value)


def _seconds(value: object) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise _expected("a positive number of seconds", value)
    return float(value)


def _minutes(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 7 * 24 * 60:
        raise _expected("a positive number of minutes, at most a week", value)
    return float(value)


def _milliseconds(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise _expected("a positive whole number of milliseconds", value)
    return value


def _boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise _expected("true or false", value)
    return value


def _names(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise _expected("a list of names", value)
    return tuple(value)


def _unique_names(value: object) -> tuple[str, ...]:
    names = _names(value)
    for index, name in enumerate(names):
        if name in names[:index]:
            raise _Invalid(f"duplicate name {_show(name)}", f"[{index}]")
    return names


def _nested(prefix: str, convert: Callable[[object], Any], value: object) -> Any:
    """Run ``convert``, prefixing the key path of any error with ``prefix``."""
    try:
        return convert(value)
    except _Invalid as err:
        raise _Invalid(err.problem, f"{prefix}{err.subkey}") from None


def _health_check(index: int, value: object) -> HealthCheck:
    where = f"[{index}]"
    if not isinstance(value, dict):
        raise _Invalid(f"expected a table with name and url, got {_show(value)}", where)
    _reject_unknown(value, ("name", "url", "timeout", "expect_status"), where)
    for required in ("name", "url"):
        if required not in value:
            raise _Invalid(f"missing {required}", where)
    return HealthCheck(
        name=_nested(f"{where}.name", _text, value["name"]),
        url=_nested(f"{where}.url", _url, value["url"]),
        timeout=_nested(f"{where}.timeout", _seconds, value.get("timeout", 3.0)),
        expect_status=_nested(f"{where}.expect_status", _status_codes, value.get("expect_status", [])),
    )


def _dashboards(value: object) -> tuple[GrafanaDashboard, ...]:
    if not isinstance(value, list):
        raise _expected("a list of [[grafana.dashboards]] tables", value)
    dashboards = []
    for index, item in enumerate(value):
        where = f"[{index}]"
        if not isinstance(item, dict):
            raise _Invalid(f"expected a table with name and uid, got {_show(item)}", where)
        _reject_unknown(item, ("name", "uid"), where)
        for required in ("name", "uid"):
            if required not in item:
                raise _Invalid(f"missing {required}", where)
        uid = _nested(f"{where}.uid", _text, item["uid"])
        if not re.fullmatch(r"[A-Za-z0-9_-]+", uid):  # Grafana's own uids: nothing that could leave the path
            raise _Invalid(
                f"expected a dashboard uid (letters, digits, - and _), got {_show(uid)}", f"{where}.uid"
            )
        dashboards.append(GrafanaDashboard(_nested(f"{where}.name", _text, item["name"]), uid))
    return tuple(dashboards)


def _status_codes(value: object) -> tuple[int, ...]:
    codes = value if isinstance(value, list) else [value]
    if not all(isinstance(code, int) and not isinstance(code, bool) and 100 <= code <= 599 for code in codes):
        raise _expected("an HTTP status (100-599) or a list of them", value)
    return tuple(codes)


def _health_checks(value: object) -> tuple[HealthCheck, ...]:
    if not isinstance(value, list):
        raise _expected("a list of [[health.checks]] tables", value)
    checks = tuple(_health_check(index, item) for index, item in enumerate(value))
    names = [check.name for check in checks]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise _Invalid(f"duplicate name {_show(name)}", f"[{index}].name")
    return checks


_KEYS = re.compile(r"\s*[^\s,]+\s*(,\s*[^\s,]+\s*)*")


def _keymap(value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise _expected('a table of binding-id = "keys"', value)
    for binding, keys in value.items():
        if not isinstance(keys, str) or not _KEYS.fullmatch(keys):
            raise _Invalid(
                f'expected a string of keys like "ctrl+r" or "f5,r", got {_show(keys)}',
                f".{_key_label(binding)}",
            )
    return tuple(sorted(value.items()))


def _env_number(text: str) -> object:
    for parse in (int, float):
        try:
            return parse(text)
        except ValueError:
            pass
    return text


_ENV_BOOLS = dict.fromkeys(("true", "yes", "on", "1"), True) | dict.fromkeys(
    ("false", "no", "off", "0"), False
)


def _env_bool(text: str) -> object:
    return _ENV_BOOLS.get(text.strip().lower(), text)


def _env_names(text: str) -> object:
    return [name.strip() for name in text.split(",") if name.strip()]


def _env_optional(text: str) -> object:
    return text or None  # an empty variable unsets what the file said


@dataclass(frozen=True, slots=True)
class _Kind:
    convert: Callable[[object], Any]
    from_env: Callable[[str], object] | None  # None: too structured for one variable
    redact: Callable[[Any], object] = lambda value: value


def _secret_kind(section: str, key: str, file_key: str) -> _Kind:
    """A token: from its environment variable only. Written in the file, it is refused, and never quoted."""
    name = f"{ENV_PREFIX}{section.upper()}_{key.upper()}"  # env_var(), which is defined further down

    def convert(value: object) -> Secret | None:
        if value is None or isinstance(value, Secret):  # None or Secret: only ever from the environment
            return value
        raise _Invalid(
            f"a token is not read from the config file (its value is not shown here); set {name},"
            f" or {file_key} to a file only you can read"
        )

    def from_env(text: str) -> object:
        token = text.strip()
        if not token:
            return None  # an empty variable: no token from the environment
        if not _TOKEN_TEXT.fullmatch(token):
            raise _Invalid("expected one token: printable ASCII, no spaces (the value is not shown here)")
        return Secret(token, origin=name)

    return _Kind(convert, from_env, _redact_secret)


_TOKEN_TEXT = re.compile(r"[\x21-\x7e]+")


def _redact_secret(secret: Secret | None) -> str | None:
    if secret is None:
        return None
    return f"{REDACTED} (from {secret.origin})" if secret.origin else REDACTED


def _redact_checks(checks: tuple[HealthCheck, ...]) -> list[dict[str, object]]:
    return [_redact_check(check) for check in checks]


def _redact_check(check: HealthCheck) -> dict[str, object]:
    shown: dict[str, object] = {"name": check.name, "url": redact_url(check.url), "timeout": check.timeout}
    if check.expect_status:
        shown["expect_status"] = list(check.expect_status)
    return shown


_TEXT = _Kind(_text, str)
_OPTIONAL_TEXT = _Kind(_optional_text, _env_optional)
_DSN = _Kind(_optional_text, _env_optional, lambda dsn: None if dsn is None else redact_dsn(dsn))
_URL = _Kind(_optional_url, _env_optional, lambda url: None if url is None else redact_url(url))
_WEBHOOK_URL = _Kind(
    _webhook_url, _env_optional, lambda url: None if url is None else redact_webhook_url(url)
)
# A URL with a default: an empty variable is refused, not unset.
_API_URL = _Kind(_url, str, lambda url: redact_url(url))
_API_ID_KIND = _Kind(_optional_api_id, _env_optional)
_SECONDS = _Kind(_seconds, _env_number)
_BOOL = _Kind(_boolean, _env_bool)

_SCHEMA: dict[str, dict[str, _Kind]] = {
    "kubernetes": {
        "kubeconfig": _OPTIONAL_TEXT,
        "context": _OPTIONAL_TEXT,
        "contexts": _Kind(_unique_names, _env_names),
        "namespaces": _Kind(_names, _env_names),
        "label_selector": _OPTIONAL_TEXT,
        "interval": _SECONDS,
    },
    "postgres": {
        "dsn": _DSN,
        "interval": _SECONDS,
        "statement_timeout_ms": _Kind(_milliseconds, _env_number),
    },
    "prometheus": {
        "url": _URL,
        "error_ratio_query": _TEXT,
        "latency_p95_query": _TEXT,
        "latency_p99_query": _TEXT,
        "request_rate_query": _TEXT,
        "interval": _SECONDS,
    },
    "alertmanager": {
        "url": _URL,
        "interval": _SECONDS,
        "group_by": _Kind(_unique_names, _env_names),
        "ack_minutes": _Kind(_minutes, _env_number),
    },
    "health": {"interval": _SECONDS, "checks": _Kind(_health_checks, None, _redact_checks)},
    "runbook": {"path": _OPTIONAL_TEXT},
    "ui": {"theme": _TEXT, "keymap": _Kind(_keymap, None, dict), "bell": _BOOL},
    "actions": {"enabled": _BOOL},
    "slack": {
        "webhook_url": _WEBHOOK_URL,
        "bot_token": _secret_kind("slack", "bot_token", "bot_token_file"),
        "bot_token_file": _OPTIONAL_TEXT,
        "announce_channel": _Kind(_slack_channel, str),
        "api_url": _API_URL,
    },
    "pagerduty": {
        "api_token": _secret_kind("pagerduty", "api_token", "api_token_file"),
        "api_token_file": _OPTIONAL_TEXT,
        "routing_key": _secret_kind("pagerduty", "routing_key", "routing_key_file"),
        "routing_key_file": _OPTIONAL_TEXT,
        "from_email": _Kind(_optional_email, _env_optional),
        "escalation_policy_id": _API_ID_KIND,
        "api_url": _API_URL,
        "events_url": _API_URL,
    },
    "statuspage": {
        "api_key": _secret_kind("statuspage", "api_key", "api_key_file"),
        "api_key_file": _OPTIONAL_TEXT,
        "page_id": _API_ID_KIND,
        "components": _Kind(_api_ids, _env_names),
        "api_url": _API_URL,
    },
    "grafana": {
        "url": _URL,
        "dashboards": _Kind(_dashboards, None, lambda found: [{"name": d.name, "uid": d.uid} for d in found]),
    },
}
# (section, token key, the key naming a file that holds the token)
_SECRET_FILES = (
    ("slack", "bot_token", "bot_token_file"),
    ("pagerduty", "api_token", "api_token_file"),
    ("pagerduty", "routing_key", "routing_key_file"),
    ("statuspage", "api_key", "api_key_file"),
)
_PATH_KEYS = (
    ("kubernetes", "kubeconfig"),
    ("runbook", "path"),
    *((section, file_key) for section, _, file_key in _SECRET_FILES),
)

# --- Loading ----------------------------------------------------------------------------------------------

_Values = dict[str, dict[str, Any]]  # section -> key -> validated value


def default_config_path() -> Path:
    return platformdirs.user_config_path("modulo-watch") / "config.toml"


def display_path(path: Path) -> str:
    """The path as a user would type it: ``~/...`` under the home directory."""
    try:
        return f"~/{path.relative_to(Path.home())}"
    except (RuntimeError, ValueError):  # no home directory, or not under it
        return str(path)


def env_var(section: str, key: str) -> str:
    return f"{ENV_PREFIX}{section.upper()}_{key.upper()}"


def load_settings(config_path: Path | None, env: Mapping[str, str]) -> Settings:
    """Read ``config_path`` (default: the user config file, which may be missing), then apply ``env``."""
    path = default_config_path() if config_path is None else config_path
    document = _read_toml(path, required=config_path is not None)
    values = {} if document is None else _file_values(document, display_path(path))
    for section, key, value in _env_values(env, path):
        values.setdefault(section, {})[key] = value
    return _build(values, env, path if document is not None else None)


def _read_toml(path: Path, *, required: bool) -> dict[str, Any] | None:
    where = display_path(path)
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        if required:
            raise ConfigError(f"{where}: no such file") from None
        return None
    except OSError as err:
        raise ConfigError(f"{where}: cannot read: {err.strerror or err}") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{where}: invalid TOML: {err}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: invalid TOML: not UTF-8 text") from None


def _suggestion(word: str, choices: Iterable[str], template: str) -> str:
    matches = difflib.get_close_matches(word, list(choices), n=1)
    return template.format(matches[0]) if matches else ""


def _reject_unknown(table: dict[str, Any], valid: tuple[str, ...], prefix: str) -> None:
    for key in table:
        if key not in valid:
            hint = _suggestion(key, list(valid), '; did you mean "{}"?')
            raise _Invalid(
                f"unknown key{hint or '; valid keys: ' + ', '.join(valid)}", f"{prefix}.{_key_label(key)}"
            )


def _unknown_section(name: str) -> str:
    owners = [section for section, kinds in _SCHEMA.items() if name in kinds]
    if owners:  # a key written above every [section] header
        return f"unknown section; {name} belongs under [{owners[0]}]"
    return "unknown section" + _suggestion(name, _SCHEMA, "; did you mean [{}]?")


def _file_values(document: dict[str, Any], where: str) -> _Values:
    values: _Values = {}
    for section, table in document.items():
        if section not in _SCHEMA:
            raise ConfigError(f"{where}: {_key_label(section)}: {_unknown_section(section)}")
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: {section}: expected a [{section}] table, got {_show(table)}")
        values[section] = _section_values(section, table, where)
    return values


def _section_values(section: str, table: dict[str, Any], where: str) -> dict[str, Any]:
    kinds = _SCHEMA[section]
    try:
        _reject_unknown(table, tuple(kinds), "")
        return {key: _nested(f".{key}", kinds[key].convert, value) for key, value in table.items()}
    except _Invalid as err:
        raise ConfigError(f"{where}: {section}{err.subkey}: {err.problem}") from None


def _env_values(env: Mapping[str, str], config_path: Path) -> Iterator[tuple[str, str, Any]]:
    known = {env_var(section, key): (section, key) for section, kinds in _SCHEMA.items() for key in kinds}
    for name in sorted(env):
        if not name.startswith(ENV_PREFIX):
            continue
        if name not in known:
            # Compare without the shared prefix, or every typo "resembles" every variable.
            suffixes = [var.removeprefix(ENV_PREFIX) for var in known]
            hint = _suggestion(name.removeprefix(ENV_PREFIX), suffixes, f"; did you mean {ENV_PREFIX}{{}}?")
            raise ConfigError(f"env {_key_label(name)}: not a modulo-watch setting{hint}")
        section, key = known[name]
        yield section, key, _env_value(name, section, key, env[name], config_path)


def _env_value(name: str, section: str, key: str, text: str, config_path: Path) -> Any:
    kind = _SCHEMA[section][key]
    if kind.from_env is None:
        raise ConfigError(
            f"env {name}: {section}.{key} cannot be set from the environment;"
            f" set it under [{section}] in {display_path(config_path)}"
        )
    try:
        return kind.convert(kind.from_env(text))
    except _Invalid as err:
        raise ConfigError(f"env {name}: {section}.{key}{err.subkey}: {err.problem}") from None


def _expand_home(path: str, home: str | None) -> str:
    if home and (path == "~" or path.startswith("~/")):
        return home + path[1:]
    return path


def _build(values: _Values, env: Mapping[str, str], source_file: Path | None) -> Settings:
    home = env.get("HOME") or None
    for section, key in _PATH_KEYS:
        if values.get(section, {}).get(key):
            values[section][key] = _expand_home(values[section][key], home)
    warnings = _read_secret_files(values, env, source_file)
    sections = {name: values.get(name, {}) for name in _SCHEMA}
    return Settings(
        kubernetes=KubernetesSettings(
            **sections["kubernetes"],
            in_cluster=bool(env.get("KUBERNETES_SERVICE_HOST")),
            env_kubeconfig=env.get("KUBECONFIG") or None,
            home=home,
        ),
        postgres=PostgresSettings(
            **sections["postgres"], libpq_env=any(env.get(v) for v in ("PGHOST", "PGSERVICE", "PGDATABASE"))
        ),
        prometheus=PrometheusSettings(**sections["prometheus"]),
        alertmanager=AlertmanagerSettings(**sections["alertmanager"]),
        health=HealthSettings(**sections["health"]),
        runbook=RunbookSettings(**sections["runbook"]),
        ui=UiSettings(**sections["ui"]),
        actions=ActionsSettings(**sections["actions"]),
        slack=SlackSettings(**sections["slack"]),
        pagerduty=PagerDutySettings(**sections["pagerduty"]),
        statuspage=StatuspageSettings(**sections["statuspage"]),
        grafana=GrafanaSettings(**sections["grafana"]),
        warnings=tuple(warnings),
        source_file=source_file,
    )


def _read_secret_files(values: _Values, env: Mapping[str, str], source_file: Path | None) -> list[str]:
    """Fill each token not set from the environment from its ``*_file``; the warnings for exposed files.

    The environment wins, as for every key: with the token's variable set, its file is not even read.
    """
    warnings = []
    for section, key, file_key in _SECRET_FILES:
        table = values.get(section, {})
        path = table.get(file_key)
        if table.get(key) is not None or not path:
            continue
        variable = env_var(section, file_key)
        where = f"env {variable}" if env.get(variable) else display_path(source_file or default_config_path())
        if looks_like_token(path) and not os.path.lexists(path):
            raise ConfigError(
                f"{where}: {section}.{file_key}: no such file, and the value looks like a token, not a path"
                f" (not shown here); put the token in a file only you can read and name that file here,"
                f" or set {env_var(section, key)}"
            )
        shown = display_path(Path(path))
        shown = shown if shown.isprintable() else json.dumps(shown)  # one line, no terminal escapes
        try:
            found = read_secret_file(Path(path), shown)
        except SecretFileError as err:
            raise ConfigError(f"{where}: {section}.{file_key}: {err}") from None
        table[key] = Secret(found.token, origin=f"file {shown}")
        if found.exposed:
            warnings.append(f"{section}.{file_key}: {exposure_warning(shown, found.mode)}")
    return warnings


def with_kube_context(settings: Settings, context: str) -> Settings:
    """The settings watching another kubeconfig context (``--context``, or the context switcher)."""
    return replace(settings, kubernetes=replace(settings.kubernetes, context=context))


# --- Hints for sources that are not configured -----------------------------------------------------------


def configure_hint(section: str, key: str, config_path: Path) -> str:
    return f"set [{section}] {key} in {display_path(config_path)} or {env_var(section, key)}"


# source -> (section, key, the other way to configure it, outside modulo-watch)
_SOURCE_KEYS: dict[SourceName, tuple[str, str, str]] = {
    SourceName.PODS: ("kubernetes", "kubeconfig", " (or KUBECONFIG)"),
    SourceName.NODES: ("kubernetes", "kubeconfig", " (or KUBECONFIG)"),
    SourceName.EVENTS: ("kubernetes", "kubeconfig", " (or KUBECONFIG)"),
    SourceName.ROLLOUTS: ("kubernetes", "kubeconfig", " (or KUBECONFIG)"),
    SourceName.POSTGRES: ("postgres", "dsn", " (or PGHOST)"),
    SourceName.METRICS: ("prometheus", "url", ""),
    SourceName.ALERTS: ("alertmanager", "url", ""),
}


def is_configured(settings: Settings, source: SourceName) -> bool:
    match source:
        case SourceName.PODS | SourceName.NODES | SourceName.EVENTS | SourceName.ROLLOUTS:
            return settings.kubernetes.configured
        case SourceName.POSTGRES:
            return settings.postgres.configured
        case SourceName.METRICS:
            return settings.prometheus.configured
        case SourceName.ALERTS:
            return settings.alertmanager.configured
        case SourceName.HEALTH:
            return settings.health.configured


def source_hint(settings: Settings, source: SourceName) -> str | None:
    """None when ``source`` is configured; otherwise one line telling the responder how to configure it."""
    if is_configured(settings, source):
        return None
    if source is SourceName.HEALTH:  # tables, which no environment variable can carry
        where = display_path(settings.source_file or default_config_path())
        return f"add [[health.checks]] tables (name, url) to {where}"
    section, key, alternative = _SOURCE_KEYS[source]
    hint = configure_hint(section, key, settings.source_file or default_config_path()) + alternative
    if source is SourceName.ALERTS and settings.prometheus.configured:
        return f"alerts come from Prometheus itself, without acknowledgements; for those, {hint}"
    return hint


# --- Redaction and --check-config output -----------------------------------------------------------------

_SECRET_PARAM = re.compile(
    r"(?i)([?&;](?:[a-z_]*(?:password|passwd|pwd|token|secret|key|auth|signature))=)[^&#;]*"
)
_URL_USERINFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#]*@|.*@)")
_CONNINFO_SECRET = re.compile(r"(?i)\b(\w*(?:password|token|secret)\s*=\s*)('(?:[^'\\]|\\.)*'?|\S*)")


def redact_url(url: str) -> str:
    """Hide URL userinfo (it may be a token as well as user:password) and secret-looking query values."""
    match = _URL_USERINFO.match(url)
    if match:
        url = f"{match['scheme']}{REDACTED}@{url[match.end() :]}"
    return _SECRET_PARAM.sub(rf"\g<1>{REDACTED}", url)


def redact_webhook_url(url: str) -> str:
    """Only the scheme and host of a webhook URL (``https://hooks.slack.com/***``): its path is the token."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return REDACTED
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}/{REDACTED}" if parts.scheme and host else REDACTED


def redact_dsn(dsn: str) -> str:
    """Hide the password of a PostgreSQL DSN, in URL form or key=value form; keep the user name."""
    match = _URL_USERINFO.match(dsn)
    if match:
        user = match["userinfo"][:-1].split(":", 1)
        userinfo = f"{user[0]}:{REDACTED}@" if len(user) == 2 else match["userinfo"]
        return _SECRET_PARAM.sub(rf"\g<1>{REDACTED}", f"{match['scheme']}{userinfo}{dsn[match.end() :]}")
    return _CONNINFO_SECRET.sub(rf"\g<1>{REDACTED}", dsn)


def redacted(settings: Settings) -> dict[str, dict[str, object]]:
    """The effective settings as plain data, every secret replaced by ``***``."""
    return {
        section: {key: kind.redact(getattr(getattr(settings, section), key)) for key, kind in kinds.items()}
        for section, kinds in _SCHEMA.items()
    }


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return json.dumps(value) if isinstance(value, str) else repr(value)


def _section_lines(section: str, table: dict[str, object]) -> Iterator[str]:
    tables = []
    for key, value in table.items():
        if value is None:
            yield f"# {key} is not set"
        elif isinstance(value, dict):
            tables.append(f"\n[{section}.{key}]")
            tables.extend(f"{_toml_value(k)} = {_toml_value(v)}" for k, v in value.items())
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                tables.append(f"\n[[{section}.{key}]]")
                tables.extend(f"{k} = {_toml_value(v)}" for k, v in item.items())
        else:
            yield f"{key} = {_toml_value(value)}"
    yield from tables


_SECTION_SOURCE = {
    "kubernetes": SourceName.PODS,
    "postgres": SourceName.POSTGRES,
    "prometheus": SourceName.METRICS,
    "alertmanager": SourceName.ALERTS,
    "health": SourceName.HEALTH,
}


def render_settings(settings: Settings) -> str:
    """The effective settings as TOML, secrets redacted, each source marked configured or not."""
    if settings.source_file is None:
        origin = f"no config file at {display_path(default_config_path())}; defaults, environment, flags"
    else:
        origin = f"read from {display_path(settings.source_file)}, then the environment and flags"
    lines = [f"# modulo-watch effective settings ({origin}; secrets redacted)"]
    for section, table in redacted(settings).items():
        lines.append(f"\n[{section}]")
        source = _SECTION_SOURCE.get(section)
        if source is not None:
            hint = source_hint(settings, source)
            lines.append("# configured" if hint is None else f"# not configured: {hint}")
        lines.extend(_section_lines(section, table))
    return "\n".join(lines) + "\n"
