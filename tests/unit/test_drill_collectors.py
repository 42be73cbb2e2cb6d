"""Drill collectors behind the real SourceRunner and Hub, on a hand-driven clock."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta

import pytest

from modulo_watch.collectors.clock import DrillClock
from modulo_watch.collectors.drill import Scenario, World, drill_collectors, load_scenario
from modulo_watch.collectors.hub import Hub
from modulo_watch.collectors.models import (
    AlertSnapshot,
    EventSnapshot,
    MetricsSnapshot,
    NodeSnapshot,
    PgSnapshot,
    PodSnapshot,
    RolloutSnapshot,
    SourceName,
    SourceState,
)
from modulo_watch.collectors.runner import Collector, SourceRunner
from tests.fakes import EPOCH, FakeClock

OUTAGE_START, OUTAGE_END = 10 * 60, 11 * 60 + 30  # bad-deploy drops the metrics source here
# A safety net, not a timing: the test waits on a condition.
RIDE_THROUGH_DEADLINE = 60.0


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario("bad-deploy")


def by_source(collectors: list[Collector]) -> dict[SourceName, Collector]:
    return {c.source: c for c in collectors}


async def test_one_collector_per_source_serving_its_snapshot(scenario: Scenario) -> None:
    clock = FakeClock()
    clock.elapsed = 8 * 60
    collectors = by_source(drill_collectors(scenario, clock))

    assert set(collectors) == set(SourceName)
    assert all(c.interval == 1.0 and c.timeout == 2.0 for c in collectors.values())
    expected = {
        SourceName.PODS: PodSnapshot,
        SourceName.NODES: NodeSnapshot,
        SourceName.EVENTS: EventSnapshot,
        SourceName.ROLLOUTS: RolloutSnapshot,
        SourceName.POSTGRES: PgSnapshot,
        SourceName.METRICS: MetricsSnapshot,
        SourceName.ALERTS: AlertSnapshot,
    }
    for source, kind in expected.items():
        snapshot = await collectors[source].fetch()
        assert isinstance(snapshot, kind)
        assert snapshot.collected_at == EPOCH + timedelta(minutes=8)


async def test_scripted_outage_fails_only_that_source(scenario: Scenario) -> None:
    clock = FakeClock()
    clock.elapsed = OUTAGE_START + 30
    collectors = by_source(drill_collectors(scenario, clock))

    with pytest.raises(ConnectionError, match=r"^drill: metrics unreachable \(scripted outage\)$"):
        await collectors[SourceName.METRICS].fetch()
    for source in set(SourceName) - {SourceName.METRICS}:
        await collectors[source].fetch()


async def test_collectors_of_one_tick_share_one_world(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed: list[float] = []
    real_world_at = scenario.world_at

    def counting(elapsed: float, start: datetime) -> World:
        computed.append(elapsed)
        return real_world_at(elapsed, start)

    monkeypatch.setattr(scenario, "world_at", counting)
    clock = FakeClock()
    clock.elapsed = 120.0
    collectors = drill_collectors(scenario, clock)

    for collector in collectors:
        if collector.source is not SourceName.EVENTS:  # it samples pods' stories from worlds of its own
            await collector.fetch()
    clock.elapsed = 121.0
    await collectors[0].fetch()

    assert computed == [120.0, 121.0]


async def test_runner_shows_live_then_stale_during_the_outage_then_live(scenario: Scenario) -> None:
    hub, clock = Hub(), FakeClock()
    runners = {
        c.source: SourceRunner(c, hub, clock, rng=random.Random(3)) for c in drill_collectors(scenario, clock)
    }

    clock.elapsed = OUTAGE_START - 60
    for runner in runners.values():
        await runner.poll_once()
    assert all(_state(hub, source) is SourceState.LIVE for source in SourceName)
    before = hub.snapshot(SourceName.METRICS)

    clock.elapsed = OUTAGE_START + 15
    for runner in runners.values():
        await runner.poll_once()
    status = hub.status(SourceName.METRICS)
    assert status is not None and status.state is SourceState.STALE
    assert status.last_error == "drill: metrics unreachable (scripted outage)"
    assert status.stale_since == EPOCH + timedelta(seconds=OUTAGE_START + 15)
    assert hub.snapshot(SourceName.METRICS) is before  # the last good data stays on screen
    assert all(_state(hub, s) is SourceState.LIVE for s in set(SourceName) - {SourceName.METRICS})

    clock.elapsed = OUTAGE_END + 1
    await runners[SourceName.METRICS].poll_once()
    assert _state(hub, SourceName.METRICS) is SourceState.LIVE


async def test_running_runners_ride_through_the_outage(scenario: Scenario) -> None:
    """The runners' own loops, on a clock that moves as they sleep, until metrics has recovered."""
    hub, clock = Hub(), FakeClock()
    clock.elapsed = OUTAGE_START - 20
    seen: dict[SourceName, list[SourceState]] = {source: [] for source in SourceName}
    recovered = asyncio.Event()

    def record(source: SourceName) -> None:
        status = hub.status(source)
        if status is not None and (not seen[source] or seen[source][-1] is not status.state):
            seen[source].append(status.state)
        # The events are built in a thread: the fake clock may run through the outage before they report.
        reported = all(SourceState.LIVE in states for states in seen.values())
        outage = seen[SourceName.METRICS][-3:] == [SourceState.LIVE, SourceState.STALE, SourceState.LIVE]
        if reported and outage:
            recovered.set()

    hub.subscribe(record)
    collectors = drill_collectors(scenario, clock)
    # Events are first told in a thread, taking real seconds while the runners spin the fake clock on:
    # told once before they start, a slow machine does not race the deadline.
    await asyncio.gather(*(collector.fetch() for collector in collectors))
    for collector in collectors:
        # A fetch's timeout is in real seconds, but this clock never waits: the runners spin it on while
        # the events are told in their thread. A stall of the process (a full garbage collection after
        # the TUI tests) would time that telling out and move the retry far into the drill.
        collector.timeout = RIDE_THROUGH_DEADLINE
    runners = [SourceRunner(c, hub, clock, rng=random.Random(5)) for c in collectors]
    tasks = [asyncio.create_task(runner.run()) for runner in runners]
    try:
        await asyncio.wait_for(recovered.wait(), timeout=RIDE_THROUGH_DEADLINE)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    assert clock.elapsed >= OUTAGE_END
    for source in set(SourceName) - {SourceName.METRICS}:
        assert seen[source] == [SourceState.CONNECTING, SourceState.LIVE]


async def test_works_on_a_real_paused_drill_clock(scenario: Scenario) -> None:
    start = EPOCH
    clock = DrillClock(start=start, speed=30.0)
    clock.pause()
    clock.jump_to(OUTAGE_START + 5)
    collectors = by_source(drill_collectors(scenario, clock))

    with pytest.raises(ConnectionError):
        await collectors[SourceName.METRICS].fetch()
    alerts = await collectors[SourceName.ALERTS].fetch()
    assert alerts.collected_at == start + timedelta(seconds=OUTAGE_START + 5)


def _state(hub: Hub, source: SourceName) -> SourceState | None:
    status = hub.status(source)
    return None if status is None else status.state
