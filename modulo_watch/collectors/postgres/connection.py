"""One monitoring connection: libpq conventions, bounded queries, and errors that never show a password."""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import DictRow, dict_row

from modulo_watch.collectors.postgres.detail import PostgresError
from modulo_watch.collectors.postgres.queries import QUERIES, load_sql, major_version
from modulo_watch.config import REDACTED, PostgresSettings, redact_dsn

APPLICATION_NAME = "modulo-watch"
CONNECT_TIMEOUT = 5  # seconds; libpq counts whole seconds, at least 2


@dataclass(frozen=True, slots=True)
class PgSession:
    """An open connection with what it learned once on connecting: a restart changes these and drops it."""

    connection: psycopg.AsyncConnection[DictRow]
    server_version: str
    max_connections: int
    started_at: datetime
    sql: Mapping[str, str]  # query name -> the SQL for this server's version


def session_options(settings: PostgresSettings, user_options: str | None) -> str:
    """The server options: the user's own (their DSN or PGOPTIONS), then our timeouts, which win.

    The timeouts make the server give up on a monitoring query (or its wait for a lock) rather than
    let the monitor pile onto a struggling server.
    """
    ms = settings.statement_timeout_ms
    ours = f"-c statement_timeout={ms} -c lock_timeout={ms}"
    return f"{user_options} {ours}" if user_options else ours


def _secrets(dsn: str | None, env: Mapping[str, str]) -> tuple[str, ...]:
    """Every spelling of the password an error might quote: as given, and as a URL carries it."""
    found = [env.get("PGPASSWORD", "")]
    if dsn:
        with suppress(psycopg.ProgrammingError):  # unparseable: connect() says so without quoting it
            found.append(str(conninfo_to_dict(dsn).get("password") or ""))
        if "://" in dsn:
            with suppress(ValueError):
                found.append(urlsplit(dsn).password or "")
    return tuple(secret for secret in found if secret)


class PgConnection:
    """Connects on first use and again after a failure; the runner spaces the attempts out."""

    def __init__(self, settings: PostgresSettings, dbname: str | None = None) -> None:
        self._settings = settings
        self._dbname = dbname  # another database than the DSN's, with everything else the same
        self._secrets = _secrets(settings.dsn, os.environ)
        self._session: PgSession | None = None

    async def session(self) -> PgSession:
        if self._session is None or self._session.connection.closed:
            self._session = await self._connect()
        return self._session

    async def _connect(self) -> PgSession:
        conninfo = self._settings.dsn or ""  # "": libpq reads PGHOST, PGSERVICE, .pgpass and the rest
        try:
            user_options = str(conninfo_to_dict(conninfo).get("options") or "")
            if self._dbname is not None:
                conninfo = make_conninfo(conninfo, dbname=self._dbname)
        except psycopg.ProgrammingError:
            raise PostgresError("the PostgreSQL DSN cannot be parsed; see --check-config") from None
        options = session_options(self._settings, user_options or os.environ.get("PGOPTIONS"))
        try:
            connection = await psycopg.AsyncConnection.connect(
                conninfo,
                autocommit=True,
                row_factory=dict_row,
                application_name=APPLICATION_NAME,
                connect_timeout=CONNECT_TIMEOUT,
                options=options,
            )
        except psycopg.Error as err:
            raise self.error(err) from None
        try:
            return await self._learn(connection)
        except BaseException:
            await connection.close()
            raise

    async def _learn(self, connection: psycopg.AsyncConnection[DictRow]) -> PgSession:
        major = major_version(connection.info.server_version)
        sql = {query: load_sql(query, major) for query in QUERIES}
        row = await self.fetchone(connection, sql["server"])
        started_at = row["started_at"]
        if not isinstance(started_at, datetime):
            raise PostgresError(f"expected the server's start time, got {type(started_at).__name__}")
        return PgSession(connection, str(row["server_version"]), int(row["max_connections"]), started_at, sql)

    async def fetchone(
        self,
        connection: psycopg.AsyncConnection[DictRow],
        sql: str,
        params: Mapping[str, object] | None = None,
    ) -> DictRow:
        rows = await self.fetchall(connection, sql, params)
        if len(rows) != 1:
            raise PostgresError(f"expected one row, got {len(rows)}")
        return rows[0]

    async def fetchall(
        self,
        connection: psycopg.AsyncConnection[DictRow],
        sql: str,
        params: Mapping[str, object] | None = None,
    ) -> list[DictRow]:
        try:
            cursor = await connection.execute(sql.encode(), params)
            return await cursor.fetchall()
        except psycopg.Error as err:
            raise self.error(err) from None

    def error(self, err: BaseException) -> PostgresError:
        """``err`` as a PostgresError whose message carries no password."""
        message: str = str(err)
        for secret in self._secrets:
            message = message.replace(secret, REDACTED)
        return PostgresError(redact_dsn(message) or type(err).__name__)

    async def discard(self) -> None:
        """Drop the connection after a failure, without waiting on the server; the next use reconnects."""
        session, self._session = self._session, None
        if session is not None:
            await session.connection.close()
