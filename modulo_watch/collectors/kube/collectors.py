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
from modulo_watch.collectors.kube.decode import (
    NODES,
    PODS,
    decode_list,
    decode_node_metrics_list,
    decode_pod_metrics_list,
    decode_watch_event,
)
from modulo_watch.collectors.kube.listwatch import Endpoint, KubeApiError, ListWatch, PageFetcher, WatchOpener
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
        self._settings = settings
        self._watches: list[ListWatch[Pod]] = []
        self._metrics = MetricsPoller(connection, "pods", decode_pod_metrics_list)
        self._snapshot: PodSnapshot | None = None
        self._built_from: tuple[int, ...] = ()

    @property
    def pods(self) -> list[Pod]:
        return [pod for watch in self._watches for pod in watch.items.values()]

    @property
    def version(self) -> int:
        """Grows with every change to any pod."""
        return sum(watch.version for watch in self._watches)

    @property
    def relists(self) -> int:
        return sum(watch.relists for watch in self._watches)

    @property
    def synced(self) -> bool:
        return bool(self._watches) and all(watch.synced for watch in self._watches)

    def close_watches(self) -> None:
        """Let go of the open watch streams; the next fetch resumes from the last version seen."""
        for watch in self._watches:
            watch.close()

    async def fetch(self) -> Snapshot:
        await self._connection.open()
        if not self._watches:
            self._watches = pod_watches(self._connection, self._settings)
        window = WATCH_WINDOW / len(self._watches)
        for watch in self._watches:
            await watch.step(window)
        metrics_changed = await self._metrics.refresh()
        versions = tuple(watch.version for watch in self._watches)
        if self._snapshot is None or versions != self._built_from or metrics_changed:
            ordered = await asyncio.to_thread(display_order, self.pods)
            self._snapshot = PodSnapshot(self._clock.now(), ordered, dict(self._metrics.usage))
            self._built_from = versions
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
        self._watch: ListWatch[Node] | None = None  # made once the connection is open
        self._metrics = MetricsPoller(connection, "nodes", decode_node_metrics_list)
        self._snapshot: NodeSnapshot | None = None
        self._built_from: tuple[int, int] = (-1, -1)

    async def fetch(self) -> Snapshot:
        await self._connection.open()
        if self._watch is None:
            self._watch = node_watch(self._connection)
        await self._watch.step(WATCH_WINDOW)
        metrics_changed = await self._metrics.refresh()
        versions = (self._watch.version, self._pods.version)
        if self._snapshot is None or versions != self._built_from or metrics_changed:
            # Counting 150k pods by node is tens of milliseconds: in a thread, off the screen's loop.
            per_node = await asyncio.to_thread(pods_per_node, self._pods.pods)
            usage = self._metrics.usage
            nodes = tuple(
                node_usage(node, usage.get(node.name), per_node[node.name])
                for node in sorted(self._watch.items.values(), key=attrgetter("name"))
            )
            self._snapshot = NodeSnapshot(self._clock.now(), nodes)
            self._built_from = versions
        return self._snapshot

    async def aclose(self) -> None:
        if self._watch is not None:
            self._watch.close()
        await self._connection.close()


def pod_watches(connection: KubeConnection, settings: KubernetesSettings) -> list[ListWatch[Pod]]:
    """One list-watch for all namespaces, or one per configured namespace."""
    selector: dict[str, object] = (
        {"labelSelector": settings.label_selector} if settings.label_selector else {}
    )
    paths = [f"/api/v1/namespaces/{namespace}/pods" for namespace in settings.namespaces] or ["/api/v1/pods"]
    return [
        ListWatch(pod_endpoint(connection.lister(path, **selector), connection.watcher(path, **selector)))
        for path in paths
    ]


def pod_endpoint(list_page: PageFetcher, open_watch: WatchOpener) -> Endpoint[Pod]:
    return Endpoint(
        kind="pods",
        list_page=list_page,
        open_watch=open_watch,
        decode_page=lambda raw: decode_list(raw, PODS),
        decode_event=lambda line: decode_watch_event(line, PODS),
        key=attrgetter("key"),
    )


def node_watch(connection: KubeConnection) -> ListWatch[Node]:
    return ListWatch(
        Endpoint(
            kind="nodes",
            list_page=connection.lister("/api/v1/nodes"),
            open_watch=connection.watcher("/api/v1/nodes"),
            decode_page=lambda raw: decode_list(raw, NODES),
            decode_event=lambda line: decode_watch_event(line, NODES),
            key=attrgetter("name"),
        )
    )
