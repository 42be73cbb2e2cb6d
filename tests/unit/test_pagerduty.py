"""Which PagerDuty incident is an alert's, the dedup keys Alertmanager's PagerDuty receiver sends, and the
reason PagerDuty's error bodies give."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import httpx
import pytest

from modulo_watch.outbound.pagerduty import OnCall, PagerDutyIncident, next_oncall, reason_of
from modulo_watch.outbound.pagerduty_events import dedup_keys, incident_for_alert, label_set

LABELS = {"alertname": "HighErrorRate", "service": "payments", "severity": "page"}


def made(
    number: int, title: str = "", *, key: str = "", status: str = "triggered", hour: int | None = None
) -> PagerDutyIncident:
    return PagerDutyIncident(
        id=f"P{number}",
        number=number,
        title=title,
        status=status,
        urgency="high",
        assignees=(),
        escalation_level=None,
        escalation_policy="",
        html_url="",
        incident_key=key,
        created_at=datetime(2026, 11, 27, hour if hour is not None else number, tzinfo=UTC),
    )


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_label_set_is_written_as_alertmanager_writes_it() -> None:
    assert label_set({"severity": "page", "alertname": "X"}) == '{alertname="X", severity="page"}'
    assert label_set({}) == "{}"
    assert label_set({"a": 'say "hi"\\'}) == r'{a="say \"hi\"\\"}'
    assert label_set({"a": "tab\there\nnew\x00\x7f"}) == r'{a="tab\there\nnew\x00\x7f"}'
    assert label_set({"a": "café 中文 \u200b\x85"}) == '{a="café 中文 \\u200b\\u0085"}'
    assert label_set({"a": "\U000e0041"}) == '{a="\\U000e0041"}'


def test_the_dedup_keys_of_the_usual_routes() -> None:
    keys = dedup_keys("HighErrorRate", LABELS, "fp-1234", ['{}/{team="db"}:{service="payments"}'])

    assert keys == (
        "fp-1234",
        sha('{}/{team="db"}:{service="payments"}'),
        sha('{}:{alertname="HighErrorRate", service="payments", severity="page"}'),
        sha('{}:{alertname="HighErrorRate"}'),
    )
    # Labels as the alert model holds them (pairs), and without alertname among them.
    assert dedup_keys("HighErrorRate", [("service", "payments"), ("severity", "page")]) == keys[2:]


def test_the_dedup_key_wins_over_the_title() -> None:
    by_title = made(3, "[FIRING:1] HighErrorRate payments")
    by_key = made(1, "something else", key=sha('{}:{alertname="HighErrorRate"}'))

    assert incident_for_alert([by_title, by_key], "HighErrorRate", LABELS) == by_key


def test_the_fingerprint_as_a_dedup_key() -> None:
    by_key = made(1, key="a1b2c3d4e5f60718")

    assert incident_for_alert([by_key], "HighErrorRate", LABELS, fingerprint="a1b2c3d4e5f60718") == by_key
    assert incident_for_alert([by_key], "HighErrorRate", LABELS) is None


@pytest.mark.parametrize(
    "title",
    [
        "[FIRING:2] HighErrorRate (payments page)",
        "HighErrorRate",
        "payments: HighErrorRate!",
    ],
)
def test_the_title_names_the_alert(title: str) -> None:
    assert incident_for_alert([made(1, title)], "HighErrorRate", LABELS) is not None


@pytest.mark.parametrize(
    "title", ["HighErrorRateP99 firing", "NotHighErrorRate", "higherrorrate", "High Error Rate", ""]
)
def test_a_title_naming_another_alert_is_no_match(title: str) -> None:
    assert incident_for_alert([made(1, title)], "HighErrorRate", LABELS) is None


def test_the_newest_open_incident_is_preferred() -> None:
    older = made(1, "HighErrorRate")
    newer = made(2, "HighErrorRate")
    newest_resolved = made(3, "HighErrorRate", status="resolved")

    assert incident_for_alert([newer, newest_resolved, older], "HighErrorRate", LABELS) == newer
    assert incident_for_alert([newest_resolved], "HighErrorRate", LABELS) == newest_resolved


def test_an_alert_without_a_name_matches_by_key_only() -> None:
    assert incident_for_alert([made(1, "anything")], "", {}) is None
    assert incident_for_alert([], "HighErrorRate", LABELS) is None


def test_a_name_is_matched_literally() -> None:
    hostile = "a.b*(c"
    assert incident_for_alert([made(1, f"[FIRING:1] {hostile}")], hostile, {}) is not None
    assert incident_for_alert([made(1, "aXb*(c")], hostile, {}) is None


def test_next_oncall_skips_to_the_next_level_present() -> None:
    levels = [
        OnCall(1, "Ana", "", "", None),
        OnCall(3, "Carla", "", "", None),
        OnCall(3, "Bia", "", "", None),
    ]

    assert next_oncall(levels, 1) == levels[2]  # level 2 is empty; of level 3, by name
    assert next_oncall(levels, 0) == levels[0]
    assert next_oncall(levels, 3) is None
    assert next_oncall([], 1) is None


@pytest.mark.parametrize(
    ("status", "body", "said"),
    [
        (400, {"error": {"message": "Invalid Input Provided", "code": 2001, "errors": ["A", "B"]}}, "A; B"),
        (400, {"error": {"message": "Invalid Input Provided", "errors": [7]}}, "Invalid Input Provided"),
        (
            400,
            {"status": "invalid event", "message": "Event object is invalid", "errors": ["Bad key"]},
            "Bad key",
        ),
        (
            429,
            {"status": "throttle event", "message": "Requests for this service are arriving too quickly"},
            "Requests for this service are arriving too quickly",
        ),
        (404, {"error": {"message": "Not Found", "code": 2100}}, ""),  # the status says it already
        (400, {"error": "what"}, '{"error": "what"}'),
        (502, "<html>Bad gateway</html>", '"<html>Bad gateway</html>"'),
        (400, {"error": {"errors": ["key sekrit-123 unknown\n\x1b[2J"]}}, "key *** unknown [2J"),
    ],
)
def test_the_reason_in_an_error_body(status: int, body: object, said: str) -> None:
    response = httpx.Response(status)

    assert reason_of(response, json.dumps(body).encode(), ["sekrit-123"]) == said
