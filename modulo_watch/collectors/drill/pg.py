"""PostgreSQL in a drill: backend counts per state that ramp over time, plus scripted lock chains.

Generic backend number ``j`` of a state keeps its pid, application and client for the whole
drill, so a growing pool adds rows instead of reshuffling them; what it is running changes every
few seconds of drill time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from modulo_watch.collectors.drill.level import Level
from modulo_watch.collectors.drill.noise import mix, text_key
from modulo_watch.collectors.drill.pg_stats import drill_overview
from modulo_watch.collectors.drill.spec import (
    PG_STATES,
    BackendsEvent,
    EndLockChainEvent,
    Event,
    LockChainEvent,
    PostgresSpec,
    SessionSpec,
)
from modulo_watch.collectors.models import PgBackend, PgSnapshot

# When the chains and the pools together exceed max_connections, new connections are refused:
# the ones that would have been idle are the first not to exist.
_TRIM_ORDER = (
    "idle",
    "disabled",
    "fastpath function call",
    "idle in transaction (aborted)",
    "idle in transaction",
    "active",
)
# What a generic backend of each kind is doing changes every this many seconds.
_ACTIVE_PERIOD, _IDLE_PERIOD = 2, 15
_NEVER = float("inf")


@dataclass(frozen=True, slots=True)
class _Identity:
    pid: int
    application: str
    user: str
    client: str
    key: int


@dataclass(frozen=True, slots=True)
class ChainSession:
    chain: str
    identity: _Identity
    spec: SessionSpec
    blocked_by: tuple[int, ...]
    arrives: float
    leaves: float


def _client(key: int) -> str:
    return f"10.0.{1 + key % 3}.{2 + (key >> 8) % 250}"


class PostgresTimeline:
    """pg_stat_activity over time: ramping generic pools plus the scripted lock-chain sessions."""

    def __init__(self, spec: PostgresSpec, seed: int, events: tuple[Event, ...]) -> None:
        self._spec = spec
        self._seed = seed
        initial = dict(spec.backends)
        self._levels = {state: Level(float(initial.get(state, 0))) for state in PG_STATES}
        sessions = sum(s.count for e in events if isinstance(e, LockChainEvent) for s in e.sessions)
        pool = spec.max_connections * len(PG_STATES) + sessions
        self._pids = random.Random(seed).sample(range(1200, 1200 + 40 * pool), pool)
        self._chains: list[ChainSession] = []
        self._terminated: dict[int, float] = {}  # generic backends the responder terminated, and when
        self._apply(events)
        self._identities = {state: self._generic_identities(state, n) for n, state in enumerate(PG_STATES)}
        self._generic_memo: dict[tuple[str, int], tuple[int, datetime, PgBackend]] = {}
        self._chain_memo: dict[int, tuple[datetime, PgBackend]] = {}

    def snapshot(self, at: float, start: datetime) -> PgSnapshot:
        chain = [s for s in self._chains if s.arrives <= at < s.leaves]
        present = {s.identity.pid for s in chain}
        backends = [self._still_blocked(self._chain_backend(s, start), present) for s in chain]
        for state, count in self._counts(at, room=self._spec.max_connections - len(chain)).items():
            generic = (self._generic(state, j, at, start) for j in range(count))
            backends.extend(b for b in generic if self._terminated.get(b.pid, _NEVER) > at)
        backends.sort(key=lambda b: b.pid)
        return PgSnapshot(
            collected_at=start + timedelta(seconds=at),
            server_version=self._spec.server_version,
            max_connections=self._spec.max_connections,
            backends=tuple(backends),
            overview=drill_overview(self._spec, self._seed, at, start, backends),
        )

    @staticmethod
    def _still_blocked(backend: PgBackend, present: set[int]) -> PgBackend:
        """A blocker the responder took away no longer blocks: pg_blocking_pids names only the living."""
        if all(pid in present for pid in backend.blocked_by):
            return backend
        return replace(backend, blocked_by=tuple(pid for pid in backend.blocked_by if pid in present))

    def chain_session(self, pid: int, at: float) -> ChainSession | None:
        """The lock-chain session with ``pid`` at drill time ``at``, if one is connected then."""
        return next((s for s in self._chains if s.identity.pid == pid and s.arrives <= at < s.leaves), None)

    def act(self, pid: int, terminate: bool, at: float, start: datetime) -> bool:
        """The responder cancels (or terminates) backend ``pid`` at ``at``; False if it is not connected.

        As on a server: cancelling stops a query, so a waiting or running session gives up; an idle one
        has no query to stop and carries on holding its locks. Whoever waited only on sessions that are
        gone then gets its locks and finishes.
        """
        session = self.chain_session(pid, at)
        if session is None:
            if not any(b.pid == pid for b in self.snapshot(at, start).backends):
                return False
            if terminate:
                self._terminated[pid] = at
            return True
        if terminate or not session.spec.state.startswith("idle"):
            self._leave(session, at)
        return True

    def _leave(self, leaving: ChainSession, at: float) -> None:
        self._chains = [replace(s, leaves=at) if s is leaving else s for s in self._chains]
        freed = True
        while freed:
            leaves = {s.identity.pid: s.leaves for s in self._chains}
            freed = False
            for n, s in enumerate(self._chains):
                unblocked = max(at, s.arrives)
                if s.blocked_by and s.leaves > unblocked and all(leaves[b] <= at for b in s.blocked_by):
                    self._chains[n] = replace(s, leaves=unblocked)
                    freed = True

    def _apply(self, events: tuple[Event, ...]) -> None:
        ids: dict[str, dict[str, int]] = {}
        for event in events:
            if isinstance(event, BackendsEvent):
                for state, target in event.targets:
                    self._levels[state].ramp_to(event.at, event.over, float(target))
            elif isinstance(event, LockChainEvent):
                self._join_chain(event, ids.setdefault(event.chain, {}))
            elif isinstance(event, EndLockChainEvent):
                # Terminating the root lets every waiter finish: the whole chain drains at once.
                self._chains = [
                    replace(s, leaves=min(s.leaves, event.at)) if s.chain == event.chain else s
                    for s in self._chains
                ]

    def _join_chain(self, event: LockChainEvent, ids: dict[str, int]) -> None:
        total = sum(s.count for s in event.sessions)
        arrived = 0
        for spec in event.sessions:
            blocked_by = tuple(ids[b] for b in spec.blocked_by)
            for _ in range(spec.count):
                # Chain sessions take pids after the ones set aside for the generic backends.
                pid = self._pids[self._spec.max_connections * len(PG_STATES) + len(self._chains)]
                key = mix(self._seed, pid)
                identity = _Identity(pid, spec.application, spec.user, _client(key), key)
                arrives = event.at + round(event.over * arrived / total)
                self._chains.append(ChainSession(event.chain, identity, spec, blocked_by, arrives, _NEVER))
                ids.setdefault(spec.id, pid)
                arrived += 1

    def _generic_identities(self, state: str, offset: int) -> list[_Identity]:
        size = min(self._spec.max_connections, round(self._levels[state].peak()))
        apps = self._spec.applications
        identities = []
        for j in range(size):
            pid = self._pids[offset * self._spec.max_connections + j]
            key = mix(self._seed, text_key(state), j)
            application, user = apps[key % len(apps)]
            identities.append(_Identity(pid, application, user, _client(key >> 16), key))
        return identities

    def _counts(self, at: float, room: int) -> dict[str, int]:
        counts = {state: round(self._levels[state].at(at)) for state in PG_STATES}
        excess = sum(counts.values()) - max(0, room)
        for state in _TRIM_ORDER:
            if excess <= 0:
                break
            cut = min(excess, counts[state])
            counts[state] -= cut
            excess -= cut
        return counts

    def _generic(self, state: str, j: int, at: float, start: datetime) -> PgBackend:
        # A generic backend is a pure function of its period, so it is memoised per period.
        period = _ACTIVE_PERIOD if state == "active" else _IDLE_PERIOD
        bucket = int(at // period)
        cached = self._generic_memo.get((state, j))
        if cached is not None and cached[0] == bucket and cached[1] == start:
            return cached[2]
        backend = self._make_generic(state, self._identities[state][j], bucket * period, start)
        self._generic_memo[(state, j)] = (bucket, start, backend)
        return backend

    def _make_generic(self, state: str, who: _Identity, since: float, start: datetime) -> PgBackend:
        h = mix(who.key, int(since))
        # The current query (the last one, when idle) began shortly before this period did.
        lead = (h >> 8) % (500 if state == "active" else 30_000) / 1000
        query_start = start + timedelta(seconds=since - lead)
        if state == "active":
            xact_start: datetime | None = query_start
        elif state == "idle":
            xact_start = None
        else:
            xact_start = query_start - timedelta(seconds=(h >> 24) % 20)
        wait_type, wait_event = _active_wait(h) if state == "active" else ("Client", "ClientRead")
        return PgBackend(
            pid=who.pid,
            database=self._spec.database,
            user=who.user,
            application=who.application,
            client=who.client,
            state=state,
            query=self._spec.queries[h % len(self._spec.queries)],
            query_start=query_start,
            xact_start=xact_start,
            wait_event_type=wait_type,
            wait_event=wait_event,
            backend_start=_connected(who, start),
        )

    def _chain_backend(self, session: ChainSession, start: datetime) -> PgBackend:
        cached = self._chain_memo.get(session.identity.pid)
        if cached is None or cached[0] != start:
            cached = self._chain_memo[session.identity.pid] = (start, self._make_chain(session, start))
        return cached[1]

    def _make_chain(self, session: ChainSession, start: datetime) -> PgBackend:
        spec, who = session.spec, session.identity
        since = start + timedelta(seconds=session.arrives)
        idle = spec.state.startswith("idle")
        if session.blocked_by:
            wait_type, wait_event = "Lock", spec.wait_event
        else:
            wait_type, wait_event = (
                ("Client", spec.wait_event or "ClientRead") if idle else ("", spec.wait_event)
            )
        return PgBackend(
            pid=who.pid,
            database=self._spec.database,
            user=who.user,
            application=who.application,
            client=who.client,
            state=spec.state,
            query=spec.query,
            query_start=since,
            xact_start=since,
            wait_event_type=wait_type,
            wait_event=wait_event,
            blocked_by=session.blocked_by,
            backend_start=since - timedelta(seconds=who.key % 600),
        )


def _connected(who: _Identity, start: datetime) -> datetime:
    """A pooled connection was opened some hours before the drill began, and stays open."""
    return start - timedelta(seconds=3600 + who.key % 86_400)


def _active_wait(h: int) -> tuple[str, str]:
    roll = (h >> 40) % 20
    if roll == 0:
        return "IO", "DataFileRead"
    if roll == 1:
        return "LWLock", "WALWrite"
    return "", ""
