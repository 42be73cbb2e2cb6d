"""An alert up close: its state and acknowledgement, summary and description, runbook, labels, annotations.

It follows the alert in the hub every second (so a countdown runs and an acknowledgement shows); ``a``
and ``u`` acknowledge it or take that back, as the pane's keys do.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from modulo_watch.collectors.clock import Clock
from modulo_watch.collectors.hub import Hub
from modulo_watch.collectors.models import Alert, AlertSnapshot, SourceName
from modulo_watch.incident.alert_clock import ack_standing
from modulo_watch.tui.keys import ALERT_DETAIL_KEYS, bindings
from modulo_watch.tui.panes.alert_rows import state_cell
from modulo_watch.tui.panes.alerts import AcknowledgeRequested, UnacknowledgeRequested
from modulo_watch.widgets.badges import Palette, format_age, severity_text, since
from modulo_watch.widgets.live_text import LiveText
from modulo_watch.widgets.safe_text import inert, web_link

LABEL_WIDTH = 14
MAX_TEXT = 5_000  # characters of one annotation shown


def _fields(alert: Alert, now: datetime, palette: Palette) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True, min_width=LABEL_WIDTH)
    grid.add_column(overflow="fold")
    grid.add_row("severity", severity_text(alert.severity, palette, max_length=40))
    grid.add_row("state", state_cell(alert.state, ack_standing(alert, now), palette))
    started = Text(f"{alert.starts_at.astimezone():%Y-%m-%d %H:%M:%S}  firing {since(alert.starts_at, now)}")
    grid.add_row("started", started)
    ack = alert.acknowledgement
    if ack is not None:
        acked = inert(f"by {ack.by}, until {ack.until.astimezone():%H:%M:%S} ", max_length=200)
        acked.append(f"({format_age((ack.until - now).total_seconds())} left)", palette.muted)
        if ack.comment:
            acked.append_text(inert(f"\n{ack.comment}", single_line=False, max_length=500))
        grid.add_row("acknowledged", acked)
    if alert.silenced_by:
        grid.add_row("silenced by", inert(", ".join(alert.silenced_by), max_length=300))
    if alert.inhibited_by:
        grid.add_row("inhibited by", inert(", ".join(alert.inhibited_by), max_length=300))
    grid.add_row("runbook", web_link(alert.runbook_url, palette.accent))
    if alert.generator_url:
        grid.add_row("source", web_link(alert.generator_url, palette.accent))
    grid.add_row("fingerprint", inert(alert.fingerprint, palette.muted))
    return grid


def _pairs(title: str, pairs: tuple[tuple[str, str], ...], palette: Palette) -> Group:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True, max_width=40)
    grid.add_column(overflow="fold")
    for name, value in sorted(pairs):
        grid.add_row(inert(name, max_length=40), inert(value, single_line=False, max_length=MAX_TEXT))
    body = grid if pairs else Text("none", palette.muted)
    return Group(Text(""), Text(title, "bold underline"), body)


def alert_body(alert: Alert, now: datetime, palette: Palette) -> Group:
    summary = inert(alert.summary or "-", single_line=False, max_length=MAX_TEXT)
    parts: list[RenderableType] = [_fields(alert, now, palette), Text("\nSummary", "bold underline"), summary]
    if alert.description:
        parts += [
            Text("\nDescription", "bold underline"),
            inert(alert.description, single_line=False, max_length=MAX_TEXT),
        ]
    parts += [_pairs("Labels", alert.labels, palette), _pairs("Annotations", alert.annotations, palette)]
    return Group(*parts)


class AlertScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(ALERT_DETAIL_KEYS))

    DEFAULT_CSS = """
    AlertScreen { background: $background; }
    #alert-title { height: 1; padding: 0 1; background: $panel; }
    #alert-body { height: 1fr; border: round $accent; padding: 0 1; }
    """

    def __init__(self, alert: Alert, hub: Hub, clock: Clock) -> None:
        super().__init__()
        self.alert = alert  # as last seen
        self._hub = hub
        self._clock = clock
        self._resolved = False
        self.palette = Palette()

    def compose(self) -> ComposeResult:
        yield LiveText(id="alert-title")
        with VerticalScroll(id="alert-body"):
            yield Static(id="alert-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.palette = Palette.from_theme(self.app.theme_variables)
        self.query_one("#alert-body").focus()
        self.follow()
        self.set_interval(1.0, self.follow)

    def follow(self) -> None:
        """The alert as the hub has it now; once it is gone, what it was, marked resolved."""
        snapshot = self._hub.snapshot(SourceName.ALERTS)
        if isinstance(snapshot, AlertSnapshot):
            found = next((a for a in snapshot.alerts if a.fingerprint == self.alert.fingerprint), None)
            self._resolved = found is None
            self.alert = found or self.alert
        title = Text.assemble(("alert ", "bold"), inert(self.alert.name, "bold", max_length=80))
        if self._resolved:
            title.append("   no longer firing: what it was last is below", f"bold {self.palette.ok}")
        self.query_one("#alert-title", LiveText).show(title)
        self.query_one("#alert-detail", Static).update(
            alert_body(self.alert, self._clock.now(), self.palette)
        )

    def action_acknowledge(self) -> None:
        self.post_message(AcknowledgeRequested((self.alert,), self.alert.name))

    def action_unacknowledge(self) -> None:
        ack = self.alert.acknowledgement
        if ack is None:
            self.notify("This alert is not acknowledged", markup=False)
            return
        self.post_message(UnacknowledgeRequested((ack,), self.alert.name))

    def action_close(self) -> None:
        self.dismiss(None)
