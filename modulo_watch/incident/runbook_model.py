"""The runbook as data: what the responder panel shows and the clocks count, read from Markdown.

Every element keeps the 1-based source line it came from, so a later check (or the panel) can point
the responder back at the runbook itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

_PLACEHOLDER = re.compile(r"\[([^\[\]\n]+)\]")


class RunbookError(Exception):
    """A runbook that cannot be read; ``str()`` is one line: ``file:line: problem``."""


@dataclass(frozen=True, slots=True)
class Severity:
    level: str  # "P0"
    label: str  # "Critical"
    definition: str
    response_time: timedelta  # how soon someone must be on it
    response_text: str  # as written: "Immediate (< 5 minutes)"
    escalation: str
    examples: tuple[str, ...]
    line: int


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    text: str
    checked: bool  # "[x]" in the source: a runbook may pre-tick an item
    line: int


@dataclass(frozen=True, slots=True)
class Checklist:
    title: str  # "Initial Assessment Checklist"
    items: tuple[ChecklistItem, ...]
    within: timedelta | None  # from a title such as "Within 24 hours"
    line: int


@dataclass(frozen=True, slots=True)
class Action:
    """One numbered (or bulleted) instruction, with what it tells the responder to run."""

    text: str
    details: tuple[str, ...]  # nested bullets
    commands: tuple[str, ...]  # inline code and the lines of nested code blocks
    line: int


@dataclass(frozen=True, slots=True)
class Procedure:
    title: str  # "When an Alert Fires", or a troubleshooting case such as "API Service Down"
    group: str  # the heading above a troubleshooting case ("Common Issues Troubleshooting"), else ""
    actions: tuple[Action, ...]
    line: int


@dataclass(frozen=True, slots=True)
class ProcessStep:
    order: int
    title: str  # "Detection and Acknowledgment"
    procedures: tuple[Procedure, ...]
    checklists: tuple[Checklist, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Template:
    """A communication template, kept as written so that a renderer can fill its placeholders."""

    name: str  # "INCIDENT ALERT"
    heading: str  # "Communication Template"
    text: str
    step: int | None  # the process step it belongs to
    line: int

    @property
    def placeholders(self) -> tuple[str, ...]:
        """The bracketed fields, in order of first appearance: ``("0/1", "Brief description", ...)``."""
        return tuple(dict.fromkeys(_PLACEHOLDER.findall(self.text)))


@dataclass(frozen=True, slots=True)
class Entry:
    """A named line: a contact ("Primary On-Call" -> "[Check PagerDuty schedule]") or a tool and its URL."""

    name: str
    value: str
    line: int


@dataclass(frozen=True, slots=True)
class EntryGroup:
    title: str  # "On-Call Escalation", "Monitoring and Alerting"
    entries: tuple[Entry, ...]
    line: int


@dataclass(frozen=True, slots=True)
class EscalationRule:
    text: str  # "Unable to resolve P0 incident within 30 minutes"
    level: str | None  # the severity it names, if any
    after: timedelta | None  # the time it names, if any
    line: int


@dataclass(frozen=True, slots=True)
class Escalation:
    rules: tuple[EscalationRule, ...]  # when to escalate
    steps: tuple[str, ...]  # how to escalate, in order
    external: tuple[EntryGroup, ...]  # whom to call outside the team


@dataclass(frozen=True, slots=True)
class Command:
    text: str  # "kubectl get nodes"
    comment: str  # the "# Check cluster status" line above it, if any
    line: int


@dataclass(frozen=True, slots=True)
class CommandSection:
    title: str  # "Kubernetes Debugging"
    commands: tuple[Command, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Runbook:
    title: str
    source: str  # the file it was read from, for messages
    overview: str
    severities: tuple[Severity, ...]
    steps: tuple[ProcessStep, ...]
    templates: tuple[Template, ...]
    contacts: tuple[EntryGroup, ...]
    escalation: Escalation
    tools: tuple[EntryGroup, ...]
    commands: tuple[CommandSection, ...]

    def severity(self, level: str) -> Severity | None:
        return next((severity for severity in self.severities if severity.level == level), None)

    def escalate_after(self, level: str) -> timedelta | None:
        """How long an unresolved incident of ``level`` may run before the runbook says to escalate."""
        times = [rule.after for rule in self.escalation.rules if rule.level == level and rule.after]
        return min(times, default=None)

    @property
    def post_incident(self) -> tuple[Checklist, ...]:
        """The follow-ups that fall due after resolution ("Within 1 hour", "Within 24 hours", ...)."""
        return tuple(
            checklist for step in self.steps for checklist in step.checklists if checklist.within is not None
        )
