"""The alerts pane on the drill: groups, the ack clock, acknowledge and take it back, the detail, flash."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path

from rich.text import Text
from textual import events
from textual.pilot import Pilot

from modulo_watch.collectors.models import AlertSnapshot, SourceName
from modulo_watch.config import UiSettings
from modulo_watch.incident.journal import read_entries
from modulo_watch.tui.app import WarRoomApp
from modulo_watch.tui.panes.alert_rows import column, is_group_key
from modulo_watch.tui.pg_actions import ACTIONS_OFF
from modulo_watch.tui.screens.alert_detail import AlertScreen
from modulo_watch.tui.screens.confirm import ConfirmScreen
from modulo_watch.widgets.table import VirtualTable
from modulo_watch.widgets.table_layout import Row
from tests.tui.support import FAST_POLLING, drill_app, screen_text, wait_until

STATE, NAME = column("state"), column("name")

SIZE = (200, 55)


def table(app: WarRoomApp) -> VirtualTable[Row]:
    return app.query_one("#alerts-table", VirtualTable)


def cells(app: WarRoomApp, index: int) -> list[str]:
    return [str(cell) for cell in table(app).rows[index].cells]


def pane_title(app: WarRoomApp) -> str:
    return Text.from_markup(str(app.query_one("#alerts-pane").border_title)).plain


def row_named(app: WarRoomApp, name: str) -> int:
    return next(i for i, row in enumerate(table(app).rows) if name in str(row.cells[NAME]))


async def focus_row(pilot: Pilot[int], app: WarRoomApp, name: str) -> None:
    await wait_until(pilot, partial(app.shows_data_of, SourceName.ALERTS), "the alerts on screen")
    await wait_until(pilot, lambda: any(name in str(r.cells[NAME]) for r in table(app).rows), name)
    await pilot.press("5")
    table(app).move_cursor(row_named(app, name))


async def test_alerts_are_grouped_and_a_group_opens_onto_its_alerts(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=12)
    async with app.run_test(size=SIZE) as pilot:
        await focus_row(pilot, app, "KubePodCrashLooping")
        index = row_named(app, "KubePodCrashLooping")
        assert is_group_key(table(app).rows[index].key)
        assert "4 KubePodCrashLooping" in cells(app, index)[NAME]
        title = pane_title(app)
        assert "6 firing" in title and "3 groups" in title and "critical 1" in title

        await pilot.press("enter")
        await wait_until(pilot, lambda: len(table(app).rows) == 7, "the group open")
        pods = [cells(app, index + n)[NAME].strip() for n in range(1, 5)]
        assert all(pod.startswith("pod=modulo-api-5659dd754f-") for pod in pods)
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(table(app).rows) == 3, "the group closed again")


async def test_a_critical_alert_counts_down_its_acknowledgement_then_shows_it_overdue(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=10)  # HighErrorRate started firing at minute 8
    async with app.run_test(size=SIZE) as pilot:
        await focus_row(pilot, app, "HighErrorRate")
        assert cells(app, row_named(app, "HighErrorRate"))[STATE] == "ack in 3:00"
        clock = app.sources.drill_clock
        assert clock is not None
        clock.jump_to(15 * 60)
        await wait_until(
            pilot,
            lambda: cells(app, row_named(app, "HighErrorRate"))[STATE] == "unacked 2m",
            "the clock overdue",
        )
        assert "unacked 1" in pane_title(app)


async def test_acknowledging_a_group_after_confirming_silences_it_and_is_recorded(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=12)
    async with app.run_test(size=SIZE) as pilot:
        await focus_row(pilot, app, "KubePodCrashLooping")
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        assert isinstance(app.screen, ConfirmScreen)
        question = app.screen.question.plain
        assert "Acknowledge KubePodCrashLooping (4 alerts)?" in question
        assert 'alertname="KubePodCrashLooping"' in question and "pod=" not in question
        assert "4 firing now" in question and "15m" in question
        await pilot.press("y")

        index = partial(row_named, app, "KubePodCrashLooping")
        await wait_until(pilot, lambda: cells(app, index())[STATE] == "ack 15m", "the group acknowledged")
        snapshot = app.sources.hub.snapshot(SourceName.ALERTS)
        assert isinstance(snapshot, AlertSnapshot)
        crash = [a for a in snapshot.alerts if a.name == "KubePodCrashLooping"]
        assert all(a.acknowledgement is not None for a in crash) and len(crash) == 4
        [entry] = list(read_entries(tmp_path / "actions.jsonl"))
        assert entry["action"] == "alertmanager_silence"
        assert 'alertname="KubePodCrashLooping"' in entry["target"]
        assert entry["outcome"].startswith("KubePodCrashLooping (4 alerts): acknowledged until ")

        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question to take it back")
        await pilot.press("y")
        await wait_until(
            pilot, lambda: cells(app, index())[STATE] == "firing", "the acknowledgement taken back"
        )
        entries = list(read_entries(tmp_path / "actions.jsonl"))
        assert [e["action"] for e in entries] == ["alertmanager_silence", "alertmanager_expire_silence"]


async def test_no_leaves_the_alert_unacknowledged(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=10)
    async with app.run_test(size=SIZE) as pilot:
        await focus_row(pilot, app, "HighErrorRate")
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await pilot.press("n")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), "the question gone")
        assert app.sources.scenario is not None and app.sources.scenario.actions_taken == 0
        assert not (tmp_path / "actions.jsonl").exists()


async def test_with_actions_off_acknowledging_says_how_to_enable_them(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=10)
    app.sources.actions_enabled = False
    async with app.run_test(size=SIZE) as pilot:
        await focus_row(pilot, app, "HighErrorRate")
        await pilot.press("a")
        await wait_until(pilot, lambda: bool(app._notifications), "a notification")
        assert [n.message for n in app._notifications] == [ACTIONS_OFF]
        assert not isinstance(app.screen, ConfirmScreen)


async def test_enter_on_an_alert_shows_its_runbook_labels_and_acknowledgement_clock(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=10)
    async with app.run_test(size=SIZE) as pilot:
        await focus_row(pilot, app, "HighErrorRate")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AlertScreen), "the alert's detail")
        text = screen_text(app)
        assert "HighErrorRate" in text and "ack in 3:00" in text, text
        assert "https://wiki.modulo.example.com/runbooks/high-error-rate" in text
        assert "service" in text and "modulo-api" in text, "its labels"
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await pilot.press("y")
        await wait_until(pilot, lambda: "ack 15m" in screen_text(app), "acknowledged, in the detail")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, AlertScreen), "back to the war room")


async def test_a_new_alert_flashes_and_rings_the_bell_when_asked(tmp_path: Path) -> None:
    settings = replace(FAST_POLLING, ui=UiSettings(bell=True))
    app = drill_app(tmp_path, minute=7.9, settings=settings)  # HighErrorRate fires at minute 8
    rings: list[None] = []
    app.bell = lambda: rings.append(None)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, partial(app.shows_data_of, SourceName.ALERTS), "the first alerts")
        assert not any(row.style for row in table(app).rows), "what fires at start is not new"
        clock = app.sources.drill_clock
        assert clock is not None
        clock.jump_to(8.1 * 60)
        await wait_until(
            pilot, lambda: any("HighErrorRate" in str(r.cells[NAME]) for r in table(app).rows), "it fires"
        )
        assert table(app).rows[row_named(app, "HighErrorRate")].style == "reverse"
        assert rings == [None]


async def test_a_pane_key_typed_right_after_its_focus_key_reaches_the_pane(tmp_path: Path) -> None:
    # "5a" in one burst: the focus moves before "a" is read, so the alert is acknowledged, not the incident.
    app = drill_app(tmp_path, minute=10)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, partial(app.shows_data_of, SourceName.ALERTS), "the alerts on screen")
        app.post_message(events.Key("5", "5"))
        app.post_message(events.Key("a", "a"))
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the acknowledge question")
