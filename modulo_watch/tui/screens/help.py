"""The help screen: every key, as currently bound (after the user's keymap)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from modulo_watch.tui.keys import (
    ALERT_KEYS,
    ERROR_RATE_KEYS,
    EVENT_KEYS,
    GLOBAL_KEYS,
    OUTBOX_KEYS,
    PAGERDUTY_KEYS,
    POD_DETAIL_KEYS,
    POD_KEYS,
    POSTGRES_KEYS,
    RESPONDER_KEYS,
    ROLLOUT_KEYS,
)

PANE_KEYS = (
    ("up / down", "move the row cursor"),
    ("pageup / pagedown", "page through a table"),
    ("home / end", "first / last row"),
    ("tab / shift+tab", "next / previous pane"),
    ("escape", "leave a zoomed pane or close this screen"),
)


def key_table(bindings: dict[str, str]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    table.add_column(style="dim")
    groups = (
        GLOBAL_KEYS,
        POD_KEYS,
        ERROR_RATE_KEYS,
        POD_DETAIL_KEYS,
        RESPONDER_KEYS,
        EVENT_KEYS,
        ROLLOUT_KEYS,
        POSTGRES_KEYS,
        ALERT_KEYS,
        OUTBOX_KEYS,
        PAGERDUTY_KEYS,
    )
    for spec in (spec for group in groups for spec in group):
        table.add_row(bindings.get(spec.id, spec.keys), spec.help, spec.id)
    table.add_row()
    for keys, what in PANE_KEYS:
        table.add_row(keys, what, "")
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help-close"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 86; max-width: 95%; height: 80%;
        border: round $accent; padding: 1 2; background: $surface;
    }
    """

    def __init__(self, bindings: dict[str, str]) -> None:
        super().__init__()
        self._keys = bindings

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Keys"
            scroll.border_subtitle = 'rebind in the config: [ui.keymap] <id> = "keys"'
            yield Static(key_table(self._keys))
            yield Static(Text("escape closes", "dim"))
