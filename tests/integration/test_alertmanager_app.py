"""The app reading a real Alertmanager: its alerts in the alerts pane, hostile annotations as inert text."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from rich.text import Text

from modulo_watch.collectors.alertmanager.acks import ACK_MARK, Matcher
from modulo_watch.collectors.alertmanager.actions import AlertmanagerActions
from modulo_watch.collectors.clock import SystemClock
from modulo_watch.collectors.hub import Hub
from modulo_watch.collectors.models import Alert, AlertSnapshot, SourceName
from modulo_watch.collectors.sources import Sources, live_sources
from modulo_watch.config import ActionsSettings, AlertmanagerSettings, Settings
from modulo_watch.incident.journal import read_entries
from modulo_watch.tui.alert_actions import FROM_PROMETHEUS, responder
from modulo_watch.tui.app import WarRoomApp
from modulo_watch.tui.panes.alert_rows import column
from modulo_watch.tui.screens.confirm import ConfirmScreen
from modulo_watch.widgets.table import VirtualTable
from modulo_watch.widgets.table_layout import Row
from tests.alertmanager_server import AlertmanagerServer, alert
from tests.fakes import EPOCH
from tests.hostile import FORBIDDEN_OUTPUT, HOSTILE_STRINGS
from tests.tui.support import custom_app, screen_text, wait_until
from tests.tui.test_hostile import terminal_output

STATE, NAME = column("state"), column("name")

HOSTILE = [
    text for text in HOSTILE_STRINGS if text.strip() and not any("\ud800" <= c <= "\udfff" for c in text)
]


async def test_alerts_from_alertmanager_show_in_the_alerts_pane_as_inert_text(
    alertmanager: AlertmanagerServer, tmp_path: Path
) -> None:
    alertmanager.post_alerts(
        [
            alert("HighErrorRate", "critical", annotations={"summary": "modulo-api 5xx above 5%"}),
            *(
                alert(f"Evil{n}", "warning", {"pod": text}, {"summary": text})
                for n, text in enumerate(HOSTILE)
            ),
        ]
    )
    settings = Settings(alertmanager=AlertmanagerSettings(url=alertmanager.url, interval=0.2))
    app = custom_app(tmp_path, live_sources(settings), settings)
    async with app.run_test(size=(200, 60)) as pilot:
        table: VirtualTable[Alert] = app.query_one("#alerts-table", VirtualTable)
        await wait_until(pilot, lambda: len(table.rows) == len(HOSTILE) + 1, "every alert in the pane")
        await wait_until(pilot, lambda: "modulo-api 5xx" in screen_text(app), "the rows drawn")
        assert app.shows_data_of(SourceName.ALERTS) and "HighErrorRate" in screen_text(app)
        output = ""
        for _ in range(len(HOSTILE) // 10 + 1):  # every row passes through the screen
            output += terminal_output(app)
            table.scroll_page_down(animate=False)
            await pilot.pause()

    for forbidden in FORBIDDEN_OUTPUT:
        assert forbidden not in output, f"{forbidden!r} reached the terminal"
    assert "[bold red]x[/]" in output, "markup is shown literally, not interpreted"


async def test_an_acknowledged_alert_shows_as_acknowledged_with_its_time_left(
    alertmanager: AlertmanagerServer, tmp_path: Path
) -> None:
    alertmanager.post_alerts([alert("HighErrorRate", "critical"), alert("DiskFilling", "warning")])
    settings = Settings(alertmanager=AlertmanagerSettings(url=alertmanager.url, interval=0.2))
    actions = AlertmanagerActions(settings.alertmanager, SystemClock())
    try:
        await actions.acknowledge([Matcher("alertname", "HighErrorRate")], "alice", "", timedelta(minutes=15))
    finally:
        await actions.aclose()
    app = custom_app(tmp_path, live_sources(settings), settings)
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_until(
            pilot, lambda: "ack 14m" in screen_text(app), "the acknowledgement and its time left"
        )
        assert "DiskFilling" in screen_text(app) and "firing" in screen_text(app), "the other alert fires on"


def alerts_table(app: WarRoomApp) -> VirtualTable[Row]:
    return app.query_one("#alerts-table", VirtualTable)


def state_of(app: WarRoomApp, name: str) -> str:
    return next((str(r.cells[STATE]) for r in alerts_table(app).rows if name in str(r.cells[NAME])), "")


async def test_acknowledging_from_the_pane_makes_a_real_silence_and_taking_it_back_expires_it(
    alertmanager: AlertmanagerServer, tmp_path: Path
) -> None:
    alertmanager.post_alerts(
        [
            alert("HighErrorRate", "critical", {"service": "api"}),
            *(alert("KubePodCrashLooping", "warning", {"pod": f"api-{n}"}) for n in range(3)),
        ]
    )
    settings = Settings(
        alertmanager=AlertmanagerSettings(url=alertmanager.url, interval=0.5, ack_minutes=20),
        actions=ActionsSettings(enabled=True),
    )
    app = custom_app(tmp_path, live_sources(settings), settings)
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_until(pilot, lambda: len(alerts_table(app).rows) == 2, "two groups")
        await pilot.press("5")
        crash = next(
            i for i, r in enumerate(alerts_table(app).rows) if "KubePodCrashLooping" in str(r.cells[NAME])
        )
        alerts_table(app).move_cursor(crash)
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await pilot.press("y")
        # "ack 20m" the moment it is made, "ack 19m" a second later: the minutes left, counting down.
        await wait_until(
            pilot,
            lambda: state_of(app, "KubePodCrashLooping") in ("ack 20m", "ack 19m"),
            "shown acknowledged",
        )

        [silence] = [s for s in alertmanager.silences() if s["status"]["state"] == "active"]
        lasts = datetime.fromisoformat(silence["endsAt"]) - datetime.fromisoformat(silence["startsAt"])
        assert abs(lasts - timedelta(minutes=20)) < timedelta(seconds=1), "[alertmanager] ack_minutes"
        assert silence["comment"] == f"{ACK_MARK} acknowledged from modulo-watch"
        assert silence["createdBy"] == responder()
        assert {(m["name"], m["value"]) for m in silence["matchers"]} == {
            ("alertname", "KubePodCrashLooping"),
            ("severity", "warning"),
        }, "the labels the group's alerts share, and no pod"
        states = {a["labels"]["alertname"]: a["status"]["state"] for a in alertmanager.alerts()}
        assert states == {"HighErrorRate": "active", "KubePodCrashLooping": "suppressed"}
        [entry] = list(read_entries(tmp_path / "actions.jsonl"))
        assert entry["action"] == "alertmanager_silence" and silence["id"] in entry["outcome"]

        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question to take it back")
        await pilot.press("y")
        await wait_until(pilot, lambda: state_of(app, "KubePodCrashLooping") == "firing", "firing again")
        [expired] = alertmanager.silences()
        assert expired["id"] == silence["id"] and expired["status"]["state"] == "expired"


async def test_acknowledging_alerts_read_from_prometheus_says_there_is_nothing_to_silence_them_with(
    tmp_path: Path,
) -> None:
    hub = Hub()
    hub.publish_snapshot(
        SourceName.ALERTS,
        AlertSnapshot(
            EPOCH, (Alert("f1", "HighErrorRate", "critical", "active", EPOCH),), origin="prometheus"
        ),
    )
    settings = Settings(actions=ActionsSettings(enabled=True))
    app = custom_app(tmp_path, Sources(hub=hub, clock=SystemClock(), actions_enabled=True), settings)
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_until(pilot, lambda: len(alerts_table(app).rows) == 1, "the alert")
        assert "from Prometheus" in Text.from_markup(str(app.query_one("#alerts-pane").border_title)).plain
        await pilot.press("5", "a")
        await wait_until(pilot, lambda: bool(app._notifications), "a notification")
        assert [n.message for n in app._notifications] == [FROM_PROMETHEUS]
