"""Communication: a filled template to edit, then copy or post; and the plain view of what was sent."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from modulo_watch.widgets.safe_text import clean, inert


class Destination(StrEnum):
    CLIPBOARD = "clipboard"
    WEBHOOK = "webhook"


@dataclass(frozen=True, slots=True)
class Outgoing:
    text: str
    destination: Destination


class CommsScreen(ModalScreen[Outgoing | None]):
    """Dismisses with the edited text and where it goes, or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "send('clipboard')", "Copy", id="comms-copy", priority=True),
        Binding("ctrl+o", "send('webhook')", "Post to Slack", id="comms-post", priority=True),
        Binding("escape", "cancel", "Cancel", id="comms-cancel"),
    ]

    DEFAULT_CSS = """
    CommsScreen { align: center middle; }
    CommsScreen > Vertical {
        width: 84; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; padding: 0 1; background: $surface;
    }
    CommsScreen TextArea { height: 12; }
    CommsScreen #comms-help { color: $text-muted; }
    """

    def __init__(self, name: str, text: str, webhook: str | None) -> None:
        """``webhook`` names the configured destination ("Slack webhook at hooks.slack.com"), or is None."""
        super().__init__()
        self._template_name = name
        self._text = text
        self._webhook = webhook

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = clean(self._template_name, max_length=60)
            box.border_subtitle = "escape cancels"
            yield TextArea(self._text, soft_wrap=True, id="comms-text")
            post = f"ctrl+o posts to the {self._webhook}" if self._webhook else "no webhook configured"
            yield Static(inert(f"ctrl+s copies to the clipboard · {post}"), id="comms-help")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "send" and parameters == ("webhook",):
            return self._webhook is not None
        return True

    def action_send(self, destination: str) -> None:
        text = self.query_one(TextArea).text.strip()
        if text:
            self.dismiss(Outgoing(text, Destination(destination)))

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
