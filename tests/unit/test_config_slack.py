"""The [slack] section: the webhook URL is read like the other URLs, but its path (the token) never shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from modulo_watch.config import (
    ConfigError,
    Settings,
    load_settings,
    redact_webhook_url,
    redacted,
    render_settings,
)

TOKEN = "xoxTOKEN1a2b3c4d5e6f7g8h"
WEBHOOK = f"https://hooks.slack.com/services/T0MODULO1/B0WATCH01/{TOKEN}"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def error_for(path: Path, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env or {})
    message = str(caught.value)
    assert "\n" not in message
    assert TOKEN not in message and "T0MODULO1" not in message
    return message


def test_no_webhook_by_default(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""), {})

    assert settings.slack.webhook_url is None and not settings.slack.configured
    assert Settings().slack == settings.slack


def test_the_webhook_from_the_file(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, f'[slack]\nwebhook_url = "{WEBHOOK}"\n'), {})

    assert settings.slack.webhook_url == WEBHOOK and settings.slack.configured


def test_the_environment_beats_the_file_and_an_empty_variable_unsets_it(tmp_path: Path) -> None:
    path = write(tmp_path, f'[slack]\nwebhook_url = "{WEBHOOK}"\n')
    other = "https://chat.example.com/hooks/abc123"

    assert load_settings(path, {"MODULO_WATCH_SLACK_WEBHOOK_URL": other}).slack.webhook_url == other
    assert load_settings(path, {"MODULO_WATCH_SLACK_WEBHOOK_URL": ""}).slack.webhook_url is None


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (WEBHOOK.removeprefix("https://"), "***"),  # no scheme: no telling host from token
        (WEBHOOK.replace("https", "ftp"), "ftp://hooks.slack.com/***"),
        (WEBHOOK.replace("hooks.slack.com", "[hooks.slack.com"), "***"),  # urlsplit itself refuses it
        (f"https:///services/T0MODULO1/B0WATCH01/{TOKEN}", "***"),
    ],
)
def test_a_rejected_webhook_does_not_echo_its_path(tmp_path: Path, value: str, shown: str) -> None:
    path = write(tmp_path, f'[slack]\nwebhook_url = "{value}"\n')

    assert error_for(path) == f'{path}: slack.webhook_url: expected an http:// or https:// URL, got "{shown}"'
    assert error_for(write(tmp_path, ""), {"MODULO_WATCH_SLACK_WEBHOOK_URL": value}) == (
        "env MODULO_WATCH_SLACK_WEBHOOK_URL: slack.webhook_url:"
        f' expected an http:// or https:// URL, got "{shown}"'
    )


def test_a_webhook_that_is_not_a_string(tmp_path: Path) -> None:
    message = error_for(write(tmp_path, "[slack]\nwebhook_url = 3\n"))

    assert message.endswith("slack.webhook_url: expected an http:// or https:// URL, got 3")


def test_a_misspelt_key_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, f'[slack]\nwebhook = "{WEBHOOK}"\n')

    assert error_for(path) == f'{path}: slack.webhook: unknown key; did you mean "webhook_url"?'


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (WEBHOOK, "https://hooks.slack.com/***"),
        ("https://user:pw@hooks.slack.com/services/x?token=y#z", "https://hooks.slack.com/***"),
        ("http://127.0.0.1:8080/hooks/abc", "http://127.0.0.1:8080/***"),
        ("http://[::1]:8080/hooks/abc", "http://[::1]:8080/***"),
        ("hooks.slack.com/services/x", "***"),
        ("https://[oops/services/x", "***"),
    ],
)
def test_redact_webhook_url_keeps_the_host_only(url: str, expected: str) -> None:
    assert redact_webhook_url(url) == expected


def test_shown_settings_hide_the_webhook_path(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, f'[slack]\nwebhook_url = "{WEBHOOK}"\n'), {})

    rendered = render_settings(settings)

    assert '[slack]\nwebhook_url = "https://hooks.slack.com/***"\n' in rendered
    assert redacted(settings)["slack"]["webhook_url"] == "https://hooks.slack.com/***"
    for shown in (rendered, repr(settings), str(settings)):
        assert TOKEN not in shown and "/services/" not in shown


def test_an_unset_webhook_is_shown_as_not_set(tmp_path: Path) -> None:
    rendered = render_settings(load_settings(write(tmp_path, ""), {}))

    assert "[slack]\n# webhook_url is not set\n" in rendered
