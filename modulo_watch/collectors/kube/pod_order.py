"""The pods in display order, kept up to date change by change.

Sorting 150k pods again for every watch event costs a quarter of a second; under 200 events a second
that is the whole CPU. Here a change costs a few microseconds: the faults (few) are a dict sorted
when a snapshot is taken, the healthy pods a list of keys kept sorted with ``bisect``. Counts by
status and by node are kept the same way, for the border and the nodes pane.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import Counter

from modulo_watch.collectors.models import Pod, fault_order, is_fault


class PodOrder:
    """Mutated only by the pods collector's own fetch; ``rebuild`` and ``ordered`` may run in a worker
    thread while the loop waits for them."""

    def __init__(self, pods: list[Pod] | None = None) -> None:
        pods = pods or []
        self._pods = {pod.key: pod for pod in pods}
        self._faults = {pod.key: pod for pod in pods if is_fault(pod)}
        # The list arrives in namespace/name order, so this sort is close to linear.
        self._healthy_keys = sorted(key for key in self._pods if key not in self._faults)
        self.by_status = Counter(pod.status for pod in pods)
        self.by_node = Counter(pod.node for pod in pods if pod.node)
        self.nodes_version = 0  # grows when a pod count of a node changes

    def __len__(self) -> int:
        return len(self._pods)

    def update(self, key: str, pod: Pod | None) -> None:
        """The pod at ``key`` is now ``pod`` (None: deleted)."""
        old = self._pods.pop(key, None)
        if old is not None:
            self._forget(old)
        if (old.node if old else "") != (pod.node if pod else ""):
            self.nodes_version += 1
        if pod is None:
            return
        self._pods[key] = pod
        if is_fault(pod):
            self._faults[key] = pod
        else:
            insort(self._healthy_keys, key)
        self.by_status[pod.status] += 1
        if pod.node:
            self.by_node[pod.node] += 1

    def _forget(self, old: Pod) -> None:
        if self._faults.pop(old.key, None) is None:
            index = bisect_left(self._healthy_keys, old.key)
            del self._healthy_keys[index]
        _decrement(self.by_status, old.status)
        if old.node:
            _decrement(self.by_node, old.node)

    def ordered(self) -> tuple[Pod, ...]:
        """Faults first (most restarts first among them), then the rest by namespace and name."""
        faults = sorted(self._faults.values(), key=fault_order)
        return (*faults, *map(self._pods.__getitem__, self._healthy_keys))


def _decrement(counts: Counter[str], key: str) -> None:
    counts[key] -= 1
    if counts[key] <= 0:
        del counts[key]
