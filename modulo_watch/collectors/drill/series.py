"""The 5xx ratio series: a level that ramps between scripted targets, plus deterministic noise.

Each point depends only on its own time, so the last 15 minutes can be drawn for any moment,
including one reached by jumping ahead.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from modulo_watch.collectors.drill.level import Level
from modulo_watch.collectors.drill.noise import signed_unit
from modulo_watch.collectors.drill.spec import ErrorRatioEvent, Event, MetricsSpec
from modulo_watch.collectors.models import MetricsSnapshot, Series

WINDOW_SECONDS = 15 * 60
_MEMO_LIMIT = 4096


class ErrorRatioTimeline:
    def __init__(self, spec: MetricsSpec, seed: int, events: tuple[Event, ...]) -> None:
        self._spec = spec
        self._seed = seed
        self._level = Level(spec.error_ratio, smooth=True)
        for event in events:
            if isinstance(event, ErrorRatioEvent):
                self._level.ramp_to(event.at, event.over, event.target)
        # Consecutive snapshots share all but a point or two; points are pure, so memoise them.
        self._points: dict[tuple[datetime, int], tuple[datetime, float]] = {}

    def value(self, step_index: int) -> float:
        """The ratio at ``step_index * step`` seconds: the level, off by up to ``noise`` of itself."""
        base = self._level.at(step_index * self._spec.step)
        # Fast jitter plus a slower wobble, so the line looks measured rather than drawn.
        wobble = 0.65 * signed_unit(self._seed, step_index) + 0.35 * signed_unit(
            self._seed, step_index // 4, 1
        )
        return round(min(1.0, max(0.0, base * (1 + self._spec.noise * wobble))), 6)

    def snapshot(self, at: float, start: datetime) -> MetricsSnapshot:
        step = self._spec.step
        last = math.floor(at / step)
        first = last - int(WINDOW_SECONDS // step) + 1
        if len(self._points) > _MEMO_LIMIT:
            self._points.clear()
        points = tuple(self._point(start, index) for index in range(first, last + 1))
        return MetricsSnapshot(
            collected_at=start + timedelta(seconds=at),
            error_ratio=Series(self._spec.series, points, unit="ratio"),
            window_seconds=WINDOW_SECONDS,
        )

    def _point(self, start: datetime, index: int) -> tuple[datetime, float]:
        point = self._points.get((start, index))
        if point is None:
            point = self._points[(start, index)] = (
                start + timedelta(seconds=index * self._spec.step),
                self.value(index),
            )
        return point
