"""The pods' events for the cluster's event list: exactly the ones each pod's detail shows.

They come from the pod's story (``inspect_story``), tens of milliseconds of sampling each. So only
a pod with something to tell within the event TTL gets one, and a story is kept while its pod
stays in the same phase of its life: then only its present moves on, which costs nothing to redo.
A deleted pod keeps the events of its last moment until they expire, as the API server keeps them.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, replace
from datetime import datetime

from modulo_watch.collectors.drill.engine import Scenario
from modulo_watch.collectors.drill.inspect_containers import PodContainers
from modulo_watch.collectors.drill.inspect_events import EVENT_TTL, story_events
from modulo_watch.collectors.drill.inspect_pod import ContainerSpec
from modulo_watch.collectors.drill.inspect_story import RESOLUTION, Story, Worlds, pod_story
from modulo_watch.collectors.drill.pod_life import PodLife
from modulo_watch.collectors.models import KubeEvent

# Statuses whose events keep being seen (a back-off, a failed scheduling) for as long as they last.
_ONGOING = frozenset(
    {
        "ContainerCreating",
        "Pending",
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "ErrImagePull",
        "CreateContainerConfigError",
    }
)


@dataclass(frozen=True, slots=True)
class _Told:
    phase: int  # the phase of the pod's life the story was told in; len(phases) once the pod is gone
    story: Story
    containers: tuple[ContainerSpec, ...]
    events: tuple[KubeEvent, ...] = ()  # a deleted pod's, for good


def _has_news(life: PodLife, at: float) -> bool:
    """Whether the pod may have events seen within the TTL: it changed then, or still repeats some."""
    if life.born > at or life.gone < at - EVENT_TTL:
        return False
    last = life.phase_at(min(at, life.gone))
    # A change's events come at most a world tick after it.
    return last.at >= at - EVENT_TTL - RESOLUTION or last.status in _ONGOING


class PodEvents:
    """Not thread-safe: one caller at a time (the events log holds a lock)."""

    def __init__(self, scenario: Scenario, start: datetime) -> None:
        self._lives = scenario.lives
        self._start = start
        self._worlds = Worlds(scenario, start)
        self._containers = PodContainers(self._worlds)
        self._told: dict[tuple[str, str, float], _Told] = {}

    def at(self, at: float) -> list[KubeEvent]:
        """The events of every pod with news at ``at`` (a world tick), before the TTL cut."""
        told: dict[tuple[str, str, float], _Told] = {}
        events: list[KubeEvent] = []
        for life in self._lives:
            if _has_news(life, at):
                key = (life.namespace, life.name, life.born)
                entry = told[key] = self._tell(life, at, self._told.get(key))
                if entry.phase == len(life.phases):
                    events += entry.events
                else:
                    events += story_events(entry.story, self._start, entry.containers, self._worlds)
        self._told = told  # the pods without news are forgotten
        return events

    def _tell(self, life: PodLife, at: float, cached: _Told | None) -> _Told:
        if at >= life.gone:
            if cached is not None and cached.phase == len(life.phases):
                return cached
            last = math.ceil(life.gone / RESOLUTION) * RESOLUTION - RESOLUTION  # its last world tick
            story = self._story(life, last)
            _, containers = self._containers.of(story)
            events = story_events(story, self._start, containers, self._worlds)
            return _Told(len(life.phases), story, containers, events)
        phase = max(0, bisect.bisect_right(life.starts, at) - 1)
        if cached is not None and cached.phase == phase:
            # Same phase, same stretches: only the present moves on.
            present = replace(cached.story.current, end=at)
            story = replace(
                cached.story,
                pod=life.pod_at(at, self._start),
                at=at,
                segments=(*cached.story.segments[:-1], present),
            )
            return replace(cached, story=story)
        story = self._story(life, at)
        return _Told(phase, story, self._containers.of(story)[1])

    def _story(self, life: PodLife, at: float) -> Story:
        return pod_story(self._worlds, life.namespace, life.name, at)
