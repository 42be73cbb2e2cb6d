"""Builders of realistic API objects, shaped as the apiserver serialises them (no model classes).

Stored objects carry no ``kind``/``apiVersion``: list items come without them on the wire, and GET
and watch add them back (see ``resources``/``cluster``). Every builder is deterministic given its rng.
"""

from __future__ import annotations

import functools
import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from tests.kube_server.encoding import Skeleton, slot

JSON = dict[str, Any]
# What the generator and the mutation helpers can make a pod look like.
PodHealth = Literal[
    "running", "notready", "crashloop", "oomkilled", "imagepull", "pending", "terminating", "evicted"
]
NodeHealth = Literal["ready", "notready", "memorypressure", "diskpressure", "pidpressure", "cordoned"]

HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # the alphabet of pod-template-hash and generateName suffixes
KUBERNETES_VERSION = "v1.31.4"


def iso(ts: float) -> str:
    return _iso_seconds(int(ts))


@functools.lru_cache(
    maxsize=1 << 16
)  # one pod repeats its timestamps; generating 150k pods calls this 1M times
def _iso_seconds(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def random_suffix(rng: random.Random, length: int) -> str:
    return "".join(rng.choices(HASH_ALPHABET, k=length))


def random_uid(rng: random.Random) -> str:
    digits = f"{rng.getrandbits(128):032x}"  # formatted by hand: uuid.UUID() is slow at 150k pods
    variant = "89ab"[int(digits[16], 16) % 4]
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-{variant}{digits[17:20]}-{digits[20:]}"


@functools.lru_cache(maxsize=4096)
def image_id(image: str) -> str:
    """The digest every pod running ``image`` reports (one per image, as in a registry)."""
    return f"{image.rpartition(':')[0]}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"


@dataclass(frozen=True)
class Container:
    name: str
    image: str
    cpu_request_m: int
    memory_request_mi: int
    cpu_limit_m: int | None
    memory_limit_mi: int

    def spec(self) -> JSON:
        cpu_limit = None if self.cpu_limit_m is None else f"{self.cpu_limit_m}m"
        return _container_spec(*self._strings(), cpu_limit)

    def encoded(self) -> bytes:
        """The spec's JSON, from a skeleton (fast: 150k-pod clusters have tens of thousands of templates)."""
        skeleton = _CONTAINER_SKELETONS[self.cpu_limit_m is not None]
        name, image, cpu, memory, memory_limit = self._strings()
        values = {"name": name, "image": image, "cpu": cpu, "memory": memory, "memory_limit": memory_limit}
        return skeleton.fill({**values, "cpu_limit": f"{self.cpu_limit_m}m"})

    def _strings(self) -> tuple[str, str, str, str, str]:
        memory = f"{self.memory_request_mi}Mi"
        return self.name, self.image, f"{self.cpu_request_m}m", memory, f"{self.memory_limit_mi}Mi"


def _container_spec(
    name: str, image: str, cpu: str, memory: str, memory_limit: str, cpu_limit: str | None
) -> JSON:
    limits: JSON = {"memory": memory_limit}
    if cpu_limit is not None:
        limits["cpu"] = cpu_limit
    return {
        "name": name,
        "image": image,
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "GOMAXPROCS", "value": "2"}],
        "resources": {"limits": limits, "requests": {"cpu": cpu, "memory": memory}},
        "volumeMounts": [
            {
                "name": "kube-api-access",
                "readOnly": True,
                "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
            }
        ],
        "readinessProbe": {
            "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
            "timeoutSeconds": 1,
            "periodSeconds": 10,
            "successThreshold": 1,
            "failureThreshold": 3,
        },
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "imagePullPolicy": "IfNotPresent",
    }


_CONTAINER_SLOTS = (slot("name"), slot("image"), slot("cpu"), slot("memory"), slot("memory_limit"))
_CONTAINER_SKELETONS = {
    with_limit: Skeleton(_container_spec(*_CONTAINER_SLOTS, slot("cpu_limit") if with_limit else None))
    for with_limit in (False, True)
}


@dataclass(frozen=True)
class PodTemplate:
    app: str
    template_hash: str
    containers: tuple[Container, ...]

    @property
    def labels(self) -> dict[str, str]:
        return {"app": self.app, "pod-template-hash": self.template_hash}


@dataclass(frozen=True, slots=True)
class Encoded:
    """An object already encoded by the generator, with what the store needs to select it."""

    namespace: str
    name: str
    labels: dict[str, str]
    fields: dict[str, str]
    rv: int  # 0 for kinds without versions (metrics)
    raw: bytes


def pod_spec(template: PodTemplate, node: str | None) -> JSON:
    """A pod's spec: a shallow copy of its template's (shared, never mutated) plus the node."""
    spec = dict(_template_spec(template))
    if node is not None:
        spec["nodeName"] = node
    return spec


@functools.lru_cache(maxsize=1024)
def template_spec_bytes(template: PodTemplate) -> bytes:
    """The template's pod spec, encoded once for all its pods (and without its nodeName)."""
    return _SPEC_SKELETON.fill({"containers": containers_bytes(template)})


@functools.lru_cache(maxsize=1024)
def containers_bytes(template: PodTemplate) -> bytes:
    return b"[%s]" % b",".join(container.encoded() for container in template.containers)


@functools.lru_cache(maxsize=1024)
def _template_spec(template: PodTemplate) -> JSON:
    return _pod_spec([container.spec() for container in template.containers])


def _pod_spec(containers: Any) -> JSON:
    return {
        "volumes": [
            {
                "name": "kube-api-access",
                "projected": {
                    "sources": [
                        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                        {
                            "configMap": {
                                "name": "kube-root-ca.crt",
                                "items": [{"key": "ca.crt", "path": "ca.crt"}],
                            }
                        },
                    ],
                    "defaultMode": 420,
                },
            }
        ],
        "containers": containers,
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "serviceAccountName": "default",
        "serviceAccount": "default",
        "securityContext": {},
        "schedulerName": "default-scheduler",
        "tolerations": [
            {
                "key": f"node.kubernetes.io/{taint}",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            }
            for taint in ("not-ready", "unreachable")
        ],
        "priority": 0,
        "enableServiceLinks": True,
        "preemptionPolicy": "PreemptLowerPriority",
    }


_SPEC_SKELETON = Skeleton(_pod_spec(slot("containers")))
