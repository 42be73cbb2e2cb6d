"""The extra fields ``kubectl describe pod`` reads, as msgspec Structs extending ``wire``'s.

Each struct subclasses the lean one it widens, so a decoded ``DetailPod`` is still a ``wire.Pod``:
kubectl's STATUS logic (``status.pod_state``) and the pod converter run on it unchanged.
"""

from __future__ import annotations

import msgspec

from modulo_watch.collectors.kube import wire
from modulo_watch.collectors.kube.wire import Time


class DetailMeta(wire.PodMeta):
    annotations: dict[str, str] = msgspec.field(default_factory=dict)


class DetailCondition(wire.Condition):
    last_transition_time: Time | None = None


class DetailWaiting(wire.Waiting):
    message: str = ""


class DetailRunning(wire.Running):
    started_at: Time | None = None


class DetailTerminated(wire.Terminated):
    message: str = ""
    started_at: Time | None = None


class DetailState(wire.ContainerState):
    waiting: DetailWaiting | None = None
    running: DetailRunning | None = None
    terminated: DetailTerminated | None = None


class DetailContainerStatus(wire.ContainerStatus):
    image: str = ""
    state: DetailState | None = None
    last_state: DetailState | None = None


class PodIP(msgspec.Struct, kw_only=True, gc=False):
    ip: str = ""


class DetailStatus(wire.PodStatus):
    message: str = ""
    # "IP" is all capitals in these names, which camelCase renaming would not produce.
    host_ip: str = msgspec.field(default="", name="hostIP")
    pod_ip: str = msgspec.field(default="", name="podIP")
    pod_ips: tuple[PodIP, ...] = msgspec.field(default=(), name="podIPs")
    start_time: Time | None = None
    qos_class: str = ""
    conditions: tuple[DetailCondition, ...] = ()
    init_container_statuses: tuple[DetailContainerStatus, ...] = ()
    container_statuses: tuple[DetailContainerStatus, ...] = ()


class DetailPod(wire.Pod):
    metadata: DetailMeta = msgspec.field(default_factory=DetailMeta)
    status: DetailStatus = msgspec.field(default_factory=DetailStatus)
