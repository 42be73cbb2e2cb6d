"""Nodes, events, Deployments, ReplicaSets and metrics.k8s.io from raw API JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from modulo_watch.collectors.kube.decode import (
    KubeDecodeError,
    WorkloadCondition,
    decode_deployment_list,
    decode_event_list,
    decode_node_list,
    decode_node_metrics_list,
    decode_pod_metrics_list,
    decode_replicaset_list,
)
from modulo_watch.collectors.models import Node
from tests.unit.test_kube_decode import CREATED, Json, at, object_list, utc

# --- Nodes -------------------------------------------------------------------------------------------------


def node(
    name: str = "node-1",
    *,
    conditions: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    unschedulable: bool = False,
    allocatable: dict[str, str] | None = None,
) -> Json:
    healthy = {"MemoryPressure": "False", "DiskPressure": "False", "PIDPressure": "False", "Ready": "True"}
    spec: Json = {"podCIDR": "10.244.1.0/24", "providerID": "aws:///eu-west-1a/i-0abc"}
    if unschedulable:
        spec["unschedulable"] = True
        spec["taints"] = [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]
    return {
        "kind": "Node",
        "metadata": {
            "name": name,
            "uid": f"uid-{name}",
            "resourceVersion": "99",
            "creationTimestamp": CREATED,
            "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}
            if labels is None
            else labels,
        },
        "spec": spec,
        "status": {
            "capacity": {"cpu": "4", "memory": "16393220Ki", "pods": "110"},
            "allocatable": {"cpu": "3920m", "memory": "15242244Ki", "pods": "110"}
            if allocatable is None
            else allocatable,
            "conditions": [
                {"type": kind, "status": value, "reason": f"Kubelet{kind}", "lastHeartbeatTime": at(5)}
                for kind, value in (healthy if conditions is None else conditions).items()
            ],
            "nodeInfo": {"kubeletVersion": "v1.31.4", "osImage": "Bottlerocket OS 1.26.2"},
        },
    }


def decode_node(item: Json) -> Node:
    return decode_node_list(object_list("NodeList", item)).items[0]


def test_a_healthy_worker() -> None:
    decoded = decode_node(node(labels={"node-role.kubernetes.io/worker": ""}))

    assert decoded == Node(
        name="node-1",
        ready=True,
        created_at=datetime(2026, 5, 1, 10, 0, tzinfo=UTC),
        roles=("worker",),
        version="v1.31.4",
        allocatable_cpu_millicores=3920,
        allocatable_memory_bytes=15_242_244 * 1024,
    )
    assert decoded.status == "Ready"


@pytest.mark.parametrize("ready", ["False", "Unknown"])
def test_not_ready(ready: str) -> None:
    assert decode_node(node(conditions={"Ready": ready})).status == "NotReady"


def test_no_ready_condition_is_not_ready() -> None:
    assert decode_node(node(conditions={})).ready is False


def test_pressures_that_are_true_sorted_with_the_drill_s_names() -> None:
    conditions = {
        "MemoryPressure": "True",
        "DiskPressure": "True",
        "PIDPressure": "False",
        "NetworkUnavailable": "True",
        "Ready": "True",
    }

    assert decode_node(node(conditions=conditions)).pressures == (
        "DiskPressure",
        "MemoryPressure",
        "NetworkUnavailable",
    )


def test_cordoned() -> None:
    decoded = decode_node(node(unschedulable=True))

    assert decoded.unschedulable
    assert decoded.status == "Ready,SchedulingDisabled"


def test_roles_as_kubectl_finds_them() -> None:
    labels = {
        "node-role.kubernetes.io/control-plane": "",
        "node-role.kubernetes.io/etcd": "true",
        "node-role.kubernetes.io/": "",  # no role name: ignored
        "kubernetes.io/role": "master",
        "topology.kubernetes.io/zone": "eu-west-1a",
    }

    assert decode_node(node(labels=labels)).roles == ("control-plane", "etcd", "master")
    assert decode_node(node(labels={})).roles == ()


def test_missing_allocatable_is_none_and_a_bad_one_is_an_error() -> None:
    assert decode_node(node(allocatable={})).allocatable_cpu_millicores is None

    with pytest.raises(KubeDecodeError, match=r"node node-1: allocatable: bad memory quantity '16 GB'"):
        decode_node(node(allocatable={"cpu": "4", "memory": "16 GB"}))


# --- Events ------------------------------------------------------------------------------------------------


def event(**fields: Any) -> Json:
    item: Json = {
        "kind": "Event",
        "metadata": {
            "name": "api-1.17f3a",
            "namespace": "prod",
            "creationTimestamp": at(3),
            "resourceVersion": "5",
        },
        "involvedObject": {
            "kind": "Pod",
            "namespace": "prod",
            "name": "api-1",
            "fieldPath": "spec.containers{app}",
        },
        "reason": "BackOff",
        "message": "Back-off restarting failed container app in pod api-1",
        "type": "Warning",
        "firstTimestamp": None,
        "lastTimestamp": None,
        "eventTime": None,
        "reportingComponent": "",
        "reportingInstance": "",
        "source": {},
    }
    item.update(fields)
    return item


def test_an_old_style_event() -> None:
    decoded = decode_event_list(
        object_list(
            "EventList",
            event(
                firstTimestamp=at(1),
                lastTimestamp=at(9),
                count=14,
                source={"component": "kubelet", "host": "node-1"},
            ),
        )
    ).items[0]

    assert (decoded.namespace, decoded.name, decoded.key) == ("prod", "api-1.17f3a", "prod/api-1.17f3a")
    assert (decoded.type, decoded.reason, decoded.involved_kind, decoded.involved_name) == (
        "Warning",
        "BackOff",
        "Pod",
        "api-1",
    )
    assert decoded.message == "Back-off restarting failed container app in pod api-1"
    assert (decoded.first_seen, decoded.last_seen, decoded.count) == (utc(1), utc(9), 14)
    assert decoded.source == "kubelet, node-1"


def test_an_events_k8s_io_event_with_a_series() -> None:
    decoded = decode_event_list(
        object_list(
            "EventList",
            event(
                eventTime="2026-05-01T10:02:00.123456Z",
                series={"count": 6, "lastObservedTime": "2026-05-01T10:08:00.654321Z"},
                reportingComponent="default-scheduler",
                reportingInstance="default-scheduler-control-plane-1",
            ),
        )
    ).items[0]

    assert decoded.first_seen == datetime(2026, 5, 1, 10, 2, 0, 123456, tzinfo=UTC)
    assert decoded.last_seen == datetime(2026, 5, 1, 10, 8, 0, 654321, tzinfo=UTC)
    assert decoded.count == 6
    assert decoded.source == "default-scheduler, default-scheduler-control-plane-1"


def test_a_singleton_new_style_event_is_seen_once_at_its_event_time() -> None:
    decoded = decode_event_list(
        object_list("EventList", event(eventTime=at(4), reportingComponent="kubelet"))
    )

    item = decoded.items[0]
    assert (item.first_seen, item.last_seen, item.count, item.source) == (utc(4), utc(4), 1, "kubelet")


def test_an_event_with_no_time_at_all_falls_back_to_its_creation() -> None:
    item = decode_event_list(object_list("EventList", event())).items[0]

    assert (item.first_seen, item.last_seen) == (utc(3), utc(3))


def test_last_seen_without_first_seen() -> None:
    item = decode_event_list(object_list("EventList", event(lastTimestamp=at(7)))).items[0]

    assert (item.first_seen, item.last_seen) == (utc(3), utc(7))


# --- Deployments and ReplicaSets ---------------------------------------------------------------------------


def workload(kind: str, name: str, revision: str, image: str, **status: int) -> Json:
    metadata: Json = {
        "name": name,
        "namespace": "prod",
        "uid": f"uid-{name}",
        "generation": 4,
        "creationTimestamp": at(2),
        "annotations": {
            "deployment.kubernetes.io/revision": revision,
            "kubectl.kubernetes.io/last-applied-configuration": json.dumps({"spec": {"replicas": 3}}),
        },
    }
    if kind == "ReplicaSet":
        metadata["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": "api",
                "uid": "uid-api",
                "controller": True,
            }
        ]
    return {
        "kind": kind,
        "metadata": metadata,
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "api"}},
            "template": {
                "metadata": {"creationTimestamp": None, "labels": {"app": "api"}},
                "spec": {
                    "containers": [{"name": "api", "image": image}, {"name": "proxy", "image": "proxy:1.22"}]
                },
            },
        },
        "status": {"observedGeneration": 4, **status},
    }


def test_a_deployment_stuck_mid_rollout() -> None:
    item = workload("Deployment", "api", "7", "api:2.4.0", replicas=4, updatedReplicas=1, readyReplicas=3)
    item["status"].update(
        availableReplicas=3,
        unavailableReplicas=1,
        conditions=[
            {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "message": "ok"},
            {
                "type": "Progressing",
                "status": "False",
                "reason": "ProgressDeadlineExceeded",
                "message": 'ReplicaSet "api-5659dd754f" has timed out progressing.',
            },
        ],
    )

    decoded = decode_deployment_list(object_list("DeploymentList", item)).items[0]

    assert (decoded.namespace, decoded.name, decoded.uid, decoded.created_at) == (
        "prod",
        "api",
        "uid-api",
        utc(2),
    )
    assert (decoded.revision, decoded.generation, decoded.observed_generation) == (7, 4, 4)
    assert (decoded.desired, decoded.updated, decoded.ready, decoded.available, decoded.unavailable) == (
        3,
        1,
        3,
        3,
        1,
    )
    assert decoded.images == ("api:2.4.0", "proxy:1.22")
    assert not decoded.paused
    assert decoded.conditions[1] == WorkloadCondition(
        "Progressing",
        "False",
        "ProgressDeadlineExceeded",
        'ReplicaSet "api-5659dd754f" has timed out progressing.',
    )


def test_replica_sets_are_revisions_of_their_deployment() -> None:
    old = workload(
        "ReplicaSet", "api-6d8f7b9c4", "6", "api:2.3.1", replicas=3, readyReplicas=3, availableReplicas=3
    )
    new = workload("ReplicaSet", "api-5659dd754f", "7", "api:2.4.0", replicas=1)
    bare = workload("ReplicaSet", "legacy", "not-a-number", "legacy:1")
    del bare["metadata"]["ownerReferences"]
    del bare["spec"]["replicas"]

    page = decode_replicaset_list(object_list("ReplicaSetList", old, new, bare))

    first, second, third = page.items
    assert (first.owner, first.owner_uid, first.revision, first.images) == (
        "Deployment/api",
        "uid-api",
        6,
        ("api:2.3.1", "proxy:1.22"),
    )
    assert (first.desired, first.replicas, first.ready, first.available) == (3, 3, 3, 3)
    assert (second.revision, second.ready) == (7, 0)
    assert (third.owner, third.revision, third.desired) == ("", 0, 1)  # the API's default replica count


# --- metrics.k8s.io ----------------------------------------------------------------------------------------


def test_pod_metrics_sum_containers_exactly_and_round_once() -> None:
    raw = json.dumps(
        {
            "kind": "PodMetricsList",
            "apiVersion": "metrics.k8s.io/v1beta1",
            "metadata": {},
            "items": [
                {
                    "metadata": {"name": "api-1", "namespace": "prod", "creationTimestamp": at(5)},
                    "timestamp": at(5),
                    "window": "15.012s",
                    "containers": [
                        {"name": "app", "usage": {"cpu": "1234567n", "memory": "123456Ki"}},
                        {"name": "proxy", "usage": {"cpu": "1000000n", "memory": "20Mi"}},
                    ],
                },
                {"metadata": {"name": "idle", "namespace": "prod"}, "containers": []},
            ],
        }
    ).encode()

    assert decode_pod_metrics_list(raw) == {
        "prod/api-1": (3, 123_456 * 1024 + 20 * 2**20),  # 2.234567 millicores, rounded up once
        "prod/idle": (0, 0),
    }


def test_node_metrics() -> None:
    raw = json.dumps(
        {
            "kind": "NodeMetricsList",
            "metadata": {},
            "items": [
                {
                    "metadata": {"name": "node-1"},
                    "window": "20s",
                    "usage": {"cpu": "1873m", "memory": "9634212Ki"},
                },
                {"metadata": {"name": "node-2"}, "usage": {"cpu": "250000000n", "memory": "2Gi"}},
            ],
        }
    ).encode()

    assert decode_node_metrics_list(raw) == {"node-1": (1873, 9_634_212 * 1024), "node-2": (250, 2 * 2**30)}


def test_metrics_without_usage_or_with_a_bad_value_are_errors() -> None:
    missing = b'{"kind":"NodeMetricsList","metadata":{},"items":[{"metadata":{"name":"node-1"}}]}'
    bad = b'{"items":[{"metadata":{"name":"node-1"},"usage":{"cpu":"x","memory":"1"}}]}'

    with pytest.raises(KubeDecodeError, match=r"node metrics list: Object missing required field `usage`"):
        decode_node_metrics_list(missing)
    with pytest.raises(KubeDecodeError, match=r"node metrics list: node-1: bad CPU quantity 'x'"):
        decode_node_metrics_list(bad)
