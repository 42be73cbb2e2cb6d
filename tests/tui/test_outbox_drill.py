"""The outbox in a drill: one edit goes to every destination of the runbook, each delivery shows its state,
and nothing leaves the machine (the drill's senders have no client and no network)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual.pilot import Pilot

from modulo_watch.incident.journal import load
from modulo_watch.outbound.drill import DRILL_RECEIPT
from modulo_watch.outbound.outbox import Delivery
from modulo_watch.tui.app import WarRoomApp
from modulo_watch.tui.screens.comms import CommsScreen
from modulo_watch.tui.screens.confirm import ConfirmScreen
from modulo_watch.tui.screens.outbox import OutboxScreen
from tests.tui.support import FAST_POLLING, declare, drill_app, runbook_loaded, screen_text, wait_until

SIZE = (160, 48)


def panel_text(app: WarRoomApp) -> str:
    return str(app.query_one("#responder-body").render())


def delivered(app: WarRoomApp, count: int) -> bool:
    found = app.outbox_of(app.incident or app.resolved_incident)
    return len(found) == count and all(t.state is Delivery.SENT for t in found)


async def send(pilot: Pilot[int], app: WarRoomApp) -> str:
    """``n``, ctrl+o, then ``y``: returns the confirmation's words."""
    await pilot.press("n")
    await wait_until(pilot, lambda: isinstance(app.screen, CommsScreen), "the message editor")
    await wait_until(pilot, lambda: app.dispatcher is not None, "the outbox")
    await pilot.press("ctrl+o")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
    assert isinstance(app.screen, ConfirmScreen)
    question = app.screen.question.plain
    await pilot.press("y")
    await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), "the war room")
    return question


async def test_one_edit_goes_to_every_destination_of_the_drill_outbox(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=9)
    async with app.run_test(size=SIZE) as pilot:
        await runbook_loaded(pilot, app)
        await declare(pilot, app)
        incident = app.incident
        assert incident is not None
        question = await send(pilot, app)
        assert "the drill outbox: nothing leaves this machine" in question
        for destination in (f"Slack {incident.channel}", "Slack #incidents", "Statuspage: investigating"):
            assert destination in question
        assert "INCIDENT ALERT" in question, "the exact text is shown before it is sent"
        await wait_until(pilot, lambda: delivered(app, 4), "four deliveries to the drill outbox")
        kinds = [t.item.kind for t in app.outbox_of(incident)]
        assert kinds == ["slack.create_channel", "slack.post", "slack.post", "statuspage.create"]
        assert all(t.receipt == {"drill": DRILL_RECEIPT} for t in app.outbox_of(incident))
        await wait_until(pilot, lambda: "Outbox  4 sent" in panel_text(app), "the panel's outbox lines")
        assert app.incident is not None and app.incident.last_update_at is not None, (
            "the update clock restarts"
        )

        await send(pilot, app)  # the next update: the channel and the status page incident exist already
        await wait_until(pilot, lambda: delivered(app, 7), "three more deliveries")
        later = app.outbox_of(incident)[4:]
        assert [t.item.kind for t in later] == ["slack.post", "slack.post", "statuspage.update"]
        create_channel, create_page = app.outbox_of(incident)[0], app.outbox_of(incident)[3]
        assert later[0].item.after == create_channel.item.id
        assert later[2].item.after == create_page.item.id

        await pilot.press("6", "o")
        await wait_until(pilot, lambda: isinstance(app.screen, OutboxScreen), "the outbox screen")
        shown = screen_text(app)
        assert "7 sent" in shown and f"Slack {incident.channel} (create)" in shown
    entries = [entry["kind"] for entry in load(tmp_path / f"{incident.id}.jsonl").entries]
    assert entries.count("outbox_queued") == 7 and entries.count("outbox_sent") == 7


async def test_a_destination_can_be_left_out(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=9)
    async with app.run_test(size=SIZE) as pilot:
        await runbook_loaded(pilot, app)
        await declare(pilot, app)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, CommsScreen), "the message editor")
        await wait_until(pilot, lambda: app.dispatcher is not None, "the outbox")
        await pilot.press("tab", "space")  # the destinations: the incident channel unchecked
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await pilot.press("y")
        await wait_until(pilot, lambda: delivered(app, 2), "two deliveries")
        assert [t.item.label for t in app.outbox_of(app.incident)] == [
            "Slack #incidents",
            "Statuspage (investigating)",
        ]


async def test_the_resolved_message_resolves_the_status_page(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=29)
    async with app.run_test(size=SIZE) as pilot:
        await runbook_loaded(pilot, app)
        await declare(pilot, app)
        await send(pilot, app)
        await wait_until(pilot, lambda: delivered(app, 4), "the alert delivered")
        await pilot.press("r")
        await wait_until(
            pilot, lambda: app.screen.__class__.__name__ == "ResolveScreen", "the resolve dialog"
        )
        await pilot.press(*"Rolled back", "enter", *"status page by hand", "enter")
        await wait_until(pilot, lambda: app.resolved_incident is not None, "the resolution")
        question = await send(pilot, app)
        assert "Statuspage: resolved" in question and "INCIDENT RESOLVED" in question
        await wait_until(pilot, lambda: delivered(app, 7), "the resolved message delivered")
        last = app.outbox_of(app.resolved_incident)[-1]
        assert last.item.kind == "statuspage.update" and last.item.payload["status"] == "resolved"


async def test_a_config_warning_is_said_at_start(tmp_path: Path) -> None:
    warning = "slack.bot_token_file: ~/slack-token is readable by others (mode 0644): chmod 600 it"
    app = drill_app(tmp_path, settings=replace(FAST_POLLING, warnings=(warning,)))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: any(n.message == warning for n in app._notifications), "the warning")
