"""The drill's backend inspector: a backend's detail and locks at the drill's current time, and cancel
or terminate, which change the drill's world from then on as they would a server's."""

from __future__ import annotations

import re
from datetime import datetime

from modulo_watch.collectors.drill.collectors import WORLD_TICK
from modulo_watch.collectors.drill.engine import Scenario
from modulo_watch.collectors.drill.inspect import DrillTime
from modulo_watch.collectors.drill.noise import mix
from modulo_watch.collectors.models import PgBackend
from modulo_watch.collectors.postgres.detail import BackendDetail, BackendGone, PgAction, PgLock, PgOutcome

# The table lock each kind of statement takes, as PostgreSQL's documentation lists them.
_MODES = (
    (re.compile(r"^\s*(ALTER|DROP|TRUNCATE|VACUUM\s+FULL|CLUSTER|REINDEX)\b", re.I), "AccessExclusiveLock"),
    (re.compile(r"^\s*CREATE\s+INDEX\s+CONCURRENTLY\b", re.I), "ShareUpdateExclusiveLock"),
    (re.compile(r"^\s*CREATE\s+(UNIQUE\s+)?INDEX\b", re.I), "ShareLock"),
    (re.compile(r"^\s*(INSERT|UPDATE|DELETE|MERGE)\b", re.I), "RowExclusiveLock"),
    (re.compile(r"^\s*SELECT\b.*\bFOR\s+(UPDATE|SHARE|NO\s+KEY|KEY)\b", re.I | re.S), "RowShareLock"),
)
_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE|TABLE|ON)\s+([a-z_][a-z0-9_.]*)", re.I)


def table_mode(query: str) -> str:
    return next((mode for pattern, mode in _MODES if pattern.search(query)), "AccessShareLock")


def table_of(query: str) -> str:
    found = _TABLE.search(query)
    return found.group(1) if found else ""


class DrillPgInspector:
    def __init__(self, scenario: Scenario, clock: DrillTime, start: datetime) -> None:
        self._scenario = scenario
        self._clock = clock
        self._start = start

    async def detail(self, pid: int) -> BackendDetail:
        at = self._clock.elapsed
        snapshot = self._scenario.postgres.snapshot(at, self._start)
        found = next((b for b in snapshot.backends if b.pid == pid), None)
        if found is None:
            raise BackendGone(pid)
        return BackendDetail(backend=found, locks=self._locks(found), xid=self._xid(found))

    def _xid(self, backend: PgBackend) -> str:
        """Writers have a transaction id; a number that stays put for the backend's transaction."""
        if backend.xact_start is None or table_mode(backend.query) == "AccessShareLock":
            return ""
        return str(700 + mix(backend.pid, int(backend.xact_start.timestamp())) % 90_000)

    def _locks(self, backend: PgBackend) -> tuple[PgLock, ...]:
        """Its virtual transaction and table locks, as pg_locks shows them: the one it waits for first."""
        if backend.xact_start is None:
            return ()
        virtualxid = f"{backend.pid % 97 + 3}/{backend.pid}"
        locks = [PgLock("virtualxid", "ExclusiveLock", True, virtualxid=virtualxid)]
        xid = self._xid(backend)
        if xid:
            locks.append(PgLock("transactionid", "ExclusiveLock", True, transactionid=xid))
        table = self._table(backend)
        if table:
            waiting = bool(backend.blocked_by)
            since = backend.query_start if waiting else None
            locks.append(PgLock("relation", table_mode(backend.query), not waiting, table, waitstart=since))
        return tuple(sorted(locks, key=lambda lock: lock.granted))

    def _table(self, backend: PgBackend) -> str:
        session = self._scenario.postgres.chain_session(backend.pid, self._clock.elapsed)
        # A lock chain is named after the table it fights over.
        return session.chain if session is not None else table_of(backend.query)

    async def act(self, action: PgAction, target: PgBackend) -> PgOutcome:
        terminate = action is PgAction.TERMINATE
        # At the world tick the collectors show now: a paused drill shows the change at once.
        elapsed = self._clock.elapsed
        at = elapsed - elapsed % WORLD_TICK
        acted = self._scenario.act_on_backend(target.pid, terminate, at, self._start)
        return PgOutcome.SIGNALLED if acted else PgOutcome.GONE

    async def aclose(self) -> None:
        """Nothing to release: the drill's world is computed."""
