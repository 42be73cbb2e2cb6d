"""The collector runtime: one async task per source with its own interval, timeout and backoff.

A source that hangs or raises only ever affects its own status; the others, and the first frame,
never wait on it.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from modulo_watch.collectors.clock import Clock
from modulo_watch.collectors.hub import Hub
from modulo_watch.collectors.models import Snapshot, SourceName, SourceState, SourceStatus

MAX_ERROR_LENGTH = 200
# How late a poll may be before its data counts as late rather than on time.
LATE_GRACE = 2.0


class Collector(Protocol):
    """A data source. ``fetch`` returns one snapshot or raises; the runner does the rest."""

    source: SourceName
    interval: float
    timeout: float

    async def fetch(self) -> Snapshot: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with "equal jitter": half the step is fixed, half random.

    The fixed half keeps retries at most about one a second; the random half spreads many
    clients apart after a shared outage.
    """

    base: float = 2.0
    cap: float = 30.0

    def delay(self, failures: int, rng: random.Random) -> float:
        step = min(self.cap, self.base * 2.0 ** max(0, failures - 1))
        return step / 2 + rng.uniform(0, step / 2)


def describe_error(exc: BaseException, timeout: float) -> str:
    """One line for the pane border: what went wrong, without a traceback."""
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s"
    text = " ".join(str(exc).split()) or type(exc).__name__
    if len(text) > MAX_ERROR_LENGTH:
        text = text[: MAX_ERROR_LENGTH - 1] + "…"
    return text


class SourceRunner:
    """Runs one collector forever: fetch, publish, wait; on failure, publish why and back off."""

    def __init__(
        self,
        collector: Collector,
        hub: Hub,
        clock: Clock,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._collector = collector
        self._hub = hub
        self._clock = clock
        self._backoff = backoff or Backoff()
        self._rng = rng or random.Random()
        self._failures = 0
        self._last_success: datetime | None = None
        self._stale_since: datetime | None = None
        self._wake = asyncio.Event()

    @property
    def source(self) -> SourceName:
        return self._collector.source

    def refetch_now(self) -> None:
        """Cut the wait short: what the collector reads changed (the graph's window), so fetch now.

        A request during a fetch refetches right after it. A failing source keeps its backoff."""
        self._wake.set()

    async def run(self) -> None:
        self._publish(SourceState.CONNECTING)
        try:
            while True:
                self._wake.clear()
                delay = await self.poll_once()
                await self._wait(delay)
        finally:
            await self._collector.aclose()

    async def _wait(self, seconds: float) -> None:
        """The clock's sleep, or less when woken by ``refetch_now`` after a success."""
        if self._failures:
            await self._clock.sleep(seconds)
            return
        sleeping = asyncio.ensure_future(self._clock.sleep(seconds))
        woken = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait((sleeping, woken), return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeping.cancel()
            woken.cancel()

    async def poll_once(self) -> float:
        """Fetch once, publish the outcome, and return how long to wait before the next fetch."""
        collector = self._collector
        try:
            # asyncio.timeout, not wait_for: in 3.11 wait_for can swallow a cancellation that
            # arrives as the fetch completes, and the runner would then never stop.
            async with asyncio.timeout(collector.timeout):
                snapshot = await collector.fetch()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a source's failure is its status, never a crash
            return self._failed(exc)
        self._failures = 0
        self._last_success = self._clock.now()
        self._stale_since = None
        self._hub.publish_snapshot(collector.source, snapshot)
        self._publish(SourceState.LIVE, fresh_until=self._clock.monotonic() + collector.interval + LATE_GRACE)
        return collector.interval

    def _failed(self, exc: Exception) -> float:
        self._failures += 1
        delay = self._backoff.delay(self._failures, self._rng)
        if self._stale_since is None:
            self._stale_since = self._clock.now()
        state = SourceState.STALE if self._last_success else SourceState.CONNECTING
        self._publish(
            state,
            last_error=describe_error(exc, self._collector.timeout),
            retry_at=self._clock.monotonic() + delay,
        )
        return delay

    def _publish(
        self,
        state: SourceState,
        last_error: str | None = None,
        retry_at: float | None = None,
        fresh_until: float | None = None,
    ) -> None:
        self._hub.publish_status(
            SourceStatus(
                source=self._collector.source,
                state=state,
                last_success=self._last_success,
                stale_since=self._stale_since if state is SourceState.STALE else None,
                last_error=last_error,
                retry_at=retry_at,
                interval=self._collector.interval,
                fresh_until=fresh_until,
            )
        )


def not_configured(source: SourceName, hint: str) -> SourceStatus:
    return SourceStatus(source=source, state=SourceState.NOT_CONFIGURED, hint=hint)
