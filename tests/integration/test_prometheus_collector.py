"""The live metrics collector against a real Prometheus scraping the test exporter."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from modulo_watch.collectors.clock import SystemClock
from modulo_watch.collectors.hub import Hub
from modulo_watch.collectors.models import MetricsSnapshot, SourceName, SourceState
from modulo_watch.collectors.prometheus.collector import PrometheusCollector
from modulo_watch.collectors.prometheus.result import PrometheusError
from modulo_watch.collectors.runner import SourceRunner
from modulo_watch.config import PrometheusSettings
from tests.exporter import Exporter
from tests.integration.prometheus_support import DEADLINE, POLL, fetch_until
from tests.junk_http import JunkServer
from tests.prometheus_server import FAST_ERROR_RATIO_QUERY, PrometheusServer


@asynccontextmanager
async def collector_for(
    url: str, query: str = FAST_ERROR_RATIO_QUERY, request_timeout: float = 5.0
) -> AsyncIterator[PrometheusCollector]:
    settings = PrometheusSettings(url=url, error_ratio_query=query, interval=0.2)
    collector = PrometheusCollector(settings, SystemClock(), request_timeout=request_timeout)
    try:
        yield collector
    finally:
        await collector.aclose()


def near(target: float) -> Callable[[MetricsSnapshot], bool]:
    def check(snapshot: MetricsSnapshot) -> bool:
        latest = snapshot.error_ratio.latest
        return latest is not None and abs(latest - target) < 0.002

    return check


async def test_the_series_follows_the_scripted_error_ratio(
    exporter: Exporter, prometheus: PrometheusServer
) -> None:
    async with collector_for(prometheus.url) as collector:
        # The steps' points too, not only now's (the instant query's): the window starts at 2%.
        await fetch_until(collector, lambda s: near(0.02)(s) and len(s.error_ratio.points) > 2, "2% in steps")
        exporter.set_error_ratio(0.12)
        snapshot = await fetch_until(collector, near(0.12), "the scripted 12%")

    points = snapshot.error_ratio.points
    assert snapshot.window_seconds == 15 * 60 and len(points) <= 301
    assert points[0][1] == pytest.approx(0.02, abs=0.002), "the start of the rise is still in the window"
    # The last point is the instant query's, for now: it follows the last step by less than a step.
    steps = {(later[0] - earlier[0]).total_seconds() for earlier, later in itertools.pairwise(points[:-1])}
    assert steps == {3.0}, "about 300 points over 15 minutes"
    assert 0 < (points[-1][0] - points[-2][0]).total_seconds() <= 3.0
    assert snapshot.collected_at - points[-1][0] < snapshot.collected_at - points[0][0]


async def test_the_default_query_reads_modulo_apis_counters(prometheus: PrometheusServer) -> None:
    # A 5-minute rate needs two scrapes, not five minutes: the ratio of a steady 2% is 2% at once.
    async with collector_for(prometheus.url, query=PrometheusSettings().error_ratio_query) as collector:
        await fetch_until(collector, near(0.02), "2% from the default query")


async def test_a_stopped_prometheus_makes_the_source_stale_and_a_restarted_one_recovers(
    prometheus: PrometheusServer,
) -> None:
    hub = Hub()
    async with collector_for(prometheus.url) as collector:
        await fetch_until(collector, near(0.02), "data before the outage")
        runner = SourceRunner(collector, hub, SystemClock())
        await runner.poll_once()
        live = hub.snapshot(SourceName.METRICS)

        prometheus.stop()
        await runner.poll_once()
        status = hub.status(SourceName.METRICS)
        assert status is not None and status.state is SourceState.STALE
        assert status.last_error == f"127.0.0.1:{prometheus.port}: cannot connect: connection refused"
        assert hub.snapshot(SourceName.METRICS) is live, "the last good data stays on screen"

        prometheus.start()
        deadline = time.monotonic() + DEADLINE
        while (status := hub.status(SourceName.METRICS)) is None or status.state is not SourceState.LIVE:
            assert time.monotonic() < deadline, f"never recovered: {status}"
            await runner.poll_once()
            await asyncio.sleep(POLL)
        recovered = hub.snapshot(SourceName.METRICS)
        assert isinstance(recovered, MetricsSnapshot) and recovered.error_ratio.points


async def test_a_query_prometheus_refuses_says_why(prometheus: PrometheusServer) -> None:
    async with collector_for(prometheus.url, query="sum(rate(http_requests_total[5m]) /") as collector:
        with pytest.raises(PrometheusError, match=r"^127\.0\.0\.1:\d+: HTTP 400: .*parse error"):
            await collector.fetch()


async def test_a_query_returning_several_series_says_to_aggregate(prometheus: PrometheusServer) -> None:
    async with collector_for(prometheus.url, query="http_requests_total") as collector:
        deadline = time.monotonic() + DEADLINE
        while True:
            try:
                await collector.fetch()
            except PrometheusError as err:
                assert "returned 2 series; it must return one (wrap it in sum(...))" in str(err)
                return
            assert time.monotonic() < deadline, "the two counters never showed"
            await asyncio.sleep(POLL)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>It works!</html>", "the answer is not a Prometheus API response"),
        (b'{"status": "success"}', "the answer is not a Prometheus API response"),
        (b'{"data": {"resultType": "matrix", "result": {"a": 1}}}', "not a range-query result"),
        (b'{"data": {"result": [{"values": [["soon", "0.1"]]}]}}', 'a point should be [time, "value"]'),
    ],
)
async def test_a_garbage_answer_is_the_sources_error_not_a_crash(body: bytes, message: str) -> None:
    hub = Hub()
    with JunkServer(body) as junk:
        async with collector_for(junk.url) as collector:
            with pytest.raises(PrometheusError, match=message.replace("[", r"\[")):
                await collector.fetch()
            await SourceRunner(collector, hub, SystemClock()).poll_once()

    status = hub.status(SourceName.METRICS)
    assert (
        status is not None and status.state is SourceState.CONNECTING and message in (status.last_error or "")
    )


async def test_a_server_that_never_answers_times_out() -> None:
    with JunkServer() as junk:
        junk.hang = True
        async with collector_for(junk.url, request_timeout=0.5) as collector:
            started = time.monotonic()
            with pytest.raises(PrometheusError, match=r"no answer within 0\.5 s"):
                await collector.fetch()
            assert time.monotonic() - started < collector.timeout
