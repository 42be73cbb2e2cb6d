"""Reading the ``[[event]]`` timeline.

Each event has ``at`` and exactly one action key that says what happens (``error_ratio``,
``pods``, ``rollout``, ``alert`` ...). Events are read in time order, so a reference to something
that does not exist yet (an alert resolved before it fired, a lock chain ended before it began)
is an error on the line that makes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from modulo_watch.collectors.drill.reader import Table
from modulo_watch.collectors.drill.spec import (
    HEALTH_ERRORS,
    NODE_CONDITIONS,
    PG_STATES,
    POD_STATUSES,
    AlertEvent,
    BackendsEvent,
    EndLockChainEvent,
    ErrorRatioEvent,
    Event,
    EvictEvent,
    HealthEvent,
    LatencyEvent,
    LockChainEvent,
    NodeEvent,
    NodeSpec,
    PodStatusEvent,
    RequestRateEvent,
    ResolveEvent,
    RolloutEvent,
    SchedulePendingEvent,
    SessionSpec,
    SourceDownEvent,
    WorkloadSpec,
)
from modulo_watch.collectors.models import SourceName

ALERT_SEVERITIES = ("critical", "warning", "info", "none")


@dataclass
class _Context:
    """What earlier events (in time) have made exist."""

    workloads: dict[str, WorkloadSpec]
    nodes: tuple[str, ...]
    chains: dict[str, dict[str, int]] = field(default_factory=dict)
    """Lock chain -> session id -> how many sessions share that id."""
    alerts: set[str] = field(default_factory=set)
    checks: tuple[str, ...] = ()  # the [[health_check]] names

    def workload(self, table: Table, key: str) -> WorkloadSpec:
        return self.workloads[table.choice(key, self.workloads, what="workload")]


def read_events(
    root: Table,
    workloads: tuple[WorkloadSpec, ...],
    nodes: tuple[NodeSpec, ...],
    duration: float,
    checks: tuple[str, ...] = (),
) -> tuple[Event, ...]:
    timed: list[tuple[float, Table]] = []
    for table in root.tables("event", "[[event]]"):
        at = table.duration("at", allow_negative=True)
        if at > duration:
            raise table.error("at", f"'at' is after the end of the scenario ({duration / 60:g}m)")
        table.label = f"{table.label} (at {table.text('at')})"
        timed.append((at, table))
    timed.sort(key=lambda pair: pair[0])
    context = _Context({w.name: w for w in workloads}, tuple(node.name for node in nodes), checks=checks)
    events: list[Event] = []
    for at, table in timed:
        events.append(_ACTIONS[_action(table)](table, at, context))
        table.finish()
    return tuple(events)


def _action(table: Table) -> str:
    actions = [key for key in table.names() if key in _ACTIONS]
    if not actions:
        raise table.error(None, f"say what happens with one of: {', '.join(_ACTIONS)}")
    if len(actions) > 1:
        raise table.error(
            actions[1], f"one action per [[event]]: put '{actions[0]}' and '{actions[1]}' in separate events"
        )
    return actions[0]


def _error_ratio(table: Table, at: float, _: _Context) -> Event:
    target = table.number("error_ratio", high=1.0)
    return ErrorRatioEvent(at, table.line, target, table.duration("over", "2m"))


def _latency(table: Table, at: float, _: _Context) -> Event:
    p95 = table.number("latency_p95", high=3600.0)
    p99 = table.number("latency_p99", high=3600.0) if table.has("latency_p99") else None
    if p99 is not None and p99 < p95:
        raise table.error("latency_p99", "'latency_p99' must be at least 'latency_p95'")
    return LatencyEvent(at, table.line, p95, p99, table.duration("over", "2m"))


def _request_rate(table: Table, at: float, _: _Context) -> Event:
    target = table.number("request_rate")
    return RequestRateEvent(at, table.line, target, table.duration("over", "2m"))


def _pods(table: Table, at: float, context: _Context) -> Event:
    workload = context.workload(table, "pods")
    status = table.choice("status", POD_STATUSES, what="pod status")
    count = table.integer("count", minimum=1) if table.has("count") else None
    if count is not None and count > workload.replicas:
        raise table.error("count", f"{workload.name} has only {workload.replicas} replicas")
    return PodStatusEvent(at, table.line, workload.name, status, count)


def _rollout(table: Table, at: float, context: _Context) -> Event:
    rollback = table.has("rollback")
    workload = context.workload(table, "rollback" if rollback else "rollout")
    status = table.choice("status", POD_STATUSES, "Running", what="pod status")
    return RolloutEvent(at, table.line, workload.name, status, table.duration("over", "1m"), rollback)


def _node(table: Table, at: float, context: _Context) -> Event:
    node = table.choice("node", context.nodes, what="node")
    add = frozenset(table.choices("condition", NODE_CONDITIONS, what="node condition"))
    clear = frozenset(table.choices("clear", NODE_CONDITIONS, what="node condition"))
    if not add and not clear:
        raise table.error(
            "node", "say what changes: 'condition = \"DiskPressure\"' or 'clear = \"NotReady\"'"
        )
    return NodeEvent(at, table.line, node, add, clear)


def _evict(table: Table, at: float, context: _Context) -> Event:
    node = table.choice("evict", context.nodes, what="node")
    status = table.choice("status", POD_STATUSES, "Evicted", what="pod status")
    replacements = table.choice("replacements", POD_STATUSES, "Pending", what="pod status")
    return EvictEvent(at, table.line, node, status, replacements)


def _schedule_pending(table: Table, at: float, _: _Context) -> Event:
    if not table.flag("schedule_pending"):
        raise table.error("schedule_pending", "write 'schedule_pending = true' or leave the event out")
    status = table.choice("status", POD_STATUSES, "Running", what="pod status")
    return SchedulePendingEvent(at, table.line, status)


def _backends(table: Table, at: float, _: _Context) -> Event:
    targets = table.table("postgres_backends", "postgres_backends") or table.empty("postgres_backends")
    if not targets.names():
        raise table.error("postgres_backends", "give target counts, e.g. { active = 40, idle = 120 }")
    counts: list[tuple[str, int]] = []
    for state in targets.names():
        targets.check_key(state, PG_STATES, "backend state")
        counts.append((state, targets.integer(state)))
    targets.finish()
    return BackendsEvent(at, table.line, tuple(counts), table.duration("over", "5m"))


def _lock_chain(table: Table, at: float, context: _Context) -> Event:
    chain = table.text("lock_chain")
    known = context.chains.setdefault(chain, {})
    sessions: list[SessionSpec] = []
    for entry in table.tables("session", "[[event.session]]"):
        session = _session(entry, known)
        known[session.id] = session.count
        sessions.append(session)
        entry.finish()
    if not sessions:
        raise table.error("lock_chain", "add the chain's sessions as [[event.session]] tables")
    return LockChainEvent(at, table.line, chain, tuple(sessions), table.duration("over", "0s"))


def _session(entry: Table, known: dict[str, int]) -> SessionSpec:
    session_id = entry.text("id")
    if session_id in known:
        raise entry.error("id", f"session id {session_id!r} is already used in this lock chain")
    blocked_by = entry.strings("blocked_by")
    for blocker in blocked_by:
        if blocker not in known:
            raise entry.error("blocked_by", f"blocker {blocker!r} is not a session defined before this one")
        if known[blocker] != 1:
            raise entry.error("blocked_by", f"blocker {blocker!r} stands for several sessions (count > 1)")
    return SessionSpec(
        id=session_id,
        application=entry.text("application"),
        user=entry.text("user", "modulo"),
        state=entry.choice("state", PG_STATES, "active", what="backend state"),
        query=" ".join(entry.text("query").split()),
        blocked_by=blocked_by,
        wait_event=entry.text("wait_event", "relation" if blocked_by else ""),
        count=entry.integer("count", 1, minimum=1),
    )


def _end_lock_chain(table: Table, at: float, context: _Context) -> Event:
    chain = table.text("end_lock_chain")
    if chain not in context.chains:
        raise table.error("end_lock_chain", f"lock chain {chain!r} has not started before this event")
    return EndLockChainEvent(at, table.line, chain)


def _alert(table: Table, at: float, context: _Context) -> Event:
    name = table.text("alert")
    context.alerts.add(name)
    return AlertEvent(
        at,
        table.line,
        name=name,
        severity=table.choice("severity", ALERT_SEVERITIES, what="alert severity"),
        summary=" ".join(table.text("summary").split()),
        labels=table.string_map("labels"),
        runbook_url=table.text("runbook_url", ""),
    )


def _resolve(table: Table, at: float, context: _Context) -> Event:
    name = table.text("resolve")
    if name not in context.alerts:
        raise table.error("resolve", f"alert {name!r} has not fired before this event")
    return ResolveEvent(at, table.line, name, table.string_map("labels"))


def _source_down(table: Table, at: float, _: _Context) -> Event:
    source = SourceName(table.choice("source_down", [s.value for s in SourceName], what="source"))
    duration = table.duration("duration")
    if duration <= 0:
        raise table.error("duration", "'duration' must be longer than zero")
    return SourceDownEvent(at, table.line, source, duration)


def _health(table: Table, at: float, context: _Context) -> Event:
    if not context.checks:
        raise table.error("health", "declare the check first, as a [[health_check]] table")
    check = table.choice("health", context.checks, what="health check")
    error = table.choice("error", HEALTH_ERRORS, what="health error") if table.has("error") else ""
    if error and table.has("status"):
        raise table.error("status", "a probe that fails with an 'error' gets no 'status': give one of them")
    status = 0 if error else table.integer("status", 200, minimum=100)
    if status > 599:
        raise table.error("status", "'status' must be an HTTP status, 100 to 599")
    latency = table.number("latency_ms", high=600_000) if table.has("latency_ms") else None
    share = table.number("share", 1.0, high=1.0)
    return HealthEvent(at, table.line, check, status, error, share, latency, table.duration("over", "0s"))


_ACTIONS: dict[str, Callable[[Table, float, _Context], Event]] = {
    "error_ratio": _error_ratio,
    "latency_p95": _latency,
    "request_rate": _request_rate,
    "pods": _pods,
    "rollout": _rollout,
    "rollback": _rollout,
    "node": _node,
    "evict": _evict,
    "schedule_pending": _schedule_pending,
    "postgres_backends": _backends,
    "lock_chain": _lock_chain,
    "end_lock_chain": _end_lock_chain,
    "alert": _alert,
    "resolve": _resolve,
    "source_down": _source_down,
    "health": _health,
}
