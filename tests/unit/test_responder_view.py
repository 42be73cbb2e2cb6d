"""The responder panel's lines: wrapping with a hanging indent, loud overdue clocks, the cursor's stops."""

from __future__ import annotations

from datetime import timedelta

from modulo_watch.incident.assess import Evidence, Verdict
from modulo_watch.incident.checklists import CheckedItem, Phase
from modulo_watch.incident.clocks import IncidentClock
from modulo_watch.incident.incident import Incident
from modulo_watch.tui.panes.responder_view import Lines, ResponderView, countdown, incident_lines
from modulo_watch.widgets.badges import DEFAULT_PALETTE
from tests.fakes import EPOCH

INCIDENT = Incident("INC-1", "modulo-api 5xx spike after the v2.14.0 deploy", "P1", EPOCH)


def test_long_text_wraps_under_its_first_line_with_a_hanging_indent() -> None:
    out = Lines(20)
    out.wrapped("Is PostgreSQL accepting connections from the api?", first="  ✓ ", indent=4)
    plain = [line.plain for line in out.lines]
    assert plain[0].startswith("  ✓ Is PostgreSQL")
    assert all(line.startswith("    ") and len(line) <= 20 for line in plain[1:])
    assert " ".join(line.strip() for line in plain).endswith("from the api?")


def test_hostile_text_is_made_inert_before_wrapping() -> None:
    out = Lines(30)
    out.wrapped("pod \x1b]0;owned\x07 name")
    assert "\x1b" not in out.text().plain and "\x07" not in out.text().plain


def test_an_overdue_clock_is_loud_and_a_near_one_warns() -> None:
    clock = IncidentClock("next update", EPOCH + timedelta(minutes=15))
    overdue = countdown(clock, EPOCH + timedelta(minutes=16), DEFAULT_PALETTE)
    assert overdue.plain == "⚠ NEXT UPDATE OVERDUE 1m00s" and "reverse" in str(overdue.style)
    near = countdown(clock, EPOCH + timedelta(minutes=14), DEFAULT_PALETTE)
    assert near.plain == "◷ next update in 1m00s" and near.style == DEFAULT_PALETTE.warning


def test_each_checklist_item_is_a_cursor_stop_and_the_cursor_is_shown() -> None:
    reading = Evidence("apis", "Critical APIs", "Payments 502 for 3m", Verdict.BAD)
    items = (
        CheckedItem(
            "Initial Assessment Checklist", Phase.ASSESSMENT, "Is modulo-api responding?", reading, False
        ),
        CheckedItem("Initial Assessment Checklist", Phase.ASSESSMENT, "How many users?", None, True),
    )
    view = ResponderView(INCIDENT, (), items, ())
    lines = incident_lines(view, EPOCH, DEFAULT_PALETTE, cursor=1, width=40)
    assert [item.text for _, item in lines.items] == ["Is modulo-api responding?", "How many users?"]
    shown = [line.plain for line in lines.lines]
    first, second = (line for line, _ in lines.items)
    assert shown[first] == "  ✗ Is modulo-api responding?"
    assert shown[first + 1].strip() == "Payments 502 for 3m"
    assert shown[second] == "▶ ☑ How many users? (by hand)"
