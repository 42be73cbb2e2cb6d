"""``n`` then ctrl+o in the war room: the filled message posted to a Slack-compatible webhook (a loopback
server keeping Slack's contract), after a confirmation that shows the text and the host, and recorded."""

from __future__ import annotations

import json
from pathlib import Path

from modulo_watch.collectors.sources import live_sources
from modulo_watch.config import ActionsSettings, Settings, SlackSettings
from modulo_watch.incident.journal import load
from modulo_watch.outbound.outbox import Delivery
from modulo_watch.tui.app import WarRoomApp
from modulo_watch.tui.screens.comms import CommsScreen
from modulo_watch.tui.screens.confirm import ConfirmScreen
from modulo_watch.tui.screens.declare import DeclareScreen
from tests.slack_server import Answer, SlackServer
from tests.tui.support import custom_app, runbook_loaded, wait_until

SIZE = (160, 48)
TITLE = "Checkout <!channel> & co down"


def war_room(tmp_path: Path, slack: SlackServer, actions: bool = True) -> WarRoomApp:
    settings = Settings(slack=SlackSettings(webhook_url=slack.url), actions=ActionsSettings(enabled=actions))
    return custom_app(tmp_path, live_sources(settings), settings)


async def declare_and_post(app: WarRoomApp, pilot: object) -> None:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await runbook_loaded(pilot, app)
    await pilot.press("i")
    await wait_until(pilot, lambda: isinstance(app.screen, DeclareScreen), "the declare dialog")
    await pilot.press(*TITLE, "enter")
    await wait_until(pilot, lambda: app.incident is not None, "the declaration")
    await pilot.press("n")
    await wait_until(pilot, lambda: isinstance(app.screen, CommsScreen), "the message editor")
    await pilot.press("ctrl+o")


async def test_an_update_is_posted_after_confirmation_and_recorded(
    tmp_path: Path, slack: SlackServer
) -> None:
    app = war_room(tmp_path, slack)
    async with app.run_test(size=SIZE) as pilot:
        await declare_and_post(app, pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        assert isinstance(app.screen, ConfirmScreen)
        question = str(app.screen.question)
        assert slack.host in question and TITLE in question
        assert slack.token not in question, "the webhook's path is its secret"
        await pilot.press("y")
        await wait_until(pilot, lambda: bool(slack.received), "the post")
        incident = app.incident
        assert incident is not None
        await wait_until(
            pilot, lambda: app.incident is not None and app.incident.last_update_at is not None, "record"
        )

    text = json.loads(slack.received[0].body)["text"]
    assert text.startswith("🚨 INCIDENT ALERT")
    assert "Checkout &lt;!channel&gt; &amp; co down" in text, "Slack markup in a title stays text"
    journal = (tmp_path / f"{incident.id}.jsonl").read_text()
    assert slack.token not in journal
    update = next(
        entry for entry in load(tmp_path / f"{incident.id}.jsonl").entries if entry["kind"] == "update_sent"
    )
    assert update["audience"] == f"Slack webhook at {slack.host}" and update["template"] == "INCIDENT ALERT"


async def test_a_refused_post_is_said_and_kept_for_a_person(tmp_path: Path, slack: SlackServer) -> None:
    slack.answer = Answer(403, b"invalid_token")
    app = war_room(tmp_path, slack)
    async with app.run_test(size=SIZE) as pilot:
        await declare_and_post(app, pilot)
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await pilot.press("y")
        await wait_until(pilot, lambda: bool(slack.received), "the post")
        await wait_until(
            pilot, lambda: any("invalid_token" in str(n.message) for n in app._notifications), "why"
        )
        (failed,) = app.outbox_of(app.incident)
        assert failed.state is Delivery.FAILED and "403 Forbidden: invalid_token" in failed.error
        panel = str(app.query_one("#responder-body").render())
        assert "✗ Slack webhook at" in panel and "invalid_token" in panel


async def test_with_actions_off_nothing_is_posted(tmp_path: Path, slack: SlackServer) -> None:
    app = war_room(tmp_path, slack, actions=False)
    async with app.run_test(size=SIZE) as pilot:
        await declare_and_post(app, pilot)
        await wait_until(pilot, lambda: any("actions" in str(n.message) for n in app._notifications), "why")
        assert not isinstance(app.screen, ConfirmScreen)
    assert slack.received == []
