"""CPU of the metrics and alerts collectors at their default intervals, over 60 s.

A throwaway Prometheus (tests/prometheus_server.py) scrapes the tests' exporter (tests/exporter.py) and
a throwaway Alertmanager (tests/alertmanager_server.py) holds 500 firing alerts in 60 groups. The
collectors are made as the app makes them (`live_sources` with `[prometheus] url` and `[alertmanager]
url`, every other setting at its default: the graph's queries, 15 s and 10 s intervals) and their
runners publish to the hub for the measured window; no UI runs. CPU is the process's user + system time
(every thread: Prometheus' client runs in one) across the window, as a percentage of one core. Also
printed: how many fetches each made in the window.

Prints figures and asserts nothing. Run from the repository root: `.venv/bin/python -m bench.alerts_cpu`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time

from bench.alerts_paint import load_alerts
from bench.terminal import machine
from modulo_watch.collectors.models import SourceName, SourceState
from modulo_watch.collectors.sources import live_sources
from modulo_watch.config import AlertmanagerSettings, PrometheusSettings, Settings
from tests.alertmanager_server import AlertmanagerServer
from tests.exporter import Exporter
from tests.prometheus_server import PrometheusServer

MEASURED = (SourceName.METRICS, SourceName.ALERTS)


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


async def measure(settings: Settings, seconds: float) -> None:
    sources = live_sources(settings)
    runners = [runner for runner in sources.runners if runner.source in MEASURED]
    fetches: dict[SourceName, int] = dict.fromkeys(MEASURED, 0)
    seen: dict[SourceName, object] = {}
    all_live = asyncio.Event()

    def note(source: SourceName) -> None:
        """A fetch ends with a new LIVE status (the hub also tells of its snapshot: not counted twice)."""
        status = sources.hub.status(source)
        if source not in MEASURED or status is None or status is seen.get(source):
            return
        seen[source] = status
        if status.state is SourceState.LIVE:
            fetches[source] += 1
            if all(fetches.values()):
                all_live.set()

    sources.hub.subscribe(note)
    tasks = [asyncio.create_task(runner.run()) for runner in runners]
    # The first fetches (imports, connections) are start-up, not the steady cost: wait for them.
    await all_live.wait()
    fetches.update(dict.fromkeys(MEASURED, 0))
    cpu_before, wall_before = cpu_seconds(), time.perf_counter()
    await asyncio.sleep(seconds)
    cpu_used, wall = cpu_seconds() - cpu_before, time.perf_counter() - wall_before
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(f"window {wall:.1f} s: CPU {cpu_used:.2f} s = {100 * cpu_used / wall:.2f} % of one core")
    for source in MEASURED:
        status = sources.hub.status(source)
        interval = status.interval if status else None
        print(f"  {source}: every {interval:g} s, {fetches[source]} fetches in the window")
    print(f"  threads now: {len(os.listdir('/proc/self/task'))}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="the measured window (default: 60)")
    args = parser.parse_args(argv)
    print(machine())
    with (
        Exporter(error_ratio=0.02) as exporter,
        PrometheusServer(exporter.address) as prometheus,
        AlertmanagerServer() as alertmanager,
    ):
        alertmanager.post_alerts(load_alerts())
        settings = Settings(
            prometheus=PrometheusSettings(url=prometheus.url),
            alertmanager=AlertmanagerSettings(url=alertmanager.url),
        )
        asyncio.run(measure(settings, args.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
