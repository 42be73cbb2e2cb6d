"""Communication: a filled template to edit, then copy it or send it to the checked destinations; and the
plain view of what was sent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Select, SelectionList, Static, TextArea

from modulo_watch.outbound.routes import STATUSPAGE_STATUSES, Destination, Route
from modulo_watch.widgets.safe_text import clean, inert


@dataclass(frozen=True, slots=True)
class Outgoing:
    text: str
    copy: bool  # to the clipboard; else to ``destinations``
    destinations: tuple[Destination, ...] = ()
    status: str = ""  # the status page's new status, when it is among them


class CommsScreen(ModalScreen[Outgoing | None]):
    """Dismisses with the edited text and where it goes, or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "copy", "Copy", id="comms-copy", priority=True),
        Binding("ctrl+o", "send", "Send", id="comms-send", priority=True),
        Binding("escape", "cancel", "Cancel", id="comms-cancel"),
    ]

    DEFAULT_CSS = """
    CommsScreen { align: center middle; }
    CommsScreen > Vertical {
        width: 84; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; padding: 0 1; background: $surface;
    }
    CommsScreen TextArea { height: 12; }
    CommsScreen SelectionList { height: auto; max-height: 6; }
    CommsScreen Select { width: 40; }
    CommsScreen #comms-help { color: $text-muted; }
    """

    def __init__(
        self, name: str, text: str, destinations: Sequence[Destination] = (), status: str = "investigating"
    ) -> None:
        """``destinations``: where this run can send (none: copying is the only way out)."""
        super().__init__()
        self._template_name = name
        self._text = text
        self._destinations = tuple(destinations)
        self._status = status

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = clean(self._template_name, max_length=60)
            box.border_subtitle = "escape cancels"
            yield TextArea(self._text, soft_wrap=True, id="comms-text")
            if self._destinations:
                yield SelectionList[int](
                    *((inert(d.label), index, True) for index, d in enumerate(self._destinations)),
                    id="comms-destinations",
                )
            if any(d.route is Route.STATUSPAGE for d in self._destinations):
                yield Select[str](
                    ((f"Statuspage: {status}", status) for status in STATUSPAGE_STATUSES),
                    value=self._status,
                    allow_blank=False,
                    id="comms-status",
                )
            yield Static(inert(self._help()), id="comms-help")

    def _help(self) -> str:
        if not self._destinations:
            return (
                "ctrl+s copies to the clipboard · to send as well, configure [slack] bot_token_file or"
                " webhook_url, or [statuspage] (see the README)"
            )
        return "ctrl+s copies · ctrl+o sends to the checked destinations (tab, space to uncheck)"

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return bool(self._destinations) if action == "send" else True

    def _edited(self) -> str:
        return self.query_one(TextArea).text.strip()

    def action_copy(self) -> None:
        if text := self._edited():
            self.dismiss(Outgoing(text, copy=True))

    def action_send(self) -> None:
        text = self._edited()
        chosen = tuple(self._destinations[i] for i in self.query_one(SelectionList).selected)
        if not text or not chosen:
            self.notify("Check at least one destination", markup=False)
            return
        statuses = self.query(Select)
        status = str(statuses.first().value) if statuses else ""
        self.dismiss(Outgoing(text, copy=False, destinations=chosen, status=status))

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextViewScreen(ModalScreen[None]):
    """Text shown bare, without borders in its lines, so a terminal's own mouse selection can copy it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "close", "Close", id="text-view-close"),
    ]

    DEFAULT_CSS = """
    TextViewScreen { background: $surface; }
    TextViewScreen #text-view-note { color: $text-muted; padding: 0 0 1 0; }
    TextViewScreen VerticalScroll { height: 1fr; }
    """

    def __init__(self, note: str, text: str) -> None:
        super().__init__()
        self._note = note
        self._text = text

    def compose(self) -> ComposeResult:
        yield Static(Text(self._note), id="text-view-note")
        with VerticalScroll():
            yield Static(inert(self._text, single_line=False), id="text-view-body")

    def action_close(self) -> None:
        self.dismiss(None)
