"""An incident journal to read or hand on: readable rows, a JSON export, a Markdown timeline.

The Markdown is a plain timeline on purpose: the postmortem draft builds on it. Nothing here knows
about terminals; the caller passes ``sanitize`` to make outside text (titles, targets, messages) inert
for wherever the output goes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from modulo_watch.incident.incident import Incident
from modulo_watch.incident.journal import Timeline, entry_time

Sanitize = Callable[[str], str]

# Kind -> the words a timeline shows for it.
KIND_LABELS = {
    "declared": "declared",
    "acknowledged": "acknowledged",
    "resolved": "resolved",
    "severity_changed": "severity",
    "checklist_ticked": "checklist",
    "update_sent": "update sent",
    "escalated": "escalated",
    "evidence_captured": "evidence",
    "action": "action",
    "outbox_queued": "outbox",
    "outbox_attempt": "outbox",
    "outbox_sent": "outbox",
    "outbox_failed": "outbox",
}
# What can open emphasis, code, links, HTML, entities, strikethrough, table cells or a heading's closing #s.
# Line-start markers (-, +, 1.) are safe: outside text never starts a line here.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>~#&|])")


@dataclass(frozen=True, slots=True)
class Row:
    at: datetime
    label: str
    text: str  # raw: sanitize before display


def describe(entry: dict[str, Any], outbox_labels: dict[str, str] | None = None) -> str:
    """What one entry says, in words, from its raw fields; an outbox entry names its destination by the
    label it was queued with (``outbox_labels``: item id -> label)."""
    kind = entry["kind"]

    def field(name: str) -> str:
        return str(entry.get(name, ""))

    if kind == "declared":
        text = f"{field('severity')} {field('title')}"
        return f"{text}: {field('description')}" if entry.get("description") else text
    if kind == "severity_changed":
        return _with_reason(f"{field('previous') or '?'} -> {field('severity')}", field("reason"))
    if kind == "checklist_ticked":
        text = f"{'[x]' if entry.get('done', True) else '[ ]'} {field('item')}"
        if entry.get("auto"):
            return f"{text} (by the evidence: {field('evidence')})" if entry.get("evidence") else text
        return f"{text} (by hand)"
    if kind == "update_sent":
        return f"to {field('audience')}: {field('message')}"
    if kind == "escalated":
        return _with_reason(f"to {field('to')}", field("reason"))
    if kind == "evidence_captured":
        text = f"{field('source')}: {field('summary')}"
        return f"{text} ({field('detail')})" if entry.get("detail") else text
    if kind == "action":
        return f"{field('action')} {field('target')}: {field('outcome')}"
    if kind.startswith("outbox_"):
        return _outbox(entry, (outbox_labels or {}).get(field("id"), field("label") or field("id")))
    if kind in KIND_LABELS:
        return ""
    extra = {key: value for key, value in entry.items() if key not in ("at", "kind")}
    return json.dumps(extra, sort_keys=True) if extra else ""


def _outbox(entry: dict[str, Any], label: str) -> str:
    kind = entry["kind"]
    if kind == "outbox_queued":
        return f"queued for {label}"
    if kind == "outbox_attempt":
        return f"sending to {label} (attempt {entry.get('attempt', '?')})"
    if kind == "outbox_sent":
        return f"delivered to {label}"
    retry = f"; retrying at {entry['retry_at']}" if entry.get("retry_at") else "; waits for a person"
    return f"not delivered to {label}: {entry.get('error', '')}{retry}"


def _with_reason(text: str, reason: str) -> str:
    return f"{text} ({reason})" if reason else text


def rows(timeline: Timeline) -> list[Row]:
    labels = {
        str(entry.get("id")): str(entry.get("label", ""))
        for entry in timeline.entries
        if entry["kind"] == "outbox_queued"
    }
    return [
        Row(entry_time(entry), KIND_LABELS.get(entry["kind"], entry["kind"]), describe(entry, labels))
        for entry in timeline.entries
    ]


def state(incident: Incident) -> str:
    return "open" if incident.is_open else "resolved"


def duration(incident: Incident, now: datetime) -> float:
    """Seconds from declaration to resolution, or to ``now`` while it is open."""
    end = incident.resolved_at or now
    return max((end - incident.started_at).total_seconds(), 0.0)


def duration_text(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def timestamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S %Z").rstrip()


def to_json(timeline: Timeline) -> str:
    """The journal's entries as they were written, with the incident they rebuild; ASCII-escaped JSON,
    so nothing in it can act on a terminal."""
    incident = timeline.incident
    document = {
        "id": timeline.id,
        "incident": None if incident is None else _incident_fields(incident),
        "entries": list(timeline.entries),
        "damaged_lines": [damage.line for damage in timeline.damage],
    }
    return json.dumps(document, indent=2) + "\n"


def _incident_fields(incident: Incident) -> dict[str, Any]:
    return {
        "title": incident.title,
        "severity": incident.severity,
        "state": state(incident),
        "drill": incident.drill,
        "description": incident.description,
        "channel": incident.channel,
        "started_at": incident.started_at.isoformat(),
        "acknowledged_at": _iso(incident.acknowledged_at),
        "resolved_at": _iso(incident.resolved_at),
    }


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def to_markdown(timeline: Timeline, sanitize: Sanitize) -> str:
    """A heading, a few facts and the timeline, one bullet per entry."""

    def text(value: str) -> str:
        return markdown_escape(sanitize(value))

    incident = timeline.incident
    title = text(incident.title) if incident else "(no declaration in the journal)"
    lines = [f"# {timeline.id}: {title}", ""]
    if incident is not None:
        lines += [
            f"- Severity: {incident.severity}",
            f"- State: {state(incident)}{' (drill)' if incident.drill else ''}",
            f"- Started: {timestamp(incident.started_at)}",
            f"- Channel: {text(incident.channel)}",
        ]
        if incident.resolved_at is not None:
            lines.append(f"- Duration: {duration_text(duration(incident, incident.resolved_at))}")
        lines.append("")
    lines += ["## Timeline", ""]
    for row in rows(timeline):
        detail = f" {text(row.text)}" if row.text else ""
        lines.append(f"- {timestamp(row.at)} **{row.label}**{detail}")
    if timeline.damage:
        lines += ["", f"{len(timeline.damage)} damaged journal line(s) skipped."]
    return "\n".join(lines) + "\n"


def markdown_escape(value: str) -> str:
    """Outside text stays text in Markdown: no headings, links, emphasis or HTML from a title."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", value)
