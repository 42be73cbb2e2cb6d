"""Wire structs -> the frozen models (Pod, Node, KubeEvent) and the rollout view's workload records.

A converter raises ValueError naming the object and the field (a pod without a creationTimestamp,
a request of "12x" CPU); ``decode`` turns it into a ``KubeDecodeError`` for the whole response.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from modulo_watch.collectors.kube import wire
from modulo_watch.collectors.kube.quantity import parse_cpu, parse_memory
from modulo_watch.collectors.kube.status import node_pressures, node_ready, node_roles, pod_state
from modulo_watch.collectors.models import KubeEvent, Node, Pod

_REVISION_ANNOTATION = "deployment.kubernetes.io/revision"


def shown(text: str) -> str:
    """An outside string for an error message, cut short: a name may be 10,000 characters."""
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True, slots=True)
class WorkloadCondition:
    type: str  # Available, Progressing, ReplicaFailure
    status: str  # "True", "False", "Unknown"
    reason: str  # NewReplicaSetAvailable, ProgressDeadlineExceeded ...
    message: str
    last_update_time: datetime | None = None  # Progressing: the last progress the controller saw
    last_transition_time: datetime | None = None  # when the status last changed


@dataclass(frozen=True, slots=True)
class DeploymentInfo:
    """What the rollout view needs of a Deployment."""

    namespace: str
    name: str
    uid: str
    created_at: datetime
    generation: int
    observed_generation: int
    revision: int
    desired: int
    updated: int
    ready: int
    available: int
    unavailable: int
    paused: bool
    images: tuple[str, ...]
    conditions: tuple[WorkloadCondition, ...]


@dataclass(frozen=True, slots=True)
class ReplicaSetInfo:
    """What the rollout view needs of a ReplicaSet: one revision of its Deployment (``owner``)."""

    namespace: str
    name: str
    uid: str
    created_at: datetime
    owner: str  # "Deployment/modulo-api", "" for a bare ReplicaSet
    owner_uid: str
    revision: int
    desired: int
    replicas: int
    ready: int
    available: int
    images: tuple[str, ...]


def _created(meta: wire.ObjectMeta, what: str) -> datetime:
    if meta.creation_timestamp is None:
        raise ValueError(f"{what} {shown(meta.namespace)}/{shown(meta.name)}: no metadata.creationTimestamp")
    return meta.creation_timestamp


def _owner(references: tuple[wire.OwnerReference, ...]) -> wire.OwnerReference | None:
    """The controlling owner (kubectl's "Controlled By"), else the first."""
    for reference in references:
        if reference.controller:
            return reference
    return references[0] if references else None


# Requests and limits repeat across a cluster's pods (a few hundred distinct values in 150k pods).
_spec_cpu = lru_cache(maxsize=4096)(parse_cpu)
_spec_memory = lru_cache(maxsize=4096)(parse_memory)


def _add(total: int | None, quantities: dict[str, str], key: str, parse: Callable[[str], int]) -> int | None:
    text = quantities.get(key)
    if text is None:
        return total
    return parse(text) + (total or 0)


def _pod_resources(spec: wire.PodSpec) -> tuple[int | None, int | None, int | None, int | None]:
    """Requests and limits summed over the app containers and sidecars; None where none sets one."""
    cpu_request = cpu_limit = memory_request = memory_limit = None
    containers = spec.containers
    if spec.init_containers:
        containers += tuple([c for c in spec.init_containers if c.restart_policy == "Always"])
    for container in containers:
        resources = container.resources
        if resources is None:
            continue
        if requests := resources.requests:
            cpu_request = _add(cpu_request, requests, "cpu", _spec_cpu)
            memory_request = _add(memory_request, requests, "memory", _spec_memory)
        if limits := resources.limits:
            cpu_limit = _add(cpu_limit, limits, "cpu", _spec_cpu)
            memory_limit = _add(memory_limit, limits, "memory", _spec_memory)
    return cpu_request, cpu_limit, memory_request, memory_limit


def pod(raw: wire.Pod) -> Pod:
    meta, spec = raw.metadata, raw.spec
    created = _created(meta, "pod")
    try:
        cpu_request, cpu_limit, memory_request, memory_limit = _pod_resources(spec)
    except ValueError as error:
        raise ValueError(f"pod {shown(meta.namespace)}/{shown(meta.name)}: {error}") from None
    state = pod_state(raw)
    owner = _owner(meta.owner_references)
    return Pod(
        namespace=meta.namespace,
        name=meta.name,
        ready_containers=state.ready,
        total_containers=state.total,
        status=state.status,
        restarts=state.restarts,
        created_at=created,
        node=spec.node_name,
        last_restart_at=state.last_restart_at,
        labels=tuple(meta.labels.items()),
        uid=meta.uid,
        owner=f"{owner.kind}/{owner.name}" if owner is not None else "",
        cpu_request_millicores=cpu_request,
        cpu_limit_millicores=cpu_limit,
        memory_request_bytes=memory_request,
        memory_limit_bytes=memory_limit,
    )


def node(raw: wire.Node) -> Node:
    meta, status = raw.metadata, raw.status
    allocatable = status.allocatable
    try:
        cpu = _add(None, allocatable, "cpu", parse_cpu)
        memory = _add(None, allocatable, "memory", parse_memory)
    except ValueError as error:
        raise ValueError(f"node {shown(meta.name)}: allocatable: {error}") from None
    return Node(
        name=meta.name,
        ready=node_ready(status.conditions),
        created_at=_created(meta, "node"),
        unschedulable=raw.spec.unschedulable,
        pressures=node_pressures(status.conditions),
        roles=node_roles(meta.labels),
        version=status.node_info.kubelet_version,
        allocatable_cpu_millicores=cpu,
        allocatable_memory_bytes=memory,
    )


def event(raw: wire.Event) -> KubeEvent:
    """As ``kubectl get events``: events.k8s.io writers leave first/lastTimestamp null and set
    eventTime and series instead; creationTimestamp is the last resort."""
    first = raw.first_timestamp or raw.event_time or raw.metadata.creation_timestamp
    series = raw.series
    if series is not None:
        last = series.last_observed_time or raw.last_timestamp or first
        count = series.count
    else:
        last = raw.last_timestamp or first
        count = raw.count or 1  # singleton events of the new API carry no count
    component = raw.source.component or raw.reporting_component
    host = raw.source.host or raw.reporting_instance
    return KubeEvent(
        namespace=raw.metadata.namespace,
        name=raw.metadata.name,
        type=raw.type,
        reason=raw.reason,
        message=raw.message,
        involved_kind=raw.involved_object.kind,
        involved_name=raw.involved_object.name,
        count=count,
        first_seen=first,
        last_seen=last,
        source=f"{component}, {host}" if host else component,
    )


def _revision(meta: wire.WorkloadMeta) -> int:
    # A hand-edited annotation is not worth failing the rollout view over: an unreadable one is 0.
    text = meta.annotations.get(_REVISION_ANNOTATION, "")
    return int(text) if text.isascii() and text.isdigit() else 0


def _images(raw: wire.Workload) -> tuple[str, ...]:
    return tuple(c.image for c in raw.spec.template.spec.containers)


def deployment(raw: wire.Workload) -> DeploymentInfo:
    meta, status = raw.metadata, raw.status
    return DeploymentInfo(
        namespace=meta.namespace,
        name=meta.name,
        uid=meta.uid,
        created_at=_created(meta, "deployment"),
        generation=meta.generation,
        observed_generation=status.observed_generation,
        revision=_revision(meta),
        desired=1 if raw.spec.replicas is None else raw.spec.replicas,
        updated=status.updated_replicas,
        ready=status.ready_replicas,
        available=status.available_replicas,
        unavailable=status.unavailable_replicas,
        paused=raw.spec.paused,
        images=_images(raw),
        conditions=tuple(
            WorkloadCondition(
                c.type, c.status, c.reason, c.message, c.last_update_time, c.last_transition_time
            )
            for c in status.conditions
        ),
    )


def replica_set(raw: wire.Workload) -> ReplicaSetInfo:
    meta, status = raw.metadata, raw.status
    owner = _owner(meta.owner_references)
    return ReplicaSetInfo(
        namespace=meta.namespace,
        name=meta.name,
        uid=meta.uid,
        created_at=_created(meta, "replicaset"),
        owner=f"{owner.kind}/{owner.name}" if owner is not None else "",
        owner_uid=owner.uid if owner is not None else "",
        revision=_revision(meta),
        desired=1 if raw.spec.replicas is None else raw.spec.replicas,
        replicas=status.replicas,
        ready=status.ready_replicas,
        available=status.available_replicas,
        images=_images(raw),
    )
