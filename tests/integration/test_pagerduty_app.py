"""The war room with PagerDuty's REST API (a loopback server keeping its contract): ``P`` lists the incident
behind an alert with its status, assignee, escalation level and urgency; ``a`` then ``y`` acknowledges it
through the outbox; the escalation clock and question name who is on call at the next level; the API token
shows nowhere; hostile PagerDuty titles and names reach the terminal inert."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot

from modulo_watch.collectors.clock import SystemClock
from modulo_watch.collectors.hub import Hub
from modulo_watch.collectors.models import Alert, AlertSnapshot, SourceName
from modulo_watch.collectors.sources import Sources
from modulo_watch.config import ActionsSettings, PagerDutySettings, Secret, Settings
from modulo_watch.incident.journal import IncidentJournal
from modulo_watch.outbound.pagerduty_events import alertmanager_dedup_key
from modulo_watch.tui.app import WarRoomApp
from modulo_watch.tui.screens.confirm import ConfirmScreen
from modulo_watch.tui.screens.pagerduty import PagerDutyScreen
from tests.contract.pagerduty_server import POLICY_ID, PagerDutyServer
from tests.hostile import FORBIDDEN_OUTPUT, HOSTILE_STRINGS
from tests.tui.support import custom_app, runbook_loaded, screen_text, wait_until
from tests.tui.test_hostile import terminal_output

SIZE = (160, 48)
RESPONDER = "ana@modulo.example"
ALERT_TITLE = "[FIRING:1] HighErrorRate"
# Strings a JSON page of incidents can carry within the client's 64 KB read: no lone surrogates (not UTF-8),
# no 10,000-character title.
HOSTILE = [
    text for text in HOSTILE_STRINGS if len(text) < 1000 and not any("\ud800" <= c <= "\udfff" for c in text)
]


@pytest.fixture
def server(pagerduty: PagerDutyServer) -> PagerDutyServer:
    return pagerduty


def war_room(tmp_path: Path, server: PagerDutyServer) -> WarRoomApp:
    """A P1 already open in the journal (resumed at start), one firing alert, PagerDuty configured."""
    IncidentJournal(tmp_path).declare("Checkout errors", "P1", datetime.now(UTC))
    settings = Settings(
        pagerduty=PagerDutySettings(
            api_token=Secret(server.token),
            from_email=RESPONDER,
            escalation_policy_id=POLICY_ID,
            api_url=server.url,
        ),
        actions=ActionsSettings(enabled=True),
    )
    hub = Hub()
    alert = Alert("fp1", "HighErrorRate", "critical", "active", datetime.now(UTC), summary="5xx above 5%")
    hub.publish_snapshot(SourceName.ALERTS, AlertSnapshot(datetime.now(UTC), (alert,)))
    return custom_app(tmp_path, Sources(hub=hub, clock=SystemClock(), actions_enabled=True), settings)


def panel_text(app: WarRoomApp) -> str:
    """The responder panel's words, its wrapping undone."""
    return " ".join(str(app.query_one("#responder-body").render()).split())


async def open_pagerduty(pilot: Pilot[int], app: WarRoomApp) -> PagerDutyScreen:
    await pilot.press("6", "P")
    await wait_until(pilot, lambda: isinstance(app.screen, PagerDutyScreen), "the PagerDuty screen")
    screen = app.screen
    assert isinstance(screen, PagerDutyScreen)
    await wait_until(pilot, lambda: "read" in screen.status, "PagerDuty's incidents read")
    return screen


async def test_p_shows_the_incident_behind_an_alert_and_a_acknowledges_it_through_the_outbox(
    tmp_path: Path, server: PagerDutyServer
) -> None:
    server.add_user("Ana Lima", RESPONDER)
    server.put_on_call(server.users["PU00001"], 1, schedule="Primary")
    dana = server.add_user("Dana Reyes", "dana@modulo.example")
    server.put_on_call(dana, 2, schedule="Secondary")
    behind = server.add_incident(
        ALERT_TITLE, incident_key=alertmanager_dedup_key('{}:{alertname="HighErrorRate"}'), urgency="high"
    )
    server.add_incident("Disk filling on db-2", urgency="low")  # open, behind no alert: listed after

    app = war_room(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await runbook_loaded(pilot, app)
        await wait_until(pilot, lambda: app.incident is not None, "the incident resumed")
        await wait_until(
            pilot,
            lambda: "Secondary On-Call: Dana Reyes (PagerDuty level 2)" in panel_text(app),
            "the escalation clock naming who is on call next",
        )

        screen = await open_pagerduty(pilot, app)
        first, other = screen.rows
        assert first.alert is not None and first.alert.name == "HighErrorRate"
        assert first.incident is not None and first.incident.id == behind.id
        assert (
            other.alert is None
            and other.incident is not None
            and other.incident.title == "Disk filling on db-2"
        )
        await wait_until(pilot, lambda: "TRIGGERED" in screen_text(app), "the rows drawn")
        shown = screen_text(app)
        assert "#1 TRIGGERED · high urgency · level 1 · Ana Lima" in " ".join(shown.split())
        assert "level 2 Dana Reyes" in shown, "the on-call line"
        assert server.token not in shown

        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        assert isinstance(app.screen, ConfirmScreen)
        question = str(app.screen.question)
        assert question.startswith(f"Acknowledge PagerDuty incident #1 '{ALERT_TITLE}' as {RESPONDER}?")
        assert server.host in question and server.token not in question
        await pilot.press("y")
        await wait_until(pilot, lambda: behind.status == "acknowledged", "PagerDuty's incident acknowledged")
        assert server.incidents["PI00002"].status == "triggered", "only the chosen incident"
        put = next(request for request in server.received if request.method == "PUT")
        assert put.headers["from"] == RESPONDER
        assert server.token not in screen_text(app)

        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, PagerDutyScreen), "the war room")
        await pilot.press("6", "e")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the escalation question")
        assert isinstance(app.screen, ConfirmScreen)
        assert "On call: Dana Reyes (PagerDuty level 2)" in str(app.screen.question)
        await pilot.press("n")
        incident = app.incident
        assert incident is not None

    journal = (tmp_path / f"{incident.id}.jsonl").read_text()
    assert '"type": "pagerduty.acknowledge"' in journal and behind.id in journal
    assert server.token not in journal


async def test_a_refused_token_is_one_inert_line_and_never_shown(
    tmp_path: Path, server: PagerDutyServer
) -> None:
    app = war_room(tmp_path, server)
    server.token = "another-account-token"  # the war room's token is now unknown: 401
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6", "P")
        await wait_until(pilot, lambda: isinstance(app.screen, PagerDutyScreen), "the PagerDuty screen")
        screen = app.screen
        assert isinstance(screen, PagerDutyScreen)
        await wait_until(pilot, lambda: "not read" in screen.status, "why PagerDuty was not read")
        assert "refused the API token (401 Unauthorized)" in screen.status
        token = app.settings.pagerduty.api_token
        assert token is not None and token.value not in screen_text(app)


async def test_hostile_pagerduty_titles_and_names_reach_the_terminal_inert(
    tmp_path: Path, server: PagerDutyServer
) -> None:
    for number, text in enumerate(HOSTILE):
        person = server.add_user(text, f"user{number}@modulo.example")
        server.put_on_call(person, 1 if number == 0 else 2)
    for text in HOSTILE:
        server.add_incident(text, level=2)

    app = war_room(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "PagerDuty level 2" in panel_text(app), "the on-call names read")
        output = terminal_output(app)  # the escalation clock's contact, in the panel
        screen = await open_pagerduty(pilot, app)
        assert len(screen.rows) == len(HOSTILE) + 1
        for _ in range(len(screen.rows)):  # every row passes the cursor, and so the screen
            output += terminal_output(app)
            await pilot.press("down")
            await pilot.pause()
    for bad in FORBIDDEN_OUTPUT:
        assert bad not in output, repr(bad)
