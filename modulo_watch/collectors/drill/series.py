"""The metrics series: levels that ramp between scripted targets, plus deterministic noise.

Each point depends only on its own time, so any window (up to the graph's six hours) can be drawn for
any moment, including one reached by jumping ahead; before the drill starts every level is its baseline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from modulo_watch.collectors.drill.level import Level
from modulo_watch.collectors.drill.noise import signed_unit
from modulo_watch.collectors.drill.spec import (
    ErrorRatioEvent,
    Event,
    LatencyEvent,
    MetricsSpec,
    RequestRateEvent,
)
from modulo_watch.collectors.graph_view import DEFAULT_POINTS, WINDOWS
from modulo_watch.collectors.models import MetricsSnapshot, Series

WINDOW_SECONDS = WINDOWS[0]
_MEMO_LIMIT = 8192
# Latency and traffic wobble less than a ratio of small counts does.
_LATENCY_NOISE, _RATE_NOISE = 0.5, 0.25


@dataclass(frozen=True, slots=True)
class _Wave:
    """One noisy series: a level, how much the noise moves it, and the seed salt that keeps series apart."""

    level: Level
    noise: float
    salt: int
    high: float = math.inf


class MetricsTimeline:
    def __init__(self, spec: MetricsSpec, seed: int, events: tuple[Event, ...]) -> None:
        self._spec = spec
        self._seed = seed
        ratio = Level(spec.error_ratio, smooth=True)
        p95, p99 = Level(spec.latency_p95, smooth=True), Level(spec.latency_p99, smooth=True)
        rate = Level(spec.request_rate, smooth=True)
        tail = spec.latency_p99 / spec.latency_p95  # p99 keeps this ratio to p95 unless an event says
        for event in events:
            if isinstance(event, ErrorRatioEvent):
                ratio.ramp_to(event.at, event.over, event.target)
            elif isinstance(event, LatencyEvent):
                p95.ramp_to(event.at, event.over, event.p95)
                p99.ramp_to(event.at, event.over, event.p95 * tail if event.p99 is None else event.p99)
            elif isinstance(event, RequestRateEvent):
                rate.ramp_to(event.at, event.over, event.target)
        self._ratio = _Wave(ratio, spec.noise, 0, high=1.0)
        self._p95 = _Wave(p95, spec.noise * _LATENCY_NOISE, 1)
        self._p99 = _Wave(p99, spec.noise * _LATENCY_NOISE, 2)
        self._rate = _Wave(rate, spec.noise * _RATE_NOISE, 3)
        # Consecutive snapshots share all but a point or two; points are pure, so memoise them.
        self._points: dict[tuple[datetime, int, int], tuple[datetime, float]] = {}

    def _value(self, wave: _Wave, step_index: int) -> float:
        """The wave at ``step_index * step`` seconds: its level, off by up to its ``noise`` of itself."""
        base = wave.level.at(step_index * self._spec.step)
        # Fast jitter plus a slower wobble, so the line looks measured rather than drawn.
        wobble = 0.65 * signed_unit(self._seed + wave.salt, step_index) + 0.35 * signed_unit(
            self._seed + wave.salt, step_index // 4, 1
        )
        return round(min(wave.high, max(0.0, base * (1 + wave.noise * wobble))), 6)

    def snapshot(
        self, at: float, start: datetime, window: int = WINDOW_SECONDS, points: int = DEFAULT_POINTS
    ) -> MetricsSnapshot:
        """The ``window`` seconds up to drill time ``at``, with at most about ``points`` points per series."""
        step = self._spec.step
        stride = max(1, math.ceil(window / step / max(points, 1)))  # whole steps, so points stay memoised
        fresh = math.floor(at / step)
        last = fresh // stride * stride
        # Multiples of the stride, so the line holds still between polls; and the newest point, as the
        # live collector's instant query adds it, so the value line is current on a coarse stride.
        indexes = [*range(last - (int(window // step) // stride - 1) * stride, last + 1, stride)]
        if fresh != last:
            indexes.append(fresh)
        if len(self._points) > _MEMO_LIMIT:
            self._points.clear()

        def series(wave: _Wave, name: str, unit: str) -> Series:
            return Series(name, tuple(self._point(start, wave, index) for index in indexes), unit=unit)

        return MetricsSnapshot(
            collected_at=start + timedelta(seconds=at),
            error_ratio=series(self._ratio, self._spec.series, "ratio"),
            window_seconds=window,
            latency_p95=series(self._p95, "p95", "seconds"),
            latency_p99=series(self._p99, "p99", "seconds"),
            request_rate=series(self._rate, "requests", "req/s"),
        )

    def _point(self, start: datetime, wave: _Wave, index: int) -> tuple[datetime, float]:
        key = (start, wave.salt, index)
        point = self._points.get(key)
        if point is None:
            point = self._points[key] = (
                start + timedelta(seconds=index * self._spec.step),
                self._value(wave, index),
            )
        return point
