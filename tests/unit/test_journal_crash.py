"""A writer killed with SIGKILL while it appends: everything it reported as saved is there after."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from modulo_watch.incident.journal import IncidentJournal, load

SAVED_BEFORE_KILL = 300
DEADLINE = 60.0

# Declares, then appends updates as fast as it can, saying "saved N" only once append() returned.
WRITER = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from modulo_watch.incident.journal import IncidentJournal

journal = IncidentJournal(Path(sys.argv[1]))
incident = journal.declare("Crash test", "P1", datetime.now(UTC))
print("declared", incident.id, flush=True)
number = 0
while True:
    journal.record_update(incident, datetime.now(UTC), "#crash", str(number) + " " + "x" * 2000)
    print("saved", number, flush=True)
    number += 1
"""


def test_a_kill_mid_append_loses_nothing_reported_saved(tmp_path: Path) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True, cwd=Path.cwd()
    )
    assert writer.stdout is not None
    deadline = time.monotonic() + DEADLINE
    incident_id, saved = "", -1
    try:
        for line in writer.stdout:
            word, value = line.split()
            if word == "declared":
                incident_id = value
            else:
                saved = int(value)
            if saved >= SAVED_BEFORE_KILL or time.monotonic() > deadline:
                break
        writer.send_signal(signal.SIGKILL)  # while it is still appending
    finally:
        writer.kill()
        writer.wait(timeout=DEADLINE)
        writer.stdout.close()
    assert writer.returncode == -signal.SIGKILL
    assert saved >= SAVED_BEFORE_KILL, "the writer got going before the deadline"

    resumed = IncidentJournal(tmp_path).resume()
    assert resumed is not None and resumed.id == incident_id and resumed.is_open
    timeline = load(tmp_path / f"{incident_id}.jsonl")
    numbers = [
        int(entry["message"].split()[0]) for entry in timeline.entries if entry["kind"] == "update_sent"
    ]
    assert numbers[: saved + 1] == list(range(saved + 1)), "every entry reported saved, in order"
    assert len(timeline.damage) <= 1, "at most the one write the kill cut short"
