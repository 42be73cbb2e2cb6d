"""The PostgreSQL collector against a real server, with real concurrent sessions making the activity."""

from __future__ import annotations

import pytest

from modulo_watch.collectors.clock import SystemClock
from modulo_watch.collectors.hub import Hub
from modulo_watch.collectors.models import PgSnapshot, SourceName, SourceState
from modulo_watch.collectors.postgres.collector import PostgresCollector
from modulo_watch.collectors.postgres.connection import APPLICATION_NAME, PgConnection
from modulo_watch.collectors.postgres.detail import PostgresError
from modulo_watch.collectors.runner import SourceRunner
from modulo_watch.config import PostgresSettings
from tests.integration.pg_support import LONG_QUERY, Sessions, by_pid, collector_for, until
from tests.pg_server import PgServer


async def test_a_long_query_shows_as_active_with_its_text_and_client(
    sessions: Sessions, collector: PostgresCollector
) -> None:
    long = await sessions.open("reporting")
    sessions.start(long, LONG_QUERY)
    pid = long.info.backend_pid

    snapshot = await until(
        collector, lambda s: getattr(by_pid(s, pid), "state", "") == "active", "the long query"
    )

    backend = by_pid(snapshot, pid)
    assert backend is not None
    assert (backend.database, backend.user, backend.application) == (
        sessions.database,
        "postgres",
        "reporting",
    )
    assert backend.query == LONG_QUERY
    assert backend.client == "127.0.0.1"
    assert (backend.wait_event_type, backend.wait_event) == ("Timeout", "PgSleep")
    assert backend.query_start is not None and backend.query_start <= snapshot.collected_at
    assert snapshot.server_version.startswith("15.")
    assert snapshot.max_connections == 50
    assert all(b.application != APPLICATION_NAME for b in snapshot.backends), "the monitor hides itself"


async def test_an_idle_in_transaction_session_shows_with_its_transaction_start(
    sessions: Sessions, collector: PostgresCollector
) -> None:
    idle = await sessions.open("forgetful", autocommit=False)
    await idle.execute(b"SELECT 1 /* and then nothing */")
    pid = idle.info.backend_pid

    snapshot = await until(collector, lambda s: by_pid(s, pid) is not None, "the idle transaction")

    backend = by_pid(snapshot, pid)
    assert backend is not None
    assert backend.state == "idle in transaction"
    assert backend.xact_start is not None
    assert backend.query == "SELECT 1 /* and then nothing */"
    assert snapshot.count_by_state()["idle in transaction"] >= 1


async def test_a_session_waiting_on_two_blockers_names_both_and_the_chain_behind_it(
    sessions: Sessions, collector: PostgresCollector
) -> None:
    setup = await sessions.open("setup")
    await setup.execute(b"CREATE TABLE orders (id int)")
    readers = [await sessions.open(f"reader-{n}", autocommit=False) for n in (1, 2)]
    for reader in readers:
        await reader.execute(b"SELECT count(*) FROM orders")  # holds ACCESS SHARE until it ends
    migration = await sessions.open("migration")
    sessions.start(migration, "ALTER TABLE orders ADD COLUMN note text")
    report = await sessions.open("report")
    sessions.start(report, "SELECT count(*) FROM orders")  # queued behind the ALTER's request

    holders = tuple(sorted(reader.info.backend_pid for reader in readers))
    alter, select = migration.info.backend_pid, report.info.backend_pid

    def chained(snapshot: PgSnapshot) -> bool:
        waits = {pid: getattr(by_pid(snapshot, pid), "blocked_by", ()) for pid in (alter, select)}
        return waits == {alter: holders, select: (alter,)}

    snapshot = await until(collector, chained, "the two readers blocking the migration blocking the report")

    waiter = by_pid(snapshot, alter)
    assert waiter is not None
    assert (waiter.state, waiter.wait_event_type, waiter.wait_event) == ("active", "Lock", "relation")
    assert snapshot.waiting == 2
    assert all(getattr(by_pid(snapshot, pid), "blocked_by", None) == () for pid in holders)


async def test_a_pg_monitor_role_without_superuser_sees_other_users_queries(
    pg_server: PgServer, roles: tuple[str, str, str], sessions: Sessions
) -> None:
    watcher, nobody, app = roles
    long = await sessions.open("shop", user=app)
    sessions.start(long, LONG_QUERY)
    pid = long.info.backend_pid
    monitors = [collector_for(pg_server.dsn(user=role)) for role in (watcher, nobody)]
    try:
        seen = [
            await until(monitor, lambda s: by_pid(s, pid) is not None, "the app's session")
            for monitor in monitors
        ]
    finally:
        for monitor in monitors:
            await monitor.aclose()

    with_monitor, without = (by_pid(snapshot, pid) for snapshot in seen)
    assert with_monitor is not None and without is not None
    assert (with_monitor.user, with_monitor.state, with_monitor.query) == (app, "active", LONG_QUERY)
    # Without the privilege the server hides the details: the row is still there, with no error.
    assert without.query == "<insufficient privilege>"
    assert (without.user, without.state) == (app, "")


async def test_the_session_bounds_every_query_and_names_itself(admin_dsn: str) -> None:
    connection = PgConnection(PostgresSettings(dsn=admin_dsn, statement_timeout_ms=300))
    try:
        session = await connection.session()
        settings = await connection.fetchone(
            session.connection,
            "SELECT current_setting('statement_timeout') AS statement,"
            " current_setting('lock_timeout') AS lock, current_setting('application_name') AS name",
        )
        assert dict(settings) == {"statement": "300ms", "lock": "300ms", "name": APPLICATION_NAME}
        with pytest.raises(PostgresError, match="statement timeout"):
            await connection.fetchall(session.connection, "SELECT pg_sleep(5)")
        assert await connection.session() is session, "a cancelled query keeps the connection"
    finally:
        await connection.discard()


async def test_a_stopped_server_turns_the_source_stale_and_it_recovers_by_itself(
    own_pg_server: PgServer,
) -> None:
    secret = "hunter2-do-not-show"
    collector = collector_for(own_pg_server.dsn(password=secret))  # trust auth: the password is unused
    hub, clock = Hub(), SystemClock()
    runner = SourceRunner(collector, hub, clock)
    try:
        await runner.poll_once()
        live = hub.snapshot(SourceName.POSTGRES)
        assert isinstance(live, PgSnapshot)

        own_pg_server.stop()
        for _ in range(2):  # the dropped connection, then the refused reconnect
            with pytest.raises(PostgresError) as failure:
                await collector.fetch()
            assert secret not in str(failure.value)
        await runner.poll_once()
        status = hub.status(SourceName.POSTGRES)
        assert status is not None and status.state is SourceState.STALE
        assert status.last_error and secret not in status.last_error
        assert hub.snapshot(SourceName.POSTGRES) is live, "the last good data stays"

        own_pg_server.start()
        await runner.poll_once()
        status = hub.status(SourceName.POSTGRES)
        assert status is not None and status.state is SourceState.LIVE
        assert hub.snapshot(SourceName.POSTGRES) is not live
    finally:
        await collector.aclose()
