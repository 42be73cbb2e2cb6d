"""Resume after a kill -9: how long from process start until the open incident is back on screen.

End to end, with no hooks in the app: a fresh state dir gets an open drill incident's journal (declared,
acknowledged, a few entries, and a torn last line as a kill mid-write leaves). Then, run after run, the real
console script (`modulo-watch --drill`) is spawned in a 160x48 pseudo-terminal; the clock starts just before
the fork and stops when the screen, followed through its cursor positioning, shows the incident's id. The
app is then killed with SIGKILL, so every run after the first resumes from a journal a kill -9 left behind.

Prints figures and asserts nothing. Standard library only (plus the project's journal, to write the
starting state). Run it from the repository root: `.venv/bin/python -m bench.resume`.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.terminal import COLUMNS, LINES, Screen, Terminal, machine, resolve_command, terminal_env
from modulo_watch.incident.journal import IncidentJournal


def prepare_journal(state_home: Path) -> str:
    """An open drill incident, as a responder leaves it, with the torn tail of a killed write."""
    journal = IncidentJournal(state_home / "modulo-watch" / "incidents" / "drill")
    now = datetime.now(UTC) - timedelta(minutes=12)
    incident = journal.declare("modulo-api 5xx spike after deploy", "P1", now, "checkout fails", drill=True)
    incident = journal.acknowledge(incident, now + timedelta(minutes=2))
    journal.tick_checklist(incident, now + timedelta(minutes=3), "Create the incident channel")
    journal.record_update(incident, now + timedelta(minutes=5), "#incident", "Investigating the deploy")
    journal.capture_evidence(incident, now + timedelta(minutes=6), "rollouts", "v2.14.0 at 14:02")
    with open(journal.directory / f"{incident.id}.jsonl", "ab") as file:
        file.write(b'{"at": "2026-11-26T14:09:00+00:00", "kind": "escal')
    return incident.id


def resume_once(argv: Sequence[str], env: dict[str, str], incident_id: str, timeout: float) -> float | None:
    """Seconds from the fork to the incident id on screen, then a SIGKILL; None if it never showed."""
    screen = Screen()
    start = time.perf_counter()
    terminal = Terminal.spawn(argv, env)
    shown = None
    try:
        deadline = start + timeout
        while shown is None and not terminal.eof and time.perf_counter() < deadline:
            chunk = terminal.read(deadline - time.perf_counter())
            if chunk:
                screen.feed(chunk)
                if any(incident_id in row for row in screen.rows()):
                    shown = time.perf_counter()
    finally:
        os.kill(terminal.pid, signal.SIGKILL)
        os.waitpid(terminal.pid, 0)
        os.close(terminal.fd)
    if shown is None:
        print("the incident id never showed; the screen:\n" + "\n".join(screen.rows()))
        return None
    return shown - start


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time from spawning `modulo-watch --drill` to its open incident on screen, each run"
        " resuming from the journal the previous run's kill -9 left (median, min and max).",
    )
    parser.add_argument("--runs", type=int, default=10, help="launches to time (default: 10)")
    parser.add_argument(
        "--command",
        metavar="CMD",
        help="the command to launch (default: the modulo-watch next to this Python)",
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds to wait for the id (default: 30)"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    command = resolve_command(args.command)
    with tempfile.TemporaryDirectory(prefix="modulo-watch-bench-") as home:
        env = terminal_env(Path(home))
        incident_id = prepare_journal(Path(env["XDG_STATE_HOME"]))
        return run(command, env, incident_id, args.runs, args.timeout)


def run(command: Sequence[str], env: dict[str, str], incident_id: str, runs: int, timeout: float) -> int:
    print(f"command:  {shlex.join(command)}")
    print(f"terminal: {COLUMNS}x{LINES}, TERM=xterm-256color, a fresh XDG state dir with an open incident")
    print(f"machine:  {machine()}")
    print(f"incident: {incident_id} (journal ends in a torn line), SIGKILL after every run")
    print()
    times: list[float] = []
    for number in range(1, runs + 1):
        took = resume_once(command, env, incident_id, timeout)
        if took is None:
            return 1
        times.append(took)
        print(f"{number:>3}  {took * 1000:>7.0f} ms", flush=True)
    median, low, high = (1000 * value for value in (statistics.median(times), min(times), max(times)))
    print()
    print(
        f"start to resumed incident on screen, {runs} runs:"
        f" median {median:.0f} ms, min {low:.0f} ms, max {high:.0f} ms"
    )
    print(f"machine now: {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
