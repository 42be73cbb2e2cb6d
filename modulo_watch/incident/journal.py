"""The append-only incident journal: one JSON line per entry, fsynced before it counts as saved.

A dropped SSH connection or a ``kill -9`` loses nothing that was shown as saved: on start the
newest journal whose incident is still open is replayed and the incident resumes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from modulo_watch.incident.incident import Incident, incident_id

# Where the responder's actions go while no incident is open.
ACTIONS_LOG = "actions"


class JournalError(Exception):
    """A journal that cannot be written: the responder must hear of it at once."""


class IncidentJournal:
    """Journals live in ``directory``, one ``<incident id>.jsonl`` file per incident."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    @property
    def directory(self) -> Path:
        return self._directory

    def declare(
        self, title: str, severity: str, now: datetime, description: str = "", drill: bool = False
    ) -> Incident:
        incident = Incident(
            id=self._unused_id(incident_id(now)),
            title=title,
            severity=severity,
            started_at=now,
            description=description,
            drill=drill,
        )
        self._append(
            incident,
            "declared",
            now,
            title=title,
            severity=severity,
            description=description,
            drill=drill,
        )
        return incident

    def _unused_id(self, wanted: str) -> str:
        """Two incidents declared in the same second must not share a journal."""
        candidate, number = wanted, 1
        while (self._directory / f"{candidate}.jsonl").exists():
            number += 1
            candidate = f"{wanted}-{number}"
        return candidate

    def acknowledge(self, incident: Incident, now: datetime) -> Incident:
        self._append(incident, "acknowledged", now)
        return incident.acknowledged(now)

    def resolve(self, incident: Incident, now: datetime) -> Incident:
        self._append(incident, "resolved", now)
        return incident.resolved(now)

    def record_action(
        self, incident: Incident | None, now: datetime, action: str, target: str, outcome: str
    ) -> str:
        """Something the responder changed in the world (a cancelled backend...), on the incident's timeline.

        With no incident open it goes to ``actions.jsonl`` beside the journals: a change is never unrecorded.
        Returns where it went.
        """
        journal = incident.id if incident is not None else ACTIONS_LOG
        self._write(journal, now, "action", action=action, target=target, outcome=outcome)
        return journal

    def resume(self) -> Incident | None:
        """The newest incident still open, rebuilt from its journal, or None."""
        if not self._directory.is_dir():
            return None
        for path in sorted(self._directory.glob("INC-*.jsonl"), reverse=True):
            incident = replay(path)
            if incident is not None and incident.is_open:
                return incident
        return None

    def _append(self, incident: Incident, kind: str, at: datetime, **fields: Any) -> None:
        self._write(incident.id, at, kind, **fields)

    def _write(self, journal: str, at: datetime, kind: str, **fields: Any) -> None:
        entry = {"at": at.isoformat(), "kind": kind, **fields}
        # ASCII escapes keep any text writable, lone surrogates from a badly encoded source included.
        line = json.dumps(entry) + "\n"
        try:
            self._directory.mkdir(parents=True, exist_ok=True)
            with open(self._directory / f"{journal}.jsonl", "a", encoding="utf-8") as file:
                file.write(line)
                file.flush()
                os.fsync(file.fileno())
        except OSError as exc:
            raise JournalError(
                f"cannot write the incident journal in {self._directory}: {exc.strerror}"
            ) from exc


def read_entries(path: Path) -> Iterator[dict[str, Any]]:
    """The journal's entries; a torn last line (a crash mid-write, before its fsync) is skipped."""
    with open(path, encoding="utf-8") as journal:
        for line in journal:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(entry, dict):
                yield entry


def replay(path: Path) -> Incident | None:
    incident: Incident | None = None
    for entry in read_entries(path):
        at = datetime.fromisoformat(entry["at"])
        kind = entry.get("kind")
        if kind == "declared":
            incident = Incident(
                id=path.stem,
                title=str(entry.get("title", "")),
                severity=str(entry.get("severity", "P2")),
                started_at=at,
                description=str(entry.get("description", "")),
                drill=bool(entry.get("drill", False)),
            )
        elif incident is not None and kind == "acknowledged":
            incident = incident.acknowledged(at)
        elif incident is not None and kind == "resolved":
            incident = incident.resolved(at)
    return incident
