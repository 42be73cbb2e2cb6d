"""The alerts collector and the acknowledgement call against a real Alertmanager."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from modulo_watch.collectors.alertmanager.acks import ACK_MARK, AlertActions, Matcher, matchers_for
from modulo_watch.collectors.alertmanager.actions import AlertmanagerActions
from modulo_watch.collectors.alertmanager.collector import AlertmanagerCollector
from modulo_watch.collectors.alertmanager.http import AlertSourceError
from modulo_watch.collectors.clock import SystemClock
from modulo_watch.collectors.hub import Hub
from modulo_watch.collectors.models import AlertSnapshot, AlertState, SourceName, SourceState
from modulo_watch.collectors.runner import SourceRunner
from modulo_watch.config import AlertmanagerSettings
from tests.alertmanager_server import AlertmanagerServer, alert
from tests.integration.alertmanager_support import by_name, collector_for, fetch_until

FIFTEEN_MINUTES = timedelta(minutes=15)


@pytest.fixture
async def collector(alertmanager: AlertmanagerServer) -> AsyncIterator[AlertmanagerCollector]:
    made = collector_for(alertmanager.url)
    yield made
    await made.aclose()


@pytest.fixture
async def actions(alertmanager: AlertmanagerServer) -> AsyncIterator[AlertActions]:
    """The real actions, typed as the protocol the app will hold them by."""
    made = AlertmanagerActions(AlertmanagerSettings(url=alertmanager.url), SystemClock())
    yield made
    await made.aclose()


async def test_posted_alerts_arrive_with_their_state_labels_annotations_and_start(
    alertmanager: AlertmanagerServer, collector: AlertmanagerCollector
) -> None:
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=12)
    alertmanager.post_alerts(
        [
            alert(
                "HighErrorRate",
                "critical",
                {"service": "modulo-api"},
                {
                    "summary": "5xx above 5%",
                    "description": "for ten minutes",
                    "runbook_url": "https://runbooks.example/high-error-rate",
                },
                starts_at=started,
            ),
            alert(
                "DiskFilling", "warning", annotations={"message": "92% full", "runbook": "https://rb/disk"}
            ),
        ]
    )

    snapshot = await fetch_until(collector, lambda s: len(s.alerts) == 2, "both alerts")

    errors, disk = by_name(snapshot)["HighErrorRate"], by_name(snapshot)["DiskFilling"]
    assert (errors.severity, errors.state, errors.starts_at) == ("critical", AlertState.ACTIVE, started)
    assert errors.labels == (
        ("alertname", "HighErrorRate"),
        ("service", "modulo-api"),
        ("severity", "critical"),
    )
    assert (errors.summary, errors.description) == ("5xx above 5%", "for ten minutes")
    assert errors.runbook_url == "https://runbooks.example/high-error-rate"
    assert errors.generator_url == "http://prometheus.test/graph?g0.expr=HighErrorRate"
    assert len(errors.fingerprint) == 16 and errors.acknowledgement is None
    assert (disk.summary, disk.runbook_url) == ("92% full", "https://rb/disk"), "the other annotation names"
    assert snapshot.origin == "alertmanager" and snapshot.unreadable == 0


async def test_an_acknowledgement_is_a_real_silence_and_shows_with_its_expiry(
    alertmanager: AlertmanagerServer, collector: AlertmanagerCollector, actions: AlertActions
) -> None:
    alertmanager.post_alerts([alert("HighErrorRate", "critical"), alert("DiskFilling", "warning")])
    firing = by_name(await fetch_until(collector, lambda s: len(s.alerts) == 2, "both alerts"))

    before = datetime.now(UTC)
    silence_id = await actions.acknowledge(
        matchers_for([firing["HighErrorRate"]]), "alice", "looking at the deploy", FIFTEEN_MINUTES
    )

    silence = next(s for s in alertmanager.silences() if s["id"] == silence_id)
    assert silence["status"]["state"] == "active" and silence["createdBy"] == "alice"
    assert silence["comment"] == f"{ACK_MARK} looking at the deploy"
    snapshot = await fetch_until(
        collector, lambda s: by_name(s)["HighErrorRate"].acknowledgement is not None, "the acknowledgement"
    )
    acked = by_name(snapshot)["HighErrorRate"]
    assert acked.acknowledgement is not None
    assert (acked.acknowledgement.silence_id, acked.acknowledgement.by) == (silence_id, "alice")
    assert acked.acknowledgement.comment == "looking at the deploy"
    # Alertmanager keeps milliseconds.
    assert abs(acked.acknowledgement.until - (before + FIFTEEN_MINUTES)) < timedelta(seconds=2)
    assert acked.state == AlertState.SUPPRESSED and acked.silenced_by == (silence_id,)
    assert by_name(snapshot)["DiskFilling"].acknowledgement is None, "only the alert acknowledged"


async def test_taking_an_acknowledgement_back_expires_its_silence_and_the_alert_fires_again(
    alertmanager: AlertmanagerServer, collector: AlertmanagerCollector, actions: AlertActions
) -> None:
    alertmanager.post_alerts([alert("HighErrorRate", "critical")])
    firing = await fetch_until(collector, lambda s: len(s.alerts) == 1, "the alert")
    silence_id = await actions.acknowledge(matchers_for(firing.alerts), "alice", "", FIFTEEN_MINUTES)
    await fetch_until(collector, lambda s: s.alerts[0].acknowledgement is not None, "the acknowledgement")

    await actions.unacknowledge(silence_id)

    snapshot = await fetch_until(collector, lambda s: s.alerts[0].state == AlertState.ACTIVE, "active again")
    assert snapshot.alerts[0].acknowledgement is None and snapshot.alerts[0].silenced_by == ()
    assert [s["status"]["state"] for s in alertmanager.silences() if s["id"] == silence_id] == ["expired"]


async def test_acknowledging_a_group_silences_every_alert_in_it_and_no_other(
    alertmanager: AlertmanagerServer, collector: AlertmanagerCollector, actions: AlertActions
) -> None:
    pods = [alert("PodCrashLooping", "critical", {"pod": f"api-{n}", "namespace": "prod"}) for n in range(3)]
    alertmanager.post_alerts([*pods, alert("PodCrashLooping", "warning", {"pod": "batch-1"})])
    snapshot = await fetch_until(collector, lambda s: len(s.alerts) == 4, "four alerts")
    group = [a for a in snapshot.alerts if a.severity == "critical"]

    await actions.acknowledge(matchers_for(group), "bob", "rolling back", FIFTEEN_MINUTES)

    def acked(snapshot: AlertSnapshot, severity: str) -> list[bool]:
        return [a.acknowledgement is not None for a in snapshot.alerts if a.severity == severity]

    snapshot = await fetch_until(collector, lambda s: any(acked(s, "critical")), "the acknowledgements")
    assert acked(snapshot, "critical") == [True, True, True] and acked(snapshot, "warning") == [False]
    silence = alertmanager.silences()[0]
    assert sorted(m["name"] for m in silence["matchers"]) == ["alertname", "namespace", "severity"]


async def test_a_silence_someone_else_made_is_suppressed_not_acknowledged(
    alertmanager: AlertmanagerServer, collector: AlertmanagerCollector
) -> None:
    alertmanager.post_alerts([alert("Maintenance", "info")])
    await fetch_until(collector, lambda s: len(s.alerts) == 1, "the alert")
    alertmanager.post_silence({"alertname": "Maintenance"}, created_by="carol", comment="planned work")

    snapshot = await fetch_until(collector, lambda s: s.alerts[0].silenced_by != (), "the silence")

    assert snapshot.alerts[0].state == AlertState.SUPPRESSED and snapshot.alerts[0].acknowledgement is None


async def test_taking_back_an_unknown_acknowledgement_is_a_clear_error(actions: AlertActions) -> None:
    with pytest.raises(AlertSourceError, match=r"Alertmanager at http://127\.0\.0\.1:\d+: answered [45]\d\d"):
        await actions.unacknowledge("00000000-0000-0000-0000-000000000000")


async def test_an_alertmanager_that_stops_is_an_error_and_once_started_again_it_recovers(
    alertmanager: AlertmanagerServer, collector: AlertmanagerCollector
) -> None:
    alertmanager.post_alerts([alert("HighErrorRate", "critical")])
    hub = Hub()
    runner = SourceRunner(collector, hub, SystemClock())

    def state() -> SourceState | None:
        status = hub.status(SourceName.ALERTS)
        return None if status is None else status.state

    await runner.poll_once()
    assert state() is SourceState.LIVE

    alertmanager.stop()
    await runner.poll_once()
    status = hub.status(SourceName.ALERTS)
    assert status is not None and status.state is SourceState.STALE
    assert status.last_error is not None and f"Alertmanager at {alertmanager.url}: " in status.last_error

    alertmanager.start()
    alertmanager.post_alerts(
        [alert("HighErrorRate", "critical")]
    )  # alerts live in memory: Prometheus resends
    await runner.poll_once()
    assert state() is SourceState.LIVE
    snapshot = hub.snapshot(SourceName.ALERTS)
    assert isinstance(snapshot, AlertSnapshot) and [a.name for a in snapshot.alerts] == ["HighErrorRate"]


async def test_five_hundred_alerts_in_sixty_groups_are_read_whole(
    alertmanager: AlertmanagerServer, collector: AlertmanagerCollector
) -> None:
    severities = ("critical", "warning")
    alertmanager.post_alerts(
        alert(f"Alert{n % 30}", severities[n // 30 % 2], {"instance": f"node-{n}"}, {"summary": f"alert {n}"})
        for n in range(500)
    )
    snapshot = await fetch_until(collector, lambda s: len(s.alerts) == 500, "500 alerts")

    began = time.perf_counter()
    snapshot = await collector.fetch()
    took = time.perf_counter() - began
    print(f"\nfetch and parse of 500 alerts: {took * 1000:.1f} ms")  # informative: bench/ holds the figures
    assert len({(a.name, a.severity) for a in snapshot.alerts}) == 60
    assert {a.summary for a in snapshot.alerts} == {f"alert {n}" for n in range(500)}


async def test_a_silence_alertmanager_refuses_is_an_error_with_its_reason(
    actions: AlertActions,
) -> None:
    with pytest.raises(
        AlertSourceError, match=r": answered 400 Bad Request: .*start time must be before end"
    ):
        await actions.acknowledge([Matcher("alertname", "X")], "alice", "", -FIFTEEN_MINUTES)
