"""The drill's metrics: every window the graph offers, and latency and traffic that move with the story."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from modulo_watch.collectors.drill import ScenarioError, load_scenario
from modulo_watch.collectors.graph_view import WINDOWS
from modulo_watch.collectors.models import MetricsSnapshot, Series
from tests.unit.test_drill_errors import MINIMAL, line_of, write

START = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
SHIPPED = ["bad-deploy", "db-connections", "node-disk-pressure"]


def latest(series: Series | None) -> float:
    assert series is not None and series.latest is not None
    return series.latest


def metrics(scenario: str, minutes: float, window: int = WINDOWS[0], points: int = 300) -> MetricsSnapshot:
    return load_scenario(scenario).metrics_at(minutes * 60, START, window, points)


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("columns", [22, 196])
def test_each_window_is_covered_at_about_one_point_per_column(window: int, columns: int) -> None:
    at = 12 * 60 + 7.5
    newest = START + timedelta(seconds=12 * 60)  # the scenario's 15 s step at or before ``at``
    snapshot = load_scenario("bad-deploy").metrics_at(at, START, window, columns)
    assert snapshot.window_seconds == window
    for series in (snapshot.error_ratio, snapshot.latency_p95, snapshot.latency_p99, snapshot.request_rate):
        assert series is not None
        times = [moment for moment, _ in series.points]
        # Evenly spaced, a whole number of 15 s steps, then the newest one, as a live instant query adds it.
        assert times[-1] == newest
        spaced = times if len({b - a for a, b in itertools.pairwise(times)}) == 1 else times[:-1]
        steps = {b - a for a, b in itertools.pairwise(spaced)}
        assert len(steps) == 1
        step = steps.pop()
        assert step.total_seconds() % 15 == 0
        assert newest - spaced[-1] < step
        # As fine as the graph can draw, or as the scenario's step is.
        assert min(columns, window // 15) // 2 <= len(times) <= columns + 1
        # The window back from the newest point, give or take one step.
        assert timedelta(seconds=window) - 2 * step <= times[-1] - times[0] <= timedelta(seconds=window)


@pytest.mark.parametrize("scenario", SHIPPED)
def test_six_hours_before_the_drill_sit_at_the_baseline(scenario: str) -> None:
    snapshot = metrics(scenario, 0, WINDOWS[-1], 200)
    assert snapshot.error_ratio.points[0][0] <= START - timedelta(hours=5, minutes=58)
    assert all(0 < value < 0.01 for _, value in snapshot.error_ratio.points)
    p95 = snapshot.latency_p95
    p99 = snapshot.latency_p99
    assert p95 is not None and p99 is not None and snapshot.request_rate is not None
    assert all(0.1 < value < 0.3 for _, value in p95.points)
    assert all(0.3 < value < 0.6 for _, value in p99.points)
    assert all(150 < value < 350 for _, value in snapshot.request_rate.points)


@pytest.mark.parametrize(("scenario", "worst"), [("bad-deploy", 14), ("db-connections", 14)])
def test_latency_rises_with_the_error_ratio_and_falls_back(scenario: str, worst: float) -> None:
    calm, bad, after = (metrics(scenario, minute) for minute in (1, worst, 33))
    assert latest(bad.latency_p95) > 5 * latest(calm.latency_p95)
    assert latest(bad.latency_p99) > latest(bad.latency_p95)
    assert latest(bad.error_ratio) > 10 * latest(calm.error_ratio)
    assert latest(after.latency_p95) < 1.5 * latest(calm.latency_p95)


def test_traffic_grows_at_the_bad_deploys_evening_peak() -> None:
    assert latest(metrics("bad-deploy", 16).request_rate) > 1.15 * latest(
        metrics("bad-deploy", 1).request_rate
    )


def test_the_error_ratio_is_unchanged_by_the_new_series() -> None:
    """The world's own 15 minutes and the collector's are the same points: old screenshots stay true."""
    scenario = load_scenario("bad-deploy")
    world = scenario.world_at(600, START).metrics
    assert scenario.metrics_at(600, START, WINDOWS[0], 300).error_ratio == world.error_ratio


def test_a_scenario_without_latency_keys_gets_quiet_defaults(tmp_path: Path) -> None:
    scenario = load_scenario(str(write(tmp_path, MINIMAL)))
    snapshot = scenario.metrics_at(0, START, WINDOWS[0], 100)
    assert 0.1 < latest(snapshot.latency_p95) < 0.3
    assert 0.3 < latest(snapshot.latency_p99) < 0.6
    assert 150 < latest(snapshot.request_rate) < 350


def test_a_latency_event_without_p99_keeps_the_tail_ratio(tmp_path: Path) -> None:
    text = MINIMAL + '\n[[event]]\nat = "2m"\nlatency_p95 = 1.8\nover = "30s"\n'
    snapshot = load_scenario(str(write(tmp_path, text))).metrics_at(600, START, WINDOWS[0], 100)
    ratio = latest(snapshot.latency_p99) / latest(snapshot.latency_p95)
    assert 0.45 / 0.18 * 0.8 < ratio < 0.45 / 0.18 * 1.25


def test_a_p99_under_the_p95_names_its_line(tmp_path: Path) -> None:
    text = MINIMAL + '\n[[event]]\nat = "2m"\nlatency_p95 = 1.8\nlatency_p99 = 0.9\n'
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(str(path))
    assert str(caught.value).startswith(f"{path}:{line_of(text, 'latency_p99 = 0.9')}: ")
    assert "'latency_p99' must be at least 'latency_p95'" in str(caught.value)
