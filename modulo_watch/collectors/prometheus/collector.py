"""The Prometheus collector: the configured error-ratio query over the graph's window, as metrics."""

from __future__ import annotations

import asyncio

from modulo_watch.collectors.clock import Clock
from modulo_watch.collectors.models import MetricsSnapshot, Series, SourceName
from modulo_watch.collectors.prometheus.client import RangeClient, RangeQuery
from modulo_watch.collectors.prometheus.step import DEFAULT_POINTS, query_range, query_step
from modulo_watch.config import PrometheusSettings

WINDOW_SECONDS = 15 * 60
REQUEST_TIMEOUT = 10.0
# Beyond the request's own timeout: a server that trickles its answer past it.
TIMEOUT_SLACK = 2.0
SERIES_NAME = "5xx ratio"


class PrometheusCollector:
    source = SourceName.METRICS

    def __init__(
        self,
        settings: PrometheusSettings,
        clock: Clock,
        *,
        window_seconds: int = WINDOW_SECONDS,
        points: int = DEFAULT_POINTS,
        request_timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        if settings.url is None:
            raise ValueError("no Prometheus URL")  # sources.py makes a collector only when configured
        self.interval = settings.interval
        self.timeout = request_timeout + TIMEOUT_SLACK
        self._query = settings.error_ratio_query
        self._clock = clock
        self._window = window_seconds
        self._step = query_step(window_seconds, points)
        self._client = RangeClient(settings.url, request_timeout)

    async def fetch(self) -> MetricsSnapshot:
        now = self._clock.now()
        start, end = query_range(now, self._window, self._step)
        query = RangeQuery(self._query, start, end, self._step)
        points = await asyncio.to_thread(self._client.series, query)
        return MetricsSnapshot(
            collected_at=now,
            error_ratio=Series(SERIES_NAME, points, unit="ratio"),
            window_seconds=self._window,
        )

    async def aclose(self) -> None:
        self._client.close()
