from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from modulo_watch.collectors.models import Series
from modulo_watch.widgets.rate_graph import render_rate_graph

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def series(values: list[float], step: float = 15.0) -> Series:
    points = tuple((START + timedelta(seconds=step * i), value) for i, value in enumerate(values))
    return Series("error_ratio", points, unit="ratio")


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


@pytest.mark.parametrize("empty", [None, Series("error_ratio", (), unit="ratio")])
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


def test_a_window_longer_than_the_data_leaves_the_left_empty_and_labels_the_axis() -> None:
    fifteen_minutes = series([0.02] * 61)
    lines = render_rate_graph(fifteen_minutes, 84, 6, window=3600).plain.split("\n")
    bottom = lines[-2]
    gutter = len("12%") + 1
    plot = bottom[gutter:]
    # 15 of the 60 minutes have data: the last quarter of the columns, give or take one.
    assert plot[: len(plot) * 3 // 4 - 1].strip() == ""
    assert " " not in plot[len(plot) * 3 // 4 + 1 :]
    assert lines[-1].strip().startswith("-1h")
    assert "-30m" in lines[-1]


def test_points_older_than_the_window_are_not_drawn() -> None:
    spike_then_flat = series([0.5] + [0.01] * 60)  # the spike is 15 minutes old
    lines = render_rate_graph(spike_then_flat, 60, 8, window=14 * 60).plain.split("\n")
    assert "peak 1.0%" in lines[0]


def test_latency_reads_in_milliseconds_and_seconds_with_its_p99_dots() -> None:
    p95 = Series("p95", series([0.18] * 58 + [1.25] * 3).points, unit="seconds")
    p99 = Series("p99", series([0.45] * 58 + [4.8] * 3).points, unit="seconds")
    lines = render_rate_graph(p95, 60, 10, (), overlay=p99).plain.split("\n")
    assert lines[0].startswith("p95 1.25s ↑  p99 4.80s")
    assert lines[0].endswith("peak 4.80s")
    assert lines[1].startswith("5.8s")  # 20% above the p99 peak
    assert lines[-2].lstrip().startswith("0s")
    assert "•" in "".join(lines[1:-1])
    assert "%" not in "".join(lines)


def test_request_rate_reads_per_second() -> None:
    rate = Series("requests", series([240.0] * 58 + [1800.0] * 3).points, unit="req/s")
    lines = render_rate_graph(rate, 60, 6, ()).plain.split("\n")
    assert lines[0].startswith("1.8k req/s ↑")
    assert lines[1].startswith("2.2k/s")
    assert render_rate_graph(rate, 30, 1, ()).plain.startswith("1.8k req/s")  # one row: the value line


def test_an_unknown_unit_is_plain_numbers_and_never_shown() -> None:
    hostile = Series("x", series([0.5] * 5).points, unit="\x1b]0;pwned\x07")
    text = render_rate_graph(hostile, 40, 6, ()).plain
    assert text.startswith("0.5 →")
    assert "pwned" not in text and "\x1b" not in text
