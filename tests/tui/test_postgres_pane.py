"""The Postgres pane: the blocking chains as a tree, its views, a backend's detail, cancel and terminate."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from textual.pilot import Pilot

from modulo_watch.collectors.models import PgBackend, PgSnapshot, SourceName
from modulo_watch.incident.journal import read_entries
from modulo_watch.tui.app import WarRoomApp
from modulo_watch.tui.panes.postgres import row_pid
from modulo_watch.tui.pg_actions import ACTIONS_OFF
from modulo_watch.tui.screens.confirm import ConfirmScreen
from modulo_watch.tui.screens.pg_backend import BackendScreen
from modulo_watch.widgets.table import VirtualTable
from modulo_watch.widgets.table_layout import Row
from tests.fakes import EPOCH
from tests.tui.support import drill_app, screen_text, wait_until


async def test_the_lock_chain_of_the_drill_is_a_tree_under_its_root_blocker(tmp_path: Path) -> None:
    app = drill_app(tmp_path, scenario="db-connections", minute=12)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, partial(app.shows_data_of, SourceName.POSTGRES), "postgres on screen")
        table: VirtualTable[Row] = app.query_one("#postgres-table", VirtualTable)
        pids = [str(row.cells[0]) for row in table.rows]
        waits = [str(row.cells[2]) for row in table.rows]
        assert not pids[0].startswith(" ") and "└" not in pids[0], "a root blocker comes first"
        assert waits[0].startswith("▲ blocks ")
        assert all("└" in pid for pid in pids[1:5]), "its waiters are drawn beneath it"
        assert any(pid.startswith("  └") for pid in pids), "and theirs, one level deeper"


def pane_pids(app: WarRoomApp) -> list[int]:
    table: VirtualTable[Row] = app.query_one("#postgres-table", VirtualTable)
    return [row_pid(row.key) for row in table.rows]


def root_blocker(app: WarRoomApp) -> PgBackend:
    snapshot = app.sources.hub.snapshot(SourceName.POSTGRES)
    assert isinstance(snapshot, PgSnapshot)
    return next(b for b in snapshot.backends if b.pid == pane_pids(app)[0])


async def focus_the_chain(pilot: Pilot[int], app: WarRoomApp) -> PgBackend:
    await wait_until(pilot, partial(app.shows_data_of, SourceName.POSTGRES), "postgres on screen")
    await pilot.press("3", "home")
    return root_blocker(app)


async def test_enter_on_the_root_blocker_shows_its_locks_waiters_and_query(tmp_path: Path) -> None:
    app = drill_app(tmp_path, scenario="db-connections", minute=6)
    async with app.run_test(size=(160, 48)) as pilot:
        root = await focus_the_chain(pilot, app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, BackendScreen), "the backend's detail")
        screen = app.screen
        assert isinstance(screen, BackendScreen)
        await wait_until(pilot, lambda: screen.detail is not None, "its detail read")

        text = screen_text(app)
        assert f"backend {root.pid}" in text
        assert "RowExclusiveLock" in text and "orders" in text, "the lock it holds on the table"
        assert "blocks " in text
        assert "UPDATE orders SET archived = true" in text, "its whole query"
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, BackendScreen), "back to the war room")


async def test_terminating_the_root_blocker_after_confirming_drains_its_chain_and_is_recorded(
    tmp_path: Path,
) -> None:
    app = drill_app(tmp_path, scenario="db-connections", minute=6)
    async with app.run_test(size=(160, 48)) as pilot:
        root = await focus_the_chain(pilot, app)
        await pilot.press("K")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        question = screen_text(app)
        assert f"Terminate backend {root.pid}?" in question
        assert root.user in question and "UPDATE orders SET archived" in question
        await pilot.press("y")

        await wait_until(pilot, lambda: root.pid not in pane_pids(app), "the root blocker gone")
        snapshot = app.sources.hub.snapshot(SourceName.POSTGRES)
        assert isinstance(snapshot, PgSnapshot) and snapshot.waiting == 0, "its waiters went through"
        [entry] = list(read_entries(tmp_path / "actions.jsonl"))
        assert entry["action"] == "pg_terminate_backend"
        assert f"pid {root.pid}" in entry["target"] and entry["outcome"] == f"Backend {root.pid} terminated"


async def test_no_is_the_answer_that_leaves_the_backend_alone(tmp_path: Path) -> None:
    app = drill_app(tmp_path, scenario="db-connections", minute=6)
    async with app.run_test(size=(160, 48)) as pilot:
        root = await focus_the_chain(pilot, app)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await pilot.press("n")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), "the question gone")

        assert pane_pids(app)[0] == root.pid
        assert not (tmp_path / "actions.jsonl").exists()


async def test_with_actions_off_nothing_is_asked_and_the_responder_is_told_why(tmp_path: Path) -> None:
    app = drill_app(tmp_path, scenario="db-connections", minute=6)
    app.sources.actions_enabled = False
    async with app.run_test(size=(160, 48)) as pilot:
        await focus_the_chain(pilot, app)
        await pilot.press("K")
        await wait_until(pilot, lambda: bool(app._notifications), "a notification")

        assert [n.message for n in app._notifications] == [ACTIONS_OFF]
        assert not isinstance(app.screen, ConfirmScreen)


async def test_e_shows_idle_backends_s_sorts_by_state_and_slash_filters(tmp_path: Path) -> None:
    app = drill_app(tmp_path, scenario="db-connections", minute=1)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, partial(app.shows_data_of, SourceName.POSTGRES), "postgres on screen")
        snapshot = app.sources.hub.snapshot(SourceName.POSTGRES)
        assert isinstance(snapshot, PgSnapshot)
        states = {b.pid: b.state for b in snapshot.backends}
        await pilot.press("3")
        assert all(states[pid] != "idle" for pid in pane_pids(app))

        await pilot.press("e")
        assert sorted(pane_pids(app)) == sorted(states), "every backend, the idle ones too"
        await pilot.press("s")
        shown = [states[pid] for pid in pane_pids(app)]
        assert shown.index("active") < shown.index("idle in transaction") < shown.index("idle")

        await pilot.press("slash", *"modulo_worker", "enter")
        users = {b.pid: b.user for b in snapshot.backends}
        assert pane_pids(app) and all(users[pid] == "modulo_worker" for pid in pane_pids(app))


async def test_with_an_incident_open_the_action_goes_on_its_timeline(tmp_path: Path) -> None:
    app = drill_app(tmp_path, scenario="db-connections", minute=6)
    incident = app.journal.declare("Orders locked", "P1", EPOCH, drill=True)
    async with app.run_test(size=(160, 48)) as pilot:
        root = await focus_the_chain(pilot, app)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await pilot.press("y")
        await wait_until(pilot, lambda: bool(app._notifications), "the outcome")
        assert pane_pids(app)[0] == root.pid, "cancelling an idle transaction stops nothing: it still blocks"

    # The checklists' readings are journaled too: the action is the only entry not of the incident's making.
    entries = list(read_entries(tmp_path / f"{incident.id}.jsonl"))
    actions = [entry for entry in entries if entry["kind"] == "action"]
    assert entries[0]["kind"] == "declared" and len(actions) == 1
    assert actions[0]["action"] == "pg_cancel_backend" and f"pid {root.pid}" in actions[0]["target"]
    assert not (tmp_path / "actions.jsonl").exists()
