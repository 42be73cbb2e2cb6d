"""The Error rate pane's keys on a drill: the window (t) and the latency view (v)."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest

from modulo_watch.collectors.clock import SystemClock
from modulo_watch.collectors.hub import Hub
from modulo_watch.collectors.models import MetricsSnapshot, Series, SourceName
from modulo_watch.collectors.sources import Sources
from modulo_watch.config import PrometheusSettings
from modulo_watch.tui.app import WarRoomApp
from modulo_watch.tui.panes.error_rate import ErrorRatePane
from modulo_watch.tui.screens.help import HelpScreen
from modulo_watch.widgets.rate_graph import RateGraph
from tests.fakes import EPOCH
from tests.hostile import FORBIDDEN_OUTPUT, HOSTILE_STRINGS
from tests.tui.support import FAST_POLLING, custom_app, drill_app, screen_text, wait_until
from tests.tui.test_hostile import terminal_output

# The metrics poll once an hour: only the window key's wake-up can bring a second snapshot in time.
SLOW_METRICS = replace(FAST_POLLING, prometheus=PrometheusSettings(interval=3600.0))


def pane(app: WarRoomApp) -> ErrorRatePane:
    return app.query_one(ErrorRatePane)


def title(app: WarRoomApp) -> str:
    return str(pane(app).border_title)


def graph_lines(app: WarRoomApp, graph_id: str) -> list[str]:
    graph = app.query_one(f"#{graph_id}", RateGraph)
    return [graph.render_line(y).text for y in range(graph.size.height)]


def shown_window(app: WarRoomApp) -> int | None:
    snapshot = app.sources.hub.snapshot(SourceName.METRICS)
    if not isinstance(snapshot, MetricsSnapshot) or not app.shows_data_of(SourceName.METRICS):
        return None
    return snapshot.window_seconds


def shows(app: WarRoomApp, window: int, label: str) -> bool:
    return shown_window(app) == window and f"last {label}" in title(app)


async def test_t_cycles_the_window_and_the_metrics_follow_at_once(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=14, settings=SLOW_METRICS)
    async with app.run_test(size=(200, 55)) as pilot:
        await wait_until(pilot, lambda: shown_window(app) == 900, "the first 15 minutes")
        assert "5xx ratio · last 15 min" in title(app)
        assert graph_lines(app, "error-rate-graph")[-1].lstrip().startswith("-15m")
        await pilot.press("4")
        for window, label, axis in ((3600, "1 h", "-1h"), (21600, "6 h", "-6h"), (900, "15 min", "-15m")):
            await pilot.press("t")
            await wait_until(
                pilot, partial(shows, app, window, label), f"the {label} window, said in the title"
            )
            assert "→" not in title(app)  # nothing asked for is still on its way
            assert graph_lines(app, "error-rate-graph")[-1].lstrip().startswith(axis)


async def test_the_graph_asks_for_one_point_per_column(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=14)
    async with app.run_test(size=(200, 55)) as pilot:
        graph = app.query_one("#error-rate-graph", RateGraph)
        await wait_until(pilot, lambda: graph.size.width > 0, "the layout")
        await wait_until(
            pilot, lambda: app.sources.graph_view.points == graph.size.width, "the graph's width"
        )
        await pilot.press("4", "t", "t")
        await wait_until(pilot, lambda: shown_window(app) == 21600, "six hours")
        snapshot = app.sources.hub.snapshot(SourceName.METRICS)
        assert isinstance(snapshot, MetricsSnapshot)
        assert graph.size.width // 2 <= len(snapshot.error_ratio.points) <= graph.size.width


@pytest.mark.parametrize("size", [(80, 24), (200, 55)])
async def test_v_switches_to_latency_and_request_rate_and_back(tmp_path: Path, size: tuple[int, int]) -> None:
    app = drill_app(tmp_path, minute=14)
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: shown_window(app) == 900, "the metrics")
        await pilot.press("4", "v")
        await wait_until(pilot, lambda: "latency" in title(app), "the latency view's title")
        assert not app.query_one("#error-rate-graph", RateGraph).display
        latency = graph_lines(app, "latency-graph")
        assert latency[0].startswith("p95 ")
        assert " p99 " in latency[0]
        assert "%" not in "".join(latency)
        assert float(latency[0].split()[1].removesuffix("s")) >= 1.0  # seconds, deep in the bad deploy
        assert "req/s" in graph_lines(app, "request-rate-graph")[0]
        await pilot.press("v")
        await wait_until(pilot, lambda: "5xx ratio" in title(app), "the error rate again")
        assert app.query_one("#error-rate-graph", RateGraph).display
        assert graph_lines(app, "error-rate-graph")[0].split()[-1].endswith("%")


async def test_help_lists_the_error_rate_keys(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=(200, 55)) as pilot:
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        await pilot.pause()
        text = screen_text(app)
        assert "error-rate-window" in text and "error-rate-latency" in text


def failing_latency_hub(error: str) -> Hub:
    hub = Hub()
    ratio = Series("5xx ratio", ((EPOCH, 0.02),), unit="ratio")
    hub.publish_snapshot(SourceName.METRICS, MetricsSnapshot(EPOCH, ratio, latency_error=error))
    return hub


async def test_a_failed_latency_query_shows_no_data_and_why_keeping_the_error_ratio(tmp_path: Path) -> None:
    error = "127.0.0.1:9090: HTTP 400: bad_data: parse error"
    app = custom_app(tmp_path, Sources(hub=failing_latency_hub(error), clock=SystemClock()))
    async with app.run_test(size=(200, 55)) as pilot:
        await wait_until(pilot, lambda: app.shows_data_of(SourceName.METRICS), "the metrics")
        assert graph_lines(app, "error-rate-graph")[0].startswith("2.0%")
        await pilot.press("4", "v")
        await wait_until(pilot, lambda: "HTTP 400" in title(app), "the reason in the title")
        assert any("no data" in line for line in graph_lines(app, "latency-graph"))
        assert any("no data" in line for line in graph_lines(app, "request-rate-graph"))


def hostile_latency_hub(text: str) -> Hub:
    """Every string the latency view shows from outside: the series' names (a drill scenario's), the error."""
    hub = Hub()
    points = ((EPOCH, 0.2),)
    hub.publish_snapshot(
        SourceName.METRICS,
        MetricsSnapshot(
            EPOCH,
            Series(text, points, unit=text),
            latency_p95=Series(text, points, unit="seconds"),
            latency_p99=Series(text, ((EPOCH, 0.5),), unit="seconds"),
            request_rate=Series(text, ((EPOCH, 240.0),), unit=text),
            latency_error=text,
        ),
    )
    return hub


@pytest.mark.parametrize("text", [s for s in HOSTILE_STRINGS if "\x1b" in s or "\x9b" in s])
async def test_hostile_latency_text_is_inert(tmp_path: Path, text: str) -> None:
    app = custom_app(tmp_path, Sources(hub=hostile_latency_hub(text), clock=SystemClock()))
    async with app.run_test(size=(200, 55)) as pilot:
        await pilot.press("4", "v")
        await wait_until(pilot, lambda: "latency" in title(app), "the latency view")
        output = terminal_output(app)
        for forbidden in FORBIDDEN_OUTPUT:
            assert forbidden not in output
