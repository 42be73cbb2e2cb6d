"""The events and rollouts views, which take turns with the pods in the pods pane's place."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import ContentSwitcher

from modulo_watch.collectors.models import KubeEvent, Rollout, RolloutState, SourceName
from modulo_watch.tui.app import WarRoomApp
from modulo_watch.tui.panes.events import EventsPane
from modulo_watch.tui.panes.rollouts import SUSPECT_MARK, RolloutsPane, image_change
from modulo_watch.tui.screens.pod_detail import PodDetailScreen
from modulo_watch.widgets.table import VirtualTable
from tests.fakes import EPOCH
from tests.tui.support import drill_app, screen_text, wait_until


async def wait_for_data(pilot: Pilot[int], app: WarRoomApp, *sources: SourceName) -> None:
    for source in sources:
        await wait_until(pilot, partial(app.shows_data_of, source), f"{source} on screen")


def table_rows(app: WarRoomApp, table_id: str) -> list[object]:
    return list(app.query_one(f"#{table_id}", VirtualTable).rows)


def events(app: WarRoomApp) -> list[KubeEvent]:
    return [row for row in table_rows(app, "events-table") if isinstance(row, KubeEvent)]


def rollouts(app: WarRoomApp) -> list[Rollout]:
    return [row for row in table_rows(app, "rollouts-table") if isinstance(row, Rollout)]


async def test_7_shows_the_events_newest_first_and_w_keeps_the_warnings(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=9)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("7")
        assert app.query_one(ContentSwitcher).current == "events-pane"
        await wait_for_data(pilot, app, SourceName.EVENTS)
        shown = events(app)
        seen = [event.last_seen for event in shown if event.last_seen is not None]
        assert seen == sorted(seen, reverse=True)
        assert any(event.warning for event in shown) and not all(event.warning for event in shown)
        assert "BackOff" in screen_text(app)

        await pilot.press("w")
        assert events(app) and all(event.warning for event in events(app))
        assert "warnings only" in screen_text(app)

        await pilot.press("slash", *"modulo-api", "enter")
        assert events(app) and all("modulo-api" in event.involved for event in events(app))


async def test_enter_on_an_event_about_a_pod_opens_that_pods_detail(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=9)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("7")
        await wait_for_data(pilot, app, SourceName.EVENTS)
        await pilot.press("slash", *"pod/", "enter")
        first = events(app)[0]
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PodDetailScreen), "the pod detail")
        assert first.involved_name in screen_text(app)


async def test_8_shows_the_bad_rollout_as_the_suspect_of_the_error_rise(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=9)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("8")
        assert app.query_one(ContentSwitcher).current == "rollouts-pane"
        await wait_for_data(pilot, app, SourceName.ROLLOUTS, SourceName.METRICS)
        api = [rollout for rollout in rollouts(app) if rollout.deployment == "modulo-api"]
        assert api and api[0].state in (RolloutState.PROGRESSING, RolloutState.STUCK)
        suspects = app.query_one(RolloutsPane).suspects()
        assert [rollout.deployment for rollout in suspects] == ["modulo-api"]
        text = screen_text(app)
        assert "suspect" in text and SUSPECT_MARK in text

        await pilot.press("1")
        assert app.query_one(ContentSwitcher).current == "pods-pane"
        await wait_for_data(pilot, app, SourceName.EVENTS)  # told in a thread: they may come last
        # The pods pane's title still tells of the other views: warnings and suspects.
        assert app.query_one(RolloutsPane).tab_label().plain == f"8 Rollouts {SUSPECT_MARK}1"
        assert app.query_one(EventsPane).tab_label().plain.startswith("7 Events ▲")


async def test_before_the_rise_no_rollout_is_a_suspect(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=3)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("8")
        await wait_for_data(pilot, app, SourceName.ROLLOUTS, SourceName.METRICS)
        assert any(rollout.deployment == "modulo-api" for rollout in rollouts(app))
        assert app.query_one(RolloutsPane).suspects() == []


def test_image_change_names_the_tags_that_changed() -> None:
    def rollout(images: tuple[str, ...], previous: tuple[str, ...]) -> Rollout:
        return Rollout("ns", "api", "api-1", 2, images, EPOCH, 1, 1, RolloutState.COMPLETE, previous)

    assert image_change(rollout(("reg:5000/x/api:v2",), ("reg:5000/x/api:v1",))) == "api:v1 → v2"
    assert image_change(rollout(("api:v2", "reg/envoy:1"), ("api:v2",))) == "+ envoy:1"
    assert image_change(rollout(("api:v2",), ("api:v2",))) == "same images"
    assert image_change(rollout(("api:v1",), ())) == "api:v1"
