"""What ``kubectl get pods`` and ``kubectl get nodes`` show, computed from the wire structs.

The pod logic is a port of ``printPod`` in k8s.io/kubernetes pkg/printers/internalversion/printers.go
(the STATUS, READY and RESTARTS columns), kept in the same order so the two can be compared line by
line: a responder who sees "Init:CrashLoopBackOff" here must see the same in kubectl.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from modulo_watch.collectors.kube import wire

_NODE_UNREACHABLE = "NodeLost"  # the reason the node lifecycle controller gives pods on a lost node
_TERMINAL_PHASES = frozenset({"Succeeded", "Failed"})
# Node conditions that are bad news when True; the drill emits the same names.
_NODE_PROBLEMS = frozenset({"MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable"})
_ROLE_PREFIX = "node-role.kubernetes.io/"
_ROLE_LABEL = "kubernetes.io/role"


class PodState(NamedTuple):
    status: str
    ready: int
    total: int
    restarts: int
    last_restart_at: datetime | None


def _newer(current: datetime | None, status: wire.ContainerStatus) -> datetime | None:
    """The later of ``current`` and when this container last terminated."""
    last = status.last_state
    finished = last.terminated.finished_at if last is not None and last.terminated is not None else None
    if finished is not None and (current is None or finished > current):
        return finished
    return current


def _condition_true(conditions: tuple[wire.Condition, ...], kind: str) -> bool:
    """Whether the first condition of this type is True (kubectl reads the first one only)."""
    for condition in conditions:
        if condition.type == kind:
            return condition.status == "True"
    return False


def pod_state(pod: wire.Pod) -> PodState:
    """STATUS, READY x/y, RESTARTS and the last restart time, exactly as kubectl prints them."""
    spec, status = pod.spec, pod.status
    reason = status.reason or status.phase
    for condition in status.conditions:
        if condition.type == "PodScheduled" and condition.reason == "SchedulingGated":
            reason = "SchedulingGated"

    total = len(spec.containers)
    ready = 0
    # Sidecars (init containers with restartPolicy Always) keep running, so they count as containers.
    sidecars = {c.name for c in spec.init_containers if c.restart_policy == "Always"}
    total += len(sidecars)

    restarts = sidecar_restarts = 0
    last_restart: datetime | None = None
    sidecar_last_restart: datetime | None = None
    initializing = False
    for index, container in enumerate(status.init_container_statuses):
        restarts += container.restart_count
        last_restart = _newer(last_restart, container)
        is_sidecar = container.name in sidecars
        if is_sidecar:
            sidecar_restarts += container.restart_count
            sidecar_last_restart = _newer(sidecar_last_restart, container)
        state = container.state
        terminated = state.terminated if state is not None else None
        waiting = state.waiting if state is not None else None
        if terminated is not None and terminated.exit_code == 0:
            continue
        if is_sidecar and container.started:
            if container.ready:
                ready += 1
            continue
        if terminated is not None:
            if terminated.reason:
                reason = "Init:" + terminated.reason
            elif terminated.signal:
                reason = f"Init:Signal:{terminated.signal}"
            else:
                reason = f"Init:ExitCode:{terminated.exit_code}"
        elif waiting is not None and waiting.reason and waiting.reason != "PodInitializing":
            reason = "Init:" + waiting.reason
        else:
            reason = f"Init:{index}/{len(spec.init_containers)}"
        initializing = True
        break

    if not initializing or _condition_true(status.conditions, "Initialized"):
        # Once initialised, kubectl counts only the app containers' and sidecars' restarts.
        restarts, last_restart = sidecar_restarts, sidecar_last_restart
        has_running = False
        for container in reversed(status.container_statuses):
            restarts += container.restart_count
            last_restart = _newer(last_restart, container)
            state = container.state
            if state is None:
                continue
            terminated = state.terminated
            if state.waiting is not None and state.waiting.reason:
                reason = state.waiting.reason
            elif terminated is not None and terminated.reason:
                reason = terminated.reason
            elif terminated is not None and terminated.signal:
                reason = f"Signal:{terminated.signal}"
            elif terminated is not None:
                reason = f"ExitCode:{terminated.exit_code}"
            elif container.ready and state.running is not None:
                has_running = True
                ready += 1
        # A finished container next to a running one: the pod is still running.
        if reason == "Completed" and has_running:
            reason = "Running" if _condition_true(status.conditions, "Ready") else "NotReady"

    if pod.metadata.deletion_timestamp is not None:
        if status.reason == _NODE_UNREACHABLE:
            reason = "Unknown"
        elif status.phase not in _TERMINAL_PHASES:
            reason = "Terminating"
    return PodState(reason, ready, total, restarts, last_restart)


def node_ready(conditions: tuple[wire.Condition, ...]) -> bool:
    return _condition_true(conditions, "Ready")


def node_pressures(conditions: tuple[wire.Condition, ...]) -> tuple[str, ...]:
    """The problem conditions that are True, sorted: ("DiskPressure", "MemoryPressure")."""
    return tuple(sorted({c.type for c in conditions if c.type in _NODE_PROBLEMS and c.status == "True"}))


def node_roles(labels: dict[str, str]) -> tuple[str, ...]:
    """ROLES as kubectl finds them: node-role.kubernetes.io/<role> keys and the kubernetes.io/role value."""
    roles: set[str] = set()
    for key, value in labels.items():
        if key.startswith(_ROLE_PREFIX):
            if role := key[len(_ROLE_PREFIX) :]:
                roles.add(role)
        elif key == _ROLE_LABEL and value:
            roles.add(value)
    return tuple(sorted(roles))
