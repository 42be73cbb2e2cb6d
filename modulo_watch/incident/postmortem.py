"""A postmortem draft in Markdown, written from the incident journal and the runbook.

What the journal knows is filled in (the facts, the impact as announced, the resolution, the whole
timeline, the checklists as they were left, the runbook's follow-ups with their due times); what only
people know (root cause, what went well or wrong, lessons) is left as headed placeholders.

Everything read from the journal or the runbook is outside text: it goes through the caller's
``sanitize`` (inert for wherever the draft is read), is made one line, has URL credentials and
webhook tokens masked, and is Markdown-escaped, so a title cannot add a heading, a link or HTML.
An open incident can be drafted too: it says so, and counts its duration so far.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from modulo_watch.incident.comms import single_line
from modulo_watch.incident.export import (
    Sanitize,
    duration,
    duration_text,
    markdown_escape,
    rows,
    state,
    timestamp,
)
from modulo_watch.incident.journal import Timeline, entry_time
from modulo_watch.incident.runbook_model import Runbook

POSTMORTEM_SUFFIX = ".postmortem.md"
_FILE_MODE = 0o600  # like the journal: incident notes can name customers and systems
OTHER_CHECKLIST = "Other items"  # ticks journaled without a checklist the runbook knows
# Credentials that may ride along in outside text (an evidence detail quoting a DSN or a webhook).
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/@]+@")
# Only "key=value" (conninfo, environment, query strings): "Login token: expired" is prose, not a secret.
_SECRET_ASSIGNMENT = re.compile(r"(?i)\b(\w*(?:password|passwd|token|secret|api_?key)\w*\s*=\s*)[^\s&,;]+")
_WEBHOOK_PATH = re.compile(r"(?i)(hooks\.slack\.com/(?:services|workflows|triggers)/)\S+")
_IMPACT_LINE = re.compile(r"(?im)^\s*impact\s*:\s*(?P<impact>.*?)\s*$")
_UNFILLED = re.compile(r"\s*\[[^\[\]]*\]\s*")
_FOLLOW_UPS = (
    ("Root cause", "What caused it, and why the defences in place did not stop it."),
    ("What went well", "What helped: detection, tooling, runbook steps, people."),
    ("What went wrong", "What slowed the response or made the impact worse."),
    ("Lessons learned", "What to change so this does not happen again, or is over sooner."),
)


def postmortem_path(journal_directory: Path, incident_id: str) -> Path:
    """Where the app writes an incident's draft: beside its journal, ``<id>.postmortem.md``."""
    return journal_directory / f"{incident_id}{POSTMORTEM_SUFFIX}"


def write_postmortem(
    journal_directory: Path, timeline: Timeline, runbook: Runbook, now: datetime, sanitize: Sanitize
) -> Path:
    """Write the draft to :func:`postmortem_path`, atomically (a reader sees the old draft or the new
    one, never half of one), readable by its owner only. Returns the path; raises OSError."""
    path = postmortem_path(journal_directory, timeline.id)
    write_atomically(path, postmortem_markdown(timeline, runbook, now, sanitize))
    return path


def write_atomically(path: Path, text: str) -> None:
    """``text`` to ``path`` through a temporary file in the same directory and ``os.replace``, mode 0o600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            os.fchmod(file.fileno(), _FILE_MODE)
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def redact_secrets(value: str) -> str:
    """Mask URL credentials, ``password=...``-style values and chat webhook tokens."""
    value = _URL_USERINFO.sub(r"\1***@", value)
    value = _SECRET_ASSIGNMENT.sub(r"\1***", value)
    return _WEBHOOK_PATH.sub(r"\1***", value)


@dataclass(frozen=True, slots=True)
class _Tick:
    done: bool
    auto: bool
    evidence: str


def postmortem_markdown(timeline: Timeline, runbook: Runbook, now: datetime, sanitize: Sanitize) -> str:
    """The draft: Summary, Impact, Resolution, Timeline, Checklists, Action items and the sections
    people write (root cause, what went well, what went wrong, lessons learned)."""

    def text(value: object) -> str:
        return markdown_escape(redact_secrets(single_line(sanitize(str(value)))))

    lines = [*_head(timeline, now, text)]
    lines += _summary(timeline, now, text)
    lines += _impact(timeline, text)
    lines += _resolution(timeline, text)
    lines += _timeline(timeline, text)
    lines += _checklists(timeline, runbook, text)
    lines += _action_items(timeline, runbook, text)
    for title, prompt in _FOLLOW_UPS:
        lines += [f"## {title}", "", f"_To be written: {prompt}_", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


_Text = Callable[[object], str]  # outside text -> safe Markdown


def _head(timeline: Timeline, now: datetime, text: _Text) -> list[str]:
    incident = timeline.incident
    title = text(incident.title) if incident else "(no declaration in the journal)"
    drill = " (drill)" if incident is not None and incident.drill else ""
    lines = [f"# Postmortem{drill}: {title}", ""]
    note = f"Draft written by modulo-watch from the journal of {text(timeline.id)} at {timestamp(now)}."
    if incident is not None and incident.is_open:
        note += " The incident was still open: the facts below stop there."
    return [*lines, note, ""]


def _summary(timeline: Timeline, now: datetime, text: _Text) -> list[str]:
    incident = timeline.incident
    lines = ["## Summary", ""]
    if incident is None:
        return [*lines, "The journal holds no declaration: nothing to summarise.", ""]
    lines += [f"- Incident: {text(timeline.id)}", f"- Title: {text(incident.title)}"]
    if incident.description:
        lines.append(f"- Description: {text(incident.description)}")
    lines.append(f"- Severity: {text(incident.severity)}{_severity_history(timeline, text)}")
    lines.append(f"- State: {state(incident)}")
    if incident.drill:
        lines.append("- Drill: yes, a practice incident; nothing real was affected")
    lines.append(f"- Started: {timestamp(incident.started_at)}")
    if incident.acknowledged_at is not None:
        after = duration_text((incident.acknowledged_at - incident.started_at).total_seconds())
        lines.append(f"- Acknowledged: {timestamp(incident.acknowledged_at)} ({after} after the start)")
    else:
        lines.append("- Acknowledged: never")
    if incident.resolved_at is not None:
        lines.append(f"- Resolved: {timestamp(incident.resolved_at)}")
        lines.append(f"- Duration: {duration_text(duration(incident, now))}")
    else:
        lines.append("- Resolved: not yet")
        lines.append(f"- Duration: {duration_text(duration(incident, now))} so far")
    lines += [f"- Channel: {text(incident.channel)}", ""]
    return lines


def _severity_history(timeline: Timeline, text: _Text) -> str:
    declared = next((entry for entry in timeline.entries if entry["kind"] == "declared"), None)
    changes = [entry for entry in timeline.entries if entry["kind"] == "severity_changed"]
    if declared is None or not changes:
        return ""
    parts = []
    for change in changes:
        reason = f": {text(change['reason'])}" if change.get("reason") else ""
        before = text(change.get("previous") or "?")
        parts.append(
            f"{before} -> {text(change.get('severity', '?'))} at {timestamp(entry_time(change))}{reason}"
        )
    return f" (declared {text(declared.get('severity', '?'))}; {'; '.join(parts)})"


def _impact(timeline: Timeline, text: _Text) -> list[str]:
    lines = ["## Impact", ""]
    incident = timeline.incident
    described = incident.description if incident is not None else ""
    announced = _announced_impact(timeline)
    if described:
        lines.append(f"- As declared: {text(described)}")
    if announced is not None:
        at, impact = announced
        lines.append(f"- As announced in the last incident alert ({timestamp(at)}): {text(impact)}")
    if not described and announced is None:
        lines.append("_Not recorded: describe who and what was affected, and for how long._")
    return [*lines, ""]


def _announced_impact(timeline: Timeline) -> tuple[datetime, str] | None:
    """The Impact line of the last INCIDENT ALERT update sent, if it was filled in."""
    found = None
    for entry in timeline.entries:
        if entry["kind"] != "update_sent" or not _is_alert(entry):
            continue
        match = _IMPACT_LINE.search(str(entry.get("message", "")))
        if match and match["impact"] and not _UNFILLED.fullmatch(match["impact"]):
            found = (entry_time(entry), match["impact"])
    return found


def _is_alert(entry: dict[str, Any]) -> bool:
    template = str(entry.get("template") or "")
    if template:
        return "alert" in template.casefold()
    return "incident alert" in str(entry.get("message", "")).casefold()


def _resolution(timeline: Timeline, text: _Text) -> list[str]:
    lines = ["## Resolution", ""]
    resolved = next((entry for entry in timeline.entries if entry["kind"] == "resolved"), None)
    if timeline.incident is None or resolved is None:
        return [*lines, "Not resolved yet.", ""]
    resolution = str(resolved.get("resolution") or "")
    override = str(resolved.get("override") or "")
    if resolution:
        lines.append(f"Fix: {text(resolution)}")
    else:
        lines.append("_Not recorded: describe the fix._")
    if override:
        lines += [
            "",
            "**Resolved against the evidence:** the resolution checks did not agree that the incident was"
            " over when it was resolved. The responder's reason for resolving anyway:"
            f" {text(override)}",
        ]
    return [*lines, ""]


def _timeline(timeline: Timeline, text: _Text) -> list[str]:
    lines = ["## Timeline", ""]
    for row in rows(timeline):
        detail = f" {text(row.text)}" if row.text else ""
        lines.append(f"- {timestamp(row.at)} **{text(row.label)}**{detail}")
    if not timeline.entries:
        lines.append("_The journal is empty._")
    if timeline.damage:
        lines += ["", f"{len(timeline.damage)} damaged journal line(s) skipped."]
    return [*lines, ""]


def _checklists(timeline: Timeline, runbook: Runbook, text: _Text) -> list[str]:
    """Each checklist's items as the journal left them, in the runbook's order where it knows them."""
    owners: dict[str, str] = {}  # item -> the runbook checklist it belongs to, for ticks without a title
    order: dict[str, list[str]] = {}
    for step in runbook.steps:
        for checklist in step.checklists:
            order.setdefault(checklist.title, [item.text for item in checklist.items])
            for listed in checklist.items:
                owners.setdefault(listed.text, checklist.title)
    final: dict[str, dict[str, _Tick]] = {}
    for entry in timeline.entries:
        if entry["kind"] != "checklist_ticked":
            continue
        item = str(entry.get("item", ""))
        title = str(entry.get("checklist") or "") or owners.get(item, OTHER_CHECKLIST)
        tick = _Tick(bool(entry.get("done", True)), bool(entry.get("auto")), str(entry.get("evidence") or ""))
        final.setdefault(title, {})[item] = tick
    lines = ["## Checklists", ""]
    if not final:
        return [*lines, "_No checklist item was ticked._", ""]
    for title, ticks in final.items():
        lines += [f"### {text(title)}", ""]
        known = order.get(title, [])
        for name in [*known, *(name for name in ticks if name not in known)]:
            lines.append(_tick_line(name, ticks.get(name), text))
        lines.append("")
    return lines


def _tick_line(item: str, tick: _Tick | None, text: _Text) -> str:
    if tick is None:  # in the runbook's checklist, never touched
        return f"- [ ] {text(item)}"
    how = ""
    if tick.auto:
        how = f" (auto: {text(tick.evidence)})" if tick.evidence else " (auto)"
    return f"- {'[x]' if tick.done else '[ ]'} {text(item)}{how}"


def _action_items(timeline: Timeline, runbook: Runbook, text: _Text) -> list[str]:
    lines = ["## Action items", ""]
    incident = timeline.incident
    resolved_at = incident.resolved_at if incident is not None else None
    checklists = runbook.post_incident
    if not checklists:
        lines += ["_The runbook lists no post-incident follow-ups._", ""]
    for checklist in checklists:
        lines += [f"### {text(checklist.title)}", ""]
        for item in checklist.items:
            mark = "[x]" if item.checked else "[ ]"
            lines.append(f"- {mark} {text(item.text)} — {_due(resolved_at, checklist.within)}")
        lines.append("")
    return lines


def _due(resolved_at: datetime | None, within: timedelta | None) -> str:
    if within is None:  # post_incident only holds checklists with a time; kept total for safety
        return "due after resolution"
    if resolved_at is None:
        return f"due {duration_text(within.total_seconds())} after resolution"
    return f"due {timestamp(resolved_at + within)}"
