"""Which sources run, and on what clock: a drill's scripted world or the configured live systems."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Generic, TypeVar

from modulo_watch.collectors.clock import Clock, DrillClock, SystemClock
from modulo_watch.collectors.drill import Scenario, drill_collectors, drill_start
from modulo_watch.collectors.graph_view import GraphView
from modulo_watch.collectors.hub import Hub
from modulo_watch.collectors.models import (
    EventSnapshot,
    NodeSnapshot,
    PodSnapshot,
    RolloutSnapshot,
    Snapshot,
    SourceName,
)
from modulo_watch.collectors.runner import Collector, SourceRunner, not_configured
from modulo_watch.config import Settings, source_hint, with_kube_context

if TYPE_CHECKING:
    from modulo_watch.collectors.alertmanager.acks import AlertActions
    from modulo_watch.collectors.inspect import PodInspector
    from modulo_watch.collectors.kube.contexts import KubeContexts
    from modulo_watch.collectors.postgres.detail import PgInspector


T = TypeVar("T")


class OnFirstUse(Generic[T]):
    """A thing made the first time it is asked for (``make`` None: there is nothing to make)."""

    def __init__(self, make: Callable[[], T] | None) -> None:
        self._make = make
        self.made: T | None = None

    def get(self) -> T | None:
        if self.made is None and self._make is not None:
            self.made = self._make()
        return self.made


@dataclass
class Sources:
    """The hub every source publishes to, the clock they stamp with, and their runners."""

    hub: Hub
    clock: Clock
    runners: list[SourceRunner] = field(default_factory=list)
    scenario: Scenario | None = None
    # Made on first use: their modules are not needed for the first frame. None: nothing to act on.
    pod_inspectors: OnFirstUse[PodInspector] = field(default_factory=lambda: OnFirstUse(None))
    pg_inspectors: OnFirstUse[PgInspector] = field(default_factory=lambda: OnFirstUse(None))
    alert_actors: OnFirstUse[AlertActions] = field(default_factory=lambda: OnFirstUse(None))
    # Whether the responder may change the world (cancel a backend...): a live opt-in; a drill's world is
    # its own.
    actions_enabled: bool = False
    settings: Settings | None = None  # live only: to rebuild the Kubernetes sources for another context
    kube_context: str | None = None  # the context watched; None until known (the kubeconfig's current one)
    graph_view: GraphView = field(default_factory=GraphView)  # read by the metrics collector on every fetch

    def show_graph(self, window_seconds: int, columns: int) -> None:
        """The metrics graph's window and width; a new window is fetched now, not at the next poll."""
        if self.graph_view.show(window_seconds, columns):
            self.refetch(SourceName.METRICS)

    def refetch(self, source: SourceName) -> None:
        """Fetch ``source`` now, not at its next poll: what it reports changed (the responder acted)."""
        for runner in self.runners:
            if runner.source is source:
                runner.refetch_now()

    async def aclose(self) -> None:
        """Close what was made on first use (the collectors close themselves as their runners stop)."""
        for made in (self.pod_inspectors.made, self.pg_inspectors.made, self.alert_actors.made):
            if made is not None:
                await made.aclose()

    def pod_inspector(self) -> PodInspector | None:
        """A pod's detail and logs, when there are pods to inspect."""
        return self.pod_inspectors.get()

    def pg_inspector(self) -> PgInspector | None:
        """A backend's detail, cancel and terminate, when a server is watched."""
        return self.pg_inspectors.get()

    def alert_actions(self) -> AlertActions | None:
        """Acknowledging alerts: None when they come from Prometheus, which has nothing to silence them."""
        return self.alert_actors.get()

    @property
    def watches_kubernetes(self) -> bool:
        """Live, only with a configured cluster; a drill (no live settings) always has one."""
        return self.settings is None or self.settings.kubernetes.configured

    @property
    def drill_clock(self) -> DrillClock | None:
        return self.clock if isinstance(self.clock, DrillClock) else None

    @property
    def can_switch_kube_context(self) -> bool:
        return self.settings is not None and self.settings.kubernetes.configured

    async def kube_context_choices(self) -> KubeContexts:
        """The contexts to offer ([kubernetes] contexts, or else every context of the kubeconfig) and the
        current one, which is remembered. Raises KubeContextError when the kubeconfig cannot be read."""
        from modulo_watch.collectors.kube.contexts import KubeContexts, read_contexts

        kube = self._live_settings().kubernetes
        if kube.contexts and self.kube_context is not None:
            return KubeContexts.offered(kube.contexts, self.kube_context)  # nothing to read
        found = await asyncio.to_thread(read_contexts, kube)
        self.kube_context = self.kube_context or found.current
        return KubeContexts.offered(kube.contexts or found.names, self.kube_context)

    def switch_kube_context(self, name: str) -> list[SourceRunner]:
        """New runners for every Kubernetes source, watching context ``name``; the old context's data
        is dropped from the hub and the next pod inspector is made for the new context.

        The caller stops the old runners before it next awaits (or they could publish the old
        cluster's data again), starts the new ones and closes the old inspector.
        """
        settings = with_kube_context(self._live_settings(), name)
        runners = [
            SourceRunner(collector, self.hub, self.clock)
            for collector in kube_collectors(settings, self.clock)
        ]
        switched = {runner.source for runner in runners}
        self.runners = [runner for runner in self.runners if runner.source not in switched] + runners
        self.hub.forget_snapshots(switched)
        self.settings, self.kube_context = settings, name
        self.pod_inspectors = OnFirstUse(partial(kube_inspector, settings))
        return runners

    def _live_settings(self) -> Settings:
        if self.settings is None:
            raise RuntimeError("a drill watches no cluster")  # callers check can_switch_kube_context
        return self.settings


def empty_kube_snapshot(source: SourceName, at: datetime) -> Snapshot:
    """No rows: what a Kubernetes pane shows once its data from another context is dropped."""
    empty: dict[SourceName, Snapshot] = {
        SourceName.PODS: PodSnapshot(at, ()),
        SourceName.NODES: NodeSnapshot(at, ()),
        SourceName.EVENTS: EventSnapshot(at, ()),
        SourceName.ROLLOUTS: RolloutSnapshot(at, ()),
    }
    return empty[source]


def poll_intervals(settings: Settings) -> dict[SourceName, float]:
    return {
        SourceName.PODS: settings.kubernetes.interval,
        SourceName.NODES: settings.kubernetes.interval,
        SourceName.EVENTS: settings.kubernetes.interval,
        SourceName.ROLLOUTS: settings.kubernetes.interval,
        SourceName.POSTGRES: settings.postgres.interval,
        SourceName.METRICS: settings.prometheus.interval,
        SourceName.ALERTS: settings.alertmanager.interval,
        SourceName.HEALTH: settings.health.interval,
    }


def drill_sources(scenario: Scenario, speed: float, now: datetime, settings: Settings) -> Sources:
    """A drill polls at the configured intervals, so it refreshes (and costs) what a real incident would."""
    start = drill_start(now)
    clock = DrillClock(start=start, speed=speed)
    hub, view = Hub(), GraphView()
    collectors = drill_collectors(
        scenario, clock, start=start, intervals=poll_intervals(settings), graph_view=view
    )
    runners = [SourceRunner(collector, hub, clock) for collector in collectors]
    return Sources(
        hub=hub,
        clock=clock,
        runners=runners,
        scenario=scenario,
        graph_view=view,
        pod_inspectors=OnFirstUse(partial(drill_inspector, scenario, clock, start)),
        pg_inspectors=OnFirstUse(partial(drill_pg_inspector, scenario, clock, start)),
        alert_actors=OnFirstUse(partial(drill_alert_actions, scenario, clock, start)),
        actions_enabled=True,
    )


def drill_inspector(scenario: Scenario, clock: DrillClock, start: datetime) -> PodInspector:
    from modulo_watch.collectors.drill.inspect import DrillInspector

    return DrillInspector(scenario, clock, start)


def drill_pg_inspector(scenario: Scenario, clock: DrillClock, start: datetime) -> PgInspector:
    from modulo_watch.collectors.drill.pg_inspect import DrillPgInspector

    return DrillPgInspector(scenario, clock, start)


def live_sources(settings: Settings) -> Sources:
    """The configured live sources; the others say how to configure them."""
    hub, clock, view = Hub(), SystemClock(), GraphView()
    runners: list[SourceRunner] = []
    if settings.kubernetes.configured:
        runners += [SourceRunner(collector, hub, clock) for collector in kube_collectors(settings, clock)]
    if settings.postgres.configured:
        runners.append(SourceRunner(postgres_collector(settings, clock), hub, clock))
    if settings.prometheus.configured:
        runners.append(SourceRunner(prometheus_collector(settings, clock, view), hub, clock))
    alerts = alerts_collector(settings, clock)
    if alerts is not None:
        runners.append(SourceRunner(alerts, hub, clock))
    if settings.health.configured:
        runners.append(SourceRunner(health_collector(settings, clock), hub, clock))
    live = {runner.source for runner in runners}
    for source in SourceName:
        if source not in live:
            hint = (
                source_hint(settings, source) or "configured; its live collector is not in this version yet"
            )
            hub.publish_status(not_configured(source, hint))
    return Sources(
        hub=hub,
        clock=clock,
        runners=runners,
        pod_inspectors=OnFirstUse(
            partial(kube_inspector, settings) if settings.kubernetes.configured else None
        ),
        pg_inspectors=OnFirstUse(
            partial(live_pg_inspector, settings) if settings.postgres.configured else None
        ),
        alert_actors=OnFirstUse(
            partial(live_alert_actions, settings, clock) if settings.alertmanager.configured else None
        ),
        actions_enabled=settings.actions.enabled,
        settings=settings,
        kube_context=settings.kubernetes.context,
        graph_view=view,
    )


def kube_collectors(settings: Settings, clock: Clock) -> list[Collector]:
    # Imported here: the Kubernetes stack is only loaded when a cluster is configured.
    from modulo_watch.collectors.kube.collectors import NodesCollector, PodsCollector
    from modulo_watch.collectors.kube.connection import KubeConnection
    from modulo_watch.collectors.kube.events import EventsCollector
    from modulo_watch.collectors.kube.rollouts import RolloutsCollector

    kube = settings.kubernetes
    connection = KubeConnection(kube)  # one for the four: the nodes collector closes it
    pods = PodsCollector(connection, kube, clock)
    return [
        pods,
        NodesCollector(connection, pods, clock),
        # Events and rollouts list once the pods have: on a big cluster the pods pane comes first.
        EventsCollector(connection, kube, clock, pods.synced_once),
        RolloutsCollector(connection, kube, clock, pods.synced_once),
    ]


def postgres_collector(settings: Settings, clock: Clock) -> Collector:
    # Imported here: psycopg is only loaded when a server is configured.
    from modulo_watch.collectors.postgres.collector import PostgresCollector

    return PostgresCollector(settings.postgres, clock)


def prometheus_collector(settings: Settings, clock: Clock, view: GraphView | None = None) -> Collector:
    # Imported here, like the others; prometheus-api-client itself waits for the first query.
    from modulo_watch.collectors.prometheus.collector import PrometheusCollector

    return PrometheusCollector(settings.prometheus, clock, view)


def health_collector(settings: Settings, clock: Clock) -> Collector:
    # Imported here, like the others; httpx itself waits for the first probe.
    from modulo_watch.collectors.health import HealthCollector

    return HealthCollector(settings.health, clock)


def alerts_collector(settings: Settings, clock: Clock) -> Collector | None:
    """Alertmanager's alerts; without one, Prometheus' own (nothing to silence them with); else None."""
    # Imported here: httpx is only loaded when there are alerts to read.
    if settings.alertmanager.configured:
        from modulo_watch.collectors.alertmanager.collector import AlertmanagerCollector

        return AlertmanagerCollector(settings.alertmanager, clock)
    if settings.prometheus.configured:
        from modulo_watch.collectors.alertmanager.prometheus import PrometheusAlertsCollector

        return PrometheusAlertsCollector(settings.prometheus, clock)
    return None


def kube_inspector(settings: Settings) -> PodInspector:
    """The pod detail's own connection: a followed log never waits behind the watches, nor they behind it."""
    from modulo_watch.collectors.kube.connection import KubeConnection
    from modulo_watch.collectors.kube.inspect import KubeInspector

    return KubeInspector(KubeConnection(settings.kubernetes))


def live_pg_inspector(settings: Settings) -> PgInspector:
    from modulo_watch.collectors.postgres.inspect import LivePgInspector

    return LivePgInspector(settings.postgres)


def live_alert_actions(settings: Settings, clock: Clock) -> AlertActions:
    from modulo_watch.collectors.alertmanager.actions import AlertmanagerActions

    return AlertmanagerActions(settings.alertmanager, clock)


def drill_alert_actions(scenario: Scenario, clock: DrillClock, start: datetime) -> AlertActions:
    from modulo_watch.collectors.drill.alert_actions import DrillAlertActions

    return DrillAlertActions(scenario, clock, start)
