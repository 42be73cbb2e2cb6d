"""Where each alert stands with the responder: acknowledged (and for how long), or waiting for it.

The runbook asks for an acknowledgement within 5 minutes: for a critical alert that clock runs from
the moment it started firing. An acknowledgement (a silence) that is about to end while the alert
still fires is flagged, so the page does not come back as a surprise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from modulo_watch.collectors.models import Alert, AlertState, severity_level
from modulo_watch.incident.clocks import ACK_WITHIN

# An acknowledgement this close to its end is flagged while its alert still fires.
ACK_EXPIRING_WITHIN = timedelta(minutes=2)


class AckState(StrEnum):
    ACKNOWLEDGED = "acknowledged"
    EXPIRING = "expiring"  # acknowledged, but the silence ends soon and the alert still fires
    DUE = "due"  # critical, unacknowledged, still inside the runbook's 5 minutes
    OVERDUE = "overdue"  # critical, unacknowledged, past the 5 minutes
    NONE = "none"  # nothing asked of the responder: not critical, silenced by someone else, pending...


# The most urgent first: a group shows the state of its most urgent alert.
URGENCY = (AckState.OVERDUE, AckState.EXPIRING, AckState.DUE, AckState.ACKNOWLEDGED, AckState.NONE)


@dataclass(frozen=True, slots=True)
class AckStanding:
    state: AckState
    # Until the acknowledgement ends or the 5 minutes are up; negative once overdue.
    left: timedelta = timedelta(0)


def is_critical(alert: Alert) -> bool:
    return severity_level(alert.severity) == 1


def ack_standing(alert: Alert, now: datetime) -> AckStanding:
    ack = alert.acknowledgement
    if ack is not None:
        left = ack.until - now
        return AckStanding(AckState.EXPIRING if left <= ACK_EXPIRING_WITHIN else AckState.ACKNOWLEDGED, left)
    waiting = alert.state in (AlertState.ACTIVE, AlertState.UNPROCESSED)
    if not (waiting and is_critical(alert)):
        return AckStanding(AckState.NONE)
    left = alert.starts_at + ACK_WITHIN - now
    return AckStanding(AckState.DUE if left > timedelta(0) else AckState.OVERDUE, left)


def most_urgent(standings: list[AckStanding]) -> AckStanding:
    """The standing a group of alerts shows: the most urgent, and of those the one with least time left."""
    if not standings:
        return AckStanding(AckState.NONE)
    return min(standings, key=lambda standing: (URGENCY.index(standing.state), standing.left))
