"""Multi-step changes: a deployment rollout, and churn (a busy cluster's steady stream of changes)."""

from __future__ import annotations

import asyncio
import random
import time
from typing import TYPE_CHECKING

from tests.kube_server.objects import JSON, Container, PodTemplate, random_suffix, random_uid
from tests.kube_server.pods import make_pod
from tests.kube_server.resources import Key
from tests.kube_server.status import ApiError
from tests.kube_server.workloads import Progress, build_deployment, build_replicaset

if TYPE_CHECKING:
    from tests.kube_server.cluster import FakeCluster

CHURN_TICK = 0.02  # seconds between churn batches: the rate's granularity, not a synchronisation
KEY_REFRESH = 500  # churn steps between re-reading the pod keys others may have changed


def _milli(quantity: str) -> int:
    return int(quantity[:-1]) if quantity.endswith("m") else int(float(quantity) * 1000)


def _mebi(quantity: str) -> int:
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024}
    return round(int(quantity[:-2]) * units[quantity[-2:]]) if quantity[-2:] in units else int(quantity) >> 20


def _container(spec: JSON, image: str) -> Container:
    requests, limits = spec["resources"].get("requests", {}), spec["resources"].get("limits", {})
    return Container(
        spec["name"],
        image,
        _milli(requests.get("cpu", "100m")),
        _mebi(requests.get("memory", "128Mi")),
        _milli(limits["cpu"]) if "cpu" in limits else None,
        _mebi(limits.get("memory", "256Mi")),
    )


def _next_image(image: str) -> str:
    name, _, tag = image.rpartition(":")
    head, _, patch = tag.rpartition(".")
    return f"{name}:{head}.{int(patch) + 1}" if patch.isdigit() else f"{image}-next"


def rollout(
    cluster: FakeCluster, namespace: str, name: str, *, image: str | None = None, healthy: bool = True
) -> str:
    """New ReplicaSet (revision + 1), every pod replaced, old sets scaled to 0, and the deployment ends
    ``NewReplicaSetAvailable`` or, when not ``healthy`` (new pods crash-loop), ``ProgressDeadlineExceeded``.
    Each step is its own write, so a watch sees the rollout unfold."""
    return PendingRollout(cluster, namespace, name, image).finish(healthy=healthy)


class PendingRollout:
    """A rollout begun and held mid-way: the new ReplicaSet exists with no pods yet, and the deployment
    says ``ReplicaSetUpdated``, until ``finish``."""

    def __init__(self, cluster: FakeCluster, namespace: str, name: str, image: str | None = None) -> None:
        self._cluster, self._namespace, self._name = cluster, namespace, name
        rng = cluster.rng
        deployment = cluster.get("deployments", namespace, name)
        meta, spec = deployment["metadata"], deployment["spec"]
        self._uid, self._created = meta["uid"], meta["creationTimestamp"]
        self._app = spec["selector"]["matchLabels"]["app"]
        self._revision = int(meta.get("annotations", {}).get("deployment.kubernetes.io/revision", "1")) + 1
        specs = spec["template"]["spec"]["containers"]
        first_image = image or _next_image(specs[0]["image"])
        self._template = PodTemplate(
            self._app,
            random_suffix(rng, 10),
            tuple(_container(c, first_image if i == 0 else c["image"]) for i, c in enumerate(specs)),
        )
        self._replicas, self._started = spec["replicas"], time.time()
        self.replica_set, self._rs_uid = f"{name}-{self._template.template_hash}", random_uid(rng)
        cluster.add(
            "replicasets",
            build_replicaset(
                namespace=namespace,
                name=self.replica_set,
                uid=self._rs_uid,
                created=self._started,
                template=self._template,
                replicas=self._replicas,
                ready=0,
                revision=self._revision,
                deployment=(name, self._uid),
            ),
        )
        self._replace_deployment(deployment["status"].get("readyReplicas", 0), 0, "progressing")
        cluster.add_event(
            namespace,
            involved_kind="Deployment",
            involved_name=name,
            reason="ScalingReplicaSet",
            type="Normal",
            message=f"Scaled up replica set {self.replica_set} from 0 to {self._replicas}",
            component="deployment-controller",
        )

    def finish(self, *, healthy: bool = True) -> str:
        """Replace every pod, scale the old sets to 0, and end complete or stuck; returns the new set."""
        cluster, namespace, hash_ = self._cluster, self._namespace, self._template.template_hash
        others = f"app={self._app},pod-template-hash!={hash_}"
        for key in cluster.find("pods", namespace, labels=others):
            _replace_pod(cluster, key, self._template, (self.replica_set, self._rs_uid), healthy)
        for key in cluster.find("replicasets", namespace, labels=others):

            def scale_down(body: JSON) -> None:
                body["spec"]["replicas"] = 0
                body["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] = "0"
                body["status"] = {"replicas": 0, "observedGeneration": body["metadata"].get("generation", 1)}

            cluster.update("replicasets", *key, scale_down)
        replicas = self._replicas
        ready = replicas if healthy else 0

        def settle(body: JSON) -> None:
            body["status"].update(replicas=replicas, fullyLabeledReplicas=replicas)
            if ready:
                body["status"].update(readyReplicas=ready, availableReplicas=ready)

        cluster.update("replicasets", namespace, self.replica_set, settle)
        self._replace_deployment(ready, replicas, "complete" if healthy else "stuck")
        return self.replica_set

    def _replace_deployment(self, ready: int, updated: int, progress: Progress) -> None:
        fresh = build_deployment(
            namespace=self._namespace,
            name=self._name,
            uid=self._uid,
            created=self._started,
            template=self._template,
            replicas=self._replicas,
            ready=ready,
            updated=updated,
            revision=self._revision,
            new_replica_set=self.replica_set,
            progress=progress,
            changed=time.time(),
        )
        fresh["metadata"]["creationTimestamp"] = self._created

        def mutate(body: JSON) -> None:
            body.clear()
            body.update(fresh)

        self._cluster.update("deployments", self._namespace, self._name, mutate)


def _replace_pod(
    cluster: FakeCluster, key: Key, template: PodTemplate, owner: tuple[str, str], healthy: bool
) -> None:
    old = cluster.get("pods", *key)
    node_name = old["spec"].get("nodeName")
    node = None if node_name is None else (node_name, old["status"].get("hostIP", "10.0.0.1"))
    cluster.delete_pod(*key)
    now = time.time()
    pod = make_pod(
        cluster.rng,
        namespace=key[0],
        name=None,
        template=template,
        owner=owner,
        node=node,
        health="running" if healthy else "crashloop",
        created=now,
        now=now,
        pod_ip=old["status"].get("podIP", ""),
    )
    cluster.add("pods", pod)
    if healthy and node is not None:
        usage = {c.name: ("1500000n", "40960Ki") for c in template.containers}
        cluster.set_pod_metrics(key[0], pod["metadata"]["name"], usage)


class Churner:
    """Random realistic changes: readiness flips, restarts, new and deleted pods, events, node trouble."""

    def __init__(self, cluster: FakeCluster, rng: random.Random) -> None:
        self.cluster = cluster
        self.rng = rng
        self._pods: list[Key] = []
        self._steps = 0

    def step(self) -> str:
        if self._steps % KEY_REFRESH == 0:
            self._pods = self.cluster.keys("pods")
        self._steps += 1
        if not self._pods:
            return "idle"
        roll = self.rng.random()
        index = self.rng.randrange(len(self._pods))
        key = self._pods[index]
        try:
            if roll < 0.02:
                return self._node()
            pod = self.cluster.get("pods", *key)
            statuses = pod["status"].get("containerStatuses") or []
            if roll < 0.40 and statuses:
                self.cluster.set_pod_status(*key, ready=not statuses[0]["ready"])
                return "ready"
            if roll < 0.60 and statuses:
                crash = self.rng.random() < 0.5
                reason = self.rng.choice(("Error", "OOMKilled"))
                waiting = "CrashLoopBackOff" if crash else None
                self.cluster.set_pod_status(
                    *key, restarts=statuses[0]["restartCount"] + 1, terminated=reason, waiting=waiting
                )
                return "restart"
            if roll < 0.72:
                self._pods.append(self._sibling(pod))
                return "create"
            if roll < 0.84:
                self.cluster.delete_pod(*key)
                self._pods[index] = self._pods[-1]
                self._pods.pop()
                return "delete"
            self._event(pod)
            return "event"
        except ApiError:  # someone else deleted it meanwhile
            return "skipped"

    def _sibling(self, pod: JSON) -> Key:
        meta = pod["metadata"]
        owners = meta.get("ownerReferences") or [{"name": meta["name"], "uid": meta["uid"]}]
        name = f"{owners[0]['name']}-{random_suffix(self.rng, 5)}"
        self.cluster.add_pod(
            meta["namespace"],
            name,
            node=pod["spec"].get("nodeName"),
            labels=meta.get("labels", {}),
            containers=[c["name"] for c in pod["spec"]["containers"]],
            image=pod["spec"]["containers"][0]["image"],
            owner=(owners[0]["name"], owners[0]["uid"]),
            health="pending" if pod["spec"].get("nodeName") is None else "running",
        )
        return (meta["namespace"], name)

    def _event(self, pod: JSON) -> None:
        meta, container = pod["metadata"], pod["spec"]["containers"][0]["name"]
        reason, message, kind = self.rng.choice(
            (
                (
                    "BackOff",
                    f"Back-off restarting failed container {container} in pod {meta['name']}",
                    "Warning",
                ),
                ("Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", "Warning"),
                (
                    "Pulled",
                    f'Container image "{pod["spec"]["containers"][0]["image"]}" already present',
                    "Normal",
                ),
            )
        )
        self.cluster.add_event(
            meta["namespace"],
            involved_kind="Pod",
            involved_name=meta["name"],
            reason=reason,
            message=message,
            type=kind,
            host=pod["spec"].get("nodeName", ""),
        )

    def _node(self) -> str:
        nodes = self.cluster.keys("nodes")
        if not nodes:
            return "idle"
        name = self.rng.choice(nodes)[1]
        ready = next(
            c for c in self.cluster.get("nodes", "", name)["status"]["conditions"] if c["type"] == "Ready"
        )
        self.cluster.set_node_condition(name, "Ready", "Unknown" if ready["status"] == "True" else "True")
        return "node"


def churn_step(cluster: FakeCluster, rng: random.Random) -> str:
    return Churner(cluster, rng).step()


async def churn(
    cluster: FakeCluster, rate_per_second: float, duration: float, *, seed: int | None = None
) -> int:
    churner = Churner(cluster, cluster.rng if seed is None else random.Random(seed))
    loop = asyncio.get_running_loop()
    start = loop.time()
    done = 0
    while (elapsed := loop.time() - start) < duration:
        for _ in range(int(elapsed * rate_per_second) - done):
            churner.step()
            done += 1
        await asyncio.sleep(min(CHURN_TICK, duration - elapsed))
    return done
