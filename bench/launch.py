"""Launch to first frame: how long `modulo-watch --drill` takes to paint its first full screen.

End to end, with no hooks in the app: the real console script is spawned in a pseudo-terminal (160x48,
TERM=xterm-256color, fresh XDG state and config directories). The clock starts just before the fork and
stops when the output, followed through its cursor positioning, has painted every row of the screen
across its full width and the screen shows the top bar's "DRILL" and the pane titles "Responder" and
"Error rate". Then "q" quits the app and the child is reaped.

For context it also times `python -c "import textual.app"` and a bare `python -c pass`.

Prints figures and asserts nothing. Standard library only. Run it from the repository root as a module:
`.venv/bin/python -m bench.launch`.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.terminal import (
    COLUMNS,
    LINES,
    MARKERS,
    Screen,
    Terminal,
    machine,
    report_no_frame,
    resolve_command,
    terminal_env,
    timeout_arguments,
)


@dataclass(frozen=True)
class Launch:
    first_output: float  # seconds from the fork to the first byte on the terminal
    first_frame: float  # seconds from the fork to the first full frame
    ended: str


def with_bytecode(env: dict[str, str], cache: Path | None) -> dict[str, str]:
    """cache None: env as it is. A directory: bytecode is written there and read back, as after an install."""
    if cache is not None:
        env = {key: value for key, value in env.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def launch_once(
    argv: Sequence[str], timeout: float, quit_timeout: float, cache: Path | None
) -> Launch | None:
    with tempfile.TemporaryDirectory(prefix="modulo-watch-bench-") as home:
        env = with_bytecode(terminal_env(Path(home)), cache)
        output = bytearray()
        start = time.perf_counter()
        terminal = Terminal.spawn(argv, env)
        try:
            first = terminal.read(timeout)  # Textual's first write: it switches to the alternate screen
            first_output = time.perf_counter()
            output += first
            screen = Screen()
            screen.feed(first)
            painted = first_output if screen.shows_frame() else None
            painted = painted or terminal.wait_for_frame(start + timeout, screen, output)
        finally:
            ended = terminal.quit(b"q", quit_timeout)
    if painted is None:
        report_no_frame(bytes(output), ended, timeout)
        return None
    return Launch(first_output - start, painted - start, ended)


def time_command(argv: Sequence[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdin=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def row(label: str, runs: Sequence[float]) -> str:
    median, low, high = (1000 * value for value in (statistics.median(runs), min(runs), max(runs)))
    return f"{label:<32} {median:>7.0f} {low:>7.0f} {high:>7.0f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time from spawning `modulo-watch --drill` in a 160x48 pseudo-terminal to its first"
        " full frame (median, min and max), with `python -c 'import textual.app'` for context.",
    )
    parser.add_argument("--runs", type=int, default=10, help="launches (and imports) to time (default: 10)")
    parser.add_argument(
        "--command",
        metavar="CMD",
        help="the command to launch, split like a shell would (default: the modulo-watch next to this"
        " Python, with --drill)",
    )
    parser.add_argument(
        "--bytecode",
        choices=("inherit", "cached"),
        default="inherit",
        help="inherit: this environment as it is, so with PYTHONDONTWRITEBYTECODE=1 every module without a"
        " .pyc is compiled at every launch; cached: PYTHONDONTWRITEBYTECODE unset and a private"
        " PYTHONPYCACHEPREFIX filled by one untimed launch, as after a normal install (default: inherit)",
    )
    timeout_arguments(parser)
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    command = resolve_command(args.command)
    with tempfile.TemporaryDirectory(prefix="modulo-watch-bench-pyc-") as pyc:
        return run(
            command,
            args.runs,
            args.timeout,
            args.quit_timeout,
            Path(pyc) if args.bytecode == "cached" else None,
        )


def run(command: Sequence[str], runs: int, timeout: float, quit_timeout: float, cache: Path | None) -> int:
    print(f"command:  {shlex.join(command)}")
    print(f"terminal: {COLUMNS}x{LINES}, TERM=xterm-256color, fresh XDG_STATE_HOME and XDG_CONFIG_HOME")
    print(f"machine:  {machine()}")
    if cache is not None:
        print("bytecode: cached in a private PYTHONPYCACHEPREFIX, filled by one untimed launch")
        if launch_once(command, timeout, quit_timeout, cache) is None:
            return 1
    elif os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print(
            "bytecode: inherited; PYTHONDONTWRITEBYTECODE is set, so every module without a .pyc"
            " is compiled at every launch (compare --bytecode cached)"
        )
    else:
        print("bytecode: inherited")
    print(f"frame:    every row painted, and {', '.join(map(repr, MARKERS))} on screen")
    print()
    print("run  first output  first frame  exit")
    launches: list[Launch] = []
    for number in range(1, runs + 1):
        launch = launch_once(command, timeout, quit_timeout, cache)
        if launch is None:
            return 1
        launches.append(launch)
        first_output, first_frame = launch.first_output * 1000, launch.first_frame * 1000
        print(f"{number:>3}  {first_output:>9.0f} ms  {first_frame:>8.0f} ms  {launch.ended}", flush=True)

    env = with_bytecode(dict(os.environ), cache)
    imports = [time_command([sys.executable, "-c", "import textual.app"], env) for _ in range(runs)]
    bare = [time_command([sys.executable, "-c", "pass"], env) for _ in range(runs)]

    print()
    print(f"{'ms, ' + str(runs) + ' runs each':<32} {'median':>7} {'min':>7} {'max':>7}")
    print(row("launch to first full frame", [launch.first_frame for launch in launches]))
    print(row("launch to first output", [launch.first_output for launch in launches]))
    print(row('python -c "import textual.app"', imports))
    print(row('python -c "pass"', bare))
    print(f"machine now: {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
