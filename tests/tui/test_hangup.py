"""A dropped SSH connection: the real app in a pseudo-terminal, sent SIGHUP, then started again."""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.terminal import Screen, Terminal, terminal_env
from modulo_watch.incident.journal import IncidentJournal, default_directory

DEADLINE = 60.0  # seconds for any one thing to show up on a busy machine
HANGUP_EXIT = 128 + signal.SIGHUP
INCIDENT_ID = re.compile(r"INC-\d{8}-\d{6}(?:-\d+)?")
COMMAND = [str(Path(sys.executable).parent / "modulo-watch"), "--drill"]


def wait_for_screen(terminal: Terminal, screen: Screen, condition: Callable[[str], bool], what: str) -> str:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline and not terminal.eof:
        screen.feed(terminal.read(deadline - time.monotonic()))
        text = "\n".join(screen.rows())
        if condition(text):
            return text
    raise AssertionError(f"timed out waiting for {what}; the screen:\n" + "\n".join(screen.rows()))


def wait_for_exit(terminal: Terminal) -> int:
    """The exit status (or minus the signal) once the child has gone, reading its output meanwhile."""
    deadline = time.monotonic() + DEADLINE
    while not terminal.poll():
        assert time.monotonic() < deadline, "the app is still running"
        terminal.read(0.05)
    os.close(terminal.fd)
    assert terminal.status is not None
    return os.waitstatus_to_exitcode(terminal.status)


def declare_in_app(terminal: Terminal, screen: Screen) -> str:
    wait_for_screen(terminal, screen, lambda text: "No incident open" in text, "the first frame")
    os.write(terminal.fd, b"i")
    wait_for_screen(terminal, screen, lambda text: "Declare an incident" in text, "the declare dialog")
    os.write(terminal.fd, b"\r")  # the drill's suggested title and severity
    text = wait_for_screen(terminal, screen, lambda text: INCIDENT_ID.search(text) is not None, "the id")
    match = INCIDENT_ID.search(text)
    assert match is not None
    return match.group()


def kill(terminal: Terminal) -> None:
    os.kill(terminal.pid, signal.SIGKILL)
    wait_for_exit(terminal)


def test_sighup_exits_cleanly_and_the_incident_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = terminal_env(tmp_path)
    first, screen = Terminal.spawn(COMMAND, env), Screen()
    try:
        incident_id = declare_in_app(first, screen)
        os.kill(first.pid, signal.SIGHUP)
        assert wait_for_exit(first) == HANGUP_EXIT
    finally:
        if not first.poll():
            kill(first)

    monkeypatch.setenv("XDG_STATE_HOME", env["XDG_STATE_HOME"])  # where the app kept its journals
    resumed = IncidentJournal(default_directory(drill=True)).resume()
    assert resumed is not None and resumed.id == incident_id

    second, screen = Terminal.spawn(COMMAND, env), Screen()
    try:
        wait_for_screen(second, screen, lambda text: incident_id in text, "the resumed incident")
    finally:
        kill(second)


def test_a_terminal_that_goes_away_ends_the_app(tmp_path: Path) -> None:
    """Closing the terminal's side is what sshd does: the kernel sends SIGHUP and the tty is dead."""
    terminal, screen = Terminal.spawn(COMMAND, terminal_env(tmp_path)), Screen()
    try:
        incident_id = declare_in_app(terminal, screen)
    except BaseException:
        kill(terminal)
        raise
    os.close(terminal.fd)
    deadline = time.monotonic() + DEADLINE
    while not terminal.poll():
        assert time.monotonic() < deadline, "the app outlived its terminal"
        time.sleep(0.05)  # polling a child's exit, not synchronising on it
    assert terminal.status is not None
    assert os.waitstatus_to_exitcode(terminal.status) == HANGUP_EXIT
    assert any(incident_id in path.name for path in (tmp_path / "state").rglob("INC-*.jsonl"))
