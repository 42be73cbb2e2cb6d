from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.widgets import Static

from modulo_watch.collectors.models import Pod
from modulo_watch.widgets.safe_text import inert
from modulo_watch.widgets.table import Column, Row, VirtualTable, column_widths
from tests.hostile import FORBIDDEN_OUTPUT, HOSTILE_STRINGS

COLUMNS = (
    Column("ns", "NAMESPACE", 10),
    Column("name", "NAME"),
    Column("restarts", "RESTARTS", 8, "right"),
)
CREATED = datetime(2026, 3, 1, tzinfo=UTC)
SIZE = (60, 12)  # the table gets 11 lines: a header and 10 rows


def make_rows(count: int, *, reverse: bool = False) -> list[Row]:
    indices = range(count - 1, -1, -1) if reverse else range(count)
    return [Row(f"ns/pod-{i}", (inert("ns"), inert(f"pod-{i}"), Text(str(i)))) for i in indices]


class TableApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.highlighted: list[str | None] = []
        self.selected: list[str] = []

    def compose(self) -> ComposeResult:
        yield VirtualTable(COLUMNS, empty_message="no pods", id="table")
        yield Static("status line")

    def on_mount(self) -> None:
        self.table.focus()

    @property
    def table(self) -> VirtualTable[Row]:
        return self.query_one("#table", VirtualTable)

    @on(VirtualTable.RowHighlighted)
    def record_highlight(self, message: VirtualTable.RowHighlighted) -> None:
        self.highlighted.append(message.key)

    @on(VirtualTable.RowSelected)
    def record_selection(self, message: VirtualTable.RowSelected) -> None:
        self.selected.append(message.key)


def visible_lines(table: VirtualTable[Any]) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


def cursor_screen_line(table: VirtualTable[Any]) -> int:
    assert table.cursor_index is not None
    return table.cursor_index - round(table.scroll_y) + 1


async def test_renders_header_and_visible_rows_only() -> None:
    app = TableApp()
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        table.set_rows(make_rows(10_000))
        await pilot.pause()
        lines = visible_lines(table)
        assert lines[0].split() == ["NAMESPACE", "NAME", "RESTARTS"]
        assert lines[1].split() == ["ns", "pod-0", "0"]
        assert lines[10].split() == ["ns", "pod-9", "9"]
        assert lines[1].rstrip().endswith("0") and len(lines[1]) == table.size.width
        assert table.virtual_size.height == 10_001
        assert table.max_scroll_x == 0  # flexible column fills the width: no horizontal scrollbar


async def test_cursor_keys_move_and_scroll() -> None:
    app = TableApp()
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        table.set_rows(make_rows(10_000))
        await pilot.pause()
        assert table.cursor_key == "ns/pod-0"
        await pilot.press("down", "down")
        assert table.cursor_key == "ns/pod-2"
        await pilot.press("pagedown")
        assert table.cursor_key == "ns/pod-12"
        await pilot.pause()
        assert 1 <= cursor_screen_line(table) < table.size.height
        assert visible_lines(table)[cursor_screen_line(table)].split()[1] == "pod-12"
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_key == "ns/pod-9999"
        assert visible_lines(table)[-1].split()[1] == "pod-9999"
        await pilot.press("pageup", "up")
        assert table.cursor_key == "ns/pod-9988"
        await pilot.press("home")
        await pilot.pause()
        assert table.cursor_key == "ns/pod-0"
        assert table.scroll_y == 0
        await pilot.press("up")
        assert table.cursor_key == "ns/pod-0"


async def test_cursor_follows_its_key_across_updates() -> None:
    app = TableApp()
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        table.set_rows(make_rows(10_000))
        await pilot.pause()
        table.move_cursor_to_key("ns/pod-500")
        await pilot.pause()
        line_before = cursor_screen_line(table)
        table.set_rows(make_rows(10_000, reverse=True))
        await pilot.pause()
        assert table.cursor_key == "ns/pod-500"
        assert table.cursor_index == 9_499
        assert cursor_screen_line(table) == line_before  # the row did not jump on screen
        assert visible_lines(table)[line_before].split()[1] == "pod-500"

        table.set_rows([row for row in make_rows(10_000, reverse=True) if row.key != "ns/pod-500"])
        await pilot.pause()
        assert table.cursor_index == 9_499  # its key is gone: the row that took its place
        assert table.cursor_key == "ns/pod-499"


async def test_a_cursor_on_the_first_row_keeps_to_the_top_as_rows_arrive_above() -> None:
    app = TableApp()
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        table.set_rows(make_rows(100))
        await pilot.pause()
        assert table.cursor_index == 0

        table.set_rows(make_rows(100, reverse=True))
        await pilot.pause()

        assert table.cursor_index == 0 and table.scroll_y == 0
        assert table.cursor_key == "ns/pod-99", "the row now on top, in view"


async def test_messages_highlight_and_select() -> None:
    app = TableApp()
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        table.set_rows(make_rows(100))
        await pilot.pause()
        await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause()
        assert app.highlighted[0] == "ns/pod-0"
        assert app.highlighted[-1] == "ns/pod-1"
        assert app.selected == ["ns/pod-1"]
        table.set_rows(make_rows(100))  # same key under the cursor: no new highlight
        await pilot.pause()
        assert app.highlighted[-1] == "ns/pod-1"
        count = len(app.highlighted)
        table.set_rows([])
        await pilot.pause()
        assert app.highlighted[count:] == [None]


async def test_click_highlights_then_selects() -> None:
    app = TableApp()
    async with app.run_test(size=SIZE) as pilot:
        app.table.set_rows(make_rows(100))
        await pilot.pause()
        await pilot.click("#table", offset=(15, 3))
        assert app.table.cursor_key == "ns/pod-2"
        assert app.selected == []
        await pilot.click("#table", offset=(15, 3))
        await pilot.pause()
        assert app.selected == ["ns/pod-2"]


async def test_empty_state_shows_placeholder() -> None:
    app = TableApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.table
        assert table.cursor_key is None
        assert any(line.strip() == "no pods" for line in visible_lines(table))
        table.empty_message = "waiting for the first snapshot…"
        await pilot.pause()
        assert any("waiting for the first snapshot…" in line for line in visible_lines(table))


async def test_cursor_and_row_styles() -> None:
    app = TableApp()
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        table.set_rows([Row("a", ("ns", "a", "1")), Row("b", ("ns", "b", "2"), style="italic")])
        await pilot.pause()
        cursor = table.get_component_rich_style("table--cursor")
        cursor_line = table.render_line(1)
        assert all(
            segment.style is not None and segment.style.bgcolor == cursor.bgcolor for segment in cursor_line
        )
        assert cursor_line.cell_length == table.size.width
        plain_line = table.render_line(2)
        assert any(segment.style is not None and segment.style.italic for segment in plain_line)
        assert not any(
            segment.style is not None and segment.style.bgcolor == cursor.bgcolor for segment in plain_line
        )


async def test_hostile_cells_are_inert() -> None:
    app = TableApp()
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.table
        rows = [
            Row(f"row-{i}", (value, Text(value), inert(value, "bold")))  # raw str, raw Text, inert
            for i, value in enumerate(HOSTILE_STRINGS)
        ]
        table.set_rows(rows)
        await pilot.pause()
        for line in visible_lines(table):
            assert "\x1b" not in line
            for forbidden in FORBIDDEN_OUTPUT:
                assert forbidden not in line
        assert "[bold red]x[/]" in "".join(visible_lines(table))  # markup shown literally


async def test_lazy_rows_format_only_what_is_drawn() -> None:
    pods = [Pod("ns", f"pod-{i}", 1, 1, "Running", i % 3, CREATED) for i in range(50_000)]
    formatted: list[str] = []

    def pod_cells(pod: Pod) -> tuple[str, ...]:
        formatted.append(pod.key)
        return (pod.namespace, pod.name, str(pod.restarts))

    class LazyApp(App[None]):
        def compose(self) -> ComposeResult:
            yield VirtualTable(
                COLUMNS,
                key=lambda pod: pod.key,
                cells=pod_cells,
                style=lambda pod: "bold" if pod.restarts else "",
            )

    app = LazyApp()
    async with app.run_test(size=SIZE) as pilot:
        table: VirtualTable[Pod] = app.query_one(VirtualTable)
        table.set_rows(pods)
        table.focus()
        await pilot.pause()
        assert 0 < len(formatted) <= table.size.height
        await pilot.press("down")
        assert table.cursor_row is pods[1]
        table.set_rows(pods[::-1])
        await pilot.pause()
        assert table.cursor_key == "ns/pod-1"
        assert len(formatted) < 4 * table.size.height
        drawn = len(formatted)
        table.refresh_rows()  # e.g. ages changed: the same rows are formatted again
        await pilot.pause()
        assert len(formatted) > drawn


def test_column_widths_share_spare_space() -> None:
    assert column_widths(COLUMNS, 60) == (10, 39, 8)
    two_flexible = (Column("a", "A"), Column("b", "B"), Column("c", "C", 5))
    assert column_widths(two_flexible, 30) == (11, 11, 5)
    assert column_widths(COLUMNS, 10) == (10, 4, 8)  # too narrow: minimum widths, scroll sideways


async def test_throughput_figures() -> None:
    """Prints what an update of 150k pods costs (figures, not assertions on time)."""
    pods = tuple(Pod("ns", f"pod-{i}", 1, 1, "Running", 0, CREATED) for i in range(150_000))

    class BigApp(App[None]):
        def compose(self) -> ComposeResult:
            yield VirtualTable(COLUMNS, key=lambda pod: pod.key, cells=lambda p: (p.namespace, p.name, "0"))

    app = BigApp()
    async with app.run_test(size=(120, 40)) as pilot:
        table: VirtualTable[Pod] = app.query_one(VirtualTable)
        table.set_rows(pods)
        table.move_cursor(120_000)
        await pilot.pause()
        reordered = pods[::-1]
        start = time.perf_counter()
        table.set_rows(reordered)  # the worst case: the cursor's key moved, so it is searched for
        update = time.perf_counter() - start
        start = time.perf_counter()
        visible_lines(table)
        render = time.perf_counter() - start
        assert table.cursor_key == pods[120_000].key
        print(f"\nset_rows(150k, reordered): {update * 1000:.1f} ms; draw 40 lines: {render * 1000:.1f} ms")
