"""Live evidence for the responder: what the sources hold, read as the runbook's checklists ask for it,
and the severity it suggests, with the reason.

The severity levels are the runbook's: P0 complete outage, P1 major degradation (the error ratio at or
over 10%), P2 minor degradation (5-10%), P3 minimal impact (something fires, nothing else is wrong).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from modulo_watch.collectors.models import (
    AlertSnapshot,
    AlertState,
    HealthProbe,
    HealthSnapshot,
    MetricsSnapshot,
    PgSnapshot,
    PodSnapshot,
    Series,
    Snapshot,
    SourceName,
    severity_level,
)

P1_ERROR_RATIO = 0.10
P2_ERROR_RATIO = 0.05
# An API check failing this long is an outage, not a blip (a check that fails now and then does not).
OUTAGE_AFTER = timedelta(minutes=2)
TREND_LOOKBACK = timedelta(minutes=5)
# Resolution waits until the error ratio stays under P2_ERROR_RATIO this long: one calm scrape is no fix.
SETTLED_FOR = timedelta(minutes=5)
CONNECTIONS_HIGH = 0.8  # of max_connections


class Verdict(StrEnum):
    OK = "ok"
    BAD = "bad"
    UNKNOWN = "unknown"  # the source is not configured or has not reported


@dataclass(frozen=True, slots=True)
class Evidence:
    """One reading the checklists rest on: "Error rate 13.6% rising" is bad."""

    key: str  # error_rate, apis, pods, database, alerts, latency
    label: str
    reading: str
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class SeveritySuggestion:
    severity: str  # P0..P3
    reason: str


Snapshots = Mapping[SourceName, Snapshot]


def gather(snapshots: Snapshots, now: datetime) -> tuple[Evidence, ...]:
    """Every reading, in the order the runbook's assessment asks its questions."""
    return (
        _error_rate(snapshots.get(SourceName.METRICS)),
        _apis(snapshots.get(SourceName.HEALTH), now),
        _pods(snapshots.get(SourceName.PODS)),
        _database(snapshots.get(SourceName.POSTGRES)),
        _alerts(snapshots.get(SourceName.ALERTS)),
        _latency(snapshots.get(SourceName.METRICS)),
    )


def resolution_evidence(snapshots: Snapshots, now: datetime) -> tuple[Evidence, ...]:
    """The readings resolution is verified against: as ``gather``, but the error rate must have settled."""
    settled = _settled_error_rate(snapshots.get(SourceName.METRICS))
    return tuple(settled if item.key == "error_rate" else item for item in gather(snapshots, now))


def suggest_severity(snapshots: Snapshots, now: datetime) -> SeveritySuggestion | None:
    """The severity the evidence points to and why; None when nothing is wrong."""
    outage = _api_outage(snapshots.get(SourceName.HEALTH), now)
    if outage is not None:
        return SeveritySuggestion("P0", outage)
    metrics = _metrics(snapshots)
    ratio = metrics.error_ratio.latest if metrics is not None else None
    if ratio is not None and ratio >= P1_ERROR_RATIO:
        return SeveritySuggestion("P1", f"error ratio {_percent(ratio)} (P1 from 10%)")
    if ratio is not None and ratio >= P2_ERROR_RATIO:
        return SeveritySuggestion("P2", f"error ratio {_percent(ratio)} (P2 from 5%)")
    firing = _firing(snapshots.get(SourceName.ALERTS))
    if firing:
        return SeveritySuggestion("P3", f"{len(firing)} alert(s) firing, error ratio under 5%")
    return None


# --- readings ---------------------------------------------------------------------------------------------


def _metrics(snapshots: Snapshots) -> MetricsSnapshot | None:
    found = snapshots.get(SourceName.METRICS)
    return found if isinstance(found, MetricsSnapshot) else None


def _latest(series: Series | None) -> float | None:
    return series.latest if series is not None else None


def _percent(ratio: float) -> str:
    return f"{ratio * 100:.1f}%"


def _trend(series: Series) -> str:
    if len(series.points) < 2:
        return ""
    newest_at, newest = series.points[-1]
    earlier = [value for moment, value in series.points if moment <= newest_at - TREND_LOOKBACK]
    if not earlier:
        return ""
    before = earlier[-1]
    if newest > before * 1.1 + 0.001:
        return " rising"
    if newest < before * 0.9 - 0.001:
        return " falling"
    return " steady"


def _error_rate(snapshot: Snapshot | None) -> Evidence:
    label = "Error rate"
    if not isinstance(snapshot, MetricsSnapshot) or snapshot.error_ratio.latest is None:
        return Evidence("error_rate", label, "no data", Verdict.UNKNOWN)
    ratio = snapshot.error_ratio.latest
    verdict = Verdict.BAD if ratio >= P2_ERROR_RATIO else Verdict.OK
    return Evidence("error_rate", label, _percent(ratio) + _trend(snapshot.error_ratio), verdict)


def _settled_error_rate(snapshot: Snapshot | None) -> Evidence:
    """OK once every point of the last SETTLED_FOR is under 5%; the reading says how long it has held."""
    found = _error_rate(snapshot)
    if found.verdict is not Verdict.OK or not isinstance(snapshot, MetricsSnapshot):
        return found
    points = snapshot.error_ratio.points
    newest_at = points[-1][0]
    calm_since = newest_at
    for moment, value in reversed(points):
        if value >= P2_ERROR_RATIO:
            break
        calm_since = moment
    calm = newest_at - calm_since
    minutes = int(calm.total_seconds() // 60)
    if calm >= SETTLED_FOR:
        return Evidence(found.key, found.label, f"{found.reading}, under 5% for {minutes}m", Verdict.OK)
    needed = int(SETTLED_FOR.total_seconds() // 60)
    reading = f"{found.reading}, under 5% for {minutes}m of {needed}m"
    return Evidence(found.key, found.label, reading, Verdict.BAD)


def _latency(snapshot: Snapshot | None) -> Evidence:
    label = "Response time (p95)"
    p95 = _latest(snapshot.latency_p95) if isinstance(snapshot, MetricsSnapshot) else None
    if p95 is None:
        return Evidence("latency", label, "no data", Verdict.UNKNOWN)
    reading = f"{p95 * 1000:.0f} ms" if p95 < 1 else f"{p95:.2f} s"
    return Evidence("latency", label, reading, Verdict.BAD if p95 >= 1.0 else Verdict.OK)


def _apis(snapshot: Snapshot | None, now: datetime) -> Evidence:
    label = "Critical APIs"
    if not isinstance(snapshot, HealthSnapshot) or not snapshot.probes:
        return Evidence("apis", label, "no health checks", Verdict.UNKNOWN)
    failing = snapshot.failing
    if not failing:
        return Evidence("apis", label, f"all {len(snapshot.probes)} responding", Verdict.OK)
    reading = ", ".join(f"{probe.name} {_failure(probe, now)}" for probe in failing)
    return Evidence("apis", label, reading, Verdict.BAD)


def _failure(probe: HealthProbe, now: datetime) -> str:
    why = str(probe.status_code) if probe.status_code else (probe.failure or "failing")
    if probe.failing_since is None:
        return why
    minutes = int((now - probe.failing_since).total_seconds() // 60)
    return f"{why} for {minutes}m" if minutes else why


def _api_outage(snapshot: Snapshot | None, now: datetime) -> str | None:
    """Every check down, or an API check down for OUTAGE_AFTER: the runbook's complete outage."""
    if not isinstance(snapshot, HealthSnapshot) or not snapshot.probes:
        return None
    if len(snapshot.failing) == len(snapshot.probes):
        return f"every health check failing ({', '.join(p.name for p in snapshot.probes)})"
    for probe in snapshot.failing:
        down = now - probe.failing_since if probe.failing_since is not None else timedelta(0)
        if "api" in probe.name.lower() and down >= OUTAGE_AFTER:
            return f"{probe.name} down for {int(down.total_seconds() // 60)}m"
    return None


def _pods(snapshot: Snapshot | None) -> Evidence:
    label = "Pods ready"
    if not isinstance(snapshot, PodSnapshot) or not snapshot.pods:
        return Evidence("pods", label, "no pods", Verdict.UNKNOWN)
    running = [pod for pod in snapshot.pods if pod.status not in ("Succeeded", "Completed")]
    ready = sum(1 for pod in running if pod.total_containers and pod.ready_containers == pod.total_containers)
    verdict = Verdict.OK if ready == len(running) else Verdict.BAD
    return Evidence("pods", label, f"{ready}/{len(running)}", verdict)


def _database(snapshot: Snapshot | None) -> Evidence:
    label = "Database connections"
    if not isinstance(snapshot, PgSnapshot):
        return Evidence("database", label, "no data", Verdict.UNKNOWN)
    used, limit = len(snapshot.backends), snapshot.max_connections
    waiting = snapshot.waiting
    reading = f"{used}/{limit}" + (f", {waiting} waiting on locks" if waiting else "")
    verdict = Verdict.BAD if waiting or (limit and used >= CONNECTIONS_HIGH * limit) else Verdict.OK
    return Evidence("database", label, reading, verdict)


def _firing(snapshot: Snapshot | None) -> list[str]:
    if not isinstance(snapshot, AlertSnapshot):
        return []
    return [alert.name for alert in snapshot.alerts if alert.state == AlertState.ACTIVE]


def _alerts(snapshot: Snapshot | None) -> Evidence:
    label = "Alerts firing"
    if not isinstance(snapshot, AlertSnapshot):
        return Evidence("alerts", label, "no data", Verdict.UNKNOWN)
    firing = [alert for alert in snapshot.alerts if alert.state == AlertState.ACTIVE]
    if not firing:
        return Evidence("alerts", label, "none", Verdict.OK)
    critical = sum(1 for alert in firing if severity_level(alert.severity) == 1)
    reading = f"{len(firing)}" + (f" ({critical} critical)" if critical else "")
    return Evidence("alerts", label, reading, Verdict.BAD)
