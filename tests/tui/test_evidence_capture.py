"""Evidence capture: ``m`` in a pane keeps what its cursor shows on the open incident's timeline."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from textual._compositor import LayoutUpdate
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets._toast import Toast

from modulo_watch.collectors.clock import SystemClock
from modulo_watch.collectors.hub import Hub
from modulo_watch.collectors.models import (
    Alert,
    AlertSnapshot,
    MetricsSnapshot,
    PgBackend,
    PgSnapshot,
    Pod,
    PodSnapshot,
    SourceName,
)
from modulo_watch.collectors.sources import Sources
from modulo_watch.incident.journal import journal_paths, load
from modulo_watch.tui.app import WarRoomApp
from modulo_watch.tui.panes.alert_rows import is_group_key
from modulo_watch.tui.panes.alerts import AlertsPane
from modulo_watch.tui.panes.error_rate import ErrorRatePane
from modulo_watch.tui.panes.events import EventsPane
from modulo_watch.tui.panes.nodes import NodesPane
from modulo_watch.tui.panes.pods import PodsPane
from modulo_watch.tui.panes.postgres import PostgresPane, row_pid
from modulo_watch.tui.panes.responder import ResponderPanel
from modulo_watch.tui.panes.rollouts import RolloutsPane
from modulo_watch.tui.screens.help import HelpScreen
from modulo_watch.widgets.filter_bar import FilterBar
from modulo_watch.widgets.graph_units import graph_unit
from modulo_watch.widgets.safe_text import clean
from modulo_watch.widgets.table import VirtualTable
from tests.fakes import EPOCH
from tests.hostile import BEL, ESC, FORBIDDEN_OUTPUT
from tests.tui.support import custom_app, declare, drill_app, screen_text, wait_until

SIZE = (160, 48)


def evidence(app: WarRoomApp) -> list[dict[str, Any]]:
    assert app.incident is not None
    timeline = load(app.journal.directory / f"{app.incident.id}.jsonl")
    return [entry for entry in timeline.entries if entry["kind"] == "evidence_captured"]


def messages(app: WarRoomApp) -> list[str]:
    return [notification.message for notification in app._notifications]


async def capture(pilot: Pilot[int], app: WarRoomApp) -> dict[str, Any]:
    """Press m; the new evidence entry, once the responder has been told it is saved."""
    before = len(evidence(app))
    told = sum("Evidence saved" in message for message in messages(app))
    await pilot.press("m")
    await wait_until(
        pilot, lambda: sum("Evidence saved" in m for m in messages(app)) > told, "the evidence saved notice"
    )
    entries = evidence(app)
    assert len(entries) == before + 1
    return entries[-1]


def table(app: WarRoomApp, pane: str) -> VirtualTable[Any]:
    return app.query_one(f"#{pane}-pane").query_one(VirtualTable)


def bound_keys(widget: type[Widget]) -> set[str]:
    return {
        key.strip()
        for cls in widget.__mro__
        for binding in vars(cls).get("BINDINGS", ())
        if isinstance(binding, Binding)
        for key in binding.key.split(",")
    }


def test_no_pane_binds_m_itself() -> None:
    """A pane's own binding would shadow the global one while it has the focus."""
    assert {"f", "slash"} <= bound_keys(PodsPane) and "enter" in bound_keys(VirtualTable), (
        "the probe sees keys"
    )
    panes = (PodsPane, NodesPane, EventsPane, RolloutsPane, PostgresPane, AlertsPane, ErrorRatePane)
    for pane in (*panes, ResponderPanel, VirtualTable, FilterBar):
        assert "m" not in bound_keys(pane), pane.__name__


async def test_m_on_a_pod_keeps_the_selected_pod_with_the_time(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=12)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(table(app, "pods").rows) > 20, "pods to arrive")
        await declare(pilot, app)
        await pilot.press("1", "down", "down")
        pod = table(app, "pods").cursor_row
        assert isinstance(pod, Pod) and table(app, "pods").cursor_index == 2
        entry = await capture(pilot, app)
        now = app.sources.clock.now()

        assert entry["source"] == "pods"
        assert entry["summary"] == f"pod {pod.key} {pod.status}, {pod.restarts} restarts"
        assert entry["at"] == now.isoformat(), "stamped with the moment it was taken"
        assert f"node: {pod.node}" in entry["detail"]
        assert f"ready: {pod.ready_containers}/{pod.total_containers}" in entry["detail"]
        assert f"Evidence saved: {entry['summary']}" in messages(app)


async def test_m_on_a_backend_keeps_its_pid_user_state_and_query(tmp_path: Path) -> None:
    app = drill_app(tmp_path, scenario="db-connections", minute=6)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, partial(app.shows_data_of, SourceName.POSTGRES), "postgres on screen")
        await declare(pilot, app)
        await pilot.press("3", "home")
        key = table(app, "postgres").cursor_key
        assert key is not None
        snapshot = app.sources.hub.snapshot(SourceName.POSTGRES)
        assert isinstance(snapshot, PgSnapshot)
        root = next(backend for backend in snapshot.backends if backend.pid == row_pid(key))
        entry = await capture(pilot, app)

        assert entry["source"] == "postgres"
        summary = entry["summary"]
        assert summary.startswith(f"backend {root.pid} {root.user}@{root.database} {root.state}")
        assert "blocks " in summary, "the root blocker says how many it holds up"
        assert "UPDATE orders SET archived" in summary
        assert f"query: {root.query}" in entry["detail"]
        assert f"pid: {root.pid}" in entry["detail"]


async def test_m_on_an_alert_keeps_its_name_severity_and_labels(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=12)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(table(app, "alerts").rows) >= 3, "alerts to arrive")
        await declare(pilot, app)
        await pilot.press("5", "home")
        key = table(app, "alerts").cursor_key
        assert key is not None and not is_group_key(key), "a lone alert sorts first"
        snapshot = app.sources.hub.snapshot(SourceName.ALERTS)
        assert isinstance(snapshot, AlertSnapshot)
        alert = next(alert for alert in snapshot.alerts if alert.fingerprint == key)
        entry = await capture(pilot, app)

        assert entry["source"] == "alerts"
        assert entry["summary"].startswith(f"alert {alert.name} {alert.severity} firing")
        for name, value in alert.labels:
            assert f"{name}={value}" in entry["detail"]

        # A group: its name, how many, and what tells its alerts apart.
        while not is_group_key(table(app, "alerts").cursor_key or ""):
            await pilot.press("down")
        group = await capture(pilot, app)
        assert group["summary"].startswith("alerts ") and " alerts) " in group["summary"]
        assert "members:\n  " in group["detail"]


async def test_m_on_the_error_rate_keeps_the_ratio_and_the_view_shown(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=12)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, partial(app.shows_data_of, SourceName.METRICS), "the metrics")
        await declare(pilot, app)
        await pilot.press("4")
        snapshot = app.sources.hub.snapshot(SourceName.METRICS)
        assert isinstance(snapshot, MetricsSnapshot) and snapshot.error_ratio.latest is not None
        ratio = graph_unit("ratio").reading(snapshot.error_ratio.latest)
        entry = await capture(pilot, app)
        assert entry["source"] == "error-rate"
        assert entry["summary"].startswith(f"5xx ratio {ratio} (peak ")
        assert "over the last 15 min" in entry["summary"]
        assert "p95" not in entry["summary"]

        await pilot.press("v")
        pane = app.query_one(ErrorRatePane)
        await wait_until(pilot, lambda: pane.latency, "the latency view")
        await wait_until(
            pilot,
            lambda: (
                isinstance(s := app.sources.hub.snapshot(SourceName.METRICS), MetricsSnapshot)
                and s.latency_p95 is not None
            ),
            "the latency series",
        )
        latency = await capture(pilot, app)
        assert "p95 " in latency["summary"] and "p99 " in latency["summary"] and "req/s" in latency["summary"]
        assert "view: latency and request rate" in latency["detail"]


async def test_m_without_an_incident_writes_nothing_and_says_so(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=12)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(table(app, "pods").rows) > 20, "pods to arrive")
        await pilot.press("1", "m")
        told = "No incident open: declare one with i to keep evidence"
        await wait_until(pilot, lambda: told in messages(app), "the notice")
        [notification] = [n for n in app._notifications if n.message == told]
        assert notification.severity == "warning"
    assert journal_paths(tmp_path) == []
    assert not (tmp_path / "actions.jsonl").exists()


async def test_m_with_nothing_selected_says_so(tmp_path: Path) -> None:
    journal_dir = tmp_path / "journal"
    app = custom_app(journal_dir, Sources(hub=Hub(), clock=SystemClock()))
    app.journal.declare("Quiet", "P3", EPOCH)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.incident is not None
        await pilot.press("3", "m")
        await wait_until(pilot, lambda: "Nothing selected to keep as evidence" in messages(app), "the notice")
        assert evidence(app) == []


HOSTILE_POD = f"api-{ESC}]0;pwned{BEL}-[bold red]x[/]"
HOSTILE_QUERY = f"SELECT 1 /* {ESC}]52;c;cm0gLXJmIH4K{BEL} {ESC}[2J [@click=app.quit]quit[/] */"


def hostile_hub() -> Hub:
    hub = Hub()
    an_hour_ago = EPOCH - timedelta(hours=1)
    pod = Pod("modulo", HOSTILE_POD, 0, 1, "CrashLoopBackOff", 7, an_hour_ago, node=f"node-{ESC}[2J")
    hub.publish_snapshot(SourceName.PODS, PodSnapshot(EPOCH, (pod,)))
    backend = PgBackend(4242, "modulo", "app", "api", "10.0.0.1", "active", HOSTILE_QUERY, EPOCH, EPOCH)
    hub.publish_snapshot(SourceName.POSTGRES, PgSnapshot(EPOCH, "16.4", 100, (backend,)))
    hub.publish_snapshot(
        SourceName.ALERTS, AlertSnapshot(EPOCH, (Alert("f", "A", "critical", "active", EPOCH),))
    )
    return hub


def terminal_output(app: WarRoomApp) -> str:
    """What Textual would write to the terminal for a full repaint (toasts included)."""
    update = app.screen._compositor.render_update(full=True)
    assert isinstance(update, LayoutUpdate)
    return update.render_segments(app.console)


def toasts(app: WarRoomApp) -> str:
    return " ".join(str(toast.render()) for toast in app.screen.query(Toast))


async def test_hostile_text_is_kept_raw_in_the_journal_and_shown_inert(tmp_path: Path) -> None:
    journal_dir = tmp_path / "journal"
    app = custom_app(journal_dir, Sources(hub=hostile_hub(), clock=SystemClock()))
    app.journal.declare("Hostile", "P1", EPOCH)
    async with app.run_test(size=(250, 70), notifications=True) as pilot:
        await wait_until(pilot, partial(app.shows_data_of, SourceName.PODS), "the pod")
        await wait_until(pilot, partial(app.shows_data_of, SourceName.POSTGRES), "the backend")
        await pilot.press("1")
        pod_entry = await capture(pilot, app)
        await pilot.press("3")
        query_entry = await capture(pilot, app)
        await wait_until(pilot, lambda: "4242" in toasts(app), "both toasts on screen")
        await pilot.pause()
        shown, output = toasts(app), terminal_output(app)

    assert pod_entry["summary"] == f"pod modulo/{HOSTILE_POD} CrashLoopBackOff, 7 restarts", "raw"
    assert f"node: node-{ESC}[2J" in pod_entry["detail"]
    assert f"query: {HOSTILE_QUERY}" in query_entry["detail"], "raw, whole"
    assert HOSTILE_QUERY in query_entry["summary"]

    saved = [message for message in messages(app) if message.startswith("Evidence saved")]
    assert saved == [
        f"Evidence saved: {clean(pod_entry['summary'])}",
        f"Evidence saved: {clean(query_entry['summary'])}",
    ]
    assert all(ESC not in message and BEL not in message for message in saved)
    assert "api-␛]0;pwned␇-[bold red]x[/]" in shown, "the pod's name, inert and its markup literal"
    assert "[@click=app.quit]quit[/]" in shown, "the query's markup literal"
    for forbidden in FORBIDDEN_OUTPUT:
        assert forbidden not in output, f"{forbidden!r} reached the terminal"


async def test_help_lists_the_capture_key_by_its_id(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        await pilot.pause()
        text = screen_text(app)
        assert "capture-evidence" in text
        assert "record the selected row" in text
