"""Which SQL runs on which server: every supported version gets a file that exists."""

from __future__ import annotations

import re

import pytest

from modulo_watch.collectors.postgres.queries import (
    QUERIES,
    SUPPORTED_MAJORS,
    UnsupportedServer,
    load_sql,
    major_version,
    sql_file,
)

_V12 = frozenset(
    [
        "datid",
        "datname",
        "pid",
        "usesysid",
        "usename",
        "application_name",
        "client_addr",
        "client_hostname",
        "client_port",
        "backend_start",
        "xact_start",
        "query_start",
        "state_change",
        "wait_event_type",
        "wait_event",
        "state",
        "backend_xid",
        "backend_xmin",
        "query",
        "backend_type",
    ]
)
_V13 = _V12 | {"leader_pid"}
_V14 = _V13 | {"query_id"}
# pg_stat_activity's columns by major version, from the release notes; the 15 row is checked against
# a real server by the integration tests.
PG_STAT_ACTIVITY_COLUMNS = {12: _V12, 13: _V13, 14: _V14, 15: _V14, 16: _V14, 17: _V14}


_LOCKS_V12 = frozenset(
    [
        "locktype",
        "database",
        "relation",
        "page",
        "tuple",
        "virtualxid",
        "transactionid",
        "classid",
        "objid",
        "objsubid",
        "virtualtransaction",
        "pid",
        "mode",
        "granted",
        "fastpath",
    ]
)
# pg_locks' columns by major version: waitstart came in 14.
PG_LOCKS_COLUMNS = {
    12: _LOCKS_V12,
    13: _LOCKS_V12,
    **dict.fromkeys((14, 15, 16, 17), _LOCKS_V12 | {"waitstart"}),
}

# The queries reading pg_stat_activity (as ``a``) and pg_locks (as ``l``).
_READS_ACTIVITY = ("activity", "cancel", "terminate")


@pytest.mark.parametrize("major", SUPPORTED_MAJORS)
@pytest.mark.parametrize("query", _READS_ACTIVITY)
def test_what_reads_pg_stat_activity_reads_only_columns_its_version_has(query: str, major: int) -> None:
    used = set(re.findall(r"\ba\.(\w+)", load_sql(query, major)))

    assert used, "the query reads pg_stat_activity as a"
    assert used <= PG_STAT_ACTIVITY_COLUMNS[major]


@pytest.mark.parametrize("major", SUPPORTED_MAJORS)
def test_the_locks_sql_reads_only_columns_its_version_has(major: int) -> None:
    used = set(re.findall(r"\bl\.(\w+)", load_sql("locks", major)))

    assert {"pid", "mode", "granted", "relation"} <= used
    assert used <= PG_LOCKS_COLUMNS[major]
    assert ("waitstart" in used) == (major >= 14)


@pytest.mark.parametrize("major", SUPPORTED_MAJORS)
@pytest.mark.parametrize("query", QUERIES)
def test_every_supported_version_has_sql_for_every_query(query: str, major: int) -> None:
    assert sql_file(query, major).endswith(".sql")
    assert "SELECT" in load_sql(query, major)


def test_the_supported_versions_are_12_to_17() -> None:
    assert list(SUPPORTED_MAJORS) == [12, 13, 14, 15, 16, 17]


def test_a_newer_server_gets_the_newest_sql() -> None:
    assert sql_file("activity", 18) == sql_file("activity", 17)


def test_an_older_server_is_refused_by_name() -> None:
    with pytest.raises(UnsupportedServer, match="PostgreSQL 11 is not supported"):
        sql_file("activity", 11)


@pytest.mark.parametrize(("number", "major"), [(120022, 12), (150004, 15), (170000, 17)])
def test_major_version_from_libpq_number(number: int, major: int) -> None:
    assert major_version(number) == major
