"""The catalog columns the SQL files are checked against, per version, are right for the server at hand."""

from __future__ import annotations

import psycopg
import pytest

from tests.pg_server import PgServer
from tests.unit.test_postgres_overview_sql import (
    PG_DATABASE_COLUMNS,
    PG_STAT_DATABASE_COLUMNS,
    PG_STAT_REPLICATION_COLUMNS,
)
from tests.unit.test_postgres_queries import PG_LOCKS_COLUMNS, PG_STAT_ACTIVITY_COLUMNS


@pytest.mark.parametrize(
    ("view", "columns"),
    [
        ("pg_stat_activity", PG_STAT_ACTIVITY_COLUMNS),
        ("pg_locks", PG_LOCKS_COLUMNS),
        ("pg_stat_database", PG_STAT_DATABASE_COLUMNS),
        ("pg_stat_replication", PG_STAT_REPLICATION_COLUMNS),
        ("pg_database", PG_DATABASE_COLUMNS),
    ],
)
def test_the_columns_listed_for_this_version_are_the_servers(
    pg_server: PgServer, view: str, columns: dict[int, frozenset[str]]
) -> None:
    with psycopg.connect(pg_server.dsn()) as connection:
        major = connection.info.server_version // 10_000
        rows = connection.execute(
            b"SELECT attname FROM pg_attribute"
            b" WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            (view,),
        ).fetchall()

    assert {name for (name,) in rows} == columns[major]
