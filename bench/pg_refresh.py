"""Server time of one Postgres refresh: every monitoring query, against a server holding 1,000 sessions.

The load of bench/pg_load.py (1,000 client sessions, a blocking chain, long queries) runs in a child
process. The monitoring connection is the app's own `PgConnection`, made from a DSN that adds one server
option, `log_min_duration_statement=0`, so that the server logs the duration of every statement of this
session, and only of this session. The queries are whatever `queries.REFRESH_QUERIES` names when the script
runs (the on-demand ones, for a backend's detail or an action, are left out), as the session loaded them for
the server's version. All of them run every time, including those the app runs less often: `server` once
per connection, for one.

For each query and each run, two times:
- server: the `duration:` the server logged for the statement, from the moment the backend received it to
  the moment it had sent the last row: parse, plan, execution and output, the time the server spends;
- round trip: from the client's send to the last row decoded into dicts, as the collector reads them.

One cold run comes first and is reported on its own; then --runs runs, one every --interval seconds as the
app refreshes, give the median, p95 and max. Prints figures and asserts nothing. Run from the repository
root: `.venv/bin/python -m bench.pg_refresh`.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.pg_load import CONNECTIONS, LoadInfo, serve_load
from bench.terminal import machine
from modulo_watch.collectors.postgres.connection import APPLICATION_NAME, PgConnection, PgSession
from modulo_watch.collectors.postgres.queries import REFRESH_QUERIES
from modulo_watch.config import PostgresSettings

GOAL_MS = 50.0
# A statement's line, or one step of a prepared one, with the log_line_prefix pg_load sets ('[%p] ').
_DURATION = re.compile(
    r"^\[(?P<pid>\d+)\] LOG:  duration: (?P<ms>[\d.]+) ms"
    r"  (?P<step>statement|parse|bind|execute)[^:]*: (?P<sql>.*)$"
)
LAST_STEPS = ("statement", "execute")  # a statement's time is complete with its statement or execute line


@dataclass
class Timings:
    """Milliseconds per query name, one entry per run, in run order."""

    by_query: dict[str, list[float]] = field(default_factory=dict)

    def add(self, query: str, ms: float) -> None:
        self.by_query.setdefault(query, []).append(ms)

    def totals(self) -> list[float]:
        return [sum(run) for run in zip(*self.by_query.values(), strict=True)]


@dataclass
class Refreshes:
    """What the runs saw: client round trips and rows per query, and the statements sent, in order."""

    round_trips: Timings = field(default_factory=Timings)
    rows: dict[str, int] = field(default_factory=dict)
    sent: list[tuple[str, str]] = field(default_factory=list)  # (query name, sql), every statement


def monitoring_settings(dsn: str) -> PostgresSettings:
    """The app's settings for this server, plus the per-session statement log the timings come from."""
    return PostgresSettings(dsn=f"{dsn} options='-c log_min_duration_statement=0'", interval=1.0)


async def refresh(connection: PgConnection, session: PgSession, refreshes: Refreshes) -> None:
    """One run of every query, timed from the client."""
    for query in REFRESH_QUERIES:
        sql = session.sql[query]
        started = time.perf_counter()
        rows = await connection.fetchall(session.connection, sql)
        refreshes.round_trips.add(query, 1000 * (time.perf_counter() - started))
        refreshes.rows[query] = len(rows)
        refreshes.sent.append((query, sql))


async def run_refreshes(settings: PostgresSettings, runs: int, interval: float) -> tuple[int, Refreshes]:
    """The backend pid of the monitoring session, and runs + 1 refreshes (the first one cold)."""
    connection = PgConnection(settings)
    session = await connection.session()  # runs the once-per-connection query: its log line is skipped
    pid = session.connection.info.backend_pid
    refreshes = Refreshes()
    try:
        for run in range(runs + 1):
            if run:
                await asyncio.sleep(interval)
            await refresh(connection, session, refreshes)
    finally:
        await connection.discard()
    return pid, refreshes


def logged_statements(server_log: Path, pid: int) -> list[tuple[float, str]]:
    """(milliseconds, first line of the SQL) of every statement the session ran, in order.

    psycopg prepares a query from its sixth run on: the server then logs its parse (once), bind and
    execute steps one by one, and the statement's time is their sum.
    """
    found, steps = [], 0.0
    for line in server_log.read_text(errors="replace").splitlines():
        match = _DURATION.match(line)
        if match and int(match["pid"]) == pid:
            steps += float(match["ms"])
            if match["step"] in LAST_STEPS:
                found.append((steps, match["sql"]))
                steps = 0.0
    return found


def server_timings(logged: list[tuple[float, str]], sent: list[tuple[str, str]]) -> Timings:
    """The logged durations matched to the statements sent: the last len(sent) lines, checked by text."""
    if len(logged) < len(sent):
        raise SystemExit(f"the server logged {len(logged)} statements of the session; {len(sent)} were sent")
    timings = Timings()
    for (ms, first_line), (query, sql) in zip(logged[-len(sent) :], sent, strict=True):
        if first_line != sql.splitlines()[0]:
            raise SystemExit(f"logged statement {first_line!r} does not match query {query!r}")
        timings.add(query, ms)
    return timings


def split_cold(timings: Timings) -> tuple[Timings, Timings]:
    """The first run, and the rest."""
    cold, warm = Timings(), Timings()
    for query, values in timings.by_query.items():
        cold.by_query[query], warm.by_query[query] = values[:1], values[1:]
    return cold, warm


def spread(values: Sequence[float]) -> str:
    """Median, p95 and max in ms."""
    p95 = statistics.quantiles(values, n=20, method="inclusive")[18]
    return f"{statistics.median(values):>8.2f} {p95:>8.2f} {max(values):>8.2f}"


def report(server: Timings, client: Timings, rows: dict[str, int]) -> None:
    header = f"{'median':>8} {'p95':>8} {'max':>8}"
    print(f"{'query':<16} {'rows':>6}   server ms: {header}   round trip ms: {header}")
    for query in server.by_query:
        print(
            f"{query:<16} {rows[query]:>6}   {'':>11}{spread(server.by_query[query])}"
            f"   {'':>15}{spread(client.by_query[query])}"
        )
    print(
        f"{'one refresh':<16} {'':>6}   {'':>11}{spread(server.totals())}   {'':>15}{spread(client.totals())}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--runs", type=int, default=50, help="timed refreshes after the cold one (default: 50)"
    )
    parser.add_argument(
        "--interval", type=float, default=1.0, help="seconds between refreshes, as the app's (default: 1)"
    )
    parser.add_argument(
        "--connections", type=int, default=CONNECTIONS, help=f"client sessions (default: {CONNECTIONS})"
    )
    args = parser.parse_args(argv)
    if args.runs < 2 or args.interval < 0:
        parser.error("--runs must be at least 2 and --interval not negative")
    print(f"machine:  {machine()}")
    with serve_load(args.connections) as load:
        measure(load, args.runs, args.interval)
    return 0


def measure(load: LoadInfo, runs: int, interval: float) -> None:
    print(
        f"load:     {load.connections} client sessions of max_connections {load.max_connections}: idle"
        f" {len(load.idle)}, idle in transaction {len(load.idle_in_transaction)}, pg_sleep"
        f" {len(load.sleepers)}, blocking chain {len(load.chain.pids)} (waiting on locks"
        f" {sum(1 for blockers in load.blocked_by.values() if blockers)})"
    )
    print(
        f"queries:  {', '.join(REFRESH_QUERIES)} (queries.REFRESH_QUERIES, all run every time, even those the"
        " app runs less often, like server: once per connection)"
    )
    settings = monitoring_settings(load.dsn)
    print(
        f"session:  the app's PgConnection: application_name {APPLICATION_NAME}, statement and lock"
        f" timeouts {settings.statement_timeout_ms} ms"
    )
    pid, refreshes = asyncio.run(run_refreshes(settings, runs, interval))
    server = server_timings(logged_statements(Path(load.server_log), pid), refreshes.sent)
    cold_server, warm_server = split_cold(server)
    cold_client, warm_client = split_cold(refreshes.round_trips)
    print(
        f"cold run: one refresh {cold_server.totals()[0]:.2f} ms server,"
        f" {cold_client.totals()[0]:.2f} ms round trip (not in the figures below)"
    )
    print(f"\n{runs} runs, one every {interval:g} s:")
    report(warm_server, warm_client, refreshes.rows)
    median = statistics.median(warm_server.totals())
    print(f"\ngoal: one refresh under {GOAL_MS:g} ms of server time; median {median:.2f} ms")
    print(f"machine now: {machine()}")


if __name__ == "__main__":
    sys.exit(main())
