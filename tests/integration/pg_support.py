"""What the PostgreSQL integration tests share: their own sessions, and waiting for what the monitor sees."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass

import psycopg

from modulo_watch.collectors.clock import SystemClock
from modulo_watch.collectors.models import PgBackend, PgSnapshot
from modulo_watch.collectors.postgres.collector import PostgresCollector
from modulo_watch.config import PostgresSettings
from tests.pg_server import PgServer

DEADLINE = 15.0
POLL = 0.05  # between checks of a condition, never a synchronisation by itself
LONG_QUERY = "SELECT pg_sleep(60) /* the long report */"


def collector_for(dsn: str) -> PostgresCollector:
    return PostgresCollector(PostgresSettings(dsn=dsn, statement_timeout_ms=2_000), SystemClock())


async def until(
    collector: PostgresCollector,
    condition: Callable[[PgSnapshot], bool],
    what: str,
    within: float = DEADLINE,
) -> PgSnapshot:
    deadline = time.monotonic() + within
    while True:
        snapshot = await collector.fetch()
        if condition(snapshot):
            return snapshot
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {snapshot.backends}")
        await asyncio.sleep(POLL)


def by_pid(snapshot: PgSnapshot, pid: int) -> PgBackend | None:
    return next((backend for backend in snapshot.backends if backend.pid == pid), None)


@dataclass
class Sessions:
    """Client sessions in a database of the test's own, all closed (and their queries ended) after it."""

    server: PgServer
    database: str
    stack: AsyncExitStack
    running: list[asyncio.Task[object]]

    async def open(
        self, name: str, user: str = "postgres", autocommit: bool = True
    ) -> psycopg.AsyncConnection[tuple[object, ...]]:
        connection = await psycopg.AsyncConnection.connect(
            self.server.dsn(user=user, dbname=self.database), autocommit=autocommit, application_name=name
        )
        self.stack.push_async_callback(connection.close)
        return connection

    def start(self, connection: psycopg.AsyncConnection[tuple[object, ...]], sql: str) -> None:
        """Run ``sql`` in the background: it blocks or runs long, and ends when the database is dropped."""
        self.running.append(asyncio.create_task(connection.execute(sql.encode())))
