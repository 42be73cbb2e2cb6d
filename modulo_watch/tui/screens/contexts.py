"""The Kubernetes context picker: which cluster the Kubernetes panes watch."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList

from modulo_watch.widgets.safe_text import inert

MAX_NAME = 60


def context_prompt(name: str, current: bool) -> Text:
    """One row: the name (from the kubeconfig, so inert), the current one marked."""
    prompt = Text("● " if current else "  ", "bold" if current else "")
    prompt.append_text(inert(name, "bold" if current else "", max_length=MAX_NAME))
    if current:
        prompt.append("  current", "dim")
    return prompt


class ContextScreen(ModalScreen[str | None]):
    """Dismisses with the chosen context's name, or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="contexts-cancel"),
    ]

    DEFAULT_CSS = """
    ContextScreen { align: center middle; }
    ContextScreen > Vertical {
        width: 80; max-width: 95%; height: auto; max-height: 80%;
        border: round $accent; padding: 0 1; background: $surface;
    }
    ContextScreen OptionList, ContextScreen OptionList:focus {
        height: auto; max-height: 20; border: none; padding: 0;
    }
    """

    def __init__(self, names: tuple[str, ...], current: str | None) -> None:
        super().__init__()
        self._names = names
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Kubernetes context"
            box.border_subtitle = "enter switch · escape cancel"
            yield OptionList(*(context_prompt(name, name == self._current) for name in self._names))

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self._current is not None and self._current in self._names:
            options.highlighted = self._names.index(self._current)
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self._names[event.option_index])
