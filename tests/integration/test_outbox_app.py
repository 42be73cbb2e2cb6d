"""The war room with Slack's bot and Statuspage configured, against loopback servers keeping their APIs'
contracts: one edit reaches the incident channel (created first), #incidents and the status page; an outage
and a restart lose nothing; a dropped answer sends nothing twice."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from modulo_watch.collectors.sources import live_sources
from modulo_watch.config import ActionsSettings, Secret, Settings, SlackSettings, StatuspageSettings
from modulo_watch.outbound.outbox import Delivery
from modulo_watch.tui.app import WarRoomApp
from modulo_watch.tui.screens.comms import CommsScreen
from modulo_watch.tui.screens.confirm import ConfirmScreen
from modulo_watch.tui.screens.declare import DeclareScreen
from tests.contract.http_server import Answer
from tests.contract.slack_api_server import SlackApiServer
from tests.contract.statuspage_server import StatuspageServer
from tests.tui.support import custom_app, runbook_loaded, screen_text, wait_until

SIZE = (160, 48)
TITLE = "Checkout errors"
OUTAGE = 200  # more 503s than the test can use up: the APIs stay down until the test says


def war_room(tmp_path: Path, slack: SlackApiServer, statuspage: StatuspageServer) -> WarRoomApp:
    settings = Settings(
        slack=SlackSettings(bot_token=Secret(slack.token), api_url=slack.api_url),
        statuspage=StatuspageSettings(
            api_key=Secret(statuspage.api_key),
            page_id=statuspage.page_id,
            components=statuspage.component_ids[:1],
            api_url=statuspage.api_url,
        ),
        actions=ActionsSettings(enabled=True),
    )
    return custom_app(tmp_path, live_sources(settings), settings)


async def declare_and_send(pilot: Pilot[int], app: WarRoomApp) -> str:
    """Declare, then ``n`` ctrl+o ``y``: returns the confirmation's words."""
    await runbook_loaded(pilot, app)
    await pilot.press("i")
    await wait_until(pilot, lambda: isinstance(app.screen, DeclareScreen), "the declare dialog")
    await pilot.press(*TITLE, "enter")
    await wait_until(pilot, lambda: app.incident is not None, "the declaration")
    await wait_until(pilot, lambda: app.dispatcher is not None, "the outbox")
    await pilot.press("n")
    await wait_until(pilot, lambda: isinstance(app.screen, CommsScreen), "the message editor")
    await pilot.press("ctrl+o")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
    assert isinstance(app.screen, ConfirmScreen)
    question = app.screen.question.plain
    await pilot.press("y")
    return question


def states(app: WarRoomApp) -> list[Delivery]:
    return [t.state for t in app.outbox_of(app.incident)]


def all_sent(app: WarRoomApp) -> bool:
    found = states(app)
    return len(found) == 4 and set(found) == {Delivery.SENT}


def posts(slack: SlackApiServer, channel: str) -> list[str]:
    return [str(message["text"]) for message in slack.channel(channel).messages]


async def test_one_edit_reaches_the_incident_channel_incidents_and_the_status_page(
    tmp_path: Path, slack_api: SlackApiServer, statuspage: StatuspageServer
) -> None:
    app = war_room(tmp_path, slack_api, statuspage)
    async with app.run_test(size=SIZE) as pilot:
        question = await declare_and_send(pilot, app)
        incident = app.incident
        assert incident is not None
        assert f"Slack {incident.channel}" in question and "Slack #incidents" in question
        assert "Statuspage: investigating" in question and "INCIDENT ALERT" in question
        await wait_until(pilot, lambda: all_sent(app), "the four deliveries")
        shown = screen_text(app)
    channel = incident.channel.removeprefix("#")
    [alert] = posts(slack_api, channel)
    assert alert.startswith("🚨 INCIDENT ALERT") and TITLE in alert
    assert posts(slack_api, "incidents") == [alert], "the announcement, after the bot joined #incidents"
    [opened] = statuspage.incidents.values()
    assert opened["name"] == TITLE and opened["status"] == "investigating"
    assert statuspage.component_status(statuspage.component_ids[0]) == "degraded_performance", "a P2"
    journal = (tmp_path / f"{incident.id}.jsonl").read_text()
    for secret in (slack_api.token, statuspage.api_key):
        assert secret not in journal and secret not in shown and secret not in question


async def test_queued_messages_survive_an_outage_and_a_restart_and_go_once(
    tmp_path: Path, slack_api: SlackApiServer, statuspage: StatuspageServer
) -> None:
    slack_api.script = [Answer(503, b"upstream down")] * OUTAGE
    statuspage.script = [Answer(503, b"upstream down")] * OUTAGE
    app = war_room(tmp_path, slack_api, statuspage)
    async with app.run_test(size=SIZE) as pilot:
        await declare_and_send(pilot, app)
        await wait_until(
            pilot, lambda: Delivery.RETRYING in states(app) and Delivery.SENDING not in states(app), "retries"
        )
        assert Delivery.SENT not in states(app)
        incident_id = app.incident.id if app.incident else ""

    slack_api.script, statuspage.script = [], []  # the network is back; the responder starts again
    again = war_room(tmp_path, slack_api, statuspage)
    async with again.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: again.incident is not None, "the incident resumed")
        assert again.incident is not None and again.incident.id == incident_id
        await wait_until(pilot, lambda: all_sent(again), "the queued messages delivered after the restart")
    assert len(posts(slack_api, again.incident.channel)) == 1
    assert len(posts(slack_api, "incidents")) == 1
    assert len(statuspage.incidents) == 1


async def test_a_dropped_answer_is_checked_not_sent_twice(
    tmp_path: Path, slack_api: SlackApiServer, statuspage: StatuspageServer
) -> None:
    slack_api.drop_after_reading = statuspage.drop_after_reading = True  # delivered; the answer lost
    app = war_room(tmp_path, slack_api, statuspage)
    async with app.run_test(size=SIZE) as pilot:
        await declare_and_send(pilot, app)
        await wait_until(pilot, lambda: Delivery.UNCONFIRMED in states(app), "an unknown outcome")
        slack_api.drop_after_reading = statuspage.drop_after_reading = False
        await wait_until(pilot, lambda: all_sent(app), "the deliveries confirmed")
        incident = app.incident
        assert incident is not None
    assert len(posts(slack_api, incident.channel)) == 1
    assert len(posts(slack_api, "incidents")) == 1
    assert len(statuspage.incidents) == 1
