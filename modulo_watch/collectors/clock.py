"""Clocks: the time data is stamped with, and the time the runtime waits on.

Everything that reads the time takes a ``Clock`` so tests can drive it by hand and a drill can
run on simulated time.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The time snapshots are stamped with (simulated in a drill), timezone-aware."""
        ...

    def monotonic(self) -> float:
        """Seconds on a monotonic scale, for deadlines and countdowns."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Wall time for stamps, the event loop's sleep for waiting."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class DrillClock(SystemClock):
    """Simulated time: starts at ``start`` and runs ``speed`` times faster than real time; can pause.

    Waiting stays in real seconds, so collectors poll at their usual pace while the scenario
    runs faster or slower underneath them.
    """

    def __init__(self, start: datetime, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._start = start
        self._speed = speed
        self._elapsed_before_anchor = 0.0
        self._anchor: float | None = time.monotonic()

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def paused(self) -> bool:
        return self._anchor is None

    @property
    def elapsed(self) -> float:
        """Simulated seconds since the start."""
        running = 0.0 if self._anchor is None else time.monotonic() - self._anchor
        return self._elapsed_before_anchor + running * self._speed

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.elapsed)

    def pause(self) -> None:
        if self._anchor is not None:
            self._elapsed_before_anchor = self.elapsed
            self._anchor = None

    def resume(self) -> None:
        if self._anchor is None:
            self._anchor = time.monotonic()

    def toggle_pause(self) -> bool:
        """Pause or resume; returns True when now paused."""
        if self.paused:
            self.resume()
        else:
            self.pause()
        return self.paused

    def jump_to(self, elapsed: float) -> None:
        """Move simulated time to ``elapsed`` seconds after the start (screenshots, tests)."""
        self._elapsed_before_anchor = elapsed
        if self._anchor is not None:
            self._anchor = time.monotonic()
