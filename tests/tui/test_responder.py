"""The responder panel in a drill, from the keyboard: declare, acknowledge, update, tick, escalate, resolve,
the RESOLVED message and the postmortem; the clocks on the drill's clock; what the journal keeps."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from textual.pilot import Pilot

from modulo_watch.config import UiSettings
from modulo_watch.incident.journal import IncidentJournal, load
from modulo_watch.incident.postmortem import postmortem_path
from modulo_watch.tui.app import WarRoomApp
from modulo_watch.tui.panes.responder import ResponderPanel
from modulo_watch.tui.screens.comms import CommsScreen, TextViewScreen
from modulo_watch.tui.screens.confirm import ConfirmScreen
from modulo_watch.tui.screens.resolve import ResolveScreen
from tests.fakes import EPOCH
from tests.tui.support import FAST_POLLING, declare, drill_app, runbook_loaded, wait_until

SIZE = (160, 48)


def panel_text(app: WarRoomApp) -> str:
    return str(app.query_one("#responder-body").render())


def journal_kinds(app: WarRoomApp, incident_id: str) -> list[str]:
    return [entry["kind"] for entry in load(app.journal.directory / f"{incident_id}.jsonl").entries]


async def send_message(pilot: Pilot[int], app: WarRoomApp) -> str:
    """``n``, then ctrl+s: the filled message copied; returns it, after closing the plain view."""
    await pilot.press("n")
    await wait_until(pilot, lambda: isinstance(app.screen, CommsScreen), "the message editor")
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: isinstance(app.screen, TextViewScreen), "the copied text's plain view")
    await pilot.press("escape")
    await wait_until(pilot, lambda: not isinstance(app.screen, TextViewScreen), "the war room")
    return app.clipboard


async def move_to_item(pilot: Pilot[int], app: WarRoomApp, words: str) -> None:
    panel = app.query_one(ResponderPanel)
    for _ in range(20):
        if panel.selected is not None and words in panel.selected.text:
            return
        await pilot.press("down")
    raise AssertionError(f"no checklist item with {words!r}")


async def test_a_whole_incident_from_the_keyboard(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=9)
    async with app.run_test(size=SIZE) as pilot:
        await runbook_loaded(pilot, app)
        await declare(pilot, app)
        incident = app.incident
        assert incident is not None and incident.severity == "P1"
        shown = panel_text(app)
        assert "acknowledge in" in shown and "first update in" in shown
        assert "Secondary On-Call" in shown, "the escalation clock names who is next"
        assert "Assessment" in shown and "Resolution" in shown

        await pilot.press("a")
        assert app.incident is not None and app.incident.acknowledged_at is not None
        assert "✓ acknowledge" in panel_text(app)

        alert = await send_message(pilot, app)
        assert alert.startswith("🚨 INCIDENT ALERT - P1")
        assert f"Title: {incident.title}" in alert
        assert f"Incident Channel: {incident.channel}" in alert
        assert "error rate" in alert, "the impact carries the live error rate"
        assert app.incident.last_update_at is not None
        assert "next update in 15m" in panel_text(app), "the update restarted the 15-minute clock"

        await pilot.press("6")
        await move_to_item(pilot, app, "payments going through")
        await pilot.press("space")
        assert app.incident.hand_ticks == {("Initial Assessment Checklist", "Are payments going through?")}
        assert "☑" in panel_text(app)

        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the escalation question")
        assert isinstance(app.screen, ConfirmScreen) and "Secondary On-Call" in str(app.screen.question)
        await pilot.press("y")
        await wait_until(
            pilot, lambda: app.incident is not None and bool(app.incident.escalated_to), "escalation"
        )
        assert "Manager Escalation" in panel_text(app), "the next escalation goes one step further"

        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ResolveScreen), "the resolve dialog")
        await pilot.press(*"rolled back to v2.13.2", "enter")
        assert isinstance(app.screen, ResolveScreen), "minute 9 is no fix: a reason is required"
        await pilot.press(*"drill", "enter")
        await wait_until(pilot, lambda: app.incident is None, "the incident to resolve")
        assert "Resolved" in panel_text(app)

        resolved = await send_message(pilot, app)
        assert resolved.startswith("✅ INCIDENT RESOLVED - P1")
        assert "Resolution: rolled back to v2.13.2" in resolved

        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, TextViewScreen), "the postmortem")
        draft = postmortem_path(tmp_path, incident.id).read_text()
        assert "rolled back to v2.13.2" in draft and "drill" in draft
        assert "Within 24 hours" in draft, "the runbook's follow-ups are the action items"

    timeline = load(tmp_path / f"{incident.id}.jsonl")
    kinds = [entry["kind"] for entry in timeline.entries]
    for kind in ("declared", "acknowledged", "update_sent", "checklist_ticked", "escalated", "resolved"):
        assert kind in kinds
    resolved_entry = next(entry for entry in timeline.entries if entry["kind"] == "resolved")
    assert resolved_entry["override"] == "drill" and resolved_entry["resolution"] == "rolled back to v2.13.2"
    auto = [entry for entry in timeline.entries if entry["kind"] == "checklist_ticked" and entry["auto"]]
    assert auto and all(entry["evidence"] for entry in auto), "what the evidence decided is on the timeline"
    assert IncidentJournal(tmp_path).resume() is None


async def test_resolution_needs_no_reason_once_the_evidence_agrees(tmp_path: Path) -> None:
    # bad-deploy recovers at minute 23: by minute 29 the error rate has settled and no alert fires.
    app = drill_app(tmp_path, minute=29)
    async with app.run_test(size=SIZE) as pilot:
        await runbook_loaded(pilot, app)
        await declare(pilot, app)
        await pilot.press("6")
        await move_to_item(pilot, app, "Status page")
        await pilot.press("space")
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ResolveScreen), "the resolve dialog")
        assert not app.screen.query("#resolve-override"), "nothing to overrule"
        await pilot.press(*"rollback held", "enter")
        await wait_until(pilot, lambda: app.resolved_incident is not None, "the incident to resolve")
        resolved = app.resolved_incident
    assert resolved is not None
    entry = load(tmp_path / f"{resolved.id}.jsonl").entries[-1]
    assert entry["kind"] == "resolved" and entry["override"] == ""


async def test_a_tick_by_hand_and_an_update_survive_a_restart(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=9)
    async with app.run_test(size=SIZE) as pilot:
        await runbook_loaded(pilot, app)
        await declare(pilot, app)
        await send_message(pilot, app)
        await pilot.press("6")
        await move_to_item(pilot, app, "How many users")
        await pilot.press("space")
        before = app.incident

    again = drill_app(tmp_path, minute=9)
    async with again.run_test(size=SIZE) as pilot:
        await runbook_loaded(pilot, again)
        assert again.incident == before
        await wait_until(pilot, lambda: "next update in" in panel_text(again), "the resumed update clock")
        assert "☑" in panel_text(again)
        assert journal_kinds(again, before.id if before else "").count("declared") == 1


async def test_an_overdue_clock_turns_loud_and_rings_once(tmp_path: Path) -> None:
    settings = replace(FAST_POLLING, ui=UiSettings(bell=True))
    app = drill_app(tmp_path, minute=9, settings=settings)
    rings: list[None] = []
    app.bell = lambda: rings.append(None)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await runbook_loaded(pilot, app)
        await declare(pilot, app)
        assert not app.query_one(ResponderPanel).has_class("-overdue")
        clock = app.sources.drill_clock
        assert clock is not None
        clock.jump_to(clock.elapsed + timedelta(minutes=6).total_seconds())
        await wait_until(
            pilot, lambda: "ACKNOWLEDGE OVERDUE" in panel_text(app), "the overdue acknowledgement"
        )
        assert app.query_one(ResponderPanel).has_class("-overdue")
        assert len(rings) == 1
        for _ in range(3):  # the next ticks
            app.show_incident(app.sources.clock.now())
        assert len(rings) == 1, "rings when a clock goes overdue, not every second after"
        await pilot.press("a")
        await wait_until(pilot, lambda: "✓ acknowledge" in panel_text(app), "the acknowledgement")


async def test_the_offered_step_leads_to_its_pane(tmp_path: Path) -> None:
    from modulo_watch.tui.screens.steps import StepsScreen

    app = drill_app(tmp_path, minute=12)
    async with app.run_test(size=SIZE) as pilot:
        await runbook_loaded(pilot, app)
        await declare(pilot, app)
        await wait_until(pilot, lambda: "Next step" in panel_text(app), "the next step")
        await pilot.press("6", "s")
        await wait_until(pilot, lambda: isinstance(app.screen, StepsScreen), "the steps")
        assert isinstance(app.screen, StepsScreen)
        step = app.screen.highlighted
        assert step is not None and step.offered and step.target is not None
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, StepsScreen), "the war room")
        focused = app.focused
        assert focused is not None and any(
            node.id == f"{step.target.pane}-pane" for node in focused.ancestors_with_self
        )


async def test_a_severity_change_is_journaled_with_its_reason(tmp_path: Path) -> None:
    from textual.widgets import Select

    from modulo_watch.tui.screens.severity import SeverityScreen

    app = drill_app(tmp_path, minute=9)
    async with app.run_test(size=SIZE) as pilot:
        await runbook_loaded(pilot, app)
        await declare(pilot, app)
        await pilot.press("6", "S")
        await wait_until(pilot, lambda: isinstance(app.screen, SeverityScreen), "the severity dialog")
        app.screen.query_one("#severity-level", Select).value = "P0"
        await pilot.press(*"payments fail too", "enter")
        await wait_until(pilot, lambda: app.incident is not None and app.incident.severity == "P0", "P0")
        incident = app.incident
    assert incident is not None
    entry = load(tmp_path / f"{incident.id}.jsonl").entries[-1]
    assert entry["kind"] == "severity_changed" and entry["reason"] == "payments fail too"


async def test_hostile_incident_text_reaches_the_panel_inert(tmp_path: Path) -> None:
    from tests.hostile import HOSTILE_STRINGS

    journal = IncidentJournal(tmp_path)
    title = " ".join(HOSTILE_STRINGS)
    incident = journal.declare(title, "P1", EPOCH + timedelta(minutes=9), title, drill=True)
    journal.tick_checklist(incident, EPOCH, title, checklist=title)
    app = drill_app(tmp_path, minute=9)
    async with app.run_test(size=SIZE) as pilot:
        await runbook_loaded(pilot, app)
        assert app.incident is not None and app.incident.title == title
        shown = panel_text(app)
        assert "\x1b" not in shown and "\x07" not in shown


async def test_links_open_on_the_incident_and_enter_copies_the_address(tmp_path: Path) -> None:
    from textual.widgets import OptionList

    from modulo_watch.config import GrafanaDashboard, GrafanaSettings
    from modulo_watch.tui.screens.links import LinksScreen

    grafana = GrafanaSettings("https://grafana.example.com", (GrafanaDashboard("modulo-api", "api-red"),))
    app = drill_app(tmp_path, minute=9, settings=replace(FAST_POLLING, grafana=grafana))
    async with app.run_test(size=SIZE) as pilot:
        await runbook_loaded(pilot, app)
        await declare(pilot, app)
        await pilot.press("6", "l")
        await wait_until(pilot, lambda: isinstance(app.screen, LinksScreen), "the links")
        options = app.screen.query_one(OptionList)
        assert options.highlighted is not None
        await pilot.press("enter")
        incident = app.incident
        assert incident is not None
        since = int((incident.started_at - timedelta(minutes=15)).timestamp() * 1000)
        assert app.clipboard == f"https://grafana.example.com/d/api-red?from={since}&to=now"
        shown = str(options.get_option_at_index(3).prompt)
        assert "Grafana" in shown, "the runbook's tools follow the dashboards"
