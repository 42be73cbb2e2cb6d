"""What a drill pod is made of: its workload, containers, images, addresses and identity.

The scenario describes workloads by size and labels only; the rest is made up here, the same way
every time: the app container is named after its workload, a second container is a sidecar (envoy,
or the exporter a known workload ships with), images carry believable tags, and a pod from a
rollout runs the next version of its app.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from modulo_watch.collectors.drill.noise import mix, text_key
from modulo_watch.collectors.models import Pod

_SIDECARS = {
    "postgres": ("postgres-exporter", "quay.io/prometheuscommunity/postgres-exporter:v0.15.0"),
    "aws-node": (
        "aws-eks-nodeagent",
        "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-network-policy-agent:v1.1.2-eksbuild.1",
    ),
}
_DEFAULT_SIDECAR = ("envoy", "docker.io/envoyproxy/envoy:v1.31.2")
_IMAGES = {
    "postgres": "docker.io/library/postgres:{postgres}",
    "pgbouncer": "docker.io/bitnami/pgbouncer:1.22.1",
    "coredns": "registry.k8s.io/coredns/coredns:v1.11.1",
    "kube-proxy": "registry.k8s.io/kube-proxy:{kubernetes}",
    "aws-node": "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.18.3-eksbuild.1",
    "calico-node": "docker.io/calico/node:v3.28.1",
    "ingress-nginx-controller": "registry.k8s.io/ingress-nginx/controller:v1.11.2",
}
_APP_VERSIONS = {"modulo-api": (2, 13, 2), "modulo-worker": (2, 13, 2), "modulo-frontend": (1, 41, 0)}
_TEMPLATE_LABELS = ("pod-template-hash", "controller-revision-hash")


@dataclass(frozen=True, slots=True)
class Workload:
    name: str
    owner: str  # what the pod is controlled by: "ReplicaSet/modulo-api-5659dd754f"
    template: str  # the pod template's hash


def workload_of(pod: Pod) -> Workload:
    """The workload from the pod's name, as the drill's controllers name pods."""
    labels = dict(pod.labels)
    template = next((labels[label] for label in _TEMPLATE_LABELS if label in labels), "")
    if "pod-template-hash" in labels:
        replica_set = pod.name.rsplit("-", 1)[0]
        return Workload(replica_set.removesuffix(f"-{template}"), f"ReplicaSet/{replica_set}", template)
    base, _, suffix = pod.name.rpartition("-")
    kind = "StatefulSet" if suffix.isdigit() else "DaemonSet"
    return Workload(base, f"{kind}/{base}", template)


def first_templates(pods: Iterable[Pod]) -> dict[str, frozenset[str]]:
    """Each workload's pod templates at the drill's start (pass the pods at elapsed 0)."""
    found: dict[str, set[str]] = {}
    for pod in pods:
        workload = workload_of(pod)
        found.setdefault(workload.name, set()).add(workload.template)
    return {name: frozenset(templates) for name, templates in found.items()}


def is_newer(first: Mapping[str, frozenset[str]], workload: Workload) -> bool:
    """Whether the pod's template came with a rollout during the drill, so it runs the next version."""
    known = first.get(workload.name)
    return bool(known) and workload.template not in (known or ())


class Versioned(Protocol):
    """A node as the world shows it, or as the scenario describes it."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...


def kubernetes_version(node: str, nodes: Sequence[Versioned]) -> str:
    """The kubelet version of the pod's node; the first node's for a pod not scheduled yet."""
    return next((n.version for n in nodes if n.name == node), nodes[0].version)


@dataclass(frozen=True, slots=True)
class ContainerSpec:
    name: str
    image: str
    version: str
    requests: tuple[tuple[str, str], ...]
    limits: tuple[tuple[str, str], ...]


def cpu_text(millicores: int) -> str:
    return f"{millicores // 1000}" if millicores % 1000 == 0 else f"{millicores}m"


def memory_text(size: int) -> str:
    mebibytes = size // 2**20
    return f"{mebibytes // 1024}Gi" if mebibytes % 1024 == 0 and mebibytes else f"{mebibytes}Mi"


def _version(workload: str, newer: bool) -> str:
    major, minor, patch = _APP_VERSIONS.get(workload, (1, text_key(workload) % 30, text_key(workload) % 7))
    return f"v{major}.{minor + 1}.0" if newer else f"v{major}.{minor}.{patch}"


def container_specs(
    pod: Pod, workload: Workload, newer: bool, postgres_version: str, kubernetes_version: str
) -> tuple[ContainerSpec, ...]:
    """The pod's containers, app first. ``newer``: its template came with a rollout in the drill."""
    version = _version(workload.name, newer)
    image = _IMAGES.get(workload.name, f"registry.modulo.example.com/{workload.name}:{version}")
    image = image.format(postgres=postgres_version, kubernetes=kubernetes_version.split("-")[0])
    sidecar_count = max(pod.total_containers - 1, 0)
    cpu, memory = pod.cpu_request_millicores or 100, pod.memory_request_bytes or 128 * 2**20
    # Sidecars take a small share; the app container the rest. Limits as the pod's: 2x CPU, 1.5x memory.
    side_cpu, side_memory = max(5, cpu // 10), max(16 * 2**20, memory // 10 // 2**20 * 2**20)
    sizes = [(cpu - sidecar_count * side_cpu, memory - sidecar_count * side_memory)]
    sizes += [(side_cpu, side_memory)] * sidecar_count
    sidecar = _SIDECARS.get(workload.name, _DEFAULT_SIDECAR)
    names = [(workload.name, image)] + [
        (sidecar[0] if i == 0 else f"{sidecar[0]}-{i}", sidecar[1]) for i in range(sidecar_count)
    ]
    return tuple(
        ContainerSpec(
            name,
            container_image,
            version if index == 0 else container_image.rsplit(":", 1)[-1],
            (("cpu", cpu_text(c)), ("memory", memory_text(m))),
            (("cpu", cpu_text(2 * c)), ("memory", memory_text(m * 3 // 2))),
        )
        for index, ((name, container_image), (c, m)) in enumerate(zip(names, sizes, strict=True))
    )


def host_ip(node: str) -> str:
    """An EKS node's name carries its address (ip-10-0-1-23...); other nodes get one from their name."""
    if node.startswith("ip-"):
        parts = node[3:].split(".")[0].split("-")
        if len(parts) == 4 and all(part.isdigit() for part in parts):
            return ".".join(parts)
    return f"10.0.0.{10 + zlib.crc32(node.encode()) % 200}"


def pod_ip(node: str, key: int) -> str:
    """In the node's subnet (EKS's VPC CNI), or its /24 of the pod network (Calico)."""
    host = host_ip(node).split(".")
    if node.startswith("ip-"):
        return f"{host[0]}.{host[1]}.{host[2]}.{30 + key % 200}"
    return f"10.244.{zlib.crc32(node.encode()) % 250}.{2 + key % 250}"


def uid_of(key: int) -> str:
    digits = f"{mix(key, 1):016x}{mix(key, 2):016x}"
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-a{digits[17:20]}-{digits[20:32]}"
