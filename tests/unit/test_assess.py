"""Live evidence and the severity it suggests: on the drills' worlds, and on readings made for the rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from modulo_watch.collectors.drill import load_scenario
from modulo_watch.collectors.models import (
    HealthProbe,
    HealthSnapshot,
    MetricsSnapshot,
    ProbeFailure,
    Series,
    Snapshot,
    SourceName,
)
from modulo_watch.incident.assess import Evidence, Verdict, gather, resolution_evidence, suggest_severity
from tests.fakes import EPOCH

NOW = EPOCH + timedelta(hours=1)


def world(scenario: str, minute: float) -> dict[SourceName, Snapshot]:
    at = load_scenario(scenario).world_at(minute * 60, EPOCH)
    sources = (SourceName.PODS, SourceName.POSTGRES, SourceName.METRICS, SourceName.ALERTS, SourceName.HEALTH)
    return {source: at.snapshot(source) for source in sources}


def by_key(evidence: tuple[Evidence, ...]) -> dict[str, Evidence]:
    return {item.key: item for item in evidence}


def ratio(*values: float) -> MetricsSnapshot:
    """An error ratio over the last minutes, one point a minute, the last one now."""
    start = NOW - timedelta(minutes=len(values) - 1)
    points = tuple((start + timedelta(minutes=n), value) for n, value in enumerate(values))
    return MetricsSnapshot(NOW, Series("5xx ratio", points, unit="ratio"))


def probe(name: str, down_for: timedelta | None = None) -> HealthProbe:
    if down_for is None:
        return HealthProbe(name, "https://x.test/", NOW, 0.04, 200)
    return HealthProbe(
        name, "https://x.test/", NOW, 0.04, 503, ProbeFailure.STATUS, "503", NOW, "503", NOW - down_for
    )


def health(*probes: HealthProbe) -> HealthSnapshot:
    return HealthSnapshot(NOW, probes)


@pytest.mark.parametrize(
    ("value", "severity"), [(0.136, "P1"), (0.10, "P1"), (0.07, "P2"), (0.05, "P2"), (0.049, None)]
)
def test_the_error_ratio_suggests_p1_from_10_and_p2_from_5_percent(
    value: float, severity: str | None
) -> None:
    suggestion = suggest_severity({SourceName.METRICS: ratio(0.01, value)}, NOW)
    assert (suggestion.severity if suggestion else None) == severity
    if suggestion:
        assert f"{value * 100:.1f}%" in suggestion.reason


def test_an_api_down_for_minutes_is_an_outage_but_a_blip_is_not() -> None:
    down = {SourceName.HEALTH: health(probe("API", timedelta(minutes=3)), probe("Login"))}
    suggestion = suggest_severity(down, NOW)
    assert suggestion is not None and suggestion.severity == "P0" and "API down for 3m" in suggestion.reason

    blip = {SourceName.HEALTH: health(probe("API", timedelta(seconds=20)), probe("Login"))}
    assert suggest_severity(blip, NOW) is None


def test_every_check_failing_is_an_outage() -> None:
    down = health(probe("Login", timedelta(seconds=5)), probe("Payments", timedelta(seconds=5)))
    suggestion = suggest_severity({SourceName.HEALTH: down}, NOW)
    assert suggestion is not None and suggestion.severity == "P0"
    assert suggestion.reason == "every health check failing (Login, Payments)"


def test_nothing_wrong_suggests_nothing_and_unknown_sources_say_so() -> None:
    assert suggest_severity({}, NOW) is None
    evidence = gather({}, NOW)
    assert [item.verdict for item in evidence] == [Verdict.UNKNOWN] * 6


def test_the_error_rate_reading_has_its_trend() -> None:
    rising = by_key(gather({SourceName.METRICS: ratio(0.01, 0.01, 0.02, 0.04, 0.08, 0.12)}, NOW))
    assert rising["error_rate"] == Evidence("error_rate", "Error rate", "12.0% rising", Verdict.BAD)
    falling = by_key(gather({SourceName.METRICS: ratio(0.12, 0.1, 0.06, 0.03, 0.01, 0.004)}, NOW))
    assert falling["error_rate"].reading == "0.4% falling" and falling["error_rate"].verdict is Verdict.OK


def test_the_bad_deploy_at_its_worst() -> None:
    snapshots = world("bad-deploy", 12)
    suggestion = suggest_severity(snapshots, EPOCH + timedelta(minutes=12))
    assert suggestion is not None and suggestion.severity == "P1", suggestion
    evidence = by_key(gather(snapshots, EPOCH + timedelta(minutes=12)))
    assert evidence["error_rate"].verdict is Verdict.BAD
    assert evidence["pods"].verdict is Verdict.BAD, "crash-looping pods are not ready"
    assert evidence["alerts"].reading.endswith("(1 critical)")
    assert evidence["apis"].verdict is Verdict.BAD and "Payments 502" in evidence["apis"].reading


def test_the_bad_deploy_before_it_starts_is_calm() -> None:
    snapshots = world("bad-deploy", 0.5)
    assert suggest_severity(snapshots, EPOCH + timedelta(seconds=30)) is None
    evidence = by_key(gather(snapshots, EPOCH + timedelta(seconds=30)))
    assert evidence["error_rate"].verdict is Verdict.OK and evidence["apis"].verdict is Verdict.OK


def test_the_lock_chain_shows_in_the_database_reading() -> None:
    evidence = by_key(gather(world("db-connections", 6), EPOCH + timedelta(minutes=6)))
    assert evidence["database"].verdict is Verdict.BAD
    assert "waiting on locks" in evidence["database"].reading


def test_resolution_waits_until_the_error_rate_has_settled() -> None:
    just_calm = by_key(resolution_evidence({SourceName.METRICS: ratio(0.12, 0.09, 0.03, 0.02)}, NOW))
    assert just_calm["error_rate"].verdict is Verdict.BAD
    assert just_calm["error_rate"].reading.endswith("under 5% for 1m of 5m")

    settled = by_key(resolution_evidence({SourceName.METRICS: ratio(0.12, *[0.01] * 6)}, NOW))
    assert settled["error_rate"].verdict is Verdict.OK
    assert settled["error_rate"].reading.endswith("under 5% for 5m")
    assert by_key(resolution_evidence({}, NOW))["error_rate"].verdict is Verdict.UNKNOWN
