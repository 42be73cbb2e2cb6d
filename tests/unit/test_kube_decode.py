"""Pods from raw API JSON: kubectl's STATUS, READY and RESTARTS columns, and the row's other fields.

Every fixture is the JSON the API server sends for a pod in that state; the expected status is the
string ``kubectl get pods`` prints for it (printPod in k8s.io/kubernetes pkg/printers/internalversion).
The builders here are shared by the other test_kube_decode_* modules.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from modulo_watch.collectors.kube.decode import KubeDecodeError, decode_pod_list
from modulo_watch.collectors.models import Pod

Json = dict[str, Any]

CREATED = "2026-05-01T10:00:00Z"


def at(minute: int) -> str:
    return f"2026-05-01T10:{minute:02d}:00Z"


def utc(minute: int) -> datetime:
    return datetime(2026, 5, 1, 10, minute, tzinfo=UTC)


# --- Builders: container statuses --------------------------------------------------------------------------


def running(name: str = "app", *, ready: bool = True, restarts: int = 0, last: Json | None = None) -> Json:
    return {
        "name": name,
        "state": {"running": {"startedAt": at(1)}},
        "lastState": last or {},
        "ready": ready,
        "restartCount": restarts,
        "image": f"registry.example.com/{name}:1.0",
        "imageID": "",
        "started": True,
    }


def waiting(reason: str, name: str = "app", *, restarts: int = 0, last: Json | None = None) -> Json:
    return {
        "name": name,
        "state": {"waiting": {"reason": reason, "message": f"{reason} message"}},
        "lastState": last or {},
        "ready": False,
        "restartCount": restarts,
        "image": f"registry.example.com/{name}:1.0",
        "imageID": "",
        "started": False,
    }


def terminated(
    reason: str = "", name: str = "app", *, exit_code: int = 0, signal: int = 0, restarts: int = 0
) -> Json:
    state: Json = {"exitCode": exit_code, "startedAt": at(1), "finishedAt": at(2)}
    if reason:
        state["reason"] = reason
    if signal:
        state["signal"] = signal
    return {
        "name": name,
        "state": {"terminated": state},
        "lastState": {},
        "ready": False,
        "restartCount": restarts,
        "image": f"registry.example.com/{name}:1.0",
        "imageID": "",
        "started": False,
    }


def last_terminated(reason: str, finished: str, exit_code: int = 137) -> Json:
    return {
        "terminated": {"exitCode": exit_code, "reason": reason, "startedAt": at(0), "finishedAt": finished}
    }


# --- Builders: pods and lists ------------------------------------------------------------------------------


def container(name: str, *, requests: Json | None = None, limits: Json | None = None) -> Json:
    spec: Json = {"name": name, "image": f"registry.example.com/{name}:1.0", "resources": {}}
    if requests:
        spec["resources"]["requests"] = requests
    if limits:
        spec["resources"]["limits"] = limits
    return spec


def pod(
    *,
    name: str = "api-7d4b9c-x2x9z",
    namespace: str = "prod",
    phase: str = "Running",
    reason: str = "",
    containers: list[Json] | None = None,
    statuses: list[Json] | None = None,
    init_containers: list[Json] | None = None,
    init_statuses: list[Json] | None = None,
    conditions: dict[str, str] | None = None,
    deleted: str | None = None,
    labels: dict[str, str] | None = None,
    owners: list[Json] | None = None,
    node: str = "node-1",
    gated: bool = False,
) -> Json:
    """A pod as the API server serializes it (fields it omits when empty are omitted here too)."""
    metadata: Json = {
        "name": name,
        "generateName": "api-7d4b9c-",
        "namespace": namespace,
        "uid": f"uid-{name}",
        "resourceVersion": "4242",
        "creationTimestamp": CREATED,
        "labels": {"app": "api", "pod-template-hash": "7d4b9c"} if labels is None else labels,
        "ownerReferences": owners
        if owners is not None
        else [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": "api-7d4b9c",
                "uid": "rs-uid",
                "controller": True,
            }
        ],
        "managedFields": [{"manager": "kubelet", "operation": "Update", "fieldsV1": {"f:status": {}}}],
    }
    if deleted:
        metadata["deletionTimestamp"] = deleted
        metadata["deletionGracePeriodSeconds"] = 30
    spec: Json = {
        "containers": containers if containers is not None else [container("app")],
        "restartPolicy": "Always",
        "volumes": [{"name": "kube-api-access", "projected": {"sources": []}}],
    }
    if node:
        spec["nodeName"] = node
    if init_containers:
        spec["initContainers"] = init_containers
    status: Json = {"phase": phase, "qosClass": "Burstable", "startTime": at(0)}
    if reason:
        status["reason"] = reason
    if conditions is not None:
        status["conditions"] = [
            {"type": kind, "status": value, "lastProbeTime": None, "lastTransitionTime": at(1)}
            for kind, value in conditions.items()
        ]
    if gated:
        status["conditions"] = [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]
    if statuses is not None:
        status["containerStatuses"] = statuses
    if init_statuses is not None:
        status["initContainerStatuses"] = init_statuses
    return {"kind": "Pod", "apiVersion": "v1", "metadata": metadata, "spec": spec, "status": status}


def object_list(kind: str, *items: Json, rv: str = "1000", token: str | None = None) -> bytes:
    metadata: Json = {"resourceVersion": rv}
    if token is not None:
        metadata["continue"] = token
    return json.dumps({"kind": kind, "apiVersion": "v1", "metadata": metadata, "items": list(items)}).encode()


def decode_pod(item: Json) -> Pod:
    page = decode_pod_list(object_list("PodList", item))
    assert len(page.items) == 1
    return page.items[0]


READY = {"Initialized": "True", "Ready": "True", "ContainersReady": "True", "PodScheduled": "True"}
NOT_READY = {"Initialized": "True", "Ready": "False", "ContainersReady": "False", "PodScheduled": "True"}
INITIALIZING = {"Initialized": "False", "Ready": "False", "ContainersReady": "False", "PodScheduled": "True"}
TWO = [container("app"), container("proxy")]


# --- kubectl STATUS ----------------------------------------------------------------------------------------

STATUS_CASES: list[tuple[str, Json, str, str]] = [
    ("running", pod(statuses=[running()], conditions=READY), "Running", "1/1"),
    (
        "running with one of two containers ready",
        pod(containers=TWO, statuses=[running(), running("proxy", ready=False)], conditions=NOT_READY),
        "Running",
        "1/2",
    ),
    (
        "crash loop after an OOM kill",
        pod(
            statuses=[waiting("CrashLoopBackOff", restarts=7, last=last_terminated("OOMKilled", at(30)))],
            conditions=NOT_READY,
        ),
        "CrashLoopBackOff",
        "0/1",
    ),
    ("OOMKilled right now", pod(statuses=[terminated("OOMKilled", exit_code=137)]), "OOMKilled", "0/1"),
    (
        "image pull back-off",
        pod(phase="Pending", statuses=[waiting("ImagePullBackOff")]),
        "ImagePullBackOff",
        "0/1",
    ),
    ("image pull error", pod(phase="Pending", statuses=[waiting("ErrImagePull")]), "ErrImagePull", "0/1"),
    (
        "config error",
        pod(phase="Pending", statuses=[waiting("CreateContainerConfigError")]),
        "CreateContainerConfigError",
        "0/1",
    ),
    (
        "container creating",
        pod(phase="Pending", statuses=[waiting("ContainerCreating")]),
        "ContainerCreating",
        "0/1",
    ),
    (
        "pending, unschedulable",
        pod(phase="Pending", node="", conditions={"PodScheduled": "False"}),
        "Pending",
        "0/1",
    ),
    (
        "init 1 of 2 running",
        pod(
            phase="Pending",
            init_containers=[container("migrate"), container("warm-cache")],
            init_statuses=[terminated("Completed", "migrate"), running("warm-cache", ready=False)],
            statuses=[waiting("PodInitializing")],
            conditions=INITIALIZING,
        ),
        "Init:1/2",
        "0/1",
    ),
    (
        "init 0 of 2, not started",
        pod(
            phase="Pending",
            init_containers=[container("migrate"), container("warm-cache")],
            init_statuses=[waiting("PodInitializing", "migrate"), waiting("PodInitializing", "warm-cache")],
            statuses=[waiting("PodInitializing")],
            conditions=INITIALIZING,
        ),
        "Init:0/2",
        "0/1",
    ),
    (
        "init container crash-looping",
        pod(
            phase="Pending",
            init_containers=[container("migrate")],
            init_statuses=[waiting("CrashLoopBackOff", "migrate", restarts=4)],
            statuses=[waiting("PodInitializing")],
            conditions=INITIALIZING,
        ),
        "Init:CrashLoopBackOff",
        "0/1",
    ),
    (
        "init container failed",
        pod(
            phase="Pending",
            init_containers=[container("migrate")],
            init_statuses=[terminated("Error", "migrate", exit_code=1)],
            conditions=INITIALIZING,
        ),
        "Init:Error",
        "0/1",
    ),
    (
        "init container exit code, no reason",
        pod(
            phase="Pending",
            init_containers=[container("migrate")],
            init_statuses=[terminated("", "migrate", exit_code=3)],
            conditions=INITIALIZING,
        ),
        "Init:ExitCode:3",
        "0/1",
    ),
    (
        "init container killed by a signal",
        pod(
            phase="Pending",
            init_containers=[container("migrate")],
            init_statuses=[terminated("", "migrate", exit_code=137, signal=9)],
            conditions=INITIALIZING,
        ),
        "Init:Signal:9",
        "0/1",
    ),
    (
        "terminating",
        pod(statuses=[running()], conditions=READY, deleted=at(40)),
        "Terminating",
        "1/1",
    ),
    (
        "deleted on a lost node",
        pod(reason="NodeLost", statuses=[running()], conditions=READY, deleted=at(40)),
        "Unknown",
        "1/1",
    ),
    (
        "evicted",
        pod(phase="Failed", reason="Evicted", conditions={"PodScheduled": "True"}),
        "Evicted",
        "0/1",
    ),
    (
        "evicted, then deleted: a finished pod is not Terminating",
        pod(phase="Failed", reason="Evicted", deleted=at(40)),
        "Evicted",
        "0/1",
    ),
    (
        "completed job pod",
        pod(phase="Succeeded", statuses=[terminated("Completed")], conditions=NOT_READY),
        "Completed",
        "0/1",
    ),
    (
        "one container finished, one still running, pod Ready",
        pod(containers=TWO, statuses=[terminated("Completed"), running("proxy")], conditions=READY),
        "Running",
        "1/2",
    ),
    (
        "one container finished, one still running, pod not Ready",
        pod(containers=TWO, statuses=[terminated("Completed"), running("proxy")], conditions=NOT_READY),
        "NotReady",
        "1/2",
    ),
    ("exit code without a reason", pod(statuses=[terminated("", exit_code=2)]), "ExitCode:2", "0/1"),
    ("signal without a reason", pod(statuses=[terminated("", exit_code=143, signal=15)]), "Signal:15", "0/1"),
    (
        "the first container in the list wins (kubectl walks them in reverse)",
        pod(containers=TWO, statuses=[waiting("CrashLoopBackOff"), waiting("ImagePullBackOff", "proxy")]),
        "CrashLoopBackOff",
        "0/2",
    ),
    (
        "scheduling gated (kubectl reads the PodScheduled condition's reason)",
        pod(
            phase="Pending",
            node="",
            gated=True,
        ),
        "SchedulingGated",
        "0/1",
    ),
    (
        "sidecar running and ready",
        pod(
            init_containers=[{**container("mesh"), "restartPolicy": "Always"}],
            init_statuses=[running("mesh")],
            statuses=[running()],
            conditions=READY,
        ),
        "Running",
        "2/2",
    ),
]


@pytest.mark.parametrize(
    ("item", "status", "ready"), [case[1:] for case in STATUS_CASES], ids=[c[0] for c in STATUS_CASES]
)
def test_status_and_ready_are_what_kubectl_prints(item: Json, status: str, ready: str) -> None:
    decoded = decode_pod(item)

    assert decoded.status == status
    assert f"{decoded.ready_containers}/{decoded.total_containers}" == ready


def test_crash_loop_counts_restarts_and_remembers_the_oom_kill_time() -> None:
    decoded = decode_pod(
        pod(
            containers=TWO,
            statuses=[
                waiting("CrashLoopBackOff", restarts=7, last=last_terminated("OOMKilled", at(30))),
                running("proxy", restarts=2, last=last_terminated("Error", at(12), exit_code=1)),
            ],
        )
    )

    assert decoded.restarts == 9
    assert decoded.last_restart_at == utc(30)


def test_while_initialising_only_init_restarts_count() -> None:
    decoded = decode_pod(
        pod(
            phase="Pending",
            init_containers=[container("migrate")],
            init_statuses=[
                waiting("CrashLoopBackOff", "migrate", restarts=4, last=last_terminated("Error", at(9)))
            ],
            statuses=[waiting("PodInitializing", restarts=0)],
            conditions=INITIALIZING,
        )
    )

    assert (decoded.status, decoded.restarts, decoded.last_restart_at) == ("Init:CrashLoopBackOff", 4, utc(9))


def test_once_running_finished_init_restarts_no_longer_count_but_a_sidecar_s_do() -> None:
    decoded = decode_pod(
        pod(
            init_containers=[container("migrate"), {**container("mesh"), "restartPolicy": "Always"}],
            init_statuses=[terminated("Completed", "migrate", restarts=3), running("mesh", restarts=1)],
            statuses=[running(restarts=2)],
            conditions=READY,
        )
    )

    assert (decoded.status, decoded.restarts) == ("Running", 3)
    assert (decoded.ready_containers, decoded.total_containers) == (2, 2)


def test_no_restart_no_restart_time() -> None:
    assert decode_pod(pod(statuses=[running()])).last_restart_at is None


# --- The row's other fields --------------------------------------------------------------------------------


def test_fields_of_a_running_pod() -> None:
    decoded = decode_pod(
        pod(
            name="api-7d4b9c-x2x9z",
            namespace="payments",
            labels={"app": "api", "tier": "backend", "pod-template-hash": "7d4b9c"},
            statuses=[running()],
            conditions=READY,
            node="ip-10-0-3-17.eu-west-1.compute.internal",
        )
    )

    assert decoded == Pod(
        namespace="payments",
        name="api-7d4b9c-x2x9z",
        ready_containers=1,
        total_containers=1,
        status="Running",
        restarts=0,
        created_at=datetime(2026, 5, 1, 10, 0, tzinfo=UTC),
        node="ip-10-0-3-17.eu-west-1.compute.internal",
        labels=(("app", "api"), ("tier", "backend"), ("pod-template-hash", "7d4b9c")),
        uid="uid-api-7d4b9c-x2x9z",
        owner="ReplicaSet/api-7d4b9c",
    )
    assert decoded.key == "payments/api-7d4b9c-x2x9z"
    assert decoded.created_at.utcoffset() is not None


def test_requests_and_limits_are_summed_over_containers_and_sidecars() -> None:
    decoded = decode_pod(
        pod(
            containers=[
                container("app", requests={"cpu": "250m", "memory": "256Mi"}, limits={"memory": "512Mi"}),
                container("proxy", requests={"cpu": "0.1", "memory": "64Mi"}),
            ],
            init_containers=[
                container("migrate", requests={"cpu": "2", "memory": "1Gi"}),  # done before the app starts
                {**container("mesh", requests={"cpu": "50m"}), "restartPolicy": "Always"},
            ],
        )
    )

    assert decoded.cpu_request_millicores == 400
    assert decoded.memory_request_bytes == 320 * 1024 * 1024
    assert decoded.cpu_limit_millicores is None  # no container sets one
    assert decoded.memory_limit_bytes == 512 * 1024 * 1024


def test_owner_is_the_controller_reference_else_the_first_and_empty_for_a_bare_pod() -> None:
    owners: list[Json] = [
        {"apiVersion": "v1", "kind": "Node", "name": "node-1", "uid": "n"},
        {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "postgres", "uid": "s", "controller": True},
    ]

    assert decode_pod(pod(owners=owners)).owner == "StatefulSet/postgres"
    assert decode_pod(pod(owners=owners[:1])).owner == "Node/node-1"
    assert decode_pod(pod(owners=[])).owner == ""


def test_a_page_carries_its_resource_version_and_continue_token() -> None:
    first = decode_pod_list(
        object_list("PodList", pod(name="a"), pod(name="b"), rv="777", token="eyJ2IjoibWV0YS")
    )
    last = decode_pod_list(object_list("PodList", rv="778", token=""))

    assert [p.name for p in first.items] == ["a", "b"]
    assert (first.resource_version, first.continue_token) == ("777", "eyJ2IjoibWV0YS")
    assert (last.items, last.resource_version, last.continue_token) == ((), "778", None)


def test_a_minimal_pod_takes_the_go_zero_values() -> None:
    bare = {"metadata": {"name": "p", "namespace": "n", "creationTimestamp": CREATED}}

    decoded = decode_pod(bare)

    assert (decoded.status, decoded.ready_containers, decoded.total_containers, decoded.node) == (
        "",
        0,
        0,
        "",
    )
    assert decoded.labels == ()


def test_a_bad_quantity_names_the_pod_and_the_value() -> None:
    with pytest.raises(KubeDecodeError, match=r"pod prod/api-1: bad CPU quantity '12 cores'"):
        decode_pod(pod(name="api-1", containers=[container("app", requests={"cpu": "12 cores"})]))


def test_a_pod_without_a_creation_time_is_an_error() -> None:
    item = pod(name="api-1")
    del item["metadata"]["creationTimestamp"]

    with pytest.raises(KubeDecodeError, match=r"pod prod/api-1: no metadata.creationTimestamp"):
        decode_pod(item)
