"""The range asked of Prometheus: about one point per column, never over the server's 11,000."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from modulo_watch.collectors.prometheus.step import MAX_POINTS, query_range, query_step


def points_returned(window: int, step: int) -> int:
    """How many points Prometheus evaluates over [end - window, end] at ``step``."""
    return window // step + 1


@pytest.mark.parametrize(("window", "points", "step"), [(900, 300, 3), (900, 120, 8), (3600, 300, 12)])
def test_the_step_gives_about_the_points_asked_for(window: int, points: int, step: int) -> None:
    assert query_step(window, points) == step
    assert points_returned(window, step) <= points + 1


@pytest.mark.parametrize("window", [900, 3600, 6 * 3600, 11_000, 7 * 24 * 3600])
@pytest.mark.parametrize("points", [1, 300, 10_999, 11_000, 50_000])
def test_never_more_points_than_prometheus_accepts(window: int, points: int) -> None:
    step = query_step(window, points)

    assert step >= 1
    assert points_returned(window, step) <= MAX_POINTS


def test_a_short_window_is_not_asked_finer_than_a_second() -> None:
    assert query_step(60, 300) == 1


def test_the_range_ends_on_a_step_so_consecutive_polls_share_their_points() -> None:
    first = query_range(datetime(2026, 5, 4, 12, 0, 1, 500_000, tzinfo=UTC), 900, 3)
    second = query_range(datetime(2026, 5, 4, 12, 0, 2, 900_000, tzinfo=UTC), 900, 3)

    assert first == second
    start, end = first
    assert end == datetime(2026, 5, 4, 12, 0, tzinfo=UTC) and (end - start).total_seconds() == 900
