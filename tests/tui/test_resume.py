"""Starting on a journal a crash left behind: the incident resumes, and the damage is said, not fatal."""

from __future__ import annotations

from pathlib import Path

from modulo_watch.incident.journal import IncidentJournal
from tests.fakes import EPOCH
from tests.tui.support import drill_app, wait_until

SIZE = (160, 48)


async def test_a_torn_journal_resumes_and_says_what_was_skipped(tmp_path: Path) -> None:
    journal = IncidentJournal(tmp_path)
    incident = journal.acknowledge(journal.declare("Checkout down", "P1", EPOCH, drill=True), EPOCH)
    path = tmp_path / f"{incident.id}.jsonl"
    path.write_bytes(
        path.read_bytes() + b'{"at": "2026-11-26T14:09:00+00:00", "kind": "reso'
    )  # killed mid-write

    app = drill_app(tmp_path, minute=9)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.incident == incident, "the incident to resume")
        messages = [notification.message for notification in app._notifications]
        assert any("1 damaged line(s)" in message and incident.id in message for message in messages)
        assert incident.id in str(app.query_one("#top-bar").render())
