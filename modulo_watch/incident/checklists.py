"""The runbook's assessment and resolution checklists, each item with the live reading that decides it.

An assessment item is a question ("Is modulo-api responding?"): it is answered, yes or no, as soon as a
source reports the reading it asks about. A resolution item is a claim ("Error rates back to normal
levels"): it is verified only while the reading agrees (the error rate settled for minutes, no alert
firing). Items no source can decide ("Status page shows all systems operational") are ticked by hand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from modulo_watch.incident.assess import Evidence, Verdict
from modulo_watch.incident.runbook_model import Checklist, Runbook


class Phase(StrEnum):
    ASSESSMENT = "assessment"
    RESOLUTION = "resolution"


# Which reading decides an item, by the words of the item: first match wins, so the specific come first.
EVIDENCE_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), key)
    for pattern, key in (
        (r"error.?rate", "error_rate"),
        (r"latency|response times?\b", "latency"),
        (r"\balerts?\b", "alerts"),
        (r"postgres|database|\bdb\b", "database"),
        (r"\bpods?\b", "pods"),
        (r"\bapis?\b|responding|reach|access|log ?in|functionality|main pages", "apis"),
    )
)
# How a runbook titles each checklist ("Initial Assessment Checklist", "Resolution Verification Checklist").
_TITLES = {Phase.ASSESSMENT: re.compile(r"assess", re.I), Phase.RESOLUTION: re.compile(r"resol|verif", re.I)}


@dataclass(frozen=True, slots=True)
class CheckedItem:
    checklist: str  # the checklist's title, as the journal records it
    phase: Phase
    text: str
    evidence: Evidence | None  # the reading that decides the item, when a source reports one
    by_hand: bool  # ticked by the responder

    @property
    def decided_by_evidence(self) -> bool:
        return self.evidence is not None and self.evidence.verdict is not Verdict.UNKNOWN

    @property
    def ticked(self) -> bool:
        """Done: answered or verified by the evidence, or, where no reading decides, ticked by hand."""
        if self.decided_by_evidence:
            return self.phase is Phase.ASSESSMENT or self.evidence_agrees
        return self.by_hand

    @property
    def evidence_agrees(self) -> bool:
        return self.evidence is not None and self.evidence.verdict is Verdict.OK


def evidence_key(item: str) -> str | None:
    return next((key for pattern, key in EVIDENCE_RULES if pattern.search(item)), None)


def find_checklist(runbook: Runbook, phase: Phase) -> Checklist | None:
    """The runbook's checklist for ``phase``; post-incident lists (those with a deadline) never count."""
    for step in runbook.steps:
        for checklist in step.checklists:
            if checklist.within is None and _TITLES[phase].search(checklist.title):
                return checklist
    return None


def check(
    checklist: Checklist,
    phase: Phase,
    evidence: Sequence[Evidence],
    hand_ticks: frozenset[tuple[str, str]],
) -> tuple[CheckedItem, ...]:
    """Every item of the checklist with its reading and whether the responder ticked it."""
    readings: Mapping[str, Evidence] = {item.key: item for item in evidence}
    result = []
    for item in checklist.items:
        key = evidence_key(item.text)
        by_hand = item.checked or (checklist.title, item.text) in hand_ticks
        reading = readings.get(key) if key else None
        result.append(CheckedItem(checklist.title, phase, item.text, reading, by_hand))
    return tuple(result)


def blockers(items: Sequence[CheckedItem]) -> tuple[CheckedItem, ...]:
    """The resolution items not yet verified: resolving now needs the responder's reason."""
    return tuple(item for item in items if not item.ticked)
