"""Alerts without an Alertmanager: Prometheus' own ``/api/v1/alerts`` (pending and firing; no silences)."""

from __future__ import annotations

import asyncio
import hashlib

import msgspec

from modulo_watch.collectors.alertmanager.http import REQUEST_TIMEOUT, JsonHttp
from modulo_watch.collectors.alertmanager.wire import AwareTime, first_annotation
from modulo_watch.collectors.clock import Clock
from modulo_watch.collectors.models import Alert, AlertSnapshot, AlertState, SourceName
from modulo_watch.config import PrometheusSettings

TIMEOUT_SLACK = 2.0
# Prometheus says "firing" where Alertmanager says "active": the pane knows Alertmanager's words.
_STATES = {"firing": AlertState.ACTIVE, "pending": AlertState.PENDING}


class PromAlert(msgspec.Struct, frozen=True):
    labels: dict[str, str]
    state: str
    active_at: AwareTime = msgspec.field(name="activeAt")
    annotations: dict[str, str] | None = None


class PromAlertsData(msgspec.Struct, frozen=True):
    alerts: list[msgspec.Raw]


class PromAlertsAnswer(msgspec.Struct, frozen=True):
    status: str
    data: PromAlertsData | None = None
    error: str = ""


def decode_prometheus_alerts(body: bytes) -> tuple[list[Alert], int]:
    """The readable alerts of an ``/api/v1/alerts`` answer and how many were not; ValueError for a bad
    answer as a whole (not JSON, another shape, or Prometheus' own error)."""
    try:
        answer = msgspec.json.decode(body, type=PromAlertsAnswer)
    except msgspec.DecodeError as err:
        raise ValueError(f"not an alerts answer ({err})") from None
    if answer.status != "success":
        raise ValueError(f"status {answer.status!r}: {answer.error or 'no reason given'}")
    if answer.data is None:
        raise ValueError("a success without data")
    alerts: list[Alert] = []
    for raw in answer.data.alerts:
        try:
            alerts.append(prometheus_alert(msgspec.json.decode(raw, type=PromAlert)))
        except msgspec.ValidationError:
            continue
    return alerts, len(answer.data.alerts) - len(alerts)


def prometheus_alert(wire: PromAlert) -> Alert:
    annotations = wire.annotations or {}
    labels = tuple(sorted(wire.labels.items()))
    return Alert(
        fingerprint=label_fingerprint(labels),
        name=wire.labels.get("alertname", ""),
        severity=wire.labels.get("severity", ""),
        state=_STATES.get(wire.state, wire.state),
        starts_at=wire.active_at,
        summary=first_annotation(annotations, "summary", "message"),
        labels=labels,
        runbook_url=first_annotation(annotations, "runbook_url", "runbook"),
        description=annotations.get("description", ""),
        annotations=tuple(sorted(annotations.items())),
    )


def label_fingerprint(labels: tuple[tuple[str, str], ...]) -> str:
    """A stable key for a label set, 16 hex digits like Alertmanager's (which Prometheus does not send)."""
    return hashlib.sha256(repr(labels).encode()).hexdigest()[:16]


class PrometheusAlertsCollector:
    source = SourceName.ALERTS

    def __init__(
        self, settings: PrometheusSettings, clock: Clock, request_timeout: float = REQUEST_TIMEOUT
    ) -> None:
        if settings.url is None:
            raise ValueError("no Prometheus URL")  # callers check settings.configured
        self.interval = settings.interval
        self.timeout = request_timeout + TIMEOUT_SLACK
        self._http = JsonHttp(settings.url, "Prometheus", request_timeout)
        self._clock = clock

    async def fetch(self) -> AlertSnapshot:
        body = await self._http.get("api/v1/alerts")
        try:
            alerts, unreadable = await asyncio.to_thread(decode_prometheus_alerts, body)  # off the loop
        except ValueError as err:
            raise self._http.error(f"unreadable answer to /api/v1/alerts: {err}") from None
        return AlertSnapshot(self._clock.now(), tuple(alerts), origin="prometheus", unreadable=unreadable)

    async def aclose(self) -> None:
        await self._http.aclose()
