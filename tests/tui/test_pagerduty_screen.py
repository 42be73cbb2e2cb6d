"""``P`` in the responder panel: the PagerDuty screen in a drill (made-up incidents marked DRILL, a and r
queued to the drill outbox), by dedup key with only a routing key, not configured, and read-only."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from modulo_watch.collectors.clock import SystemClock
from modulo_watch.collectors.hub import Hub
from modulo_watch.collectors.models import Alert, AlertSnapshot, SourceName
from modulo_watch.collectors.sources import Sources
from modulo_watch.config import ActionsSettings, PagerDutySettings, Secret, Settings
from modulo_watch.incident.journal import load
from modulo_watch.outbound.pagerduty import PagerDutyIncident
from modulo_watch.tui.app import WarRoomApp
from modulo_watch.tui.screens.confirm import ConfirmScreen
from modulo_watch.tui.screens.pagerduty import (
    NOT_CONFIGURED,
    PagerDutyRow,
    PagerDutyScreen,
    alert_dedup_key,
    firing_alerts,
    plan,
    row_prompt,
    rows_with_incidents,
)
from tests.fakes import EPOCH
from tests.hostile import FORBIDDEN_OUTPUT, HOSTILE_STRINGS
from tests.tui.support import custom_app, declare, drill_app, runbook_loaded, screen_text, wait_until

SIZE = (160, 48)
ROUTING_KEY = "R" * 32
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: a delivery attempt is refused on the spot


def queued(app: WarRoomApp) -> list[dict[str, Any]]:
    incident = app.incident
    assert incident is not None
    entries = load(app.journal.directory / f"{incident.id}.jsonl").entries
    return [entry for entry in entries if entry["kind"] == "outbox_queued"]


def notified(app: WarRoomApp, words: str) -> bool:
    return any(words in str(note.message) for note in app._notifications)


async def open_pagerduty(pilot: Pilot[int], app: WarRoomApp) -> PagerDutyScreen:
    await pilot.press("6", "P")
    await wait_until(pilot, lambda: isinstance(app.screen, PagerDutyScreen), "the PagerDuty screen")
    assert isinstance(app.screen, PagerDutyScreen)
    return app.screen


async def declare_titled(pilot: Pilot[int], app: WarRoomApp) -> None:
    """``i``, a title, enter: outside a drill nothing suggests one."""
    from modulo_watch.tui.screens.declare import DeclareScreen

    await pilot.press("i")
    await wait_until(pilot, lambda: isinstance(app.screen, DeclareScreen), "the declare dialog")
    await pilot.press(*"Checkout errors", "enter")
    await wait_until(pilot, lambda: app.incident is not None, "the declaration")


async def outbox_started(pilot: Pilot[int], app: WarRoomApp) -> None:
    await wait_until(pilot, lambda: app.dispatcher is not None, "the outbox to start")


async def test_in_a_drill_p_lists_the_firing_alerts_and_a_queues_an_acknowledge_to_the_drill_outbox(
    tmp_path: Path,
) -> None:
    app = drill_app(tmp_path, minute=9)
    async with app.run_test(size=SIZE) as pilot:
        await runbook_loaded(pilot, app)
        await declare(pilot, app)
        await outbox_started(pilot, app)
        screen = await open_pagerduty(pilot, app)

        firing = firing_alerts(app.sources.hub.snapshot(SourceName.ALERTS))
        assert firing, "the drill's alerts fire by minute 9"
        assert [row.alert for row in screen.rows] == list(firing)
        assert all(row.drill and row.incident and row.incident.id.startswith("DRILL") for row in screen.rows)
        await wait_until(pilot, lambda: "TRIGGERED" in screen_text(app), "the rows drawn")
        shown = screen_text(app)
        assert "PagerDuty · DRILL" in shown and firing[0].name in shown and "one made-up" in shown

        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        assert isinstance(app.screen, ConfirmScreen)
        question = str(app.screen.question)
        assert question.startswith("Acknowledge PagerDuty incident #1 '[DRILL]")
        assert "the drill outbox" in question
        await pilot.press("y")
        await wait_until(pilot, lambda: bool(queued(app)), "the acknowledge in the journal")

        [item] = queued(app)
        first = screen.rows[0].incident
        assert first is not None
        assert item["type"] == "pagerduty.acknowledge"
        assert item["payload"] == {"incident_id": first.id}
        assert item["label"] == "PagerDuty #1 acknowledge"
        assert isinstance(app.screen, PagerDutyScreen)
        await wait_until(pilot, lambda: "acknowledge queued" in screen_text(app), "the row says it is queued")


async def test_before_the_incident_is_declared_nothing_is_asked_or_queued(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=9)
    async with app.run_test(size=SIZE) as pilot:
        await runbook_loaded(pilot, app)
        await open_pagerduty(pilot, app)
        await pilot.press("r")
        await wait_until(pilot, lambda: notified(app, "Declare the incident first (i)"), "why")
        assert isinstance(app.screen, PagerDutyScreen)
    assert app.incident is None


def hub_with(*alerts: Alert) -> Hub:
    hub = Hub()
    hub.publish_snapshot(SourceName.ALERTS, AlertSnapshot(EPOCH, alerts))
    return hub


def routing_key_app(tmp_path: Path, actions: bool) -> WarRoomApp:
    settings = Settings(
        pagerduty=PagerDutySettings(routing_key=Secret(ROUTING_KEY), events_url=UNREACHABLE),
        actions=ActionsSettings(enabled=actions),
    )
    alert = Alert("fp1", "HighErrorRate", "critical", "active", EPOCH, summary="5xx above 5%")
    sources = Sources(hub=hub_with(alert), clock=SystemClock(), actions_enabled=actions)
    return custom_app(tmp_path, sources, settings)


async def test_with_only_a_routing_key_r_resolves_by_the_dedup_key_through_the_events_api(
    tmp_path: Path,
) -> None:
    app = routing_key_app(tmp_path, actions=True)
    async with app.run_test(size=SIZE) as pilot:
        await declare_titled(pilot, app)
        await outbox_started(pilot, app)
        screen = await open_pagerduty(pilot, app)
        [row] = screen.rows
        key = alert_dedup_key(Alert("x", "HighErrorRate", "", "active", EPOCH))
        assert row.incident is None and row.dedup_key == key
        assert key in screen_text(app)

        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        assert isinstance(app.screen, ConfirmScreen)
        question = str(app.screen.question)
        assert question.startswith(f"Resolve by dedup key {key} through PagerDuty's Events API?")
        assert "127.0.0.1:9" in question
        assert ROUTING_KEY not in question and ROUTING_KEY not in screen_text(app)
        await pilot.press("y")
        await wait_until(pilot, lambda: bool(queued(app)), "the resolve in the journal")
        [item] = queued(app)
        assert item["type"] == "pagerduty_events.resolve" and item["payload"] == {"dedup_key": key}
        incident = app.incident
        assert incident is not None
    journal = (tmp_path / f"{incident.id}.jsonl").read_text()
    assert ROUTING_KEY not in journal


async def test_with_actions_off_outside_a_drill_nothing_is_asked_or_queued(tmp_path: Path) -> None:
    app = routing_key_app(tmp_path, actions=False)
    async with app.run_test(size=SIZE) as pilot:
        await declare_titled(pilot, app)
        await outbox_started(pilot, app)
        await open_pagerduty(pilot, app)
        await pilot.press("a")
        await wait_until(pilot, lambda: notified(app, "actions"), "the read-only notice")
        assert isinstance(app.screen, PagerDutyScreen)
        assert queued(app) == []


async def test_nothing_configured_says_how_to_configure_it(tmp_path: Path) -> None:
    app = custom_app(tmp_path, Sources(hub=hub_with(), clock=SystemClock()))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_pagerduty(pilot, app)
        assert screen.rows == () and screen.status == NOT_CONFIGURED
        shown = " ".join(screen_text(app).split())
        assert "api_token_file" in shown and "MODULO_WATCH_PAGERDUTY_API_TOKEN" in shown
        assert "routing_key" in shown


def hostile_incident(text: str) -> PagerDutyIncident:
    return PagerDutyIncident(
        id="P1",
        number=7,
        title=text,
        status=text or "triggered",
        urgency=text,
        assignees=(text, text),
        escalation_level=2,
        escalation_policy=text,
        html_url="",
        incident_key="k",
        created_at=None,
    )


def test_hostile_pagerduty_strings_are_inert_in_a_row_and_a_question() -> None:
    for text in HOSTILE_STRINGS:
        alert = Alert("fp", text, text, "active", EPOCH, summary=text)
        row = PagerDutyRow(alert, hostile_incident(text))
        planned = plan(row, "resolve", "https://api.pagerduty.com", "", from_email=text or "x")
        assert not isinstance(planned, str)
        for shown in (row_prompt(row, "resolve queued"), planned.question):
            assert "\x1b" not in shown.plain, repr(text)
            assert not any(bad in shown.plain for bad in FORBIDDEN_OUTPUT), repr(text)


def test_with_a_token_and_a_routing_key_an_alert_without_an_incident_can_still_act_by_its_key() -> None:
    alert = Alert("fp", "HighLatency", "warning", "active", EPOCH)
    other = replace(hostile_incident("HighLatencyP99 on checkout"), status="triggered")  # not a whole word
    [row, unmatched] = rows_with_incidents([alert], [other], events=True)
    assert row.incident is None and row.dedup_key == alert_dedup_key(alert)
    assert unmatched.alert is None and unmatched.incident == other
    [without_key, _] = rows_with_incidents([alert], [other])
    assert plan(without_key, "acknowledge", "", "", "ops@example.com") == (
        "No open PagerDuty incident found behind HighLatency: nothing to acknowledge"
    )
