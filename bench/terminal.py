"""The pseudo-terminal the benchmarks run `modulo-watch` in: spawn, read, follow the screen, quit.

A 160x48 xterm with fresh XDG state and config directories; a screen model just good enough to tell when a
full frame is painted. Shared by launch.py and drill_cpu.py. Standard library only, Linux only (pty).
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import errno
import fcntl
import os
import pty
import re
import select
import shlex
import shutil
import signal
import struct
import sys
import termios
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

COLUMNS = 160
LINES = 48
MARKERS = ("DRILL", "Responder", "Error rate")

_ESCAPE = (
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC ... BEL or ST
    r"|\x1b[P^_X].*?\x1b\\"  # DCS / PM / APC / SOS ... ST
    r"|\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b[ -/]*[0-~]"  # any other escape
)
_TOKEN = re.compile(
    r"(?P<cup>\x1b\[(?P<row>\d*)(?:;(?P<col>\d*))?[Hf])"  # cursor position
    r"|(?P<partial>\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*|[P^_X].*)?\Z)"  # cut off by the end of a read
    rf"|(?P<escape>{_ESCAPE})"
    r"|(?P<cr>\r)|(?P<lf>\n)|(?P<text>[^\x1b\r\n]+)",
    re.DOTALL,
)
_STRIP = re.compile(_ESCAPE, re.DOTALL)
_CURSOR_POSITION = re.compile(r"\x1b\[[0-9;]*[Hf]")


def strip_ansi(data: bytes) -> str:
    """Terminal output as text: escape sequences removed, cursor positioning shown as line breaks."""
    text = data.decode("utf-8", errors="replace")
    return _STRIP.sub("", _CURSOR_POSITION.sub("\n", text))


class Screen:
    """Just enough of a terminal to tell when a full frame is on it: cursor positions, CR, LF and text.

    Textual paints a frame row by row, each row from a cursor position, with autowrap off.
    """

    def __init__(self, columns: int = COLUMNS, lines: int = LINES) -> None:
        self.columns, self.lines = columns, lines
        self.cells = [[" "] * columns for _ in range(lines)]
        self.painted = [0] * lines  # per row, how far from the left it has been written
        self.row = self.col = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""  # an escape sequence cut off by the end of the last read

    def feed(self, data: bytes) -> None:
        text, self._pending = self._pending + self._decoder.decode(data), ""
        for match in _TOKEN.finditer(text):
            kind = match.lastgroup
            if kind == "text":
                self._write(match["text"])
            elif kind == "cup":  # an empty parameter means 1
                self.row = min(max(int(match["row"] or 1), 1), self.lines) - 1
                self.col = min(max(int(match["col"] or 1), 1), self.columns) - 1
            elif kind == "cr":
                self.col = 0
            elif kind == "lf":
                self.row = min(self.row + 1, self.lines - 1)
            elif kind == "partial":
                self._pending = match.group()

    def _write(self, text: str) -> None:
        row = self.cells[self.row]
        for char in text:
            if unicodedata.combining(char):
                continue
            width = 2 if unicodedata.east_asian_width(char) in "WF" else 1
            if self.col + width > self.columns:
                break  # autowrap is off: the rest of the run is clipped
            row[self.col] = char
            if width == 2:
                row[self.col + 1] = ""
            self.col += width
        self.painted[self.row] = max(self.painted[self.row], self.col)

    def rows(self) -> list[str]:
        return ["".join(cells).rstrip() for cells in self.cells]

    def shows_frame(self, markers: Sequence[str] = MARKERS) -> bool:
        """Every row painted across the full width, and every marker on screen."""
        if min(self.painted) < self.columns:
            return False
        screen = "\n".join(self.rows())
        return all(marker in screen for marker in markers)


def machine() -> str:
    """The CPU count and load average: the figures are only as quiet as the machine."""
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return f"{os.cpu_count()} CPUs, load average {load}"


def default_command() -> list[str]:
    """The `modulo-watch` console script installed next to the running interpreter, with --drill."""
    return [str(Path(sys.executable).parent / "modulo-watch"), "--drill"]


def resolve_command(command: str | None, extra: Sequence[str] = ()) -> list[str]:
    if not command:
        return [*default_command(), *extra]
    argv = shlex.split(command)
    if argv and "/" not in argv[0]:
        argv[0] = shutil.which(argv[0]) or argv[0]
    return [*argv, *extra]


def terminal_env(home: Path) -> dict[str, str]:
    """A fresh 160x48 xterm: no earlier incident journal, no user config, no MODULO_WATCH_* overrides."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MODULO_WATCH_")}
    env.update(
        TERM="xterm-256color",
        COLUMNS=str(COLUMNS),
        LINES=str(LINES),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
    )
    return env


def timeout_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --timeout (for the first frame) and --quit-timeout (for the exit after q) to parser."""
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds to wait for the first frame (default: 30)"
    )
    parser.add_argument(
        "--quit-timeout", type=float, default=10.0, help="seconds to wait for exit after q (default: 10)"
    )


@dataclass
class Terminal:
    """A child process on the slave side of a pseudo-terminal; this side reads what it writes."""

    pid: int
    fd: int
    eof: bool = False
    status: int | None = None  # the wait status, once reaped

    @classmethod
    def spawn(cls, argv: Sequence[str], env: dict[str, str]) -> Terminal:
        pid, fd = pty.fork()
        if pid == 0:  # the child: size the terminal before anything can ask for its size, then exec
            try:
                winsize = struct.pack("HHHH", LINES, COLUMNS, 0, 0)
                fcntl.ioctl(pty.STDOUT_FILENO, termios.TIOCSWINSZ, winsize)
                os.execve(argv[0], list(argv), env)
            except OSError as exc:
                os.write(pty.STDERR_FILENO, f"cannot run {argv[0]}: {exc}\r\n".encode())
            finally:
                os._exit(127)
        return cls(pid, fd)

    def read(self, timeout: float) -> bytes:
        """What the child wrote within timeout seconds; b"" on timeout or at EOF (see .eof)."""
        if self.eof:
            return b""
        ready, _, _ = select.select([self.fd], [], [], max(timeout, 0.0))
        if not ready:
            return b""
        try:
            chunk = os.read(self.fd, 65536)
        except OSError as exc:  # Linux reports a closed slave side as EIO
            if exc.errno != errno.EIO:
                raise
            chunk = b""
        self.eof = not chunk
        return chunk

    def wait_for_frame(self, deadline: float, screen: Screen, output: bytearray) -> float | None:
        """Read until the screen shows a full frame: the perf_counter time then, or None (deadline, EOF)."""
        while not self.eof and time.perf_counter() < deadline:
            chunk = self.read(deadline - time.perf_counter())
            if chunk:
                now = time.perf_counter()
                output += chunk
                screen.feed(chunk)
                if screen.shows_frame():
                    return now
        return None

    def poll(self) -> bool:
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.status = status
        return self.status is not None

    def quit(self, key: bytes, timeout: float) -> str:
        """Send the quit key and drain the output until the child exits; kill it after timeout. Reaps it."""
        with contextlib.suppress(OSError):
            os.write(self.fd, key)
        deadline = time.perf_counter() + timeout
        while not self.poll() and time.perf_counter() < deadline:
            self.read(0.05)
        how = "quit"
        if not self.poll():
            how = "killed"
            os.kill(self.pid, signal.SIGKILL)
            _, self.status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        status = self.status or 0
        if os.WIFSIGNALED(status):
            return f"{how}, signal {os.WTERMSIG(status)}"
        return f"{how}, exit {os.WEXITSTATUS(status)}"


def report_no_frame(output: bytes, ended: str, timeout: float) -> None:
    print(f"no full first frame within {timeout:g} s ({ended}); the terminal output, stripped:")
    text = strip_ansi(output)
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    print("\n".join(lines[-80:]) or "(nothing)")
