"""A one-line filter prompt that appears under a table on ``/`` and filters as you type."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class FilterBar(Input):
    """Hidden until ``open``; posts ``Filtered`` on every keystroke and ``Closed`` on enter or escape.

    Enter keeps the filter, escape clears it: the owner decides what either means for its rows.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear_and_close", "Clear filter", show=False, id="filter-clear"),
    ]

    DEFAULT_CSS = """
    FilterBar {
        dock: bottom;
        display: none;
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
        &.-open { display: block; }
    }
    """

    class Filtered(Message):
        def __init__(self, bar: FilterBar, text: str) -> None:
            super().__init__()
            self.bar = bar
            self.text = text

    class Closed(Message):
        def __init__(self, bar: FilterBar) -> None:
            super().__init__()
            self.bar = bar

    def __init__(self, placeholder: str = "filter", *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(placeholder=placeholder, id=id)

    def open(self) -> None:
        self.add_class("-open")
        self.focus()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Filtered(self, event.value))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not self.value:
            self.remove_class("-open")
        self.post_message(self.Closed(self))

    def action_clear_and_close(self) -> None:
        self.value = ""
        self.remove_class("-open")
        self.post_message(self.Closed(self))
