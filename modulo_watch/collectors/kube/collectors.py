"""The live Kubernetes sources: pods and nodes from list-watches, usage from metrics.k8s.io.

Each collector's ``fetch`` follows its watches for a short window and returns a snapshot; the same
snapshot object comes back while nothing changed, so the panes skip the repaint. The pods are kept in
display order change by change (``pod_order``); only a full list is ordered at once, in a thread.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from operator import attrgetter

from modulo_watch.collectors.clock import Clock
from modulo_watch.collectors.kube.connection import KubeConnection
from modulo_watch.collectors.kube.decode import NODES, PODS, decode_node_metrics_list, decode_pod_metrics_list
from modulo_watch.collectors.kube.listwatch import KubeApiError, cyclic_gc_paused
from modulo_watch.collectors.kube.pod_order import PodOrder
from modulo_watch.collectors.kube.watches import WatchGroup
from modulo_watch.collectors.models import (
    Node,
    NodeSnapshot,
    PodSnapshot,
    Snapshot,
    SourceName,
)
from modulo_watch.config import KubernetesSettings

WATCH_WINDOW = 0.5  # seconds a fetch follows the watches before it hands over a snapshot
# The pods pane is the one a responder watches: a pod change is handed over sooner (it costs little).
PODS_WINDOW = 0.25
METRICS_EVERY = 15.0  # metrics-server itself refreshes every 15 s
SPLIT_METRICS_AT = 20_000  # pods: above this, usage is read a namespace at a time
FIRST_LIST_TIMEOUT = 180.0  # a 150k-pod list is hundreds of pages

UsageDecoder = Callable[[bytes], dict[str, tuple[int, int]]]


def node_usage(node: Node, usage: tuple[int, int] | None, pod_count: int) -> Node:
    """The node with its pod count and its use as a percentage of allocatable."""
    cpu = memory = None
    if usage is not None:
        if node.allocatable_cpu_millicores:
            cpu = 100.0 * usage[0] / node.allocatable_cpu_millicores
        if node.allocatable_memory_bytes:
            memory = 100.0 * usage[1] / node.allocatable_memory_bytes
    return replace(node, cpu_percent=cpu, memory_percent=memory, pod_count=pod_count)


NodeInputs = tuple[Node, tuple[int, int] | None, int]  # the node as listed, its usage, its pod count


def node_rows(
    nodes: list[Node],
    usage: Mapping[str, tuple[int, int]],
    pods_per_node: Mapping[str, int],
    made: dict[str, tuple[NodeInputs, Node]],
) -> tuple[Node, ...]:
    """The nodes by name, with their use and pod counts. ``made`` keeps each row with what it was made
    from: under pod churn a few node counts change at a time, and the other rows are reused."""
    rows = []
    for node in sorted(nodes, key=attrgetter("name")):
        inputs = (node, usage.get(node.name), pods_per_node.get(node.name, 0))
        previous = made.get(node.name)
        if previous is not None and previous[0][0] is node and previous[0][1:] == inputs[1:]:
            rows.append(previous[1])
            continue
        row = node_usage(*inputs)
        made[node.name] = (inputs, row)
        rows.append(row)
    for gone in made.keys() - {node.name for node in nodes}:
        del made[gone]
    return tuple(rows)


class MetricsPoller:
    """metrics.k8s.io, read every 15 s. A cluster without metrics-server is common: then usage stays
    empty and the panes show "-", without making the whole source fail.

    ``scopes`` are the path prefixes to read ("" for the whole cluster, "namespaces/shop/" for one
    namespace): a user allowed only some namespaces may read only theirs, and a 150k-pod cluster is
    read a namespace at a time, since decoding one 40 MB answer holds the interpreter for 150 ms.
    """

    def __init__(
        self,
        connection: KubeConnection,
        plural: str,
        decode: UsageDecoder,
        scopes: Callable[[], Iterable[str]] = lambda: ("",),
    ) -> None:
        self._connection = connection
        self._plural = plural
        self._decode = decode
        self._scopes = scopes
        self._next = 0.0
        self._pending: list[str] = []  # the scopes still to read in this round
        self._round: dict[str, tuple[int, int]] = {}
        self._answered = False
        self.usage: dict[str, tuple[int, int]] = {}  # the last complete round
        self.available = True

    async def refresh(self) -> bool:
        """Read one scope when a round is due or under way; True when a round completed with news.

        One scope per call, so a round over many namespaces never holds up the pods' own fetch."""
        if not self._pending:
            if time.monotonic() < self._next or not self.available:
                return False
            self._next = time.monotonic() + METRICS_EVERY
            self._pending, self._round, self._answered = list(self._scopes()), {}, False
        scope = self._pending.pop(0)
        try:
            raw = await self._connection.get_raw(f"/apis/metrics.k8s.io/v1beta1/{scope}{self._plural}")
        except KubeApiError as exc:
            if exc.status not in (403, 404, 503):  # no metrics-server, or not allowed to read it here
                self._pending = []
                raise
        else:
            self._answered = True
            # Quantities to parse by the thousand: in a thread, so the screen keeps its turns.
            with cyclic_gc_paused():
                self._round.update(await asyncio.to_thread(self._decode, raw))
        if self._pending:
            return False
        if not self._answered:
            self.available = False
            return bool(self.usage)
        self.usage = self._round
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
        self.order = PodOrder()
        self.synced_once = asyncio.Event()  # the other kube sources list after the pods (see kube_collectors)
        self._namespaces = settings.namespaces
        self._metrics = MetricsPoller(connection, "pods", decode_pod_metrics_list, self._metrics_scopes)
        self._snapshot: PodSnapshot | None = None

    @property
    def relists(self) -> int:
        return self.watches.relists

    def _metrics_scopes(self) -> list[str]:
        """The configured namespaces; on a big cluster each namespace with pods; else the cluster."""
        namespaces = self._namespaces or (
            self.order.by_namespace if len(self.order) > SPLIT_METRICS_AT else ()
        )
        return [f"namespaces/{namespace}/" for namespace in sorted(namespaces)] or [""]

    @property
    def synced(self) -> bool:
        return self.watches.synced

    def close_watches(self) -> None:
        """Let go of the open watch streams; the next fetch resumes from the last version seen."""
        self.watches.close()

    async def fetch(self) -> Snapshot:
        await self._connection.open()
        await self.watches.step(PODS_WINDOW)
        # Usage waits until the pods are on screen: 150k pods' metrics take seconds to decode.
        metrics_changed = self._snapshot is not None and await self._metrics.refresh()
        changed = await self._apply_changes()
        if self._snapshot is None or changed or metrics_changed:
            ordered = await asyncio.to_thread(self.order.ordered)
            by_status = dict(self.order.by_status)
            # The usage dict is replaced at each poll, never changed: it can be shared as it is.
            self._snapshot = PodSnapshot(self._clock.now(), ordered, self._metrics.usage, by_status)
            self.synced_once.set()
        return self._snapshot

    async def _apply_changes(self) -> bool:
        """Bring the display order up to date with the watches; True when anything changed."""
        changes = self.watches.drain_changes()
        if changes is None:  # listed anew: order everything, in a thread
            with cyclic_gc_paused():
                self.order = await asyncio.to_thread(PodOrder, self.watches.items())
            gc.freeze()  # long-lived, as the cache itself (see ListWatch._relist)
            return True
        for key in changes:
            self.order.update(key, self.watches.get(key))
        return bool(changes)

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
        self._rows: dict[str, tuple[NodeInputs, Node]] = {}
        self._built_from: tuple[int, int, int] = (-1, -1, -1)

    async def fetch(self) -> Snapshot:
        await self._connection.open()
        await self._watches.step(WATCH_WINDOW)
        metrics_changed = await self._metrics.refresh()
        versions = (self._watches.version, self._pods.order.nodes_version, id(self._pods.order))
        if self._snapshot is None or versions != self._built_from or metrics_changed:
            # 5k nodes to copy: in a thread. The counts are copied here, as the pods' fetch changes them.
            per_node, usage = dict(self._pods.order.by_node), self._metrics.usage
            nodes = await asyncio.to_thread(node_rows, self._watches.items(), usage, per_node, self._rows)
            self._snapshot = NodeSnapshot(self._clock.now(), nodes)
            self._built_from = versions
        return self._snapshot

    async def aclose(self) -> None:
        self._watches.close()
        await self._connection.close()
