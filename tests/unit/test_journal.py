"""The journal's hard cases: torn writes, two writers at once, a directory it cannot write."""

from __future__ import annotations

import json
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from modulo_watch.incident.incident import Incident
from modulo_watch.incident.journal import IncidentJournal, JournalError, load
from tests.fakes import EPOCH

ENTRIES_PER_WRITER = 400
NOBODY = 65534


def journal_lines(path: Path) -> list[str]:
    return path.read_text(encoding="ascii").splitlines()


def test_every_entry_kind_is_journaled_and_replayed(tmp_path: Path) -> None:
    journal = IncidentJournal(tmp_path)
    incident = journal.declare("Checkout down", "P2", EPOCH)
    later = EPOCH + timedelta(minutes=1)
    incident = journal.change_severity(incident, later, "P0", reason="payments fail too")
    incident = journal.tick_checklist(
        incident, later, "Create the incident channel", checklist="Initial Response"
    )
    incident = journal.record_update(incident, later, "#incident-20261126-checkout-down", "Investigating")
    incident = journal.escalate(incident, later, "database on-call", reason="lock chain")
    journal.capture_evidence(incident, later, "postgres", "pid 4242 blocks 37 backends")

    timeline = load(tmp_path / f"{incident.id}.jsonl")
    assert timeline.incident == incident
    assert timeline.incident.severity == "P0"
    assert timeline.incident.hand_ticks == {("Initial Response", "Create the incident channel")}
    assert timeline.incident.last_update_at == later
    assert timeline.incident.escalated_to == ("database on-call",)
    assert [entry["kind"] for entry in timeline.entries] == [
        "declared",
        "severity_changed",
        "checklist_ticked",
        "update_sent",
        "escalated",
        "evidence_captured",
    ]
    assert timeline.damage == ()


def test_an_auto_tick_is_history_and_an_untick_by_hand_takes_the_tick_back(tmp_path: Path) -> None:
    journal = IncidentJournal(tmp_path)
    incident = journal.declare("Checkout down", "P1", EPOCH)
    item, checklist = "Error rates back to normal levels", "Resolution Verification Checklist"
    incident = journal.tick_checklist(incident, EPOCH, item, checklist=checklist, auto=True, evidence="2.1%")
    assert incident.hand_ticks == frozenset()
    incident = journal.tick_checklist(incident, EPOCH, "Status page", checklist=checklist)
    incident = journal.tick_checklist(incident, EPOCH, "Status page", done=False, checklist=checklist)

    timeline = load(tmp_path / f"{incident.id}.jsonl")
    assert timeline.incident == incident
    assert timeline.incident is not None and timeline.incident.hand_ticks == frozenset()
    assert timeline.entries[1]["auto"] is True and timeline.entries[1]["evidence"] == "2.1%"


def test_an_unknown_severity_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    journal = IncidentJournal(tmp_path)
    incident = journal.declare("Disk full", "P2", EPOCH)
    with pytest.raises(ValueError, match="P7"):
        journal.change_severity(incident, EPOCH, "P7")
    assert len(journal_lines(tmp_path / f"{incident.id}.jsonl")) == 1


def test_a_torn_tail_is_reported_and_the_next_entry_starts_a_fresh_line(tmp_path: Path) -> None:
    journal = IncidentJournal(tmp_path)
    incident = journal.acknowledge(journal.declare("Disk full", "P2", EPOCH), EPOCH + timedelta(minutes=1))
    path = tmp_path / f"{incident.id}.jsonl"
    with open(path, "ab") as file:
        file.write(b'{"at": "2026-11-26T14:09:00+00:00", "kind": "reso')  # killed mid-write

    torn = load(path)
    assert torn.incident == incident
    assert [damage.line for damage in torn.damage] == [3]
    assert torn.damage[0].excerpt.startswith('{"at"')

    journal.resolve(incident, EPOCH + timedelta(minutes=30))
    after = load(path)
    assert [damage.line for damage in after.damage] == [3], "the new entry did not glue onto the torn one"
    assert after.incident is not None and after.incident.resolved_at == EPOCH + timedelta(minutes=30)
    assert json.loads(journal_lines(path)[-1])["kind"] == "resolved"


def test_lines_that_are_json_but_not_entries_are_damage_not_a_crash(tmp_path: Path) -> None:
    journal = IncidentJournal(tmp_path)
    incident = journal.declare("Disk full", "P2", EPOCH)
    path = tmp_path / f"{incident.id}.jsonl"
    with open(path, "a", encoding="utf-8") as file:
        file.write('[1, 2]\n{"kind": "resolved"}\n{"at": "yesterday", "kind": "resolved"}\n\xff\n')

    timeline = load(path)
    assert timeline.incident == incident
    assert [damage.line for damage in timeline.damage] == [2, 3, 4, 5]


def _append_many(directory: str, incident: Incident, writer: int) -> None:
    journal = IncidentJournal(Path(directory))
    for number in range(ENTRIES_PER_WRITER):
        # Long entries: a write that was not atomic under the lock would show as a broken line.
        journal.capture_evidence(incident, EPOCH, f"writer-{writer}", str(number), detail="x" * 3000)


def test_two_processes_appending_at_once_never_interleave(tmp_path: Path) -> None:
    incident = IncidentJournal(tmp_path).declare("Shared bastion", "P1", EPOCH)
    context = multiprocessing.get_context("spawn")
    writers = [
        context.Process(target=_append_many, args=(str(tmp_path), incident, writer)) for writer in (1, 2)
    ]
    for process in writers:
        process.start()
    for process in writers:
        process.join(timeout=120)
        assert process.exitcode == 0

    lines = journal_lines(tmp_path / f"{incident.id}.jsonl")
    entries = [json.loads(line) for line in lines]  # every line is whole JSON
    assert len(entries) == 1 + 2 * ENTRIES_PER_WRITER
    for writer in (1, 2):
        numbers = [int(entry["summary"]) for entry in entries if entry.get("source") == f"writer-{writer}"]
        assert numbers == list(range(ENTRIES_PER_WRITER)), "each writer's entries in its own order"
    assert load(tmp_path / f"{incident.id}.jsonl").damage == ()


def _in_child_as_nobody(action: Callable[[], object]) -> int:
    """Run ``action`` in a forked child that is not root (root writes through any permission bits):
    exit 0 when it raised JournalError, 1 when it wrote, 2 on anything else."""
    pid = os.fork()
    if pid == 0:
        status = 2
        try:
            if os.geteuid() == 0:
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            action()
            status = 1
        except JournalError:
            status = 0
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A temp dir any user can enter (pytest's own are private to root)."""
    with tempfile.TemporaryDirectory() as name:
        Path(name).chmod(0o755)
        yield Path(name)


def test_a_read_only_directory_raises_journal_error(open_dir: Path) -> None:
    directory = open_dir / "incidents"
    incident = IncidentJournal(directory).declare("Disk full", "P2", EPOCH)
    path = directory / f"{incident.id}.jsonl"
    path.chmod(0o444)
    directory.chmod(0o555)
    journal = IncidentJournal(directory)

    assert _in_child_as_nobody(lambda: load(path)) == 1, "it can read"
    assert _in_child_as_nobody(lambda: journal.declare("Another", "P3", EPOCH)) == 0
    assert _in_child_as_nobody(lambda: journal.acknowledge(incident, EPOCH)) == 0
    assert _in_child_as_nobody(lambda: journal.record_action(None, EPOCH, "cancel", "pid 1", "ok")) == 0
    assert len(journal_lines(path)) == 1


def test_journals_of_one_second_are_newest_first_past_nine(tmp_path: Path) -> None:
    from modulo_watch.incident.journal import journal_paths

    journal = IncidentJournal(tmp_path)
    declared = [journal.declare(f"incident {n}", "P3", EPOCH) for n in range(11)]
    assert declared[-1].id.endswith("-11")
    assert [path.stem for path in journal_paths(tmp_path)] == [incident.id for incident in reversed(declared)]
