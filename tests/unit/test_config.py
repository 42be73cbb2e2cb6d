"""Settings: TOML file, environment overrides, strict one-line errors, redaction.

Every test passes its own file and env mapping: the user's real config and environment are never read.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from modulo_watch import config
from modulo_watch.collectors.models import SourceName
from modulo_watch.config import (
    ConfigError,
    HealthCheck,
    Settings,
    configure_hint,
    load_settings,
    redact_dsn,
    redact_url,
    redacted,
    render_settings,
    source_hint,
    with_kube_context,
)

FULL = """
[kubernetes]
kubeconfig = "~/kube/prod.yaml"
context = "prod"
contexts = ["prod", "prod-us"]
namespaces = ["api", "db"]
label_selector = "app=modulo-api"
interval = 3

[postgres]
dsn = "postgresql://app:s3cret-pw@db.internal:5432/modulo"
interval = 1.5
statement_timeout_ms = 250

[prometheus]
url = "http://prom.internal:9090"
error_ratio_query = "sum(rate(errors[1m]))"
interval = 30

[alertmanager]
url = "https://am.internal"

[[health.checks]]
name = "api"
url = "https://api.internal/healthz"

[[health.checks]]
name = "web"
url = "https://web.internal/"
timeout = 0.5

[runbook]
path = "~/runbook.md"

[ui]
theme = "nord"
bell = true

[ui.keymap]
focus-pods = "ctrl+p"
pause-refresh = "f5,r"

[actions]
enabled = true
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def error_for(path: Path | None, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env or {})
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_defaults_when_the_default_file_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "default_config_path", lambda: tmp_path / "absent" / "config.toml")

    settings = load_settings(None, {})

    assert settings == Settings()
    assert settings.source_file is None
    assert settings.kubernetes.interval == 2.0
    assert settings.postgres.statement_timeout_ms == 500
    assert settings.prometheus.interval == 15.0
    assert 'status=~"5.."' in settings.prometheus.error_ratio_query
    assert "http_requests_total" in settings.prometheus.error_ratio_query
    assert settings.alertmanager.interval == 10.0
    assert settings.ui.theme == "textual-dark"
    assert settings.actions.enabled is False


def test_default_file_is_read_when_present(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, '[ui]\ntheme = "nord"\n')
    monkeypatch.setattr(config, "default_config_path", lambda: path)

    settings = load_settings(None, {})

    assert settings.ui.theme == "nord"
    assert settings.source_file == path


def test_full_file(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)

    settings = load_settings(path, {"HOME": "/home/oncall"})

    assert settings.source_file == path
    assert settings.kubernetes.kubeconfig == "/home/oncall/kube/prod.yaml"
    assert settings.kubernetes.context == "prod"
    assert settings.kubernetes.contexts == ("prod", "prod-us")
    assert settings.kubernetes.namespaces == ("api", "db")
    assert settings.kubernetes.interval == 3.0
    assert settings.postgres.statement_timeout_ms == 250
    assert settings.prometheus.error_ratio_query == "sum(rate(errors[1m]))"
    assert settings.health.checks == (
        HealthCheck("api", "https://api.internal/healthz", 3.0),
        HealthCheck("web", "https://web.internal/", 0.5),
    )
    assert settings.runbook.path == "/home/oncall/runbook.md"
    assert settings.ui.keymap_mapping == {"focus-pods": "ctrl+p", "pause-refresh": "f5,r"}
    assert settings.ui.bell is True
    assert settings.actions.enabled is True
    hash(settings)  # frozen all the way down, keymap included


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"

    assert error_for(missing) == f"{missing}: no such file"


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[prometheus]\ninterval = 15\nurl = "http://x\n')

    message = error_for(path)

    assert message.startswith(f"{path}: invalid TOML: ")
    assert "line 3" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[prometheus]\nulr = "http://x"\n', 'prometheus.ulr: unknown key; did you mean "url"?'),
        ('[promethues]\nurl = "http://x"\n', "promethues: unknown section; did you mean [prometheus]?"),
        ('theme = "nord"\n', "theme: unknown section; theme belongs under [ui]"),
        (
            "[[health.checks]]\nname = 'a'\nurl = 'http://a'\ntimout = 1\n",
            'health.checks[0].timout: unknown key; did you mean "timeout"?',
        ),
    ],
)
def test_unknown_keys_suggest_the_closest(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)

    assert error_for(path) == f"{path}: {expected}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[prometheus]\ninterval = "fast"\n',
            'prometheus.interval: expected a positive number of seconds, got "fast"',
        ),
        (
            "[kubernetes]\ninterval = -2\n",
            "kubernetes.interval: expected a positive number of seconds, got -2",
        ),
        (
            "[kubernetes]\ninterval = true\n",
            "kubernetes.interval: expected a positive number of seconds, got true",
        ),
        (
            '[prometheus]\nurl = "prom:9090"\n',
            'prometheus.url: expected an http:// or https:// URL, got "prom:9090"',
        ),
        ('[kubernetes]\nnamespaces = "api"\n', 'kubernetes.namespaces: expected a list of names, got "api"'),
        ('[kubernetes]\ncontexts = "prod"\n', 'kubernetes.contexts: expected a list of names, got "prod"'),
        (
            '[kubernetes]\ncontexts = ["prod", " "]\n',
            "kubernetes.contexts: expected a list of names, got a list",
        ),
        (
            '[kubernetes]\ncontexts = ["eu", "us", "eu"]\n',
            'kubernetes.contexts[2]: duplicate name "eu"',
        ),
        ('[kubernetes]\ncontxts = ["eu"]\n', 'kubernetes.contxts: unknown key; did you mean "contexts"?'),
        (
            "[postgres]\nstatement_timeout_ms = 1.5\n",
            "postgres.statement_timeout_ms: expected a positive whole number of milliseconds, got 1.5",
        ),
        (
            "[ui.keymap]\nfocus-pods = 3\n",
            'ui.keymap.focus-pods: expected a string of keys like "ctrl+r" or "f5,r", got 3',
        ),
        ('[actions]\nenabled = "yes"\n', 'actions.enabled: expected true or false, got "yes"'),
        ("[prometheus]\nurl = []\n", "prometheus.url: expected an http:// or https:// URL, got a list"),
        ("[[grafana.dashboards]]\nname = 'api'\n", "grafana.dashboards[0]: missing uid"),
        (
            "[[grafana.dashboards]]\nname = 'api'\nuid = '../../admin'\n",
            "grafana.dashboards[0].uid: expected a dashboard uid (letters, digits, - and _),"
            ' got "../../admin"',
        ),
        (
            '[alertmanager]\nurl = "http://[oops"\n',
            'alertmanager.url: expected an http:// or https:// URL, got "http://[oops"',
        ),
        (
            "[[health.checks]]\nname = 'api'\nurl = 'http://api:99999/healthz'\n",
            'health.checks[0].url: expected an http:// or https:// URL, got "http://api:99999/healthz"',
        ),
        ("prometheus = 3\n", "prometheus: expected a [prometheus] table, got 3"),
        ("[[health.checks]]\nname = 'api'\n", "health.checks[0]: missing url"),
        (
            "[[health.checks]]\nname = 'a'\nurl = 'http://a'\n[[health.checks]]\nname = 'a'\nurl = 'http://b'\n",
            'health.checks[1].name: duplicate name "a"',
        ),
    ],
)
def test_wrong_values_name_the_key_and_what_was_expected(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)

    assert error_for(path) == f"{path}: {expected}"


def test_a_rejected_url_does_not_echo_its_password(tmp_path: Path) -> None:
    path = write(tmp_path, '[alertmanager]\nurl = "ftp://admin:hunter2@am"\n')

    message = error_for(path)

    assert "hunter2" not in message
    assert "alertmanager.url" in message


def test_environment_beats_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    env = {
        "MODULO_WATCH_POSTGRES_DSN": "host=other dbname=x",
        "MODULO_WATCH_PROMETHEUS_URL": "https://prom.example",
        "MODULO_WATCH_PROMETHEUS_INTERVAL": "5",
        "MODULO_WATCH_KUBERNETES_NAMESPACES": "a, b",
        "MODULO_WATCH_ACTIONS_ENABLED": "false",
        "MODULO_WATCH_UI_BELL": "no",
        "MODULO_WATCH_POSTGRES_STATEMENT_TIMEOUT_MS": "900",
    }

    settings = load_settings(path, env)

    assert settings.postgres.dsn == "host=other dbname=x"
    assert settings.prometheus.url == "https://prom.example"
    assert settings.prometheus.interval == 5.0
    assert settings.kubernetes.namespaces == ("a", "b")
    assert settings.actions.enabled is False
    assert settings.ui.bell is False
    assert settings.postgres.statement_timeout_ms == 900
    assert settings.ui.theme == "nord"  # untouched by the environment


def test_contexts_from_the_environment(tmp_path: Path) -> None:
    env = {"MODULO_WATCH_KUBERNETES_CONTEXTS": "eu, us", "MODULO_WATCH_KUBERNETES_CONTEXT": "us"}

    settings = load_settings(write(tmp_path, FULL), env)

    assert (settings.kubernetes.context, settings.kubernetes.contexts) == ("us", ("eu", "us"))
    assert error_for(write(tmp_path, ""), {"MODULO_WATCH_KUBERNETES_CONTEXTS": "eu,eu"}) == (
        'env MODULO_WATCH_KUBERNETES_CONTEXTS: kubernetes.contexts[1]: duplicate name "eu"'
    )


def test_with_kube_context_changes_only_the_context(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, FULL), {"HOME": "/home/oncall"})

    switched = with_kube_context(settings, "prod-us")

    assert switched.kubernetes.context == "prod-us"
    assert with_kube_context(switched, "prod") == settings


def test_empty_variable_unsets_the_file_value(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)

    settings = load_settings(path, {"MODULO_WATCH_PROMETHEUS_URL": ""})

    assert settings.prometheus.url is None


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"MODULO_WATCH_PROMETHEUS_INTERVAL": "fast"},
            "env MODULO_WATCH_PROMETHEUS_INTERVAL: prometheus.interval:"
            ' expected a positive number of seconds, got "fast"',
        ),
        (
            {"MODULO_WATCH_ACTIONS_ENABLED": "maybe"},
            'env MODULO_WATCH_ACTIONS_ENABLED: actions.enabled: expected true or false, got "maybe"',
        ),
        (
            {"MODULO_WATCH_KUBERNETES_INTERVAL": "nan"},
            "env MODULO_WATCH_KUBERNETES_INTERVAL: kubernetes.interval:"
            " expected a positive number of seconds, got nan",
        ),
        (
            {"MODULO_WATCH_PROMETHEUS_ULR": "http://x"},
            "env MODULO_WATCH_PROMETHEUS_ULR: not a modulo-watch setting;"
            " did you mean MODULO_WATCH_PROMETHEUS_URL?",
        ),
    ],
)
def test_bad_environment_values_name_the_variable(tmp_path: Path, env: dict[str, str], expected: str) -> None:
    assert error_for(write(tmp_path, ""), env) == expected


def test_structured_settings_cannot_come_from_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "")

    message = error_for(path, {"MODULO_WATCH_UI_KEYMAP": "quit=q"})

    assert message == (
        "env MODULO_WATCH_UI_KEYMAP: ui.keymap cannot be set from the environment;"
        f" set it under [ui] in {path}"
    )


def test_sources_are_not_configured_by_default(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""), {"HOME": str(tmp_path)})

    assert not settings.kubernetes.configured
    assert not settings.postgres.configured
    assert not settings.prometheus.configured
    assert not settings.alertmanager.configured
    assert not settings.health.configured


@pytest.mark.parametrize(
    "env",
    [
        {"KUBECONFIG": "/etc/kube.yaml"},
        {"KUBERNETES_SERVICE_HOST": "10.0.0.1"},
        {"MODULO_WATCH_KUBERNETES_KUBECONFIG": "/k"},
    ],
)
def test_kubernetes_configured_from_the_environment(tmp_path: Path, env: dict[str, str]) -> None:
    settings = load_settings(write(tmp_path, ""), {"HOME": str(tmp_path), **env})

    assert settings.kubernetes.configured


def test_kubernetes_configured_by_the_default_kubeconfig(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""), {"HOME": str(tmp_path)})
    assert not settings.kubernetes.configured

    (tmp_path / ".kube").mkdir()
    (tmp_path / ".kube" / "config").write_text("apiVersion: v1\n")

    assert settings.kubernetes.configured  # checked when asked, not when loaded


@pytest.mark.parametrize("variable", ["PGHOST", "PGSERVICE", "PGDATABASE"])
def test_postgres_configured_by_libpq_variables(tmp_path: Path, variable: str) -> None:
    settings = load_settings(write(tmp_path, ""), {variable: "x"})

    assert settings.postgres.configured


def test_hints_tell_how_to_configure_a_source(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    settings = load_settings(path, {"HOME": str(tmp_path)})

    assert source_hint(settings, SourceName.METRICS) == (
        f"set [prometheus] url in {path} or MODULO_WATCH_PROMETHEUS_URL"
    )
    assert source_hint(settings, SourceName.POSTGRES) == (
        f"set [postgres] dsn in {path} or MODULO_WATCH_POSTGRES_DSN (or PGHOST)"
    )
    assert (
        source_hint(load_settings(path, {"MODULO_WATCH_PROMETHEUS_URL": "http://p"}), SourceName.METRICS)
        is None
    )


def test_hint_abbreviates_the_home_directory() -> None:
    path = Path.home() / ".config" / "modulo-watch" / "config.toml"

    assert configure_hint("alertmanager", "url", path) == (
        "set [alertmanager] url in ~/.config/modulo-watch/config.toml or MODULO_WATCH_ALERTMANAGER_URL"
    )


@pytest.mark.parametrize(
    ("dsn", "expected"),
    [
        ("postgresql://u:secret@h/db", "postgresql://u:***@h/db"),
        ("postgres://u:p@ss@h:5432/db?sslmode=require", "postgres://u:***@h:5432/db?sslmode=require"),
        (
            "postgresql://u@h/db?password=secret&sslmode=verify-full",
            "postgresql://u@h/db?password=***&sslmode=verify-full",
        ),
        ("postgresql://h/db", "postgresql://h/db"),
        ("host=h user=u password=secret dbname=db", "host=h user=u password=*** dbname=db"),
        ("host=h password = 'se cret\\' x' dbname=db", "host=h password = *** dbname=db"),
        ("host=h sslpassword=secret", "host=h sslpassword=***"),
    ],
)
def test_redact_dsn(dsn: str, expected: str) -> None:
    assert redact_dsn(dsn) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:pw@host/path", "https://***@host/path"),
        ("https://ghp_token@host/", "https://***@host/"),
        ("http://host:9093/?token=abc&x=1", "http://host:9093/?token=***&x=1"),
        ("http://host/api?api_key=abc", "http://host/api?api_key=***"),
        ("http://host:9090", "http://host:9090"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_rendered_settings_hide_every_secret(tmp_path: Path) -> None:
    text = FULL.replace(
        'url = "https://am.internal"', 'url = "https://am-user:am-pw@am.internal/?token=tok123"'
    ).replace('url = "https://web.internal/"', 'url = "https://hook-secret@web.internal/"')
    settings = load_settings(write(tmp_path, text), {})

    rendered = render_settings(settings)

    for secret in ("s3cret-pw", "am-pw", "am-user", "tok123", "hook-secret"):
        assert secret not in rendered
    assert 'dsn = "postgresql://app:***@db.internal:5432/modulo"' in rendered
    assert redacted(settings)["alertmanager"]["url"] == "https://***@am.internal/?token=***"


def test_rendered_settings_are_toml_that_loads_back(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, FULL.replace("app:s3cret-pw@", "")), {"HOME": "/home/oncall"})
    rendered = render_settings(settings)
    tomllib.loads(rendered)

    again = load_settings(write(tmp_path, rendered), {"HOME": "/home/oncall"})

    assert again == settings


def test_render_marks_sources_configured_or_not(tmp_path: Path) -> None:
    path = write(tmp_path, '[prometheus]\nurl = "http://p"\n')

    rendered = render_settings(load_settings(path, {"HOME": str(tmp_path)}))

    assert "[prometheus]\n# configured\n" in rendered
    assert "contexts = []\n" in rendered
    assert (
        "[alertmanager]\n# not configured: alerts come from Prometheus itself, without acknowledgements;"
        f" for those, set [alertmanager] url in {path}"
    ) in rendered


def test_render_says_how_to_configure_alertmanager_without_prometheus(tmp_path: Path) -> None:
    path = write(tmp_path, "[ui]\n")

    rendered = render_settings(load_settings(path, {"HOME": str(tmp_path)}))

    assert f"[alertmanager]\n# not configured: set [alertmanager] url in {path}" in rendered
