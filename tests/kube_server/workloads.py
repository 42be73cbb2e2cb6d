"""Builders for the other kinds: namespaces, nodes, deployments, replica sets, events, metrics."""

from __future__ import annotations

import random
import zlib
from typing import Any, Literal

from tests.kube_server.objects import JSON, KUBERNETES_VERSION, NodeHealth, PodTemplate, iso

Progress = Literal["complete", "progressing", "stuck"]

_NODE_CONDITIONS = (
    # type, health that sets it, reason when fine, reason when not, message when fine, message when not
    (
        "MemoryPressure",
        "memorypressure",
        "KubeletHasSufficientMemory",
        "KubeletHasInsufficientMemory",
        "kubelet has sufficient memory available",
        "kubelet has insufficient memory available",
    ),
    (
        "DiskPressure",
        "diskpressure",
        "KubeletHasNoDiskPressure",
        "KubeletHasDiskPressure",
        "kubelet has no disk pressure",
        "kubelet has disk pressure",
    ),
    (
        "PIDPressure",
        "pidpressure",
        "KubeletHasSufficientPID",
        "KubeletHasInsufficientPID",
        "kubelet has sufficient PID available",
        "kubelet has insufficient PID available",
    ),
)


def build_namespace(*, name: str, uid: str, created: float) -> JSON:
    return {
        "metadata": {
            "name": name,
            "uid": uid,
            "resourceVersion": "",
            "creationTimestamp": iso(created),
            "labels": {"kubernetes.io/metadata.name": name},
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def node_condition(
    kind: str, status: str, reason: str, message: str, heartbeat: float, changed: float
) -> JSON:
    return {
        "type": kind,
        "status": status,
        "lastHeartbeatTime": iso(heartbeat),
        "lastTransitionTime": iso(changed),
        "reason": reason,
        "message": message,
    }


def build_node(
    *,
    name: str,
    uid: str,
    created: float,
    ip: str,
    control_plane: bool,
    health: NodeHealth,
    now: float,
    zone: str,
) -> JSON:
    role = "control-plane" if control_plane else "worker"
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "m6i.xlarge" if control_plane else "m6i.2xlarge",
        "topology.kubernetes.io/region": "eu-west-1",
        "topology.kubernetes.io/zone": zone,
        f"node-role.kubernetes.io/{role}": "",
    }
    unknown = health == "notready"
    conditions = [
        node_condition(
            kind,
            "Unknown" if unknown else ("True" if health == bad else "False"),
            "NodeStatusUnknown" if unknown else (bad_reason if health == bad else ok_reason),
            "Kubelet stopped posting node status."
            if unknown
            else (bad_message if health == bad else ok_message),
            now - (600 if unknown else 20),
            now - 600 if unknown or health == bad else created,
        )
        for kind, bad, ok_reason, bad_reason, ok_message, bad_message in _NODE_CONDITIONS
    ]
    conditions.append(
        node_condition(
            "Ready",
            "Unknown" if unknown else "True",
            "NodeStatusUnknown" if unknown else "KubeletReady",
            "Kubelet stopped posting node status." if unknown else "kubelet is posting ready status",
            now - (600 if unknown else 20),
            now - 600 if unknown else created,
        )
    )
    spec: JSON = {
        "podCIDR": f"100.64.{zlib.crc32(name.encode()) % 256}.0/24",
        "providerID": f"aws:///{zone}/i-{uid[:17]}",
    }
    taints = (
        [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}] if control_plane else []
    )
    if health == "cordoned":
        spec["unschedulable"] = True
        taints.append(
            {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule", "timeAdded": iso(now - 900)}
        )
    if unknown:
        taints.append(
            {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "timeAdded": iso(now - 560)}
        )
    if taints:
        spec["taints"] = taints
    cpu, memory = (4, 16045080) if control_plane else (8, 32608104)
    return {
        "metadata": {
            "name": name,
            "uid": uid,
            "resourceVersion": "",
            "creationTimestamp": iso(created),
            "labels": labels,
        },
        "spec": spec,
        "status": {
            "capacity": {
                "cpu": str(cpu),
                "memory": f"{memory}Ki",
                "pods": "110",
                "ephemeral-storage": "104845292Ki",
            },
            "allocatable": {
                "cpu": f"{cpu * 1000 - 90}m",
                "memory": f"{memory - 1048576}Ki",
                "pods": "110",
                "ephemeral-storage": "95551679124",
            },
            "conditions": conditions,
            "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": uid.replace("-", ""),
                "systemUUID": uid,
                "bootID": uid[::-1],
                "kernelVersion": "6.1.112-124.190.amzn2023.x86_64",
                "osImage": "Amazon Linux 2023.6.20241121",
                "containerRuntimeVersion": "containerd://1.7.23",
                "kubeletVersion": KUBERNETES_VERSION,
                "kubeProxyVersion": KUBERNETES_VERSION,
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
        },
    }


def _containers(template: PodTemplate) -> list[JSON]:
    return [container.spec() for container in template.containers]


def _replica_status(replicas: int, ready: int, updated: int | None = None) -> JSON:
    """Replica counts as the apiserver writes them: zero counts are omitted (omitempty)."""
    counts = {
        "replicas": replicas,
        "updatedReplicas": updated,
        "readyReplicas": ready,
        "availableReplicas": ready,
    }
    return {key: value for key, value in counts.items() if value}


def build_replicaset(
    *,
    namespace: str,
    name: str,
    uid: str,
    created: float,
    template: PodTemplate,
    replicas: int,
    ready: int,
    revision: int,
    deployment: tuple[str, str],
    containers: Any = None,  # the template's container list, or a slot for it pre-encoded
) -> JSON:
    labels = template.labels
    status = _replica_status(replicas, ready)
    status.update(replicas=replicas, observedGeneration=1)
    if replicas:
        status["fullyLabeledReplicas"] = replicas
    return {
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": uid,
            "resourceVersion": "",
            "generation": 1,
            "creationTimestamp": iso(created),
            "labels": labels,
            "annotations": {
                "deployment.kubernetes.io/desired-replicas": str(replicas),
                "deployment.kubernetes.io/max-replicas": str(replicas + max(1, replicas // 4)),
                "deployment.kubernetes.io/revision": str(revision),
            },
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": deployment[0],
                    "uid": deployment[1],
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": _containers(template) if containers is None else containers},
            },
        },
        "status": status,
    }


def build_deployment(
    *,
    namespace: str,
    name: str,
    uid: str,
    created: float,
    template: PodTemplate,
    replicas: int,
    ready: int,
    updated: int,
    revision: int,
    new_replica_set: str,
    progress: Progress,
    changed: float,
    containers: Any = None,  # the template's container list, or a slot for it pre-encoded
) -> JSON:
    at = iso(changed)
    available = ready >= replicas - replicas // 4
    progressing = {
        "complete": (
            "True",
            "NewReplicaSetAvailable",
            f'ReplicaSet "{new_replica_set}" has successfully progressed.',
        ),
        "progressing": ("True", "ReplicaSetUpdated", f'ReplicaSet "{new_replica_set}" is progressing.'),
        "stuck": (
            "False",
            "ProgressDeadlineExceeded",
            f'ReplicaSet "{new_replica_set}" has timed out progressing.',
        ),
    }[progress]
    status = _replica_status(replicas, ready, updated)
    status.update(observedGeneration=revision)
    if replicas > ready:
        status["unavailableReplicas"] = replicas - ready
    status["conditions"] = [
        {
            "type": "Available",
            "status": "True" if available else "False",
            "lastUpdateTime": at,
            "lastTransitionTime": at,
            "reason": "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
            "message": f"Deployment {'has' if available else 'does not have'} minimum availability.",
        },
        {
            "type": "Progressing",
            "status": progressing[0],
            "lastUpdateTime": at,
            "lastTransitionTime": at,
            "reason": progressing[1],
            "message": progressing[2],
        },
    ]
    return {
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": uid,
            "resourceVersion": "",
            "generation": revision,
            "creationTimestamp": iso(created),
            "labels": {"app": template.app},
            "annotations": {"deployment.kubernetes.io/revision": str(revision)},
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": template.app}},
            "template": {
                "metadata": {"labels": {"app": template.app}},
                "spec": {"containers": _containers(template) if containers is None else containers},
            },
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
            },
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        },
        "status": status,
    }


def cpu_quantity(millicores: float, rng: random.Random) -> str:
    """metrics-server mostly reports nanocores; some servers round to millicores."""
    if rng.random() < 0.8:
        return f"{round(millicores * 1_000_000)}n"
    return f"{round(millicores)}m"


def memory_quantity(mebibytes: float, rng: random.Random) -> str:
    if rng.random() < 0.8:
        return f"{round(mebibytes * 1024)}Ki"
    return f"{round(mebibytes)}Mi"


def build_pod_metrics(
    *, namespace: str, name: str, labels: Any, usage: list[tuple[str, str, str]], now: float
) -> JSON:
    """``labels``: a dict, or a slot for them pre-encoded."""
    return {
        "metadata": {"name": name, "namespace": namespace, "creationTimestamp": iso(now), "labels": labels},
        "timestamp": iso(now - 7),
        "window": "15.012s",
        "containers": [
            {"name": container, "usage": {"cpu": cpu, "memory": memory}} for container, cpu, memory in usage
        ],
    }


def build_node_metrics(*, name: str, labels: dict[str, str], cpu: str, memory: str, now: float) -> JSON:
    return {
        "metadata": {"name": name, "creationTimestamp": iso(now), "labels": labels},
        "timestamp": iso(now - 4),
        "window": "20.031s",
        "usage": {"cpu": cpu, "memory": memory},
    }
