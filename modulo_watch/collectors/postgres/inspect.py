"""One backend up close (its full query and its locks), and the two actions on it: cancel and terminate.

The inspector has its own connections, apart from the refresh's: opening a backend or acting on one
never waits behind a refresh. Locks name their relations only from inside the relation's database, so
the locks of a backend are read over a connection to its database when the role may connect there.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from typing import Any

from modulo_watch.collectors.models import PgBackend
from modulo_watch.collectors.postgres.collector import backend
from modulo_watch.collectors.postgres.connection import PgConnection
from modulo_watch.collectors.postgres.detail import (
    BackendDetail,
    BackendGone,
    PgAction,
    PgLock,
    PgOutcome,
    PostgresError,
)
from modulo_watch.config import PostgresSettings

# A connection per database a backend was opened in; more than this and the oldest is closed.
MAX_DATABASE_CONNECTIONS = 4


class LivePgInspector:
    def __init__(self, settings: PostgresSettings) -> None:
        self._settings = settings
        self._main = PgConnection(settings)
        self._by_database: dict[str, PgConnection] = {}

    async def detail(self, pid: int) -> BackendDetail:
        session = await self._main.session()
        # The refresh's own query, narrowed to one backend: the detail shows it as the pane does.
        one_backend = f"SELECT * FROM ({session.sql['activity']}\n) AS activity WHERE pid = %(pid)s"
        rows = await self._main.fetchall(session.connection, one_backend, {"pid": pid})
        if not rows:
            raise BackendGone(pid)
        row = rows[0]
        locks, named = await self._locks(pid, str(row["database"]))
        await self._trim()
        return BackendDetail(
            backend=backend(row),
            xid=str(row["xid"]),
            xmin=str(row["xmin"]),
            locks=locks,
            relations_named=named,
        )

    async def _locks(self, pid: int, database: str) -> tuple[tuple[PgLock, ...], bool]:
        """The backend's locks, and whether their relations could be named (read from its database)."""
        connection = self._database_connection(database)
        if connection is not None:
            with suppress(PostgresError):  # no CONNECT privilege there: the oids will do
                session = await connection.session()
                rows = await connection.fetchall(session.connection, session.sql["locks"], {"pid": pid})
                return tuple(lock(row) for row in rows), True
        session = await self._main.session()
        rows = await self._main.fetchall(session.connection, session.sql["locks"], {"pid": pid})
        return tuple(lock(row) for row in rows), False

    def _database_connection(self, database: str) -> PgConnection | None:
        if not database:
            return None
        connection = self._by_database.get(database)
        if connection is None:
            connection = self._by_database[database] = PgConnection(self._settings, dbname=database)
        # The most recently used last, so the one dropped when there are too many is the stalest.
        self._by_database[database] = self._by_database.pop(database)
        return connection

    async def act(self, action: PgAction, target: PgBackend) -> PgOutcome:
        session = await self._main.session()
        params = {"pid": target.pid, "backend_start": target.backend_start}
        rows = await self._main.fetchall(session.connection, session.sql[action.value], params)
        if not rows:
            return PgOutcome.GONE
        return PgOutcome.SIGNALLED if rows[0]["signalled"] else PgOutcome.REFUSED

    async def _trim(self) -> None:
        """Close the connections to the databases least recently looked into, beyond the few kept."""
        while len(self._by_database) > MAX_DATABASE_CONNECTIONS:
            oldest = next(iter(self._by_database))
            await self._by_database.pop(oldest).discard()

    async def aclose(self) -> None:
        await self._main.discard()
        for connection in self._by_database.values():
            await connection.discard()
        self._by_database.clear()


def lock(row: Mapping[str, Any]) -> PgLock:
    return PgLock(
        locktype=str(row["locktype"]),
        mode=str(row["mode"]),
        granted=bool(row["granted"]),
        relation=str(row["relation"] or ""),
        page=row["page"],
        tuple_=row["tuple"],
        transactionid=str(row["transactionid"]),
        virtualxid=str(row["virtualxid"]),
        waitstart=row["waitstart"],
    )
