"""Which sources run, and on what clock: a drill's scripted world or the configured live systems."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from modulo_watch.collectors.clock import Clock, DrillClock, SystemClock
from modulo_watch.collectors.drill import Scenario, drill_collectors, drill_start
from modulo_watch.collectors.hub import Hub
from modulo_watch.collectors.models import SourceName
from modulo_watch.collectors.runner import SourceRunner, not_configured
from modulo_watch.config import Settings, source_hint


@dataclass
class Sources:
    """The hub every source publishes to, the clock they stamp with, and their runners."""

    hub: Hub
    clock: Clock
    runners: list[SourceRunner] = field(default_factory=list)
    scenario: Scenario | None = None

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
    return Sources(hub=hub, clock=clock, runners=runners, scenario=scenario)


def live_sources(settings: Settings) -> Sources:
    """The live sources. No live collector ships in this version yet: each pane says how it will be set up."""
    hub = Hub()
    for source in SourceName:
        hint = source_hint(settings, source) or "configured; its live collector is not in this version yet"
        hub.publish_status(not_configured(source, hint))
    return Sources(hub=hub, clock=SystemClock())
