"""The Responder panel: the open incident and its runbook clocks, or how to declare one."""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from modulo_watch.incident.clocks import IncidentClock, clocks
from modulo_watch.incident.incident import SEVERITY_GUIDE, Incident
from modulo_watch.widgets.badges import DEFAULT_PALETTE, Palette, format_duration
from modulo_watch.widgets.live_text import LiveText
from modulo_watch.widgets.safe_text import inert


def severity_style(level: str, palette: Palette) -> str:
    styles = {
        "P0": f"bold reverse {palette.error}",
        "P1": f"bold {palette.error}",
        "P2": f"bold {palette.warning}",
    }
    return styles.get(level, "bold")


def countdown(clock: IncidentClock, now: datetime, palette: Palette) -> Text:
    if clock.done:
        return Text(f"✓ {clock.name}", palette.ok)
    left = clock.remaining(now)
    if left < timedelta(0):
        return Text(
            f"⚠ {clock.name} overdue by {format_duration(-left.total_seconds())}", f"bold {palette.error}"
        )
    style = palette.warning if left < timedelta(minutes=2) else ""
    return Text(f"◷ {clock.name} in {format_duration(left.total_seconds())}", style)


def incident_text(incident: Incident, now: datetime, palette: Palette) -> Text:
    lines = [
        Text.assemble(
            (f" {incident.severity} ", severity_style(incident.severity, palette)),
            " ",
            ("DRILL " if incident.drill else "", f"bold {palette.warning}"),
            (incident.id, palette.muted),
        ),
        inert(incident.title, "bold", single_line=False),
        inert(incident.channel, palette.accent),
        Text(f"open for {format_duration((now - incident.started_at).total_seconds())}"),
        Text(),
        *(countdown(clock, now, palette) for clock in clocks(incident, now)),
        Text(),
        Text("a  acknowledge   r  resolve", palette.muted),
    ]
    return Text("\n").join(lines)


def idle_text(palette: Palette, suggestion: str | None) -> Text:
    lines = [Text("No incident open", "bold"), Text("i  declare an incident", palette.muted)]
    if suggestion:
        lines += [Text(), Text("Suggested", "bold"), inert(suggestion, palette.warning, single_line=False)]
    lines += [Text(), Text("Severity levels", "bold")]
    for level, definition, response in SEVERITY_GUIDE:
        lines.append(
            Text.assemble((level, severity_style(level, palette)), (f"  respond {response}", palette.muted))
        )
        lines.append(Text(f"    {definition}"))
    return Text("\n").join(lines)


class ResponderPanel(VerticalScroll, can_focus=True):
    """Shows the incident; the app owns the incident and hands it down with ``show``."""

    ALLOW_MAXIMIZE = True

    DEFAULT_CSS = """
    ResponderPanel {
        border: round $panel-lighten-2;
        border-title-style: bold;
        padding: 0 1;
        &:focus-within { border: round $accent; }
        &.-open { border: round $error; }
    }
    """

    def __init__(self, number: int, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.border_title = Text(f"{number} Responder", "bold")
        self.palette = DEFAULT_PALETTE
        self.suggestion: str | None = None

    def compose(self) -> ComposeResult:
        yield LiveText(id="responder-body")

    def on_mount(self) -> None:
        self.palette = Palette.from_theme(self.app.theme_variables)

    def show(self, incident: Incident | None, now: datetime) -> None:
        body = self.query_one("#responder-body", LiveText)
        self.set_class(incident is not None, "-open")
        if incident is None:
            body.show(idle_text(self.palette, self.suggestion))
        else:
            body.show(incident_text(incident, now, self.palette))
