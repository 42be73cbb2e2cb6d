"""A compiled scenario, and the world it describes at any moment.

Loading compiles the timeline once; ``world_at`` is then a pure function of the elapsed drill
time, so a drill can run at any speed, pause, or jump ahead and always show the same world for
the same moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from modulo_watch.collectors.alertmanager.acks import Matcher
from modulo_watch.collectors.drill.alerts import AlertTimeline
from modulo_watch.collectors.drill.health import HealthTimeline
from modulo_watch.collectors.drill.nodes import NodeTimeline, NodeUsage
from modulo_watch.collectors.drill.pg import PostgresTimeline
from modulo_watch.collectors.drill.pod_compile import PodCompiler
from modulo_watch.collectors.drill.pod_life import TERMINAL_STATUSES
from modulo_watch.collectors.drill.rollouts import RolloutTimeline
from modulo_watch.collectors.drill.series import MetricsTimeline
from modulo_watch.collectors.drill.spec import ScenarioSpec, SourceDownEvent
from modulo_watch.collectors.models import (
    AlertSnapshot,
    HealthSnapshot,
    MetricsSnapshot,
    NodeSnapshot,
    PgSnapshot,
    Pod,
    PodSnapshot,
    Snapshot,
    SourceName,
    fault_order,
)


@dataclass(frozen=True, slots=True)
class ScenarioInfo:
    name: str
    title: str
    description: str
    duration_seconds: float


@dataclass(frozen=True, slots=True)
class World:
    """What the sources would report at one moment of the drill; the events and the rollouts have
    collectors of their own (``collectors``), which read the world's moment and outages."""

    elapsed: float
    pods: PodSnapshot
    nodes: NodeSnapshot
    postgres: PgSnapshot
    metrics: MetricsSnapshot
    alerts: AlertSnapshot
    health: HealthSnapshot
    sources_down: frozenset[SourceName]

    def snapshot(self, source: SourceName) -> Snapshot:
        snapshots: dict[SourceName, Snapshot] = {
            SourceName.PODS: self.pods,
            SourceName.NODES: self.nodes,
            SourceName.POSTGRES: self.postgres,
            SourceName.METRICS: self.metrics,
            SourceName.ALERTS: self.alerts,
            SourceName.HEALTH: self.health,
        }
        return snapshots[source]


class Scenario:
    """A loaded scenario: its description, its suggested incident, and its world over time.

    ``lives``, ``controllers`` and ``node_timeline`` are the compiled timelines the events are told
    from; ``rollouts`` gives the Deployments' revisions at any moment.
    """

    def __init__(self, spec: ScenarioSpec) -> None:
        meta = spec.meta
        self.source = spec.source
        self.info = ScenarioInfo(meta.name, meta.title, meta.description, meta.duration)
        self.incident = spec.incident
        self.node_timeline = NodeTimeline(spec.nodes, spec.events)
        compiler = PodCompiler(meta.seed, spec.source, self.node_timeline, spec.workloads)
        self.lives = compiler.compile(spec.events)
        self.controllers = compiler.log
        self.rollouts = RolloutTimeline(
            self.lives, compiler.log.revisions, spec.nodes, spec.postgres.server_version
        )
        self._postgres = PostgresTimeline(spec.postgres, meta.seed, spec.events)
        self.actions_taken = 0  # the responder's cancels, terminates and acks so far: each changes the world
        self._metrics = MetricsTimeline(spec.metrics, meta.seed, spec.events)
        self._alerts = AlertTimeline(spec.events)
        self._health = HealthTimeline(spec.health_checks, meta.seed, spec.events)
        self._outages = tuple(
            (e.source, e.at, e.at + e.duration) for e in spec.events if isinstance(e, SourceDownEvent)
        )

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def postgres(self) -> PostgresTimeline:
        return self._postgres

    def act_on_backend(self, pid: int, terminate: bool, at: float, start: datetime) -> bool:
        """The responder cancels or terminates a backend at drill time ``at`` (``PostgresTimeline.act``)."""
        acted = self._postgres.act(pid, terminate, at, start)
        self.actions_taken += acted
        return acted

    def metrics_at(
        self, elapsed_seconds: float, start: datetime, window: int, points: int
    ) -> MetricsSnapshot:
        """The metrics over the graph's chosen ``window`` (the world carries the default 15 minutes)."""
        return self._metrics.snapshot(elapsed_seconds, start, window, points)

    @property
    def alerts(self) -> AlertTimeline:
        return self._alerts

    def acknowledge_alerts(
        self,
        matchers: Sequence[Matcher],
        at: float,
        duration: timedelta,
        author: str,
        comment: str,
        start: datetime,
    ) -> str:
        """The responder acknowledges alerts at drill time ``at``: a silence, as in Alertmanager."""
        silence_id = self._alerts.silence(matchers, at, at + duration.total_seconds(), author, comment, start)
        self.actions_taken += 1
        return silence_id

    def unacknowledge_alerts(self, silence_id: str, at: float) -> bool:
        expired = self._alerts.expire(silence_id, at)
        self.actions_taken += expired
        return expired

    def world_at(self, elapsed_seconds: float, start: datetime) -> World:
        """The world ``elapsed_seconds`` of drill time after ``start`` (the drill's first moment)."""
        at = elapsed_seconds
        now = start + timedelta(seconds=at)
        living = (life.pod_at(at, start) for life in self.lives if life.born <= at < life.gone)
        pods = tuple(sorted(living, key=fault_order))
        return World(
            elapsed=at,
            pods=PodSnapshot(collected_at=now, pods=pods),
            nodes=NodeSnapshot(
                collected_at=now, nodes=self.node_timeline.snapshot_nodes(at, start, _usage(pods))
            ),
            postgres=self._postgres.snapshot(at, start),
            metrics=self._metrics.snapshot(at, start),
            alerts=self._alerts.snapshot(at, start),
            health=self._health.snapshot(at, start),
            sources_down=frozenset(source for source, begin, end in self._outages if begin <= at < end),
        )


def _usage(pods: tuple[Pod, ...]) -> dict[str, NodeUsage]:
    usage: dict[str, NodeUsage] = {}
    for pod in pods:
        if not pod.node or pod.status in TERMINAL_STATUSES:
            continue
        current = usage.get(pod.node, NodeUsage())
        usage[pod.node] = NodeUsage(
            current.pods + 1,
            current.cpu_millicores + (pod.cpu_millicores or 0),
            current.memory_bytes + (pod.memory_bytes or 0),
        )
    return usage
