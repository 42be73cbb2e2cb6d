"""Drill collectors: one per source, each serving its slice of the scenario's world.

They satisfy the runner's ``Collector`` protocol, so the real ``SourceRunner`` schedules them,
marks them stale during a scripted outage and retries with its usual backoff. The world carries
what is cheap to compute at every moment; the rollouts and the events are told by their own
collectors, at the same world tick.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from modulo_watch.collectors.drill.engine import Scenario, World
from modulo_watch.collectors.graph_view import GraphView
from modulo_watch.collectors.models import EventSnapshot, Snapshot, SourceName
from modulo_watch.collectors.runner import Collector

if TYPE_CHECKING:
    from modulo_watch.collectors.drill.events import EventLog

POLL_INTERVAL = 1.0
"""Real seconds between fetches, whatever the drill's speed."""
FETCH_TIMEOUT = 2.0
WORLD_TICK = 0.25
"""Drill seconds per cached world: the sources polled in the same instant share one world."""
_CACHED_WORLDS = 4


class SimulatedClock(Protocol):
    """What drill collectors need of a clock (``DrillClock`` has it)."""

    @property
    def elapsed(self) -> float: ...

    def now(self) -> datetime: ...


def drill_start(now: datetime) -> datetime:
    """The drill's first moment: launch time to the second, so drill time begins when the app does."""
    aware = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    return aware.replace(microsecond=0)


class WorldCache:
    """Worlds by elapsed drill time, rounded down to ``WORLD_TICK``; keeps the last few."""

    def __init__(self, scenario: Scenario, start: datetime) -> None:
        self._scenario = scenario
        self._start = start
        self._worlds: OrderedDict[tuple[float, int], World] = OrderedDict()

    def at(self, elapsed: float) -> World:
        # A responder's action on the drill changes its world from then on: the worlds before it are stale.
        tick = (elapsed - elapsed % WORLD_TICK, self._scenario.actions_taken)
        world = self._worlds.get(tick)
        if world is None:
            world = self._worlds[tick] = self._scenario.world_at(tick[0], self._start)
            if len(self._worlds) > _CACHED_WORLDS:
                self._worlds.popitem(last=False)
        return world


class DrillCollector:
    def __init__(
        self, source: SourceName, worlds: WorldCache, clock: SimulatedClock, interval: float = POLL_INTERVAL
    ) -> None:
        self.source = source
        self.interval = interval
        self.timeout = FETCH_TIMEOUT
        self._worlds = worlds
        self._clock = clock

    async def fetch(self) -> Snapshot:
        world = self._worlds.at(self._clock.elapsed)
        if self.source in world.sources_down:
            raise ConnectionError(f"drill: {self.source} unreachable (scripted outage)")
        return await self.serve(world)

    async def serve(self, world: World) -> Snapshot:
        return world.snapshot(self.source)

    async def aclose(self) -> None:
        """Nothing to release: the world is computed, not fetched."""


class RolloutsCollector(DrillCollector):
    def __init__(
        self, scenario: Scenario, start: datetime, worlds: WorldCache, clock: SimulatedClock, interval: float
    ) -> None:
        super().__init__(SourceName.ROLLOUTS, worlds, clock, interval)
        self._scenario = scenario
        self._start = start

    async def serve(self, world: World) -> Snapshot:
        return self._scenario.rollouts.snapshot(world.elapsed, self._start)


class MetricsCollector(DrillCollector):
    """The metrics over the window the graph shows, as the live collector fetches them."""

    def __init__(
        self,
        scenario: Scenario,
        start: datetime,
        worlds: WorldCache,
        clock: SimulatedClock,
        interval: float,
        view: GraphView,
    ) -> None:
        super().__init__(SourceName.METRICS, worlds, clock, interval)
        self._scenario = scenario
        self._start = start
        self._view = view

    async def serve(self, world: World) -> Snapshot:
        view = self._view
        return self._scenario.metrics_at(world.elapsed, self._start, view.window_seconds, view.points)


class EventsCollector(DrillCollector):
    def __init__(
        self, scenario: Scenario, start: datetime, worlds: WorldCache, clock: SimulatedClock, interval: float
    ) -> None:
        super().__init__(SourceName.EVENTS, worlds, clock, interval)
        self._scenario = scenario
        self._start = start
        self._log: EventLog | None = None
        self._making = threading.Lock()
        self._telling: asyncio.Future[EventSnapshot] | None = None

    async def serve(self, world: World) -> Snapshot:
        # Pods' stories cost tens of milliseconds each: off the event loop. A telling that outlives its
        # fetch's timeout goes on in its thread; the next fetch awaits it rather than queueing another
        # (for a later, costlier moment) behind its lock.
        if self._telling is None or self._telling.done():
            self._telling = asyncio.ensure_future(asyncio.to_thread(self._snapshot, world.elapsed))
        return await asyncio.shield(self._telling)

    def _snapshot(self, elapsed: float) -> EventSnapshot:
        with self._making:
            if self._log is None:  # on first use: the story machinery stays out of the first frame
                from modulo_watch.collectors.drill.events import EventLog

                self._log = EventLog(self._scenario, self._start)
        return self._log.snapshot(elapsed)


def drill_collectors(
    scenario: Scenario,
    clock: SimulatedClock,
    start: datetime | None = None,
    intervals: Mapping[SourceName, float] | None = None,
    graph_view: GraphView | None = None,
) -> list[Collector]:
    """One collector per source, all reading one shared world cache.

    ``start`` is the clock's start; by default it is worked out from the clock itself.
    ``intervals`` are the poll intervals by source (the live sources' configured ones, so a drill
    refreshes as a real incident would); a source not named polls every second. ``graph_view`` is
    the window and width the metrics graph shows (the UI changes it).
    """
    if start is None:
        start = clock.now() - timedelta(seconds=clock.elapsed)
    worlds = WorldCache(scenario, start)
    every = {source: (intervals or {}).get(source, POLL_INTERVAL) for source in SourceName}
    told: dict[SourceName, Collector] = {
        SourceName.ROLLOUTS: RolloutsCollector(scenario, start, worlds, clock, every[SourceName.ROLLOUTS]),
        SourceName.EVENTS: EventsCollector(scenario, start, worlds, clock, every[SourceName.EVENTS]),
        SourceName.METRICS: MetricsCollector(
            scenario, start, worlds, clock, every[SourceName.METRICS], graph_view or GraphView()
        ),
    }
    return [told.get(source) or DrillCollector(source, worlds, clock, every[source]) for source in SourceName]
