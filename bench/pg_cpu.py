"""CPU and memory of `modulo-watch` watching PostgreSQL, side by side with pg_activity on the same server.

The load of bench/pg_load.py (1,000 client sessions, a blocking chain, long queries) runs in a child
process. Two programs watch it at once, each in its own 160x48 pseudo-terminal (TERM=xterm-256color, fresh
XDG and HOME directories, no PG* variables):
- the `modulo-watch` console script with only the Postgres source: a config file with `[postgres] dsn` and
  `interval = 1.0`, and no Kubernetes, Prometheus, Alertmanager or health checks configured;
- `pg_activity --refresh 1 <dsn>`, otherwise with its default options, from its own venv (made with pip
  on first use; see --pg-activity).

Both terminals are drained continuously, as a terminal would (an unread terminal blocks its app), and
they answer a cursor position request (ESC [6n) as a terminal does: pg_activity waits for that answer
before its first frame. Once both show data (modulo-watch: a full frame with its connection count and
the chain's root blocker; pg_activity: a frame with its running queries and that blocker), the measured
window starts. CPU time is utime + stime of each process (children included) from /proc/<pid>/stat at the
start and the end of the window; memory is VmRSS (sampled every --interval) and VmHWM from
/proc/<pid>/status. Printed: CPU as a percentage of one core for each, the ratio, and the memory; then
what each screen shows of the load. Asserts nothing. Run from the repository root:
`.venv/bin/python -m bench.pg_cpu`.
"""

from __future__ import annotations

import argparse
import os
import re
import select
import shlex
import subprocess
import sys
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.drill_cpu import CLOCK_TICKS, Cpu, cpu, describe_process, mib, status_field
from bench.pg_load import CONNECTIONS, LoadInfo, serve_load
from bench.terminal import COLUMNS, LINES, Screen, Terminal, machine, strip_ansi, terminal_env

PG_ACTIVITY_VENV = Path("/tmp/pg_activity-venv")
CURSOR_POSITION_REQUEST = b"\x1b[6n"
CURSOR_POSITION_REPLY = b"\x1b[1;1R"  # any position will do: it only tells the app a terminal is there
FRAME_START = b"\x1b[H"  # pg_activity repaints its whole screen from the home position each refresh
FRAME_LIMIT = 1 << 20  # bytes of an unfinished pg_activity frame kept


def ensure_pg_activity(venv: Path) -> Path:
    """The pg_activity script of ``venv``, made first if missing (python -m venv, then pip install)."""
    script = venv / "bin" / "pg_activity"
    if not script.exists():
        print(f"installing pg_activity into {venv}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "pip"), "install", "--quiet", "pg_activity", "psycopg[binary]"]
        subprocess.run(pip, check=True)
    return script


def version(script: Path) -> str:
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False)
    return (result.stdout or result.stderr).strip()


def clean_env(home: Path) -> dict[str, str]:
    """A fresh terminal (terminal.py) with HOME there too, and no variable that configures a source."""
    env = terminal_env(home)
    for name in [name for name in env if name.startswith(("PG", "KUBE"))]:  # KUBECONFIG, KUBERNETES_*
        del env[name]
    env["HOME"] = str(home)  # no ~/.kube/config: the Kubernetes panes say "not configured"
    return env


def write_config(home: Path, dsn: str) -> Path:
    """The modulo-watch config file (platformdirs: $XDG_CONFIG_HOME/modulo-watch/config.toml)."""
    path = home / "config" / "modulo-watch" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(f'[postgres]\ndsn = "{dsn}"\ninterval = 1.0\n')
    return path


@dataclass
class Watcher(ABC):
    """One monitor in its terminal: what it shows, and how much it wrote during the window."""

    name: str
    command: list[str]
    terminal: Terminal
    written: int = 0
    _request_tail: bytes = b""  # the end of the last read, in case a request is cut in two

    def take(self, chunk: bytes) -> None:
        """Follow the output and answer its cursor position requests."""
        data = self._request_tail + chunk
        for _ in range(data.count(CURSOR_POSITION_REQUEST)):
            os.write(self.terminal.fd, CURSOR_POSITION_REPLY)
        self._request_tail = data[-(len(CURSOR_POSITION_REQUEST) - 1) :]
        self.written += len(chunk)
        self.show(chunk)

    @abstractmethod
    def show(self, chunk: bytes) -> None: ...

    @abstractmethod
    def screen(self) -> str:
        """The text on screen now (for pg_activity: its last complete frame)."""

    @abstractmethod
    def ready(self, load: LoadInfo) -> bool:
        """Whether the screen shows the load's data yet."""


@dataclass
class ModuloWatch(Watcher):
    """Textual repaints only what changed, so a screen model follows it."""

    model: Screen = field(default_factory=Screen)

    def show(self, chunk: bytes) -> None:
        self.model.feed(chunk)

    def screen(self) -> str:
        return "\n".join(self.model.rows())

    def ready(self, load: LoadInfo) -> bool:
        return self.model.shows_frame(("Postgres", "conns ", str(load.chain.holder)))


@dataclass
class PgActivity(Watcher):
    """pg_activity repaints its whole screen each refresh, starting from the home position."""

    frame: bytes = b""  # the last complete frame
    pending: bytearray = field(default_factory=bytearray)

    def show(self, chunk: bytes) -> None:
        self.pending += chunk
        start = self.pending.rfind(FRAME_START)
        if start > 0:
            previous = self.pending[:start]
            self.frame = bytes(previous[previous.rfind(FRAME_START) :])
            del self.pending[:start]
        del self.pending[:-FRAME_LIMIT]

    def screen(self) -> str:
        return strip_ansi(self.frame).replace("\r", "").lstrip("\n")

    def ready(self, load: LoadInfo) -> bool:
        screen = self.screen()
        return "RUNNING QUERIES" in screen and str(load.chain.holder) in screen


def drain(watchers: Sequence[Watcher], timeout: float) -> None:
    """Read whatever any of them wrote within timeout seconds."""
    ready, _, _ = select.select([w.terminal.fd for w in watchers if not w.terminal.eof], [], [], timeout)
    for watcher in watchers:
        if watcher.terminal.fd in ready:
            watcher.take(watcher.terminal.read(0))


def ended(watchers: Sequence[Watcher]) -> Watcher | None:
    return next((w for w in watchers if w.terminal.eof or w.terminal.poll()), None)


def wait_until_ready(watchers: Sequence[Watcher], load: LoadInfo, timeout: float) -> bool:
    started = time.perf_counter()
    pending = list(watchers)
    while pending and time.perf_counter() < started + timeout and not ended(watchers):
        drain(watchers, 0.1)
        for watcher in [w for w in pending if w.ready(load)]:
            pending.remove(watcher)
            print(f"{watcher.name}: showing the load {time.perf_counter() - started:.1f} s after start")
    for watcher in pending:
        print(f"{watcher.name}: not showing the load within {timeout:g} s; its screen:\n{watcher.screen()}")
    return not pending


@dataclass
class Usage:
    """One process over the window: its CPU at the start and at the last sample, its highest RSS sampled."""

    pid: int
    start: Cpu
    last: Cpu
    max_rss_kib: int

    @classmethod
    def begin(cls, pid: int) -> Usage:
        now = cpu(pid)
        return cls(pid, now, now, status_field(pid, "VmRSS"))

    def sample(self, seconds: float) -> str:
        """A new sample, as a line's columns: CPU % over the seconds since the last one, and RSS."""
        now, rss = cpu(self.pid), status_field(self.pid, "VmRSS")
        percent = 100 * (now.total - self.last.total) / seconds
        self.last, self.max_rss_kib = now, max(self.max_rss_kib, rss)
        return f"{percent:>22.1f} {mib(rss):>10}"


def measure(watchers: Sequence[Watcher], seconds: float, interval: float) -> bool:
    """Drain both for the window, a line per interval, then the totals; False if one exited."""
    header = "".join(f"{w.name + ' CPU %':>22} {'RSS':>10}" for w in watchers)
    print(f"\n{'window s':>8}{header}   (each line: the interval before it)")
    usage = [Usage.begin(w.terminal.pid) for w in watchers]
    for watcher in watchers:
        watcher.written = 0
    begin = last = time.perf_counter()
    end = begin + seconds
    while last < end:
        drain(watchers, min(end, last + interval) - time.perf_counter())
        if (gone := ended(watchers)) is not None:
            print(f"{gone.name} exited {time.perf_counter() - begin:.1f} s into the window; its screen:")
            print(gone.screen())
            return False
        now = time.perf_counter()
        if now >= min(end, last + interval):
            print(f"{now - begin:>8.1f}" + "".join(u.sample(now - last) for u in usage), flush=True)
            last = now
    report(watchers, usage, last - begin)
    return True


def report(watchers: Sequence[Watcher], usage: Sequence[Usage], wall: float) -> None:
    print(f"\nwindow: {wall:.1f} s wall, both running side by side; clock tick {1000 / CLOCK_TICKS:g} ms")
    percents = []
    for watcher, used in zip(watchers, usage, strict=True):
        start, end, pid = used.start, used.last, used.pid
        percents.append(100 * (end.total - start.total) / wall)
        print(f"\n{watcher.name}:")
        print(
            f"  CPU:      {percents[-1]:.1f} % of one core ({end.total - start.total:.2f} s: user"
            f" {end.user - start.user:.2f}, system {end.system - start.system:.2f},"
            f" children {end.children - start.children:.2f})"
        )
        print(
            f"  memory:   VmRSS {mib(status_field(pid, 'VmRSS'))} at the end, {mib(used.max_rss_kib)} at most"
            f" in the window; VmHWM {mib(status_field(pid, 'VmHWM'))} (the peak since it started)"
        )
        threads = status_field(pid, "Threads")
        print(f"  terminal: {watcher.written / wall / 1024:.1f} KiB/s out; {threads} threads")
    if len(percents) == 2 and percents[1] > 0:
        print(f"\nCPU ratio {watchers[0].name} / {watchers[1].name}: {percents[0] / percents[1]:.2f}")


def check_screens(watchers: Sequence[Watcher], load: LoadInfo, show: bool) -> None:
    """What each screen shows of the load: its counts, and whether two pids of the chain are on it."""
    print(f"\nscreens at the end of the window ({COLUMNS}x{LINES}):")
    wanted = {"root blocker": load.chain.holder, "waiter on two readers": load.chain.alter}
    for watcher in watchers:
        screen = watcher.screen()
        found = ", ".join(f"{part} {pid}: {on_screen(pid, screen)}" for part, pid in wanted.items())
        print(f"  {watcher.name}: shows {counts_shown(screen)}; on screen: {found}")
        if show:
            print("\n".join(f"    | {row}" for row in screen.splitlines()))


def on_screen(pid: int, screen: str) -> str:
    return "yes" if re.search(rf"\b{pid}\b", screen) else "NO"


def counts_shown(screen: str) -> str:
    """The counts each app prints: modulo-watch "conns N/M ... waiting W", pg_activity "Sessions: N/M
    total, ... W waiting"."""
    sessions = re.search(r"(?:conns|Sessions:) (\d+)/(\d+)", screen)
    waiting = re.search(r"waiting (\d+)|(\d+) waiting", screen)
    shown = f"{sessions[1]}/{sessions[2]} sessions" if sessions else "NO session count"
    return f"{shown}, {waiting[1] or waiting[2]} waiting" if waiting else f"{shown}, NO waiting count"


def spawn(kind: type[Watcher], name: str, command: list[str], env: dict[str, str]) -> Watcher:
    return kind(name, command, Terminal.spawn(command, env))


def run(load: LoadInfo, pg_activity: Path, args: argparse.Namespace) -> int:
    app = str(Path(sys.executable).parent / "modulo-watch")
    with tempfile.TemporaryDirectory(prefix="modulo-watch-bench-") as scratch:
        home = Path(scratch)
        config = write_config(home / "modulo-watch", load.dsn)
        print(f"config:    {config}: {config.read_text().strip().replace(chr(10), '; ')}")
        watchers = [
            spawn(ModuloWatch, "modulo-watch", [app], clean_env(home / "modulo-watch")),
            spawn(
                PgActivity,
                "pg_activity",
                [str(pg_activity), "--refresh", "1", load.dsn],
                clean_env(home / "pg_activity"),
            ),
        ]
        try:
            for watcher in watchers:
                print(f"command:   {shlex.join(watcher.command)}")
            if not wait_until_ready(watchers, load, args.timeout):
                return 1
            for watcher in watchers:
                print(f"process:   {describe_process(watcher.terminal.pid, watcher.command)}")
            if not measure(watchers, args.seconds, args.interval):
                return 1
            check_screens(watchers, load, args.screens)
            return 0
        finally:
            for watcher in watchers:
                print(f"{watcher.name} ended: {watcher.terminal.quit(b'q', args.quit_timeout)}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="the measured window (default: 60)")
    parser.add_argument("--interval", type=float, default=10.0, help="a line every this many seconds")
    parser.add_argument(
        "--connections", type=int, default=CONNECTIONS, help=f"client sessions (default: {CONNECTIONS})"
    )
    parser.add_argument(
        "--pg-activity", type=Path, default=PG_ACTIVITY_VENV, metavar="VENV", help="its venv, made if missing"
    )
    parser.add_argument("--screens", action="store_true", help="print both screens at the end of the window")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds for both to show the load")
    parser.add_argument("--quit-timeout", type=float, default=10.0, help="seconds for each to exit after q")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.interval <= 0:
        parser.error("--seconds and --interval must be positive")
    pg_activity = ensure_pg_activity(args.pg_activity)
    print(f"machine:   {machine()}")
    print(f"versions:  {version(pg_activity)}; modulo-watch from {sys.executable}")
    with serve_load(args.connections) as load:
        print(
            f"load:      {load.connections} client sessions of max_connections {load.max_connections},"
            f" a blocking chain of {len(load.chain.pids)} (root blocker {load.chain.holder}),"
            f" {len(load.sleepers)} in pg_sleep"
        )
        status = run(load, pg_activity, args)
    print(f"machine now: {machine()}")
    return status


if __name__ == "__main__":
    sys.exit(main())
