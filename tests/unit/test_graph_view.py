"""The graph's windows, and the range each asks Prometheus for at each graph width."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from modulo_watch.collectors.graph_view import MIN_POINTS, WINDOWS, GraphView, next_window, window_label
from modulo_watch.collectors.prometheus.step import MAX_POINTS, query_range, query_step


def test_the_window_key_cycles_fifteen_minutes_one_hour_six_hours_and_back() -> None:
    seen = [WINDOWS[0]]
    for _ in range(3):
        seen.append(next_window(seen[-1]))
    assert seen == [900, 3600, 21600, 900]
    assert [window_label(window) for window in seen[:3]] == ["15 min", "1 h", "6 h"]
    assert next_window(1234) == WINDOWS[0]  # not one of ours: start over


def test_a_new_window_asks_for_a_refetch_a_new_width_does_not() -> None:
    view = GraphView()
    assert not view.show(WINDOWS[0], 120)
    assert view.points == 120
    assert view.show(WINDOWS[1], 120)
    assert not view.show(WINDOWS[1], 0)
    assert view.points == MIN_POINTS  # a graph not laid out yet still asks for a few points


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("columns", [20, 78, 196, 400, 20_000])
def test_each_window_gets_about_one_point_per_column_within_the_server_limit(
    window: int, columns: int
) -> None:
    step = query_step(window, columns)
    start, end = query_range(datetime(2026, 11, 27, 6, 0, 7, tzinfo=UTC), window, step)
    points = int((end - start).total_seconds()) // step + 1
    assert points <= MAX_POINTS
    assert points <= columns + 1 or step == 1  # never more than the graph can draw
    assert points >= min(columns, window) // 2  # nor so few that it looks coarse
    assert (end - start).total_seconds() == window
