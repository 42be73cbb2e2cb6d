"""The Alertmanager collector: every alert (active, suppressed, unprocessed), with our acknowledgements."""

from __future__ import annotations

import asyncio

from modulo_watch.collectors.alertmanager.acks import acknowledgements, latest_acknowledgement
from modulo_watch.collectors.alertmanager.http import REQUEST_TIMEOUT, JsonHttp
from modulo_watch.collectors.alertmanager.wire import (
    Item,
    ShapeError,
    WireAlert,
    WireSilence,
    decode_list,
    to_alert,
)
from modulo_watch.collectors.clock import Clock
from modulo_watch.collectors.models import Acknowledgement, Alert, AlertSnapshot, SourceName
from modulo_watch.config import AlertmanagerSettings

TIMEOUT_SLACK = 2.0


class AlertmanagerCollector:
    source = SourceName.ALERTS

    def __init__(
        self, settings: AlertmanagerSettings, clock: Clock, request_timeout: float = REQUEST_TIMEOUT
    ) -> None:
        if settings.url is None:
            raise ValueError("no Alertmanager URL")  # callers check settings.configured
        self.interval = settings.interval
        self.timeout = 2 * request_timeout + TIMEOUT_SLACK  # the alerts, then perhaps the silences
        self._http = JsonHttp(settings.url, "Alertmanager", request_timeout)
        self._clock = clock

    async def fetch(self) -> AlertSnapshot:
        wire_alerts, unreadable = await self._read_list("api/v2/alerts", WireAlert)
        acks = await self._acknowledgements(wire_alerts)
        alerts = await asyncio.to_thread(to_alerts, wire_alerts, acks)
        return AlertSnapshot(self._clock.now(), alerts, origin="alertmanager", unreadable=unreadable)

    async def _acknowledgements(self, alerts: list[WireAlert]) -> dict[str, Acknowledgement]:
        # Silences are read only when something is silenced: expired ones pile up for days (--data.retention).
        if not any(alert.status.silenced_by for alert in alerts):
            return {}
        silences, _ = await self._read_list("api/v2/silences", WireSilence)
        return acknowledgements(silences)

    async def _read_list(self, path: str, item_type: type[Item]) -> tuple[list[Item], int]:
        body = await self._http.get(path)
        try:
            # Off the event loop: 10,000 alerts take a quarter of a second to decode and convert.
            return await asyncio.to_thread(decode_list, body, item_type)
        except ShapeError as err:
            raise self._http.error(f"unreadable answer to /{path}: {err}") from None

    async def aclose(self) -> None:
        await self._http.aclose()


def to_alerts(wire_alerts: list[WireAlert], acks: dict[str, Acknowledgement]) -> tuple[Alert, ...]:
    return tuple(
        to_alert(wire, latest_acknowledgement(wire.status.silenced_by or (), acks)) for wire in wire_alerts
    )
