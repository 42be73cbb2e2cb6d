"""The incident being worked: what the responder declared and what has happened to it since."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

SEVERITIES = ("P0", "P1", "P2", "P3")
MAX_SLUG_LENGTH = 24  # "brief-description": a channel name people type


@dataclass(frozen=True, slots=True)
class Incident:
    id: str
    title: str
    severity: str
    started_at: datetime
    description: str = ""
    drill: bool = False
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    last_update_at: datetime | None = None  # the newest status update sent: the 15-minute clock runs from it
    escalated_to: tuple[str, ...] = ()  # in order: the escalation clock names the next one
    last_escalation_at: datetime | None = None
    hand_ticks: frozenset[tuple[str, str]] = frozenset()  # (checklist title, item) ticked by the responder

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def channel(self) -> str:
        """The runbook's channel name: ``#incident-YYYYMMDD-brief-description``."""
        return f"#incident-{self.started_at:%Y%m%d}-{slugify(self.title)}"

    def acknowledged(self, at: datetime) -> Incident:
        return self if self.acknowledged_at else replace(self, acknowledged_at=at)

    def resolved(self, at: datetime) -> Incident:
        return replace(self, resolved_at=at)

    def updated(self, at: datetime) -> Incident:
        return replace(self, last_update_at=at)

    def escalated(self, at: datetime, to: str) -> Incident:
        return replace(self, escalated_to=(*self.escalated_to, to), last_escalation_at=at)

    def ticked(self, checklist: str, item: str, done: bool) -> Incident:
        key = (checklist, item)
        return replace(self, hand_ticks=self.hand_ticks | {key} if done else self.hand_ticks - {key})


def slugify(title: str) -> str:
    """Lower-case words joined by dashes, cut at a word boundary within the length limit."""
    slug = ""
    for word in re.findall(r"[a-z0-9]+", title.lower()):
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > MAX_SLUG_LENGTH:
            return slug or word[:MAX_SLUG_LENGTH]
        slug = candidate
    return slug or "incident"


def incident_id(started_at: datetime) -> str:
    return f"INC-{started_at:%Y%m%d-%H%M%S}"


# The runbook's severity levels in brief: (level, definition, response time).
SEVERITY_GUIDE = (
    ("P0", "Complete outage or data loss", "< 5 min"),
    ("P1", "Major degradation, many users", "< 15 min"),
    ("P2", "Minor degradation, one component", "< 1 h"),
    ("P3", "Minimal user impact", "< 4 h"),
)
