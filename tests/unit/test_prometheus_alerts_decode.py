"""Prometheus' /api/v1/alerts as Prometheus 2.x answers it: the fallback without an Alertmanager."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from modulo_watch.collectors.alertmanager.prometheus import decode_prometheus_alerts
from modulo_watch.collectors.models import AlertState

# The shape of a real answer (Prometheus 2.45), nanoseconds and a UTC offset included.
RECORDED = {
    "status": "success",
    "data": {
        "alerts": [
            {
                "labels": {"alertname": "HighErrorRate", "service": "modulo-api", "severity": "page"},
                "annotations": {
                    "runbook_url": "https://runbooks.example/modulo-api/high-error-rate",
                    "summary": "modulo-api 5xx ratio above 5%",
                },
                "state": "firing",
                "activeAt": "2026-11-27T05:27:12.60602144+01:00",
                "value": "1.2e-01",
            },
            {
                "labels": {"alertname": "DiskFilling", "severity": "warning"},
                "annotations": {},
                "state": "pending",
                "activeAt": "2026-11-27T04:29:00Z",
                "value": "9.2e-01",
            },
        ]
    },
}


def test_firing_reads_as_active_and_pending_as_pending() -> None:
    alerts, unreadable = decode_prometheus_alerts(json.dumps(RECORDED).encode())

    firing, pending = alerts
    assert (firing.name, firing.severity, firing.state) == ("HighErrorRate", "page", AlertState.ACTIVE)
    assert firing.starts_at == datetime(2026, 11, 27, 5, 27, 12, 606021, tzinfo=timezone(timedelta(hours=1)))
    assert firing.starts_at == datetime(2026, 11, 27, 4, 27, 12, 606021, tzinfo=UTC)
    assert (firing.summary, firing.runbook_url) == (
        "modulo-api 5xx ratio above 5%",
        "https://runbooks.example/modulo-api/high-error-rate",
    )
    assert pending.state == AlertState.PENDING and unreadable == 0


def test_the_same_labels_give_the_same_fingerprint_every_time() -> None:
    first, _ = decode_prometheus_alerts(json.dumps(RECORDED).encode())
    again, _ = decode_prometheus_alerts(json.dumps(RECORDED).encode())

    assert [a.fingerprint for a in first] == [a.fingerprint for a in again]
    assert len({a.fingerprint for a in first}) == 2


def test_an_unreadable_alert_is_left_out_and_counted() -> None:
    broken = {"labels": {"alertname": "X"}, "state": "firing", "activeAt": "yesterday"}
    payload = {"status": "success", "data": {"alerts": [broken, *RECORDED["data"]["alerts"]]}}  # type: ignore[index]

    alerts, unreadable = decode_prometheus_alerts(json.dumps(payload).encode())

    assert len(alerts) == 2 and unreadable == 1


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"not json", "not an alerts answer (JSON is malformed"),
        (b"[]", "not an alerts answer (Expected `object`, got `array`)"),
        (
            b'{"status": "error", "errorType": "timeout", "error": "query timed out"}',
            "status 'error': query timed out",
        ),
        (b'{"status": "success"}', "a success without data"),
    ],
)
def test_a_bad_answer_as_a_whole_is_a_clear_error(body: bytes, problem: str) -> None:
    with pytest.raises(ValueError) as raised:
        decode_prometheus_alerts(body)
    assert problem in str(raised.value)
