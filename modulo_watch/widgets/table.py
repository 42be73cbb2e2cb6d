"""A fast virtual table on Textual's Line API.

Textual's DataTable keeps per-row state and needs about 1.5 s to add 10k rows; a pane handed 150k
pods every second cannot afford that, nor can it format 150k rows a second. ``VirtualTable`` keeps
only a reference to the caller's sequence: ``set_rows`` does no per-row work beyond finding the
cursor's key, and ``render_line`` formats and draws just the lines on screen (cached until the
next ``set_rows``).

Rows are either ready-made :class:`Row` objects, or any objects with ``key``/``cells``/``style``
functions given to the constructor, so a pane can pass its snapshot's tuple of pods as it is and
only the visible pods get formatted::

    VirtualTable(COLUMNS, key=lambda pod: pod.key, cells=pod_cells)

The header is line 0 and never scrolls; row ``i`` is on virtual line ``i + 1``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Generic, NamedTuple, TypeVar, overload

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from modulo_watch.widgets.safe_text import clean
from modulo_watch.widgets.table_layout import Cell, Column, Row, column_widths, render_cells

__all__ = ["Cell", "Column", "Row", "VirtualTable", "column_widths"]

RowT = TypeVar("RowT")
_NEARBY = 64  # rows either side of the cursor's old index searched before the whole list


class _Styles(NamedTuple):
    base: Style
    header: Style
    cursor: Style
    empty: Style


class VirtualTable(ScrollView, Generic[RowT], can_focus=True):
    """A read-only table with a row cursor that stays on the same row key across updates."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"table--header", "table--cursor", "table--empty"}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False, id="table-cursor-up"),
        Binding("down", "cursor_down", "Down", show=False, id="table-cursor-down"),
        Binding("pageup", "cursor_page_up", "Page up", show=False, id="table-cursor-page-up"),
        Binding("pagedown", "cursor_page_down", "Page down", show=False, id="table-cursor-page-down"),
        Binding("home", "cursor_first", "First row", show=False, id="table-cursor-first"),
        Binding("end", "cursor_last", "Last row", show=False, id="table-cursor-last"),
        Binding("enter", "select_cursor", "Select", show=False, id="table-select"),
    ]

    DEFAULT_CSS = """
    VirtualTable {
        background: $surface;
        color: $foreground;
        & > .table--header {
            background: $panel;
            color: $foreground;
            text-style: bold;
        }
        & > .table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .table--empty {
            color: $text-muted;
            text-style: italic;
        }
    }
    """

    class RowHighlighted(Message):
        """The cursor moved to another row (``key`` is None when the table became empty)."""

        def __init__(self, table: VirtualTable[Any], key: str | None, index: int) -> None:
            super().__init__()
            self.table = table
            self.key = key
            self.index = index

        @property
        def control(self) -> VirtualTable[Any]:
            return self.table

        def can_replace(self, message: Message) -> bool:
            # Holding a key down queues many highlights; only the newest matters.
            return isinstance(message, VirtualTable.RowHighlighted) and message.table is self.table

    class RowSelected(Message):
        """Enter was pressed on a row, or a highlighted row was clicked."""

        def __init__(self, table: VirtualTable[Any], key: str, index: int) -> None:
            super().__init__()
            self.table = table
            self.key = key
            self.index = index

        @property
        def control(self) -> VirtualTable[Any]:
            return self.table

    @overload
    def __init__(
        self: VirtualTable[Row],
        columns: Sequence[Column],
        *,
        empty_message: str = ...,
        name: str | None = ...,
        id: str | None = ...,
        classes: str | None = ...,
        disabled: bool = ...,
    ) -> None: ...

    @overload
    def __init__(
        self,
        columns: Sequence[Column],
        *,
        key: Callable[[RowT], str],
        cells: Callable[[RowT], Sequence[Cell]],
        style: Callable[[RowT], str] | None = ...,
        empty_message: str = ...,
        name: str | None = ...,
        id: str | None = ...,
        classes: str | None = ...,
        disabled: bool = ...,
    ) -> None: ...

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        key: Callable[[RowT], str] | None = None,
        cells: Callable[[RowT], Sequence[Cell]] | None = None,
        style: Callable[[RowT], str] | None = None,
        empty_message: str = "no rows",
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's parameter name
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """A table of ``columns``, empty until :meth:`set_rows`.

        Args:
            columns: The columns, left to right.
            key: A row's stable key (default: ``Row.key``).
            cells: A row's cells, called only when the row is drawn (default: ``Row.cells``).
            style: A row's base Rich style (default: ``Row.style``; none when ``cells`` is given).
            empty_message: Shown, dimmed, when there are no rows.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._columns = tuple(columns)
        self._key: Callable[[RowT], str] = key or operator.attrgetter("key")
        self._cells: Callable[[RowT], Sequence[Cell]] = cells or operator.attrgetter("cells")
        self._style: Callable[[RowT], str] | None = style or (None if cells else operator.attrgetter("style"))
        self._rows: Sequence[RowT] = ()
        self._cursor = 0
        self._highlighted_key: str | None = None
        self._empty_message = empty_message
        self._layout_width = -1
        self._widths: tuple[int, ...] = column_widths(self._columns, 0)
        self._strips: LRUCache[int, Strip] = LRUCache(1024)
        self._header: Strip | None = None
        self._styles: _Styles | None = None

    # --- data -----------------------------------------------------------------------------------------

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._columns

    @property
    def rows(self) -> Sequence[RowT]:
        return self._rows

    @property
    def cursor_index(self) -> int | None:
        return self._cursor if self._rows else None

    @property
    def cursor_row(self) -> RowT | None:
        return self._rows[self._cursor] if self._rows else None

    @property
    def cursor_key(self) -> str | None:
        return self._key(self._rows[self._cursor]) if self._rows else None

    @property
    def empty_message(self) -> str:
        return self._empty_message

    @empty_message.setter
    def empty_message(self, message: str) -> None:
        self._empty_message = message
        if not self._rows:
            self.refresh()

    def set_rows(self, rows: Sequence[RowT]) -> None:
        """Replace every row. The table keeps a reference: do not mutate ``rows`` afterwards.

        The cursor stays on the row with the same key (or at the same index if that key is gone),
        on the same line of the screen if it was on screen. A cursor on the first row stays on the
        first row: what arrives on top (a new blocking chain, a new fault) comes into view, not above it.
        """
        old_key, old_cursor, old_count = self.cursor_key, self._cursor, len(self._rows)
        old_scroll_y = round(self.scroll_y)
        old_screen_line = self._cursor - old_scroll_y
        old_strips = {index: self._strips.get(index) for index in self._visible_indexes()}
        self._rows = rows
        new_index = None if old_key is None or old_cursor == 0 else self._index_of(old_key, self._cursor)
        self._cursor = min(self._cursor if new_index is None else new_index, max(len(rows) - 1, 0))
        self._strips.clear()
        self._update_virtual_size()
        if 0 <= old_screen_line < self._page_height():
            self.scroll_to(y=self._cursor - old_screen_line, animate=False, force=True)
        if len(rows) == old_count and round(self.scroll_y) == old_scroll_y and self._styles is not None:
            self._refresh_changed_lines(old_strips, {old_cursor, self._cursor})
        else:
            self.refresh()
        self._post_highlight()

    def _visible_indexes(self) -> range:
        first = round(self.scroll_y)
        return range(first, min(first + self._page_height(), len(self._rows)))

    def _refresh_changed_lines(self, old_strips: dict[int, Strip | None], cursor_rows: set[int]) -> None:
        """Repaint only the lines whose text or style changed: a live table mostly stays the same,
        and every repainted line is bytes on the responder's SSH connection."""
        styles = self._get_styles()
        for index in self._visible_indexes():
            if index in cursor_rows or old_strips.get(index) != self._row_strip(index, styles):
                self.refresh_line(index + 1)  # line 0 is the header

    def refresh_rows(self) -> None:
        """Redraw every row, e.g. when the ``cells`` function shows something time-dependent."""
        self._strips.clear()
        self.refresh()

    def _index_of(self, key: str, hint: int = 0) -> int | None:
        # Near the old index first: rows added or removed above the cursor only shift it a little.
        rows = self._rows
        for distance in range(_NEARBY):
            for index in (hint - distance, hint + distance):
                if 0 <= index < len(rows) and self._key(rows[index]) == key:
                    return index
        # Then a C-level scan that stops at the key (~10 ms for 150k rows when the key function is
        # an attribute lookup), still cheaper than building a key->index dict on every update.
        try:
            return operator.indexOf(map(self._key, rows), key)
        except ValueError:
            return None

    # --- cursor ---------------------------------------------------------------------------------------

    def move_cursor(self, index: int) -> None:
        """Put the cursor on row ``index`` (clamped) and scroll it into view."""
        if not self._rows:
            return
        index = max(0, min(index, len(self._rows) - 1))
        previous = self._cursor
        self._cursor = index
        self._scroll_cursor_into_view()
        self.refresh_line(previous + 1)
        self.refresh_line(index + 1)
        self._post_highlight()

    def move_cursor_to_key(self, key: str) -> bool:
        """Put the cursor on the row with ``key``; False when there is no such row."""
        index = self._index_of(key)
        if index is None:
            return False
        self.move_cursor(index)
        return True

    def _scroll_cursor_into_view(self) -> None:
        top = round(self.scroll_y)
        page = self._page_height()
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, force=True)
        elif self._cursor >= top + page:
            self.scroll_to(y=self._cursor - page + 1, animate=False, force=True)

    def _page_height(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)  # minus the header

    def _post_highlight(self) -> None:
        key = self.cursor_key
        if key != self._highlighted_key:
            self._highlighted_key = key
            self.post_message(self.RowHighlighted(self, key, self._cursor))

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_cursor_page_up(self) -> None:
        self.move_cursor(self._cursor - self._page_height())

    def action_cursor_page_down(self) -> None:
        self.move_cursor(self._cursor + self._page_height())

    def action_cursor_first(self) -> None:
        self.move_cursor(0)

    def action_cursor_last(self) -> None:
        self.move_cursor(len(self._rows) - 1)

    def action_select_cursor(self) -> None:
        if self._rows:
            self.post_message(self.RowSelected(self, self._key(self._rows[self._cursor]), self._cursor))

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0 or not self._rows:
            return
        index = round(self.scroll_y) + offset.y - 1
        if index >= len(self._rows):
            return
        if index == self._cursor:
            self.action_select_cursor()
        else:
            self.move_cursor(index)

    # --- layout and rendering -------------------------------------------------------------------------

    def _update_virtual_size(self) -> None:
        # Leave room for the vertical scrollbar the new height will need: measuring after layout
        # would be one frame late and flash a horizontal scrollbar.
        available = self.size.width
        if len(self._rows) + 1 > self.size.height and self.styles.overflow_y != "hidden":
            available -= self.styles.scrollbar_size_vertical
        if available != self._layout_width:
            self._layout_width = available
            self._widths = column_widths(self._columns, available)
            self._clear_caches()
        self.virtual_size = Size(sum(self._widths) + len(self._widths), len(self._rows) + 1)

    def _clear_caches(self) -> None:
        self._strips.clear()
        self._header = None
        self._styles = None

    def _on_resize(self, _: events.Resize) -> None:
        self._update_virtual_size()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._clear_caches()  # a theme or focus change restyles every cached line

    def _get_styles(self) -> _Styles:
        # rich_style walks every ancestor: resolve once per style change, not once per line.
        if self._styles is None:
            base = self.rich_style
            self._styles = _Styles(
                base=base,
                header=base + self.get_component_rich_style("table--header"),
                cursor=self.get_component_rich_style("table--cursor"),
                empty=base + self.get_component_rich_style("table--empty"),
            )
        return self._styles

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x, scroll_y = self.scroll_offset
        styles = self._get_styles()
        if y == 0:
            strip = self._header_strip(styles)
        elif not self._rows:
            return self._empty_line(y, width, styles)
        else:
            index = scroll_y + y - 1
            if index >= len(self._rows):
                return Strip.blank(width, styles.base)
            strip = self._row_strip(index, styles)
            if index == self._cursor:
                strip = strip.crop_extend(scroll_x, scroll_x + width, styles.base)
                return Strip(Segment.apply_style(strip, post_style=styles.cursor), width)
        return strip.crop_extend(scroll_x, scroll_x + width, styles.base)

    def _header_strip(self, styles: _Styles) -> Strip:
        if self._header is None:
            labels = tuple(column.label for column in self._columns)
            self._header = render_cells(labels, self._columns, self._widths, styles.header, self.app.console)
        return self._header

    def _row_strip(self, index: int, styles: _Styles) -> Strip:
        strip = self._strips.get(index)
        if strip is None:
            row = self._rows[index]
            style = styles.base
            row_style = self._style(row) if self._style else ""
            if row_style:
                style += self.app.console.get_style(row_style, default="")
            strip = render_cells(self._cells(row), self._columns, self._widths, style, self.app.console)
            self._strips.set(index, strip)
        return strip

    def _empty_line(self, y: int, width: int, styles: _Styles) -> Strip:
        if y != max(self.scrollable_content_region.height // 2, 1):
            return Strip.blank(width, styles.base)
        message = clean(self._empty_message, max_length=max(width - 2, 1))
        left = max((width - cell_len(message)) // 2, 0)
        segments = [Segment(" " * left, styles.base), Segment(message, styles.empty)]
        return Strip(segments).adjust_cell_length(width, styles.base)
