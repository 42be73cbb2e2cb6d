"""A backend up close, cancel and terminate, against a real server with real blocked sessions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import psycopg
import pytest

from modulo_watch.collectors.models import PgBackend, PgSnapshot
from modulo_watch.collectors.postgres.collector import PostgresCollector
from modulo_watch.collectors.postgres.detail import (
    BackendDetail,
    BackendGone,
    PgAction,
    PgOutcome,
    PostgresError,
)
from modulo_watch.collectors.postgres.inspect import LivePgInspector
from modulo_watch.config import PostgresSettings
from tests.integration.pg_support import (
    LONG_QUERY,
    Sessions,
    by_pid,
    until,
)
from tests.pg_server import PgServer


def inspector_for(dsn: str) -> LivePgInspector:
    return LivePgInspector(PostgresSettings(dsn=dsn, statement_timeout_ms=2_000))


@pytest.fixture
async def inspector(admin_dsn: str) -> AsyncIterator[LivePgInspector]:
    made = inspector_for(admin_dsn)
    yield made
    await made.aclose()


async def backend_of(collector: PostgresCollector, pid: int, what: str, state: str = "") -> PgBackend:
    """The backend as the pane has it, once the collector sees it (in ``state``, if given)."""

    def seen(snapshot: PgSnapshot) -> bool:
        backend = by_pid(snapshot, pid)
        return backend is not None and (not state or backend.state == state)

    found = by_pid(await until(collector, seen, what), pid)
    assert found is not None
    return found


async def blocked_chain(sessions: Sessions) -> tuple[psycopg.AsyncConnection[tuple[object, ...]], int]:
    """A transaction holding a row lock, and an UPDATE of the row waiting on it: (holder, waiter pid)."""
    setup = await sessions.open("setup")
    await setup.execute(b"CREATE TABLE orders (id int PRIMARY KEY, archived bool)")
    await setup.execute(b"INSERT INTO orders VALUES (1, false)")
    holder = await sessions.open("archiver", autocommit=False)
    await holder.execute(b"UPDATE orders SET archived = true WHERE id = 1")
    waiter = await sessions.open("checkout")
    sessions.start(waiter, "UPDATE orders SET archived = false WHERE id = 1")
    return holder, waiter.info.backend_pid


async def test_the_detail_of_a_waiting_backend_names_the_lock_it_waits_for_and_its_blocker(
    sessions: Sessions, inspector: LivePgInspector, collector: PostgresCollector
) -> None:
    holder, waiter = await blocked_chain(sessions)
    await until(collector, lambda s: getattr(by_pid(s, waiter), "blocked_by", ()) != (), "the wait")

    detail = await inspector.detail(waiter)

    assert detail.backend.blocked_by == (holder.info.backend_pid,)
    assert detail.backend.query == "UPDATE orders SET archived = false WHERE id = 1"
    assert detail.relations_named, "read from inside the backend's own database"
    waits = [lock for lock in detail.locks if not lock.granted]
    assert [(lock.locktype, lock.mode) for lock in waits] == [("transactionid", "ShareLock")]
    assert waits[0].waitstart is not None, "PostgreSQL 15 says since when"
    held = {lock.target for lock in detail.locks if lock.granted}
    assert "orders" in held and "orders_pkey" in held


async def test_the_holder_detail_shows_its_transaction_id_and_row_lock(
    sessions: Sessions, inspector: LivePgInspector
) -> None:
    holder, _ = await blocked_chain(sessions)

    detail = await inspector.detail(holder.info.backend_pid)

    assert detail.backend.state == "idle in transaction"
    assert detail.xid, "it wrote, so it has a transaction id"
    assert any(
        lock.locktype == "transactionid" and lock.transactionid == detail.xid and lock.granted
        for lock in detail.locks
    )
    relation = next(lock for lock in detail.locks if lock.target == "orders")
    assert relation.mode == "RowExclusiveLock"


async def test_a_backend_that_has_ended_is_gone(inspector: LivePgInspector) -> None:
    with pytest.raises(BackendGone):
        await inspector.detail(2**31 - 1)


async def long_query(sessions: Sessions, collector: PostgresCollector) -> PgBackend:
    """A long query running as the superuser, as the pane has it."""
    long = await sessions.open("reporting")
    sessions.start(long, LONG_QUERY)
    return await backend_of(collector, long.info.backend_pid, "the long query", state="active")


async def test_cancel_stops_a_long_query_and_keeps_the_session(
    sessions: Sessions, inspector: LivePgInspector, collector: PostgresCollector
) -> None:
    target = await long_query(sessions, collector)

    assert await inspector.act(PgAction.CANCEL, target) is PgOutcome.SIGNALLED

    with pytest.raises(psycopg.errors.QueryCanceled):
        await sessions.running.pop()
    after = await backend_of(collector, target.pid, "the cancelled session", state="idle")
    assert after.backend_start == target.backend_start, "the same session, still connected"


async def test_terminating_the_root_blocker_lets_its_waiter_through(
    sessions: Sessions, inspector: LivePgInspector, collector: PostgresCollector
) -> None:
    holder, waiter = await blocked_chain(sessions)
    root = await backend_of(collector, holder.info.backend_pid, "the holder", state="idle in transaction")

    assert await inspector.act(PgAction.TERMINATE, root) is PgOutcome.SIGNALLED

    await asyncio.wait_for(sessions.running[-1], timeout=15)  # the UPDATE got its row and finished
    snapshot = await until(collector, lambda s: by_pid(s, root.pid) is None, "the holder gone")
    assert getattr(by_pid(snapshot, waiter), "blocked_by", ()) == ()


async def test_an_action_never_reaches_another_session_that_took_the_pid(
    sessions: Sessions, inspector: LivePgInspector, collector: PostgresCollector
) -> None:
    target = await long_query(sessions, collector)
    assert target.backend_start is not None
    # The same pid, connected at another moment: what the confirmed backend looks like after pid reuse.
    newcomer = replace(target, backend_start=target.backend_start - timedelta(seconds=1))

    assert await inspector.act(PgAction.TERMINATE, newcomer) is PgOutcome.GONE

    detail: BackendDetail = await inspector.detail(target.pid)
    assert detail.backend.state == "active", "the running query was not touched"


async def test_a_monitoring_role_may_not_signal_a_superuser_backend_and_says_why(
    pg_server: PgServer, roles: tuple[str, str, str], sessions: Sessions, collector: PostgresCollector
) -> None:
    watcher, _, _ = roles
    target = await long_query(sessions, collector)
    limited = inspector_for(pg_server.dsn(user=watcher))
    try:
        with pytest.raises(PostgresError, match=r"permission denied|must be a superuser"):
            await limited.act(PgAction.CANCEL, target)
    finally:
        await limited.aclose()
