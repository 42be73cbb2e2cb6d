"""The server-wide figures of the Postgres pane, read on the collector's connection each refresh."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from modulo_watch.collectors.models import PgDatabaseSize, PgOverview, PgReplica
from modulo_watch.collectors.postgres.connection import PgConnection, PgSession
from modulo_watch.collectors.postgres.stats import (
    Counters,
    CounterTracker,
    DatabaseCounters,
    SizeSample,
    SizeTracker,
)

# pg_database_size stats every file of every database: sizes are refreshed this often, not every time.
SIZE_INTERVAL_SECONDS = 30.0


class OverviewReader:
    """Keeps the previous samples the rates and growth are measured from."""

    QUERIES_PER_READ: ClassVar[int] = 4  # each bounded by the statement timeout

    def __init__(self, connection: PgConnection) -> None:
        self._connection = connection
        self._counters = CounterTracker()
        self._sizes = SizeTracker()
        self._last_sizes: tuple[PgDatabaseSize, ...] = ()
        self._sizes_at: datetime | None = None

    async def read(self, session: PgSession, at: datetime) -> PgOverview:
        fetch = self._connection.fetchall
        databases = await fetch(session.connection, session.sql["databases"])
        replicas = await fetch(session.connection, session.sql["replication"])
        recovery = await self._connection.fetchone(session.connection, session.sql["recovery"])
        if self._sizes_at is None or (at - self._sizes_at).total_seconds() >= SIZE_INTERVAL_SECONDS:
            sizes = await fetch(session.connection, session.sql["database_sizes"])
            self._last_sizes = self._sizes.update(at, (size_sample(row) for row in sizes))
            self._sizes_at = at
        activity = self._counters.update(at, (database_counters(row) for row in databases))
        return PgOverview(
            started_at=session.started_at,
            in_recovery=bool(recovery["in_recovery"]),
            standby_delay_seconds=_optional_float(recovery["standby_delay_seconds"]),
            commits_per_second=activity.commits_per_second,
            rollbacks_per_second=activity.rollbacks_per_second,
            cache_hit_ratio=activity.cache_hit_ratio,
            deadlocks=activity.deadlocks,
            temp_files=activity.temp_files,
            temp_bytes=activity.temp_bytes,
            databases=self._last_sizes,
            replicas=tuple(replica(row) for row in replicas),
        )


def database_counters(row: Mapping[str, Any]) -> DatabaseCounters:
    counters = Counters(
        commits=int(row["xact_commit"]),
        rollbacks=int(row["xact_rollback"]),
        blocks_hit=int(row["blks_hit"]),
        blocks_read=int(row["blks_read"]),
        deadlocks=int(row["deadlocks"]),
        temp_files=int(row["temp_files"]),
        temp_bytes=int(row["temp_bytes"]),
    )
    stats_reset = row["stats_reset"]
    if stats_reset is not None and not isinstance(stats_reset, datetime):
        raise ValueError(f"expected a timestamp, got {type(stats_reset).__name__}")
    return DatabaseCounters(int(row["datid"]), counters, stats_reset)


def size_sample(row: Mapping[str, Any]) -> SizeSample:
    return SizeSample(int(row["datid"]), str(row["name"]), _optional_int(row["size_bytes"]))


def replica(row: Mapping[str, Any]) -> PgReplica:
    """A standby; its state, sync state and lags are NULL when the role may not read them."""
    return PgReplica(
        name=str(row["name"]),
        client=str(row["client"]),
        state=_optional_str(row["state"]),
        sync_state=_optional_str(row["sync_state"]),
        replay_lag_seconds=_optional_float(row["replay_lag_seconds"]),
        replay_lag_bytes=_optional_int(row["replay_lag_bytes"]),
    )


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def _optional_int(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer, got {type(value).__name__}")
    return value


def _optional_float(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {type(value).__name__}")
    return float(value)
