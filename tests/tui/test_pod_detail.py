"""The pod detail screen, driven through Pilot on a real drill (and on a hostile inspector)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import timedelta
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from modulo_watch.collectors.clock import SystemClock
from modulo_watch.collectors.hub import Hub
from modulo_watch.collectors.inspect import (
    LOG_TAIL,
    ContainerDetail,
    ContainerState,
    LogLine,
    PodCondition,
    PodDetail,
)
from modulo_watch.collectors.models import KubeEvent, Pod, PodSnapshot, SourceName
from modulo_watch.collectors.sources import OnFirstUse, Sources
from modulo_watch.tui.app import WarRoomApp
from modulo_watch.tui.keys import unknown_keymap_ids
from modulo_watch.tui.screens.pod_detail import PodDetailScreen, short_names
from modulo_watch.widgets.filter_bar import FilterBar
from modulo_watch.widgets.log_view import LogView
from modulo_watch.widgets.table import VirtualTable
from tests.fakes import EPOCH
from tests.hostile import FORBIDDEN_OUTPUT, HOSTILE_STRINGS
from tests.tui.support import custom_app, drill_app, screen_text, wait_until
from tests.tui.test_hostile import terminal_output

SIZE = (160, 48)


def pods_table(app: WarRoomApp) -> VirtualTable[Pod]:
    return app.query_one("#pods-pane").query_one(VirtualTable)


async def open_detail(pilot: Pilot[int], app: WarRoomApp, name_filter: str = "") -> PodDetailScreen:
    """Enter on the first pod (of those matching ``name_filter``); the screen once its log has lines."""
    await wait_until(pilot, lambda: len(pods_table(app).rows) > 20, "pods to arrive")
    if name_filter:
        await pilot.press("slash", *name_filter, "enter")
        await wait_until(pilot, lambda: len(pods_table(app).rows) < 20, "the filter")
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, PodDetailScreen), "the pod detail")
    screen = app.screen
    assert isinstance(screen, PodDetailScreen)
    await wait_until(pilot, lambda: log_view(screen).line_count > 0, "the log")
    return screen


def log_view(screen: PodDetailScreen) -> LogView:
    return screen.query_one(LogView)


def log_texts(screen: PodDetailScreen) -> list[str]:
    return [line.text for line in log_view(screen).lines]


def status_line(screen: PodDetailScreen) -> str:
    return str(screen.query_one("#pod-detail-log-status").render())


async def test_enter_on_a_crash_looping_pod_shows_why_it_crashes_and_escape_returns(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=12)
    async with app.run_test(size=SIZE) as pilot:
        crashing = pods_table(app)
        screen = await open_detail(pilot, app)
        assert crashing.cursor_row is not None and crashing.cursor_row.status == "CrashLoopBackOff"
        detail = screen.detail
        assert detail is not None and detail.name.startswith("modulo-api-")
        last = detail.containers[0].last_state
        assert last is not None and last.reason in ("OOMKilled", "Error")
        text = screen_text(app)
        for expected in (
            "CrashLoopBackOff",
            "Last State",
            last.reason,
            f"exit code {last.exit_code}",
            "BackOff",
        ):
            assert expected in text, expected
        assert 'msg="starting modulo-api" version=v2.14.0' in log_texts(screen)[0]
        assert "modulo-api" in status_line(screen)

        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, PodDetailScreen), "the war room")
        assert app.focused is crashing, "back on the pods table"


async def test_p_shows_the_previous_container_and_back(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=12)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, app)
        current = log_view(screen).lines
        await pilot.press("p")
        await wait_until(
            pilot, lambda: screen.previous and log_view(screen).lines != current, "the previous log"
        )
        await wait_until(pilot, lambda: log_view(screen).line_count > 0, "its lines")
        previous = log_view(screen).lines
        assert previous[-1].timestamp is not None and current[0].timestamp is not None
        assert previous[-1].timestamp < current[0].timestamp
        assert "previous container" in status_line(screen)
        await pilot.press("p")
        await wait_until(pilot, lambda: log_view(screen).lines == current, "the current log again")


async def test_follow_appends_as_the_drill_clock_moves(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=12)
    clock = app.sources.drill_clock
    assert clock is not None
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, app, name_filter="ingress")
        assert log_view(screen).line_count == LOG_TAIL
        newest = log_view(screen).lines[-1].timestamp
        await pilot.press("f")
        await wait_until(pilot, lambda: "following" in status_line(screen), "following")
        clock.jump_to(12 * 60 + 45)
        await wait_until(pilot, lambda: log_view(screen).line_count > LOG_TAIL + 5, "new lines")
        lines = log_view(screen).lines
        assert newest is not None and all(
            line.timestamp and line.timestamp > newest for line in lines[LOG_TAIL:]
        )
        assert len({(line.timestamp, line.text) for line in lines}) == len(lines), "no line twice"
        assert log_view(screen).following, "the view stays at the bottom"

        await pilot.press("f")
        count = log_view(screen).line_count
        clock.jump_to(13 * 60 + 30)
        await pilot.pause(0.3)
        assert log_view(screen).line_count == count, "no more lines once follow is off"


async def test_search_highlights_matches_and_n_walks_them(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=12)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, app, name_filter="ingress")
        view = log_view(screen)
        await pilot.press("slash", *"api/orders", "enter")
        await wait_until(pilot, lambda: view.match_count > 1, "matches")
        assert isinstance(app.focused, LogView), "enter hands the keys back to the log"
        assert view.match_position == view.match_count, "the newest match first"
        assert f"{view.match_count} of {view.match_count}" in status_line(screen)

        await pilot.press("N")
        assert view.match_position == view.match_count - 1
        await pilot.press("n", "n")
        assert view.match_position == 1, "wraps around to the oldest"

        output = terminal_output(app)
        highlighted = view.get_component_rich_style("log-view--current")
        assert highlighted.bgcolor is not None
        assert "api/orders" in output

        await pilot.press("slash", "escape")
        await wait_until(pilot, lambda: view.match_count == 0, "the search to clear")


async def test_c_cycles_containers_and_l_interleaves_every_pod_of_the_app(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=12)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, app)
        await pilot.press("c")
        await wait_until(
            pilot, lambda: screen.container == "envoy" and log_view(screen).line_count > 0, "envoy"
        )
        assert {line.container for line in log_view(screen).lines} == {"envoy"}

        await pilot.press("l")
        await wait_until(pilot, lambda: len({line.pod for line in log_view(screen).lines}) > 3, "every pod")
        assert "all 6 pods of app=modulo-api" in status_line(screen)
        stamps = [line.timestamp for line in log_view(screen).lines if line.timestamp]
        assert stamps == sorted(stamps)
        labels = screen_text(app)
        assert any(
            short in labels for short in short_names([line.pod for line in log_view(screen).lines]).values()
        )


async def test_a_pod_that_goes_away_keeps_its_last_detail_marked_stale(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=12)
    clock = app.sources.drill_clock
    assert clock is not None
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, app)
        detail = screen.detail
        clock.jump_to(25 * 60)  # rolled back at 18m: the crashing pods are long gone
        screen.refresh_detail()
        panel = screen.query_one("#pod-detail-describe")
        await wait_until(pilot, lambda: "not refreshed" in str(panel.border_subtitle), "the stale mark")
        assert "not found" in str(panel.border_subtitle)
        assert screen.detail is detail and "CrashLoopBackOff" in screen_text(app), "the last detail stays"


async def test_keys_are_listed_and_can_be_rebound_by_id(tmp_path: Path) -> None:
    assert unknown_keymap_ids({"pod-detail-follow": "F", "pod-detail-all-pods": "a"}) == []
    app = drill_app(tmp_path, minute=12)
    async with app.run_test(size=SIZE) as pilot:
        await open_detail(pilot, app)
        footer = screen_text(app)
        for key in ("Follow", "Previous", "Container", "All pods", "Search", "Back"):
            assert key in footer, key
        await pilot.press("q")
        await wait_until(pilot, lambda: not isinstance(app.screen, PodDetailScreen), "q to close it")
        assert app.is_running, "q on the detail closes it; it does not quit"


async def test_without_an_inspector_enter_says_so(tmp_path: Path) -> None:
    hub = Hub()
    hub.publish_snapshot(SourceName.PODS, PodSnapshot(EPOCH, (Pod("ns", "a", 1, 1, "Running", 0, EPOCH),)))
    app = custom_app(tmp_path, Sources(hub=hub, clock=SystemClock()))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(pods_table(app).rows) == 1, "the pod")
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(app._notifications), "a notification")
        assert not isinstance(app.screen, PodDetailScreen)


# --- hostile text --------------------------------------------------------------------------------------


class HostileInspector:
    """Every string it returns is the hostile one."""

    def __init__(self, text: str) -> None:
        self.text = text

    async def describe(self, namespace: str, name: str) -> PodDetail:
        t, now = self.text, EPOCH
        state = ContainerState("Waiting", t, t, 137, 9, now, now)
        container = ContainerDetail(t, t, False, 3, state, state, ((t, t),), ((t, t),))
        event = KubeEvent(t, t, "Warning", t, t, "Pod", t, 4, now, now, t)
        return PodDetail(
            namespace=t,
            name=t,
            status=t,
            phase=t,
            ready=t,
            restarts=1,
            node=t,
            created_at=now - timedelta(hours=1),
            start_time=now,
            host_ip=t,
            pod_ips=(t,),
            qos_class=t,
            labels=((t, t), ("app", t)),
            owner=t,
            reason=t,
            message=t,
            conditions=(PodCondition(t, t, t, t, now),),
            init_containers=(container,),
            containers=(container,),
            events=(event,),
            events_error="",
            default_container=t,
        )

    async def logs(
        self,
        namespace: str,
        name: str,
        *,
        container: str | None = None,
        tail: int | None = LOG_TAIL,
        previous: bool = False,
        follow: bool = False,
        since: object = None,
    ) -> AsyncGenerator[LogLine, None]:
        for offset in range(3):
            yield LogLine(self.text, self.text, self.text, EPOCH + timedelta(seconds=offset))
        yield LogLine(self.text, self.text, self.text, note=True)

    async def selector_pods(self, namespace: str, selector: str) -> list[str]:
        return [self.text, f"{self.text}-2"]

    async def aclose(self) -> None:
        """Nothing to close."""


@pytest.mark.parametrize("index", range(len(HOSTILE_STRINGS)))
async def test_hostile_text_in_the_detail_and_the_log_is_inert(tmp_path: Path, index: int) -> None:
    text = HOSTILE_STRINGS[index]
    hub = Hub()
    hub.publish_snapshot(SourceName.PODS, PodSnapshot(EPOCH, (Pod("ns", "pod", 0, 1, "Error", 3, EPOCH),)))
    sources = Sources(hub=hub, clock=SystemClock(), pod_inspectors=OnFirstUse(lambda: HostileInspector(text)))
    app = custom_app(tmp_path, sources)
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_until(pilot, lambda: len(pods_table(app).rows) == 1, "the pod")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PodDetailScreen), "the pod detail")
        screen = app.screen
        assert isinstance(screen, PodDetailScreen)
        await wait_until(pilot, lambda: screen.detail is not None and log_view(screen).line_count == 4, "it")
        output = terminal_output(app)
        await pilot.press("l")  # every pod: their names as line labels
        # Three pods of four lines; an empty app label selects no pods, which one note line says.
        await wait_until(pilot, lambda: log_view(screen).line_count == (12 if text else 1), "every pod")
        # A search for it: highlighted in the log, quoted in the status line.
        screen.post_message(FilterBar.Filtered(screen.query_one(FilterBar), text))
        await wait_until(pilot, lambda: screen.search_text == text, "the search")
        output += terminal_output(app)

    for forbidden in FORBIDDEN_OUTPUT:
        assert forbidden not in output, f"{forbidden!r} reached the terminal from {text[:40]!r}"
    assert "\x00" not in output
    if "[bold red]" in text:
        assert "[bold red]x[/]" in output, "markup is shown literally, not interpreted"


# --- the log widget ------------------------------------------------------------------------------------


class LogApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LogView(max_lines=1000)


def numbered(first: int, count: int) -> list[LogLine]:
    return [LogLine("p", "c", f"line {n}", EPOCH + timedelta(seconds=n)) for n in range(first, first + count)]


async def test_the_log_is_bounded_follows_the_bottom_and_keeps_a_reader_in_place() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.query_one(LogView)
        view.append(numbered(0, 1200))
        await pilot.pause()
        assert (view.line_count, view.dropped) == (1000, 200)
        assert view.lines[0].text == "line 200" and view.following
        assert round(view.scroll_y) == view.max_scroll_y, "at the bottom, new lines scroll into view"

        view.scroll_to(y=300, animate=False)
        await pilot.pause()
        assert not view.following
        reading = view.lines[round(view.scroll_y)].text
        view.append(numbered(1200, 50))
        await pilot.pause()
        assert view.lines[round(view.scroll_y)].text == reading, "scrolled up: the same lines stay in view"

        view.search("LINE 12")  # case-insensitive; only the lines kept can match
        assert view.match_count == len([n for n in range(250, 1250) if "line 12" in f"line {n}"])
        assert view.match_position == view.match_count
        view.next_match()
        assert view.match_position == 1


async def test_a_huge_burst_keeps_only_what_fits() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.query_one(LogView)
        view.append(numbered(0, 5000))
        await pilot.pause()
        assert (view.line_count, view.dropped, view.lines[0].text) == (1000, 4000, "line 4000")
