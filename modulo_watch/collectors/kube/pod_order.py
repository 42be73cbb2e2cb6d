"""The pods in display order, kept up to date change by change.

Sorting 150k pods again for every watch event costs a quarter of a second; under 200 events a second
that is the whole CPU. Here a change costs a few microseconds: the faults (few) are a dict sorted
when a snapshot is taken, the healthy pods a list of keys kept sorted with ``bisect``. Counts by
status and by node are kept the same way, for the border and the nodes pane.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from operator import attrgetter

from modulo_watch.collectors.models import Pod, fault_order, is_fault


class PodOrder:
    """Made from a full list in a worker thread, then changed only by the pods collector's own fetch;
    ``ordered`` runs in a worker thread while that fetch waits for it."""

    def __init__(self, pods: list[Pod] | None = None) -> None:
        pods = pods or []
        self._pods = {pod.key: pod for pod in pods}
        self._faults = {pod.key: pod for pod in pods if is_fault(pod)}
        # The healthy pods by key, with their keys alongside for bisect. The list arrives in
        # namespace/name order, so this sort is close to linear.
        healthy = sorted(
            (pod for pod in self._pods.values() if pod.key not in self._faults), key=attrgetter("key")
        )
        self._healthy_keys = [pod.key for pod in healthy]
        self._healthy = healthy
        self.by_status = Counter(pod.status for pod in pods)
        self.by_node = Counter(pod.node for pod in pods if pod.node)
        self.by_namespace = Counter(pod.namespace for pod in pods)
        self.nodes_version = 0  # grows when a pod count of a node changes

    def __len__(self) -> int:
        return len(self._pods)

    def update(self, key: str, pod: Pod | None) -> None:
        """The pod at ``key`` is now ``pod`` (None: deleted)."""
        old = self._pods.pop(key, None)
        if old is not None:
            self._uncount(old)
        if pod is not None:
            self._pods[key] = pod
            self._count(pod)
        if (old.node if old else "") != (pod.node if pod else ""):
            self.nodes_version += 1
        was_healthy = old is not None and key not in self._faults
        if was_healthy and pod is not None and not is_fault(pod):
            self._healthy[bisect_left(self._healthy_keys, key)] = pod  # the same place: no shifting
            return
        if old is not None:
            self._remove(key)
        if pod is not None:
            self._place(pod)

    def _remove(self, key: str) -> None:
        if self._faults.pop(key, None) is None:
            index = bisect_left(self._healthy_keys, key)
            del self._healthy_keys[index]
            del self._healthy[index]

    def _place(self, pod: Pod) -> None:
        if is_fault(pod):
            self._faults[pod.key] = pod
            return
        index = bisect_left(self._healthy_keys, pod.key)
        self._healthy_keys.insert(index, pod.key)
        self._healthy.insert(index, pod)

    def _count(self, pod: Pod) -> None:
        self.by_status[pod.status] += 1
        self.by_namespace[pod.namespace] += 1
        if pod.node:
            self.by_node[pod.node] += 1

    def _uncount(self, pod: Pod) -> None:
        _decrement(self.by_status, pod.status)
        _decrement(self.by_namespace, pod.namespace)
        if pod.node:
            _decrement(self.by_node, pod.node)

    def ordered(self) -> tuple[Pod, ...]:
        """Faults first (most restarts first among them), then the rest by namespace and name.

        The healthy list is copied as it is: no lookups, so the copy holds the interpreter for a
        millisecond at 150k pods rather than the tens a dict lookup per pod took."""
        faults = sorted(self._faults.values(), key=fault_order)
        return (*faults, *self._healthy)


def _decrement(counts: Counter[str], key: str) -> None:
    counts[key] -= 1
    if counts[key] <= 0:
        del counts[key]
