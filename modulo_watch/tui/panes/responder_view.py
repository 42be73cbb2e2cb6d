"""What the responder panel shows, as lines of text: the incident, its clocks, the next step, the checklists.

Pure functions of a ``ResponderView``, so the panel itself only keeps the cursor and repaints.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rich.text import Text

from modulo_watch.incident.assess import Verdict
from modulo_watch.incident.checklists import CheckedItem, Phase
from modulo_watch.incident.clocks import IncidentClock
from modulo_watch.incident.guide import GuideStep
from modulo_watch.incident.incident import SEVERITY_GUIDE, Incident
from modulo_watch.outbound.outbox import Delivery, Tracked, summary
from modulo_watch.widgets.badges import Palette, format_duration
from modulo_watch.widgets.safe_text import clean, inert

SOON = timedelta(minutes=2)  # a clock this close to due turns to the warning colour


@dataclass(frozen=True, slots=True)
class ResponderView:
    incident: Incident
    clocks: tuple[IncidentClock, ...]
    assessment: tuple[CheckedItem, ...]
    resolution: tuple[CheckedItem, ...]
    steps: tuple[GuideStep, ...] = ()
    resolved: bool = False  # the incident just resolved: what is left is communication and the postmortem
    drill: bool = False
    outbox: tuple[Tracked, ...] = ()  # its outgoing messages and calls, oldest first


@dataclass(slots=True)
class Lines:
    """The panel's lines, and which line holds each checklist item (the cursor's stops)."""

    width: int
    lines: list[Text] = field(default_factory=list)
    items: list[tuple[int, CheckedItem]] = field(default_factory=list)

    def add(self, *texts: Text) -> None:
        self.lines.extend(texts)

    def wrapped(self, value: str, style: str = "", *, first: str = "", indent: int = 0) -> None:
        """Outside text made inert, wrapped after ``first`` with a hanging indent (Rich's wrap has none)."""
        words = clean(value)
        head = textwrap.wrap(words, max(self.width - len(first), 8)) or [""]
        self.lines.append(Text.assemble(first, (head[0], style)))
        rest = words[len(head[0]) :].strip()
        for piece in textwrap.wrap(rest, max(self.width - indent, 8)):
            self.lines.append(Text.assemble(" " * indent, (piece, style)))

    def text(self) -> Text:
        joined = Text("\n").join(self.lines)
        joined.no_wrap, joined.overflow = True, "ellipsis"  # wrapped already: a resize crops until the tick
        return joined


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
        overdue = format_duration(-left.total_seconds())
        return Text(f"⚠ {clock.name.upper()} OVERDUE {overdue}", f"bold reverse {palette.error}")
    style = palette.warning if left < SOON else ""
    return Text(f"◷ {clock.name} in {format_duration(left.total_seconds())}", style)


def overdue_clocks(clocks: Sequence[IncidentClock], now: datetime) -> frozenset[str]:
    return frozenset(clock.name for clock in clocks if clock.overdue(now))


def header(out: Lines, incident: Incident, now: datetime, palette: Palette, drill: bool) -> None:
    end = incident.resolved_at or now
    state = "resolved after" if incident.resolved_at else "open for"
    out.add(
        Text.assemble(
            (f" {incident.severity} ", severity_style(incident.severity, palette)),
            " ",
            ("DRILL " if drill or incident.drill else "", f"bold {palette.warning}"),
            (incident.id, palette.muted),
        )
    )
    out.wrapped(incident.title, "bold")
    out.wrapped(incident.channel, palette.accent)  # breaks at its dashes
    out.add(Text(f"{state} {format_duration((end - incident.started_at).total_seconds())}"))


def clock_lines(out: Lines, view: ResponderView, now: datetime, palette: Palette) -> None:
    out.add(Text(), Text("Clocks", "bold"))
    for clock in view.clocks:
        out.add(countdown(clock, now, palette))
        if clock.contact and not clock.done:
            out.wrapped(clock.contact, palette.muted, first="  → ", indent=4)


def step_lines(out: Lines, view: ResponderView, palette: Palette) -> None:
    if not view.steps:
        return
    first = view.steps[0]
    out.add(Text(), Text.assemble(("Next step", "bold"), ("  s all steps", palette.muted)))
    out.wrapped(first.procedure, palette.accent, first="▸ ", indent=2)
    if first.reason:
        out.wrapped(first.reason, palette.warning, first="  ", indent=2)
    target = f" → {first.target.label}" if first.target is not None else ""
    out.wrapped(first.title + target, first="  ", indent=2)


def item_lines(out: Lines, item: CheckedItem, selected: bool, palette: Palette) -> None:
    mark, style = _mark(item, palette)
    start = len(out.lines)
    hand = "" if item.decided_by_evidence else " (by hand)"
    out.wrapped(item.text + hand, first=f"{'▶' if selected else ' '} {mark} ", indent=4)
    out.lines[start].stylize(style, 2, 3)
    if selected:
        for line in out.lines[start:]:
            line.stylize("reverse")
    if item.evidence is not None and item.decided_by_evidence:
        out.wrapped(item.evidence.reading, style, first="    ", indent=4)


def _mark(item: CheckedItem, palette: Palette) -> tuple[str, str]:
    if item.decided_by_evidence:
        assert item.evidence is not None
        if item.evidence.verdict is Verdict.OK:
            return "✓", palette.ok
        if item.phase is Phase.ASSESSMENT:
            return "✗", f"bold {palette.error}"
        return "…", palette.warning  # resolution: not verified yet
    return ("☑", palette.ok) if item.by_hand else ("☐", "")


def checklist_lines(
    out: Lines, title: str, items: Sequence[CheckedItem], cursor: int | None, palette: Palette
) -> None:
    if not items:
        return
    done = sum(1 for item in items if item.ticked)
    out.add(Text(), Text.assemble((title, "bold"), (f"  {done}/{len(items)}", palette.muted)))
    for item in items:
        out.items.append((len(out.lines), item))
        item_lines(out, item, cursor == len(out.items) - 1, palette)


OUTBOX_SHOWN = 3  # the newest deliveries in the panel; o lists them all


def delivery_mark(state: Delivery, palette: Palette) -> tuple[str, str]:
    """The mark and style of a delivery state, the same in the panel and the outbox screen."""
    return {
        Delivery.SENT: ("✓", palette.ok),
        Delivery.SENDING: ("→", palette.accent),
        Delivery.QUEUED: ("·", palette.muted),
        Delivery.RETRYING: ("↻", palette.warning),
        Delivery.UNCONFIRMED: ("?", palette.warning),
        Delivery.FAILED: ("✗", f"bold {palette.error}"),
    }[state]


def delivery_state(tracked: Tracked) -> str:
    """Where a delivery stands, in words: "sent 09:14:02", "retrying at 09:15:30: <why>"."""
    local = "%H:%M:%S"
    if tracked.state is Delivery.SENT and tracked.sent_at is not None:
        where = " to the drill outbox" if "drill" in tracked.receipt else ""
        return f"sent{where} {tracked.sent_at.astimezone():{local}}"
    when = f" at {tracked.retry_at.astimezone():{local}}" if tracked.retry_at else ""
    why = f": {tracked.error}" if tracked.error else ""
    if tracked.state is Delivery.UNCONFIRMED:
        return f"unconfirmed, checking{when}{why}"
    if tracked.state is Delivery.RETRYING:
        return f"retrying{when}{why}"
    return f"{tracked.state}{why}"


def outbox_lines(out: Lines, view: ResponderView, palette: Palette) -> None:
    if not view.outbox:
        return
    out.add(
        Text(),
        Text.assemble(("Outbox", "bold"), (f"  {summary(view.outbox)}  o all", palette.muted)),
    )
    for tracked in view.outbox[-OUTBOX_SHOWN:]:
        mark, style = delivery_mark(tracked.state, palette)
        start = len(out.lines)
        out.wrapped(f"{tracked.item.label}: {delivery_state(tracked)}", first=f"{mark} ", indent=2)
        out.lines[start].stylize(style, 0, 1)


def incident_lines(
    view: ResponderView, now: datetime, palette: Palette, cursor: int | None, width: int
) -> Lines:
    out = Lines(width)
    header(out, view.incident, now, palette, view.drill)
    if view.resolved:
        out.add(
            Text(),
            Text("Resolved", f"bold {palette.ok}"),
            Text("n  send the RESOLVED message", palette.muted),
            Text("x  export the postmortem draft", palette.muted),
            Text("i  declare a new incident", palette.muted),
        )
        outbox_lines(out, view, palette)
        return out
    clock_lines(out, view, now, palette)
    step_lines(out, view, palette)
    checklist_lines(out, "Assessment", view.assessment, cursor, palette)
    checklist_lines(out, "Resolution", view.resolution, cursor, palette)
    outbox_lines(out, view, palette)
    out.add(
        Text(),
        Text("a ack  n update  r resolve  x postmortem", palette.muted),
        Text("m mark evidence  e escalate  S severity", palette.muted),
    )
    return out


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
