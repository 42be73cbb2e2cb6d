"""The Responder panel: the open incident, its clocks, next step and checklists; or how to declare one.

The app owns the incident and hands it down with ``show``; the panel keeps only the checklist cursor and
tells the app, by message, which item the responder ticked.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.message import Message

from modulo_watch.incident.checklists import CheckedItem
from modulo_watch.tui.keys import RESPONDER_KEYS, bindings
from modulo_watch.tui.panes.responder_view import ResponderView, idle_text, incident_lines
from modulo_watch.widgets.badges import DEFAULT_PALETTE, Palette
from modulo_watch.widgets.live_text import LiveText


class ItemToggled(Message):
    """The responder ticked (or unticked) a checklist item by hand."""

    def __init__(self, item: CheckedItem) -> None:
        super().__init__()
        self.item = item


class ResponderPanel(VerticalScroll, can_focus=True):
    ALLOW_MAXIMIZE = True

    BINDINGS: ClassVar[list[BindingType]] = list(bindings(RESPONDER_KEYS))

    DEFAULT_CSS = """
    ResponderPanel {
        border: round $panel-lighten-2;
        border-title-style: bold;
        padding: 0 1;
        &:focus-within { border: round $accent; }
        &.-open { border: round $error; }
        &.-overdue { border: heavy $error; }
    }
    """

    def __init__(self, number: int, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.border_title = Text(f"{number} Responder", "bold")
        self.palette = DEFAULT_PALETTE
        self.suggestion: str | None = None
        self.cursor = 0
        self._view: ResponderView | None = None
        self._items: list[tuple[int, CheckedItem]] = []  # (line, item): the cursor's stops
        self._now: datetime | None = None

    def compose(self) -> ComposeResult:
        yield LiveText(id="responder-body")

    def on_mount(self) -> None:
        self.palette = Palette.from_theme(self.app.theme_variables)

    def show(self, view: ResponderView | None, now: datetime, overdue: bool = False) -> None:
        self._view, self._now = view, now
        body = self.query_one("#responder-body", LiveText)
        self.set_class(view is not None, "-open")
        self.set_class(overdue, "-overdue")
        if view is None:
            self._items = []
            body.show(idle_text(self.palette, self.suggestion))
            return
        self.cursor = min(self.cursor, max(len(view.assessment) + len(view.resolution) - 1, 0))
        width = body.size.width or 38  # 0 before the first layout
        lines = incident_lines(view, now, self.palette, self.cursor if self.has_focus else None, width)
        self._items = lines.items
        body.show(lines.text())

    @property
    def selected(self) -> CheckedItem | None:
        return self._items[self.cursor][1] if 0 <= self.cursor < len(self._items) else None

    def action_cursor(self, step: int) -> None:
        if not self._items:
            self.scroll_relative(y=step)
            return
        self.cursor = (self.cursor + step) % len(self._items)
        self._repaint()
        line = self._items[self.cursor][0]
        self.scroll_to_region_line(line)

    def scroll_to_region_line(self, line: int) -> None:
        """Keep the cursor's item in view, with a line of its context above."""
        top, height = int(self.scroll_y), self.scrollable_content_region.height
        if line - 1 < top or line + 2 >= top + height:
            self.scroll_to(y=max(line - 1, 0), animate=False)

    def action_toggle_item(self) -> None:
        item = self.selected
        if item is None:
            return
        if item.decided_by_evidence:
            self.notify(
                "The live evidence decides this item; resolve with a reason (r) to overrule it.",
                title="Ticked by the evidence",
                markup=False,
            )
            return
        self.post_message(ItemToggled(item))

    def on_resize(self) -> None:
        self._repaint()  # wrapped to the width: zooming or a new terminal size wraps again at once

    def on_focus(self) -> None:
        self._repaint()

    def on_blur(self) -> None:
        self._repaint()

    def _repaint(self) -> None:
        if self._now is not None:
            self.show(self._view, self._now, self.has_class("-overdue"))
