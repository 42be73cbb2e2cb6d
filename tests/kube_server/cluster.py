"""``FakeCluster``: the store plus what tests do to a cluster (pods failing, nodes going away, events,
rollouts, churn, logs). Every mutation bumps the resourceVersion and reaches open watches."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tests.kube_server import scenarios
from tests.kube_server.events import build_event
from tests.kube_server.generate import RUNNING, Plan, generate, namespace_names, pod_ip
from tests.kube_server.logs import LogBuffer, generated_log, log_target
from tests.kube_server.objects import (
    JSON,
    Container,
    PodHealth,
    PodTemplate,
    iso,
    random_suffix,
    random_uid,
)
from tests.kube_server.pods import make_pod
from tests.kube_server.resources import RESOURCES
from tests.kube_server.status import ApiError
from tests.kube_server.store import ClusterStore
from tests.kube_server.workloads import build_pod_metrics, node_condition

KIND_TO_RESOURCE = {"Pod": "pods", "Node": "nodes", "Deployment": "deployments", "ReplicaSet": "replicasets"}
_CONDITION_REASONS = {
    ("Ready", "True"): ("KubeletReady", "kubelet is posting ready status"),
    ("Ready", "False"): ("KubeletNotReady", "container runtime network not ready: NetworkReady=false"),
    ("Ready", "Unknown"): ("NodeStatusUnknown", "Kubelet stopped posting node status."),
    ("MemoryPressure", "True"): ("KubeletHasInsufficientMemory", "kubelet has insufficient memory available"),
    ("DiskPressure", "True"): ("KubeletHasDiskPressure", "kubelet has disk pressure"),
    ("PIDPressure", "True"): ("KubeletHasInsufficientPID", "kubelet has insufficient PID available"),
}


class FakeCluster(ClusterStore):
    def __init__(
        self,
        *,
        seed: int = 0,
        history_limit: int = 10_000,
        bookmark_interval: float = 1.0,
        continue_ttl: float | None = 300.0,
        max_snapshots: int = 256,
    ) -> None:
        """An empty cluster; ``seed`` drives every random choice of the mutation helpers."""
        super().__init__(
            history_limit=history_limit,
            bookmark_interval=bookmark_interval,
            continue_ttl=continue_ttl,
            max_snapshots=max_snapshots,
        )
        self.rng = random.Random(seed)
        self._logs: dict[tuple[str, str, str, bool], LogBuffer] = {}

    @classmethod
    def generate(
        cls,
        pods: int = 1000,
        nodes: int | None = None,
        namespaces: int | Sequence[str] | None = None,
        *,
        events: int | None = None,
        seed: int = 0,
        now: float | None = None,
        **options: Any,
    ) -> FakeCluster:
        """A realistic cluster; by default 30 pods a node, 1000 a namespace and an event per 10 pods.

        ``options`` are ``FakeCluster()``'s (history_limit, bookmark_interval, continue_ttl ...).
        """
        cluster = cls(seed=seed, **options)
        if namespaces is None or isinstance(namespaces, int):
            names = namespace_names(namespaces or max(3, pods // 1000))
        else:
            names = list(namespaces)
        plan = Plan(
            pods=pods,
            nodes=max(1, pods // 30) if nodes is None else nodes,
            namespaces=names,
            events=max(10, pods // 10) if events is None else events,
            seed=seed,
            now=time.time() if now is None else now,
            first_rv=int(cluster.resource_version) + 1,
        )
        cluster.load(generate(plan))
        return cluster

    # -- pods ----------------------------------------------------------------------------------------

    def add_pod(
        self,
        namespace: str,
        name: str,
        *,
        node: str | None = None,
        health: PodHealth = "running",
        labels: Mapping[str, str] | None = None,
        containers: Sequence[str] = ("app",),
        image: str = "registry.example.com/app:v1.0.0",
        owner: tuple[str, str] | None = None,
    ) -> JSON:
        """A new pod (ADDED); ``node=None`` schedules it on some node unless it is ``pending``."""
        if node is None and health != "pending":
            nodes = self.keys("nodes")
            node = self.rng.choice(nodes)[1] if nodes else None
        host = None
        if node is not None:
            addresses = (
                self.get("nodes", "", node)["status"]["addresses"] if self.exists("nodes", "", node) else []
            )
            host = (node, next((a["address"] for a in addresses if a["type"] == "InternalIP"), "10.0.0.1"))
        spec = tuple(Container(container, image, 100, 128, None, 256) for container in containers)
        template = PodTemplate((labels or {}).get("app", name), random_suffix(self.rng, 10), spec)
        now = time.time()
        pod = make_pod(
            self.rng,
            namespace=namespace,
            name=name,
            template=template,
            owner=owner,
            node=host,
            health=health if host is not None else "pending",
            created=now,
            now=now,
            pod_ip=pod_ip(self.rng.randrange(1 << 20)),
        )
        if labels is not None:
            pod["metadata"]["labels"] = dict(labels)
        with self._lock:
            added = self.add("pods", pod)
            if health in RUNNING and host is not None:
                usage = [(container, "1000000n", "20480Ki") for container in containers]
                metrics = build_pod_metrics(
                    namespace=namespace,
                    name=name,
                    labels=pod["metadata"]["labels"],
                    usage=usage,
                    now=time.time(),
                )
                self.add("podmetrics", metrics)
        return added

    def update_pod(self, namespace: str, name: str, mutate: Callable[[JSON], object]) -> JSON:
        """``mutate(pod_dict)`` edits the pod in place; one MODIFIED event."""
        return self.update("pods", namespace, name, mutate)

    def set_pod_status(
        self,
        namespace: str,
        name: str,
        *,
        container: str | None = None,
        phase: str | None = None,
        ready: bool | None = None,
        restarts: int | None = None,
        waiting: str | None = None,
        terminated: str | None = None,
        exit_code: int | None = None,
    ) -> JSON:
        """Change one container's status (the first by default) the way the kubelet reports it.

        ``restarts`` records a restart: ``lastState.terminated`` gets ``terminated`` (default ``Error``) and
        the container runs again, unless ``waiting`` (e.g. ``CrashLoopBackOff``) says it is backing off.
        Without ``restarts``, ``terminated`` puts the container itself in the terminated state.
        """
        now = iso(time.time())

        def mutate(pod: JSON) -> None:
            status = pod["status"]
            statuses = status.get("containerStatuses") or []
            target = next((s for s in statuses if container in (None, s["name"])), None)
            if target is None:
                raise ApiError(400, f"container {container} is not valid for pod {name}")
            if phase is not None:
                status["phase"] = phase
            reason = terminated or "Error"
            code = exit_code if exit_code is not None else (137 if reason == "OOMKilled" else 1)
            ended = {"exitCode": code, "reason": reason, "startedAt": now, "finishedAt": now}
            if restarts is not None:
                target["restartCount"] = restarts
                target["lastState"] = {"terminated": ended}
                target["state"] = {"running": {"startedAt": now}}
            elif terminated is not None:
                target["state"] = {"terminated": ended}
                target["ready"] = target["started"] = False
            if waiting is not None:
                who = f"{name}_{namespace}({pod['metadata']['uid']})"
                message = f"back-off 5m0s restarting failed container={target['name']} pod={who}"
                target["state"] = {"waiting": {"reason": waiting, "message": message}}
                target["ready"] = target["started"] = False
            if ready is not None:
                target["ready"] = ready
            ready_now = "True" if all(s["ready"] for s in statuses) else "False"
            for condition in status.get("conditions", []):
                if condition["type"] in ("Ready", "ContainersReady") and condition["status"] != ready_now:
                    condition.update(status=ready_now, lastTransitionTime=now)

        return self.update("pods", namespace, name, mutate)

    def delete_pod(self, namespace: str, name: str) -> JSON:
        """DELETED; its metrics go and its followed logs end."""
        with self._lock:
            deleted = self.delete("pods", namespace, name)
            if self.exists("podmetrics", namespace, name):
                self.delete("podmetrics", namespace, name)
            for key, buffer in self._logs.items():
                if key[:2] == (namespace, name):
                    buffer.ended = True
        self.notify()
        return deleted

    # -- nodes, events, metrics ----------------------------------------------------------------------

    def set_node_condition(
        self, name: str, kind: str, status: str, *, reason: str | None = None, message: str | None = None
    ) -> JSON:
        """Set a node condition (Ready, MemoryPressure, DiskPressure, PIDPressure) to True/False/Unknown."""
        default_reason, default_message = _CONDITION_REASONS.get(
            (kind, status), (f"Kubelet{kind}{status}", "")
        )
        now = time.time()

        def mutate(node: JSON) -> None:
            conditions: list[JSON] = node["status"]["conditions"]
            fresh = node_condition(
                kind, status, reason or default_reason, message or default_message, now, now
            )
            for index, old in enumerate(conditions):
                if old["type"] == kind:
                    if old["status"] == status:  # a heartbeat, not a transition
                        fresh["lastTransitionTime"] = old["lastTransitionTime"]
                    conditions[index] = fresh
                    return
            conditions.append(fresh)

        return self.update("nodes", "", name, mutate)

    def set_node_unschedulable(self, name: str, unschedulable: bool = True) -> JSON:
        """Cordon (or uncordon) a node: ``spec.unschedulable`` and its taint."""

        def mutate(node: JSON) -> None:
            spec = node["spec"]
            taints = [t for t in spec.get("taints", []) if t["key"] != "node.kubernetes.io/unschedulable"]
            spec.pop("unschedulable", None)
            if unschedulable:
                spec["unschedulable"] = True
                taints.append({"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"})
            spec["taints"] = taints

        return self.update("nodes", "", name, mutate)

    def add_event(
        self,
        namespace: str,
        *,
        involved_kind: str,
        involved_name: str,
        reason: str,
        message: str,
        type: str = "Warning",  # noqa: A002  (the Event field's own name)
        component: str = "kubelet",
        host: str = "",
        count: int = 1,
    ) -> JSON:
        """A new event, or (same object, reason and message) the existing one with its count raised."""
        now = time.time()
        same = {"involvedObject.kind": involved_kind, "involvedObject.name": involved_name, "reason": reason}

        def bump(body: JSON) -> None:
            body["count"] = body.get("count", 1) + count
            body["lastTimestamp"] = iso(now)

        with self._lock:
            for key in self.find("events", namespace, same):
                if self.get("events", *key)["message"] == message:
                    return self.update("events", *key, bump)
            target = KIND_TO_RESOURCE.get(involved_kind)
            scope = "" if involved_kind == "Node" else namespace
            uid = ""
            if target is not None and self.exists(target, scope, involved_name):
                uid = self.get(target, scope, involved_name)["metadata"]["uid"]
            api_version = "v1" if target is None else RESOURCES[target].api_version
            involved = {"kind": involved_kind, "name": involved_name, "uid": uid, "apiVersion": api_version}
            if scope:
                involved["namespace"] = scope
            event = build_event(
                namespace=namespace,
                name=f"{involved_name}.{self.rng.getrandbits(64):016x}",
                uid=random_uid(self.rng),
                involved=involved,
                reason=reason,
                message=message,
                kind=type,
                count=count,
                first=now,
                last=now,
                component=component,
                host=host,
            )
            return self.add("events", event)

    def set_pod_metrics(self, namespace: str, name: str, usage: Mapping[str, tuple[str, str]]) -> JSON:
        """Replace a pod's usage: ``{container: (cpu, memory)}`` such as ``{"app": ("250m", "512Mi")}``."""
        labels = self.get("pods", namespace, name)["metadata"].get("labels", {})
        metrics = build_pod_metrics(
            namespace=namespace,
            name=name,
            labels=labels,
            usage=[(container, cpu, memory) for container, (cpu, memory) in usage.items()],
            now=time.time(),
        )
        with self._lock:
            if self.exists("podmetrics", namespace, name):
                self.delete("podmetrics", namespace, name)
            return self.add("podmetrics", metrics)

    # -- logs ----------------------------------------------------------------------------------------

    def pod_log(self, namespace: str, name: str, container: str | None, previous: bool) -> LogBuffer:
        """The log a ``pods/{name}/log`` request reads, checked the way the kubelet checks it."""
        container, crash = log_target(self.get("pods", namespace, name), container, previous)
        key = (namespace, name, container, previous)
        with self._lock:
            if key not in self._logs:
                self._logs[key] = generated_log("/".join(map(str, key)), now=time.time(), crash=crash)
            return self._logs[key]

    def set_pod_log(
        self,
        namespace: str,
        name: str,
        lines: Sequence[str],
        *,
        container: str | None = None,
        previous: bool = False,
    ) -> None:
        buffer = self.pod_log(namespace, name, container, previous)
        now = time.time()
        with self._lock:
            buffer.lines[:] = [(now, line) for line in lines]
        self.notify()

    def append_pod_log(self, namespace: str, name: str, *lines: str, container: str | None = None) -> None:
        """New lines for followers (``follow=true``)."""
        buffer = self.pod_log(namespace, name, container, False)
        now = time.time()
        with self._lock:
            buffer.lines.extend((now, line) for line in lines)
        self.notify()

    def end_pod_log(self, namespace: str, name: str, *, container: str | None = None) -> None:
        """The container exits: followers get the rest and the stream ends."""
        buffer = self.pod_log(namespace, name, container, False)
        with self._lock:
            buffer.ended = True
        self.notify()

    # -- scenarios -----------------------------------------------------------------------------------

    def rollout(
        self, namespace: str, deployment: str, *, image: str | None = None, healthy: bool = True
    ) -> str:
        """Roll a deployment to a new ReplicaSet and return its name (see ``scenarios.rollout``)."""
        return scenarios.rollout(self, namespace, deployment, image=image, healthy=healthy)

    def start_rollout(
        self, namespace: str, deployment: str, *, image: str | None = None
    ) -> scenarios.PendingRollout:
        """The same rollout held mid-way (new ReplicaSet, no pods yet) until its ``finish(healthy=)``."""
        return scenarios.PendingRollout(self, namespace, deployment, image)

    def churn_step(self, rng: random.Random | None = None) -> str:
        """One random realistic change; returns what it did (see ``scenarios.churn_step``)."""
        return scenarios.churn_step(self, rng or self.rng)

    async def churn(self, rate_per_second: float, duration: float, *, seed: int | None = None) -> int:
        """Realistic changes at ``rate_per_second`` for ``duration`` seconds; returns how many were made."""
        return await scenarios.churn(self, rate_per_second, duration, seed=seed)
