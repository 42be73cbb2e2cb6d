from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from modulo_watch.collectors.models import Series
from modulo_watch.widgets.rate_graph import render_rate_graph

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def series(values: list[float], step: float = 15.0) -> Series:
    points = tuple((START + timedelta(seconds=step * i), value) for i, value in enumerate(values))
    return Series("error_ratio", points)


RISING = series([0.01 + 0.12 * (i / 60) ** 2 for i in range(61)])  # 15 minutes, ends at 13%


@pytest.mark.parametrize(("width", "height"), [(30, 6), (60, 12), (120, 25)])
def test_sizes_show_value_thresholds_and_time_axis(width: int, height: int) -> None:
    lines = render_rate_graph(RISING, width, height).plain.split("\n")
    assert len(lines) == height
    assert all(len(line) == width for line in lines)
    assert lines[0].startswith("13.0% ↑ P1")
    assert lines[0].endswith("peak 13.0%")
    body = "\n".join(lines[1:-1])
    assert "P1 10%" in body
    assert "P2 5%" in body
    assert lines[-1].strip().startswith("-15m")
    assert lines[-1].endswith("now")
    assert "█" in body


def test_thresholds_are_ordered_on_the_y_axis() -> None:
    lines = render_rate_graph(series([0.01] * 10), 60, 20).plain.split("\n")
    p1 = next(i for i, line in enumerate(lines) if "P1 10%" in line)
    p2 = next(i for i, line in enumerate(lines) if "P2 5%" in line)
    assert p1 < p2
    assert "╌" in lines[p1]
    assert lines[1].startswith("12%")  # the axis reaches past the highest threshold
    assert lines[-2].lstrip().startswith("0%")


def test_axis_follows_a_peak_above_the_thresholds() -> None:
    lines = render_rate_graph(series([0.02, 0.5, 0.3], step=60), 40, 10).plain.split("\n")
    assert lines[1].startswith("60%")
    assert lines[0].startswith("30.0% ↓ P1")  # compared with a minute earlier


@pytest.mark.parametrize("empty", [None, Series("error_ratio", ())])
def test_empty_series_shows_no_data(empty: Series | None) -> None:
    text = render_rate_graph(empty, 30, 6).plain
    assert "no data" in text
    assert "%" not in text


def test_bad_values_are_skipped_not_fatal() -> None:
    text = render_rate_graph(series([math.nan, 0.02, math.inf, 0.03]), 30, 6).plain
    assert text.startswith("3.0% ")
    assert "no data" in render_rate_graph(series([math.nan]), 30, 6).plain


def test_flat_series_has_a_steady_arrow_and_single_point_works() -> None:
    assert render_rate_graph(series([0.02] * 20), 30, 6).plain.startswith("2.0% →")
    single = render_rate_graph(series([0.07]), 30, 6).plain.split("\n")
    assert single[0].startswith("7.0% → P2")
    assert single[-1].endswith("now")


@pytest.mark.parametrize(("width", "height"), [(1, 1), (10, 2), (12, 3), (23, 4), (200, 60)])
def test_any_size_renders_exactly(width: int, height: int) -> None:
    lines = render_rate_graph(RISING, width, height).plain.split("\n")
    assert len(lines) == height
    assert all(len(line) == width for line in lines)


def test_custom_thresholds_share_a_row_when_close() -> None:
    text = render_rate_graph(RISING, 40, 4, thresholds=((0.05, "P2"), (0.06, "P1"))).plain
    assert "P2 5% · P1 6%" in text
