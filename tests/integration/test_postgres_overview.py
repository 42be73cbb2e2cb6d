"""The Postgres pane's overview figures from a real server: throughput, deadlocks, temp files, sizes,
privileges and a real streaming standby."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import suppress

import psycopg
import pytest

from modulo_watch.collectors.models import PgOverview
from modulo_watch.collectors.postgres.collector import PostgresCollector
from tests.integration.pg_support import POLL, collector_for, until
from tests.pg_server import PgServer, PgStandby

DEADLINE = 20.0  # the server flushes a live session's statistics every second or so, an idle one's later


async def overview_until(
    collector: PostgresCollector, condition: Callable[[PgOverview], bool], what: str
) -> PgOverview:
    snapshot = await until(
        collector, lambda s: s.overview is not None and condition(s.overview), what, within=DEADLINE
    )
    assert snapshot.overview is not None
    return snapshot.overview


@pytest.fixture
def database(pg_server: PgServer) -> Iterator[str]:
    """A database of the test's own, with a table of two rows."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server.dsn(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}".encode())
        try:
            with psycopg.connect(pg_server.dsn(dbname=name), autocommit=True) as setup:
                setup.execute(b"CREATE TABLE accounts (id int PRIMARY KEY, balance int)")
                setup.execute(b"INSERT INTO accounts VALUES (1, 100), (2, 100)")
            yield name
        finally:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)".encode())


async def test_the_first_refresh_has_the_uptime_and_sizes_but_no_rates_yet(
    pg_server: PgServer, database: str, collector: PostgresCollector
) -> None:
    snapshot = await collector.fetch()

    info = snapshot.overview
    assert info is not None
    assert info.started_at is not None and info.started_at < snapshot.collected_at
    assert (info.commits_per_second, info.rollbacks_per_second) == (None, None)
    assert not info.in_recovery and info.standby_delay_seconds is None
    assert info.replicas == ()
    sizes = {d.name: d.size_bytes for d in info.databases}
    assert sizes.keys() >= {"postgres", database}
    assert all(size is not None and size > 1_000_000 for size in sizes.values())


async def test_the_commit_rate_accounts_for_the_transactions_run(
    pg_server: PgServer, database: str, collector: PostgresCollector
) -> None:
    previous = await collector.fetch()
    started = time.monotonic()
    with psycopg.connect(pg_server.dsn(dbname=database)) as client:
        for n in range(300):
            client.execute(b"UPDATE accounts SET balance = balance + 1 WHERE id = 1")
            client.commit() if n % 10 else client.rollback()
    # A session that ends flushes its statistics; the rates integrate to at least what it did.
    committed = rolled_back = 0.0
    while round(committed) < 270 or round(rolled_back) < 30:  # rate x interval: floating point
        await asyncio.sleep(POLL)
        snapshot = await collector.fetch()
        info = snapshot.overview
        assert info is not None and info.commits_per_second is not None
        assert info.rollbacks_per_second is not None
        elapsed = (snapshot.collected_at - previous.collected_at).total_seconds()
        committed += info.commits_per_second * elapsed
        rolled_back += info.rollbacks_per_second * elapsed
        previous = snapshot
        assert time.monotonic() - started < DEADLINE, f"only {committed} commits, {rolled_back} rollbacks"


async def test_a_real_deadlock_shows_as_a_new_one(
    pg_server: PgServer, database: str, collector: PostgresCollector
) -> None:
    await collector.fetch()
    first, second = (psycopg.AsyncConnection.connect(pg_server.dsn(dbname=database)) for _ in range(2))
    async with await first as one, await second as other:
        await one.execute(b"UPDATE accounts SET balance = 0 WHERE id = 1")
        await other.execute(b"UPDATE accounts SET balance = 0 WHERE id = 2")
        crossing = [
            asyncio.create_task(one.execute(b"UPDATE accounts SET balance = 1 WHERE id = 2")),
            asyncio.create_task(other.execute(b"UPDATE accounts SET balance = 1 WHERE id = 1")),
        ]
        outcomes = await asyncio.gather(*crossing, return_exceptions=True)
        assert sum(isinstance(o, psycopg.errors.DeadlockDetected) for o in outcomes) == 1
        for connection in (one, other):
            with suppress(psycopg.Error):
                await connection.rollback()

    info = await overview_until(
        collector, lambda o: o.deadlocks is not None and o.deadlocks.recent >= 1, "the deadlock"
    )

    assert info.deadlocks is not None and info.deadlocks.since_start >= info.deadlocks.recent


async def test_a_sort_spilling_to_disk_shows_as_a_temp_file(
    pg_server: PgServer, database: str, collector: PostgresCollector
) -> None:
    await collector.fetch()
    with psycopg.connect(pg_server.dsn(dbname=database)) as client:
        client.execute(b"SET work_mem = '64kB'")
        client.execute(b"SELECT g FROM generate_series(1, 200000) AS g ORDER BY g DESC").fetchone()

    info = await overview_until(
        collector, lambda o: o.temp_files is not None and o.temp_files.recent >= 1, "a temp file"
    )

    assert info.temp_bytes is not None and info.temp_bytes.recent > 64 * 1024


@pytest.fixture
def monitor_roles(pg_server: PgServer, database: str) -> Iterator[tuple[str, str]]:
    """A role with only pg_monitor and one with nothing; ``database`` no longer lets PUBLIC connect."""
    suffix = uuid.uuid4().hex[:8]
    watcher, nobody = f"watcher_{suffix}", f"nobody_{suffix}"
    with psycopg.connect(pg_server.dsn(), autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {watcher} LOGIN IN ROLE pg_monitor".encode())
        admin.execute(f"CREATE ROLE {nobody} LOGIN".encode())
        admin.execute(f"REVOKE CONNECT ON DATABASE {database} FROM PUBLIC".encode())
        try:
            yield watcher, nobody
        finally:
            for role in (watcher, nobody):
                admin.execute(f"DROP ROLE {role}".encode())


async def test_a_pg_monitor_role_reads_every_figure_and_a_plain_role_sees_what_it_cannot(
    pg_server: PgServer, database: str, monitor_roles: tuple[str, str]
) -> None:
    watcher, nobody = monitor_roles
    with psycopg.connect(pg_server.dsn(dbname=database)) as busy:
        busy.execute(b"SELECT pg_sleep(0)")  # another role's session, in a transaction left open
        seen = {}
        for role in (watcher, nobody):
            monitor = collector_for(pg_server.dsn(user=role))
            try:
                await monitor.fetch()
                seen[role] = await monitor.fetch()
            finally:
                await monitor.aclose()

    sizes: dict[str, dict[str, int | None]] = {}
    for role, snapshot in seen.items():
        info = snapshot.overview
        assert info is not None
        assert info.commits_per_second is not None and info.cache_hit_ratio is not None
        sizes[role] = {d.name: d.size_bytes for d in info.databases}
    assert sizes[watcher][database] is not None, "pg_monitor includes pg_read_all_stats"
    assert sizes[nobody][database] is None, "no CONNECT and no pg_read_all_stats: unknown, not an error"
    assert sizes[nobody]["postgres"] is not None
    hidden = [b for b in seen[nobody].backends if b.database == database]
    assert hidden and all(b.state == "" for b in hidden), "another role's session: its state is hidden"


@pytest.fixture
def standby(pg_server: PgServer) -> Iterator[PgStandby]:
    with PgStandby(pg_server) as made:
        yield made


async def test_a_streaming_standby_is_listed_with_its_lag_and_reports_itself_as_a_standby(
    pg_server: PgServer, standby: PgStandby, monitor_roles: tuple[str, str]
) -> None:
    watcher, nobody = monitor_roles
    monitors = [collector_for(pg_server.dsn(user=role)) for role in (watcher, nobody)]
    on_standby = collector_for(standby.dsn())
    try:
        primary = await overview_until(
            monitors[0], lambda o: any(r.state == "streaming" for r in o.replicas), "the standby streaming"
        )
        unprivileged = await overview_until(
            monitors[1], lambda o: bool(o.replicas), "the standby, seen without privilege"
        )
        # Until its WAL receiver reports in, a standby that has replayed no transaction cannot tell.
        itself = await overview_until(
            on_standby, lambda o: o.standby_delay_seconds is not None, "the standby's replay delay"
        )
    finally:
        for monitor in (*monitors, on_standby):
            await monitor.aclose()

    (replica,) = primary.replicas
    assert replica.client == "127.0.0.1"
    assert replica.sync_state == "async"
    assert replica.replay_lag_bytes is not None and replica.replay_lag_bytes >= 0
    (hidden,) = unprivileged.replicas
    assert (hidden.state, hidden.replay_lag_seconds, hidden.replay_lag_bytes) == (None, None, None)
    assert itself.in_recovery
    assert itself.standby_delay_seconds is not None and itself.standby_delay_seconds >= 0
    assert itself.replicas == ()
