"""The test harness itself: the exporter's scripted ratio drives a real alert rule that fires and resolves."""

from __future__ import annotations

import time
from typing import Any

from tests.exporter import Exporter
from tests.integration.conftest import MakePrometheus
from tests.prometheus_server import HIGH_ERROR_RATE_RULE

DEADLINE = 30.0


def alert_states(alerts: list[dict[str, Any]]) -> list[str]:
    return [alert["state"] for alert in alerts if alert["labels"]["alertname"] == "HighErrorRate"]


def wait_for_states(prometheus_api: Any, expected: list[str], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while (states := alert_states(prometheus_api("alerts")["alerts"])) != expected:
        assert time.monotonic() < deadline, f"timed out waiting for {what}; states: {states}"
        time.sleep(0.2)  # a poll interval: the loop checks the condition


def test_the_high_error_rate_rule_fires_and_resolves(
    exporter: Exporter, make_prometheus: MakePrometheus
) -> None:
    prometheus = make_prometheus(rules=[HIGH_ERROR_RATE_RULE])
    prometheus.wait_for('up{job="modulo-api"} == 1')
    wait_for_states(prometheus.api, [], "no alert at 2%")

    exporter.set_error_ratio(0.12)
    wait_for_states(prometheus.api, ["firing"], "HighErrorRate firing at 12%")

    exporter.set_error_ratio(0.01)
    wait_for_states(prometheus.api, [], "HighErrorRate resolved at 1%")
