"""Which SQL file runs a query on which server version."""

from __future__ import annotations

from importlib.resources import files

OLDEST_MAJOR, NEWEST_MAJOR = 12, 17
SUPPORTED_MAJORS = range(OLDEST_MAJOR, NEWEST_MAJOR + 1)

# query -> (first major, file) pairs, oldest first; a file serves every major up to the next entry's.
_FILES: dict[str, tuple[tuple[int, str], ...]] = {
    "server": ((OLDEST_MAJOR, "server.sql"),),
    "activity": ((OLDEST_MAJOR, "activity.sql"),),
    "databases": ((OLDEST_MAJOR, "databases.sql"),),
    "database_sizes": ((OLDEST_MAJOR, "database_sizes.sql"),),
    "replication": ((OLDEST_MAJOR, "replication.sql"),),
    "recovery": ((OLDEST_MAJOR, "recovery.sql"),),
    "locks": ((OLDEST_MAJOR, "locks.sql"), (14, "locks_14.sql")),
    "cancel": ((OLDEST_MAJOR, "cancel.sql"),),
    "terminate": ((OLDEST_MAJOR, "terminate.sql"),),
}
QUERIES = tuple(_FILES)
# Run only when the responder opens a backend or acts on it, never by the refresh.
ON_DEMAND_QUERIES = frozenset({"locks", "cancel", "terminate"})
REFRESH_QUERIES = tuple(query for query in QUERIES if query not in ON_DEMAND_QUERIES)


class UnsupportedServer(Exception):
    pass


def major_version(server_version_num: int) -> int:
    """150004 -> 15 (libpq's number for 10 and later)."""
    return server_version_num // 10_000


def sql_file(query: str, major: int) -> str:
    """The file for ``query`` on a server of ``major``; a server newer than we know gets the newest file,
    since the catalog rarely drops columns, and an error is better than a guess for an older one."""
    if major < OLDEST_MAJOR:
        raise UnsupportedServer(f"PostgreSQL {major} is not supported (12 or later)")
    return [name for first, name in _FILES[query] if first <= major][-1]


def load_sql(query: str, major: int) -> str:
    return files("modulo_watch.collectors.postgres.sql").joinpath(sql_file(query, major)).read_text()
