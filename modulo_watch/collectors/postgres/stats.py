"""PostgreSQL's cumulative counters as rates and recent increases: pure, fed one sample per refresh.

The server's counters only grow, until a reset (pg_stat_reset, a crash, a restart before 15):
an interval in which any counter fell, or its reset time changed, gives no rate and adds nothing
to the totals, rather than a negative or invented figure.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from modulo_watch.collectors.models import PgDatabaseSize, PgEventCount

RECENT_SECONDS = 60.0  # "deadlocks +2" means in about the last minute
GROWTH_WINDOW_SECONDS = 3600.0  # database growth is measured over at most the last hour
MIN_GROWTH_SPAN_SECONDS = 60.0  # shorter spans extrapolate noise to an hourly rate


class Counters(NamedTuple):
    commits: int = 0
    rollbacks: int = 0
    blocks_hit: int = 0
    blocks_read: int = 0
    deadlocks: int = 0
    temp_files: int = 0
    temp_bytes: int = 0

    def plus(self, other: Counters) -> Counters:
        return Counters(*(a + b for a, b in zip(self, other, strict=True)))

    def since(self, earlier: Counters) -> Counters | None:
        """The increase from ``earlier``; None if any counter fell (a reset)."""
        delta = Counters(*(a - b for a, b in zip(self, earlier, strict=True)))
        return None if min(delta) < 0 else delta


@dataclass(frozen=True, slots=True)
class DatabaseCounters:
    datid: int
    counters: Counters
    stats_reset: datetime | None


@dataclass(frozen=True, slots=True)
class Activity:
    """What one sample adds to the overview."""

    commits_per_second: float | None
    rollbacks_per_second: float | None
    cache_hit_ratio: float | None
    deadlocks: PgEventCount
    temp_files: PgEventCount
    temp_bytes: PgEventCount


def hit_ratio(counters: Counters) -> float | None:
    reads = counters.blocks_hit + counters.blocks_read
    return counters.blocks_hit / reads if reads else None


class CounterTracker:
    """Rates over the last interval, and event counts over the last minute and since the first sample."""

    def __init__(self) -> None:
        self._previous: dict[int, DatabaseCounters] = {}
        self._previous_at: datetime | None = None
        self._total = Counters()
        self._history: deque[tuple[datetime, Counters]] = deque()

    def update(self, at: datetime, databases: Iterable[DatabaseCounters]) -> Activity:
        current = {database.datid: database for database in databases}
        interval = self._interval(current)
        elapsed = (at - self._previous_at).total_seconds() if self._previous_at else 0.0
        self._previous, self._previous_at = current, at
        if interval is not None:
            self._total = self._total.plus(interval)
        recent = self._recent(at)
        rated = interval if interval is not None and elapsed > 0 else None
        return Activity(
            commits_per_second=rated.commits / elapsed if rated is not None else None,
            rollbacks_per_second=rated.rollbacks / elapsed if rated is not None else None,
            cache_hit_ratio=self._cache_hit_ratio(interval, current.values()),
            deadlocks=PgEventCount(recent.deadlocks, self._total.deadlocks),
            temp_files=PgEventCount(recent.temp_files, self._total.temp_files),
            temp_bytes=PgEventCount(recent.temp_bytes, self._total.temp_bytes),
        )

    def _interval(self, current: dict[int, DatabaseCounters]) -> Counters | None:
        """The increase since the previous sample, over the databases in both; None on the first or a reset.

        A database created in between starts its baseline now; a dropped one just leaves.
        """
        if self._previous_at is None:
            return None
        total = Counters()
        for datid, database in current.items():
            before = self._previous.get(datid)
            if before is None:
                continue
            delta = database.counters.since(before.counters)
            if delta is None or _was_reset(before.stats_reset, database.stats_reset):
                return None
            total = total.plus(delta)
        return total

    @staticmethod
    def _cache_hit_ratio(interval: Counters | None, databases: Iterable[DatabaseCounters]) -> float | None:
        """Over the last interval; since the counters began when it had no reads, or on the first sample."""
        ratio = hit_ratio(interval) if interval is not None else None
        if ratio is not None:
            return ratio
        cumulative = Counters()
        for database in databases:
            cumulative = cumulative.plus(database.counters)
        return hit_ratio(cumulative)

    def _recent(self, at: datetime) -> Counters:
        """The increase of the totals over about the last minute (since the first sample, if sooner)."""
        self._history.append((at, self._total))
        # Keep one sample at least RECENT_SECONDS old: the baseline the increase is measured from.
        while len(self._history) > 1 and (at - self._history[1][0]).total_seconds() >= RECENT_SECONDS:
            self._history.popleft()
        return self._total.since(self._history[0][1]) or Counters()


def _was_reset(before: datetime | None, after: datetime | None) -> bool:
    """A new reset time, except the first one: the server stamps a database's statistics when it
    first records any (a new database), which resets nothing."""
    return before is not None and after != before


@dataclass(frozen=True, slots=True)
class SizeSample:
    datid: int
    name: str
    size_bytes: int | None


class SizeTracker:
    """Database sizes with their growth per hour over the samples of (at most) the last hour."""

    def __init__(self) -> None:
        self._history: dict[int, deque[tuple[datetime, int]]] = {}

    def update(self, at: datetime, samples: Iterable[SizeSample]) -> tuple[PgDatabaseSize, ...]:
        sizes = []
        seen = set()
        for sample in samples:
            seen.add(sample.datid)
            growth = None if sample.size_bytes is None else self._growth(sample.datid, at, sample.size_bytes)
            sizes.append(PgDatabaseSize(sample.name, sample.size_bytes, growth))
        for datid in self._history.keys() - seen:  # dropped databases
            del self._history[datid]
        return tuple(sizes)

    def _growth(self, datid: int, at: datetime, size: int) -> float | None:
        history = self._history.setdefault(datid, deque())
        history.append((at, size))
        while (at - history[0][0]).total_seconds() > GROWTH_WINDOW_SECONDS:
            history.popleft()
        first_at, first_size = history[0]
        span = (at - first_at).total_seconds()
        return (size - first_size) * 3600 / span if span >= MIN_GROWTH_SPAN_SECONDS else None
