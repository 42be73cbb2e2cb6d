"""One pod up close: what ``kubectl describe pod`` and ``kubectl logs`` show.

The frozen models here are filled by a live cluster (``kube.inspect``) or by a drill
(``drill.inspect``); the pod detail screen only knows the ``PodInspector`` protocol. Values stay raw,
as the source sent them: making them safe for the terminal is the display layer's job.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import AsyncGenerator, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from modulo_watch.collectors.models import KubeEvent

LOG_TAIL = 100  # kubectl logs --tail: the lines a view starts with
MAX_SELECTOR_PODS = 10  # kubectl logs -l caps concurrent streams too (--max-log-requests)
# The labels that name "the app" a pod belongs to, most specific first (kubectl logs -l app=...).
APP_LABELS = ("app.kubernetes.io/name", "app", "k8s-app")


class InspectError(Exception):
    """Why a pod could not be described, or its logs read: one line, for the screen."""


@dataclass(frozen=True, slots=True)
class PodCondition:
    type: str
    status: str  # "True", "False", "Unknown"
    reason: str = ""
    message: str = ""
    last_transition: datetime | None = None


@dataclass(frozen=True, slots=True)
class ContainerState:
    """One of a container's states: Running, Waiting or Terminated ("" when not reported yet)."""

    kind: str
    reason: str = ""
    message: str = ""
    exit_code: int | None = None
    signal: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ContainerDetail:
    name: str
    image: str
    ready: bool
    restart_count: int
    state: ContainerState
    last_state: ContainerState | None = None  # the last termination, when there was one
    requests: tuple[tuple[str, str], ...] = ()  # ("cpu", "250m"), ("memory", "256Mi")
    limits: tuple[tuple[str, str], ...] = ()
    init: bool = False


@dataclass(frozen=True, slots=True)
class PodDetail:
    namespace: str
    name: str
    status: str  # kubectl's STATUS column
    phase: str
    ready: str  # "1/2"
    restarts: int
    node: str
    created_at: datetime | None
    start_time: datetime | None = None
    host_ip: str = ""
    pod_ips: tuple[str, ...] = ()
    qos_class: str = ""
    labels: tuple[tuple[str, str], ...] = ()
    owner: str = ""  # "ReplicaSet/modulo-api-5659dd754f"
    reason: str = ""  # the pod's own reason and message ("Evicted", "The node was low on ...")
    message: str = ""
    conditions: tuple[PodCondition, ...] = ()
    init_containers: tuple[ContainerDetail, ...] = ()
    containers: tuple[ContainerDetail, ...] = ()
    events: tuple[KubeEvent, ...] = ()  # newest first
    events_error: str = ""  # the events could not be read (RBAC, timeout): the rest still shows
    default_container: str = ""  # kubectl.kubernetes.io/default-container

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def container_names(self) -> tuple[str, ...]:
        """The containers whose logs can be read, the default one first."""
        names = [c.name for c in (*self.containers, *self.init_containers)]
        if self.default_container in names:
            names.remove(self.default_container)
            names.insert(0, self.default_container)
        return tuple(names)

    @property
    def app_selector(self) -> str | None:
        """The label selector for "every pod of this app", as ``kubectl logs -l app=modulo-api``."""
        labels = dict(self.labels)
        for label in APP_LABELS:
            if labels.get(label):
                return f"{label}={labels[label]}"
        return None


@dataclass(frozen=True, slots=True)
class LogLine:
    """A line of a container's log. ``note`` lines are ours (a pod's stream failed, the stream ended)."""

    pod: str
    container: str
    text: str
    timestamp: datetime | None = None
    note: bool = False


class PodInspector(Protocol):
    """A pod's detail and logs, from a cluster or a drill. Failures raise ``InspectError``."""

    async def describe(self, namespace: str, name: str) -> PodDetail: ...

    def logs(
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
        """The last ``tail`` lines (all with None), then new ones while ``follow``.

        With ``since``, only lines stamped after it: how a view resumes following without repeats.
        """
        ...

    async def selector_pods(self, namespace: str, selector: str) -> list[str]:
        """The names of the pods matching a label selector, sorted."""
        ...

    async def aclose(self) -> None: ...


# --- every pod of an app, interleaved ---------------------------------------------------------------------


async def _tail_of(
    inspector: PodInspector, namespace: str, pod: str, container: str, tail: int
) -> list[LogLine]:
    try:
        return [line async for line in inspector.logs(namespace, pod, container=container, tail=tail)]
    except InspectError as error:
        return [LogLine(pod, container, str(error), note=True)]


def _by_time(lines: Iterable[list[LogLine]]) -> list[LogLine]:
    """Each pod's lines are in order already: merge them by timestamp, unstamped notes first."""
    return list(heapq.merge(*lines, key=lambda line: (line.timestamp is not None, line.timestamp or 0)))


async def interleaved_logs(
    inspector: PodInspector,
    namespace: str,
    pods: list[str],
    *,
    container: str,
    tail: int = LOG_TAIL,
    follow: bool = False,
) -> AsyncGenerator[LogLine, None]:
    """The logs of several pods as one stream: each pod's tail, merged by time, then (``follow``)
    every new line as it comes. A pod that fails contributes one note line, not an error."""
    tails = await asyncio.gather(*(_tail_of(inspector, namespace, pod, container, tail) for pod in pods))
    for line in _by_time(tails):
        yield line
    if not follow:
        return
    last_seen = {
        pod: max((line.timestamp for line in lines if line.timestamp is not None), default=None)
        for pod, lines in zip(pods, tails, strict=True)
    }
    # Unbounded: the screen drains it at once into its own bounded buffer. None: a pod's stream ended.
    queue: asyncio.Queue[LogLine | None] = asyncio.Queue()

    async def pump(pod: str) -> None:
        since = last_seen[pod]
        try:
            async for line in inspector.logs(
                namespace,
                pod,
                container=container,
                tail=0 if since is None else None,
                follow=True,
                since=since,
            ):
                queue.put_nowait(line)
        except InspectError as error:
            queue.put_nowait(LogLine(pod, container, str(error), note=True))
        finally:
            queue.put_nowait(None)

    # A pod whose tail failed (not started, no such container) said why once; it is not followed.
    readable = [pod for pod, lines in zip(pods, tails, strict=True) if not (lines and lines[0].note)]
    tasks = [asyncio.create_task(pump(pod)) for pod in readable]
    streaming = len(tasks)
    try:
        while streaming:
            arrived = await queue.get()
            if arrived is None:
                streaming -= 1
            else:
                yield arrived
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
