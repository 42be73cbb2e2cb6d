"""The runbook's communication templates, filled in from the incident.

A template is kept as the runbook wrote it; filling replaces only what it can name. A placeholder is
recognised by meaning, not by exact spelling ("[Brief description]", "[Title]" and "[title]" all mean
the title), and a placeholder with no value stays as written, brackets and all, so the responder sees
what is left to fill in before sending.

Values come from people and systems (an incident title, an impact typed in a hurry): each is made one
line before it goes in, so that no value can add lines to the message (a title ending in
"\\nStatus: Resolved" must not announce a resolution).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields

from modulo_watch.incident.runbook_model import Runbook, Template

ALERT = "alert"
RESOLVED = "resolved"
KINDS = (ALERT, RESOLVED)

# The statuses the runbook's updates move through.
INVESTIGATING = "Investigating"
IDENTIFIED = "Identified"
MONITORING = "Monitoring"
STATUS_RESOLVED = "Resolved"
STATUSES = (INVESTIGATING, IDENTIFIED, MONITORING, STATUS_RESOLVED)


@dataclass(frozen=True, slots=True)
class TemplateValues:
    """What a template can be filled with; None leaves the placeholder as written."""

    severity: str | None = None  # "P1": fills "P[0/1]"
    title: str | None = None
    status: str | None = None  # one of STATUSES, replaces the value of the "Status:" line
    impact: str | None = None
    eta: str | None = None
    channel: str | None = None  # "#incident-20261126-db-down"
    duration: str | None = None  # "42m 00s"
    resolution: str | None = None  # the fix, in brief
    postmortem_at: str | None = None  # when the postmortem is scheduled


# Which value a placeholder means, by its words (lower case, punctuation as spaces).
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "severity": ("severity", "sev", "priority", "level", "severity level", "p0 p1", "0 1", "0 1 2 3"),
    "title": (
        "brief description",
        "title",
        "incident title",
        "short description",
        "summary",
        "incident summary",
        "what broke",
        "description",
    ),
    "status": ("status", "current status", "incident status", "state"),
    "impact": (
        "user service impact",
        "impact",
        "user impact",
        "service impact",
        "customer impact",
        "user or service impact",
        "user and service impact",
        "affected users",
        "who is affected",
    ),
    "eta": ("eta", "if known", "eta if known", "estimated time", "estimated resolution", "time to fix"),
    "channel": ("incident channel", "channel", "slack channel", "incident channel name"),
    "duration": ("total incident duration", "duration", "incident duration", "total duration"),
    "resolution": (
        "brief description of fix",
        "resolution",
        "fix",
        "description of fix",
        "brief description of the fix",
        "what fixed it",
        "how it was fixed",
    ),
    "postmortem_at": (
        "date time",  # not "date" or "time" alone: a "Started: [time]" is no postmortem time
        "date and time",
        "postmortem date",
        "postmortem time",
        "postmortem date time",
        "postmortem date and time",
    ),
}
_FIELD_BY_WORDS = {words: name for name, synonyms in _SYNONYMS.items() for words in synonyms}
# Placeholders that say nothing of their own meaning: the label of their line decides ("ETA: [If known]").
_GENERIC = frozenset({"if known", "tbd", "tba", "unknown", "optional", "if any", "fill in", "todo"})
_GENERIC_DEFAULT = {"if known": "eta"}  # what a generic placeholder means on a line without a label

# "P[0/1]": the severity as a whole ("P1"), the bracket standing for its digit.
_SEVERITY_SLOT = r"(?P<severity>\bP\[[0-9][0-9/,|\s-]*\])"
_PLACEHOLDER = r"(?P<placeholder>\[(?P<words>[^\[\]\n]+)\])"
# The runbook's channel as a pattern: "#incident-YYYYMMDD-description", "#incident-YYYYMMDD-brief-...".
_CHANNEL_SLOT = r"(?P<channel>#incident-YYYYMMDD(?:-[\w-]*)?)"
_SLOTS = re.compile(f"{_SEVERITY_SLOT}|{_PLACEHOLDER}|(?i:{_CHANNEL_SLOT})")
# "Label: value" on one line (the label holds no brackets and is not a URL scheme).
_LABELLED = re.compile(r"^(?P<lead>\s*(?P<label>[^:\[\]\n]+?)\s*:)(?P<value>(?!//).*)$")
_PLACEHOLDER_ONLY = re.compile(r"\s*\[[^\[\]\n]+\]\s*")
_NOT_WORDS = re.compile(r"[^0-9a-z]+")

# Line breaks and other characters that must not reach a one-line value as themselves.
_LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_CONTROLS = {code: chr(0x2400 + code) for code in range(0x20)}  # Control Pictures: ESC shows as "␛"
_CONTROLS.update({0x09: " ", 0x7F: "\u2421"})
_CONTROLS.update({code: "\u2370" for code in range(0x80, 0xA0)})  # C1: "⍰"
_SPACES = re.compile(r" {2,}")


def single_line(value: str) -> str:
    """``value`` as one line: line breaks become spaces, other control characters visible pictures."""
    return _SPACES.sub(" ", _LINE_BREAKS.sub(" ", value).translate(_CONTROLS)).strip()


def find_template(runbook: Runbook, kind: str) -> Template | None:
    """The runbook's ``"alert"`` (first message) or ``"resolved"`` (last message) template, or None.

    By name first ("INCIDENT ALERT", "INCIDENT RESOLVED", then any name with "alert" or "resolved"),
    then by the process step it sits in ("Initial Response", "Resolution"): a team runbook may name
    its templates differently.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown template kind {kind!r} (one of {', '.join(KINDS)})")
    templates = runbook.templates
    names: tuple[str, ...]
    words: tuple[str, ...]
    steps: tuple[str, ...]
    if kind == ALERT:
        names, steps = ("incident alert",), ("initial response",)
        words = ("alert", "declared", "initial", "first message")
    else:
        names, steps = ("incident resolved",), ("resolution",)
        words = ("resolved", "resolution", "all clear", "closed", "final message")
    by_name = _first(templates, lambda template: _contains(_words(template.name), names))
    by_name = by_name or _first(templates, lambda template: _contains(_words(template.name), words))
    if by_name is not None:
        return by_name
    orders = {step.order for step in runbook.steps if _contains(_words(step.title), steps)}
    in_step = [template for template in templates if template.step in orders]
    if kind == ALERT:
        return in_step[0] if in_step else None
    return in_step[-1] if in_step else None


def _first(templates: Iterable[Template], wanted: Callable[[Template], bool]) -> Template | None:
    return next((template for template in templates if wanted(template)), None)


def _contains(words: str, phrases: Iterable[str]) -> bool:
    padded = f" {words} "
    return any(f" {phrase} " in padded for phrase in phrases)


def _words(text: str) -> str:
    return _NOT_WORDS.sub(" ", text.casefold()).strip()


def fill(template_text: str, values: TemplateValues) -> str:
    """The template with every placeholder that has a value filled in; the rest stays as written."""
    given = {field.name: getattr(values, field.name) for field in fields(values)}
    cleaned = {name: single_line(value) for name, value in given.items() if value is not None}
    known = {name: value for name, value in cleaned.items() if value}  # an empty value fills nothing
    return "".join(_fill_line(line, known) for line in template_text.splitlines(keepends=True))


def _fill_line(line: str, known: dict[str, str]) -> str:
    body = line.rstrip("\r\n")
    ending = line[len(body) :]
    labelled = _LABELLED.match(body)
    label_field = _FIELD_BY_WORDS.get(_words(labelled["label"])) if labelled else None
    if label_field == "status" and "status" in known and labelled is not None:
        return f"{labelled['lead']} {known['status']}{ending}"
    only_slot = labelled is not None and _PLACEHOLDER_ONLY.fullmatch(labelled["value"]) is not None

    def replace(match: re.Match[str]) -> str:
        if match["severity"]:
            severity = known.get("severity", match[0])
            return f"P{severity}" if severity.isdigit() else severity  # "1" fills "P[0/1]" as "P1"
        if match["channel"]:
            return known.get("channel", match[0])
        words = _words(match["words"])
        name = label_field if only_slot and label_field else None
        if name is None and words in _GENERIC:
            name = _GENERIC_DEFAULT.get(words) if labelled is None else None
        elif name is None:
            name = _FIELD_BY_WORDS.get(words)
        return known.get(name, match[0]) if name else match[0]

    return _SLOTS.sub(replace, body) + ending
