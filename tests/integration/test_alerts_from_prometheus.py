"""Alerts a real Prometheus evaluates, that fire and resolve: read from Prometheus itself (no Alertmanager
configured), and through a real Alertmanager it notifies."""

from __future__ import annotations

from modulo_watch.collectors.alertmanager.prometheus import PrometheusAlertsCollector
from modulo_watch.collectors.clock import SystemClock
from modulo_watch.collectors.models import AlertSnapshot, AlertState
from modulo_watch.config import PrometheusSettings
from tests.alertmanager_server import AlertmanagerServer
from tests.exporter import Exporter
from tests.integration.alertmanager_support import collector_for, fetch_until
from tests.integration.conftest import MakePrometheus
from tests.prometheus_server import HIGH_ERROR_RATE_RULE

DEADLINE = 30.0  # scrapes and rule evaluations every second, the rule's `for: 2s`, then notification


def states(snapshot: AlertSnapshot) -> list[str]:
    return [alert.state for alert in snapshot.alerts]


async def test_without_alertmanager_prometheus_pending_then_firing_alerts_are_read(
    exporter: Exporter, make_prometheus: MakePrometheus
) -> None:
    exporter.set_error_ratio(0.5)
    prometheus = make_prometheus(rules=[HIGH_ERROR_RATE_RULE])
    collector = PrometheusAlertsCollector(PrometheusSettings(url=prometheus.url, interval=0.2), SystemClock())
    try:
        await fetch_until(collector, lambda s: states(s) == [AlertState.PENDING], "pending", DEADLINE)
        snapshot = await fetch_until(
            collector, lambda s: states(s) == [AlertState.ACTIVE], "firing", DEADLINE
        )
        exporter.set_error_ratio(0.0)
        await fetch_until(
            collector, lambda s: not s.alerts, "resolved once the ratio is back under 5%", DEADLINE
        )
    finally:
        await collector.aclose()

    (firing,) = snapshot.alerts
    assert (firing.name, firing.severity, firing.summary) == (
        "HighErrorRate",
        "page",
        "modulo-api 5xx ratio above 5%",
    )
    assert firing.runbook_url == "https://runbooks.example/modulo-api/high-error-rate"
    assert ("service", "modulo-api") in firing.labels and len(firing.fingerprint) == 16
    assert snapshot.origin == "prometheus" and snapshot.unreadable == 0


async def test_an_alert_prometheus_fires_reaches_the_alertmanager_collector(
    exporter: Exporter, make_prometheus: MakePrometheus, alertmanager: AlertmanagerServer
) -> None:
    exporter.set_error_ratio(0.5)
    make_prometheus(rules=[HIGH_ERROR_RATE_RULE], alertmanager_url=alertmanager.url)
    collector = collector_for(alertmanager.url)
    try:
        snapshot = await fetch_until(
            collector, lambda s: len(s.alerts) == 1, "the alert from Prometheus", DEADLINE
        )
        exporter.set_error_ratio(0.0)
        # Prometheus sends the alert again, resolved; Alertmanager then lists it no more.
        await fetch_until(collector, lambda s: not s.alerts, "the alert resolved", DEADLINE)
    finally:
        await collector.aclose()

    (firing,) = snapshot.alerts
    assert (firing.name, firing.state, firing.severity) == ("HighErrorRate", AlertState.ACTIVE, "page")
    assert firing.generator_url.startswith("http://") and "/graph?" in firing.generator_url
