"""The Postgres pane draws the blocking chains as a tree, root blockers first."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from modulo_watch.collectors.models import SourceName
from modulo_watch.widgets.table import VirtualTable
from modulo_watch.widgets.table_layout import Row
from tests.tui.support import drill_app, wait_until


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
