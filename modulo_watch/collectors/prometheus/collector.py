"""The Prometheus collector: the error ratio, latency and request rate over the graph's window, as metrics.

The four queries run at once. The error ratio is the source: its failure is the source's error. The
latency view's queries are extras: their failure only empties that view, with the reason.

Each series is a range query at about one point per graph column, at instants that are multiples of the
step (so the line does not shimmer between polls), plus an instant query for now: on a coarse step (six
hours on a narrow pane) the newest aligned point could be minutes old, and the value line must be current.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from modulo_watch.collectors.clock import Clock
from modulo_watch.collectors.graph_view import GraphView
from modulo_watch.collectors.models import MetricsSnapshot, Series, SourceName
from modulo_watch.collectors.prometheus.client import RangeClient, RangeQuery
from modulo_watch.collectors.prometheus.result import Point, PrometheusError
from modulo_watch.collectors.prometheus.step import query_range, query_step
from modulo_watch.config import PrometheusSettings

REQUEST_TIMEOUT = 10.0
# Beyond the request's own timeout: a server that trickles its answer past it.
TIMEOUT_SLACK = 2.0


@dataclass(frozen=True, slots=True)
class MetricQuery:
    what: str  # names the query in errors: "the latency p95 query returned 3 series"
    name: str  # the series' name on the graph
    unit: str
    promql: str


def metric_queries(settings: PrometheusSettings) -> tuple[MetricQuery, ...]:
    """The error ratio first, then the latency view's series in MetricsSnapshot's order."""
    return (
        MetricQuery("error-ratio", "5xx ratio", "ratio", settings.error_ratio_query),
        MetricQuery("latency p95", "p95", "seconds", settings.latency_p95_query),
        MetricQuery("latency p99", "p99", "seconds", settings.latency_p99_query),
        MetricQuery("request-rate", "requests", "req/s", settings.request_rate_query),
    )


class PrometheusCollector:
    source = SourceName.METRICS

    def __init__(
        self,
        settings: PrometheusSettings,
        clock: Clock,
        view: GraphView | None = None,
        *,
        request_timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        if settings.url is None:
            raise ValueError("no Prometheus URL")  # sources.py makes a collector only when configured
        self.interval = settings.interval
        self.timeout = request_timeout + TIMEOUT_SLACK
        self._queries = metric_queries(settings)
        self._clock = clock
        self._view = view or GraphView()
        self._client = RangeClient(settings.url, request_timeout)

    async def fetch(self) -> MetricsSnapshot:
        now = self._clock.now()
        # Read once: the UI may change the view while the queries run.
        window = self._view.window_seconds
        step = query_step(window, self._view.points)
        start, end = query_range(now, window, step)
        answers = await asyncio.gather(
            *(
                self._series(query, RangeQuery(query.promql, start, end, step), now)
                for query in self._queries
            ),
            return_exceptions=True,
        )
        error_ratio = answers[0]
        if isinstance(error_ratio, BaseException):
            raise error_ratio
        p95, p99, rate = (_extra(answer) for answer in answers[1:])
        return MetricsSnapshot(
            collected_at=now,
            error_ratio=error_ratio,
            window_seconds=window,
            latency_p95=p95,
            latency_p99=p99,
            request_rate=rate,
            latency_error=_first_problem(answers[1:]),
        )

    async def _series(self, query: MetricQuery, range_query: RangeQuery, now: datetime) -> Series:
        points, latest = await asyncio.gather(
            asyncio.to_thread(self._client.series, range_query, query.what),
            asyncio.to_thread(self._client.latest, query.promql, now, query.what),
            return_exceptions=True,
        )
        # The range's failure first, whichever answered first: the same fault always reads the same.
        if isinstance(points, BaseException):
            raise points
        if isinstance(latest, BaseException):
            raise latest
        return Series(query.name, _with_latest(points, latest), unit=query.unit)

    async def aclose(self) -> None:
        self._client.close()


def _with_latest(points: tuple[Point, ...], latest: Point | None) -> tuple[Point, ...]:
    if latest is None or (points and latest[0] <= points[-1][0]):
        return points
    return (*points, latest)


def _extra(answer: Series | BaseException) -> Series | None:
    """A latency-view series, or None when its query failed; anything but Prometheus' refusal is a bug."""
    if isinstance(answer, PrometheusError):
        return None
    if isinstance(answer, BaseException):
        raise answer
    return answer


def _first_problem(answers: Sequence[Series | BaseException]) -> str | None:
    return next((str(answer) for answer in answers if isinstance(answer, PrometheusError)), None)
