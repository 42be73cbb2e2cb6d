"""CPU while the drill runs: `modulo-watch --drill` at 1x, watched from a pseudo-terminal for 60 s.

The real console script is spawned in a pseudo-terminal (160x48, TERM=xterm-256color, fresh XDG state
and config directories). Once its first full frame is painted, the measured window starts: the output is
drained continuously (as a terminal would; an unread terminal blocks the app) and the child's CPU time is
read from /proc/<pid>/stat at the start and the end of the window, children included. Reported: CPU as a
percentage of one core, bytes written to the terminal per second, and the peak RSS (VmHWM). Then "q" quits
the app and the child is reaped.

Prints figures and asserts nothing. Standard library only, Linux only (/proc). Run it from the repository
root as a module: `.venv/bin/python -m bench.drill_cpu`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.terminal import (
    COLUMNS,
    LINES,
    Screen,
    Terminal,
    machine,
    report_no_frame,
    resolve_command,
    strip_ansi,
    terminal_env,
    timeout_arguments,
)

TAIL = 64 * 1024  # bytes of output kept for a report if the app dies during the window

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Cpu:
    """CPU seconds of a process tree at one moment."""

    user: float  # the process itself, all threads
    system: float
    children: float  # reaped children (cutime + cstime) and live descendants (all their times)
    descendants: tuple[int, ...]  # live descendant pids

    @property
    def total(self) -> float:
        return self.user + self.system + self.children


def _stat_ticks(pid: int) -> tuple[int, int, int, int]:
    """utime, stime, cutime, cstime from /proc/<pid>/stat (fields 14 to 17)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # the command name may hold spaces and parentheses
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    return utime, stime, cutime, cstime


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                found += [int(child), *descendants(int(child))]
    return found


def cpu(pid: int) -> Cpu:
    utime, stime, cutime, cstime = _stat_ticks(pid)
    children = cutime + cstime
    live = descendants(pid)
    for child in live:
        with contextlib.suppress(OSError):  # it may have exited since
            children += sum(_stat_ticks(child))
    return Cpu(utime / CLOCK_TICKS, stime / CLOCK_TICKS, children / CLOCK_TICKS, tuple(live))


def status_field(pid: int, key: str) -> int:
    """A number from /proc/<pid>/status: VmHWM and VmRSS are in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    return 0


def cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]


def describe_process(pid: int, command: Sequence[str]) -> str:
    """How the measured pid relates to the console script: the Python process itself, or a wrapper."""
    argv = cmdline(pid)
    exe = os.path.realpath(f"/proc/{pid}/exe")
    runs_script = len(argv) >= 2 and os.path.realpath(argv[1]) == os.path.realpath(command[0])
    if Path(exe).name.startswith("python") and runs_script:
        verdict = "the console script's own Python process (no wrapper)"
    else:
        verdict = "NOT the Python process named by the console script: check the process tree"
    return f"pid {pid}: {shlex.join(argv)}\n          exe {exe}; {verdict}"


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="CPU (percent of one core), terminal bytes per second and peak RSS of `modulo-watch"
        " --drill` in a 160x48 pseudo-terminal, measured over a window that starts at the first full frame.",
    )
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="length of the measured window (default: 60)"
    )
    parser.add_argument(
        "--speed", type=float, default=1.0, help="drill time factor, passed as --speed (default: 1)"
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=10.0,
        help="print a line for every this many seconds of the window (default: 10)",
    )
    parser.add_argument(
        "--command",
        metavar="CMD",
        help="the command to run, split like a shell would; --speed is appended (default: the modulo-watch"
        " next to this Python, with --drill)",
    )
    timeout_arguments(parser)
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.speed <= 0 or args.interval <= 0:
        parser.error("--seconds, --speed and --interval must be positive")
    command = resolve_command(args.command, ["--speed", f"{args.speed:g}"])

    print(f"command:  {shlex.join(command)}")
    print(f"terminal: {COLUMNS}x{LINES}, TERM=xterm-256color, fresh XDG_STATE_HOME and XDG_CONFIG_HOME")
    print(f"machine:  {machine()}")
    with tempfile.TemporaryDirectory(prefix="modulo-watch-bench-") as home:
        env = terminal_env(Path(home))
        start = time.perf_counter()
        terminal = Terminal.spawn(command, env)
        try:
            output = bytearray()
            painted = terminal.wait_for_frame(start + args.timeout, Screen(), output)
            if painted is None:
                report_no_frame(bytes(output), "exited" if terminal.poll() else "still running", args.timeout)
                return 1
            print(f"process:  {describe_process(terminal.pid, command)}")
            at_frame = cpu(terminal.pid)
            print(f"first frame after {(painted - start) * 1000:.0f} ms and {at_frame.total:.2f} s of CPU")
            return measure(terminal, args.seconds, args.interval, f"drill at x{args.speed:g}")
        finally:
            print(f"ended:    {terminal.quit(b'q', args.quit_timeout)}")


def measure(terminal: Terminal, seconds: float, interval: float, label: str) -> int:
    """Drain the terminal for the window, printing a line per interval, then the totals."""
    pid = terminal.pid
    print()
    print(f"{'window s':>8} {'CPU %':>7} {'KiB/s out':>10} {'RSS':>10}   (each line: the interval before it)")
    tail = bytearray()
    begin, first = time.perf_counter(), cpu(pid)
    last_time, last_cpu, written, last_written = begin, first, 0, 0
    end = begin + seconds
    next_line = min(begin + interval, end)
    while True:
        now = time.perf_counter()
        if now >= next_line:
            sample, rss = cpu(pid), mib(status_field(pid, "VmRSS"))
            wall = now - last_time
            percent = 100 * (sample.total - last_cpu.total) / wall
            rate = (written - last_written) / 1024 / wall
            print(f"{now - begin:>8.1f} {percent:>7.1f} {rate:>10.1f} {rss:>10}", flush=True)
            last_time, last_cpu, last_written = now, sample, written
            if now >= end:
                break
            next_line = min(next_line + interval, end)
        chunk = terminal.read(next_line - now)
        written += len(chunk)
        tail += chunk
        del tail[:-TAIL]
        if terminal.eof or terminal.poll():
            print(
                f"the app exited {time.perf_counter() - begin:.1f} s into the window; its output, stripped:"
            )
            print(strip_ansi(bytes(tail)).strip()[-4000:] or "(nothing)")
            return 1

    wall, used = last_time - begin, last_cpu.total - first.total
    user, system = last_cpu.user - first.user, last_cpu.system - first.system
    children = last_cpu.children - first.children
    peak, rss = mib(status_field(pid, "VmHWM")), mib(status_field(pid, "VmRSS"))
    print()
    print(f"window:        {wall:.1f} s wall, {label}")
    print(
        f"CPU:           {100 * used / wall:.1f} % of one core ({used:.2f} s: user {user:.2f},"
        f" system {system:.2f}, children {children:.2f}; clock tick {1000 / CLOCK_TICKS:g} ms)"
    )
    print(f"terminal out:  {written / wall:.0f} bytes/s ({written / wall / 1024:.1f} KiB/s, {written} bytes)")
    print(f"max RSS:       {peak} (VmHWM of the app process; VmRSS at the end {rss})")
    live = ", ".join(map(str, last_cpu.descendants)) or "none"
    print(f"process tree:  {status_field(pid, 'Threads')} threads; live child processes: {live}")
    print(f"machine now:   {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
