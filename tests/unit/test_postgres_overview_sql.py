"""The overview's SQL, for every supported version, reads only catalog columns and functions it has."""

from __future__ import annotations

import re

import pytest

from modulo_watch.collectors.postgres.queries import SUPPORTED_MAJORS, load_sql

_STAT_DATABASE_12 = frozenset(
    [
        "datid",
        "datname",
        "numbackends",
        "xact_commit",
        "xact_rollback",
        "blks_read",
        "blks_hit",
        "tup_returned",
        "tup_fetched",
        "tup_inserted",
        "tup_updated",
        "tup_deleted",
        "conflicts",
        "temp_files",
        "temp_bytes",
        "deadlocks",
        "checksum_failures",
        "checksum_last_failure",
        "blk_read_time",
        "blk_write_time",
        "stats_reset",
    ]
)
_STAT_DATABASE_14 = _STAT_DATABASE_12 | {
    "session_time",
    "active_time",
    "idle_in_transaction_time",
    "sessions",
    "sessions_abandoned",
    "sessions_fatal",
    "sessions_killed",
}
_STAT_REPLICATION = frozenset(
    [
        "pid",
        "usesysid",
        "usename",
        "application_name",
        "client_addr",
        "client_hostname",
        "client_port",
        "backend_start",
        "backend_xmin",
        "state",
        "sent_lsn",
        "write_lsn",
        "flush_lsn",
        "replay_lsn",
        "write_lag",
        "flush_lag",
        "replay_lag",
        "sync_priority",
        "sync_state",
        "reply_time",
    ]
)
_DATABASE_12 = frozenset(
    [
        "oid",
        "datname",
        "datdba",
        "encoding",
        "datcollate",
        "datctype",
        "datistemplate",
        "datallowconn",
        "datconnlimit",
        "datlastsysoid",
        "datfrozenxid",
        "datminmxid",
        "dattablespace",
        "datacl",
    ]
)
_DATABASE_15 = (_DATABASE_12 - {"datlastsysoid"}) | {"datlocprovider", "daticulocale", "datcollversion"}
_DATABASE_16 = _DATABASE_15 | {"daticurules"}
_DATABASE_17 = (_DATABASE_16 - {"daticulocale"}) | {"datlocale", "dathasloginevt"}

# Catalog columns by major version, from the release notes; the 15 rows are checked against a real
# server by the integration tests.
PG_STAT_DATABASE_COLUMNS = {12: _STAT_DATABASE_12, 13: _STAT_DATABASE_12} | dict.fromkeys(
    (14, 15, 16, 17), _STAT_DATABASE_14
)
PG_STAT_REPLICATION_COLUMNS = dict.fromkeys(SUPPORTED_MAJORS, _STAT_REPLICATION)
PG_DATABASE_COLUMNS = dict.fromkeys((12, 13, 14), _DATABASE_12) | {
    15: _DATABASE_15,
    16: _DATABASE_16,
    17: _DATABASE_17,
}

# query -> (its alias for the catalog view, that view's columns by version)
CATALOGS = {
    "databases": ("s", PG_STAT_DATABASE_COLUMNS),
    "database_sizes": ("d", PG_DATABASE_COLUMNS),
    "replication": ("r", PG_STAT_REPLICATION_COLUMNS),
}

# Every function these queries may call exists, with these names, in PostgreSQL 12 to 17
# (the WAL functions were renamed from xlog in 10).
FUNCTIONS_SINCE_12 = frozenset(
    [
        "coalesce",
        "current_setting",
        "extract",
        "has_database_privilege",
        "host",
        "pg_current_wal_lsn",
        "pg_database_size",
        "pg_has_role",
        "pg_is_in_recovery",
        "pg_last_wal_receive_lsn",
        "pg_last_wal_replay_lsn",
        "pg_last_xact_replay_timestamp",
        "pg_postmaster_start_time",
        "pg_stat_get_wal_senders",
        "pg_wal_lsn_diff",
        "now",
    ]
)
OVERVIEW_QUERIES = ("server", "databases", "database_sizes", "replication", "recovery")


@pytest.mark.parametrize("major", SUPPORTED_MAJORS)
@pytest.mark.parametrize("query", sorted(CATALOGS))
def test_each_overview_query_reads_only_columns_its_version_has(query: str, major: int) -> None:
    alias, columns = CATALOGS[query]
    used = set(re.findall(rf"\b{alias}\.(\w+)", load_sql(query, major)))

    assert used, f"the query reads its catalog view as {alias}"
    assert used <= columns[major]


@pytest.mark.parametrize("major", SUPPORTED_MAJORS)
@pytest.mark.parametrize("query", OVERVIEW_QUERIES)
def test_each_overview_query_calls_only_functions_every_version_has(query: str, major: int) -> None:
    sql = re.sub(r"--[^\n]*", "", load_sql(query, major))
    called = {name.lower() for name in re.findall(r"\b(\w+)\s*\(", sql)} - {"select", "as", "in", "exists"}

    assert called <= FUNCTIONS_SINCE_12


def test_the_standbys_lag_is_never_measured_with_a_primary_only_function_on_a_standby() -> None:
    sql = load_sql("replication", 17)

    assert re.search(
        r"WHEN pg_is_in_recovery\(\) THEN pg_last_wal_replay_lsn\(\) ELSE pg_current_wal_lsn\(\)", sql
    )
