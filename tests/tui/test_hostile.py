"""Hostile strings from every source, through every pane, must reach the terminal as inert text."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from textual._compositor import LayoutUpdate

from modulo_watch.collectors.clock import SystemClock
from modulo_watch.collectors.hub import Hub
from modulo_watch.collectors.models import (
    Alert,
    AlertSnapshot,
    EventSnapshot,
    KubeEvent,
    MetricsSnapshot,
    Node,
    NodeSnapshot,
    PgBackend,
    PgDatabaseSize,
    PgOverview,
    PgReplica,
    PgSnapshot,
    Pod,
    PodSnapshot,
    Rollout,
    RolloutSnapshot,
    RolloutState,
    Series,
    SourceName,
    SourceState,
    SourceStatus,
)
from modulo_watch.collectors.sources import Sources
from modulo_watch.incident.journal import IncidentJournal
from modulo_watch.tui.app import WarRoomApp
from tests.fakes import EPOCH
from tests.hostile import FORBIDDEN_OUTPUT, HOSTILE_STRINGS
from tests.tui.support import custom_app

# Short enough that every one of them is on screen at 250x70, long ones included (they are cut).
CORPUS = HOSTILE_STRINGS


def hostile_hub(text: str) -> Hub:
    hub = Hub()
    now = EPOCH
    an_hour_ago = now - timedelta(hours=1)
    hub.publish_snapshot(
        SourceName.PODS,
        PodSnapshot(
            now,
            tuple(
                Pod(text, f"{text}-{i}", 0, 1, text, 3, an_hour_ago, node=text, labels=((text, text),))
                for i in range(3)
            ),
        ),
    )
    hub.publish_snapshot(
        SourceName.NODES,
        NodeSnapshot(now, (Node(text, False, now, pressures=(text,), roles=(text,), version=text),)),
    )
    hub.publish_snapshot(
        SourceName.EVENTS,
        EventSnapshot(
            now, (KubeEvent(text, text, "Warning", text, text, "Pod", text, 2, now, now, text),), 1
        ),
    )
    rollout = Rollout(text, text, text, 2, (text,), an_hour_ago, 3, 1, RolloutState.STUCK, ("x:1",), text)
    hub.publish_snapshot(SourceName.ROLLOUTS, RolloutSnapshot(now, (rollout,)))
    hub.publish_snapshot(
        SourceName.POSTGRES,
        PgSnapshot(
            now,
            text,
            100,
            (
                PgBackend(1, text, text, text, text, "active", text, now, now, text, text, blocked_by=(2,)),
                PgBackend(2, text, text, text, text, "idle in transaction", text, now, now),
            ),
            PgOverview(
                an_hour_ago,
                databases=(PgDatabaseSize(text, 1 << 30, 1e6),),
                replicas=(
                    PgReplica(text, text, "streaming", text, 1.0, 10),
                    PgReplica(text, text, text, text, 1.0, 10),
                ),
            ),
        ),
    )
    hub.publish_snapshot(SourceName.METRICS, MetricsSnapshot(now, Series(text, ((now, 0.2),), unit=text)))
    hub.publish_snapshot(
        SourceName.ALERTS,
        AlertSnapshot(now, (Alert(text, text, text, "active", now, text, ((text, text),), text),)),
    )
    hub.publish_status(
        SourceStatus(SourceName.ALERTS, SourceState.STALE, now, now, last_error=text, retry_at=1e12)
    )
    hub.publish_status(SourceStatus(SourceName.METRICS, SourceState.NOT_CONFIGURED, hint=text))
    return hub


def terminal_output(app: WarRoomApp) -> str:
    """Exactly what Textual would write to the terminal for a full repaint of the current screen.

    Headless runs skip the write itself, so this asks the compositor for the same update the
    driver would be sent (``App._display`` does just this).
    """
    update = app.screen._compositor.render_update(full=True)
    assert isinstance(update, LayoutUpdate)
    return update.render_segments(app.console)


@pytest.mark.parametrize("index", range(len(CORPUS)))
async def test_hostile_text_is_inert_in_every_pane(tmp_path: Path, index: int) -> None:
    text = CORPUS[index]
    journal = IncidentJournal(tmp_path)
    journal.declare(text or "x", "P1", EPOCH, description=text)
    app = custom_app(tmp_path, Sources(hub=hostile_hub(text), clock=SystemClock()))
    async with app.run_test(size=(250, 70)) as pilot:
        await pilot.pause()
        output = terminal_output(app)
        # A focused table draws its cursor row differently; events and rollouts show in the pods' place.
        for key in "578":
            await pilot.press(key)
            await pilot.pause()
            output += terminal_output(app)

    for forbidden in FORBIDDEN_OUTPUT:
        assert forbidden not in output, f"{forbidden!r} reached the terminal from {text[:40]!r}"
    assert "\x00" not in output
    if "[bold red]" in text:
        assert "[bold red]x[/]" in output, "markup is shown literally, not interpreted"
