"""The escalation clock naming PagerDuty's on-call person: the levels follow the escalations recorded."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from modulo_watch.incident.clocks import clocks, escalation_contact, next_oncall_person
from modulo_watch.incident.incident import Incident
from modulo_watch.incident.runbook import Runbook, load_runbook
from modulo_watch.outbound.pagerduty import OnCall
from tests.fakes import EPOCH

SEED = Path(__file__).resolve().parents[1] / "data" / "incident-response-runbook.md"


def on_call(level: int, name: str) -> OnCall:
    return OnCall(level=level, name=name, email="", schedule="", until=None)


ANA, DANA, MO = on_call(1, "Ana Lima"), on_call(2, "Dana Reyes"), on_call(3, "Mo Chen")
LEVELS = (ANA, DANA, MO)


@pytest.fixture(scope="module")
def runbook() -> Runbook:
    return load_runbook(SEED)


def p1() -> Incident:
    return Incident("INC-1", "Checkout errors", "P1", EPOCH)


def escalation(incident: Incident, runbook: Runbook | None, levels: tuple[OnCall, ...]) -> str:
    [clock] = [one for one in clocks(incident, EPOCH, runbook, levels) if one.name == "escalate"]
    return clock.contact


def test_the_clock_names_who_is_on_call_at_the_next_level(runbook: Runbook) -> None:
    assert escalation(p1(), runbook, LEVELS) == "Secondary On-Call: Dana Reyes (PagerDuty level 2)"


def test_each_escalation_moves_one_level_up(runbook: Runbook) -> None:
    once = p1().escalated(EPOCH + timedelta(hours=1), "Secondary On-Call")
    assert escalation(once, runbook, LEVELS) == "Manager Escalation: Mo Chen (PagerDuty level 3)"
    twice = once.escalated(EPOCH + timedelta(hours=2), "Manager Escalation")
    assert escalation(twice, runbook, LEVELS) == "Executive Escalation: Executive contact", (
        "past PagerDuty's last level, the runbook's contact"
    )


def test_without_the_levels_the_runbook_says_it(runbook: Runbook) -> None:
    assert escalation(p1(), runbook, ()) == "Secondary On-Call: Check PagerDuty schedule"


def test_without_a_runbook_the_person_alone() -> None:
    assert escalation(p1(), None, LEVELS) == "Dana Reyes (PagerDuty level 2)"
    assert escalation_contact(p1(), None, ()) == ""


def test_levels_count_among_those_with_someone_on_call() -> None:
    """A policy numbering 1 and 3 (nobody at 2 now): PagerDuty passes over the empty level."""
    skipping = (ANA, on_call(3, "Mo Chen"))
    person = next_oncall_person(p1(), skipping)
    assert person is not None and (person.level, person.name) == (3, "Mo Chen")
    assert next_oncall_person(p1().escalated(EPOCH, "Secondary On-Call"), skipping) is None


def test_two_people_at_a_level_name_the_first_by_name() -> None:
    person = next_oncall_person(p1(), (ANA, on_call(2, "Zoe Park"), DANA))
    assert person is not None and person.name == "Dana Reyes"


def test_an_unnamed_person_is_still_a_level() -> None:
    assert escalation(p1(), None, (ANA, on_call(2, ""))) == "someone unnamed (PagerDuty level 2)"
