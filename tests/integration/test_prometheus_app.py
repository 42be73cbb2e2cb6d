"""The app watching a real Prometheus: the Error rate pane draws the live series, and follows it."""

from __future__ import annotations

from pathlib import Path

from modulo_watch.collectors.models import SourceName, SourceState
from modulo_watch.collectors.sources import live_sources
from modulo_watch.config import PrometheusSettings, Settings
from modulo_watch.widgets.rate_graph import RateGraph
from tests.exporter import Exporter
from tests.prometheus_server import FAST_ERROR_RATIO_QUERY, PrometheusServer
from tests.tui.support import custom_app, screen_text, wait_until


def latest_is(graph: RateGraph, target: float) -> bool:
    latest = graph.series.latest if graph.series is not None else None
    return latest is not None and abs(latest - target) < 0.002


async def test_the_error_rate_pane_shows_the_live_ratio(
    exporter: Exporter, prometheus: PrometheusServer, tmp_path: Path
) -> None:
    settings = Settings(
        prometheus=PrometheusSettings(
            url=prometheus.url, error_ratio_query=FAST_ERROR_RATIO_QUERY, interval=0.2
        )
    )
    prometheus.wait_for(FAST_ERROR_RATIO_QUERY)  # the app's own deadlines are for the app, not discovery
    sources = live_sources(settings)
    app = custom_app(tmp_path, sources, settings)
    async with app.run_test(size=(160, 48)) as pilot:
        graph = app.query_one("#error-rate-graph", RateGraph)
        await wait_until(pilot, lambda: latest_is(graph, 0.02), "2% on the graph")
        status = sources.hub.status(SourceName.METRICS)
        assert status is not None and status.state is SourceState.LIVE

        exporter.set_error_ratio(0.12)
        await wait_until(pilot, lambda: latest_is(graph, 0.12), "the scripted 12% on the graph")
        await wait_until(pilot, lambda: "12.0%" in screen_text(app), "12.0% drawn large")
        text = screen_text(app)
        assert "P1" in text and "P2 5%" in text and "5xx ratio · last 15 min" in text
