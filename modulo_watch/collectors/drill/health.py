"""The health checks of a drill: each ``[[health_check]]`` probed every ``PROBE_STEP`` of drill time.

A probe's outcome depends only on its check, its moment and the seed, so any moment can be shown,
including one reached by jumping ahead; its failures across probes are remembered with the live
collector's own ``record``, run from the drill's first probe.
"""

from __future__ import annotations

import bisect
import math
from datetime import datetime, timedelta

from modulo_watch.collectors.drill.level import Level
from modulo_watch.collectors.drill.noise import signed_unit, text_key, unit
from modulo_watch.collectors.drill.spec import Event, HealthCheckSpec, HealthEvent
from modulo_watch.collectors.health import ProbeOutcome, judge_status, record, refused, timed_out
from modulo_watch.collectors.models import HealthProbe, HealthSnapshot
from modulo_watch.config import redact_url

PROBE_STEP = 10.0  # drill seconds between probes: the live [health] interval's default
LATENCY_NOISE = 0.3  # a probe's latency is off its level by up to this share of it


class _CheckTimeline:
    """One check: its failure mode at any moment, its latency level, and its remembered probes."""

    def __init__(self, spec: HealthCheckSpec, seed: int, events: list[HealthEvent]) -> None:
        self.spec = spec
        self._key = (seed, text_key(spec.name))
        self._latency = Level(spec.latency_ms)
        for event in events:
            if event.latency_ms is not None:
                self._latency.ramp_to(event.at, event.over, event.latency_ms)
        self._starts = [event.at for event in events]
        self._events = events
        self._url = redact_url(spec.url)
        # The newest probe made (drill start, probe index, probe): the next moment goes on from it.
        self._latest: tuple[datetime, int, HealthProbe | None] | None = None

    def probe(self, index: int, start: datetime) -> HealthProbe:
        """The probe number ``index`` (at ``index * PROBE_STEP``), with the failures before it."""
        latest = self._latest
        if latest is None or latest[0] != start or latest[1] > index:  # a new drill, or back in time
            latest = (start, -1, None)
        _, done, probe = latest
        for step in range(done + 1, index + 1):
            at = start + timedelta(seconds=step * PROBE_STEP)
            probe = record(self.spec.name, self._url, self._outcome(step), at, probe)
        assert probe is not None  # index >= 0, so at least the first probe was made
        self._latest = (start, index, probe)
        return probe

    def _outcome(self, step: int) -> ProbeOutcome:
        at = step * PROBE_STEP
        latency = self._latency.at(at) / 1000 * (1 + LATENCY_NOISE * signed_unit(*self._key, step))
        event = self._event_at(at)
        if event is not None and _failing(event) and unit(*self._key, step, 1) < event.share:
            return _failure(event, latency, self.spec.timeout)
        if latency >= self.spec.timeout:
            return timed_out(self.spec.timeout)
        return ProbeOutcome(latency, 200)

    def _event_at(self, at: float) -> HealthEvent | None:
        index = bisect.bisect_right(self._starts, at) - 1
        return self._events[index] if index >= 0 else None


def _failure(event: HealthEvent, latency: float, timeout: float) -> ProbeOutcome:
    if event.error == "refused":
        return refused()
    if event.error == "timeout" or latency >= timeout:
        return timed_out(timeout)
    return judge_status(event.status, (), latency, None)


def _failing(event: HealthEvent) -> bool:
    return bool(event.error) or not 200 <= event.status < 300


class HealthTimeline:
    def __init__(self, checks: tuple[HealthCheckSpec, ...], seed: int, events: tuple[Event, ...]) -> None:
        health = [event for event in events if isinstance(event, HealthEvent)]
        self._checks = tuple(
            _CheckTimeline(check, seed, [event for event in health if event.check == check.name])
            for check in checks
        )

    def snapshot(self, at: float, start: datetime) -> HealthSnapshot:
        index = max(0, math.floor(at / PROBE_STEP))
        return HealthSnapshot(
            collected_at=start + timedelta(seconds=at),
            probes=tuple(check.probe(index, start) for check in self._checks),
        )
