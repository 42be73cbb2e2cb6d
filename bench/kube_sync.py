"""The Pods pane at cluster scale: modulo-watch against the loopback API server in another process.

Measures, for a generated cluster (default 150,000 pods and 5,000 nodes, the official limits):
- the initial sync: app start until the Pods pane holds every pod;
- the longest event-loop stall during that sync, and during churn of 200 pod events a second;
- the app's RSS with every pod loaded (the server runs in its own process and is not counted);
- a pod status change on the server until the Pods pane shows it;
- keypress to repaint with every pod loaded: scrolling, and typing a filter.

The app is the real WarRoomApp with the live Kubernetes collectors, headless at 200x50. Stalls are
seen by a task that asks to wake every 5 ms and records how late it wakes. A keypress is timed from
the key event sent as a terminal would send it to the frame that shows its effect. Prints figures; asserts
nothing. Run from the repository root: ``.venv/bin/python -m bench.kube_sync [--pods N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from rich.console import RenderableType
from textual import events
from textual.screen import Screen

from modulo_watch.collectors.models import Pod, SourceName
from modulo_watch.collectors.sources import live_sources
from modulo_watch.config import KubernetesSettings, Settings
from modulo_watch.incident.journal import IncidentJournal
from modulo_watch.tui.app import WarRoomApp
from modulo_watch.tui.panes.pods import PodsPane
from modulo_watch.widgets.table import VirtualTable

TICK = 0.005
SIZE = (200, 50)


class StallMeter:
    """The longest time the event loop was busy between two 5 ms wake-ups, since the last reset."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def reset(self) -> float:
        longest, self.longest = self.longest, 0.0
        return longest

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(TICK)
            self.longest = max(self.longest, time.perf_counter() - before - TICK)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


@contextmanager
def cluster_server(pods: int, nodes: int, churn: float, kubeconfig: Path) -> Iterator[subprocess.Popen[str]]:
    command = [sys.executable, "-m", "tests.kube_server", "--pods", str(pods), "--nodes", str(nodes)]
    command += ["--kubeconfig", str(kubeconfig), "--control", "--churn", str(churn)]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as server:
        assert server.stdout is not None
        for line in server.stdout:
            print(f"server: {line.strip()}")
            if line.startswith("serving"):
                break
        try:
            yield server
        finally:
            server.terminate()


def pods_table(app: WarRoomApp) -> VirtualTable[Pod]:
    table: VirtualTable[Pod] = app.query_one("#pods-table", VirtualTable)
    return table


async def wait_for(condition: Callable[[], bool], limit: float) -> float:
    """Seconds until ``condition`` held, polling every 10 ms. A plain sleep: ``Pilot.pause`` would
    post a callback to every widget each time, work the app itself never does."""
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > limit:
            raise SystemExit(f"gave up after {limit:.0f} s")
        await asyncio.sleep(0.01)
    return time.perf_counter() - started


class Frames:
    """The frames the app hands its driver (a headless run computes them, then drops them)."""

    def __init__(self, app: WarRoomApp) -> None:
        self._shown = asyncio.Event()
        self._wanted: Callable[[], bool] | None = None
        display = app._display

        def spy(screen: Screen[object], renderable: RenderableType | None) -> None:
            display(screen, renderable)
            # A key's handler changes the state and asks for the repaint in one go: the first frame
            # composed once the state has changed is the one that shows it.
            if renderable is not None and self._wanted is not None and self._wanted():
                self._shown.set()

        app._display = spy  # type: ignore[method-assign]

    async def showing(self, wanted: Callable[[], bool]) -> None:
        """Wait for the first frame painted once ``wanted`` holds."""
        self._shown.clear()
        self._wanted = wanted
        await self._shown.wait()
        self._wanted = None


def shows_first(app: WarRoomApp, restarts: int) -> bool:
    """The crash just made tops the pane: faults first, the most restarts first."""
    rows = pods_table(app).rows
    return bool(rows) and rows[0].restarts == restarts


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def changed(state: Callable[[], object], before: object) -> bool:
    return state() != before


async def keypress_ms(
    app: WarRoomApp, frames: Frames, keys: list[str], state: Callable[[], object]
) -> list[float]:
    """Each key sent as the terminal driver would send it, until the frame that shows its effect:
    ``state`` (the cursor, the filter) has changed and the next frame has been painted."""
    assert app._driver is not None
    times = []
    for key in keys:
        before = state()
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        started = time.perf_counter()
        app._driver.send_message(event)
        await frames.showing(partial(changed, state, before))
        times.append(1000 * (time.perf_counter() - started))
    return times


async def measure(pods: int, server: subprocess.Popen[str], kubeconfig: Path, churn: float) -> None:
    settings = Settings(kubernetes=KubernetesSettings(kubeconfig=str(kubeconfig)))
    journal = IncidentJournal(Path(tempfile.mkdtemp()) / "incidents")
    app = WarRoomApp(settings, live_sources(settings), journal)
    meter = StallMeter()
    started = time.perf_counter()
    async with app.run_test(size=SIZE):
        frames = Frames(app)
        meter.start()
        # The first pods snapshot is the whole list (under churn the count moves on from there).
        await wait_for(partial(app.shows_data_of, SourceName.PODS), limit=600)
        sync = time.perf_counter() - started
        shown = len(pods_table(app).rows)
        print(f"initial sync, app start to the whole list in the pane ({shown:,} pods): {sync:.2f} s")
        print(f"longest event-loop stall during the sync: {1000 * meter.reset():.0f} ms")
        print(f"app RSS with every pod loaded: {rss_mib():.0f} MiB (max RSS {max_rss_mib():.0f} MiB)")
        for source in (SourceName.NODES, SourceName.EVENTS, SourceName.ROLLOUTS):
            await wait_for(partial(app.shows_data_of, source), limit=600)
            print(f"  {source} on screen {time.perf_counter() - started:.2f} s after start")
        print(f"longest stall while they listed: {1000 * meter.reset():.0f} ms")

        if churn:
            await asyncio.sleep(10)
            print(
                f"longest stall over 10 s of {churn:.0f} pod events a second: {1000 * meter.reset():.0f} ms"
            )

        latencies = []
        for attempt in range(5):
            target = pods_table(app).rows[-1 - attempt]
            restarts = 1_000_000 + attempt
            assert server.stdin is not None
            sent = time.perf_counter()
            server.stdin.write(f"crash {target.namespace} {target.name} {restarts}\n")
            server.stdin.flush()
            await wait_for(partial(shows_first, app, restarts), limit=30)
            latencies.append(time.perf_counter() - sent)
        print(
            "status change on the server until the pane shows it: "
            f"median {statistics.median(latencies):.2f} s, max {max(latencies):.2f} s (5 changes)"
        )

        table = pods_table(app)
        table.focus()
        keys = ["pagedown"] * 10 + ["down"] * 10 + ["end", "home"]
        scroll = await keypress_ms(app, frames, keys, lambda: table.cursor_index)
        print(
            f"keypress to repaint, scrolling: median {statistics.median(scroll):.0f} ms, "
            f"max {max(scroll):.0f} ms ({', '.join(f'{t:.0f}' for t in scroll)})"
        )
        pane = app.query_one(PodsPane)
        pane.action_filter()
        typing = await keypress_ms(app, frames, list("api-7"), lambda: pane.needle)
        print(
            f"keypress to repaint, typing a filter: median {statistics.median(typing):.0f} ms, "
            f"max {max(typing):.0f} ms ({len(table.rows):,} pods match)"
        )
        print(f"longest stall during the keypresses: {1000 * meter.reset():.0f} ms")
        meter.stop()


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pods", type=int, default=150_000)
    parser.add_argument("--nodes", type=int, default=5_000)
    parser.add_argument("--churn", type=float, default=200.0, help="pod events a second after the sync")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        kubeconfig = Path(scratch) / "kubeconfig"
        with cluster_server(args.pods, args.nodes, 0.0, kubeconfig) as server:
            asyncio.run(measure(args.pods, server, kubeconfig, 0.0))
        if args.churn:
            print(f"\nagain, with the server churning {args.churn:.0f} pod events a second:")
            with cluster_server(args.pods, args.nodes, args.churn, kubeconfig) as server:
                asyncio.run(measure(args.pods, server, kubeconfig, args.churn))


if __name__ == "__main__":
    main()
