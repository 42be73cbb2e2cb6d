"""The live Kubernetes sources: pods and nodes from list-watches, usage from metrics.k8s.io.

Each collector's ``fetch`` follows its watches for a short window and returns a snapshot; the same
snapshot object comes back while nothing changed, so the panes skip the repaint. Ordering 150k pods
happens in a worker thread: the event loop only copies references.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from operator import attrgetter

from modulo_watch.collectors.clock import Clock
from modulo_watch.collectors.kube.connection import KubeConnection
from modulo_watch.collectors.kube.decode import NODES, PODS, decode_node_metrics_list, decode_pod_metrics_list
from modulo_watch.collectors.kube.listwatch import KubeApiError
from modulo_watch.collectors.kube.watches import WatchGroup
from modulo_watch.collectors.models import (
    Node,
    NodeSnapshot,
    Pod,
    PodSnapshot,
    Snapshot,
    SourceName,
    fault_order,
    is_fault,
)
from modulo_watch.config import KubernetesSettings

WATCH_WINDOW = 0.5  # seconds a fetch follows the watches before it hands over a snapshot
METRICS_EVERY = 15.0  # metrics-server itself refreshes every 15 s
FIRST_LIST_TIMEOUT = 180.0  # a 150k-pod list is hundreds of pages

UsageDecoder = Callable[[bytes], dict[str, tuple[int, int]]]


def display_order(pods: list[Pod]) -> tuple[Pod, ...]:
    """Faults first, then the rest by namespace and name.

    The list arrives in namespace/name order (as the API lists it) with only pods added since the
    last list out of place, so both sorts are close to linear.
    """
    faults: list[Pod] = []
    healthy: list[Pod] = []
    for pod in pods:
        (faults if is_fault(pod) else healthy).append(pod)
    faults.sort(key=fault_order)
    healthy.sort(key=attrgetter("key"))
    return (*faults, *healthy)


def node_usage(node: Node, usage: tuple[int, int] | None, pod_count: int) -> Node:
    """The node with its pod count and its use as a percentage of allocatable."""
    cpu = memory = None
    if usage is not None:
        if node.allocatable_cpu_millicores:
            cpu = 100.0 * usage[0] / node.allocatable_cpu_millicores
        if node.allocatable_memory_bytes:
            memory = 100.0 * usage[1] / node.allocatable_memory_bytes
    return replace(node, cpu_percent=cpu, memory_percent=memory, pod_count=pod_count)


def pods_per_node(pods: list[Pod]) -> Counter[str]:
    return Counter(pod.node for pod in pods if pod.node)


class MetricsPoller:
    """metrics.k8s.io, read every 15 s. A cluster without metrics-server is common: then usage stays
    empty and the panes show "-", without making the whole source fail."""

    def __init__(self, connection: KubeConnection, plural: str, decode: UsageDecoder) -> None:
        self._connection = connection
        self._plural = plural
        self._decode = decode
        self._next = 0.0
        self.usage: dict[str, tuple[int, int]] = {}
        self.available = True

    async def refresh(self) -> bool:
        """Poll when due; True when the usage changed."""
        if time.monotonic() < self._next or not self.available:
            return False
        self._next = time.monotonic() + METRICS_EVERY
        try:
            raw = await self._connection.get_raw(f"/apis/metrics.k8s.io/v1beta1/{self._plural}")
        except KubeApiError as exc:
            if exc.status in (403, 404, 503):  # no metrics-server, or not allowed to read it
                self.available = False
                return bool(self.usage)
            raise
        # Thousands of quantities to parse: in a thread, so the screen keeps its turns.
        self.usage = await asyncio.to_thread(self._decode, raw)
        return True


class PodsCollector:
    source = SourceName.PODS
    interval = 0.0  # fetch itself waits on the watch
    timeout = FIRST_LIST_TIMEOUT

    def __init__(self, connection: KubeConnection, settings: KubernetesSettings, clock: Clock) -> None:
        self._connection = connection
        self._clock = clock
        selector = {"labelSelector": settings.label_selector} if settings.label_selector else {}
        self.watches = WatchGroup(
            connection, "/api/v1", "pods", settings.namespaces, PODS, attrgetter("key"), **selector
        )
        self._metrics = MetricsPoller(connection, "pods", decode_pod_metrics_list)
        self._snapshot: PodSnapshot | None = None
        self._built_from = -1

    @property
    def pods(self) -> list[Pod]:
        return self.watches.items()

    @property
    def version(self) -> int:
        """Grows with every change to any pod."""
        return self.watches.version

    @property
    def relists(self) -> int:
        return self.watches.relists

    @property
    def synced(self) -> bool:
        return self.watches.synced

    def close_watches(self) -> None:
        """Let go of the open watch streams; the next fetch resumes from the last version seen."""
        self.watches.close()

    async def fetch(self) -> Snapshot:
        await self._connection.open()
        await self.watches.step(WATCH_WINDOW)
        # Usage waits until the pods are on screen: 150k pods' metrics take seconds to decode.
        metrics_changed = self._snapshot is not None and await self._metrics.refresh()
        version = self.watches.version
        if self._snapshot is None or version != self._built_from or metrics_changed:
            ordered = await asyncio.to_thread(display_order, self.pods)
            self._snapshot = PodSnapshot(self._clock.now(), ordered, dict(self._metrics.usage))
            self._built_from = version
        return self._snapshot

    async def aclose(self) -> None:
        self.close_watches()


class NodesCollector:
    """Nodes from their own list-watch; pod counts from the pods collector's cache."""

    source = SourceName.NODES
    interval = 0.0
    timeout = FIRST_LIST_TIMEOUT

    def __init__(self, connection: KubeConnection, pods: PodsCollector, clock: Clock) -> None:
        self._connection = connection
        self._pods = pods
        self._clock = clock
        self._watches = WatchGroup(connection, "/api/v1", "nodes", (), NODES, attrgetter("name"))
        self._metrics = MetricsPoller(connection, "nodes", decode_node_metrics_list)
        self._snapshot: NodeSnapshot | None = None
        self._built_from: tuple[int, int] = (-1, -1)

    async def fetch(self) -> Snapshot:
        await self._connection.open()
        await self._watches.step(WATCH_WINDOW)
        metrics_changed = await self._metrics.refresh()
        versions = (self._watches.version, self._pods.version)
        if self._snapshot is None or versions != self._built_from or metrics_changed:
            # Counting 150k pods by node is tens of milliseconds: in a thread, off the screen's loop.
            per_node = await asyncio.to_thread(pods_per_node, self._pods.pods)
            usage = self._metrics.usage
            nodes = tuple(
                node_usage(node, usage.get(node.name), per_node[node.name])
                for node in sorted(self._watches.items(), key=attrgetter("name"))
            )
            self._snapshot = NodeSnapshot(self._clock.now(), nodes)
            self._built_from = versions
        return self._snapshot

    async def aclose(self) -> None:
        self._watches.close()
        await self._connection.close()
