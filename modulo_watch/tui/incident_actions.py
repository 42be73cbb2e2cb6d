"""The responder's half of the war room: the incident, its journal, the runbook, and the keys that work them.

Every change to the incident is written to the journal (one fsync per entry) before the screen shows it,
so what the responder saw as done survives a crash or a dropped connection.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import App

from modulo_watch.collectors.models import Snapshot, SourceName
from modulo_watch.collectors.sources import Sources
from modulo_watch.config import Settings
from modulo_watch.incident.assess import (
    Evidence,
    SeveritySuggestion,
    Verdict,
    gather,
    resolution_evidence,
    suggest_severity,
)
from modulo_watch.incident.checklists import CheckedItem, Phase, blockers, check, find_checklist
from modulo_watch.incident.clocks import (
    UPDATE_EVERY,
    OnCallPerson,
    clocks,
    escalate_after,
    next_contact,
    next_oncall_person,
    person_text,
)
from modulo_watch.incident.comms import TemplateValues, fill, find_template
from modulo_watch.incident.export import duration, duration_text
from modulo_watch.incident.guide import GuideStep, Target, guide
from modulo_watch.incident.incident import Incident
from modulo_watch.incident.journal import IncidentJournal, JournalError, Timeline
from modulo_watch.incident.runbook_model import Entry, Runbook, RunbookError
from modulo_watch.outbound.outbox import Tracked
from modulo_watch.tui.panes.responder import ItemToggled, ResponderPanel
from modulo_watch.tui.panes.responder_view import ResponderView, overdue_clocks
from modulo_watch.tui.screens.confirm import ConfirmScreen
from modulo_watch.tui.screens.declare import Declaration, DeclareScreen
from modulo_watch.widgets.safe_text import clean, inert

# The sources the suggested severity rests on: read again as soon as they change.
SEVERITY_SOURCES = frozenset({SourceName.METRICS, SourceName.HEALTH, SourceName.ALERTS})
# Pods and backends change many times a second in a large cluster, and a reading walks all of them: the
# checklists read them at the next one-second tick.
TICK_SOURCES = frozenset({SourceName.PODS, SourceName.POSTGRES})


class IncidentApp(App[int]):
    """The incident state and its actions; the war room (``WarRoomApp``) adds the panes and sources."""

    def __init__(self, settings: Settings, sources: Sources, journal: IncidentJournal) -> None:
        super().__init__()
        self.settings = settings
        self.sources = sources
        self.journal = journal
        self.incident: Incident | None = None
        self.resolved_incident: Incident | None = None  # just resolved: its message and postmortem are next
        self.runbook: Runbook | None = None  # loaded off the event loop after the first frame
        self._suggestion: SeveritySuggestion | None = None
        self._evidence: tuple[Evidence, ...] = ()
        self._resolution_evidence: tuple[Evidence, ...] = ()
        self._steps: tuple[GuideStep, ...] = ()  # the runbook's steps, the one fitting the evidence first
        self._auto_ticks: dict[tuple[str, str], bool] = {}  # as last journaled: only changes are written
        self._overdue: frozenset[str] = frozenset()
        self._evidence_stale = False  # a pods or backends change not read yet
        self._fix = ""  # the resolution, for the RESOLVED message

    @property
    def responder(self) -> ResponderPanel | None:
        """The panel, or None while the app is shutting down (a worker may finish after the screen went)."""
        found = self.query(ResponderPanel)
        return found.first() if found else None

    @property
    def drill(self) -> bool:
        return self.sources.scenario is not None

    # --- state ----------------------------------------------------------------------------------------

    def resume_incident(self) -> None:
        timeline = self.journal.resume_timeline()
        self.incident = timeline.incident if timeline else None
        if timeline is None:
            return
        self._auto_ticks = _journaled_auto_ticks(timeline)
        if timeline.damage:
            self.notify(
                f"{len(timeline.damage)} damaged line(s) of {timeline.id}'s journal skipped"
                " (a write cut short by a crash); everything before them resumed",
                title="Journal",
                severity="warning",
                markup=False,
            )

    @work(group="runbook")
    async def load_runbook(self) -> None:
        """The runbook, parsed in a thread: a team's long runbook never holds a frame back."""
        # Imported here: the parser's markdown-it and ftfy are not needed for the first frame.
        from modulo_watch.incident.runbook import load_runbook

        path = self.settings.runbook.path
        try:
            self.runbook = await asyncio.to_thread(load_runbook, Path(path) if path else None)
        except RunbookError as exc:  # checked before the app started; changed on disk since
            self.notify(clean(str(exc)), title="Runbook not loaded", severity="error", markup=False)
            return
        self.evidence_changed()

    def _snapshots(self) -> dict[SourceName, Snapshot]:
        hub = self.sources.hub
        return {source: found for source in SourceName if (found := hub.snapshot(source)) is not None}

    def sources_changed(self, changed: set[SourceName]) -> None:
        if changed & SEVERITY_SOURCES:
            self.evidence_changed()
        elif changed & TICK_SOURCES:
            self._evidence_stale = True

    def tick_incident(self, now: datetime) -> None:
        if self._evidence_stale:
            self.evidence_changed()
        else:
            self.show_incident(now)

    def evidence_changed(self) -> None:
        """New readings: the suggestion, the checklists, and the journal entries for what they decided."""
        self._evidence_stale = False
        now, snapshots = self.sources.clock.now(), self._snapshots()
        self._evidence = gather(snapshots, now)
        self._resolution_evidence = resolution_evidence(snapshots, now)
        self._steps = guide(self.runbook, self._evidence) if self.runbook else ()
        self._suggest(snapshots, now)
        if self.incident is not None:
            self._journal_auto_ticks(self.incident, now)
        self.show_incident(now)

    def _suggest(self, snapshots: dict[SourceName, Snapshot], now: datetime) -> None:
        """The severity the live evidence points to, and why (a drill adds its incident's title)."""
        self._suggestion = suggest_severity(snapshots, now)
        scenario = self.sources.scenario.incident if self.sources.scenario else None
        lines = [f"{self._suggestion.severity} · {self._suggestion.reason}"] if self._suggestion else []
        if scenario is not None:
            lines.append(scenario.title if self._suggestion else f"{scenario.severity} · {scenario.title}")
        if self.responder is not None:
            self.responder.suggestion = "\n".join(lines) or None

    def checklist(self, phase: Phase, incident: Incident) -> tuple[CheckedItem, ...]:
        found = find_checklist(self.runbook, phase) if self.runbook else None
        if found is None:
            return ()
        evidence = self._evidence if phase is Phase.ASSESSMENT else self._resolution_evidence
        return check(found, phase, evidence, incident.hand_ticks)

    def _journal_auto_ticks(self, incident: Incident, now: datetime) -> None:
        """What the evidence decided, on the timeline: each change once, not each reading."""
        for phase in Phase:
            for item in self.checklist(phase, incident):
                key = (item.checklist, item.text)
                if not item.decided_by_evidence or self._auto_ticks.get(key) == item.ticked:
                    continue
                reading = item.evidence.reading if item.evidence else ""
                try:
                    self.journal.tick_checklist(
                        incident,
                        now,
                        item.text,
                        item.ticked,
                        checklist=item.checklist,
                        auto=True,
                        evidence=reading,
                    )
                except JournalError as exc:
                    self._not_saved(exc)
                    return
                self._auto_ticks[key] = item.ticked

    def show_incident(self, now: datetime) -> None:
        """Repaint the responder panel; ring once for each clock that has just gone overdue."""
        incident, panel = self.incident or self.resolved_incident, self.responder
        if panel is None:
            return
        if incident is None:
            panel.show(None, now)
            return
        found = clocks(incident, now, self.runbook, self.oncall_now()) if incident.is_open else ()
        overdue = overdue_clocks(found, now)
        for name in sorted(overdue - self._overdue):
            self._announce_overdue(name)
        self._overdue = overdue
        view = ResponderView(
            incident,
            found,
            self.checklist(Phase.ASSESSMENT, incident),
            self.checklist(Phase.RESOLUTION, incident),
            self._steps,
            resolved=not incident.is_open,
            drill=self.drill,
            outbox=self.outbox_of(incident),
        )
        panel.show(view, now, overdue=bool(overdue))

    def outbox_of(self, incident: Incident | None) -> tuple[Tracked, ...]:
        """The incident's outgoing messages and calls; the outbox (``OutboxApp``) fills it in."""
        return ()

    def _announce_overdue(self, clock: str) -> None:
        if self.settings.ui.bell:
            self.bell()
        what = {"next update": "send an update with n", "first update": "send the INCIDENT ALERT with n"}
        self.notify(
            f"The {clock} clock is overdue" + (f": {what[clock]}" if clock in what else ""),
            title="Overdue",
            severity="error",
            timeout=15,
            markup=False,
        )

    def incident_changed(self) -> None:
        self.refresh_bindings()
        self.evidence_changed()

    def _not_saved(self, exc: JournalError) -> None:
        self.notify(clean(str(exc)), title="Not saved", severity="error", timeout=30, markup=False)

    # --- declare, acknowledge, severity, escalate, tick ------------------------------------------------

    @work
    async def action_declare_incident(self) -> None:
        if self.incident is not None:
            return
        scenario = self.sources.scenario.incident if self.sources.scenario else None
        evidence = self._suggestion
        severity = evidence.severity if evidence else scenario.severity if scenario else "P2"
        description = scenario.impact if scenario else evidence.reason if evidence else ""
        screen = DeclareScreen(scenario.title if scenario else "", severity, description)
        declaration = await self.push_screen_wait(screen)
        if declaration is not None:
            self._declare(declaration)

    def _declare(self, declaration: Declaration) -> None:
        now = self.sources.clock.now()
        try:
            self.incident = self.journal.declare(
                declaration.title, declaration.severity, now, declaration.description, drill=self.drill
            )
        except JournalError as exc:
            self._not_saved(exc)
            return
        self.resolved_incident, self._auto_ticks, self._fix = None, {}, ""
        self.notify(f"{self.incident.id} declared and saved · channel {self.incident.channel}", markup=False)
        self.incident_changed()

    def action_acknowledge_incident(self) -> None:
        if self.incident is None or self.incident.acknowledged_at is not None:
            return
        try:
            self.incident = self.journal.acknowledge(self.incident, self.sources.clock.now())
        except JournalError as exc:
            self._not_saved(exc)
            return
        self.incident_changed()

    @work
    async def action_change_severity(self) -> None:
        from modulo_watch.tui.screens.severity import SeverityScreen  # not needed for the first frame

        incident = self.incident
        if incident is None:
            return
        suggested = self._suggestion
        screen = SeverityScreen(
            incident.severity,
            suggested.severity if suggested else None,
            suggested.reason if suggested else "",
        )
        change = await self.push_screen_wait(screen)
        if change is None or self.incident is not incident:
            return
        try:
            self.incident = self.journal.change_severity(
                incident, self.sources.clock.now(), change.severity, change.reason
            )
        except JournalError as exc:
            self._not_saved(exc)
            return
        self.notify(f"Severity {incident.severity} → {change.severity}, saved", markup=False)
        self.incident_changed()

    @work
    async def action_escalate(self) -> None:
        incident = self.incident
        if incident is None:
            return
        now = self.sources.clock.now()
        contact = next_contact(incident, self.runbook)
        person = next_oncall_person(incident, self.oncall_now())  # PagerDuty's, when its levels are known
        to = contact.name if contact else person_text(person) if person else "the next escalation level"
        limit = escalate_after(incident.severity, self.runbook)
        overdue = limit is not None and now - (incident.last_escalation_at or incident.started_at) >= limit
        reason = (
            f"{incident.severity} unresolved after {duration_text(limit.total_seconds())}"
            if overdue and limit
            else ""
        )
        question = self._escalation_question(incident, to, contact, person)
        if not await self.push_screen_wait(ConfirmScreen(question)):
            return
        try:
            self.incident = self.journal.escalate(incident, now, to, reason or "by the responder")
        except JournalError as exc:
            self._not_saved(exc)
            return
        self.notify(f"Escalated to {clean(to)}, saved; the escalation clock restarts", markup=False)
        self.incident_changed()

    def _escalation_question(
        self, incident: Incident, to: str, contact: Entry | None, person: OnCallPerson | None = None
    ) -> Text:
        lines = [Text.assemble("Escalate ", (incident.id, "bold"), " to ", inert(to, "bold"), "?")]
        if person is not None and contact is not None:  # the same name the escalation clock shows
            lines.append(inert(f"On call: {person_text(person)}", single_line=False))
        elif contact is not None and contact.value:
            lines.append(inert(f"Contact: {contact.value}", single_line=False))
        steps = self.runbook.escalation.steps if self.runbook else ()
        if steps:
            lines.append(Text("\nHow, by the runbook:", "bold"))
            lines += [inert(f"{number}. {step}", single_line=False) for number, step in enumerate(steps, 1)]
        lines.append(Text("\nThe escalation is recorded on the timeline."))
        return Text("\n").join(lines)

    def oncall_now(self) -> tuple[OnCallPerson, ...]:
        """PagerDuty's on-call levels, for the escalation clock and question; ``PagerDutyApp`` reads them."""
        return ()

    @on(ItemToggled)
    def _tick_by_hand(self, event: ItemToggled) -> None:
        if self.incident is None:
            return
        item = event.item
        try:
            self.incident = self.journal.tick_checklist(
                self.incident, self.sources.clock.now(), item.text, not item.by_hand, checklist=item.checklist
            )
        except JournalError as exc:
            self._not_saved(exc)
            return
        self.incident_changed()

    @work
    async def action_guide(self) -> None:
        from modulo_watch.tui.screens.steps import StepsScreen  # not needed for the first frame

        if self.runbook is None:
            self.notify("The runbook is still loading", markup=False)
            return
        target = await self.push_screen_wait(StepsScreen(self._steps))
        if target is not None:
            self.go_to(target)

    def go_to(self, target: Target) -> None:
        """Overridden by the war room, which knows its panes."""

    # --- resolve ----------------------------------------------------------------------------------------

    @work
    async def action_resolve_incident(self) -> None:
        from modulo_watch.tui.screens.resolve import ResolveScreen  # not needed for the first frame

        incident = self.incident
        if incident is None:
            return
        waiting = blockers(self.checklist(Phase.RESOLUTION, incident))
        resolution = await self.push_screen_wait(ResolveScreen(incident.id, waiting))
        if resolution is None or self.incident is not incident:
            return
        try:
            resolved = self.journal.resolve(
                incident, self.sources.clock.now(), resolution.fix, resolution.override
            )
        except JournalError as exc:
            self._not_saved(exc)
            return
        self.incident, self.resolved_incident, self._fix = None, resolved, resolution.fix
        overruled = f", overriding {len(waiting)} unverified check(s)" if resolution.override else ""
        self.notify(
            f"{incident.id} resolved and saved{overruled} · n sends the RESOLVED message", markup=False
        )
        self.incident_changed()

    # --- communication and the postmortem ---------------------------------------------------------------

    def template_values(self, incident: Incident, now: datetime) -> TemplateValues:
        impact = incident.description
        error_rate = next((item for item in self._evidence if item.key == "error_rate"), None)
        if error_rate is not None and error_rate.verdict is not Verdict.UNKNOWN:
            now_reading = f"error rate {error_rate.reading} now"
            impact = f"{impact.rstrip('. ')}; {now_reading}" if impact else now_reading.capitalize()
        next_update = (now + UPDATE_EVERY).astimezone()
        return TemplateValues(
            severity=incident.severity,
            title=incident.title,
            status="Investigating" if incident.is_open else "Resolved",
            impact=impact or None,
            eta=f"Unknown; next update by {next_update:%H:%M %Z}".rstrip(),
            channel=incident.channel,
            duration=duration_text(duration(incident, now)),
            resolution=self._fix or None,
        )

    def message_for(self, incident: Incident, now: datetime) -> tuple[str, str]:
        """(template name, filled text) of the message the incident needs next."""
        kind = "alert" if incident.is_open else "resolved"
        template = find_template(self.runbook, kind) if self.runbook else None
        name = template.name if template else ("INCIDENT ALERT" if incident.is_open else "INCIDENT RESOLVED")
        text = (
            template.text
            if template
            else f"{name} - [0/1]\nTitle: [Brief description]\nStatus: Investigating"
        )
        return name, clean(fill(text, self.template_values(incident, now)), single_line=False)

    def record_update(self, incident: Incident, audience: str, message: str, template: str) -> bool:
        """The update on the timeline, and its clock restarted; False (and said) when it cannot be saved."""
        try:
            updated = self.journal.record_update(
                incident, self.sources.clock.now(), audience, message, template
            )
        except JournalError as exc:
            self._not_saved(exc)
            return False
        if self.incident is incident:
            self.incident = updated
        elif self.resolved_incident is incident:
            self.resolved_incident = updated
        self.incident_changed()
        return True


def _journaled_auto_ticks(timeline: Timeline) -> dict[tuple[str, str], bool]:
    ticks: dict[tuple[str, str], bool] = {}
    for entry in timeline.entries:
        if entry["kind"] == "checklist_ticked" and entry.get("auto"):
            ticks[(str(entry.get("checklist", "")), str(entry.get("item", "")))] = bool(
                entry.get("done", True)
            )
    return ticks
