"""The incident record: declaring, the journal on disk, resuming after a crash, and the clocks."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from modulo_watch.incident.clocks import clocks
from modulo_watch.incident.incident import slugify
from modulo_watch.incident.journal import IncidentJournal, JournalError, replay
from tests.fakes import EPOCH


def test_channel_name_follows_the_runbook() -> None:
    assert slugify("modulo-api 5xx spike after the v2.14.0 deploy") == "modulo-api-5xx-spike"
    assert slugify("!!!") == "incident"
    assert slugify("a" * 60) == "a" * 24


def test_declare_writes_one_fsynced_line_and_resume_rebuilds_it(tmp_path: Path) -> None:
    journal = IncidentJournal(tmp_path)
    incident = journal.declare("Checkout down", "P0", EPOCH, "all payments fail")

    lines = (tmp_path / f"{incident.id}.jsonl").read_text().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["kind"] == "declared"
    assert incident.channel == "#incident-20261126-checkout-down"
    assert IncidentJournal(tmp_path).resume() == incident


def test_acknowledge_and_resolve_are_journaled(tmp_path: Path) -> None:
    journal = IncidentJournal(tmp_path)
    incident = journal.declare("Login errors", "P1", EPOCH)
    acked = journal.acknowledge(incident, EPOCH + timedelta(minutes=2))

    assert IncidentJournal(tmp_path).resume() == acked
    journal.resolve(acked, EPOCH + timedelta(minutes=40))
    assert IncidentJournal(tmp_path).resume() is None
    resolved = replay(tmp_path / f"{incident.id}.jsonl")
    assert resolved is not None and resolved.resolved_at == EPOCH + timedelta(minutes=40)


def test_a_torn_last_line_from_a_crash_loses_only_that_line(tmp_path: Path) -> None:
    journal = IncidentJournal(tmp_path)
    incident = journal.acknowledge(journal.declare("Disk full", "P2", EPOCH), EPOCH + timedelta(minutes=1))
    with open(tmp_path / f"{incident.id}.jsonl", "a") as file:
        file.write('{"at": "2026-11-26T14:09:00+00:00", "kind": "reso')  # killed mid-write

    assert IncidentJournal(tmp_path).resume() == incident


def test_incidents_declared_in_the_same_second_get_their_own_journals(tmp_path: Path) -> None:
    journal = IncidentJournal(tmp_path)
    first = journal.declare("First", "P1", EPOCH)
    second = journal.declare("Second", "P2", EPOCH)

    assert first.id != second.id
    assert replay(tmp_path / f"{first.id}.jsonl") == first
    assert replay(tmp_path / f"{second.id}.jsonl") == second


def test_the_newest_open_incident_resumes(tmp_path: Path) -> None:
    journal = IncidentJournal(tmp_path)
    older = journal.declare("First", "P2", EPOCH)
    newer = journal.declare("Second", "P1", EPOCH + timedelta(hours=1))
    journal.resolve(newer, EPOCH + timedelta(hours=2))

    assert IncidentJournal(tmp_path).resume() == older


def test_a_journal_path_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "incidents"
    blocker.write_text("not a directory")
    with pytest.raises(JournalError, match="cannot write the incident journal"):
        IncidentJournal(blocker).declare("x", "P3", EPOCH)


def test_clocks_count_down_and_escalate_by_severity(tmp_path: Path) -> None:
    journal = IncidentJournal(tmp_path)
    p0 = journal.declare("API down", "P0", EPOCH)
    at_20_minutes = EPOCH + timedelta(minutes=20)

    by_name = {clock.name: clock for clock in clocks(p0, at_20_minutes)}
    assert by_name["acknowledge"].overdue(at_20_minutes)
    assert by_name["first update"].overdue(at_20_minutes)  # P0: within 5 minutes
    assert by_name["escalate"].due_at == EPOCH + timedelta(minutes=30)

    p1 = journal.acknowledge(journal.declare("Errors", "P1", EPOCH), EPOCH + timedelta(minutes=3))
    by_name = {clock.name: clock for clock in clocks(p1, at_20_minutes)}
    assert by_name["acknowledge"].done
    assert by_name["escalate"].due_at == EPOCH + timedelta(hours=1)

    p2 = journal.declare("Slow page", "P2", EPOCH)
    assert "escalate" not in {clock.name for clock in clocks(p2, at_20_minutes)}
