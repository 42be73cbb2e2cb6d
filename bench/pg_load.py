"""A busy PostgreSQL server for the Postgres benchmarks: 1,000 client connections and a blocking chain.

A throwaway server (tests/pg_server.py) with max_connections raised to 1100, holding:
- idle sessions, the most of them, each having run one `SELECT 1`;
- sessions idle in transaction;
- sessions running `SELECT pg_sleep(600)`;
- a blocking chain on a row: a holder updates row 1 in an open transaction; waiters update row 1 too
  (the first waits on the holder, the others queue behind the first on the tuple lock); a relay updates
  row 2 in its transaction, then row 1; a relay waiter updates row 2, behind the relay;
- two readers idle in transaction on a table, and an `ALTER TABLE` of it waiting on both.

The connections are opened concurrently on one asyncio loop. The load runs in its own process
(`python -m bench.pg_load`), so its event loop and sockets cost the benchmark process nothing; the
benchmarks start it with `serve_load()`, which reads the description it prints as one JSON line and ends
it by closing its stdin. Run by hand, it prints the DSN and holds the load until Enter.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import cast

import psycopg

from tests.pg_server import PgServer

MAX_CONNECTIONS = 1100
CONNECTIONS = 1000
SLEEPERS = 20
IDLE_IN_TRANSACTION = 50
ROW_WAITERS = 4
CHAIN_SESSIONS = 1 + ROW_WAITERS + 2 + 2 + 1  # holder, waiters, relay and its waiter, readers, ALTER
HEADROOM = 10  # connections left for the monitors and the superuser's reserved ones
OPENING_AT_ONCE = 32  # concurrent connection attempts: the postmaster forks one backend per connection
LOCK_WAIT_LIMIT = 10.0  # seconds for a session to show up as waiting on a lock

# Appended to the test server's postgresql.conf before it starts (a later line wins). The log prefix
# puts the backend pid on each line, so a benchmark can pick its own session's statement durations.
SERVER_SETTINGS = {"max_connections": str(MAX_CONNECTIONS), "log_line_prefix": "'[%p] '"}

Connection = psycopg.AsyncConnection[tuple[object, ...]]


@dataclass(frozen=True)
class Chain:
    """The pids of the blocking chain's sessions."""

    holder: int
    row_waiters: list[int]
    relay: int
    relay_waiter: int
    readers: list[int]
    alter: int  # waits on both readers

    @property
    def pids(self) -> list[int]:
        return [self.holder, *self.row_waiters, self.relay, self.relay_waiter, *self.readers, self.alter]


@dataclass(frozen=True)
class LoadInfo:
    """What a benchmark needs to know about the load: where it is, and which pid plays which part."""

    dsn: str
    server_log: str
    max_connections: int
    connections: int
    idle: list[int]
    idle_in_transaction: list[int]
    sleepers: list[int]
    chain: Chain
    blocked_by: dict[str, list[int]]  # pid -> pg_blocking_pids(pid), as the server saw it once set up

    @classmethod
    def from_json(cls, line: str) -> LoadInfo:
        fields = json.loads(line)
        return cls(**{**fields, "chain": Chain(**fields["chain"])})


class Load:
    """The open connections and the statements still running on them."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.connections: list[Connection] = []
        self.running: list[tuple[Connection, asyncio.Task[object]]] = []
        self._gate = asyncio.Semaphore(OPENING_AT_ONCE)

    async def connect(self, application: str, *, transaction: bool = False) -> Connection:
        """A session that has run `SELECT 1`; in an open transaction if ``transaction``."""
        async with self._gate:
            connection = await psycopg.AsyncConnection.connect(
                self.dsn, autocommit=not transaction, application_name=application
            )
        self.connections.append(connection)
        await connection.execute("SELECT 1")
        return connection

    async def sessions(self, count: int, application: str, *, transaction: bool = False) -> list[Connection]:
        return list(
            await asyncio.gather(*(self.connect(application, transaction=transaction) for _ in range(count)))
        )

    def start(self, connection: Connection, sql: str) -> None:
        """Send a statement that blocks (a lock wait, a sleep) and leave it running."""
        task: asyncio.Task[object] = asyncio.create_task(_execute(connection, sql))
        self.running.append((connection, task))

    async def close(self) -> None:
        """Cancel what still runs, then close every connection."""
        for connection, task in self.running:
            if not task.done():
                await connection.cancel_safe()
        await asyncio.gather(*(task for _, task in self.running), return_exceptions=True)
        await asyncio.gather(*(connection.close() for connection in self.connections))


async def _execute(connection: Connection, sql: str) -> object:
    return await connection.execute(sql.encode())  # bytes: psycopg types a str query as a literal


def pid(connection: Connection) -> int:
    return connection.info.backend_pid


async def wait_for_lock(admin: Connection, pids: list[int]) -> None:
    """Until each of pids waits on a lock: the next step of the chain needs this one in place."""
    deadline = time.monotonic() + LOCK_WAIT_LIMIT
    while True:
        cursor = await admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s) AND wait_event_type = 'Lock'", [pids]
        )
        row = await cursor.fetchone()
        if row is not None and row[0] == len(pids):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"sessions {pids} are not all waiting on a lock after {LOCK_WAIT_LIMIT:g} s")
        await asyncio.sleep(0.02)  # a poll interval: the loop checks the condition


async def blocking_chain(load: Load, admin: Connection) -> Chain:
    """The holder, its waiters and the relay, then the ALTER TABLE behind two readers; pids by part."""
    await admin.execute("CREATE TABLE bench_rows (id int PRIMARY KEY, touched timestamptz)")
    await admin.execute("INSERT INTO bench_rows VALUES (1, now()), (2, now())")
    await admin.execute("CREATE TABLE bench_shared (id int)")
    update_row_1 = "UPDATE bench_rows SET touched = now() WHERE id = 1"
    update_row_2 = "UPDATE bench_rows SET touched = now() WHERE id = 2"

    holder = await load.connect("bench-holder", transaction=True)
    await holder.execute(update_row_1)
    waiters = await load.sessions(ROW_WAITERS, "bench-waiter")
    for waiter in waiters:  # one by one, so the queue order is known
        load.start(waiter, update_row_1)
        await wait_for_lock(admin, [pid(waiter)])
    relay = await load.connect("bench-relay", transaction=True)
    await relay.execute(update_row_2)
    load.start(relay, update_row_1)
    await wait_for_lock(admin, [pid(relay)])
    relay_waiter = await load.connect("bench-relay-waiter")
    load.start(relay_waiter, update_row_2)
    await wait_for_lock(admin, [pid(relay_waiter)])

    readers = await load.sessions(2, "bench-reader", transaction=True)
    for reader in readers:
        await reader.execute("SELECT count(*) FROM bench_shared")
    alter = await load.connect("bench-alter")
    load.start(alter, "ALTER TABLE bench_shared ADD COLUMN extra int")
    await wait_for_lock(admin, [pid(alter)])
    return Chain(
        holder=pid(holder),
        row_waiters=[pid(waiter) for waiter in waiters],
        relay=pid(relay),
        relay_waiter=pid(relay_waiter),
        readers=[pid(reader) for reader in readers],
        alter=pid(alter),
    )


async def blocked_by(admin: Connection, pids: list[int]) -> dict[str, list[int]]:
    cursor = await admin.execute(
        "SELECT pid, pg_blocking_pids(pid) FROM pg_stat_activity WHERE pid = ANY(%s) ORDER BY pid", [pids]
    )
    return {str(row[0]): sorted(cast(list[int], row[1])) for row in await cursor.fetchall()}


async def open_load(server: PgServer, connections: int, load: Load) -> LoadInfo:
    """Every session of the load open and in place; ``connections`` counts them all."""
    async with await psycopg.AsyncConnection.connect(server.dsn(), autocommit=True) as admin:
        chain = await blocking_chain(load, admin)
        sleepers = await load.sessions(SLEEPERS, "bench-sleep")
        for sleeper in sleepers:
            load.start(sleeper, "SELECT pg_sleep(600)")
        in_transaction = await load.sessions(IDLE_IN_TRANSACTION, "bench-idle-tx", transaction=True)
        idle = await load.sessions(connections - len(load.connections), "bench-idle")
        return LoadInfo(
            dsn=server.dsn(),
            server_log=str(server.root / "server.log"),
            max_connections=MAX_CONNECTIONS,
            connections=len(load.connections),
            idle=[pid(c) for c in idle],
            idle_in_transaction=[pid(c) for c in in_transaction],
            sleepers=[pid(c) for c in sleepers],
            chain=chain,
            blocked_by=await blocked_by(admin, chain.pids),
        )


def start_server() -> PgServer:
    server = PgServer()  # initdb has run and written its settings; the server is not started yet
    try:
        with (server.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in SERVER_SETTINGS.items())
        server.start()
    except BaseException:
        server.close()
        raise
    return server


async def hold(connections: int, as_json: bool) -> None:
    """Start the server, open the load, print it, hold it until stdin reaches EOF (or a line), clean up."""
    started = time.perf_counter()
    server = start_server()
    try:
        load = Load(server.dsn())
        try:
            info = await open_load(server, connections, load)
            took = time.perf_counter() - started
            print(f"load: {info.connections} connections open in {took:.1f} s", file=sys.stderr)
            print(json.dumps(asdict(info)) if as_json else describe(info), flush=True)
            await asyncio.to_thread(sys.stdin.readline)
        finally:
            await load.close()
    finally:
        server.close()
    print("load: closed, server stopped", file=sys.stderr)


def describe(info: LoadInfo) -> str:
    chain = ", ".join(f"{pid} <- {blockers}" for pid, blockers in info.blocked_by.items() if blockers)
    return "\n".join(
        [
            f"dsn:      {info.dsn}",
            f"sessions: {info.connections} (idle {len(info.idle)}, idle in transaction"
            f" {len(info.idle_in_transaction)}, pg_sleep {len(info.sleepers)}, chain {len(info.chain.pids)})",
            f"chain:    holder {info.chain.holder}, readers {info.chain.readers}; waiting: {chain}",
            "Enter ends the load.",
        ]
    )


@contextmanager
def serve_load(connections: int = CONNECTIONS) -> Iterator[LoadInfo]:
    """The load in a child process, for the length of the with block."""
    command = [sys.executable, "-m", "bench.pg_load", "--json", "--connections", str(connections)]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as child:
        assert child.stdin is not None and child.stdout is not None
        try:
            line = child.stdout.readline()
            if not line:
                raise RuntimeError(f"the load exited before it was ready (status {child.wait()})")
            yield LoadInfo.from_json(line)
        finally:
            child.stdin.close()  # EOF: the child cancels, disconnects and stops its server
            child.wait(timeout=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--connections", type=int, default=CONNECTIONS, help="client sessions in all")
    parser.add_argument("--json", action="store_true", help="describe the load as one JSON line on stdout")
    args = parser.parse_args(argv)
    floor, ceiling = CHAIN_SESSIONS + SLEEPERS + IDLE_IN_TRANSACTION, MAX_CONNECTIONS - HEADROOM
    if not floor <= args.connections <= ceiling:
        parser.error(f"--connections must be between {floor} and {ceiling}")
    asyncio.run(hold(args.connections, args.json))
    return 0


if __name__ == "__main__":
    sys.exit(main())
