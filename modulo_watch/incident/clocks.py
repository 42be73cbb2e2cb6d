"""The runbook's clocks for an open incident, computed from the incident, the runbook and the current time.

Acknowledge within 5 minutes; the first update within the severity's response time; an update every
15 minutes after that; escalation after the runbook's limit for the severity (30 minutes for P0, an hour
for P1), naming who is next in the runbook's escalation contacts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from modulo_watch.incident.incident import Incident
from modulo_watch.incident.runbook_model import Entry, Runbook

ACK_WITHIN = timedelta(minutes=5)
UPDATE_EVERY = timedelta(minutes=15)
# Used when the runbook names no limit for the severity (the user's runbook does).
ESCALATE_AFTER = {"P0": timedelta(minutes=30), "P1": timedelta(hours=1)}
RESPOND_WITHIN = {
    "P0": timedelta(minutes=5),
    "P1": timedelta(minutes=15),
    "P2": timedelta(hours=1),
    "P3": timedelta(hours=4),
}


@dataclass(frozen=True, slots=True)
class IncidentClock:
    name: str
    due_at: datetime
    done: bool = False
    contact: str = ""  # whom the clock's action goes to ("Secondary On-Call: Check PagerDuty schedule")

    def remaining(self, now: datetime) -> timedelta:
        return self.due_at - now

    def overdue(self, now: datetime) -> bool:
        return not self.done and now > self.due_at


def clocks(incident: Incident, now: datetime, runbook: Runbook | None = None) -> tuple[IncidentClock, ...]:
    """Every clock of the incident, in the order the runbook's process reaches them."""
    started = incident.started_at
    result = [
        IncidentClock("acknowledge", started + ACK_WITHIN, done=incident.acknowledged_at is not None),
        IncidentClock(
            "first update",
            started + respond_within(incident.severity, runbook),
            done=incident.last_update_at is not None,
        ),
    ]
    if incident.last_update_at is not None:  # before the first update, its own clock is the one to watch
        result.append(IncidentClock("next update", incident.last_update_at + UPDATE_EVERY))
    escalation = escalation_clock(incident, runbook)
    if escalation is not None:
        result.append(escalation)
    return tuple(result)


def respond_within(severity: str, runbook: Runbook | None) -> timedelta:
    level = runbook.severity(severity) if runbook else None
    return level.response_time if level else RESPOND_WITHIN.get(severity, UPDATE_EVERY)


def escalate_after(severity: str, runbook: Runbook | None) -> timedelta | None:
    found = runbook.escalate_after(severity) if runbook else None
    return found or ESCALATE_AFTER.get(severity)


def escalation_clock(incident: Incident, runbook: Runbook | None) -> IncidentClock | None:
    """Due one limit after the start, or after the last escalation; names the next contact in line."""
    limit = escalate_after(incident.severity, runbook)
    if limit is None:
        return None
    line = escalation_line(runbook)
    waiting = [entry for entry in line if entry.name not in incident.escalated_to]
    due = (incident.last_escalation_at or incident.started_at) + limit
    if line and not waiting:  # everyone in the runbook's line has been called
        return IncidentClock("escalate", due, done=True)
    return IncidentClock("escalate", due, contact=contact_text(waiting[0]) if waiting else "")


def escalation_line(runbook: Runbook | None) -> tuple[Entry, ...]:
    """The runbook's escalation contacts after the primary on-call (who is the responder), in order."""
    if runbook is None or not runbook.contacts:
        return ()
    group = next(
        (group for group in runbook.contacts if "escalat" in group.title.lower()), runbook.contacts[0]
    )
    entries = group.entries
    return entries[1:] if entries and "primary" in entries[0].name.lower() else entries


def next_contact(incident: Incident, runbook: Runbook | None) -> Entry | None:
    waiting = (entry for entry in escalation_line(runbook) if entry.name not in incident.escalated_to)
    return next(waiting, None)


def contact_text(entry: Entry) -> str:
    """``Secondary On-Call: Check PagerDuty schedule``: the runbook's brackets mark a value to look up."""
    value = entry.value.strip().removeprefix("[").removesuffix("]").strip()
    return f"{entry.name}: {value}" if value else entry.name
