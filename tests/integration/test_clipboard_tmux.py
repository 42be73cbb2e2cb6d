"""The clipboard through a real tmux: an app in a tmux pane copies, and tmux (``set-clipboard on``) keeps
the text as a paste buffer, exactly, hostile characters and all."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.hostile import BEL, ESC

DEADLINE = 20.0  # seconds for the pane's app to start, copy and quit
TEXT = f"Status: investigating ☠ payments 5xx\nnext update 12:30 UTC {ESC}]0;pwned{BEL} end"

PROGRAM = """\
from textual.app import App

from modulo_watch.tui.clipboard import copy_to_clipboard


class Copier(App[None]):
    def on_mount(self) -> None:
        copy_to_clipboard(self, {text!r})
        self.exit()


Copier().run()
"""

Tmux = Callable[..., subprocess.CompletedProcess[bytes]]


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    """Runs commands on a tmux server of the test's own (``-L``), killed afterwards."""
    if shutil.which("tmux") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must test the clipboard through a real tmux: tmux is not installed")
        pytest.skip("tmux is not installed")
    socket_name = f"modulo-watch-test-{uuid.uuid4().hex[:12]}"
    # Not the tmux this test may itself run in: TMUX would point the client at that one.
    env = {name: value for name, value in os.environ.items() if name not in ("TMUX", "TMUX_PANE")}

    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        command = ["tmux", "-L", socket_name, "-f", "/dev/null", *args]
        return subprocess.run(command, env=env, capture_output=True, timeout=10, check=False)

    yield run
    run("kill-server")
    # tmux 3.3 leaves its socket behind; it lives where tmux documents it.
    socket_dir = Path(env.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}"
    (socket_dir / socket_name).unlink(missing_ok=True)


def test_a_copy_in_tmux_becomes_a_tmux_buffer(tmux: Tmux, tmp_path: Path) -> None:
    program = tmp_path / "copier.py"
    program.write_text(PROGRAM.format(text=TEXT))
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(program))}"

    # Options first, in the same command list: the app may copy as soon as its pane starts.
    started = tmux(
        *("start-server", ";", "set", "-g", "set-clipboard", "on", ";", "set", "-g", "remain-on-exit", "on"),
        *(";", "new-session", "-d", "-x", "100", "-y", "30", "-c", str(tmp_path), command),
    )
    assert started.returncode == 0, started.stderr

    deadline = time.monotonic() + DEADLINE
    while (buffer := tmux("show-buffer")).returncode != 0:
        pane = tmux("display-message", "-p", "#{pane_dead} #{pane_dead_status}").stdout.decode().split()
        if pane[:1] == ["1"] or time.monotonic() > deadline:
            buffer = tmux("show-buffer")  # the app may have copied just before its pane ended
            if buffer.returncode == 0:
                break
            screen = tmux("capture-pane", "-p").stdout.decode(errors="replace").strip()
            pytest.fail(f"no tmux buffer (pane dead, status: {pane}); the pane shows: {screen[-500:]}")
        time.sleep(0.05)  # a poll interval: the deadline above is what bounds the wait

    assert buffer.stdout.decode("utf-8") == TEXT
