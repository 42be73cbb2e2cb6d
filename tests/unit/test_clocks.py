"""The runbook's clocks on an injected clock: acknowledgement, first update, updates, escalation."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from modulo_watch.incident.clocks import IncidentClock, clocks, escalation_line, next_contact
from modulo_watch.incident.incident import Incident
from modulo_watch.incident.journal import IncidentJournal
from modulo_watch.incident.runbook import Runbook, load_runbook
from tests.fakes import EPOCH

SEED = Path(__file__).resolve().parents[1] / "data" / "incident-response-runbook.md"


@pytest.fixture(scope="module")
def runbook() -> Runbook:
    return load_runbook(SEED)


def by_name(found: tuple[IncidentClock, ...]) -> dict[str, IncidentClock]:
    return {clock.name: clock for clock in found}


def test_a_p1_runs_every_clock_from_the_runbook(tmp_path: Path, runbook: Runbook) -> None:
    journal = IncidentJournal(tmp_path)
    incident = journal.declare("Errors", "P1", EPOCH)
    shown = by_name(clocks(incident, EPOCH + timedelta(minutes=2), runbook))

    assert shown["acknowledge"].due_at == EPOCH + timedelta(minutes=5)
    assert shown["first update"].due_at == EPOCH + timedelta(minutes=15)  # P1: "< 15 minutes"
    assert "next update" not in shown  # the first update's clock runs until one is sent
    assert shown["escalate"].due_at == EPOCH + timedelta(hours=1)  # "Unable to resolve P1 ... within 1 hour"
    assert shown["escalate"].contact == "Secondary On-Call: Check PagerDuty schedule"
    assert not any(clock.done for clock in shown.values())


def test_an_update_restarts_the_update_clock_and_ends_the_first_update_clock(
    tmp_path: Path, runbook: Runbook
) -> None:
    journal = IncidentJournal(tmp_path)
    incident = journal.declare("Errors", "P1", EPOCH)
    late = EPOCH + timedelta(minutes=17)
    assert by_name(clocks(incident, late, runbook))["first update"].overdue(late)

    incident = journal.record_update(incident, late, "clipboard", "INCIDENT ALERT", template="INCIDENT ALERT")
    shown = by_name(clocks(incident, late, runbook))
    assert shown["first update"].done
    assert shown["next update"].due_at == late + timedelta(minutes=15)
    assert not shown["next update"].overdue(late)


def test_escalation_names_the_next_contact_and_restarts(tmp_path: Path, runbook: Runbook) -> None:
    journal = IncidentJournal(tmp_path)
    incident = journal.declare("API down", "P0", EPOCH)
    at = EPOCH + timedelta(minutes=31)
    shown = by_name(clocks(incident, at, runbook))
    assert shown["escalate"].due_at == EPOCH + timedelta(minutes=30)
    assert shown["escalate"].overdue(at)

    contact = next_contact(incident, runbook)
    assert contact is not None and contact.name == "Secondary On-Call"
    incident = journal.escalate(incident, at, contact.name, reason="overdue")
    shown = by_name(clocks(incident, at, runbook))
    assert shown["escalate"].due_at == at + timedelta(minutes=30)
    assert shown["escalate"].contact == "Manager Escalation: Manager contact"

    for entry in escalation_line(runbook)[1:]:
        incident = journal.escalate(incident, at, entry.name)
    assert by_name(clocks(incident, at, runbook))["escalate"].done


def test_p2_and_p3_have_no_escalation_clock_and_respond_within_their_targets(runbook: Runbook) -> None:
    p2 = Incident("INC-1", "Slow page", "P2", EPOCH)
    p3 = Incident("INC-2", "Typo", "P3", EPOCH)
    assert "escalate" not in by_name(clocks(p2, EPOCH, runbook))
    assert by_name(clocks(p2, EPOCH, runbook))["first update"].due_at == EPOCH + timedelta(hours=1)
    assert by_name(clocks(p3, EPOCH, runbook))["first update"].due_at == EPOCH + timedelta(hours=4)


def test_without_a_runbook_the_clocks_keep_the_runbook_defaults() -> None:
    p0 = Incident("INC-1", "API down", "P0", EPOCH)
    shown = by_name(clocks(p0, EPOCH))
    assert shown["escalate"].due_at == EPOCH + timedelta(minutes=30)
    assert shown["escalate"].contact == ""
    assert shown["first update"].due_at == EPOCH + timedelta(minutes=5)
