"""Test doubles for things we own: a hand-driven clock and scriptable collectors."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from modulo_watch.collectors.models import Snapshot, SourceName

EPOCH = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)


class FakeClock:
    """A clock that only moves when something sleeps on it or a test advances it."""

    def __init__(self, start: datetime = EPOCH) -> None:
        self._start = start
        self.elapsed = 0.0
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.elapsed)

    def monotonic(self) -> float:
        return self.elapsed

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.elapsed += seconds
        await asyncio.sleep(0)


class ScriptedCollector:
    """A collector whose every fetch runs the next step of a script: return a snapshot, raise, or hang."""

    def __init__(
        self,
        source: SourceName,
        steps: list[Callable[[], Snapshot]],
        interval: float = 1.0,
        timeout: float = 2.0,
    ) -> None:
        self.source = source
        self.interval = interval
        self.timeout = timeout
        self._steps = steps
        self.fetches = 0
        self.closed = False

    async def fetch(self) -> Snapshot:
        step = self._steps[min(self.fetches, len(self._steps) - 1)]
        self.fetches += 1
        return step()

    async def aclose(self) -> None:
        self.closed = True


class HangingCollector(ScriptedCollector):
    """Never answers: the runner's timeout is all that gets it unstuck."""

    async def fetch(self) -> Snapshot:
        self.fetches += 1
        await asyncio.Event().wait()
        raise AssertionError("unreachable")
