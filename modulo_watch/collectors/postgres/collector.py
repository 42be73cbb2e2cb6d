"""The PostgreSQL collector: every client backend, with what blocks it, as one PgSnapshot."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from modulo_watch.collectors.clock import Clock
from modulo_watch.collectors.models import PgBackend, PgSnapshot, SourceName
from modulo_watch.collectors.postgres.connection import CONNECT_TIMEOUT, PgConnection
from modulo_watch.collectors.postgres.detail import PostgresError
from modulo_watch.collectors.postgres.overview import OverviewReader
from modulo_watch.config import PostgresSettings

# Beyond the connect and statement timeouts the server enforces: a network that stops answering.
TIMEOUT_SLACK = 2.0


class PostgresCollector:
    source = SourceName.POSTGRES

    def __init__(self, settings: PostgresSettings, clock: Clock) -> None:
        self.interval = settings.interval
        # A fetch may have to connect, learn the server, then run its queries: each bounded on its own.
        queries = 2 + OverviewReader.QUERIES_PER_READ  # the server's, the activity, the overview's
        self.timeout = CONNECT_TIMEOUT + queries * settings.statement_timeout_ms / 1000 + TIMEOUT_SLACK
        self._clock = clock
        self._connection = PgConnection(settings)
        self._overview = OverviewReader(self._connection)

    async def fetch(self) -> PgSnapshot:
        try:
            session = await self._connection.session()
            rows = await self._connection.fetchall(session.connection, session.sql["activity"])
            backends = tuple(backend(row) for row in rows)
            now = self._clock.now()
            overview = await self._overview.read(session, now)
        except PostgresError:
            raise  # the next fetch reconnects if this closed the connection
        except BaseException:
            # Cancelled by the runner's timeout, or rows it cannot read: the connection's state is unknown.
            await self._connection.discard()
            raise
        return PgSnapshot(
            collected_at=now,
            server_version=session.server_version,
            max_connections=session.max_connections,
            backends=backends,
            overview=overview,
        )

    async def aclose(self) -> None:
        await self._connection.discard()


def backend(row: Mapping[str, Any]) -> PgBackend:
    return PgBackend(
        pid=int(row["pid"]),
        database=str(row["database"]),
        user=str(row["username"]),
        application=str(row["application"]),
        client=str(row["client"]),
        state=str(row["state"]),
        query=str(row["query"]),
        query_start=_timestamp(row["query_start"]),
        xact_start=_timestamp(row["xact_start"]),
        wait_event_type=str(row["wait_event_type"]),
        wait_event=str(row["wait_event"]),
        blocked_by=tuple(sorted(int(pid) for pid in row["blocked_by"])),
        backend_start=_timestamp(row["backend_start"]),
    )


def _timestamp(value: object) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    raise ValueError(f"expected a timestamp, got {type(value).__name__}")
