"""Alerts that fire and resolve on the timeline, shaped as Alertmanager reports them, and the silences the
responder makes to acknowledge them, which suppress what they match as Alertmanager's would."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from modulo_watch.collectors.alertmanager.acks import Matcher
from modulo_watch.collectors.drill.spec import AlertEvent, Event, ResolveEvent
from modulo_watch.collectors.models import Acknowledgement, Alert, AlertSnapshot, AlertState

_NEVER = float("inf")


@dataclass(frozen=True, slots=True)
class _Firing:
    event: AlertEvent
    labels: tuple[tuple[str, str], ...]
    fingerprint: str
    resolved: float

    @property
    def annotations(self) -> tuple[tuple[str, str], ...]:
        """As a Prometheus rule annotates an alert: its summary and its runbook."""
        pairs = (("runbook_url", self.event.runbook_url), ("summary", self.event.summary))
        return tuple((name, value) for name, value in pairs if value)


def _firing(event: AlertEvent) -> _Firing:
    labels = tuple(sorted({("alertname", event.name), ("severity", event.severity), *event.labels}))
    # Alertmanager fingerprints a label set as 16 hex digits; only stability matters here.
    fingerprint = hashlib.sha256(repr(labels).encode()).hexdigest()[:16]
    return _Firing(event, labels, fingerprint, _NEVER)


@dataclass(frozen=True, slots=True)
class DrillSilence:
    """An acknowledgement: from ``begins`` until ``ends`` (drill seconds), over what its matchers match."""

    id: str
    matchers: tuple[Matcher, ...]
    begins: float
    ends: float
    acknowledgement: Acknowledgement

    def silences(self, labels: tuple[tuple[str, str], ...], at: float) -> bool:
        return self.begins <= at < self.ends and all((m.name, m.value) in labels for m in self.matchers)


class AlertTimeline:
    def __init__(self, events: tuple[Event, ...]) -> None:
        self._firings: list[_Firing] = []
        self._silences: list[DrillSilence] = []
        for event in events:
            if isinstance(event, AlertEvent):
                self._firings.append(_firing(event))
            elif isinstance(event, ResolveEvent):
                self._resolve(event)

    def snapshot(self, at: float, start: datetime) -> AlertSnapshot:
        alerts = tuple(
            self._silenced(
                Alert(
                    fingerprint=f.fingerprint,
                    name=f.event.name,
                    severity=f.event.severity,
                    state=AlertState.ACTIVE,  # as Alertmanager's API v2 reports a firing, unsilenced alert
                    starts_at=start + timedelta(seconds=f.event.at),
                    summary=f.event.summary,
                    labels=f.labels,
                    runbook_url=f.event.runbook_url,
                    annotations=f.annotations,
                ),
                at,
            )
            for f in self._firings
            if f.event.at <= at < f.resolved
        )
        return AlertSnapshot(collected_at=start + timedelta(seconds=at), alerts=alerts)

    def silence(
        self,
        matchers: Sequence[Matcher],
        begins: float,
        ends: float,
        author: str,
        comment: str,
        start: datetime,
    ) -> str:
        """Acknowledge what ``matchers`` match from drill time ``begins`` to ``ends``; returns its id."""
        silence_id = f"drill-silence-{len(self._silences) + 1}"
        until = start + timedelta(seconds=ends)
        ack = Acknowledgement(silence_id=silence_id, by=author, until=until, comment=comment)
        self._silences.append(DrillSilence(silence_id, tuple(matchers), begins, ends, ack))
        return silence_id

    def expire(self, silence_id: str, at: float) -> bool:
        """End a silence at drill time ``at``, as Alertmanager's DELETE does; False if it is not active."""
        for index, silence in enumerate(self._silences):
            if silence.id == silence_id and silence.begins <= at < silence.ends:
                self._silences[index] = replace(silence, ends=at)
                return True
        return False

    def _silenced(self, alert: Alert, at: float) -> Alert:
        matching = [silence for silence in self._silences if silence.silences(alert.labels, at)]
        if not matching:
            return alert
        return replace(
            alert,
            state=AlertState.SUPPRESSED,
            silenced_by=tuple(silence.id for silence in matching),
            acknowledgement=max((s.acknowledgement for s in matching), key=lambda ack: ack.until),
        )

    def _resolve(self, event: ResolveEvent) -> None:
        wanted = set(event.labels)
        self._firings = [
            _Firing(f.event, f.labels, f.fingerprint, event.at)
            if f.event.name == event.name and f.resolved == _NEVER and wanted <= set(f.labels)
            else f
            for f in self._firings
        ]
