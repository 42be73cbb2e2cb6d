"""Declaring an incident: a title, a severity and a short description."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select

from modulo_watch.incident.incident import SEVERITIES, SEVERITY_GUIDE


def severity_options() -> list[tuple[str, str]]:
    """The severity levels for a ``Select``: "P1  Major degradation, many users (< 15 min)"."""
    return [(f"{level}  {definition} ({response})", level) for level, definition, response in SEVERITY_GUIDE]


@dataclass(frozen=True, slots=True)
class Declaration:
    title: str
    severity: str
    description: str


class DeclareScreen(ModalScreen[Declaration | None]):
    """Dismisses with the declaration on enter, or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="declare-cancel"),
        Binding("ctrl+s", "declare", "Declare", id="declare-submit"),
    ]

    DEFAULT_CSS = """
    DeclareScreen { align: center middle; }
    DeclareScreen > Vertical {
        width: 70; max-width: 95%; height: auto;
        border: thick $error; padding: 1 2; background: $surface;
    }
    DeclareScreen Label { margin-top: 1; }
    DeclareScreen #declare-error { color: $error; }
    """

    def __init__(self, title: str = "", severity: str = "P2", description: str = "") -> None:
        super().__init__()
        self._title = title
        self._severity = severity if severity in SEVERITIES else "P2"
        self._description = description

    def compose(self) -> ComposeResult:
        options = severity_options()
        with Vertical() as box:
            box.border_title = "Declare an incident"
            box.border_subtitle = "enter declares · escape cancels"
            yield Label("Title")
            yield Input(self._title, placeholder="Brief description", id="declare-title")
            yield Label("Severity")
            yield Select(options, value=self._severity, allow_blank=False, id="declare-severity")
            yield Label("Impact")
            yield Input(self._description, placeholder="Who and what is affected", id="declare-description")
            yield Label("", id="declare-error")

    @on(Input.Submitted)
    def action_declare(self) -> None:
        title = self.query_one("#declare-title", Input).value.strip()
        if not title:
            self.query_one("#declare-error", Label).update(
                "A title is needed: what is broken, in a few words."
            )
            self.query_one("#declare-title", Input).focus()
            return
        severity = self.query_one("#declare-severity", Select).value
        description = self.query_one("#declare-description", Input).value.strip()
        self.dismiss(Declaration(title, str(severity), description))

    def action_cancel(self) -> None:
        self.dismiss(None)
