"""Latency, request rate and the graph's windows against a real Prometheus scraping the test exporter."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from modulo_watch.collectors.clock import SystemClock
from modulo_watch.collectors.graph_view import GraphView
from modulo_watch.collectors.models import MetricsSnapshot, Series, SourceName
from modulo_watch.collectors.prometheus.collector import PrometheusCollector
from modulo_watch.collectors.sources import live_sources
from modulo_watch.config import PrometheusSettings, Settings
from modulo_watch.tui.panes.error_rate import ErrorRatePane
from modulo_watch.widgets.rate_graph import RateGraph
from tests.exporter import REQUESTS_PER_SECOND, SLOW_LATENCY_BUCKETS, Exporter
from tests.integration.prometheus_support import fetch_until
from tests.prometheus_server import FAST_ERROR_RATIO_QUERY, JOB, PrometheusServer
from tests.tui.support import custom_app, wait_until


def fast_quantile(quantile: float) -> str:
    """The default latency query's shape over 5 s instead of 5 min: it follows a scripted change quickly."""
    return (
        f"histogram_quantile({quantile}, sum by (le) "
        f'(rate(http_request_duration_seconds_bucket{{job="{JOB}"}}[5s])))'
    )


FAST = PrometheusSettings(
    error_ratio_query=FAST_ERROR_RATIO_QUERY,
    latency_p95_query=fast_quantile(0.95),
    latency_p99_query=fast_quantile(0.99),
    request_rate_query=f'sum(rate(http_requests_total{{job="{JOB}"}}[5s]))',
    interval=0.2,
)


@asynccontextmanager
async def collector_for(
    settings: PrometheusSettings, view: GraphView | None = None
) -> AsyncIterator[PrometheusCollector]:
    collector = PrometheusCollector(settings, SystemClock(), view, request_timeout=5.0)
    try:
        yield collector
    finally:
        await collector.aclose()


def latest(series: Series | None) -> float | None:
    return None if series is None else series.latest


def near(value: float | None, target: float, tolerance: float) -> bool:
    return value is not None and abs(value - target) <= tolerance


def usual_latency(snapshot: MetricsSnapshot) -> bool:
    """The exporter's usual shape: p95 0.375 s, p99 1 s."""
    return near(latest(snapshot.latency_p95), 0.375, 0.01) and near(latest(snapshot.latency_p99), 1.0, 0.01)


def steady(snapshot: MetricsSnapshot) -> bool:
    """The usual latency, at 50 requests a second."""
    return usual_latency(snapshot) and near(latest(snapshot.request_rate), REQUESTS_PER_SECOND, 2.0)


async def test_latency_and_request_rate_follow_the_scripted_histogram(
    exporter: Exporter, prometheus: PrometheusServer
) -> None:
    async with collector_for(replace(FAST, url=prometheus.url)) as collector:
        snapshot = await fetch_until(collector, steady, "p95 0.375 s, p99 1 s, 50 req/s")
        assert snapshot.latency_error is None
        assert near(latest(snapshot.error_ratio), 0.02, 0.002), "fetched together with the error ratio"
        assert snapshot.latency_p95 is not None and snapshot.latency_p95.unit == "seconds"
        assert snapshot.request_rate is not None and snapshot.request_rate.unit == "req/s"

        exporter.set_latency(SLOW_LATENCY_BUCKETS)
        slow = await fetch_until(
            collector, lambda s: near(latest(s.latency_p95), 2.125, 0.02), "the scripted slow spell"
        )
    assert near(latest(slow.latency_p99), 2.425, 0.02)


async def test_the_default_queries_read_modulo_apis_histogram_and_counters(
    prometheus: PrometheusServer,
) -> None:
    # A 5-minute rate needs two scrapes, not five minutes, for the quantiles: a steady shape reads the
    # same at once. The request rate climbs to 50/s as the five minutes fill: it is only there.
    async with collector_for(PrometheusSettings(url=prometheus.url, interval=0.2)) as collector:
        snapshot = await fetch_until(
            collector, usual_latency, "the exporter's latency from the default queries"
        )
    rate = latest(snapshot.request_rate)
    assert rate is not None and 0 < rate <= REQUESTS_PER_SECOND + 2


async def test_a_refused_latency_query_keeps_the_error_ratio_and_the_other_series(
    prometheus: PrometheusServer,
) -> None:
    settings = replace(FAST, url=prometheus.url, latency_p95_query="histogram_quantile(0.95,")
    async with collector_for(settings) as collector:
        snapshot = await fetch_until(
            collector, lambda s: near(latest(s.error_ratio), 0.02, 0.002), "the error ratio"
        )
    assert snapshot.latency_p95 is None
    assert snapshot.latency_error is not None
    assert snapshot.latency_error.startswith(f"127.0.0.1:{prometheus.port}: HTTP 400: ")
    assert snapshot.latency_p99 is not None and snapshot.request_rate is not None


async def test_a_latency_query_of_several_series_names_itself(prometheus: PrometheusServer) -> None:
    settings = replace(FAST, url=prometheus.url, latency_p99_query="http_requests_total")
    async with collector_for(settings) as collector:
        snapshot = await fetch_until(
            collector,
            lambda s: s.latency_error is not None and bool(s.error_ratio.points),
            "the p99 query's error",
        )
    assert snapshot.latency_error is not None
    assert "the latency p99 query returned 2 series" in snapshot.latency_error
    assert snapshot.error_ratio.points


# vector(1) has a value at every instant, even before the server started: every step of the window is there.
EVERYWHERE = PrometheusSettings(
    error_ratio_query="vector(0.01)",
    latency_p95_query="vector(0.2)",
    latency_p99_query="vector(0.5)",
    request_rate_query="vector(240)",
)


@pytest.mark.parametrize(
    ("window", "columns", "step"), [(900, 300, 3), (3600, 200, 18), (21600, 200, 108), (21600, 50_000, 2)]
)
async def test_each_window_is_fetched_at_one_point_per_column(
    prometheus: PrometheusServer, window: int, columns: int, step: int
) -> None:
    view = GraphView()
    view.show(window, columns)
    async with collector_for(replace(EVERYWHERE, url=prometheus.url), view) as collector:
        snapshot = await collector.fetch()
    assert snapshot.window_seconds == window
    for series in (snapshot.error_ratio, snapshot.latency_p95, snapshot.latency_p99, snapshot.request_rate):
        assert series is not None
        # Multiples of the step over the whole window (a point more than its steps), never past the
        # server's 11,000; then now's, from the instant query, unless now is itself a multiple.
        aligned = [point for point in series.points if point[0].timestamp() % step == 0]
        assert len(aligned) == window // step + 1 <= 11_000
        assert {(b[0] - a[0]).total_seconds() for a, b in itertools.pairwise(aligned)} == {step}
        assert len(series.points) - len(aligned) <= 1
        assert series.points[-1][0] - aligned[-1][0] < timedelta(seconds=step)


async def test_the_window_key_refetches_at_once_from_the_live_prometheus(
    prometheus: PrometheusServer, tmp_path: Path
) -> None:
    # An hour between polls: only the key's wake-up can bring the hour's data in within the deadline.
    settings = Settings(prometheus=replace(FAST, url=prometheus.url, interval=3600.0))
    prometheus.wait_for(FAST_ERROR_RATIO_QUERY)
    sources = live_sources(settings)
    app = custom_app(tmp_path, sources, settings)
    async with app.run_test(size=(160, 48)) as pilot:
        pane = app.query_one(ErrorRatePane)

        def shown_window() -> int | None:
            snapshot = sources.hub.snapshot(SourceName.METRICS)
            return snapshot.window_seconds if isinstance(snapshot, MetricsSnapshot) else None

        await wait_until(pilot, lambda: shown_window() == 900, "the first fetch")
        await pilot.press("4", "t")
        await wait_until(pilot, lambda: shown_window() == 3600, "the hour, fetched at once")
        await wait_until(pilot, lambda: "last 1 h" in str(pane.border_title), "the pane saying so")
        await pilot.press("v")
        latency = app.query_one("#latency-graph", RateGraph)
        await wait_until(pilot, lambda: latency.region.height > 0, "the latency view")
        assert latency.series is not None and latency.series.unit == "seconds"
