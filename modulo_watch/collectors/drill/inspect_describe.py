"""``kubectl describe pod`` for a drill pod: its story turned into a ``PodDetail``.

The container states agree with the pods table: a CrashLoopBackOff row shows a container waiting in
back-off with the last run's termination (reason, exit code, times); an Evicted row the kubelet's
message; a Pending row the scheduler's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from modulo_watch.collectors.drill.inspect_events import (
    eviction_message,
    pending_nodes,
    story_events,
    unschedulable_message,
)
from modulo_watch.collectors.drill.inspect_pod import ContainerSpec, Workload, host_ip, pod_ip, uid_of
from modulo_watch.collectors.drill.inspect_story import WAITING_STATUSES, Run, Story, Worlds
from modulo_watch.collectors.inspect import ContainerDetail, ContainerState, PodCondition, PodDetail

# How a run's ending shows as a termination: (reason, exit code). A Go panic exits 2, SIGKILL 137.
TERMINATIONS = {
    "panic": ("Error", 2),
    "db": ("Error", 1),
    "oom": ("OOMKilled", 137),
    "stop": ("Completed", 0),
    "completed": ("Completed", 0),
    "evicted": ("ContainerStatusUnknown", 137),
}
_LOST_CONTAINER = "The container could not be located when the pod was terminated"
_PHASES = {"Evicted": "Failed", "Completed": "Succeeded"}


@dataclass(frozen=True, slots=True)
class DrillPod:
    """A story with what the pod is made of: enough to describe it and to write its logs."""

    story: Story
    workload: Workload
    containers: tuple[ContainerSpec, ...]
    main_runs: tuple[Run, ...]
    sidecar_run: Run | None
    start: datetime

    @property
    def uid(self) -> str:
        return uid_of(self.story.key)

    @property
    def ip(self) -> str:
        node = self.story.current.node
        return pod_ip(node, self.story.key) if node else ""

    def moment(self, seconds: float) -> datetime:
        return self.start + timedelta(seconds=seconds)

    def terminated(self, run: Run) -> ContainerState:
        reason, code = TERMINATIONS.get(run.ending, ("Error", 1))
        message = _LOST_CONTAINER if run.ending == "evicted" else ""
        finished = None if run.end is None else self.moment(run.end)
        return ContainerState("Terminated", reason, message, code, 0, self.moment(run.start), finished)


def _back_off(restarts: int) -> str:
    """The kubelet's back-off before the next restart, as Go prints a duration."""
    seconds = min(10 * 2 ** max(restarts - 1, 0), 300)
    return f"{seconds // 60}m{seconds % 60}s" if seconds >= 60 else f"{seconds}s"


def _waiting(pod: DrillPod, status: str) -> ContainerState:
    spec = pod.containers[0]
    messages = {
        "ImagePullBackOff": f'Back-off pulling image "{spec.image}"',
        "ErrImagePull": f'rpc error: code = NotFound desc = failed to pull and unpack image "{spec.image}"',
        "CreateContainerConfigError": f'secret "{spec.name}-env" not found',
    }
    return ContainerState("Waiting", status, messages.get(status, ""))


def _main_container(pod: DrillPod) -> ContainerDetail:
    story, spec = pod.story, pod.containers[0]
    status, at = story.current.status, story.at
    runs = pod.main_runs
    ended = [run for run in runs if run.ended_by(at)]
    current = runs[-1] if runs else None
    last = pod.terminated(ended[-1]) if ended else None
    if status in WAITING_STATUSES:
        state = _waiting(pod, status) if story.current.node else ContainerState("")
    elif status == "CrashLoopBackOff":
        message = (
            f"back-off {_back_off(story.pod.restarts)} restarting failed container={spec.name} "
            f"pod={story.pod.name}_{story.pod.namespace}({pod.uid})"
        )
        state = ContainerState("Waiting", "CrashLoopBackOff", message)
    elif current is not None and not current.ended_by(at):
        state = ContainerState("Running", started_at=pod.moment(current.start))
    elif current is not None:  # stopped for good: its own end is the state, the one before the last
        state = pod.terminated(current)
        last = pod.terminated(ended[-2]) if len(ended) > 1 else None
    else:
        state = ContainerState("")
    return ContainerDetail(
        spec.name,
        spec.image,
        state.kind == "Running" and status == "Running",
        story.pod.restarts,
        state,
        last,
        spec.requests,
        spec.limits,
    )


def _sidecar(pod: DrillPod, spec: ContainerSpec) -> ContainerDetail:
    run, story = pod.sidecar_run, pod.story
    if run is None:
        state = _waiting(pod, "ContainerCreating") if story.current.node else ContainerState("")
    elif run.ended_by(story.at):
        state = pod.terminated(run)
    else:
        state = ContainerState("Running", started_at=pod.moment(run.start))
    ready = state.kind == "Running" and story.current.status != "Unknown"
    return ContainerDetail(spec.name, spec.image, ready, 0, state, None, spec.requests, spec.limits)


def _conditions(
    pod: DrillPod, containers: tuple[ContainerDetail, ...], pending: str
) -> tuple[PodCondition, ...]:
    story = pod.story
    since = pod.moment(story.current.start)
    scheduled = next((segment.start for segment in story.segments if segment.node), None)
    if scheduled is None:
        return (PodCondition("PodScheduled", "False", "Unschedulable", pending, since),)
    scheduled_at = pod.moment(scheduled)
    unready = [c.name for c in containers if not c.ready]
    ready = "False" if unready else "True"
    reason = "ContainersNotReady" if unready else ""
    message = f"containers with unready status: [{' '.join(unready)}]" if unready else ""
    started = "False" if story.current.status in WAITING_STATUSES else "True"
    conditions = [
        PodCondition("PodReadyToStartContainers", started, last_transition=scheduled_at),
        PodCondition("Initialized", "True", last_transition=scheduled_at),
        PodCondition("Ready", ready, reason, message, since),
        PodCondition("ContainersReady", ready, reason, message, since),
        PodCondition("PodScheduled", "True", last_transition=scheduled_at),
    ]
    if story.current.status == "Evicted":
        evicted = eviction_message(pod.containers[0].name)
        conditions.insert(0, PodCondition("DisruptionTarget", "True", "TerminationByKubelet", evicted, since))
    return tuple(conditions)


def describe_pod(pod: DrillPod, worlds: Worlds) -> PodDetail:
    story = pod.story
    containers = (_main_container(pod), *(_sidecar(pod, spec) for spec in pod.containers[1:]))
    unscheduled = pending_nodes(story, worlds)
    current = story.current
    pending = unschedulable_message(unscheduled[current.start]) if current.start in unscheduled else ""
    reason = message = ""
    if current.status == "Evicted":
        reason, message = "Evicted", eviction_message(pod.containers[0].name)
    elif current.status == "Unknown":
        reason, message = (
            "NodeLost",
            f"Node {current.node} which was running pod {story.pod.name} is unresponsive",
        )
    scheduled = next((segment.start for segment in story.segments if segment.node), None)
    events = story_events(story, pod.start, pod.containers, worlds)
    return PodDetail(
        namespace=story.pod.namespace,
        name=story.pod.name,
        status=story.pod.status,
        phase=_PHASES.get(current.status, "Pending" if current.status in WAITING_STATUSES else "Running"),
        ready=f"{story.pod.ready_containers}/{story.pod.total_containers}",
        restarts=story.pod.restarts,
        node=current.node,
        created_at=story.pod.created_at,
        start_time=None if scheduled is None else pod.moment(scheduled),
        host_ip=host_ip(current.node) if current.node else "",
        pod_ips=(pod.ip,) if pod.ip and current.status not in ("Evicted", "Completed") else (),
        qos_class="Burstable",  # the drill sets requests below limits
        labels=tuple(sorted(story.pod.labels)),
        owner=pod.workload.owner,
        reason=reason,
        message=message,
        conditions=_conditions(pod, containers, pending),
        containers=containers,
        events=events,
    )
