"""Which sources run, and on what clock: a drill's scripted world or the configured live systems."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from modulo_watch.collectors.clock import Clock, DrillClock, SystemClock
from modulo_watch.collectors.drill import Scenario, drill_collectors, drill_start
from modulo_watch.collectors.hub import Hub
from modulo_watch.collectors.models import SourceName
from modulo_watch.collectors.runner import Collector, SourceRunner, not_configured
from modulo_watch.config import Settings, source_hint

if TYPE_CHECKING:
    from modulo_watch.collectors.inspect import PodInspector


@dataclass
class Sources:
    """The hub every source publishes to, the clock they stamp with, and their runners."""

    hub: Hub
    clock: Clock
    runners: list[SourceRunner] = field(default_factory=list)
    scenario: Scenario | None = None
    inspector: PodInspector | None = None  # a pod's detail and logs, when there are pods to inspect
    make_inspector: Callable[[], PodInspector] | None = None

    def pod_inspector(self) -> PodInspector | None:
        """The inspector, made on first use: its modules are not needed for the first frame."""
        if self.inspector is None and self.make_inspector is not None:
            self.inspector = self.make_inspector()
        return self.inspector

    @property
    def drill_clock(self) -> DrillClock | None:
        return self.clock if isinstance(self.clock, DrillClock) else None


def poll_intervals(settings: Settings) -> dict[SourceName, float]:
    return {
        SourceName.PODS: settings.kubernetes.interval,
        SourceName.NODES: settings.kubernetes.interval,
        SourceName.POSTGRES: settings.postgres.interval,
        SourceName.METRICS: settings.prometheus.interval,
        SourceName.ALERTS: settings.alertmanager.interval,
    }


def drill_sources(scenario: Scenario, speed: float, now: datetime, settings: Settings) -> Sources:
    """A drill polls at the configured intervals, so it refreshes (and costs) what a real incident would."""
    start = drill_start(now)
    clock = DrillClock(start=start, speed=speed)
    hub = Hub()
    collectors = drill_collectors(scenario, clock, start=start, intervals=poll_intervals(settings))
    runners = [SourceRunner(collector, hub, clock) for collector in collectors]
    make_inspector = partial(drill_inspector, scenario, clock, start)
    return Sources(hub=hub, clock=clock, runners=runners, scenario=scenario, make_inspector=make_inspector)


def drill_inspector(scenario: Scenario, clock: DrillClock, start: datetime) -> PodInspector:
    from modulo_watch.collectors.drill.inspect import DrillInspector

    return DrillInspector(scenario, clock, start)


def live_sources(settings: Settings) -> Sources:
    """The configured live sources; the others say how to configure them."""
    hub, clock = Hub(), SystemClock()
    runners: list[SourceRunner] = []
    if settings.kubernetes.configured:
        runners += [SourceRunner(collector, hub, clock) for collector in kube_collectors(settings, clock)]
    live = {runner.source for runner in runners}
    for source in SourceName:
        if source not in live:
            hint = (
                source_hint(settings, source) or "configured; its live collector is not in this version yet"
            )
            hub.publish_status(not_configured(source, hint))
    make_inspector = partial(kube_inspector, settings) if settings.kubernetes.configured else None
    return Sources(hub=hub, clock=clock, runners=runners, make_inspector=make_inspector)


def kube_collectors(settings: Settings, clock: Clock) -> list[Collector]:
    # Imported here: the Kubernetes stack is only loaded when a cluster is configured.
    from modulo_watch.collectors.kube.collectors import NodesCollector, PodsCollector
    from modulo_watch.collectors.kube.connection import KubeConnection

    connection = KubeConnection(settings.kubernetes)
    pods = PodsCollector(connection, settings.kubernetes, clock)
    return [pods, NodesCollector(connection, pods, clock)]


def kube_inspector(settings: Settings) -> PodInspector:
    """The pod detail's own connection: a followed log never waits behind the watches, nor they behind it."""
    from modulo_watch.collectors.kube.connection import KubeConnection
    from modulo_watch.collectors.kube.inspect import KubeInspector

    return KubeInspector(KubeConnection(settings.kubernetes))
