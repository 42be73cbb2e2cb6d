"""The runbook's clocks for an open incident, computed from the incident, the runbook and the current time.

Acknowledge within 5 minutes; the first update within the severity's response time; an update every
15 minutes after that; escalation after the runbook's limit for the severity (30 minutes for P0, an hour
for P1), naming who is next in the runbook's escalation contacts.

When PagerDuty's on-call levels are known (``[pagerduty] escalation_policy_id``), the contact also names the
person on call: "Secondary On-Call: Dana Reyes (PagerDuty level 2)". The levels follow the escalations: the
lowest (level 1, the primary on-call: the responder) is paged first, and each escalation recorded moves one
level up; so after n escalations the (n+1)th level is paged and the clock names who is on call at the next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

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


class OnCallPerson(Protocol):
    """Who is on call at one level of an escalation policy (``outbound.pagerduty.OnCall`` is one; this
    module does not import it: the outbound layer loads httpx, which the first frame does without)."""

    @property
    def level(self) -> int: ...

    @property
    def name(self) -> str: ...


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


def clocks(
    incident: Incident,
    now: datetime,
    runbook: Runbook | None = None,
    oncall: Sequence[OnCallPerson] = (),
) -> tuple[IncidentClock, ...]:
    """Every clock of the incident, in the order the runbook's process reaches them; ``oncall``, PagerDuty's
    on-call levels, lets the escalation clock name the person."""
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
    escalation = escalation_clock(incident, runbook, oncall)
    if escalation is not None:
        result.append(escalation)
    return tuple(result)


def respond_within(severity: str, runbook: Runbook | None) -> timedelta:
    level = runbook.severity(severity) if runbook else None
    return level.response_time if level else RESPOND_WITHIN.get(severity, UPDATE_EVERY)


def escalate_after(severity: str, runbook: Runbook | None) -> timedelta | None:
    found = runbook.escalate_after(severity) if runbook else None
    return found or ESCALATE_AFTER.get(severity)


def escalation_clock(
    incident: Incident, runbook: Runbook | None, oncall: Sequence[OnCallPerson] = ()
) -> IncidentClock | None:
    """Due one limit after the start, or after the last escalation; names the next contact in line."""
    limit = escalate_after(incident.severity, runbook)
    if limit is None:
        return None
    line = escalation_line(runbook)
    due = (incident.last_escalation_at or incident.started_at) + limit
    if line and next_contact(incident, runbook) is None:  # everyone in the runbook's line has been called
        return IncidentClock("escalate", due, done=True)
    return IncidentClock("escalate", due, contact=escalation_contact(incident, runbook, oncall))


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


def next_oncall_person(incident: Incident, oncall: Sequence[OnCallPerson]) -> OnCallPerson | None:
    """Who is on call at the level above the one paged now; None at the last level, or when the levels are
    not known. The levels are counted among those with someone on call (PagerDuty passes over an empty
    one), lowest first: the first is paged until the first escalation, each escalation moves one up."""
    levels = sorted({person.level for person in oncall})
    paged = len(incident.escalated_to)  # the index in ``levels`` of the level paged now
    if paged + 1 >= len(levels):
        return None
    at = [person for person in oncall if person.level == levels[paged + 1]]
    return min(at, key=lambda person: person.name)


def escalation_contact(
    incident: Incident, runbook: Runbook | None, oncall: Sequence[OnCallPerson] = ()
) -> str:
    """Whom the next escalation goes to: the runbook's next contact, with PagerDuty's on-call person for
    the next level in place of the runbook's "[Check PagerDuty schedule]" when the levels are known."""
    entry, person = next_contact(incident, runbook), next_oncall_person(incident, oncall)
    if person is None:
        return contact_text(entry) if entry is not None else ""
    return f"{entry.name}: {person_text(person)}" if entry is not None else person_text(person)


def person_text(person: OnCallPerson) -> str:
    """``Dana Reyes (PagerDuty level 2)``."""
    return f"{person.name or 'someone unnamed'} (PagerDuty level {person.level})"


def contact_text(entry: Entry) -> str:
    """``Secondary On-Call: Check PagerDuty schedule``: the runbook's brackets mark a value to look up."""
    value = entry.value.strip().removeprefix("[").removesuffix("]").strip()
    return f"{entry.name}: {value}" if value else entry.name
