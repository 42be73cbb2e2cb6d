"""Node conditions over time, and the node list at one moment."""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from modulo_watch.collectors.drill.spec import Event, NodeEvent, NodeSpec
from modulo_watch.collectors.models import Node

# The kubelet, the container runtime and the OS use part of a node before any pod does.
_SYSTEM_CPU_SHARE = 0.06
_SYSTEM_MEMORY_SHARE = 0.14


@dataclass(frozen=True, slots=True)
class NodeUsage:
    """What the pods on a node add up to at one moment."""

    pods: int = 0
    cpu_millicores: int = 0
    memory_bytes: int = 0


class NodeTimeline:
    """Each node's set of conditions (NotReady, DiskPressure, SchedulingDisabled ...) as steps in time."""

    def __init__(self, nodes: tuple[NodeSpec, ...], events: tuple[Event, ...]) -> None:
        self.specs = nodes
        self._times: dict[str, list[float]] = {n.name: [float("-inf")] for n in nodes}
        self._states: dict[str, list[frozenset[str]]] = {n.name: [n.conditions] for n in nodes}
        for event in events:
            if isinstance(event, NodeEvent):
                current = self._states[event.node][-1]
                self._times[event.node].append(event.at)
                self._states[event.node].append((current | event.add) - event.clear)

    def conditions(self, node: str, at: float) -> frozenset[str]:
        index = bisect.bisect_right(self._times[node], at) - 1
        return self._states[node][index]

    def changes(self) -> Iterator[tuple[str, float, frozenset[str], frozenset[str]]]:
        """Every change of a node's conditions as (node, at, added, cleared), node by node, in time order."""
        for node, times in self._times.items():
            states = self._states[node]
            for index in range(1, len(times)):
                before, after = states[index - 1], states[index]
                if before != after:
                    yield node, times[index], after - before, before - after

    def ready_again(self, node: str, after: float) -> float | None:
        """The first moment at or after ``after`` when the node is not NotReady."""
        if "NotReady" not in self.conditions(node, after):
            return after
        for time, state in zip(self._times[node], self._states[node], strict=True):
            if time > after and "NotReady" not in state:
                return time
        return None

    def snapshot_nodes(self, at: float, start: datetime, usage: Mapping[str, NodeUsage]) -> tuple[Node, ...]:
        return tuple(self._node(spec, at, start, usage.get(spec.name, NodeUsage())) for spec in self.specs)

    def _node(self, spec: NodeSpec, at: float, start: datetime, usage: NodeUsage) -> Node:
        conditions = self.conditions(spec.name, at)
        # metrics-server cannot scrape a kubelet that is not ready
        measured = "NotReady" not in conditions
        cpu = _SYSTEM_CPU_SHARE * spec.cpu_millicores + usage.cpu_millicores
        memory = _SYSTEM_MEMORY_SHARE * spec.memory_bytes + usage.memory_bytes
        return Node(
            name=spec.name,
            ready="NotReady" not in conditions,
            created_at=start - timedelta(seconds=spec.age),
            unschedulable="SchedulingDisabled" in conditions,
            pressures=tuple(sorted(conditions - {"NotReady", "SchedulingDisabled"})),
            roles=spec.roles,
            version=spec.version,
            cpu_percent=round(min(100.0, 100 * cpu / spec.cpu_millicores), 1) if measured else None,
            memory_percent=round(min(100.0, 100 * memory / spec.memory_bytes), 1) if measured else None,
            pod_count=usage.pods,
        )
