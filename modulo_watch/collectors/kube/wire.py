"""The parts of the Kubernetes API's JSON that the dashboard reads, as msgspec Structs.

Only the fields a row needs are declared: msgspec skips the rest of each object (managedFields,
volumes, env, probes ...) without building Python objects for them, which is what makes a 150k-pod
list cheap. Field names are the API's camelCase; absent fields take their Go zero value, and
timestamps are ``None`` when absent or ``null`` (metav1.Time marshals its zero value as ``null``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

import msgspec

# A timestamp without an offset is not RFC 3339 as the API writes it: reject it rather than guess a zone.
Time = Annotated[datetime, msgspec.Meta(tz=True)]

T = TypeVar("T")


class _Wire(
    msgspec.Struct, rename="camel", kw_only=True, omit_defaults=True, forbid_unknown_fields=False, gc=False
):
    """Base of every wire struct: camelCase names, unknown fields skipped.

    ``gc=False`` and tuples rather than lists: these objects live only until converted and never form
    cycles, so the garbage collector need not track them. On a 150k-pod list that halves msgspec's time.
    """


class OwnerReference(_Wire):
    kind: str = ""
    name: str = ""
    uid: str = ""
    controller: bool = False


class ObjectMeta(_Wire):
    name: str = ""
    namespace: str = ""
    uid: str = ""
    resource_version: str = ""
    creation_timestamp: Time | None = None


class LabelledMeta(ObjectMeta):
    labels: dict[str, str] = {}


class OwnedMeta(LabelledMeta):
    owner_references: tuple[OwnerReference, ...] = ()


class PodMeta(OwnedMeta):
    deletion_timestamp: Time | None = None


class WorkloadMeta(ObjectMeta):
    """Deployments and ReplicaSets: the revision lives in an annotation."""

    generation: int = 0
    annotations: dict[str, str] = {}
    owner_references: tuple[OwnerReference, ...] = ()


class Condition(_Wire):
    type: str = ""
    status: str = ""
    reason: str = ""
    message: str = ""


# --- Pods -------------------------------------------------------------------------------------------------


class Resources(_Wire):
    requests: dict[str, str] = {}
    limits: dict[str, str] = {}


class Container(_Wire):
    name: str = ""
    image: str = ""
    resources: Resources | None = None
    restart_policy: str = ""  # "Always" on an init container makes it a sidecar


class PodSpec(_Wire):
    node_name: str = ""
    containers: tuple[Container, ...] = ()
    init_containers: tuple[Container, ...] = ()


class Waiting(_Wire):
    reason: str = ""


class Running(_Wire):
    """Only its presence matters."""


class Terminated(_Wire):
    exit_code: int = 0
    signal: int = 0
    reason: str = ""
    finished_at: Time | None = None


class ContainerState(_Wire):
    waiting: Waiting | None = None
    running: Running | None = None
    terminated: Terminated | None = None


class ContainerStatus(_Wire):
    name: str = ""
    ready: bool = False
    started: bool | None = None
    restart_count: int = 0
    state: ContainerState | None = None
    last_state: ContainerState | None = None


class PodStatus(_Wire):
    phase: str = ""
    reason: str = ""
    conditions: tuple[Condition, ...] = ()
    init_container_statuses: tuple[ContainerStatus, ...] = ()
    container_statuses: tuple[ContainerStatus, ...] = ()


class Pod(_Wire):
    metadata: PodMeta = msgspec.field(default_factory=PodMeta)
    spec: PodSpec = msgspec.field(default_factory=PodSpec)
    status: PodStatus = msgspec.field(default_factory=PodStatus)


# --- Nodes ------------------------------------------------------------------------------------------------


class NodeSpec(_Wire):
    unschedulable: bool = False


class NodeInfo(_Wire):
    kubelet_version: str = ""


class NodeStatus(_Wire):
    conditions: tuple[Condition, ...] = ()
    allocatable: dict[str, str] = {}
    node_info: NodeInfo = msgspec.field(default_factory=NodeInfo)


class Node(_Wire):
    metadata: LabelledMeta = msgspec.field(default_factory=LabelledMeta)
    spec: NodeSpec = msgspec.field(default_factory=NodeSpec)
    status: NodeStatus = msgspec.field(default_factory=NodeStatus)


# --- Events (core/v1) -------------------------------------------------------------------------------------


class ObjectReference(_Wire):
    kind: str = ""
    name: str = ""


class EventSource(_Wire):
    component: str = ""
    host: str = ""


class EventSeries(_Wire):
    count: int = 0
    last_observed_time: Time | None = None


class Event(_Wire):
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    involved_object: ObjectReference = msgspec.field(default_factory=ObjectReference)
    type: str = ""
    reason: str = ""
    message: str = ""
    count: int = 0
    first_timestamp: Time | None = None
    last_timestamp: Time | None = None
    event_time: Time | None = None  # MicroTime, set by events.k8s.io writers instead of the two above
    series: EventSeries | None = None
    source: EventSource = msgspec.field(default_factory=EventSource)
    reporting_component: str = ""
    reporting_instance: str = ""


# --- Deployments and ReplicaSets --------------------------------------------------------------------------


class TemplateSpec(_Wire):
    containers: tuple[Container, ...] = ()


class PodTemplate(_Wire):
    spec: TemplateSpec = msgspec.field(default_factory=TemplateSpec)


class WorkloadSpec(_Wire):
    replicas: int | None = None  # the API defaults it to 1; None only in objects not yet defaulted
    paused: bool = False
    template: PodTemplate = msgspec.field(default_factory=PodTemplate)


class TimedCondition(Condition):
    """A Deployment's condition with its times: the nearest the API comes to saying when a rollback
    began. Pod and node conditions leave them out: 150k pods would parse several timestamps each."""

    last_update_time: Time | None = None
    last_transition_time: Time | None = None


class WorkloadStatus(_Wire):
    observed_generation: int = 0
    replicas: int = 0
    updated_replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    unavailable_replicas: int = 0
    conditions: tuple[TimedCondition, ...] = ()


class Workload(_Wire):
    """A Deployment or a ReplicaSet: the fields the rollout view reads are the same shape in both."""

    metadata: WorkloadMeta = msgspec.field(default_factory=WorkloadMeta)
    spec: WorkloadSpec = msgspec.field(default_factory=WorkloadSpec)
    status: WorkloadStatus = msgspec.field(default_factory=WorkloadStatus)


# --- metrics.k8s.io ---------------------------------------------------------------------------------------


class Usage(_Wire):
    cpu: str
    memory: str


class ContainerMetrics(_Wire):
    usage: Usage


class PodMetrics(_Wire):
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    containers: tuple[ContainerMetrics, ...] = ()


class NodeMetrics(_Wire):
    usage: Usage
    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)


# --- Lists, watch lines, Status ---------------------------------------------------------------------------


class ListMeta(_Wire):
    resource_version: str = ""
    continue_: str = msgspec.field(default="", name="continue")


class ListHead(_Wire):
    """Only a list's metadata: the items are skipped without building anything."""

    metadata: ListMeta = msgspec.field(default_factory=ListMeta)


class List(_Wire, Generic[T]):
    """A list response. A Status body (an error the server sent with a 2xx, or a proxy's) has no items."""

    kind: str = ""
    metadata: ListMeta = msgspec.field(default_factory=ListMeta)
    items: tuple[T, ...] | None = None
    # Status fields, read only when ``items`` is missing.
    code: int = 0
    reason: str = ""
    message: str = ""


class Status(_Wire):
    """The object of a watch ERROR event (410 Gone when the resourceVersion is too old)."""

    code: int = 0
    reason: str = ""
    message: str = ""


class Bookmark(_Wire):
    """A BOOKMARK's object carries only its kind and metadata.resourceVersion."""

    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)


class WatchLine(_Wire):
    """One line of a watch stream; the object is decoded once its type says what it is."""

    type: str
    object: msgspec.Raw = msgspec.Raw(b"null")


class LooseWatchLine(_Wire):
    """The same line after ``json.loads``, on the slow path for lone surrogates (see decode.py)."""

    type: str
    object: Any = None
