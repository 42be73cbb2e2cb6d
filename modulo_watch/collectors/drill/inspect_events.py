"""The events a drill pod's story leaves, as the scheduler and the kubelet would record them.

Only events seen within the last hour are kept, as the API server's event TTL does.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from modulo_watch.collectors.drill.inspect_pod import ContainerSpec, pod_ip, uid_of
from modulo_watch.collectors.drill.inspect_story import Segment, Story, Worlds
from modulo_watch.collectors.drill.noise import mix
from modulo_watch.collectors.drill.pod_life import crash_restarts
from modulo_watch.collectors.models import KubeEvent, Node

EVENT_TTL = 3600.0
PULL_SECONDS = 3.0
_IMAGE_SIZE = 48_213_344


@dataclass(frozen=True, slots=True)
class EventContext:
    story: Story
    start: datetime
    containers: tuple[ContainerSpec, ...]
    uid: str
    ip: str


def unschedulable_message(nodes: tuple[Node, ...]) -> str:
    """The scheduler's FailedScheduling message for a pod no node can take."""
    reasons: Counter[str] = Counter()
    for node in nodes:
        if "control-plane" in node.roles:
            reasons["node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"] += 1
        elif not node.ready:
            reasons["node(s) had untolerated taint {node.kubernetes.io/not-ready: }"] += 1
        elif "DiskPressure" in node.pressures:
            reasons["node(s) had untolerated taint {node.kubernetes.io/disk-pressure: }"] += 1
        elif node.unschedulable:
            reasons["node(s) were unschedulable"] += 1
        else:
            reasons["Insufficient cpu"] += 1
    parts = ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items()))
    total = len(nodes)
    return (
        f"0/{total} nodes are available: {parts}. preemption: 0/{total} nodes are available: "
        f"{total} No preemption victims found for incoming pod."
    )


def eviction_message(container: str) -> str:
    return (
        "The node was low on resource: ephemeral-storage. Threshold quantity: 2136746229, available: "
        f"1794136Ki. Container {container} was using 10485760Ki, request is 0, has larger consumption "
        "of ephemeral-storage."
    )


class _Recorder:
    def __init__(self, context: EventContext) -> None:
        self.context = context
        self.events: list[KubeEvent] = []

    def add(
        self,
        reason: str,
        message: str,
        first: float,
        last: float | None = None,
        *,
        count: int = 1,
        warning: bool = False,
        source: str = "",
    ) -> None:
        story, start = self.context.story, self.context.start
        last = first if last is None else last
        if last > story.at or last < story.at - EVENT_TTL:
            return
        pod = story.pod
        node = story.current.node or pod.node
        self.events.append(
            KubeEvent(
                namespace=pod.namespace,
                name=f"{pod.name}.{mix(story.key, len(self.events), int(first)) & (2**64 - 1):016x}",
                type="Warning" if warning else "Normal",
                reason=reason,
                message=message,
                involved_kind="Pod",
                involved_name=pod.name,
                count=max(count, 1),
                first_seen=start + timedelta(seconds=first),
                last_seen=start + timedelta(seconds=last),
                source=source or (f"kubelet, {node}" if node else "kubelet"),
            )
        )


def _following(story: Story, segment: Segment) -> Segment | None:
    index = story.segments.index(segment)
    return story.segments[index + 1] if index + 1 < len(story.segments) else None


def _restarts_in(story: Story, segment: Segment) -> int:
    following = _following(story, segment)
    return (following.pod if following else story.pod).restarts - segment.pod.restarts


def _creating(record: _Recorder, segment: Segment) -> None:
    context = record.context
    pod, at = context.story.pod, segment.start
    record.add(
        "Scheduled",
        f"Successfully assigned {pod.namespace}/{pod.name} to {segment.node}",
        at,
        source="default-scheduler",
    )
    for container in context.containers:
        record.add("Pulling", f'Pulling image "{container.image}"', at + 0.5)
        record.add(
            "Pulled",
            f'Successfully pulled image "{container.image}" in {PULL_SECONDS:.3f}s '
            f"({PULL_SECONDS:.3f}s including waiting). Image size: {_IMAGE_SIZE} bytes.",
            at + 0.5 + PULL_SECONDS,
        )
        record.add("Created", f"Created container {container.name}", segment.end - 0.5)
        record.add("Started", f"Started container {container.name}", segment.end)


def _crash_loop(record: _Recorder, segment: Segment) -> None:
    context = record.context
    story, app = context.story, context.containers[0]
    restarts = _restarts_in(story, segment)
    last = min(segment.end, story.at)
    pod = story.pod
    record.add(
        "BackOff",
        f"Back-off restarting failed container {app.name} in pod {pod.name}_{pod.namespace}({context.uid})",
        segment.start + 1,
        last,
        count=restarts + 1,
        warning=True,
    )
    record.add(
        "Unhealthy",
        f'Readiness probe failed: Get "http://{context.ip}:8080/readyz": dial tcp {context.ip}:8080: '
        "connect: connection refused",
        segment.start,
        last,
        count=2 * restarts + 1,
        warning=True,
    )
    if restarts:
        first_restart = segment.start + 10
        last_restart = segment.start + crash_restarts(last - segment.start)[1]
        for reason, message in (
            ("Pulled", f'Container image "{app.image}" already present on machine'),
            ("Created", f"Created container {app.name}"),
            ("Started", f"Started container {app.name}"),
        ):
            record.add(reason, message, first_restart, last_restart, count=restarts)


def pod_events(context: EventContext, nodes_at: dict[float, tuple[Node, ...]]) -> tuple[KubeEvent, ...]:
    """The pod's events, newest first; ``nodes_at`` gives the nodes at each Pending segment's start."""
    record = _Recorder(context)
    story = context.story
    for segment in story.segments:
        status = segment.status
        if status == "ContainerCreating":
            _creating(record, segment)
        elif status == "Pending" and segment.start in nodes_at:
            message = unschedulable_message(nodes_at[segment.start])
            end = min(segment.end, story.at)
            count = 1 + int((end - segment.start) // 60)
            record.add(
                "FailedScheduling",
                message,
                segment.start,
                end,
                count=count,
                warning=True,
                source="default-scheduler",
            )
        elif status == "CrashLoopBackOff":
            _crash_loop(record, segment)
        elif status in ("Terminating", "Evicted"):
            if status == "Evicted":
                record.add(
                    "Evicted", eviction_message(context.containers[0].name), segment.start, warning=True
                )
            for container in context.containers:
                record.add("Killing", f"Stopping container {container.name}", segment.start)
        elif status == "Unknown":
            record.add(
                "NodeNotReady", "Node is not ready", segment.start, warning=True, source="node-controller"
            )
        elif status in ("ImagePullBackOff", "ErrImagePull"):
            _pull_failures(record, segment)
        elif status == "CreateContainerConfigError":
            name = context.containers[0].name
            end = min(segment.end, story.at)
            record.add(
                "Failed",
                f'Error: secret "{name}-env" not found',
                segment.start,
                end,
                count=1 + int((end - segment.start) // 10),
                warning=True,
            )
    return tuple(sorted(record.events, key=lambda e: e.last_seen or context.start, reverse=True))


def _pull_failures(record: _Recorder, segment: Segment) -> None:
    image = record.context.containers[0].image
    end = min(segment.end, record.context.story.at)
    count = 1 + int((end - segment.start) // 30)
    record.add(
        "Failed",
        f'Failed to pull image "{image}": rpc error: code = NotFound desc = failed to pull and unpack image '
        f'"{image}": failed to resolve reference "{image}": not found',
        segment.start,
        end,
        count=count,
        warning=True,
    )
    record.add("BackOff", f'Back-off pulling image "{image}"', segment.start + 1, end, count=count)


def pending_nodes(story: Story, worlds: Worlds) -> dict[float, tuple[Node, ...]]:
    """The nodes as the scheduler saw them when each of the pod's unscheduled stretches began."""
    return {
        segment.start: worlds.at(segment.start).nodes.nodes
        for segment in story.segments
        if segment.status == "Pending" and not segment.node
    }


def story_events(
    story: Story, start: datetime, containers: tuple[ContainerSpec, ...], worlds: Worlds
) -> tuple[KubeEvent, ...]:
    """The pod's events, newest first: its detail and the cluster's event list both show these."""
    node = story.current.node
    context = EventContext(
        story, start, containers, uid_of(story.key), pod_ip(node, story.key) if node else ""
    )
    return pod_events(context, pending_nodes(story, worlds))
