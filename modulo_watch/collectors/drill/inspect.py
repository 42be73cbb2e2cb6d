"""The drill's pod inspector: describe and logs of the scenario's pods at the drill's current time.

Everything is computed from the scenario (``Scenario.world_at``), so it is deterministic: the same
pod at the same drill moment always has the same detail and the same log. A followed log gets the
lines written as the drill clock moves on, and ends when the container does, as ``kubectl logs -f``.
Stories cost tens of milliseconds of sampling, so they are worked out in a thread.
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import AsyncGenerator, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol, TypeVar

from modulo_watch.collectors.drill.engine import Scenario
from modulo_watch.collectors.drill.inspect_containers import PodContainers
from modulo_watch.collectors.drill.inspect_describe import DrillPod, describe_pod
from modulo_watch.collectors.drill.inspect_logs import ConditionsAt, LogWriter
from modulo_watch.collectors.drill.inspect_pod import host_ip
from modulo_watch.collectors.drill.inspect_story import Run, Worlds, main_runs, pod_story, sidecar_run
from modulo_watch.collectors.drill.log_texts import Facts
from modulo_watch.collectors.inspect import LOG_TAIL, InspectError, LogLine, PodDetail

FOLLOW_POLL = 0.25  # real seconds between looks at the drill clock while following
MAX_BURST = 1000  # the most lines a follow hands over at once, after a jump ahead

T = TypeVar("T")


class DrillTime(Protocol):
    """What the inspector needs of the drill's clock (``DrillClock`` has it)."""

    @property
    def elapsed(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class DrillInspector:
    def __init__(self, scenario: Scenario, clock: DrillTime, start: datetime) -> None:
        self._clock = clock
        self._start = start
        self._worlds = Worlds(scenario, start)
        self._conditions = ConditionsAt(self._worlds)
        self._lock = threading.Lock()  # the world caches are shared by the worker threads
        self._containers = PodContainers(self._worlds)

    async def _in_thread(self, work: Callable[[], T]) -> T:
        def locked() -> T:
            with self._lock:
                return work()

        return await asyncio.to_thread(locked)

    # --- the pod ----------------------------------------------------------------------------------------

    def _pod(self, namespace: str, name: str, at: float) -> DrillPod:
        story = pod_story(self._worlds, namespace, name, at)
        workload, specs = self._containers.of(story)
        database_full = self._conditions(story.current.start, 15.0, "", "").database_full
        runs = tuple(main_runs(story, database_full))
        return DrillPod(story, workload, specs, runs, sidecar_run(story), self._start)

    async def describe(self, namespace: str, name: str) -> PodDetail:
        at = self._clock.elapsed
        return await self._in_thread(lambda: describe_pod(self._pod(namespace, name, at), self._worlds))

    async def selector_pods(self, namespace: str, selector: str) -> list[str]:
        terms = [term.partition("=") for term in selector.split(",")]
        if any(not sep or not key for key, sep, _ in terms):
            raise InspectError(f"unable to parse requirement: {selector!r} (the drill takes key=value terms)")
        wanted = {key.strip(): value.strip() for key, _, value in terms}
        world = await self._in_thread(lambda: self._worlds.at(self._clock.elapsed))
        return sorted(
            pod.name
            for pod in world.pods.pods
            if pod.namespace == namespace and all(dict(pod.labels).get(k) == v for k, v in wanted.items())
        )

    async def aclose(self) -> None:
        """Nothing to release: the drill computes, it does not connect."""

    # --- logs -------------------------------------------------------------------------------------------

    def _run_of(self, pod: DrillPod, container: str | None, previous: bool) -> tuple[Run, Facts]:
        """The run whose log is asked for, or the API's error for it."""
        story = pod.story
        name, names = story.pod.name, [spec.name for spec in pod.containers]
        if container is None and len(names) > 1:
            choices = " ".join(names)
            raise InspectError(
                f"a container name must be specified for pod {name}, choose one of: [{choices}]"
            )
        container = container or names[0]
        if container not in names:
            raise InspectError(f"container {container} is not valid for pod {name}")
        if story.current.status == "Unknown":
            host = host_ip(story.current.node)
            raise InspectError(
                f'Get "https://{host}:10250/containerLogs/{story.pod.namespace}/{name}/{container}": '
                f"dial tcp {host}:10250: connect: no route to host"
            )
        spec = pod.containers[names.index(container)]
        if container == names[0]:
            runs = list(pod.main_runs)
        else:
            runs = [pod.sidecar_run] if pod.sidecar_run is not None else []
        facts = Facts(pod.workload.name, container, spec.version, pod.ip, story.pod.namespace)
        if previous:
            if len(runs) < 2:
                raise InspectError(f'previous terminated container "{container}" in pod "{name}" not found')
            return runs[-2], facts
        if not runs:
            if not story.current.node:
                raise InspectError(f"pod {name} does not have a host assigned")
            reason = story.current.status
            raise InspectError(f'container "{container}" in pod "{name}" is waiting to start: {reason}')
        return runs[-1], facts

    def _writer(self, pod: DrillPod) -> LogWriter:
        app = dict(pod.story.pod.labels).get("app", "")
        return LogWriter(self._conditions, self._start, pod.story.key, pod.story.current.node, app)

    def _lines(
        self, pod: DrillPod, run: Run, facts: Facts, low: float, high: float, limit: int | None
    ) -> list[LogLine]:
        stamped = self._writer(pod).lines(run, facts, low, high, limit)
        name = pod.story.pod.name
        return [
            LogLine(name, facts.container, text, self._start + timedelta(seconds=t)) for t, text in stamped
        ]

    def _run_now(self, pod: DrillPod, run: Run, at: float) -> tuple[DrillPod, Run] | None:
        """The same run as seen at ``at`` (its end may be known by now); None when the pod is gone."""
        story = pod.story
        now = self._worlds.pod(at, story.pod.namespace, story.pod.name, story.pod.created_at)
        if now is None:
            return None
        if (now.status, now.restarts) == (story.pod.status, story.pod.restarts):
            return pod, run
        later = self._pod(story.pod.namespace, story.pod.name, at)
        runs = [*later.main_runs, *([later.sidecar_run] if later.sidecar_run else [])]
        same = next((r for r in runs if r.start == run.start), None)
        return None if same is None else (later, same)

    async def logs(
        self,
        namespace: str,
        name: str,
        *,
        container: str | None = None,
        tail: int | None = LOG_TAIL,
        previous: bool = False,
        follow: bool = False,
        since: datetime | None = None,
    ) -> AsyncGenerator[LogLine, None]:
        at = self._clock.elapsed
        # A timestamp keeps microseconds: half of one more, so the line it came from is not repeated.
        low = -math.inf if since is None else (since - self._start).total_seconds() + 5e-7

        def first() -> tuple[DrillPod, Run, Facts, list[LogLine]]:
            pod = self._pod(namespace, name, at)
            run, facts = self._run_of(pod, container, previous)
            return pod, run, facts, self._lines(pod, run, facts, low, at, None if since else tail)

        pod, run, facts, lines = await self._in_thread(first)
        for line in lines:
            yield line
        last = at
        while follow and not previous and not run.ended_by(last):
            await self._clock.sleep(FOLLOW_POLL)
            now = self._clock.elapsed
            if now <= last:
                continue  # the drill is paused
            found = await self._in_thread(partial(self._run_now, pod, run, now))
            if found is None:
                return  # the pod is gone
            pod, run = found
            for line in await self._in_thread(partial(self._lines, pod, run, facts, last, now, MAX_BURST)):
                yield line
            last = now
