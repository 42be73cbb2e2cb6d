"""Evidence capture: what a pane's cursor shows right now, as an entry for the incident's journal.

``m`` in any war-room pane asks the focused pane for :meth:`CapturingPane.captured`; the app appends
it to the open incident's journal with the moment it was taken. The text stays raw, as the source sent
it (the journal keeps raw values; whatever shows it later makes it inert), only cut to a sane length.

The builders here are plain functions of snapshot rows, so they can be tested without an app.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from modulo_watch.collectors.models import (
    Alert,
    AlertState,
    KubeEvent,
    MetricsSnapshot,
    Node,
    PgBackend,
    Pod,
    Rollout,
    Series,
)
from modulo_watch.widgets.badges import format_duration, since
from modulo_watch.widgets.graph_units import graph_unit

__all__ = [
    "Captured",
    "CapturingPane",
    "alert_evidence",
    "backend_evidence",
    "cut",
    "error_rate_evidence",
    "event_evidence",
    "find_capturing_pane",
    "node_evidence",
    "pod_evidence",
    "rollout_evidence",
]

CUT_MARK = "…"
NAME_LIMIT = 253  # a Kubernetes name is at most 253 characters: longer is a hostile source
VALUE_LIMIT = 200  # a label value, a state, an image
SUMMARY_LIMIT = 300  # the one line the timeline shows
MESSAGE_LIMIT = 1000  # an event's or a condition's message
QUERY_LIMIT = 2000  # SQL text: enough for the statement's shape, not a bulk insert's payload
QUERY_IN_SUMMARY = 80
LABELS_LIMIT = 12  # labels listed in the detail; the rest are counted
_SQL_SPACE = re.compile(r"[ \t\r\n]+")  # only these: other controls stay, raw, for the display to show


@dataclass(frozen=True, slots=True)
class Captured:
    """One piece of evidence: the pane it came from, a one-line summary and the fuller detail (raw text)."""

    source: str
    summary: str
    detail: str


@runtime_checkable
class CapturingPane(Protocol):
    def captured(self, now: datetime) -> Captured | None:
        """What the pane's cursor (or view) shows at ``now``; None when nothing is selected."""


def find_capturing_pane(widget: object) -> CapturingPane | None:
    """The pane that can capture evidence and holds ``widget`` (the focused one): it, or an ancestor."""
    while widget is not None:
        if isinstance(widget, CapturingPane):
            return widget
        widget = getattr(widget, "parent", None)
    return None


def cut(value: str, limit: int) -> str:
    """``value`` at most ``limit`` characters long, ending with "…" when it was longer. Raw: nothing else
    is changed (the journal keeps what the source sent)."""
    if len(value) <= limit:
        return value
    return value[: max(0, limit - len(CUT_MARK))] + CUT_MARK


def _detail(lines: Iterable[tuple[str, str]]) -> str:
    """One "name: value" line each, leaving out the empty values; a value that starts with a line break
    is a list under its name."""
    return "\n".join(
        f"{name}:{value}" if value.startswith("\n") else f"{name}: {value}" for name, value in lines if value
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _labels(labels: Sequence[tuple[str, str]], limit: int = LABELS_LIMIT) -> str:
    shown = " ".join(f"{cut(name, VALUE_LIMIT)}={cut(value, VALUE_LIMIT)}" for name, value in labels[:limit])
    return f"{shown} (+{len(labels) - limit} more)" if len(labels) > limit else shown


def _bytes(size: int | None) -> str:
    if size is None:
        return ""
    mebibytes = size / 2**20
    return f"{mebibytes / 1024:.1f}Gi" if mebibytes >= 1024 else f"{mebibytes:.0f}Mi"


def _stamp(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment is not None else ""


# --- Kubernetes ---------------------------------------------------------------------------------------------


def pod_evidence(
    pod: Pod,
    now: datetime,
    usage: tuple[int | None, int | None] = (None, None),
    seen_at: datetime | None = None,
) -> Captured:
    """A pod: "pod modulo/modulo-api-7d9-abc CrashLoopBackOff, 14 restarts".

    ``usage`` is (CPU millicores, memory bytes), from metrics.k8s.io when it answers.
    """
    name = f"{cut(pod.namespace, NAME_LIMIT)}/{cut(pod.name, NAME_LIMIT)}"
    status = cut(pod.status, VALUE_LIMIT)
    summary = f"pod {name} {status}, {_plural(pod.restarts, 'restart')}"
    restarts = str(pod.restarts)
    if pod.last_restart_at is not None and pod.restarts:
        restarts += f" (last {since(pod.last_restart_at, now)} ago)"
    cpu, memory = usage
    return Captured(
        "pods",
        cut(summary, SUMMARY_LIMIT),
        _detail(
            (
                ("pod", name),
                ("status", status),
                ("ready", f"{pod.ready_containers}/{pod.total_containers}"),
                ("restarts", restarts),
                ("node", cut(pod.node, NAME_LIMIT)),
                ("age", since(pod.created_at, now)),
                ("owner", cut(pod.owner, NAME_LIMIT)),
                ("cpu", f"{cpu}m" if cpu is not None else ""),
                ("memory", _bytes(memory)),
                ("seen at", _stamp(seen_at)),
            )
        ),
    )


def node_evidence(node: Node, now: datetime, seen_at: datetime | None = None) -> Captured:
    """A node: its readiness, pressure conditions and use of allocatable CPU and memory."""
    name = cut(node.name, NAME_LIMIT)
    pressures = cut(",".join(node.pressures), VALUE_LIMIT)
    cpu = f"{node.cpu_percent:.0f}%" if node.cpu_percent is not None else ""
    memory = f"{node.memory_percent:.0f}%" if node.memory_percent is not None else ""
    parts = [f"node {name} {node.status}"]
    if pressures:
        parts.append(f"pressure {pressures}")
    if cpu:
        parts.append(f"cpu {cpu}")
    if memory:
        parts.append(f"memory {memory}")
    return Captured(
        "nodes",
        cut(", ".join(parts), SUMMARY_LIMIT),
        _detail(
            (
                ("node", name),
                ("status", node.status),
                ("pressure", pressures or "none"),
                ("cpu", f"{cpu} of allocatable" if cpu else ""),
                ("memory", f"{memory} of allocatable" if memory else ""),
                ("pods", str(node.pod_count)),
                ("roles", cut(",".join(node.roles), VALUE_LIMIT)),
                ("version", cut(node.version, VALUE_LIMIT)),
                ("age", since(node.created_at, now)),
                ("seen at", _stamp(seen_at)),
            )
        ),
    )


def event_evidence(event: KubeEvent, seen_at: datetime | None = None) -> Captured:
    """An event: "event Warning BackOff on pod/api-x in modulo, 14 times: Back-off restarting failed …"."""
    involved = cut(event.involved, NAME_LIMIT)
    reason = cut(event.reason, VALUE_LIMIT)
    kind = cut(event.type, VALUE_LIMIT)
    namespace = cut(event.namespace, NAME_LIMIT)
    summary = f"event {kind} {reason} on {involved}" + (f" in {namespace}" if namespace else "")
    summary += f", {_plural(event.count, 'time')}: {event.message}"
    return Captured(
        "events",
        cut(summary, SUMMARY_LIMIT),
        _detail(
            (
                ("object", involved),
                ("namespace", namespace),
                ("type", kind),
                ("reason", reason),
                ("count", str(event.count)),
                ("first seen", _stamp(event.first_seen)),
                ("last seen", _stamp(event.last_seen)),
                ("reported by", cut(event.source, VALUE_LIMIT)),
                ("message", cut(event.message, MESSAGE_LIMIT)),
                ("seen at", _stamp(seen_at)),
            )
        ),
    )


def rollout_evidence(
    rollout: Rollout, now: datetime, image_change: str, suspect: bool = False, seen_at: datetime | None = None
) -> Captured:
    """A Deployment revision: "rollout modulo/modulo-api revision 7 progressing: modulo-api:v1 → v2"."""
    deployment = f"{cut(rollout.namespace, NAME_LIMIT)}/{cut(rollout.deployment, NAME_LIMIT)}"
    change = cut(image_change, VALUE_LIMIT)
    summary = f"rollout {deployment} revision {rollout.revision} {rollout.state.value}: {change}"
    if suspect:
        summary += " (suspect: went out shortly before the error rate rose)"
    return Captured(
        "rollouts",
        cut(summary, SUMMARY_LIMIT),
        _detail(
            (
                ("deployment", deployment),
                ("revision", str(rollout.revision)),
                ("replica set", cut(rollout.replica_set, NAME_LIMIT)),
                ("state", rollout.state.value),
                ("ready", f"{rollout.ready}/{rollout.desired}"),
                ("images", cut(", ".join(rollout.images), MESSAGE_LIMIT)),
                ("previous images", cut(", ".join(rollout.previous_images), MESSAGE_LIMIT)),
                ("started", f"{_stamp(rollout.since)} ({since(rollout.since, now)} ago)"),
                ("message", cut(rollout.message, MESSAGE_LIMIT)),
                ("suspect", "yes: went out shortly before the error rate rose" if suspect else ""),
                ("seen at", _stamp(seen_at)),
            )
        ),
    )


# --- PostgreSQL ---------------------------------------------------------------------------------------------


def backend_evidence(
    backend: PgBackend, now: datetime, blocks: int = 0, seen_at: datetime | None = None
) -> Captured:
    """A backend: "backend 4242 app@orders active 12s, blocks 3: UPDATE orders SET …"; ``blocks`` counts
    the sessions waiting on it."""
    who = f"{cut(backend.user, VALUE_LIMIT)}@{cut(backend.database, VALUE_LIMIT)}"
    state = cut(backend.state, VALUE_LIMIT)
    started = backend.xact_start if backend.state.startswith("idle in") else backend.query_start
    duration = format_duration((now - started).total_seconds()) if started is not None else ""
    if backend.blocked_by:
        wait = "blocked by " + ",".join(str(pid) for pid in backend.blocked_by)
    elif backend.wait_event:
        wait = cut(f"{backend.wait_event_type}:{backend.wait_event}", VALUE_LIMIT)
    else:
        wait = ""
    parts = [f"backend {backend.pid} {who} {state}" + (f" {duration}" if duration else "")]
    if wait:
        parts.append(wait)
    if blocks:
        parts.append(f"blocks {blocks}")
    query = _SQL_SPACE.sub(" ", backend.query).strip()  # one line: SQL is mostly indentation
    summary = ", ".join(parts) + (f": {cut(query, QUERY_IN_SUMMARY)}" if query else "")
    return Captured(
        "postgres",
        cut(summary, SUMMARY_LIMIT),
        _detail(
            (
                ("pid", str(backend.pid)),
                ("user", cut(backend.user, VALUE_LIMIT)),
                ("database", cut(backend.database, VALUE_LIMIT)),
                ("application", cut(backend.application, VALUE_LIMIT)),
                ("client", cut(backend.client, VALUE_LIMIT)),
                ("state", state),
                ("wait", wait),
                ("blocks", str(blocks) if blocks else ""),
                ("running for", duration),
                ("query started", _stamp(backend.query_start)),
                ("transaction started", _stamp(backend.xact_start)),
                ("seen at", _stamp(seen_at)),
                ("query", cut(backend.query, QUERY_LIMIT)),
            )
        ),
    )


# --- Alerts and metrics -------------------------------------------------------------------------------------


def alert_evidence(alerts: Sequence[Alert], what: str, now: datetime) -> Captured:
    """An alert, or a group of them (``what`` names it): name, severity, state and labels."""
    first = alerts[0]
    severity = cut(first.severity, VALUE_LIMIT)
    # Alertmanager's "active" is what the pane (and the responder) call firing.
    states = sorted({"firing" if alert.state == AlertState.ACTIVE else alert.state for alert in alerts})
    state = cut(",".join(states), VALUE_LIMIT)
    started = min(alert.starts_at for alert in alerts)
    acked = sum(1 for alert in alerts if alert.acknowledgement is not None)
    members = ""
    if len(alerts) == 1:
        summary = f"alert {cut(first.name, NAME_LIMIT)} {severity} {state}"
        labels = _labels(first.labels)
        text = first.summary
    else:
        summary = f"alerts {cut(what, NAME_LIMIT)} {severity} {state}"
        shared = set(first.labels).intersection(*(alert.labels for alert in alerts[1:]))
        labels = _labels([label for label in first.labels if label in shared])
        text = next((alert.summary for alert in alerts if alert.summary), "")
        # Each member by the labels that tell it from the others.
        listed = [
            _labels([lb for lb in alert.labels if lb not in shared], 6) for alert in alerts[:LABELS_LIMIT]
        ]
        if len(alerts) > LABELS_LIMIT:
            listed.append(f"(+{len(alerts) - LABELS_LIMIT} more)")
        members = "".join(f"\n  {line or '-'}" for line in listed)
    if text:
        summary += f": {text}"
    return Captured(
        "alerts",
        cut(summary, SUMMARY_LIMIT),
        _detail(
            (
                ("alert", cut(first.name, NAME_LIMIT)),
                ("alerts", str(len(alerts)) if len(alerts) > 1 else ""),
                ("severity", severity),
                ("state", state),
                ("firing since", f"{_stamp(started)} ({since(started, now)} ago)"),
                ("acknowledged", f"{acked} of {len(alerts)}" if acked else "no"),
                ("labels" if len(alerts) == 1 else "shared labels", labels),
                ("summary", cut(text, MESSAGE_LIMIT)),
                ("description", cut(first.description, MESSAGE_LIMIT) if len(alerts) == 1 else ""),
                ("runbook", cut(first.runbook_url, VALUE_LIMIT) if len(alerts) == 1 else ""),
                ("members", members),
            )
        ),
    )


def _reading(series: Series | None) -> str:
    if series is None or series.latest is None:
        return ""
    return graph_unit(series.unit).reading(series.latest)


def _peak(series: Series) -> str:
    if not series.points:
        return ""
    return graph_unit(series.unit).reading(max(value for _, value in series.points))


def error_rate_evidence(snapshot: MetricsSnapshot, window: str, latency: bool) -> Captured | None:
    """The error ratio now and at its peak over the window shown; with the latency view, p95, p99 and the
    request rate too. None before the first reading."""
    ratio = snapshot.error_ratio
    now_reading = _reading(ratio)
    if not now_reading:
        return None
    summary = f"5xx ratio {now_reading} (peak {_peak(ratio)} over the last {window})"
    p95, p99, rate = (
        _reading(snapshot.latency_p95),
        _reading(snapshot.latency_p99),
        _reading(snapshot.request_rate),
    )
    if latency:
        readings = [f"p95 {p95}" if p95 else "", f"p99 {p99}" if p99 else "", rate]
        summary += "; " + (", ".join(filter(None, readings)) or "latency: no data")
    return Captured(
        "error-rate",
        cut(summary, SUMMARY_LIMIT),
        _detail(
            (
                ("view", "latency and request rate" if latency else "5xx ratio"),
                ("window", f"last {window}"),
                ("5xx ratio", now_reading),
                ("5xx ratio peak", _peak(ratio)),
                ("latency p95", p95 if latency else ""),
                ("latency p99", p99 if latency else ""),
                ("request rate", rate if latency else ""),
                ("latency error", cut(snapshot.latency_error or "", MESSAGE_LIMIT) if latency else ""),
                ("seen at", _stamp(snapshot.collected_at)),
            )
        ),
    )
