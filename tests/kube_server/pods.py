"""core/v1 Pods: what varies between pods (``PodFacts``), the pod builder, and the fast encoder that
fills a per-shape skeleton with those facts when generating big clusters."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from tests.kube_server.encoding import Skeleton, Value, dumps, encode_values, quote, slot
from tests.kube_server.objects import (
    JSON,
    Encoded,
    PodHealth,
    PodTemplate,
    image_id,
    iso,
    pod_spec,
    random_suffix,
    random_uid,
    template_spec_bytes,
)

Keys = tuple[tuple[bytes, bytes], ...]  # per slot: its format key whole, and inside a string
READY: frozenset[PodHealth] = frozenset({"running", "oomkilled", "terminating"})
UNSCHEDULABLE = (
    "0/5000 nodes are available: 3 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: },"
    " 4997 Insufficient memory. preemption: 0/5000 nodes are available: 5000 No preemption victims found."
)


@dataclass(slots=True)
class PodFacts:
    """Everything that differs between pods of one shape: values, never structure.

    In a skeleton every field is a ``slot``; ints are then slot strings too.
    """

    name: str
    uid: str
    created: str
    started: str  # the running container's start, and when the pod last became (un)ready
    node: str
    host_ip: str
    pod_ip: str
    container_ids: tuple[str, ...]
    previous_id: str  # the container before the last restart
    restarts: int | str
    exit_code: int | str
    last_started: str
    last_finished: str
    deleted: str
    resource_version: str = ""  # set by the store on a write; a slot the encoder fills when generating

    @classmethod
    def slots(cls, containers: int) -> PodFacts:
        names = {name: slot(name) for name in _SCALAR_FACTS}
        return cls(container_ids=tuple(slot(f"cid{index}") for index in range(containers)), **names)

    def values_of(self, names: tuple[str, ...]) -> list[str | int]:
        """Facts by slot name (``cid0`` is the first container's ID)."""
        return [
            self.container_ids[int(name[3:])] if name[:3] == "cid" else getattr(self, name) for name in names
        ]

    def values(self) -> dict[str, Value]:
        values: dict[str, Value] = {name: getattr(self, name) for name in _SCALAR_FACTS}
        values.update((f"cid{index}", cid) for index, cid in enumerate(self.container_ids))
        return values


_SCALAR_FACTS = tuple(f.name for f in fields(PodFacts) if f.name != "container_ids")


def random_facts(
    rng: random.Random,
    *,
    name: str,
    health: PodHealth,
    containers: int,
    created: float,
    now: float,
    node: tuple[str, str] | None,
    pod_ip: str,
) -> PodFacts:
    started = created + rng.randint(1, 20)
    # Values only some states show are made only for them: this runs 150k times for a big cluster.
    restarts, exit_code, last_started, last_finished, previous, deleted = 0, 0, started, started, "", ""
    if health in ("crashloop", "oomkilled"):
        previous = f"containerd://{rng.getrandbits(256):064x}"
    elif health == "terminating":
        deleted = iso(now - rng.randint(0, 600))
    if health == "crashloop":
        restarts, exit_code = rng.randint(5, 400), rng.choice((1, 2, 255))
        last_finished = now - rng.randint(5, 300)
        last_started = last_finished - rng.randint(1, 30)
    elif health == "oomkilled":
        restarts, exit_code = rng.randint(1, 12), 137
        last_finished = now - rng.randint(600, 86400)
        last_started, started = last_finished - rng.randint(600, 7200), last_finished + 1
    elif health == "evicted":
        exit_code, last_finished = 137, started + rng.randint(600, 86400)
    return PodFacts(
        name=name,
        uid=random_uid(rng),
        created=iso(created),
        started=iso(started),
        node="" if node is None else node[0],
        host_ip="" if node is None else node[1],
        pod_ip=pod_ip,
        container_ids=tuple(f"containerd://{rng.getrandbits(256):064x}" for _ in range(containers)),
        previous_id=previous,
        restarts=restarts,
        exit_code=exit_code,
        last_started=iso(last_started),
        last_finished=iso(last_finished),
        deleted=deleted,
    )


def pod_phase(health: PodHealth, scheduled: bool) -> str:
    if not scheduled or health == "imagepull":
        return "Pending"
    return "Failed" if health == "evicted" else "Running"


def _condition(kind: str, ok: bool, at: str, reason: str = "", message: str = "") -> JSON:
    condition: JSON = {
        "type": kind,
        "status": "True" if ok else "False",
        "lastProbeTime": None,
        "lastTransitionTime": at,
    }
    if reason:
        condition["reason"] = reason
    if message:
        condition["message"] = message
    return condition


def container_status(
    name: str, image: str, digest: str, *, namespace: str, health: PodHealth, facts: PodFacts, index: int
) -> JSON:
    """The kubelet's view of one container; the states a responder must tell apart."""
    container_id = facts.container_ids[index]
    status: JSON = {
        "name": name,
        "image": image,
        "imageID": digest,
        "containerID": container_id,
        "ready": health in READY,
        "started": health in READY or health == "notready",
        "restartCount": 0,
        "state": {"running": {"startedAt": facts.started}},
        "lastState": {},
    }
    last = {"exitCode": facts.exit_code, "startedAt": facts.last_started, "finishedAt": facts.last_finished}
    if health == "crashloop":
        message = (
            f"back-off 5m0s restarting failed container={name} pod={facts.name}_{namespace}({facts.uid})"
        )
        status["restartCount"] = facts.restarts
        status["state"] = {"waiting": {"reason": "CrashLoopBackOff", "message": message}}
        status["lastState"] = {"terminated": {"reason": "Error", **last, "containerID": facts.previous_id}}
    elif health == "oomkilled":
        status["restartCount"] = facts.restarts
        status["lastState"] = {
            "terminated": {"reason": "OOMKilled", **last, "containerID": facts.previous_id}
        }
    elif health == "imagepull":
        status["imageID"] = ""
        del status["containerID"]  # never started, so no container yet
        status["state"] = {
            "waiting": {"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{image}"'}
        }
    elif health == "evicted":
        status["state"] = {"terminated": {"reason": "Error", **last, "containerID": container_id}}
    return status


def build_pod(
    *,
    namespace: str,
    labels: Any,  # a dict, or a slot for pre-encoded labels
    owner: tuple[str, str] | None,
    containers: Sequence[tuple[str, str, str]],  # (name, image, imageID)
    spec: Any,  # a dict, or a slot for the pre-encoded spec
    health: PodHealth,
    facts: PodFacts,
) -> JSON:
    """A core/v1 Pod owned by the ReplicaSet ``owner`` (name, uid); unscheduled if ``facts.node`` is empty."""
    metadata: JSON = {
        "name": facts.name,
        "namespace": namespace,
        "uid": facts.uid,
        "resourceVersion": facts.resource_version,
        "creationTimestamp": facts.created,
        "labels": labels,
    }
    if owner is not None:
        metadata["generateName"] = f"{owner[0]}-"
        metadata["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": owner[0],
                "uid": owner[1],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    if health == "terminating":
        metadata.update(deletionTimestamp=facts.deleted, deletionGracePeriodSeconds=30)
    scheduled = bool(facts.node) and health != "pending"
    status: JSON = {"phase": pod_phase(health, scheduled), "qosClass": "Burstable"}
    at = facts.created
    if not scheduled:
        status["conditions"] = [_condition("PodScheduled", False, at, "Unschedulable", UNSCHEDULABLE)]
        return {"metadata": metadata, "spec": spec, "status": status}
    ready = health in READY
    why = "" if ready else "ContainersNotReady"
    unready = "" if ready else f"containers with unready status: [{containers[0][0]}]"
    status["conditions"] = [
        _condition("PodReadyToStartContainers", health != "evicted", at),
        _condition("Initialized", True, at),
        _condition("Ready", ready, facts.started, why, unready),
        _condition("ContainersReady", ready, facts.started, why, unready),
        _condition("PodScheduled", True, at),
    ]
    status.update(
        hostIP=facts.host_ip,
        hostIPs=[{"ip": facts.host_ip}],
        podIP=facts.pod_ip,
        podIPs=[{"ip": facts.pod_ip}],
        startTime=at,
        containerStatuses=[
            container_status(
                *container,
                namespace=namespace,
                health=health if index == 0 else "running",
                facts=facts,
                index=index,
            )
            for index, container in enumerate(containers)
        ],
    )
    if health == "evicted":
        status.update(reason="Evicted", message="The node was low on resource: memory. ")
    return {"metadata": metadata, "spec": spec, "status": status}


def make_pod(
    rng: random.Random,
    *,
    namespace: str,
    name: str | None,
    template: PodTemplate,
    owner: tuple[str, str] | None,
    node: tuple[str, str] | None,
    health: PodHealth,
    created: float,
    now: float,
    pod_ip: str,
) -> JSON:
    """A pod as a dict (for single writes); ``name=None`` names it after its owner, as a ReplicaSet does."""
    if name is None:
        name = f"{owner[0] if owner else template.app}-{random_suffix(rng, 5)}"
    scheduled = node if health != "pending" else None
    facts = random_facts(
        rng,
        name=name,
        health=health,
        containers=len(template.containers),
        created=created,
        now=now,
        node=scheduled,
        pod_ip=pod_ip,
    )
    return build_pod(
        namespace=namespace,
        labels=template.labels,
        owner=owner,
        containers=[(c.name, c.image, image_id(c.image)) for c in template.containers],
        spec=pod_spec(template, facts.node or None),
        health=health,
        facts=facts,
    )


class PodEncoder:
    """Encodes generated pods by filling a skeleton per shape (health, scheduled, containers, owned).

    Pods come grouped by template and owner, so what they share is encoded once per group; a pod then
    costs its own few values and one ``%`` format.
    """

    def __init__(self) -> None:
        self._skeletons: dict[tuple[PodHealth, bool, int, bool], tuple[Skeleton, tuple[str, ...], Keys]] = {}
        self._group: tuple[PodTemplate, tuple[str, str] | None] | None = None
        self._shared: dict[bytes, bytes] = {}
        self._spec = b""

    def labels(self, template: PodTemplate) -> bytes:
        """The template's labels, encoded once for its pods and their metrics."""
        if self._group is not None and template is self._group[0]:
            return self._shared[b"labels"]
        return dumps(template.labels)

    def encode(
        self,
        *,
        namespace: str,
        template: PodTemplate,
        owner: tuple[str, str] | None,
        health: PodHealth,
        facts: PodFacts,
        rv: int,
    ) -> Encoded:
        scheduled = bool(facts.node) and health != "pending"
        shape = (health, scheduled, len(template.containers), owner is not None)
        if shape not in self._skeletons:
            self._skeletons[shape] = self._skeleton(shape)
        skeleton, names, own = self._skeletons[shape]
        if self._group is None or template is not self._group[0] or owner != self._group[1]:
            self._start_group(namespace, template, owner)
        encoded = dict(self._shared)
        for (key, inner), value in zip(own, facts.values_of(names), strict=True):
            encoded[key] = whole = quote(value)  # generated values: plain ASCII by construction
            encoded[inner] = whole[1:-1]
        encoded[b"resource_version"] = b'"%d"' % rv
        fields = {"status.phase": pod_phase(health, scheduled)}
        if scheduled:
            fields["spec.nodeName"] = facts.node
            encoded[b"spec"] = b'%s,"nodeName":%s}' % (self._spec, encoded[b"node"])
        else:
            encoded[b"spec"] = self._spec + b"}"
        return Encoded(namespace, facts.name, template.labels, fields, rv, skeleton.fill_encoded(encoded))

    def _start_group(self, namespace: str, template: PodTemplate, owner: tuple[str, str] | None) -> None:
        self._group = (template, owner)
        shared: dict[str, Value] = {"namespace": namespace, "labels": dumps(template.labels)}
        for index, c in enumerate(template.containers):
            shared.update(
                {f"cname{index}": c.name, f"image{index}": c.image, f"imageid{index}": image_id(c.image)}
            )
        if owner is not None:
            shared.update(owner=owner[0], owner_uid=owner[1])
        self._shared = encode_values(shared)
        self._spec = template_spec_bytes(template)[:-1]  # open, so a scheduled pod's nodeName can follow

    @staticmethod
    def _skeleton(shape: tuple[PodHealth, bool, int, bool]) -> tuple[Skeleton, tuple[str, ...], Keys]:
        """The shape's skeleton, the facts it shows (plus ``node`` for the spec) and their format keys."""
        health, scheduled, count, owned = shape
        facts = PodFacts.slots(count)
        if not scheduled:
            facts = dataclasses.replace(facts, node="")
        pod = build_pod(
            namespace=slot("namespace"),
            labels=slot("labels"),
            owner=(slot("owner"), slot("owner_uid")) if owned else None,
            containers=[(slot(f"cname{i}"), slot(f"image{i}"), slot(f"imageid{i}")) for i in range(count)],
            spec=slot("spec"),
            health=health,
            facts=facts,
        )
        skeleton = Skeleton(pod)
        own = (skeleton.names & set(PodFacts.slots(count).values())) - {"resource_version"}
        if scheduled:
            own.add("node")
        names = tuple(sorted(own))
        return skeleton, names, tuple((name.encode(), f"{name}~".encode()) for name in names)
