"""The incident's outbox: every message and call, where its delivery stands, and a way to send one again."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from modulo_watch.incident.incident import Incident
from modulo_watch.outbound.outbox import Delivery, Tracked, summary
from modulo_watch.tui.keys import OUTBOX_KEYS, bindings
from modulo_watch.tui.panes.responder_view import delivery_mark, delivery_state
from modulo_watch.tui.screens.comms import TextViewScreen
from modulo_watch.tui.screens.confirm import ConfirmScreen
from modulo_watch.widgets.badges import Palette
from modulo_watch.widgets.safe_text import clean, inert

_PREVIEW = 70  # characters of a message's first line in its row


class OutboxScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(OUTBOX_KEYS))

    DEFAULT_CSS = """
    OutboxScreen { align: center middle; }
    OutboxScreen > Vertical {
        width: 110; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; padding: 0 1; background: $surface;
    }
    OutboxScreen OptionList { height: auto; max-height: 30; }
    OutboxScreen #outbox-help { color: $text-muted; }
    """

    def __init__(self, incident: Incident, items: Sequence[Tracked], retry: Callable[[str], None]) -> None:
        super().__init__()
        self.incident = incident
        self._items = tuple(items)
        self._retry = retry

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Outbox · {clean(self.incident.id)}"
            box.border_subtitle = "escape closes"
            yield OptionList(id="outbox-items")
            yield Static(
                "enter shows the message and its receipt · R sends a failed or waiting one again",
                id="outbox-help",
            )

    def on_mount(self) -> None:
        self.show(self._items)
        self.query_one(OptionList).focus()

    def show(self, items: Sequence[Tracked]) -> None:
        """Repaint with ``items``, keeping the highlighted row."""
        self._items = tuple(items)
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        palette = Palette.from_theme(self.app.theme_variables)
        options.set_options(
            [Option(_row(t, palette), id=t.item.id) for t in self._items]
            or [Option(Text("Nothing sent yet: n writes the next message"), disabled=True)]
        )
        if highlighted is not None and self._items:
            options.highlighted = min(highlighted, len(self._items) - 1)
        box = self.query_one(Vertical)
        box.border_title = f"Outbox · {clean(self.incident.id)} · {summary(self._items) or 'empty'}"

    def _selected(self) -> Tracked | None:
        index = self.query_one(OptionList).highlighted
        return self._items[index] if index is not None and index < len(self._items) else None

    def action_view(self) -> None:
        tracked = self._selected()
        if tracked is None:
            return
        item = tracked.item
        body = item.payload.get("text") or item.payload.get("body") or ""
        details = [f"{key}: {value}" for key, value in item.payload.items() if key not in ("text", "body")]
        receipt = [f"{key}: {value}" for key, value in tracked.receipt.items()]
        parts = [body, "\n".join(details), "Receipt\n" + "\n".join(receipt) if receipt else ""]
        note = f"{clean(item.label)} · {clean(delivery_state(tracked))}"
        self.app.push_screen(TextViewScreen(note, "\n\n".join(part for part in parts if part)))

    @work
    async def action_retry(self) -> None:
        tracked = self._selected()
        if tracked is None or tracked.state in (Delivery.SENT, Delivery.SENDING, Delivery.QUEUED):
            return
        if tracked.state is Delivery.FAILED and tracked.error.startswith("may have been delivered"):
            question = Text.assemble(
                "It may have arrived already: send ",
                inert(tracked.item.label, "bold"),
                " again anyway?",
            )
            if not await self.app.push_screen_wait(ConfirmScreen(question)):
                return
        self._retry(tracked.item.id)

    def action_close(self) -> None:
        self.dismiss(None)


def _row(tracked: Tracked, palette: Palette) -> Text:
    item = tracked.item
    mark, style = delivery_mark(tracked.state, palette)
    queued = f"{item.queued_at.astimezone():%H:%M:%S}" if item.queued_at else "--:--:--"
    payload = item.payload
    text = payload.get("text") or payload.get("body") or payload.get("name") or item.operation
    preview = clean(text.splitlines()[0] if text else "", max_length=_PREVIEW)
    return Text.assemble(
        (queued, palette.muted),
        " ",
        (mark, style),
        " ",
        inert(item.label, "bold"),
        "  ",
        inert(delivery_state(tracked), style),
        "\n",
        ("           " + preview, palette.muted),
    )
