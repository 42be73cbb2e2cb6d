"""The runbook's clocks for an open incident, computed from the incident and the current time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from modulo_watch.incident.incident import Incident

ACK_WITHIN = timedelta(minutes=5)
UPDATE_EVERY = timedelta(minutes=15)
ESCALATE_AFTER = {"P0": timedelta(minutes=30), "P1": timedelta(hours=1)}


@dataclass(frozen=True, slots=True)
class IncidentClock:
    name: str
    due_at: datetime
    done: bool = False

    def remaining(self, now: datetime) -> timedelta:
        return self.due_at - now

    def overdue(self, now: datetime) -> bool:
        return not self.done and now > self.due_at


def clocks(incident: Incident, now: datetime) -> tuple[IncidentClock, ...]:
    """Acknowledge within 5 minutes, an update every 15, escalation for P0 (30 min) and P1 (1 h)."""
    started = incident.started_at
    elapsed_updates = max(0, (now - started) // UPDATE_EVERY)
    result = [
        IncidentClock("acknowledge", started + ACK_WITHIN, done=incident.acknowledged_at is not None),
        IncidentClock("next update", started + UPDATE_EVERY * (elapsed_updates + 1)),
    ]
    if incident.severity in ESCALATE_AFTER:
        result.append(IncidentClock("escalate", started + ESCALATE_AFTER[incident.severity]))
    return tuple(result)
