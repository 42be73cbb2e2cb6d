"""Which rollouts went out shortly before the error rate rose: the runbook's "check recent deployments".

The rise is found in the error-ratio series itself, against its own quiet level, so it needs no
threshold from the user: a ratio that at least doubles and climbs half a point above its quietest
minute in the window has risen. A tracker keeps the rise once it scrolls out of the graph's window,
for as long as the ratio stays up.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from statistics import median

from modulo_watch.collectors.models import Rollout, Series

SUSPECT_LEAD = timedelta(minutes=30)
"""How long before the rise a rollout counts as a suspect."""
SUSPECT_GRACE = timedelta(minutes=1)
"""A rollout this soon after the first risen point still counts: the series is sampled coarsely."""
MIN_RISE = 0.005  # half a percentage point
MIN_POINTS = 8  # fewer points cannot tell a quiet level from a rise
QUIET_SPAN = 4


def quiet_level(values: list[float]) -> float:
    """The ratio when nothing was wrong: the lowest of its one-minute medians (four 15 s points),
    so a single dip does not count, and a rise that fills most of the window still has a floor."""
    return min(median(values[i : i + QUIET_SPAN]) for i in range(len(values) - QUIET_SPAN + 1))


def risen_above(quiet: float) -> float:
    return max(2 * quiet, quiet + MIN_RISE)


def error_rise(series: Series) -> tuple[datetime, float] | None:
    """When the current rise began, and the level that counts as risen; None when the ratio is quiet.

    The rise is the first point of the newest run of risen points that is still going, so a blip
    that came and went is not one.
    """
    points = series.points
    if len(points) < MIN_POINTS:
        return None
    threshold = risen_above(quiet_level([value for _, value in points]))
    if points[-1][1] < threshold:
        return None
    start = len(points) - 1
    while start > 0 and points[start - 1][1] >= threshold:
        start -= 1
    return points[start][0], threshold


class RiseTracker:
    """The start of the current rise across snapshots: it outlives the series' window while the
    ratio stays above the level that made it a rise."""

    def __init__(self) -> None:
        self._rise: datetime | None = None
        self._threshold = 0.0

    def update(self, series: Series) -> datetime | None:
        found = error_rise(series)
        latest = series.latest
        if found is not None:
            at, threshold = found
            window_start = series.points[0][0]
            # A rise that began before the window shows as one starting at its first point: keep the older.
            if self._rise is None or at > window_start or self._rise > at:
                self._rise, self._threshold = at, threshold
        elif self._rise is None or latest is None or latest < self._threshold:
            self._rise = None
        return self._rise


def suspects(rollouts: Iterable[Rollout], rise: datetime | None) -> frozenset[str]:
    """The keys of the rollouts that started within ``SUSPECT_LEAD`` before the rise."""
    if rise is None:
        return frozenset()
    earliest, latest = rise - SUSPECT_LEAD, rise + SUSPECT_GRACE
    return frozenset(rollout.key for rollout in rollouts if earliest <= rollout.since <= latest)
