"""Reading a real Alertmanager the way the app does, and waiting on what it reports."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from modulo_watch.collectors.alertmanager.collector import AlertmanagerCollector
from modulo_watch.collectors.clock import SystemClock
from modulo_watch.collectors.models import Alert, AlertSnapshot
from modulo_watch.collectors.runner import Collector
from modulo_watch.config import AlertmanagerSettings

DEADLINE = 10.0


def collector_for(url: str) -> AlertmanagerCollector:
    return AlertmanagerCollector(AlertmanagerSettings(url=url, interval=0.2), SystemClock())


async def fetch_until(
    collector: Collector,
    condition: Callable[[AlertSnapshot], bool],
    what: str,
    deadline_seconds: float = DEADLINE,
) -> AlertSnapshot:
    """Fetch until ``condition`` holds for the snapshot; fail with ``what`` after a deadline."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        snapshot = await collector.fetch()
        assert isinstance(snapshot, AlertSnapshot)
        if condition(snapshot):
            return snapshot
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last saw {snapshot.alerts}")
        await asyncio.sleep(0.05)  # a poll interval, not a synchronisation: the loop checks the condition


def by_name(snapshot: AlertSnapshot) -> dict[str, Alert]:
    return {alert.name: alert for alert in snapshot.alerts}
