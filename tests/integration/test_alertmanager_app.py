"""The app reading a real Alertmanager: its alerts in the alerts pane, hostile annotations as inert text."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from modulo_watch.collectors.alertmanager.acks import Matcher
from modulo_watch.collectors.alertmanager.actions import AlertmanagerActions
from modulo_watch.collectors.clock import SystemClock
from modulo_watch.collectors.models import Alert, SourceName
from modulo_watch.collectors.sources import live_sources
from modulo_watch.config import AlertmanagerSettings, Settings
from modulo_watch.widgets.table import VirtualTable
from tests.alertmanager_server import AlertmanagerServer, alert
from tests.hostile import FORBIDDEN_OUTPUT, HOSTILE_STRINGS
from tests.tui.support import custom_app, screen_text, wait_until
from tests.tui.test_hostile import terminal_output

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
        await pilot.press("5", "z")  # zoomed: the pane's STATE column needs more than its share of the width
        await wait_until(
            pilot, lambda: "ack 14m" in screen_text(app), "the acknowledgement and its time left"
        )
        assert "DiskFilling" in screen_text(app) and "active" in screen_text(app), "the other alert fires on"
