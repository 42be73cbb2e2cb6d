"""The war-room screen, driven through Pilot on a real drill."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandPalette
from textual.widget import Widget
from textual.widgets import Static

from modulo_watch.collectors.models import PodSnapshot, SourceName, SourceState
from modulo_watch.config import Settings, UiSettings
from modulo_watch.incident.journal import IncidentJournal
from modulo_watch.tui.app import WarRoomApp, ui_settings_problem
from modulo_watch.tui.keys import KUBE_VIEWS, PANE_ORDER
from modulo_watch.tui.panes.error_rate import ErrorRatePane
from modulo_watch.tui.screens.confirm import ConfirmScreen
from modulo_watch.tui.screens.help import HelpScreen
from modulo_watch.tui.screens.resolve import ResolveScreen
from modulo_watch.widgets.table import VirtualTable
from tests.tui.support import declare, drill_app, screen_text, wait_until

SIZE = (160, 48)


def table_keys(app: WarRoomApp, pane: str) -> list[str]:
    table = app.query_one(f"#{pane}-pane").query_one(VirtualTable)
    return [row.key for row in table.rows]


def region_of(app: WarRoomApp, widget: Widget | None) -> str | None:
    while widget is not None:
        if widget.id and widget.id.endswith("-pane"):
            return widget.id.removesuffix("-pane")
        widget = widget.parent if isinstance(widget.parent, Widget) else None
    return None


async def test_first_frame_has_every_region_and_says_drill(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for pane in PANE_ORDER:
            # Events and rollouts wait behind the pods until their key is pressed.
            visible = pane not in KUBE_VIEWS or pane == "pods"
            assert (app.query_one(f"#{pane}-pane").region.area > 0) == visible, pane
        top_bar = str(app.query_one("#top-bar").render())
        assert "DRILL" in top_bar
        assert "Bad deploy of modulo-api" in top_bar


async def test_drill_data_reaches_the_panes(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=12)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(table_keys(app, "alerts")) >= 3, "alerts to arrive")
        await wait_until(pilot, lambda: len(table_keys(app, "pods")) > 20, "pods to arrive")
        first_pod = table_keys(app, "pods")[0]
        assert first_pod.startswith("modulo/modulo-api-"), "a crash-looping pod sorts first"
        pods_title = str(app.query_one("#pods-pane").border_title)
        assert "CrashLoopBackOff" in pods_title
        assert app.sources.hub.status(SourceName.PODS) is not None


async def test_number_keys_focus_each_pane(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        for number, pane in enumerate(PANE_ORDER, start=1):
            await pilot.press(str(number))
            assert region_of(app, app.focused) == pane


async def test_z_maximises_the_focused_pane_and_back(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3", "z")
        assert app.screen.maximized is app.query_one("#postgres-pane")
        assert app.query_one("#postgres-pane").region.width == SIZE[0]
        await pilot.press("z")
        assert app.screen.maximized is None
        await pilot.press("z", "escape")
        assert app.screen.maximized is None, "escape restores too"


async def test_help_lists_every_key_and_closes(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        help_screen = app.screen
        await wait_until(pilot, lambda: help_screen.query_one(Static).region.height > 10, "the key list")
        text = screen_text(app)
        for binding_id in (
            "focus-pods",
            "maximize",
            "declare-incident",
            "drill-pause",
            "quit",
            "command-palette",
        ):
            assert binding_id in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_ctrl_p_opens_the_command_palette(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)


async def test_q_quits_at_once_without_an_incident(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
    assert app._exit_renderables == []


async def test_q_asks_first_while_an_incident_is_open(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=9)
    async with app.run_test(size=SIZE) as pilot:
        await declare(pilot, app)
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the quit question")
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the quit question")
        await pilot.press("y")
        await wait_until(pilot, lambda: not app.is_running, "the app to exit")
    assert app.return_code == 0


async def test_declared_incident_is_journaled_and_resumes(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=9)
    async with app.run_test(size=SIZE) as pilot:
        await declare(pilot, app)
        incident = app.incident
        assert incident is not None
        assert incident.severity == "P1", "the scenario's suggestion is the default"
        assert incident.drill
        await pilot.press("a")
        assert app.incident is not None and app.incident.acknowledged_at is not None
        assert "DRILL" in str(app.query_one("#responder-body").render())

    resumed = IncidentJournal(tmp_path).resume()
    assert resumed is not None
    assert resumed.id == incident.id
    assert resumed.acknowledged_at is not None

    second = drill_app(tmp_path, minute=9)
    async with second.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert second.incident == resumed
        assert incident.id in str(second.query_one("#top-bar").render())


async def test_resolving_closes_the_incident_after_confirmation(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=9)
    async with app.run_test(size=SIZE) as pilot:
        await declare(pilot, app)
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ResolveScreen), "the resolve dialog")
        await pilot.press(*"rolled back", "enter")  # the evidence disagrees at minute 9: a reason is asked
        await pilot.press(*"practice", "enter")
        await wait_until(pilot, lambda: app.incident is None, "the incident to resolve")
    assert IncidentJournal(tmp_path).resume() is None


async def test_p_pauses_and_resumes_the_drill_clock(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    clock = app.sources.drill_clock
    assert clock is not None
    clock.resume()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        assert clock.paused
        assert "PAUSED" in str(app.query_one("#top-bar").render())
        await pilot.press("p")
        assert not clock.paused


async def test_a_source_going_down_turns_stale_keeps_its_data_and_recovers(tmp_path: Path) -> None:
    # bad-deploy takes the metrics source down from 10m to 11m30s.
    app = drill_app(tmp_path, minute=9.9)
    clock = app.sources.drill_clock
    assert clock is not None
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one("#error-rate-pane", ErrorRatePane)

        def state() -> SourceState | None:
            status = app.sources.hub.status(SourceName.METRICS)
            return None if status is None else status.state

        await wait_until(pilot, lambda: state() is SourceState.LIVE, "metrics to be live")
        graph_before = app.sources.hub.snapshot(SourceName.METRICS)

        clock.jump_to(10.5 * 60)
        await wait_until(pilot, lambda: state() is SourceState.STALE, "metrics to go stale")
        await wait_until(pilot, lambda: pane.has_class("-stale"), "the pane to show it")
        assert "stale since" in str(pane.border_subtitle)
        assert app.sources.hub.snapshot(SourceName.METRICS) is graph_before, "the last good data stays"
        assert app.sources.hub.status(SourceName.PODS).state is SourceState.LIVE  # type: ignore[union-attr]

        clock.jump_to(11.75 * 60)
        await wait_until(pilot, lambda: state() is SourceState.LIVE, "metrics to recover")
        await wait_until(pilot, lambda: not pane.has_class("-stale"), "the pane to show it")
        assert "live" in str(pane.border_subtitle)


async def test_keymap_from_the_config_rebinds_by_id(tmp_path: Path) -> None:
    settings = Settings(ui=UiSettings(keymap=(("maximize", "m"),)))
    app = drill_app(tmp_path, settings=settings)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1", "m")
        assert app.screen.maximized is app.query_one("#pods-pane")
        await pilot.press("m", "z")
        assert app.screen.maximized is None, "z no longer maximises"


async def test_layout_fits_the_smallest_and_largest_terminals(tmp_path: Path) -> None:
    for size in ((80, 24), (250, 70)):
        app = drill_app(tmp_path, minute=12)
        async with app.run_test(size=size) as pilot:
            for number, pane in enumerate(PANE_ORDER, start=1):
                await pilot.press(str(number))  # events and rollouts show in the pods' place
                region = app.query_one(f"#{pane}-pane").region
                assert region.width >= 20 and region.height >= 4, (size, pane, region)
                assert region.right <= size[0] and region.bottom <= size[1], (size, pane, region)


def test_unknown_theme_or_keymap_id_is_one_clear_line() -> None:
    assert ui_settings_problem(Settings()) is None
    theme = ui_settings_problem(Settings(ui=UiSettings(theme="nope")))
    assert theme is not None and "ui.theme" in theme and "textual-dark" in theme
    keymap = ui_settings_problem(Settings(ui=UiSettings(keymap=(("zoom", "m"),))))
    assert keymap is not None and "ui.keymap" in keymap and "'zoom'" in keymap


def keys_of_every_pod(app: WarRoomApp) -> list[str]:
    snapshot = app.sources.hub.snapshot(SourceName.PODS)
    assert isinstance(snapshot, PodSnapshot)
    return [pod.key for pod in snapshot.pods]


async def test_slash_filters_pods_and_f_shows_faults_only(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=12)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(table_keys(app, "pods")) > 20, "pods to arrive")
        total = len(table_keys(app, "pods"))

        await pilot.press("1", "f")
        faults = table_keys(app, "pods")
        assert 0 < len(faults) < total
        assert all(key.startswith("modulo/modulo-api-") for key in faults)
        assert "faults only" in str(app.query_one("#pods-pane").border_title)
        await pilot.press("f")
        assert len(table_keys(app, "pods")) == total

        await pilot.press("slash", *"crashl")
        assert set(table_keys(app, "pods")) == set(faults), "statuses match too, in any case"
        await pilot.press(*["backspace"] * 6, *"coredns-x", "backspace", "backspace")
        coredns = {key for key in keys_of_every_pod(app) if "coredns" in key}
        assert coredns and set(table_keys(app, "pods")) == coredns, "a shorter filter shows more again"
        await pilot.press("enter")
        assert isinstance(app.focused, VirtualTable), "enter keeps the filter and goes back to the rows"
        assert all("coredns" in key for key in table_keys(app, "pods"))

        await pilot.press("slash", "escape")
        assert len(table_keys(app, "pods")) == total, "escape clears the filter"
