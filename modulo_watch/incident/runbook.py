"""The runbook as data: a Markdown runbook (the team's own, or the one shipped for Modulo) -> Runbook.

The format is the one of the user's runbook: severity levels, the response process with its
checklists and communication templates, contacts, tools, quick-reference commands and escalation.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from modulo_watch.incident.runbook_model import (
    Action,
    Checklist,
    ChecklistItem,
    Command,
    CommandSection,
    Entry,
    EntryGroup,
    Escalation,
    EscalationRule,
    Procedure,
    ProcessStep,
    Runbook,
    RunbookError,
    Severity,
    Template,
)
from modulo_watch.incident.runbook_parse import parse_runbook
from modulo_watch.incident.runbook_read import MAX_BYTES, decode

SHIPPED_PACKAGE = "modulo_watch.incident.runbooks"
SHIPPED_NAME = "modulo.md"

__all__ = [
    "Action",
    "Checklist",
    "ChecklistItem",
    "Command",
    "CommandSection",
    "Entry",
    "EntryGroup",
    "Escalation",
    "EscalationRule",
    "Procedure",
    "ProcessStep",
    "Runbook",
    "RunbookError",
    "Severity",
    "Template",
    "load_runbook",
    "parse_runbook",
]


def load_runbook(path: Path | None = None) -> Runbook:
    """The runbook at ``path``, or the one shipped for the Modulo platform when ``path`` is None."""
    if path is None:
        data = resources.files(SHIPPED_PACKAGE).joinpath(SHIPPED_NAME).read_bytes()
        return parse_runbook(decode(data, SHIPPED_NAME), SHIPPED_NAME)
    return parse_runbook(decode(_read(path), str(path)), str(path))


def _read(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(MAX_BYTES + 1)  # enough to tell that it is too large, without reading it all
    except FileNotFoundError:
        raise RunbookError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise RunbookError(f"{path}: is a directory, not a runbook file") from None
    except OSError as err:
        raise RunbookError(f"{path}: cannot read: {err.strerror or err}") from None
