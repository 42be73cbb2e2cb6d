"""A drill pod's story: the statuses it went through, and the runs of its containers.

The scenario engine answers one question, the world at a moment (``Scenario.world_at``). A pod's
history is read from it by sampling: from the present, gallop back until the status differs, then
bisect to the moment it changed. A drill pod has a handful of statuses in its life, so a story
costs a few dozen worlds (about half a millisecond each), and the same moment always tells the
same story.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime

from modulo_watch.collectors.drill.engine import Scenario, World
from modulo_watch.collectors.drill.noise import mix, text_key, unit
from modulo_watch.collectors.drill.pod_life import CRASH_STATUSES, crash_restarts
from modulo_watch.collectors.inspect import InspectError
from modulo_watch.collectors.models import Pod

RESOLUTION = 0.25  # seconds: the drill's own world tick
RUN_SECONDS = 6.0  # how long a crash-looping container runs before it crashes again (pod_life)
GRACE_EXIT = 2.0  # a container told to stop (SIGTERM) exits this long after
MAX_SEGMENTS = 8
_CACHED_WORLDS = 256

WAITING_STATUSES = frozenset(
    {"Pending", "ContainerCreating", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError"}
)
STOPPED_STATUSES = frozenset({"Evicted", "Completed"})


class Worlds:
    """The scenario's worlds at sampled moments, the most recent few hundred kept."""

    def __init__(self, scenario: Scenario, start: datetime) -> None:
        self.scenario = scenario
        self.start = start
        self._worlds: OrderedDict[float, World] = OrderedDict()

    def at(self, elapsed: float) -> World:
        tick = elapsed - elapsed % RESOLUTION
        world = self._worlds.get(tick)
        if world is None:
            world = self._worlds[tick] = self.scenario.world_at(tick, self.start)
            if len(self._worlds) > _CACHED_WORLDS:
                self._worlds.popitem(last=False)
        else:
            self._worlds.move_to_end(tick)
        return world

    def pod(
        self, elapsed: float, namespace: str, name: str, created_at: datetime | None = None
    ) -> Pod | None:
        """The pod of that name at ``elapsed``; with ``created_at``, only that very pod (a StatefulSet
        pod's replacement has the same name)."""
        for pod in self.at(elapsed).pods.pods:
            if pod.name == name and pod.namespace == namespace:
                return pod if created_at is None or pod.created_at == created_at else None
        return None


@dataclass(frozen=True, slots=True)
class Segment:
    """From ``start`` to ``end`` the pod showed ``status`` on ``node``; ``pod`` is how it looked then."""

    start: float
    end: float
    status: str
    node: str
    pod: Pod


@dataclass(frozen=True, slots=True)
class Run:
    """One run of a container: started at ``start``, ended at ``end`` (None: still running, end unknown).

    ``ending`` says how it ended: "panic", "oom", "db" (no database), "stop" (asked to stop),
    "evicted", "completed", "" while it runs. A crash run's end is known in advance.
    """

    start: float
    end: float | None
    ending: str = ""
    index: int = 0  # which restart this run is: the seed of what it logs

    def ended_by(self, at: float) -> bool:
        return self.end is not None and self.end <= at


@dataclass(frozen=True, slots=True)
class Story:
    pod: Pod
    at: float
    born: float
    segments: tuple[Segment, ...]  # oldest first; the last one is the present
    key: int  # this pod's seed

    @property
    def current(self) -> Segment:
        return self.segments[-1]


def _earliest(worlds: Worlds, pod: Pod, status: str, low: float, high: float) -> float:
    """The start of the stretch of ``status`` that contains ``high``, to the world tick."""

    def same(tick: int) -> bool:
        other = worlds.pod(tick * RESOLUTION, pod.namespace, pod.name, pod.created_at)
        return other is not None and other.status == status

    # In whole ticks, so every probe is a world the cache can share.
    first, good = math.ceil(low / RESOLUTION), math.floor(high / RESOLUTION)
    step = 1
    while True:
        probe = good - step
        if probe <= first:
            if same(first):
                return max(low, first * RESOLUTION)
            bad = first
            break
        if not same(probe):
            bad = probe
            break
        good, step = probe, step * 2
    while good - bad > 1:
        middle = (good + bad) // 2
        if same(middle):
            good = middle
        else:
            bad = middle
    return good * RESOLUTION


def pod_story(worlds: Worlds, namespace: str, name: str, at: float) -> Story:
    pod = worlds.pod(at, namespace, name)
    if pod is None:
        raise InspectError(f'pods "{name}" not found')
    born = (pod.created_at - worlds.start).total_seconds()
    segments: list[Segment] = []
    end, status = at, pod.status
    while len(segments) < MAX_SEGMENTS:
        begin = _earliest(worlds, pod, status, born, end)
        first = worlds.pod(begin, namespace, name, pod.created_at) or pod
        segments.append(Segment(begin, end, status, first.node, first))
        if begin <= born:
            break
        before = worlds.pod(begin - RESOLUTION, namespace, name, pod.created_at)
        if before is None:
            break
        end, status = begin, before.status
    key = mix(text_key(pod.key), int(born))
    return Story(pod, at, born, tuple(reversed(segments)), key)


# --- container runs ---------------------------------------------------------------------------------------


def crash_kind(story: Story, index: int, database_down: bool) -> str:
    """How run ``index`` of a crash-looping container dies: the database refusing it, the heap
    outgrowing the memory limit, or the panic the bad build carries."""
    if story.current.status == "OOMKilled":
        return "oom"
    if database_down:
        return "db"
    return "oom" if unit(story.key, index, 7) < 0.35 else "panic"


def _restart_offsets(segment: Segment) -> list[tuple[int, float]]:
    """The last two restarts of a crash segment: (restart number, seconds after the segment began)."""
    offsets: list[tuple[int, float]] = []
    seconds = segment.end - segment.start
    for _ in range(2):
        found, offset = crash_restarts(seconds)
        if not found:
            break
        offsets.append((segment.pod.restarts + found, offset))
        seconds = offset - 1e-6
    return list(reversed(offsets))


def main_runs(story: Story, database_down: bool) -> list[Run]:
    """The app container's recent runs, oldest first (only the last two are ever shown)."""
    runs: list[Run] = []
    first = story.segments[0]
    last_restart = first.pod.last_restart_at
    if first.pod.restarts and last_restart is not None:  # an old restart, from before the drill
        ended = story.born + (last_restart - story.pod.created_at).total_seconds()
        ending = "oom" if unit(story.key, 3) < 0.5 else "panic"
        runs.append(Run(story.born, ended, ending, first.pod.restarts - 1))
    for segment in story.segments:
        running = bool(runs) and runs[-1].end is None
        status = segment.status
        if status == "Running" and not running:
            start = max(segment.start, runs[-1].end or segment.start) if runs else segment.start
            runs.append(Run(start, None, index=segment.pod.restarts))
        elif status == "Terminating" and running:
            runs[-1] = replace(runs[-1], end=segment.start + GRACE_EXIT, ending="stop")
        elif status in STOPPED_STATUSES and running:
            ending = "evicted" if status == "Evicted" else "completed"
            runs[-1] = replace(runs[-1], end=segment.start, ending=ending)
        elif status in CRASH_STATUSES:
            ending = crash_kind(story, segment.pod.restarts, database_down)
            if running:  # the process that was serving dies as the loop begins
                runs[-1] = replace(runs[-1], end=segment.start, ending=ending)
            else:
                start = max(segment.start - RUN_SECONDS, story.born)
                runs.append(Run(start, segment.start, ending, segment.pod.restarts))
            if status == "CrashLoopBackOff":  # Error and OOMKilled stay down
                runs.extend(_restarted_runs(story, segment, database_down))
    return runs


def _restarted_runs(story: Story, segment: Segment, database_down: bool) -> list[Run]:
    """The last two runs the kubelet restarted within a crash-loop segment."""
    runs = []
    for number, offset in _restart_offsets(segment):
        start = segment.start + offset
        runs.append(Run(start, start + RUN_SECONDS, crash_kind(story, number, database_down), number))
    return runs


def sidecar_run(story: Story) -> Run | None:
    """A sidecar starts with the pod and runs until the pod stops; it never crashes here."""
    started = next((s for s in story.segments if s.status not in WAITING_STATUSES), None)
    if started is None:
        return None
    stopped = next((s for s in story.segments if s.status in STOPPED_STATUSES | {"Terminating"}), None)
    if stopped is None:
        return Run(started.start, None)
    if stopped.status == "Terminating":
        return Run(started.start, stopped.start + GRACE_EXIT, "stop")
    return Run(started.start, stopped.start, "evicted" if stopped.status == "Evicted" else "completed")
