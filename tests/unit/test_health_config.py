"""``[health]`` settings: the interval, expected statuses, the hint, and what --check-config prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from modulo_watch.cli import main
from modulo_watch.collectors.models import SourceName
from modulo_watch.config import ConfigError, HealthCheck, load_settings, render_settings, source_hint

CHECKS = """\
[health]
interval = 5

[[health.checks]]
name = "API"
url = "https://oncall:s3cret@api.example.com/healthz?token=abc"

[[health.checks]]
name = "Login"
url = "https://example.com/login"
timeout = 1.5
expect_status = [200, 302]

[[health.checks]]
name = "Payments"
url = "https://api.example.com/v1/payments/health"
expect_status = 204
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_checks_interval_and_expected_statuses(tmp_path: Path) -> None:
    health = load_settings(write(tmp_path, CHECKS), {}).health

    assert health.interval == 5.0
    assert health.checks[1:] == (
        HealthCheck("Login", "https://example.com/login", 1.5, (200, 302)),
        HealthCheck("Payments", "https://api.example.com/v1/payments/health", 3.0, (204,)),
    )
    assert health.checks[0].expect_status == ()


def test_the_interval_defaults_to_ten_seconds_and_comes_from_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "")

    assert load_settings(path, {}).health.interval == 10.0
    assert load_settings(path, {"MODULO_WATCH_HEALTH_INTERVAL": "30"}).health.interval == 30.0


@pytest.mark.parametrize(
    ("value", "shown"),
    [("700", "700"), ("[200, 99]", "a list"), ('"200"', '"200"'), ("true", "true"), ("[200, 2.5]", "a list")],
)
def test_a_bad_expected_status_is_one_line(tmp_path: Path, value: str, shown: str) -> None:
    path = write(tmp_path, f"[[health.checks]]\nname = 'a'\nurl = 'http://a'\nexpect_status = {value}\n")

    with pytest.raises(ConfigError) as caught:
        load_settings(path, {})

    expected = f"expected an HTTP status (100-599) or a list of them, got {shown}"
    assert str(caught.value) == f"{path}: health.checks[0].expect_status: {expected}"


def test_the_hint_says_to_add_check_tables(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""), {})

    assert (
        source_hint(settings, SourceName.HEALTH)
        == f"add [[health.checks]] tables (name, url) to {tmp_path}/config.toml"
    )
    assert source_hint(load_settings(write(tmp_path, CHECKS), {}), SourceName.HEALTH) is None


def test_check_config_lists_the_checks_without_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, CHECKS)

    assert main(["--check-config", "--config", str(path)], env={}) == 0

    out = capsys.readouterr().out
    health = out[out.index("[health]") : out.index("[runbook]")]
    assert "s3cret" not in out and "abc" not in out
    assert health.splitlines()[:3] == ["[health]", "# configured", "interval = 5.0"]
    assert health.count("[[health.checks]]") == 3
    assert 'url = "https://***@api.example.com/healthz?token=***"' in health
    assert (
        'name = "Login"\nurl = "https://example.com/login"\ntimeout = 1.5\nexpect_status = [200, 302]'
        in health
    )


def test_check_config_without_checks_says_how_to_add_them(tmp_path: Path) -> None:
    rendered = render_settings(load_settings(write(tmp_path, ""), {}))

    assert "[health]\n# not configured: add [[health.checks]] tables (name, url) to " in rendered
