from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from textual.app import App, ComposeResult
from textual.color import Color

from modulo_watch.collectors.models import Series
from modulo_watch.widgets.rate_graph import RateGraph

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SERIES = Series(
    "error_ratio",
    tuple((START + timedelta(seconds=15 * i), 0.01 + 0.114 * (i / 60) ** 2) for i in range(61)),
    unit="ratio",
)


class GraphApp(App[None]):
    def compose(self) -> ComposeResult:
        yield RateGraph()


def lines(graph: RateGraph) -> list[str]:
    return [graph.render_line(y).text for y in range(graph.size.height)]


@pytest.mark.parametrize("size", [(30, 6), (120, 25)])
async def test_graph_fills_the_widget(size: tuple[int, int]) -> None:
    app = GraphApp()
    async with app.run_test(size=size) as pilot:
        graph = app.query_one(RateGraph)
        assert graph.size == size
        await pilot.pause()
        assert any("no data" in line for line in lines(graph))
        graph.apply(SERIES)
        await pilot.pause()
        shown = lines(graph)
        assert shown[0].startswith("12.4% ↑ P1")
        assert any("P1 10%" in line for line in shown)
        assert any("P2 5%" in line for line in shown)
        assert shown[-1].rstrip().endswith("now")
        graph.apply(None)
        await pilot.pause()
        assert any("no data" in line for line in lines(graph))


async def test_graph_uses_theme_colours() -> None:
    app = GraphApp()
    async with app.run_test(size=(40, 8)) as pilot:
        graph = app.query_one(RateGraph)
        graph.apply(SERIES)
        await pilot.pause()
        error = Color.parse(app.theme_variables["error"]).rich_color
        value_line = graph.render_line(0)
        assert any(
            seg.style is not None and seg.style.color == error for seg in value_line if seg.text.strip()
        )
