"""Resolving: the fix in brief, and, while the evidence does not agree yet, the reason to resolve anyway."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from modulo_watch.incident.checklists import CheckedItem
from modulo_watch.widgets.safe_text import inert


@dataclass(frozen=True, slots=True)
class Resolution:
    fix: str  # "Rolled back modulo-api to v2.13.2"
    override: str  # why resolve although the evidence disagrees; "" when it agrees


class ResolveScreen(ModalScreen[Resolution | None]):
    """Dismisses with the resolution on enter, or None on escape. With blockers, a reason is required."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="resolve-cancel"),
        Binding("ctrl+s", "resolve", "Resolve", id="resolve-submit"),
    ]

    DEFAULT_CSS = """
    ResolveScreen { align: center middle; }
    ResolveScreen > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: thick $success; padding: 1 2; background: $surface;
    }
    ResolveScreen.-blocked > Vertical { border: thick $warning; }
    ResolveScreen Label { margin-top: 1; }
    ResolveScreen #resolve-error { color: $error; }
    """

    def __init__(self, incident_id: str, blockers: Sequence[CheckedItem]) -> None:
        super().__init__()
        self._incident_id = incident_id
        self._blockers = tuple(blockers)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Resolve {self._incident_id}"
            box.border_subtitle = "enter resolves · escape cancels"
            yield Static(self._verdict())
            yield Label("Resolution (the fix, in brief)")
            yield Input(placeholder="Rolled back the deploy", id="resolve-fix")
            if self._blockers:
                yield Label("Reason to resolve before the evidence agrees (recorded)")
                yield Input(placeholder="Fix verified by hand; metrics lag", id="resolve-override")
            yield Label("", id="resolve-error")

    def on_mount(self) -> None:
        self.set_class(bool(self._blockers), "-blocked")

    def _verdict(self) -> Text:
        if not self._blockers:
            return Text("The evidence agrees: every resolution check is verified.", "bold")
        lines = [Text("Not verified yet:", "bold")]
        for item in self._blockers:
            reading = f"  ({item.evidence.reading})" if item.evidence and item.decided_by_evidence else ""
            lines.append(inert(f"✗ {item.text}{reading}", single_line=False))
        return Text("\n").join(lines)

    @on(Input.Submitted)
    def action_resolve(self) -> None:
        fix = self.query_one("#resolve-fix", Input).value.strip()
        override = ""
        if self._blockers:
            reason = self.query_one("#resolve-override", Input)
            override = reason.value.strip()
            if not override:
                self.query_one("#resolve-error", Label).update(
                    "A reason is needed to resolve before the checks."
                )
                reason.focus()
                return
        self.dismiss(Resolution(fix, override))

    def action_cancel(self) -> None:
        self.dismiss(None)
