"""PostgreSQL's server-wide figures in a drill, derived from the sessions of the moment.

Throughput follows the sessions doing work; rollbacks the ones stuck waiting on a lock (their
statements time out) or left in an aborted transaction; replica lag the load on the primary.
Deterministic for a given seed and drill time, like the rest of the drill.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from modulo_watch.collectors.drill.noise import mix, signed_unit, text_key, unit
from modulo_watch.collectors.drill.spec import PostgresSpec
from modulo_watch.collectors.models import PgBackend, PgDatabaseSize, PgEventCount, PgOverview, PgReplica

COMMITS_PER_WORKING_SESSION = 30.0
BASELINE_ROLLBACK_SHARE = 0.002
ROLLBACKS_PER_WAITER, ROLLBACKS_PER_ABORTED = 0.4, 0.5
TEMP_FILES_PER_WORKING_SESSION = 0.3  # per minute: reports that sort to disk
TEMP_FILE_BYTES = 6 << 20
REPLICA_LAG_AT_SATURATION = 6.0  # seconds, as the primary nears max_connections
GROWTH_VISIBLE_AFTER = 60.0  # as live: growth needs samples a minute apart
GIB, MIB = 1 << 30, 1 << 20
_COMMITS, _ROLLBACKS, _CACHE, _TEMP = (text_key(name) for name in ("commits", "rollbacks", "cache", "temp"))
_UPTIME, _SIZE, _GROWTH, _LAG = (text_key(name) for name in ("uptime", "size", "growth", "lag"))


def drill_overview(
    spec: PostgresSpec, seed: int, at: float, start: datetime, backends: Sequence[PgBackend]
) -> PgOverview:
    working = sum(1 for b in backends if b.state == "active" and not b.blocked_by)
    waiting = sum(1 for b in backends if b.blocked_by)
    aborted = sum(1 for b in backends if b.state == "idle in transaction (aborted)")
    load = len(backends) / spec.max_connections if spec.max_connections else 0.0
    second, minute = int(at), int(at // 60)
    commits = working * COMMITS_PER_WORKING_SESSION * (1 + 0.15 * signed_unit(seed, _COMMITS, second))
    rollbacks = (
        commits * BASELINE_ROLLBACK_SHARE + waiting * ROLLBACKS_PER_WAITER + aborted * ROLLBACKS_PER_ABORTED
    ) * (1 + 0.2 * signed_unit(seed, _ROLLBACKS, second))
    temp_files = round(working * TEMP_FILES_PER_WORKING_SESSION * 2 * unit(seed, _TEMP, minute))
    # The ones before the last minute: a baseline rate, since the drill keeps no history of its sessions.
    earlier_temp_files = round(max(0.0, at - 60) / 60 * TEMP_FILES_PER_WORKING_SESSION * 4)
    return PgOverview(
        started_at=start - timedelta(days=3 + 40 * unit(seed, _UPTIME), hours=unit(seed, _UPTIME, 1) * 24),
        commits_per_second=commits,
        rollbacks_per_second=rollbacks,
        cache_hit_ratio=0.9985 - 0.003 * unit(seed, _CACHE, second),
        deadlocks=PgEventCount(0, 0),
        temp_files=PgEventCount(temp_files, temp_files + earlier_temp_files),
        temp_bytes=PgEventCount(
            temp_files * TEMP_FILE_BYTES, (temp_files + earlier_temp_files) * TEMP_FILE_BYTES
        ),
        databases=database_sizes(spec, seed, at),
        replicas=tuple(replica(name, seed, second, load, commits) for name in spec.replicas),
    )


def database_sizes(spec: PostgresSpec, seed: int, at: float) -> tuple[PgDatabaseSize, ...]:
    """The application's database, growing steadily, and the small maintenance database."""
    growth = (120 + 240 * unit(seed, _GROWTH)) * MIB
    size = round((20 + 80 * unit(seed, _SIZE)) * GIB + growth * at / 3600)
    visible_growth = growth if at >= GROWTH_VISIBLE_AFTER else None
    return (
        PgDatabaseSize(spec.database, size, visible_growth),
        PgDatabaseSize("postgres", 7_631_075, 0.0 if visible_growth is not None else None),
    )


def replica(name: str, seed: int, second: int, load: float, commits: float) -> PgReplica:
    """An asynchronous standby: a fraction of a second behind, more as the primary saturates."""
    saturation = max(0.0, load - 0.85) / 0.15
    lag = 0.1 + 0.4 * unit(seed, _LAG, text_key(name), second) + REPLICA_LAG_AT_SATURATION * saturation
    key = mix(seed, text_key(name))
    return PgReplica(
        name=name,
        client=f"10.1.{key % 4}.{10 + (key >> 8) % 200}",
        state="streaming",
        sync_state="async",
        replay_lag_seconds=lag,
        replay_lag_bytes=round(lag * commits * 1_500),  # about 1.5 kB of WAL per commit
    )
