"""A raw pod (GET /api/v1/namespaces/{ns}/pods/{name}) and its events -> ``PodDetail``.

The STATUS, READY and RESTARTS shown are kubectl's (``status.pod_state``), so the detail agrees with
the pods table. Nothing here raises for odd values (a missing timestamp, a strange quantity): a
describe view shows what is there.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

import msgspec

from modulo_watch.collectors.inspect import ContainerDetail, ContainerState, PodCondition, PodDetail
from modulo_watch.collectors.kube import wire
from modulo_watch.collectors.kube.decode import KubeDecodeError
from modulo_watch.collectors.kube.status import pod_state
from modulo_watch.collectors.kube.wire_detail import DetailContainerStatus, DetailPod, DetailState
from modulo_watch.collectors.models import KubeEvent

DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"

_DECODER = msgspec.json.Decoder(DetailPod)


def decode_pod(raw: bytes) -> DetailPod:
    """One pod object; ``KubeDecodeError`` (short) for anything else."""
    try:
        return _DECODER.decode(raw)
    except msgspec.DecodeError as error:
        # msgspec refuses a lone surrogate (\udcff) that json.loads keeps: only then the slow path.
        if "surrogate" not in str(error):
            raise KubeDecodeError(f"pod: {error}") from None
    except UnicodeDecodeError:
        raise KubeDecodeError("pod: not UTF-8") from None
    except RecursionError:
        raise KubeDecodeError("pod: JSON nested too deeply") from None
    try:
        return msgspec.convert(json.loads(raw), DetailPod)
    except (ValueError, RecursionError) as error:
        raise KubeDecodeError(f"pod: {error}") from None


def container_state(state: DetailState | None) -> ContainerState:
    if state is None:
        return ContainerState("")
    if state.running is not None:
        return ContainerState("Running", started_at=state.running.started_at)
    if state.waiting is not None:
        return ContainerState("Waiting", state.waiting.reason, state.waiting.message)
    if (ended := state.terminated) is not None:
        return ContainerState(
            "Terminated",
            ended.reason,
            ended.message,
            ended.exit_code,
            ended.signal,
            ended.started_at,
            ended.finished_at,
        )
    return ContainerState("")


def _quantities(values: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(values.items()))


def _containers(
    specs: tuple[wire.Container, ...], statuses: tuple[DetailContainerStatus, ...], *, init: bool
) -> tuple[ContainerDetail, ...]:
    by_name = {status.name: status for status in statuses}
    details: list[ContainerDetail] = []
    for spec in specs:
        status = by_name.get(spec.name)
        resources = spec.resources or wire.Resources()
        last = status.last_state if status is not None else None
        details.append(
            ContainerDetail(
                name=spec.name,
                image=spec.image or (status.image if status is not None else ""),
                ready=status.ready if status is not None else False,
                restart_count=status.restart_count if status is not None else 0,
                state=container_state(status.state if status is not None else None),
                last_state=container_state(last)
                if last is not None and last.terminated is not None
                else None,
                requests=_quantities(resources.requests),
                limits=_quantities(resources.limits),
                init=init,
            )
        )
    return tuple(details)


def _owner(references: tuple[wire.OwnerReference, ...]) -> str:
    """The controlling owner (kubectl's "Controlled By"), else the first."""
    owner = next((r for r in references if r.controller), references[0] if references else None)
    return f"{owner.kind}/{owner.name}" if owner is not None else ""


def _newest_first(events: Iterable[KubeEvent]) -> tuple[KubeEvent, ...]:
    # last_seen is None only when the event carries no time at all: those go last.
    stamped: list[tuple[datetime, KubeEvent]] = []
    unstamped: list[KubeEvent] = []
    for event in events:
        if event.last_seen is None:
            unstamped.append(event)
        else:
            stamped.append((event.last_seen, event))
    stamped.sort(key=lambda pair: pair[0], reverse=True)
    return (*(event for _, event in stamped), *unstamped)


def pod_detail(pod: DetailPod, events: Iterable[KubeEvent] = (), events_error: str = "") -> PodDetail:
    meta, spec, status = pod.metadata, pod.spec, pod.status
    state = pod_state(pod)
    ips = tuple(ip.ip for ip in status.pod_ips if ip.ip) or ((status.pod_ip,) if status.pod_ip else ())
    return PodDetail(
        namespace=meta.namespace,
        name=meta.name,
        status=state.status,
        phase=status.phase,
        ready=f"{state.ready}/{state.total}",
        restarts=state.restarts,
        node=spec.node_name,
        created_at=meta.creation_timestamp,
        start_time=status.start_time,
        host_ip=status.host_ip,
        pod_ips=ips,
        qos_class=status.qos_class,
        labels=tuple(sorted(meta.labels.items())),
        owner=_owner(meta.owner_references),
        reason=status.reason,
        message=status.message,
        conditions=tuple(
            PodCondition(c.type, c.status, c.reason, c.message, c.last_transition_time)
            for c in status.conditions
        ),
        init_containers=_containers(spec.init_containers, status.init_container_statuses, init=True),
        containers=_containers(spec.containers, status.container_statuses, init=False),
        events=_newest_first(e for e in events if e.involved_kind in ("Pod", "")),
        events_error=events_error,
        default_container=meta.annotations.get(DEFAULT_CONTAINER_ANNOTATION, ""),
    )
