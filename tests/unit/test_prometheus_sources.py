"""A configured Prometheus gets the live metrics collector."""

from __future__ import annotations

from modulo_watch.collectors.models import SourceName, SourceState
from modulo_watch.collectors.sources import live_sources
from modulo_watch.config import PrometheusSettings, Settings


def test_a_configured_url_runs_the_metrics_collector() -> None:
    sources = live_sources(Settings(prometheus=PrometheusSettings(url="http://prom.internal:9090")))

    assert SourceName.METRICS in [runner.source for runner in sources.runners]
    assert sources.hub.status(SourceName.METRICS) is None  # its runner reports once it starts


def test_without_a_url_the_pane_says_how_to_configure_it() -> None:
    status = live_sources(Settings()).hub.status(SourceName.METRICS)

    assert status is not None and status.state is SourceState.NOT_CONFIGURED
    assert status.hint and "[prometheus] url" in status.hint
