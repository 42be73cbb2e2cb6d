"""The append-only incident journal: one JSON line per entry, fsynced before it counts as saved.

A dropped SSH connection or a ``kill -9`` loses nothing that was shown as saved: on start the
newest journal whose incident is still open is replayed and the incident resumes.

Crash safety: each entry is one ``write`` on an ``O_APPEND`` descriptor, then ``fsync``. A kill
mid-write can leave at most one torn line at the end; replay skips it and reports it, and the next
append starts on a fresh line so it never glues onto the torn one.

Two instances on one bastion: every append holds an exclusive ``flock`` on the journal file, so
entries never interleave. Both may have the same incident open and both may append to it; the
journal is then the merge of both in file order. Each instance only knows its own entries until
it is restarted (or ``modulo-watch incidents show`` is run), and replay is idempotent where it
matters: the first acknowledgement and the first resolution count, later ones are kept as history.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import platformdirs

from modulo_watch.incident.incident import SEVERITIES, Incident, incident_id

# Where the responder's actions go while no incident is open.
ACTIONS_LOG = "actions"
JOURNAL_GLOB = "INC-*.jsonl"
_FILE_MODE = 0o600  # incident notes can name customers and systems: the responder's eyes only
_TORN_EXCERPT = 60  # characters of a damaged line kept for the report


class JournalError(Exception):
    """A journal that cannot be written: the responder must hear of it at once."""


@dataclass(frozen=True, slots=True)
class Damage:
    """A line replay could not use: a torn write from a crash, or a foreign edit."""

    line: int  # 1-based line number in the file
    excerpt: str  # the start of the raw line, for the report


@dataclass(frozen=True, slots=True)
class Timeline:
    """One journal as read back: the incident it rebuilds, its entries in file order, and any damage."""

    path: Path
    incident: Incident | None
    entries: tuple[dict[str, Any], ...]
    damage: tuple[Damage, ...] = ()

    @property
    def id(self) -> str:
        return self.path.stem


def default_directory(drill: bool) -> Path:
    """Where journals live: the user's state dir; a drill's incidents are kept apart from real ones."""
    state = platformdirs.user_state_path("modulo-watch") / "incidents"
    return state / "drill" if drill else state


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
        _check_severity(severity)
        incident = Incident(
            id=self._create_journal(incident_id(now)),
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

    def _create_journal(self, wanted: str) -> str:
        """A new, empty journal file: two incidents declared in the same second, even by two
        instances at once, never share one (O_EXCL decides who gets a name)."""
        candidate, number = wanted, 1
        try:
            self._directory.mkdir(parents=True, exist_ok=True)
            while True:
                try:
                    os.close(self._open(candidate, os.O_CREAT | os.O_EXCL))
                except FileExistsError:  # taken by an incident of the same second: try the next name
                    number += 1
                    candidate = f"{wanted}-{number}"
                    continue
                self._sync_directory()
                return candidate
        except OSError as exc:
            raise _journal_error(self._directory, exc) from exc

    def acknowledge(self, incident: Incident, now: datetime) -> Incident:
        self._append(incident, "acknowledged", now)
        return incident.acknowledged(now)

    def resolve(
        self, incident: Incident, now: datetime, resolution: str = "", override: str = ""
    ) -> Incident:
        """Closed: ``resolution`` is the fix in brief; ``override`` the reason the responder gave for
        resolving although the live evidence did not agree yet (empty when it did)."""
        self._append(incident, "resolved", now, resolution=resolution, override=override)
        return incident.resolved(now)

    def change_severity(self, incident: Incident, now: datetime, severity: str, reason: str = "") -> Incident:
        _check_severity(severity)
        self._append(
            incident, "severity_changed", now, severity=severity, previous=incident.severity, reason=reason
        )
        return replace(incident, severity=severity)

    def tick_checklist(
        self,
        incident: Incident,
        now: datetime,
        item: str,
        done: bool = True,
        *,
        checklist: str = "",
        auto: bool = False,
        evidence: str = "",
    ) -> Incident:
        """A runbook checklist item ticked (or unticked with ``done=False``): by hand, or ``auto`` by the
        live ``evidence`` that decided it."""
        self._append(
            incident,
            "checklist_ticked",
            now,
            item=item,
            done=done,
            checklist=checklist,
            auto=auto,
            evidence=evidence,
        )
        return incident if auto else incident.ticked(checklist, item, done)

    def record_update(
        self, incident: Incident, now: datetime, audience: str, message: str, template: str = ""
    ) -> Incident:
        """A status update sent to ``audience`` (a channel, the clipboard, a webhook): its clock restarts."""
        self._append(incident, "update_sent", now, audience=audience, message=message, template=template)
        return incident.updated(now)

    def escalate(self, incident: Incident, now: datetime, to: str, reason: str = "") -> Incident:
        self._append(incident, "escalated", now, to=to, reason=reason)
        return incident.escalated(now, to)

    def capture_evidence(
        self, incident: Incident, now: datetime, source: str, summary: str, detail: str = ""
    ) -> None:
        """Something seen that explains the incident: ``source`` is the pane or system it came from."""
        self._append(incident, "evidence_captured", now, source=source, summary=summary, detail=detail)

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

    def record_outbox(self, journal: str, now: datetime, kind: str, fields: dict[str, Any]) -> None:
        """A step of an outgoing message's delivery (``outbound/outbox.py`` names the kinds), fsynced."""
        self._write(journal, now, kind, **fields)

    def resume(self) -> Incident | None:
        """The newest incident still open, rebuilt from its journal, or None."""
        timeline = self.resume_timeline()
        return timeline.incident if timeline else None

    def resume_timeline(self) -> Timeline | None:
        """The newest journal whose incident is still open, with any damage replay skipped, or None."""
        for path in journal_paths(self._directory):
            timeline = load(path)
            if timeline.incident is not None and timeline.incident.is_open:
                return timeline
        return None

    def _append(self, incident: Incident, kind: str, at: datetime, **fields: Any) -> None:
        self._write(incident.id, at, kind, **fields)

    def _write(self, journal: str, at: datetime, kind: str, **fields: Any) -> None:
        entry = {"at": at.isoformat(), "kind": kind, **fields}
        # ASCII escapes keep any text writable, lone surrogates from a badly encoded source included,
        # and keep control characters out of anyone's terminal who cats the file.
        line = (json.dumps(entry) + "\n").encode("ascii")
        try:
            self._directory.mkdir(parents=True, exist_ok=True)
            descriptor = self._open(journal, os.O_CREAT)
        except OSError as exc:
            raise _journal_error(self._directory, exc) from exc
        try:
            _append_locked(descriptor, line)
        except OSError as exc:
            raise _journal_error(self._directory, exc) from exc
        finally:
            os.close(descriptor)

    def _open(self, journal: str, flags: int) -> int:
        path = self._directory / f"{journal}.jsonl"
        # Read-write only so that the torn-tail check can read the last byte; writes always append.
        return os.open(path, os.O_RDWR | os.O_APPEND | os.O_CLOEXEC | flags, _FILE_MODE)

    def _sync_directory(self) -> None:
        """A new journal's name must survive a power cut as well as its first entry."""
        descriptor = os.open(self._directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _append_locked(descriptor: int, line: bytes) -> None:
    """One write under an exclusive lock, then fsync; a torn tail left by a crash is closed off first."""
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    try:
        if _ends_torn(descriptor):
            line = b"\n" + line
        while line:  # a short write only happens when the disk fills: the rest then fails loudly
            written = os.write(descriptor, line)
            line = line[written:]
        os.fsync(descriptor)
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)


def _ends_torn(descriptor: int) -> bool:
    """Does the file end mid-line (a writer killed mid-write)?"""
    size = os.fstat(descriptor).st_size
    return size > 0 and os.pread(descriptor, 1, size - 1) != b"\n"


def _journal_error(directory: Path, exc: OSError) -> JournalError:
    return JournalError(f"cannot write the incident journal in {directory}: {exc.strerror or exc}")


def _check_severity(severity: str) -> None:
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r} (one of {', '.join(SEVERITIES)})")


def journal_paths(directory: Path) -> list[Path]:
    """Every incident journal in ``directory``, newest first."""
    if not directory.is_dir():
        return []
    return sorted(directory.glob(JOURNAL_GLOB), key=_journal_order, reverse=True)


def _journal_order(path: Path) -> tuple[str, int]:
    """``INC-<time>``, then ``-2``, ``-3`` ... ``-10``: incidents of one second in the order declared."""
    stem, _, number = path.stem.rpartition("-")
    if stem.count("-") == 2 and number.isdigit():  # INC-YYYYMMDD-HHMMSS-<n>
        return stem, int(number)
    return path.stem, 1


def read_entries(path: Path) -> Iterator[dict[str, Any]]:
    """The journal's entries; a torn line (a crash mid-write, before its fsync) is skipped."""
    yield from load(path).entries


def replay(path: Path) -> Incident | None:
    return load(path).incident


def load(path: Path) -> Timeline:
    """Read a journal back: every usable entry in file order, the incident they rebuild, the damage."""
    entries: list[dict[str, Any]] = []
    damage: list[Damage] = []
    incident: Incident | None = None
    with open(path, "rb") as journal:
        for number, raw in enumerate(journal, start=1):
            entry = _parse(raw)
            if entry is None:
                if raw.strip():
                    excerpt = raw.decode("utf-8", errors="replace").rstrip("\n")[:_TORN_EXCERPT]
                    damage.append(Damage(number, excerpt))
                continue
            entries.append(entry)
            incident = _apply(incident, path.stem, entry)
    return Timeline(path, incident, tuple(entries), tuple(damage))


def _parse(raw: bytes) -> dict[str, Any] | None:
    """An entry, or None for a line that is not one (torn, or not ours)."""
    try:
        entry = json.loads(raw)
        datetime.fromisoformat(entry["at"])
    except (ValueError, TypeError, KeyError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None
    return entry if isinstance(entry, dict) and isinstance(entry.get("kind"), str) else None


def entry_time(entry: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(entry["at"])


def _apply(incident: Incident | None, journal_id: str, entry: dict[str, Any]) -> Incident | None:
    at, kind = entry_time(entry), entry["kind"]
    if kind == "declared":
        return Incident(
            id=journal_id,
            title=str(entry.get("title", "")),
            severity=str(entry.get("severity", "P2")),
            started_at=at,
            description=str(entry.get("description", "")),
            drill=bool(entry.get("drill", False)),
        )
    if incident is None:
        return None
    if kind == "acknowledged":
        return incident.acknowledged(at)
    if kind == "resolved" and incident.is_open:
        return incident.resolved(at)
    if kind == "severity_changed" and entry.get("severity") in SEVERITIES:
        return replace(incident, severity=str(entry["severity"]))
    if kind == "update_sent":
        return incident.updated(at)
    if kind == "escalated":
        return incident.escalated(at, str(entry.get("to", "")))
    if kind == "checklist_ticked" and not entry.get("auto"):
        return incident.ticked(
            str(entry.get("checklist", "")), str(entry.get("item", "")), bool(entry.get("done", True))
        )
    return incident
