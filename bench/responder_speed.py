"""Responder speed: keys and drill seconds from the first critical alert to the INCIDENT ALERT on the
clipboard, and keys from "resolved" to the postmortem draft on disk.

A Pilot script drives the real app on the bad-deploy drill, its clock running at the drill's own pace from
just before the first critical alert (HighErrorRate at 8m). It waits until the alert is on screen, then does
what a responder does, counting every key: declare (the suggested severity preselected), acknowledge, open the
INCIDENT ALERT, copy it. Then it resolves (with the reason the evidence asks for at that point of the drill)
and exports the postmortem, counting the keys from the moment the incident is resolved.

Prints figures and asserts nothing. Run it from the repository root:
`.venv/bin/python -m bench.responder_speed`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from textual.pilot import Pilot

from modulo_watch.collectors.drill import load_scenario
from modulo_watch.collectors.models import AlertSnapshot, AlertState, SourceName
from modulo_watch.collectors.sources import drill_sources
from modulo_watch.config import Settings
from modulo_watch.incident.journal import IncidentJournal
from modulo_watch.incident.postmortem import postmortem_path
from modulo_watch.tui.app import WarRoomApp
from modulo_watch.tui.screens.comms import CommsScreen, TextViewScreen
from modulo_watch.tui.screens.declare import DeclareScreen
from modulo_watch.tui.screens.resolve import ResolveScreen

START_AT = 7 * 60 + 50  # drill seconds: ten before HighErrorRate fires
DEADLINE = 30.0  # seconds of waiting for any one step


class Keys:
    """The pilot's keys, counted."""

    def __init__(self, pilot: Pilot[int]) -> None:
        self.pilot = pilot
        self.count = 0

    async def press(self, *keys: str) -> None:
        self.count += len(keys)
        await self.pilot.press(*keys)


async def until(pilot: Pilot[int], condition: object, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while not condition():  # type: ignore[operator]
        if loop.time() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await pilot.pause(0.01)


def critical_firing(app: WarRoomApp) -> bool:
    snapshot = app.sources.hub.snapshot(SourceName.ALERTS)
    return (
        isinstance(snapshot, AlertSnapshot)
        and app.shows_data_of(SourceName.ALERTS)
        and any(a.severity == "critical" and a.state == AlertState.ACTIVE for a in snapshot.alerts)
    )


async def one_run(journal_dir: Path) -> tuple[int, float, int, str]:
    """(keys to the clipboard, drill seconds to the clipboard, keys from resolved to the postmortem,
    the severity declared)."""
    sources = drill_sources(
        load_scenario("bad-deploy"), speed=1.0, now=datetime.now(UTC), settings=Settings()
    )
    clock = sources.drill_clock
    assert clock is not None
    clock.jump_to(START_AT)
    app = WarRoomApp(Settings(), sources, IncidentJournal(journal_dir))
    async with app.run_test(size=(160, 48)) as pilot:
        keys = Keys(pilot)
        await until(pilot, lambda: app.runbook is not None, "the runbook")
        await until(pilot, lambda: critical_firing(app), "the first critical alert on screen")
        fired_at = clock.elapsed
        await keys.press("i")
        await until(pilot, lambda: isinstance(app.screen, DeclareScreen), "the declare dialog")
        await keys.press("enter")
        await until(pilot, lambda: app.incident is not None, "the declaration")
        await keys.press("a")
        await keys.press("n")
        await until(pilot, lambda: isinstance(app.screen, CommsScreen), "the INCIDENT ALERT")
        await keys.press("ctrl+s")
        await until(pilot, lambda: "INCIDENT ALERT" in app.clipboard, "the clipboard")
        to_clipboard, seconds = keys.count, clock.elapsed - fired_at
        incident = app.incident
        assert incident is not None and incident.acknowledged_at is not None

        await until(pilot, lambda: isinstance(app.screen, TextViewScreen), "the plain view")
        await pilot.press("escape", "r")
        await until(pilot, lambda: isinstance(app.screen, ResolveScreen), "the resolve dialog")
        await pilot.press(*"rolled back", "enter", *"benchmark", "enter")
        await until(pilot, lambda: app.resolved_incident is not None, "the resolution")
        keys.count = 0
        await keys.press("x")
        await until(pilot, lambda: postmortem_path(journal_dir, incident.id).exists(), "the postmortem")
        return to_clipboard, seconds, keys.count, incident.severity


async def main(runs: int) -> None:
    results = []
    for number in range(1, runs + 1):
        with tempfile.TemporaryDirectory() as directory:
            keys, seconds, postmortem_keys, severity = await one_run(Path(directory))
        results.append((keys, seconds, postmortem_keys))
        print(
            f"run {number}: {severity} declared and acknowledged; {keys} keys and {seconds:.1f} drill seconds"
            " from the critical alert to the INCIDENT ALERT on the clipboard;"
            f" {postmortem_keys} key(s) from resolved to the postmortem"
        )
    drill_seconds = [result[1] for result in results]
    print(
        f"keys to clipboard: {max(r[0] for r in results)} (goal <= 12); drill seconds median"
        f" {statistics.median(drill_seconds):.1f}, max {max(drill_seconds):.1f} (goal <= 60);"
        f" keys resolved -> postmortem: {max(r[2] for r in results)} (goal <= 5)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    asyncio.run(main(parser.parse_args().runs))
