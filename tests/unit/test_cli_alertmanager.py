"""--alertmanager overrides [alertmanager] url; the alerts source reads Alertmanager, else Prometheus."""

from __future__ import annotations

from pathlib import Path

import pytest

from modulo_watch.cli import main, prepare
from modulo_watch.collectors.alertmanager.collector import AlertmanagerCollector
from modulo_watch.collectors.alertmanager.prometheus import PrometheusAlertsCollector
from modulo_watch.collectors.clock import SystemClock
from modulo_watch.collectors.models import SourceName, SourceState
from modulo_watch.collectors.sources import alerts_collector, live_sources
from modulo_watch.config import AlertmanagerSettings, PrometheusSettings, Settings


def test_the_flag_beats_the_file_and_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[alertmanager]\nurl = "http://am-file:9093"\n')

    settings, options = prepare(
        ["--config", str(path), "--alertmanager", "http://am-flag:9093"],
        {"MODULO_WATCH_ALERTMANAGER_URL": "http://am-env:9093"},
    )

    assert options.alertmanager == settings.alertmanager.url == "http://am-flag:9093"


def test_check_config_hides_the_credentials_of_the_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check-config", "--alertmanager", "https://oncall:hunter2@am.internal/am"], env={}) == 0

    out = capsys.readouterr().out
    assert 'url = "https://***@am.internal/am"' in out and "hunter2" not in out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--alertmanager", "am.internal:9093"], "--alertmanager: expected an http:// or https:// URL"),
        (["--alertmanager", "ftp://oncall:hunter2@am.internal"], 'got "ftp://***@am.internal"'),
        (
            ["--alertmanager", "http://[oops"],
            "--alertmanager: expected an http:// or https:// URL, e.g. http",
        ),
        (["--prometheus", "http://prom:70000"], 'URL, e.g. http://prometheus:9090, got "http://prom:70000"'),
        (["--alertmanager", "http://am:9093", "--drill"], "--alertmanager: a drill makes its own alerts"),
    ],
)
def test_a_bad_flag_is_one_line_and_exit_code_2(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv, env={}) == 2

    err = capsys.readouterr().err
    assert expected in err and len(err.splitlines()) == 1 and "hunter2" not in err


def test_alertmanager_is_read_when_configured_even_with_prometheus() -> None:
    settings = Settings(
        alertmanager=AlertmanagerSettings(url="http://am:9093"),
        prometheus=PrometheusSettings(url="http://p:9090"),
    )

    assert isinstance(alerts_collector(settings, SystemClock()), AlertmanagerCollector)


def test_without_alertmanager_the_alerts_come_from_prometheus() -> None:
    settings = Settings(prometheus=PrometheusSettings(url="http://p:9090", interval=7.0))

    collector = alerts_collector(settings, SystemClock())

    assert isinstance(collector, PrometheusAlertsCollector) and collector.interval == 7.0
    assert SourceName.ALERTS in [runner.source for runner in live_sources(settings).runners]


def test_with_neither_the_alerts_pane_says_how_to_configure_alertmanager() -> None:
    status = live_sources(Settings()).hub.status(SourceName.ALERTS)

    assert status is not None and status.state is SourceState.NOT_CONFIGURED
    assert status.hint and "[alertmanager] url" in status.hint
