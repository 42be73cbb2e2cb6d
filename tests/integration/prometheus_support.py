"""Fetching from a real Prometheus the way the app does, and waiting on what it reports."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from modulo_watch.collectors.models import MetricsSnapshot
from modulo_watch.collectors.prometheus.collector import PrometheusCollector

DEADLINE = 30.0  # Prometheus discovers its target within about 5 s, then scrapes every second
POLL = 0.2  # between fetches while waiting: a poll interval, not a synchronisation


async def fetch_until(
    collector: PrometheusCollector, condition: Callable[[MetricsSnapshot], bool], what: str
) -> MetricsSnapshot:
    """Fetch until ``condition`` holds for the snapshot; fail with ``what`` after a deadline."""
    deadline = time.monotonic() + DEADLINE
    while True:
        snapshot = await collector.fetch()
        if condition(snapshot):
            return snapshot
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last: {snapshot.error_ratio.points[-3:]}")
        await asyncio.sleep(POLL)
