"""The events the controllers and the kubelets record about their objects, as ``kubectl get events``
lists them: ReplicaSets scaled, pods created and deleted, node conditions coming and going.

They are made from the controller log and the node timeline, cheap enough to redo on every fetch.
A pod's own events come from its story instead (``events_pods``).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from modulo_watch.collectors.drill.controller_log import ControllerLog, PodChange, Scaling
from modulo_watch.collectors.drill.nodes import NodeTimeline
from modulo_watch.collectors.drill.noise import text_key
from modulo_watch.collectors.models import KubeEvent

AGGREGATE_LIMIT = 10
"""client-go's event aggregator: the 10th different message of one reason on one object within
``AGGREGATE_WINDOW`` (and any after it) folds into one "(combined from similar events)" event."""
AGGREGATE_WINDOW = 600.0
HOUSEKEEPING = 10.0
"""The kubelet's eviction manager checks its thresholds this often."""
SPAM_BURST, SPAM_REFILL = 25, 300.0
"""The event recorder's spam filter: 25 events of a kind per object, then one every five minutes."""
_COMBINED = "(combined from similar events): "
_CLUSTER_SCOPED = "default"  # the namespace of events about nodes
_UNIX = datetime(1970, 1, 1, tzinfo=UTC)

# A node condition's reasons as it is set and as it clears ("Node x status is now: <reason>").
_CONDITIONS = {
    "DiskPressure": ("NodeHasDiskPressure", "NodeHasNoDiskPressure"),
    "MemoryPressure": ("NodeHasInsufficientMemory", "NodeHasSufficientMemory"),
    "PIDPressure": ("NodeHasInsufficientPID", "NodeHasSufficientPID"),
    "NotReady": ("NodeNotReady", "NodeReady"),
    "SchedulingDisabled": ("NodeNotSchedulable", "NodeSchedulable"),
}
_RECLAIMS = {"DiskPressure": "ephemeral-storage", "MemoryPressure": "memory", "PIDPressure": "pids"}


@dataclass(frozen=True, slots=True)
class _Record:
    """One call of a controller's event recorder."""

    at: float
    namespace: str
    kind: str
    name: str
    reason: str
    message: str
    source: str


def event_name(involved: str, when: datetime, salt: str) -> str:
    """As the recorder names an event: the object, then its first moment in Unix nanoseconds, in hex."""
    nanos = (when - _UNIX) // timedelta(microseconds=1) * 1000 + text_key(salt) % 1000
    return f"{involved}.{nanos:x}"


def _scaled(scaling: Scaling) -> _Record:
    w = scaling.workload
    direction = "up" if scaling.after > scaling.before else "down"
    message = (
        f"Scaled {direction} replica set {w.name}-{scaling.template} from {scaling.before} to {scaling.after}"
    )
    return _Record(
        scaling.at, w.namespace, "Deployment", w.name, "ScalingReplicaSet", message, "deployment-controller"
    )


def _changed(change: PodChange) -> _Record:
    w = change.workload
    reason = "SuccessfulCreate" if change.created else "SuccessfulDelete"
    if w.kind == "StatefulSet":
        verb = "create" if change.created else "delete"
        message = f"{verb} Pod {change.pod} in StatefulSet {w.name} successful"
        return _Record(change.at, w.namespace, w.kind, w.name, reason, message, "statefulset-controller")
    message = f"{'Created' if change.created else 'Deleted'} pod: {change.pod}"
    if w.kind == "DaemonSet":
        return _Record(change.at, w.namespace, w.kind, w.name, reason, message, "daemonset-controller")
    replica_set = f"{w.name}-{change.template}"
    return _Record(
        change.at, w.namespace, "ReplicaSet", replica_set, reason, message, "replicaset-controller"
    )


def _correlate(records: Iterable[_Record], start: datetime) -> list[KubeEvent]:
    """The events the records leave: repeats counted, floods of similar ones combined, as client-go does."""
    events: dict[tuple[str, ...], KubeEvent] = {}
    recent: dict[tuple[str, ...], tuple[float, set[str]]] = {}  # by kind: last seen, its messages
    for record in records:
        kind = (record.namespace, record.kind, record.name, record.reason, record.source)
        last, messages = recent.get(kind, (record.at, set()))
        if record.at - last > AGGREGATE_WINDOW:
            messages = set()
        recent[kind] = (record.at, messages)
        message = record.message
        if message not in messages and len(messages) >= AGGREGATE_LIMIT - 1:
            key: tuple[str, ...] = kind  # one event for the lot, with the newest message
            message = _COMBINED + message
        else:
            messages.add(message)
            key = (*kind, message)
        when = start + timedelta(seconds=record.at)
        seen = events.get(key)
        events[key] = (
            KubeEvent(
                namespace=record.namespace,
                name=event_name(record.name, when, record.reason + message),
                type="Normal",
                reason=record.reason,
                message=message,
                involved_kind=record.kind,
                involved_name=record.name,
                count=1,
                first_seen=when,
                last_seen=when,
                source=record.source,
            )
            if seen is None
            else replace(seen, message=message, count=seen.count + 1, last_seen=when)
        )
    return list(events.values())


def _node_event(node: str, at: float, start: datetime, reason: str, source: str) -> KubeEvent:
    when = start + timedelta(seconds=at)
    return KubeEvent(
        namespace=_CLUSTER_SCOPED,
        name=event_name(node, when, reason),
        type="Normal",
        reason=reason,
        message=f"Node {node} status is now: {reason}",
        involved_kind="Node",
        involved_name=node,
        count=1,
        first_seen=when,
        last_seen=when,
        source=source,
    )


def _reclaiming(node: str, began: float, until: float, start: datetime, resource: str) -> KubeEvent:
    """The eviction manager's warning, once a housekeeping round, as far as the spam filter lets it."""
    elapsed = until - began
    attempts, allowed = 1 + int(elapsed // HOUSEKEEPING), SPAM_BURST + int(elapsed // SPAM_REFILL)
    if attempts <= allowed:
        count, last = attempts, began + (attempts - 1) * HOUSEKEEPING
    else:
        count, last = allowed, began + (elapsed // SPAM_REFILL) * SPAM_REFILL
    first = start + timedelta(seconds=began)
    return KubeEvent(
        namespace=_CLUSTER_SCOPED,
        name=event_name(node, first, "EvictionThresholdMet"),
        type="Warning",
        reason="EvictionThresholdMet",
        message=f"Attempting to reclaim {resource}",
        involved_kind="Node",
        involved_name=node,
        count=count,
        first_seen=first,
        last_seen=start + timedelta(seconds=last),
        source=f"kubelet, {node}",
    )


def _node_events(nodes: NodeTimeline, at: float, start: datetime) -> list[KubeEvent]:
    """The status events of the nodes' condition changes up to ``at``. The node controller notices
    a node going NotReady (its kubelet may be unreachable); the kubelet reports the rest."""
    events: list[KubeEvent] = []
    pressed: dict[tuple[str, str], float] = {}  # (node, condition): since when
    for node, when, added, cleared in nodes.changes():
        if when > at:
            continue
        kubelet = f"kubelet, {node}"
        for condition in sorted(added & _CONDITIONS.keys()):
            source = "node-controller" if condition == "NotReady" else kubelet
            events.append(_node_event(node, when, start, _CONDITIONS[condition][0], source))
            if condition in _RECLAIMS:
                pressed[(node, condition)] = when
        for condition in sorted(cleared & _CONDITIONS.keys()):
            events.append(_node_event(node, when, start, _CONDITIONS[condition][1], kubelet))
            began = pressed.pop((node, condition), None)
            if began is not None:
                events.append(_reclaiming(node, began, when, start, _RECLAIMS[condition]))
    for (node, condition), began in pressed.items():
        events.append(_reclaiming(node, began, at, start, _RECLAIMS[condition]))
    return events


class ClusterEvents:
    def __init__(self, log: ControllerLog, nodes: NodeTimeline) -> None:
        # The Deployment scales a ReplicaSet before the ReplicaSet makes or deletes the pod.
        records = [*map(_scaled, log.scalings), *map(_changed, log.changes)]
        self._records = sorted(records, key=lambda record: record.at)
        self._times = [record.at for record in self._records]
        self._nodes = nodes

    def at(self, at: float, start: datetime) -> list[KubeEvent]:
        """Every controller and node event up to ``at``; the caller drops those past their TTL."""
        happened = self._records[: bisect.bisect_right(self._times, at)]
        return [*_correlate(happened, start), *_node_events(self._nodes, at, start)]
