"""Alerts that fire and resolve on the timeline, shaped as Alertmanager reports them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from modulo_watch.collectors.drill.spec import AlertEvent, Event, ResolveEvent
from modulo_watch.collectors.models import Alert, AlertSnapshot

_NEVER = float("inf")


@dataclass(frozen=True, slots=True)
class _Firing:
    event: AlertEvent
    labels: tuple[tuple[str, str], ...]
    fingerprint: str
    resolved: float


def _firing(event: AlertEvent) -> _Firing:
    labels = tuple(sorted({("alertname", event.name), ("severity", event.severity), *event.labels}))
    # Alertmanager fingerprints a label set as 16 hex digits; only stability matters here.
    fingerprint = hashlib.sha256(repr(labels).encode()).hexdigest()[:16]
    return _Firing(event, labels, fingerprint, _NEVER)


class AlertTimeline:
    def __init__(self, events: tuple[Event, ...]) -> None:
        self._firings: list[_Firing] = []
        for event in events:
            if isinstance(event, AlertEvent):
                self._firings.append(_firing(event))
            elif isinstance(event, ResolveEvent):
                self._resolve(event)

    def snapshot(self, at: float, start: datetime) -> AlertSnapshot:
        alerts = tuple(
            Alert(
                fingerprint=f.fingerprint,
                name=f.event.name,
                severity=f.event.severity,
                state="active",  # as Alertmanager's API v2 reports a firing, unsilenced alert
                starts_at=start + timedelta(seconds=f.event.at),
                summary=f.event.summary,
                labels=f.labels,
                runbook_url=f.event.runbook_url,
            )
            for f in self._firings
            if f.event.at <= at < f.resolved
        )
        return AlertSnapshot(collected_at=start + timedelta(seconds=at), alerts=alerts)

    def _resolve(self, event: ResolveEvent) -> None:
        wanted = set(event.labels)
        self._firings = [
            _Firing(f.event, f.labels, f.fingerprint, event.at)
            if f.event.name == event.name and f.resolved == _NEVER and wanted <= set(f.labels)
            else f
            for f in self._firings
        ]
