"""The runbook's communication templates filled in from the incident (modulo_watch.incident.comms)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from modulo_watch.incident.comms import (
    ALERT,
    RESOLVED,
    TemplateValues,
    fill,
    find_template,
    single_line,
)
from modulo_watch.incident.runbook import Runbook, load_runbook, parse_runbook

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "tests" / "data" / "incident-response-runbook.md"
SIREN = "\N{POLICE CARS REVOLVING LIGHT}"
CHECK = "\N{WHITE HEAVY CHECK MARK}"

VALUES = TemplateValues(
    severity="P1",
    title="Checkout failing",
    status="Identified",
    impact="30% of checkouts fail",
    eta="15:30 UTC",
    channel="#incident-20261126-checkout-failing",
    duration="42m 00s",
    resolution="Rolled back modulo-api to r41",
    postmortem_at="2026-11-27 10:00 UTC",
)
FILLED_ALERT = (
    f"{SIREN} INCIDENT ALERT - P1\n"
    "Title: Checkout failing\n"
    "Status: Identified\n"
    "Impact: 30% of checkouts fail\n"
    "ETA: 15:30 UTC\n"
    "Updates: Every 15 minutes or when status changes\n"
    "Incident Channel: #incident-20261126-checkout-failing\n"
)
FILLED_RESOLVED = (
    f"{CHECK} INCIDENT RESOLVED - P1\n"
    "Title: Checkout failing\n"
    "Status: Resolved\n"
    "Resolution: Rolled back modulo-api to r41\n"
    "Duration: 42m 00s\n"
    "Next Steps: Postmortem scheduled for 2026-11-27 10:00 UTC\n"
)
SEVERITY_ONLY = """\
# Runbook
## Severity
### Critical (P0)
- **Definition:** Down
- **Response Time:** 5 min
"""


@pytest.fixture(scope="module", params=["shipped", "seed"])
def runbook(request: pytest.FixtureRequest) -> Runbook:
    return load_runbook(None if request.param == "shipped" else SEED)


def test_the_alert_template_filled(runbook: Runbook) -> None:
    template = find_template(runbook, ALERT)
    assert template is not None and template.name == "INCIDENT ALERT"
    assert fill(template.text, VALUES) == FILLED_ALERT


def test_the_resolved_template_filled(runbook: Runbook) -> None:
    template = find_template(runbook, RESOLVED)
    assert template is not None and template.name == "INCIDENT RESOLVED"
    values = TemplateValues(**{**_fields(VALUES), "status": "Resolved"})
    assert fill(template.text, values) == FILLED_RESOLVED


def test_missing_values_stay_as_written(runbook: Runbook) -> None:
    alert = find_template(runbook, ALERT)
    assert alert is not None
    assert fill(alert.text, TemplateValues()) == alert.text
    partial = fill(alert.text, TemplateValues(severity="P0", title="API down", eta=""))
    assert partial.splitlines()[:5] == [
        f"{SIREN} INCIDENT ALERT - P0",
        "Title: API down",
        "Status: Investigating",
        "Impact: [User/service impact]",
        "ETA: [If known]",  # an empty value fills nothing: the responder still sees the blank
    ]
    assert partial.endswith("Incident Channel: #incident-YYYYMMDD-description\n")


def test_placeholders_are_matched_by_meaning_not_spelling() -> None:
    text = (
        "DOWN - P[0/1/2/3]: [title]\n"
        "Who: [IMPACT] ([Customer impact])\n"
        "Fix: [Brief description of the fix], back in [ETA]\n"
        "Channel: [Slack channel] (see #incident-YYYYMMDD-brief-description)\n"
        "Root cause: [If known]\n"
        "Owner: [Name]\n"
        "state: [Investigating/Identified/Monitoring]\n"
    )
    assert fill(text, VALUES) == (
        "DOWN - P1: Checkout failing\n"
        "Who: 30% of checkouts fail (30% of checkouts fail)\n"
        "Fix: Rolled back modulo-api to r41, back in 15:30 UTC\n"
        "Channel: #incident-20261126-checkout-failing (see #incident-20261126-checkout-failing)\n"
        "Root cause: [If known]\n"  # "if known" means nothing on its own: the line's label is unknown
        "Owner: [Name]\n"
        "state: Identified\n"
    )


def test_the_line_label_decides_a_lone_placeholder() -> None:
    text = "Resolution: [Brief description]\nTitle: [Brief description]\n"
    assert fill(text, VALUES) == "Resolution: Rolled back modulo-api to r41\nTitle: Checkout failing\n"


@pytest.mark.parametrize(
    "title",
    [
        "DB down\nStatus: Resolved",
        "DB down\r\nStatus: Resolved",
        "DB down\rStatus: Resolved",
        "DB down\u2028Status: Resolved",
        "DB down\x85Status: Resolved",
        "DB down\x0bStatus: Resolved",
    ],
)
def test_a_value_cannot_forge_template_lines(title: str) -> None:
    template = find_template(load_runbook(None), ALERT)
    assert template is not None
    filled = fill(template.text, TemplateValues(title=title))
    assert len(filled.splitlines()) == len(template.text.splitlines())
    assert filled.splitlines()[1] == "Title: DB down Status: Resolved"
    assert filled.splitlines()[2] == "Status: Investigating"


def test_hostile_values_are_inert_and_never_refilled() -> None:
    text = "Title: [Brief description]\nImpact: [User/service impact]\nETA: [If known]\n"
    values = TemplateValues(
        title="\x1b]0;owned\x07 [If known] #incident-YYYYMMDD-x",
        impact="\x1b[2J\x9b31m\ttabbed\x00",
        eta="P[0/1]",
        severity="P0",
        channel="#incident-20261126-real",
    )
    assert fill(text, values) == (
        "Title: \u241b]0;owned\u2407 [If known] #incident-YYYYMMDD-x\n"
        "Impact: \u241b[2J\u237031m tabbed\u2400\n"
        "ETA: P[0/1]\n"
    )


def test_a_bare_severity_digit() -> None:
    assert fill("ALERT - P[0/1]\n", TemplateValues(severity="0")) == "ALERT - P0\n"


def test_single_line() -> None:
    assert single_line("  a\n\nb\tc \x1b ") == "a b c \u241b"
    assert single_line("") == ""


def test_a_runbook_without_templates() -> None:
    runbook = parse_runbook(SEVERITY_ONLY, "team.md")
    assert runbook.templates == ()
    assert find_template(runbook, ALERT) is None
    assert find_template(runbook, RESOLVED) is None


def test_templates_named_differently_are_found_by_name_or_step() -> None:
    by_name = parse_runbook(
        SEVERITY_ONLY + "## Communication Templates\n### First message\n```\nDOWN: [Service]\n```\n"
        f"### All clear\n```\n{CHECK} ALL CLEAR - [Service]\n```\n",
        "team.md",
    )
    first, last = find_template(by_name, ALERT), find_template(by_name, RESOLVED)
    assert first is not None and first.name == "First message"
    assert last is not None and last.name == "ALL CLEAR"
    by_step = parse_runbook(
        SEVERITY_ONLY + "## Incident Response Process\n### 1. Triage\n1. Look\n"
        "### 2. Initial Response\n#### Slack Template\n```\nHeads up: [Title] is broken\n```\n"
        "### 3. Resolution\n#### Wrap-up Template\n```\nFixed: [Title], by [Fix]\n```\n",
        "team.md",
    )
    alert, resolved = find_template(by_step, ALERT), find_template(by_step, RESOLVED)
    assert alert is not None and alert.name == "Slack Template"
    assert resolved is not None and resolved.name == "Wrap-up Template"
    assert fill(resolved.text, VALUES) == "Fixed: Checkout failing, by Rolled back modulo-api to r41\n"


def test_an_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown template kind"):
        find_template(load_runbook(None), "update")


def _fields(values: TemplateValues) -> dict[str, str | None]:
    return {name: getattr(values, name) for name in TemplateValues.__dataclass_fields__}


def test_it_loads_without_textual_or_rich() -> None:
    probe = "import sys, modulo_watch.incident.comms; print('\\n'.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(result.stdout.split())
    assert "textual" not in loaded and "rich" not in loaded
    assert not any(name.startswith(("modulo_watch.tui", "modulo_watch.widgets")) for name in loaded)
