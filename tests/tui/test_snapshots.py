"""Layout regressions: the war-room screen pinned as SVG snapshots (pytest --snapshot-update to accept)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from modulo_watch.collectors.models import SourceName
from modulo_watch.tui.app import WarRoomApp
from tests.tui.support import drill_app, wait_until

SnapCompare = Any  # pytest-textual-snapshot's fixture carries no type


def all_sources_reported(pilot: Pilot[Any]) -> bool:
    hub = pilot.app.sources.hub  # type: ignore[attr-defined]
    return all(hub.status(source) is not None for source in SourceName) and all(
        hub.snapshot(source) is not None for source in SourceName
    )


async def settle(pilot: Pilot[Any]) -> None:
    await wait_until(pilot, lambda: all_sources_reported(pilot), "every drill source to report")
    app = pilot.app
    assert isinstance(app, WarRoomApp)
    await wait_until(pilot, lambda: all(app.shows_data_of(s) for s in SourceName), "the panes to paint")
    await pilot.pause()


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
def test_war_room_layout(snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]) -> None:
    app = drill_app(tmp_path, minute=12)
    assert snap_compare(app, terminal_size=size, run_before=settle)
