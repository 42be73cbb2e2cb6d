"""The runbook's checklists against live evidence: answered, verified, by hand, and what blocks resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from modulo_watch.incident.assess import Evidence, Verdict
from modulo_watch.incident.checklists import Phase, blockers, check, evidence_key, find_checklist
from modulo_watch.incident.runbook import Runbook, load_runbook

SEED = Path(__file__).resolve().parents[1] / "data" / "incident-response-runbook.md"


@pytest.fixture(scope="module", params=["seed", "shipped"])
def runbook(request: pytest.FixtureRequest) -> Runbook:
    return load_runbook(SEED if request.param == "seed" else None)


def reading(key: str, verdict: Verdict, text: str = "") -> Evidence:
    return Evidence(key, key, text or verdict.value, verdict)


@pytest.mark.parametrize(
    ("item", "key"),
    [
        ("Are critical APIs responding?", "apis"),
        ("Can users access the main application?", "apis"),
        ("Is modulo-api responding?", "apis"),
        ("Is PostgreSQL accepting connections?", "database"),
        ("Error rates back to normal levels", "error_rate"),
        ("modulo-api error rate back to its normal level", "error_rate"),
        ("Response times within acceptable range", "latency"),
        ("No new related alerts firing", "alerts"),
        ("Primary service functionality restored", "apis"),
        ("Status page shows all systems operational", None),
        ("How many users are affected?", None),
        ("Are payments working?", None),
    ],
)
def test_items_are_linked_to_the_reading_that_decides_them(item: str, key: str | None) -> None:
    assert evidence_key(item) == key


def test_both_runbooks_have_both_checklists(runbook: Runbook) -> None:
    assessment = find_checklist(runbook, Phase.ASSESSMENT)
    resolution = find_checklist(runbook, Phase.RESOLUTION)
    assert assessment is not None and "Assessment" in assessment.title
    assert resolution is not None and "Resolution" in resolution.title
    assert len(assessment.items) == len(resolution.items) == 5


def test_an_assessment_question_is_answered_by_a_bad_reading_too(runbook: Runbook) -> None:
    assessment = find_checklist(runbook, Phase.ASSESSMENT)
    assert assessment is not None
    items = check(assessment, Phase.ASSESSMENT, [reading("apis", Verdict.BAD, "Payments 502")], frozenset())
    answered = [item for item in items if item.ticked]
    assert answered and all(evidence_key(item.text) == "apis" for item in answered)
    assert all(not item.evidence_agrees and item.evidence is not None for item in answered)


def test_resolution_waits_for_the_evidence_and_hand_ticks_where_nothing_decides(runbook: Runbook) -> None:
    resolution = find_checklist(runbook, Phase.RESOLUTION)
    assert resolution is not None
    status_page = next(item.text for item in resolution.items if "Status page" in item.text)
    bad = [reading("error_rate", Verdict.BAD, "3.1%, under 5% for 1m of 5m"), reading("alerts", Verdict.OK)]
    items = check(resolution, Phase.RESOLUTION, bad, frozenset({(resolution.title, status_page)}))
    waiting = {item.text for item in blockers(items)}
    assert status_page not in waiting
    assert any("rror rate" in text for text in waiting)
    assert not any("alerts" in text for text in waiting)

    everything_ok = [reading(key, Verdict.OK) for key in ("error_rate", "apis", "latency", "alerts")]
    items = check(resolution, Phase.RESOLUTION, everything_ok, frozenset({(resolution.title, status_page)}))
    assert blockers(items) == ()


def test_a_hand_tick_does_not_overrule_the_evidence(runbook: Runbook) -> None:
    resolution = find_checklist(runbook, Phase.RESOLUTION)
    assert resolution is not None
    error_item = next(item.text for item in resolution.items if evidence_key(item.text) == "error_rate")
    items = check(
        resolution,
        Phase.RESOLUTION,
        [reading("error_rate", Verdict.BAD)],
        frozenset({(resolution.title, error_item)}),
    )
    assert error_item in {item.text for item in blockers(items)}
