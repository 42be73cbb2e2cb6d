"""The drill's event list: ``kubectl get events -A``, most recently seen first, within the event TTL.

Pods' events (from their stories) and the controllers' and nodes' (from the compiled timelines),
bounded to ``MAX_EVENTS`` as the live source is. Building it costs stories, so the collector calls
``snapshot`` in a worker thread.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from modulo_watch.collectors.drill.engine import Scenario
from modulo_watch.collectors.drill.events_cluster import ClusterEvents
from modulo_watch.collectors.drill.events_pods import PodEvents
from modulo_watch.collectors.drill.inspect_events import EVENT_TTL
from modulo_watch.collectors.drill.inspect_story import RESOLUTION
from modulo_watch.collectors.models import MAX_EVENTS, EventSnapshot, event_order


class EventLog:
    def __init__(self, scenario: Scenario, start: datetime) -> None:
        self._start = start
        self._pods = PodEvents(scenario, start)
        self._cluster = ClusterEvents(scenario.controllers, scenario.node_timeline)
        self._lock = threading.Lock()  # a fetch that timed out may still be running in its thread

    def snapshot(self, elapsed: float) -> EventSnapshot:
        at = elapsed - elapsed % RESOLUTION
        with self._lock:
            pods = self._pods.at(at)
        expired = self._start + timedelta(seconds=at - EVENT_TTL)
        events = [
            event
            for event in (*pods, *self._cluster.at(at, self._start))
            if event.last_seen is not None and event.last_seen >= expired
        ]
        events.sort(key=event_order)
        collected = self._start + timedelta(seconds=at)
        return EventSnapshot(collected_at=collected, events=tuple(events[:MAX_EVENTS]), total=len(events))
