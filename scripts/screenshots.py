"""Render the war-room screen of every drill scenario to SVG, at a laptop and a wall-screen size.

Each scenario is shown at the moment its incident is at its worst, with the drill clock paused
there, so the pictures are the same on every run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from textual.pilot import Pilot

from modulo_watch.collectors.drill import load_scenario
from modulo_watch.collectors.models import MetricsSnapshot, SourceName, SourceState, SourceStatus
from modulo_watch.collectors.sources import drill_sources
from modulo_watch.config import (
    AlertmanagerSettings,
    KubernetesSettings,
    PostgresSettings,
    PrometheusSettings,
    Settings,
)
from modulo_watch.incident.journal import IncidentJournal
from modulo_watch.outbound.outbox import Delivery
from modulo_watch.tui.app import WarRoomApp
from modulo_watch.tui.screens.comms import CommsScreen
from modulo_watch.tui.screens.confirm import ConfirmScreen
from modulo_watch.tui.screens.pg_backend import BackendScreen

START = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
# Poll every half second, so the pictures are taken seconds after the clock is set.
FAST_POLLING = Settings(
    kubernetes=KubernetesSettings(interval=0.5),
    postgres=PostgresSettings(interval=0.5),
    prometheus=PrometheusSettings(interval=0.5),
    alertmanager=AlertmanagerSettings(interval=0.5),
)
SIZES = ((120, 36), (200, 55))
# scenario -> the drill minute worth showing
MOMENTS = {"bad-deploy": 12.0, "db-connections": 14.5, "node-disk-pressure": 11.5}
DEADLINE_SECONDS = 15.0
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"


def is_stale(status: SourceStatus | None) -> bool:
    return status is not None and status.state is SourceState.STALE


async def wait_for(pilot: Pilot[int], condition: Callable[[], bool], scenario: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"{scenario}: the drill's sources did not settle within {DEADLINE_SECONDS:g} s")
        await pilot.pause(0.05)


# A view: the keys that bring it up. "postgres" zooms into the pane, "backend" opens the root blocker.
VIEW_KEYS = {
    "events": ("7",),
    "rollouts": ("8",),
    "postgres": ("3", "z"),
    "backend": ("3", "home", "enter"),
    "alerts": ("5", "down", "enter"),  # the crash-loop group, opened
    "alert": ("5", "enter"),  # the critical alert's detail
    "latency": ("4", "t", "t", "v"),  # latency and request rate over 6 h
    "responder": ("6", "z"),  # the open incident's panel, zoomed: clocks, next step, checklists
    "message": ("n",),  # the INCIDENT ALERT, filled in, in its editor
    "outbox": ("6", "o"),  # after the INCIDENT ALERT went to every destination of the drill outbox
    "pagerduty": ("6", "P"),  # the PagerDuty incidents behind the firing alerts (the drill's)
}
# The lock chain of db-connections at its worst, before the blocker is terminated.
LOCK_CHAIN_MINUTE = 6.0


async def render(
    scenario: str, minute: float, size: tuple[int, int], out: Path, declare: bool, view: str = ""
) -> Path:
    """``view``: "events" or "rollouts" to show that view in the pods' place."""
    scenario_at = load_scenario(scenario)
    sources = drill_sources(scenario_at, speed=1.0, now=START, settings=FAST_POLLING)
    clock = sources.drill_clock
    assert clock is not None
    clock.pause()
    clock.jump_to(minute * 60)
    with tempfile.TemporaryDirectory() as journal_dir:
        journal = IncidentJournal(Path(journal_dir))
        if declare:
            suggested = scenario_at.incident
            journal.declare(suggested.title, suggested.severity, clock.now(), suggested.impact, drill=True)
        app = WarRoomApp(FAST_POLLING, sources, journal)
        hub = sources.hub
        async with app.run_test(size=size) as pilot:
            down = (
                sources.scenario.world_at(minute * 60, START).sources_down
                if sources.scenario
                else frozenset()
            )
            if down:
                # Show a source that is down as it really looks: stale, over its last good data.
                clock.jump_to(minute * 60 - 45)
                await wait_for(
                    pilot, lambda: all(hub.status(s) and hub.snapshot(s) for s in SourceName), scenario
                )
                clock.jump_to(minute * 60)
                await wait_for(pilot, lambda: all(is_stale(hub.status(s)) for s in down), scenario)
            await wait_for(
                pilot, lambda: all(hub.status(s) and hub.snapshot(s) for s in SourceName), scenario
            )
            await wait_for(pilot, lambda: all(app.shows_data_of(s) for s in SourceName), scenario)
            await wait_for(pilot, lambda: app.runbook is not None, scenario)
            if view == "outbox":
                await send_the_alert(pilot, app, scenario)
            if view:
                await pilot.press(*VIEW_KEYS[view])
                await wait_for(pilot, partial(detail_read, app), scenario)
            await pilot.pause()
            suffix = ("-incident" if declare else "") + (f"-{view}" if view else "")
            name = f"{scenario}{suffix}-{size[0]}x{size[1]}.svg"
            app.save_screenshot(name, path=str(out))
    return out / name


async def send_the_alert(pilot: Pilot[int], app: WarRoomApp, scenario: str) -> None:
    """``n``, ctrl+o, ``y``: the INCIDENT ALERT to every destination, delivered to the drill outbox."""
    await wait_for(pilot, lambda: app.dispatcher is not None, scenario)
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, CommsScreen), scenario)
    await pilot.press("ctrl+o")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), scenario)
    await pilot.press("y")
    sent = partial(app.outbox_of, app.incident)
    await wait_for(pilot, lambda: bool(sent()) and all(t.state is Delivery.SENT for t in sent()), scenario)


def detail_read(app: WarRoomApp) -> bool:
    """A backend's detail, once it is on screen, has been read, and the graph shows the window chosen;
    any other view is ready at once."""
    if isinstance(app.screen, BackendScreen):
        return app.screen.detail is not None
    metrics = app.sources.hub.snapshot(SourceName.METRICS)
    chosen = app.sources.graph_view.window_seconds
    return (
        isinstance(metrics, MetricsSnapshot)
        and metrics.window_seconds == chosen
        and app.shows_data_of(SourceName.METRICS)
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=SCREENSHOTS)
    args = parser.parse_args()
    os.environ["TZ"] = "UTC"
    time.tzset()
    args.out.mkdir(parents=True, exist_ok=True)
    for scenario, minute in MOMENTS.items():
        for size in SIZES:
            print(await render(scenario, minute, size, args.out, declare=False))
    print(await render("bad-deploy", MOMENTS["bad-deploy"], SIZES[0], args.out, declare=True))
    for view in ("events", "rollouts"):
        print(await render("bad-deploy", MOMENTS["bad-deploy"], SIZES[1], args.out, declare=False, view=view))
    print(
        await render("node-disk-pressure", MOMENTS["node-disk-pressure"], SIZES[1], args.out, False, "events")
    )
    for view in ("postgres", "backend"):
        print(await render("db-connections", LOCK_CHAIN_MINUTE, SIZES[1], args.out, False, view))
    for view in ("alerts", "alert", "latency"):
        print(await render("bad-deploy", MOMENTS["bad-deploy"], SIZES[1], args.out, declare=False, view=view))
    for view in ("responder", "message", "outbox", "pagerduty"):
        print(await render("bad-deploy", MOMENTS["bad-deploy"], SIZES[1], args.out, declare=True, view=view))


if __name__ == "__main__":
    asyncio.run(main())
