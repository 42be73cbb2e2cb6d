"""Changing an open incident's severity, with the reason the timeline keeps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select

from modulo_watch.incident.incident import SEVERITIES
from modulo_watch.tui.screens.declare import severity_options


@dataclass(frozen=True, slots=True)
class SeverityChange:
    severity: str
    reason: str


class SeverityScreen(ModalScreen[SeverityChange | None]):
    """Dismisses with the new severity and reason on enter, or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="severity-cancel"),
        Binding("ctrl+s", "change", "Change", id="severity-submit"),
    ]

    DEFAULT_CSS = """
    SeverityScreen { align: center middle; }
    SeverityScreen > Vertical {
        width: 70; max-width: 95%; height: auto;
        border: thick $warning; padding: 1 2; background: $surface;
    }
    SeverityScreen Label { margin-top: 1; }
    """

    def __init__(self, current: str, suggested: str | None, reason: str) -> None:
        super().__init__()
        self._current = current
        self._suggested = suggested if suggested in SEVERITIES else current
        self._reason = reason

    def compose(self) -> ComposeResult:
        options = severity_options()
        with Vertical() as box:
            box.border_title = f"Severity (now {self._current})"
            box.border_subtitle = "enter changes · escape cancels"
            yield Label("Severity")
            yield Select(options, value=self._suggested, allow_blank=False, id="severity-level")
            yield Label("Reason")
            yield Input(self._reason, placeholder="Payments fail too", id="severity-reason")

    def on_mount(self) -> None:
        self.query_one("#severity-reason", Input).focus()

    @on(Input.Submitted)
    def action_change(self) -> None:
        severity = str(self.query_one("#severity-level", Select).value)
        reason = self.query_one("#severity-reason", Input).value.strip()
        self.dismiss(SeverityChange(severity, reason) if severity != self._current else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
