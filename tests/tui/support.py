"""Building the war-room app for Pilot tests, and waiting on it without sleeps."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from modulo_watch.collectors.drill import load_scenario
from modulo_watch.collectors.sources import Sources, drill_sources
from modulo_watch.config import (
    AlertmanagerSettings,
    KubernetesSettings,
    PostgresSettings,
    PrometheusSettings,
    Settings,
)
from modulo_watch.incident.journal import IncidentJournal
from modulo_watch.tui.app import WarRoomApp
from tests.fakes import EPOCH

DEADLINE_PAUSES = 500  # pauses of 20 ms: a 10 s deadline
# Sources poll every 0.2 s in tests, so a scripted change shows within a few pauses.
FAST_POLLING = Settings(
    kubernetes=KubernetesSettings(interval=0.2),
    postgres=PostgresSettings(interval=0.2),
    prometheus=PrometheusSettings(interval=0.2),
    alertmanager=AlertmanagerSettings(interval=0.2),
)


def drill_app(
    journal_dir: Path, scenario: str = "bad-deploy", minute: float = 0.0, settings: Settings | None = None
) -> WarRoomApp:
    """The real app on a real drill, its clock moved to ``minute`` and paused there."""
    settings = settings or FAST_POLLING
    sources = drill_sources(load_scenario(scenario), speed=1.0, now=EPOCH, settings=settings)
    clock = sources.drill_clock
    assert clock is not None
    clock.pause()
    clock.jump_to(minute * 60)
    return WarRoomApp(settings, sources, IncidentJournal(journal_dir))


def custom_app(journal_dir: Path, sources: Sources, settings: Settings | None = None) -> WarRoomApp:
    return WarRoomApp(settings or Settings(), sources, IncidentJournal(journal_dir))


async def wait_until(pilot: Pilot[int], condition: Callable[[], bool], what: str) -> None:
    """Let the app run until ``condition`` holds; fail with ``what`` after a deadline."""
    for _ in range(DEADLINE_PAUSES):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def screen_text(app: WarRoomApp) -> str:
    """The words on the screen, as the SVG screenshot draws them (one text run per style)."""
    svg = app.export_screenshot()
    return html.unescape(" ".join(re.findall(r">([^<>]*)</text>", svg))).replace("\xa0", " ")


async def declare(pilot: Pilot[int], app: WarRoomApp) -> None:
    """``i`` then enter: the incident the evidence (or the drill) suggests, declared."""
    from modulo_watch.tui.screens.declare import DeclareScreen

    await pilot.press("i")
    await wait_until(pilot, lambda: isinstance(app.screen, DeclareScreen), "the declare dialog")
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.incident is not None, "the incident to be declared")


async def runbook_loaded(pilot: Pilot[int], app: WarRoomApp) -> None:
    await wait_until(pilot, lambda: app.runbook is not None, "the runbook to load")
