"""Guided steps: the runbook's investigation steps and troubleshooting playbooks, each linked to the pane
(or the view inside a pane) that answers it, with the playbook that fits the live evidence offered first.

Both links and fits are keyword rules kept as data, so that any runbook in the user's format works: a
step's words pick the pane ("Check recent deployments" -> rollouts), a playbook's title picks the evidence
it answers ("API Service Down" and "modulo-api Down" both fit failing APIs or unready pods).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from modulo_watch.incident.assess import Evidence, Verdict
from modulo_watch.incident.runbook_model import Action, Procedure, Runbook

__all__ = ["FIT_RULES", "LINK_RULES", "GuideStep", "Target", "guide", "link", "offered_playbooks"]


class Target(StrEnum):
    """A pane of the war room, or a view inside one, that answers a step. ``str()`` is its name."""

    PODS = "pods"
    POD_LOGS = "pod-logs"  # Enter on a pod: the pod detail with its log
    EVENTS = "events"
    ROLLOUTS = "rollouts"
    NODES = "nodes"
    POSTGRES = "postgres"
    POSTGRES_LOCKS = "postgres-locks"  # the pane's blocking chains, root blockers first
    ERROR_RATE = "error-rate"
    LATENCY = "latency"  # the error-rate pane's latency view (`v`)
    ALERTS = "alerts"

    @property
    def pane(self) -> str:
        """The pane to focus, as named in ``tui.keys.PANE_ORDER``."""
        return _PANES.get(self, self.value)

    @property
    def view(self) -> str | None:
        """The view inside the pane to open: "logs", "locks" or "latency"; None for the pane itself."""
        return _VIEWS.get(self)

    @property
    def label(self) -> str:
        """How a step shows where it leads: "pod logs", "postgres locks", "latency"."""
        return self.value.replace("-", " ") if self.view else self.value


_PANES = {Target.POD_LOGS: "pods", Target.POSTGRES_LOCKS: "postgres", Target.LATENCY: "error-rate"}
_VIEWS = {Target.POD_LOGS: "logs", Target.POSTGRES_LOCKS: "locks", Target.LATENCY: "latency"}


def _rule(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# Which pane answers a step, first match wins: the order settles the words that could go either way
# ("PostgreSQL logs" is the database's, "logs for error patterns" are logs, "database query
# performance" is the database's, "resource usage: kubectl describe pod" is about capacity).
LINK_RULES: tuple[tuple[re.Pattern[str], Target], ...] = (
    (_rule(r"\block(s|ing)?\b|deadlock"), Target.POSTGRES_LOCKS),
    (_rule(r"postgres|database|\bdb\b|\bconnections?\b|pg_stat|\bquer(y|ies)\b|\bsql\b"), Target.POSTGRES),
    (_rule(r"\bdeploy(s|ed|ments?)?\b|\brollouts?\b|\broll(ed)?[ -]?back\b|\breleases?\b"), Target.ROLLOUTS),
    (_rule(r"\bevents?\b"), Target.EVENTS),
    (_rule(r"\blogs?\b"), Target.POD_LOGS),
    (
        _rule(
            r"\bnodes?\b|\bcpu\b|\bmemory\b|resource usage|infrastructure|\bcordon\b|\bdrain\b|\bkubelet\b"
        ),
        Target.NODES,
    ),
    (_rule(r"\bpods?\b|\brestart(s|ing)?\b|crashloop|\boom"), Target.PODS),
    (
        _rule(r"error[- ]rate|error patterns|\berrors\b|\b5xx\b|grafana|dashboards?|monitoring"),
        Target.ERROR_RATE,
    ),
    (_rule(r"latency|response times?|performance|\bslow\b|throughput"), Target.LATENCY),
    (_rule(r"\balerts?\b|prometheus|alertmanager"), Target.ALERTS),
)

# Which bad evidence makes a playbook (by the words of its title) the one to offer first. The order is
# the severity: failing APIs before unready pods before the database, the error rate and latency.
FIT_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("apis", _rule(r"\bdown\b|outage|unavailable|failing")),
    ("pods", _rule(r"\bdown\b|outage|unavailable|failing")),
    ("pods", _rule(r"\bnodes?\b")),
    ("database", _rule(r"database|postgres|\bdb\b")),
    ("error_rate", _rule(r"error rate|\berrors\b|\b5xx\b")),
    ("latency", _rule(r"performance|latency|\bslow\b")),
)

# The process steps and procedures whose actions are investigation (troubleshooting cases carry a group).
_INVESTIGATION = _rule(r"investigat|diagnos|troubleshoot")


@dataclass(frozen=True, slots=True)
class GuideStep:
    """One thing to check, where the war room answers it, and why it is offered first (if it is)."""

    title: str  # "Check pod status" (the action without its inline command)
    procedure: str  # "API Service Down", "Investigation Steps"
    action_text: str  # as written: "Check pod status: kubectl get pods -l app=modulo-api"
    commands: tuple[str, ...]
    target: Target | None  # None: no pane answers it, run its commands
    line: int  # in the runbook
    reason: str = ""  # "Critical APIs: login 503 for 3m" on the steps of an offered playbook, else ""
    details: tuple[str, ...] = ()  # the action's nested bullets ("Grafana: system metrics ...")

    @property
    def offered(self) -> bool:
        return bool(self.reason)


def link(text: str, details: Sequence[str] = (), commands: Sequence[str] = ()) -> Target | None:
    """The pane that answers a step: by its text, else by its nested bullets, else by its commands."""
    for words in (text, " ".join(details), " ".join(commands)):
        for pattern, target in LINK_RULES:
            if pattern.search(words):
                return target
    return None


def offered_playbooks(playbooks: Sequence[Procedure], evidence: Sequence[Evidence]) -> dict[int, str]:
    """Which playbooks fit the bad evidence: their index in ``playbooks`` -> the reason, most severe first."""
    bad = {item.key: item for item in evidence if item.verdict is Verdict.BAD}
    ranked: list[tuple[int, int, str]] = []
    for index, playbook in enumerate(playbooks):
        fits = [
            rank
            for rank, (key, pattern) in enumerate(FIT_RULES)
            if key in bad and pattern.search(playbook.title)
        ]
        if fits:
            keys = dict.fromkeys(FIT_RULES[rank][0] for rank in fits)  # in rank order, each once
            reason = " · ".join(f"{bad[key].label}: {bad[key].reading}" for key in keys)
            ranked.append((fits[0], index, reason))
    return {index: reason for _, index, reason in sorted(ranked)}


def guide(runbook: Runbook, evidence: Sequence[Evidence]) -> tuple[GuideStep, ...]:
    """Every investigation step and troubleshooting action of ``runbook``, each linked to its pane.

    The playbooks that fit the bad ``evidence`` come first, the most severe evidence first, each of
    their steps carrying the reason; the rest follow in runbook order.
    """
    procedures = [
        procedure
        for step in runbook.steps
        for procedure in step.procedures
        if procedure.group or _INVESTIGATION.search(step.title) or _INVESTIGATION.search(procedure.title)
    ]
    playbooks = [procedure for procedure in procedures if procedure.group]
    offered = offered_playbooks(playbooks, evidence)
    first = [(playbooks[index], reason) for index, reason in offered.items()]
    chosen = {id(procedure) for procedure, _ in first}
    rest = [(procedure, "") for procedure in procedures if id(procedure) not in chosen]
    return tuple(
        _step(procedure, action, reason)
        for procedure, reason in (*first, *rest)
        for action in procedure.actions
    )


def _step(procedure: Procedure, action: Action, reason: str) -> GuideStep:
    return GuideStep(
        title=_title(action),
        procedure=procedure.title,
        action_text=action.text,
        commands=action.commands,
        target=link(action.text, action.details, action.commands),
        line=action.line,
        reason=reason,
        details=action.details,
    )


def _title(action: Action) -> str:
    """ "Check logs: kubectl logs -l app=x" -> "Check logs"; text without an inline command stays whole."""
    head, colon, tail = action.text.partition(":")
    if colon and head.strip() and any(tail.strip().startswith(command) for command in action.commands):
        return head.strip()
    return action.text
