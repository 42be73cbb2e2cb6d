"""Decoding a 150,000-pod PodList: the official client's models versus the lean msgspec decoder.

The list is built here: realistic pods of about 3 KB of compact JSON each, as the API server writes
them without managedFields (metadata with labels and an owner; a spec with the service-account volume,
one container with ports, resources and a mount, a sidecar in one pod in ten, default tolerations;
five conditions and container statuses). Most are Running; one in 200 each is in CrashLoopBackOff
with an OOMKilled last state, ImagePullBackOff, Completed, or Pending unscheduled. `--managed-fields`
adds a typical managedFields block (about 600 bytes more a pod).

Each decoder runs in a fresh child process on the same bytes, so neither inherits the other's heap:
  official  what `CoreV1Api.list_pod_for_all_namespaces` does with a response: the body decoded to
            text, then `ApiClient.deserialize(text, "V1PodList", "application/json")` (json.loads,
            then the pydantic `V1PodList.from_dict`).
  lean      `decode_pod_list(body)` from modulo_watch.collectors.kube.decode, to `Pod` models.
For each: wall and CPU seconds, µs a pod, and memory: the peak RSS (VmHWM) above the RSS once the
body is in memory, and the RSS the result still holds afterwards. Each child also prints a digest
(pod count and total restarts) so the two results can be seen to agree.

Prints figures and asserts nothing. Linux only (/proc). Run it from the repository root as a module:
`.venv/bin/python -m bench.kube_decode` (`--pods 10000` for a quick run). The official decoder needs
about 10 GB of memory for 150k pods.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.terminal import machine

NAMESPACES = tuple(f"team-{n:02d}" for n in range(40))
NODES = 600
MiB = 1024 * 1024


def _container(name: str, image: str, restarts: int, state: dict[str, Any], ready: bool) -> dict[str, Any]:
    status: dict[str, Any] = {
        "name": name,
        "state": state,
        "lastState": {},
        "ready": ready,
        "restartCount": restarts,
        "image": image,
        "imageID": f"{image.split(':')[0]}@sha256:{'ab12' * 16}",
        "containerID": f"containerd://{'c0ffee' * 10}{name[:4]}",
        "started": ready,
    }
    return status


def _spec_container(name: str, image: str) -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        "resources": {
            "limits": {"cpu": "500m", "memory": "512Mi"},
            "requests": {"cpu": "250m", "memory": "256Mi"},
        },
        "volumeMounts": [
            {
                "name": "kube-api-access-x7k2p",
                "readOnly": True,
                "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
            }
        ],
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "imagePullPolicy": "IfNotPresent",
    }


MANAGED_FIELDS = [
    {
        "manager": "kube-controller-manager",
        "operation": "Update",
        "apiVersion": "v1",
        "time": "2026-05-01T10:00:00Z",
        "fieldsType": "FieldsV1",
        "fieldsV1": {
            "f:metadata": {
                "f:generateName": {},
                "f:labels": {".": {}, "f:app": {}, "f:pod-template-hash": {}},
                "f:ownerReferences": {".": {}, 'k:{"uid":"5c1e"}': {}},
            },
            "f:spec": {"f:containers": {'k:{"name":"app"}': {".": {}, "f:image": {}, "f:name": {}}}},
        },
    },
    {
        "manager": "kubelet",
        "operation": "Update",
        "apiVersion": "v1",
        "time": "2026-05-01T10:00:09Z",
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:status": {"f:conditions": {}, "f:containerStatuses": {}, "f:podIP": {}}},
        "subresource": "status",
    },
]


def make_pod(index: int, managed_fields: bool) -> dict[str, Any]:
    namespace = NAMESPACES[index % len(NAMESPACES)]
    app = f"service-{index % 997:03d}"
    template_hash = f"{(index * 2654435761) % 16**10:010x}"
    name = f"{app}-{template_hash}-{index:06x}"
    image = f"registry.example.com/{namespace}/{app}:v1.{index % 50}.3"
    two = index % 10 == 0  # a sidecar in one pod in ten
    kind = index % 200
    phase = "Running"
    running: dict[str, Any] = {"running": {"startedAt": "2026-05-01T10:00:05Z"}}
    states = [running, running]
    ready = kind >= 5
    restarts = index % 7 if kind > 20 else 0
    if kind == 0:  # CrashLoopBackOff after an OOM kill
        states[0] = {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed"}}
        restarts = 41
    elif kind == 1:
        phase = "Pending"
        states[0] = {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}}
    elif kind == 2:
        done = {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": "2026-05-01T10:00:05Z"}}
        phase, states = "Succeeded", [done, done]
    elif kind == 3:
        phase = "Pending"
    statuses = [_container("app", image, restarts, states[0], ready)]
    if kind == 0:
        statuses[0]["lastState"] = {
            "terminated": {
                "exitCode": 137,
                "reason": "OOMKilled",
                "startedAt": "2026-05-01T11:58:00Z",
                "finishedAt": "2026-05-01T11:59:12Z",
                "containerID": "containerd://" + "d00d" * 16,
            }
        }
    containers = [_spec_container("app", image)]
    if two:
        containers.append(_spec_container("proxy", "registry.example.com/mesh/proxy:1.22.1"))
        statuses.append(_container("proxy", "registry.example.com/mesh/proxy:1.22.1", 0, states[1], ready))
    condition = "True" if ready else "False"
    pod: dict[str, Any] = {
        "metadata": {
            "name": name,
            "generateName": f"{app}-{template_hash}-",
            "namespace": namespace,
            "uid": f"{index:08x}-5c1e-4a3b-9d2f-{index:012x}",
            "resourceVersion": str(1_000_000 + index),
            "creationTimestamp": "2026-05-01T10:00:00Z",
            "labels": {"app": app, "pod-template-hash": template_hash, "tier": "backend"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": f"{app}-{template_hash}",
                    "uid": f"5c1e{index % 997:04d}-0000-4000-8000-000000000000",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "volumes": [
                {
                    "name": "kube-api-access-x7k2p",
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
            "nodeName": "" if kind == 3 else f"node-{index % NODES:04d}.cluster.internal",
            "securityContext": {},
            "schedulerName": "default-scheduler",
            "tolerations": [
                {
                    "key": "node.kubernetes.io/not-ready",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                },
                {
                    "key": "node.kubernetes.io/unreachable",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                },
            ],
            "priority": 0,
            "enableServiceLinks": True,
            "preemptionPolicy": "PreemptLowerPriority",
        },
        "status": {
            "phase": phase,
            "conditions": [
                {
                    "type": kind_,
                    "status": condition if kind_ in ("Ready", "ContainersReady") else "True",
                    "lastProbeTime": None,
                    "lastTransitionTime": "2026-05-01T10:00:06Z",
                }
                for kind_ in (
                    "PodReadyToStartContainers",
                    "Initialized",
                    "Ready",
                    "ContainersReady",
                    "PodScheduled",
                )
            ],
            "hostIP": f"10.0.{index % 250}.{index % 200 + 1}",
            "podIP": f"10.244.{index % 250}.{index % 250 + 1}",
            "podIPs": [{"ip": f"10.244.{index % 250}.{index % 250 + 1}"}],
            "startTime": "2026-05-01T10:00:01Z",
            "containerStatuses": statuses,
            "qosClass": "Burstable",
        },
    }
    if kind == 3:  # unschedulable: no node, no container statuses
        del pod["status"]["containerStatuses"]
        pod["status"]["conditions"] = [
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "lastProbeTime": None,
                "lastTransitionTime": "2026-05-01T10:00:00Z",
                "message": "0/600 nodes are available: 600 Insufficient cpu.",
            }
        ]
    if managed_fields:
        pod["metadata"]["managedFields"] = MANAGED_FIELDS
    return pod


def build_list(pods: int, managed_fields: bool) -> bytes:
    head = b'{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"98765432"},"items":['
    items = b",".join(
        json.dumps(make_pod(i, managed_fields), separators=(",", ":")).encode() for i in range(pods)
    )
    return head + items + b"]}"


def _proc_status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def measure(which: str, path: Path) -> None:
    """In the child: decode the body once and print the figures as one JSON line."""
    body = path.read_bytes()
    if which == "lean":
        from modulo_watch.collectors.kube.decode import decode_pod_list
    else:
        importlib.import_module("kubernetes.client")  # imports are not decoding: load them before the clock
    gc.collect()
    rss_before = _proc_status_kib("VmRSS")
    wall, cpu = time.perf_counter(), time.process_time()
    if which == "lean":
        page = decode_pod_list(body)
        result: Any = page
        count, restarts = len(page.items), sum(pod.restarts for pod in page.items)
    else:
        client = importlib.import_module("kubernetes.client")
        result = client.ApiClient().deserialize(body.decode("utf-8"), "V1PodList", "application/json")
        count = len(result.items)
        restarts = sum(s.restart_count for pod in result.items for s in (pod.status.container_statuses or ()))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    figures = {
        "wall": wall,
        "cpu": cpu,
        "count": count,
        "restarts": restarts,
        "peak_mib": (_proc_status_kib("VmHWM") - rss_before) / 1024,
        "held_mib": (_proc_status_kib("VmRSS") - rss_before) / 1024,
    }
    del result
    print(json.dumps(figures))


@dataclass(frozen=True)
class Figures:
    wall: float
    cpu: float
    count: int
    restarts: int
    peak_mib: float
    held_mib: float


def run_child(which: str, path: Path) -> Figures | None:
    command = [sys.executable, "-m", "bench.kube_decode", "--measure", which, str(path)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"{which}: the child failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
        return None
    return Figures(**json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pods", type=int, default=150_000, help="pods in the list (default 150000)")
    parser.add_argument("--managed-fields", action="store_true", help="give every pod a managedFields block")
    parser.add_argument("--only", choices=("official", "lean"), help="run one decoder only")
    parser.add_argument("--measure", nargs=2, metavar=("DECODER", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure[0], Path(args.measure[1]))
        return 0

    print(f"machine: {machine()}, Python {sys.version.split()[0]}")
    started = time.perf_counter()
    body = build_list(args.pods, args.managed_fields)
    fields = "with" if args.managed_fields else "without"
    print(
        f"PodList: {args.pods:,} pods, {len(body) / MiB:,.1f} MiB, {len(body) / args.pods:,.0f} bytes a pod "
        f"({fields} managedFields), built in {time.perf_counter() - started:.1f} s"
    )
    results: dict[str, Figures] = {}
    with tempfile.TemporaryDirectory(prefix="modulo-watch-bench-") as directory:
        path = Path(directory) / "podlist.json"
        path.write_bytes(body)
        del body
        for which in ("official", "lean"):
            if args.only not in (None, which):
                continue
            figures = run_child(which, path)
            if figures is None:
                continue
            results[which] = figures
            print(
                f"{which:>8}: {figures.wall:7.2f} s wall, {figures.cpu:7.2f} s CPU, "
                f"{figures.wall / figures.count * 1e6:7.1f} µs a pod; peak RSS +{figures.peak_mib:,.0f} MiB, "
                f"held +{figures.held_mib:,.0f} MiB; {figures.count:,} pods, {figures.restarts:,} restarts"
            )
    if len(results) == 2:
        official, lean = results["official"], results["lean"]
        agree = (official.count, official.restarts) == (lean.count, lean.restarts)
        print(
            f"   ratio: lean is {official.wall / lean.wall:.1f}x faster (wall), "
            f"{official.cpu / lean.cpu:.1f}x (CPU); "
            f"its peak memory is {official.peak_mib / lean.peak_mib:.1f}x lower; "
            f"digests {'agree' if agree else 'DIFFER'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
