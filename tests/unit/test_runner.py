"""The collector runtime, driven by a hand-moved clock."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

import pytest

from modulo_watch.collectors.hub import Hub
from modulo_watch.collectors.models import AlertSnapshot, Snapshot, SourceName, SourceState
from modulo_watch.collectors.runner import Backoff, SourceRunner, describe_error
from tests.fakes import EPOCH, FakeClock, HangingCollector, ScriptedCollector


def alerts_snapshot() -> Snapshot:
    return AlertSnapshot(collected_at=EPOCH, alerts=())


def refuse() -> Snapshot:
    raise ConnectionRefusedError("connection refused by 127.0.0.1:9093")


def make_runner(
    steps: list[Callable[[], Snapshot]], clock: FakeClock, hub: Hub
) -> tuple[SourceRunner, ScriptedCollector]:
    collector = ScriptedCollector(SourceName.ALERTS, steps, interval=5.0)
    return SourceRunner(collector, hub, clock, rng=random.Random(7)), collector


async def test_success_publishes_snapshot_and_live_status() -> None:
    hub, clock = Hub(), FakeClock()
    runner, _ = make_runner([alerts_snapshot], clock, hub)

    wait = await runner.poll_once()

    assert wait == 5.0
    assert isinstance(hub.snapshot(SourceName.ALERTS), AlertSnapshot)
    status = hub.status(SourceName.ALERTS)
    assert status is not None
    assert status.state is SourceState.LIVE
    assert status.last_success == EPOCH


async def test_failure_before_any_data_stays_connecting_with_error_and_retry() -> None:
    hub, clock = Hub(), FakeClock()
    runner, _ = make_runner([refuse], clock, hub)

    wait = await runner.poll_once()

    status = hub.status(SourceName.ALERTS)
    assert status is not None
    assert status.state is SourceState.CONNECTING
    assert status.last_error == "connection refused by 127.0.0.1:9093"
    assert status.retry_at == pytest.approx(clock.monotonic() + wait)
    assert hub.snapshot(SourceName.ALERTS) is None


async def test_failure_after_data_is_stale_keeps_last_data_and_recovers() -> None:
    hub, clock = Hub(), FakeClock()
    runner, _ = make_runner([alerts_snapshot, refuse, refuse, alerts_snapshot], clock, hub)
    await runner.poll_once()
    good = hub.snapshot(SourceName.ALERTS)

    clock.elapsed = 30
    await runner.poll_once()
    clock.elapsed = 40
    await runner.poll_once()

    stale = hub.status(SourceName.ALERTS)
    assert stale is not None
    assert stale.state is SourceState.STALE
    assert stale.stale_since == clock.now().replace(second=30)
    assert stale.last_success == EPOCH
    assert hub.snapshot(SourceName.ALERTS) is good

    await runner.poll_once()
    live = hub.status(SourceName.ALERTS)
    assert live is not None
    assert live.state is SourceState.LIVE
    assert live.stale_since is None and live.last_error is None


async def test_backoff_grows_with_failures_and_is_capped() -> None:
    hub, clock = Hub(), FakeClock()
    runner, _ = make_runner([refuse], clock, hub)

    waits = [await runner.poll_once() for _ in range(10)]

    assert waits[0] >= 1.0, "never more than about one attempt a second"
    assert waits[2] > waits[0]
    assert all(15.0 <= wait <= 30.0 for wait in waits[5:])


def test_backoff_jitter_spreads_retries_within_the_step() -> None:
    backoff, rng = Backoff(base=2.0, cap=30.0), random.Random(1)
    delays = {round(backoff.delay(3, rng), 3) for _ in range(50)}

    assert len(delays) > 10
    assert all(4.0 <= delay <= 8.0 for delay in delays)


async def test_a_hanging_source_times_out_with_a_plain_message() -> None:
    hub, clock = Hub(), FakeClock()
    collector = HangingCollector(SourceName.METRICS, [alerts_snapshot], timeout=0.05)
    runner = SourceRunner(collector, hub, clock)

    await runner.poll_once()

    status = hub.status(SourceName.METRICS)
    assert status is not None
    assert status.last_error == "no answer within 0.05 s"


async def test_a_hanging_source_never_delays_another() -> None:
    hub, clock = Hub(), FakeClock()
    hanging = HangingCollector(SourceName.METRICS, [alerts_snapshot], timeout=3600)
    healthy = ScriptedCollector(SourceName.ALERTS, [alerts_snapshot])
    enough = asyncio.Event()

    def count(source: SourceName) -> None:
        if healthy.fetches >= 3:
            enough.set()

    hub.subscribe(count)

    tasks = [asyncio.create_task(SourceRunner(c, hub, clock).run()) for c in (hanging, healthy)]
    await asyncio.wait_for(enough.wait(), timeout=10)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    assert hanging.fetches == 1
    assert healthy.fetches >= 3
    assert hanging.closed and healthy.closed


def test_describe_error_is_one_bounded_line() -> None:
    message = describe_error(ValueError("bad\nbody " + "x" * 500), timeout=2)

    assert "\n" not in message
    assert len(message) <= 200
    assert describe_error(RuntimeError(), timeout=2) == "RuntimeError"


class WaitingClock(FakeClock):
    """Sleeps until the test releases it: only a wake-up moves a runner on."""

    def __init__(self) -> None:
        super().__init__()
        self.sleeping = 0
        self.release = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.sleeping += 1
        try:
            await self.release.wait()
        finally:
            self.sleeping -= 1


async def until(condition: Callable[[], bool], what: str) -> None:
    """Yield to the loop until ``condition`` holds; a bounded number of turns, not a timer."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError(f"never happened: {what}")


async def test_refetch_now_cuts_the_wait_short_after_a_success() -> None:
    hub, clock = Hub(), WaitingClock()
    collector = ScriptedCollector(SourceName.METRICS, [alerts_snapshot], interval=3600.0)
    runner = SourceRunner(collector, hub, clock)
    task = asyncio.create_task(runner.run())
    try:
        await until(lambda: clock.sleeping == 1, "the runner waits out its interval")
        assert collector.fetches == 1
        runner.refetch_now()
        await until(lambda: collector.fetches == 2, "a second fetch, long before the hour is up")
        await until(lambda: clock.sleeping == 1, "the runner waits again, once")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert collector.closed


async def test_refetch_during_a_fetch_fetches_again_right_after_it() -> None:
    hub, clock = Hub(), WaitingClock()
    runner: SourceRunner | None = None

    def asked_during_the_fetch() -> Snapshot:
        assert runner is not None
        runner.refetch_now()
        return alerts_snapshot()

    collector = ScriptedCollector(
        SourceName.METRICS, [asked_during_the_fetch, alerts_snapshot], interval=3600.0
    )
    runner = SourceRunner(collector, hub, clock)
    task = asyncio.create_task(runner.run())
    try:
        await until(lambda: collector.fetches == 2 and clock.sleeping == 1, "the second fetch, then a wait")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_failing_source_keeps_its_backoff_when_asked_to_refetch() -> None:
    hub, clock = Hub(), WaitingClock()
    collector = ScriptedCollector(SourceName.METRICS, [refuse], interval=3600.0)
    runner = SourceRunner(collector, hub, clock, rng=random.Random(7))
    task = asyncio.create_task(runner.run())
    try:
        await until(lambda: clock.sleeping == 1, "the runner backs off")
        runner.refetch_now()
        for _ in range(50):  # turns of the loop in which a wrongly woken runner would fetch again
            await asyncio.sleep(0)
        assert collector.fetches == 1
        clock.release.set()
        await until(lambda: collector.fetches >= 2, "the retry once the backoff is over")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
