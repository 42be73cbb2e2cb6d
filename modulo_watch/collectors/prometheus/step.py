"""The range a graph asks Prometheus for: a window, and a step that gives about one point per column."""

from __future__ import annotations

import math
from datetime import UTC, datetime

MAX_POINTS = 11_000
"""Prometheus refuses a range query that would return more points than this per series."""
MIN_STEP = 1


def query_step(window_seconds: int, points: int) -> int:
    """Whole seconds between points, so that ``window_seconds`` holds at most about ``points`` of them.

    A query over ``window`` at ``step`` returns ``window // step + 1`` points: the target is kept one
    under the server's limit so that the extra point never crosses it.
    """
    target = min(max(points, 1), MAX_POINTS - 1)
    return max(MIN_STEP, math.ceil(window_seconds / target))


def query_range(now: datetime, window_seconds: int, step: int) -> tuple[datetime, datetime]:
    """(start, end): ``end`` is ``now`` rounded down to a multiple of ``step``, so consecutive
    queries evaluate at the same instants and the drawn line does not shimmer between polls."""
    end = math.floor(now.timestamp() / step) * step
    return datetime.fromtimestamp(end - window_seconds, UTC), datetime.fromtimestamp(end, UTC)
