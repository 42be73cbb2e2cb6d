"""A whole cluster of realistic objects, encoded as made: 150k pods never sit in memory as dicts."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from tests.kube_server.encoding import Skeleton, Value, encode_values, quote, slot, splice
from tests.kube_server.events import pod_event
from tests.kube_server.objects import (
    JSON,
    Container,
    Encoded,
    NodeHealth,
    PodHealth,
    PodTemplate,
    containers_bytes,
    random_suffix,
    random_uid,
)
from tests.kube_server.pods import PodEncoder, random_facts
from tests.kube_server.workloads import (
    Progress,
    build_deployment,
    build_namespace,
    build_node,
    build_node_metrics,
    build_pod_metrics,
    build_replicaset,
    cpu_quantity,
    memory_quantity,
)

BASE_NAMESPACES = ("default", "kube-system", "monitoring", "ingress-nginx", "payments", "checkout", "search")
APPS = (
    "api",
    "web",
    "worker",
    "gateway",
    "auth",
    "orders",
    "cart",
    "inventory",
    "billing",
    "notifications",
    "catalog",
    "recommendations",
    "shipping",
    "frontend",
    "scheduler",
    "ingest",
    "reports",
    "pricing",
)
REPLICAS = (1, 2, 3, 3, 5, 8, 10, 15, 20, 30, 50, 100)  # big clusters run big deployments
ZONES = ("eu-west-1a", "eu-west-1b", "eu-west-1c")
POD_HEALTH: tuple[tuple[PodHealth, float], ...] = (
    ("running", 0.962),
    ("oomkilled", 0.01),
    ("notready", 0.006),
    ("crashloop", 0.006),
    ("imagepull", 0.003),
    ("pending", 0.005),
    ("terminating", 0.005),
    ("evicted", 0.003),
)
NODE_HEALTH: tuple[tuple[NodeHealth, float], ...] = (
    ("ready", 0.986),
    ("notready", 0.005),
    ("memorypressure", 0.003),
    ("diskpressure", 0.002),
    ("pidpressure", 0.001),
    ("cordoned", 0.003),
)
RUNNING: frozenset[PodHealth] = frozenset({"running", "notready", "oomkilled", "terminating"})

T = TypeVar("T")
Output = Iterator[tuple[str, JSON | Encoded]]  # (resource name, object), in creation order


@dataclass(frozen=True)
class Plan:
    pods: int
    nodes: int
    namespaces: Sequence[str]
    events: int
    seed: int
    now: float
    first_rv: int = 1  # resourceVersions go up from here in creation order, as etcd's revision does


def namespace_names(count: int) -> list[str]:
    return list(BASE_NAMESPACES[:count]) + [
        f"team-{index:03d}" for index in range(count - len(BASE_NAMESPACES))
    ]


def node_ip(index: int) -> str:
    return f"10.{16 + index // 65536 % 16}.{index // 256 % 256}.{index % 256}"


def pod_ip(index: int) -> str:
    return f"100.{64 + index // 65536 % 64}.{index // 256 % 256}.{index % 256}"


def _weighted(rng: random.Random, table: tuple[tuple[T, float], ...]) -> T:
    point = rng.random()
    for value, weight in table:
        point -= weight
        if point < 0:
            return value
    return table[0][0]


def make_template(rng: random.Random, namespace: str, app: str, version: str) -> PodTemplate:
    request = rng.choice((50, 100, 250, 500, 1000))
    memory = rng.choice((64, 128, 256, 512, 1024, 2048))
    limit = None if rng.random() < 0.5 else request * 2
    containers = [
        Container(
            app, f"registry.example.com/{namespace}/{app}:{version}", request, memory, limit, memory * 2
        )
    ]
    if rng.random() < 0.3:  # some pods carry a sidecar, so logs need ?container=
        containers.append(
            Container("log-shipper", "cr.fluentbit.io/fluent/fluent-bit:3.1.9", 20, 32, 100, 64)
        )
    return PodTemplate(app, random_suffix(rng, 10), tuple(containers))


def _spliced(body: JSON, rv: int, values: dict[str, bytes]) -> Encoded:
    """Encode ``body`` with its slots filled by pre-encoded parts (a template's containers)."""
    meta = body["metadata"]
    meta["resourceVersion"] = str(rv)
    labels = meta.get("labels") or {}
    return Encoded(meta.get("namespace", ""), meta["name"], labels, {}, rv, splice(body, values))


class Generator:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.rng = random.Random(plan.seed)
        self.pods = PodEncoder()
        self.placeable: list[tuple[str, str]] = []
        self.event_chance = min(1.0, plan.events / plan.pods) if plan.pods else 0.0
        self._metrics: dict[int, Skeleton] = {}
        self._usage_template: PodTemplate | None = None
        self._usage: list[tuple[float, float]] = []
        self._in_nanocores = True
        self._usage_values: dict[bytes, bytes] = {}
        self._rv = plan.first_rv - 1

    def _next_rv(self) -> int:
        self._rv += 1
        return self._rv

    def _versioned(self, obj: JSON) -> JSON:
        obj["metadata"]["resourceVersion"] = str(self._next_rv())
        return obj

    def __iter__(self) -> Output:
        plan, rng, now = self.plan, self.rng, self.plan.now
        for name in plan.namespaces:
            created = now - rng.randint(30, 400) * 86400
            yield (
                "namespaces",
                self._versioned(build_namespace(name=name, uid=random_uid(rng), created=created)),
            )
        yield from self._nodes()
        used: set[tuple[str, str]] = set()
        remaining, first_pod = plan.pods, 0
        while remaining > 0:
            namespace, app = rng.choice(plan.namespaces), rng.choice(APPS)
            while (namespace, app) in used:
                app = f"{rng.choice(APPS)}-{random_suffix(rng, 4)}"
            used.add((namespace, app))
            replicas = min(remaining, rng.choice(REPLICAS))
            remaining -= replicas
            yield from self._deployment(namespace, app, replicas, first_pod)
            first_pod += replicas

    def _nodes(self) -> Output:
        rng, now = self.rng, self.plan.now
        control_planes = 3 if self.plan.nodes >= 10 else 0
        for index in range(self.plan.nodes):
            name = f"ip-{node_ip(index).replace('.', '-')}.eu-west-1.compute.internal"
            control_plane = index < control_planes
            health = "ready" if control_plane else _weighted(rng, NODE_HEALTH)
            node = build_node(
                name=name,
                uid=random_uid(rng),
                created=now - rng.randint(1, 90) * 86400,
                ip=node_ip(index),
                control_plane=control_plane,
                health=health,
                now=now,
                zone=ZONES[index % len(ZONES)],
            )
            yield "nodes", self._versioned(node)
            if health != "notready":
                cpu = cpu_quantity(rng.uniform(300, 7000), rng)
                memory = memory_quantity(rng.uniform(2000, 28000), rng)
                labels = node["metadata"]["labels"]
                yield (
                    "nodemetrics",
                    build_node_metrics(name=name, labels=labels, cpu=cpu, memory=memory, now=now),
                )
            if not control_plane and health not in ("notready", "cordoned"):
                self.placeable.append((name, node_ip(index)))

    def _deployment(self, namespace: str, app: str, replicas: int, first_pod: int) -> Output:
        rng, now = self.rng, self.plan.now
        revision = rng.randint(1, 12)
        template = make_template(rng, namespace, app, f"v1.{revision}.{rng.randint(0, 9)}")
        progress: Progress = "stuck" if rng.random() < 0.02 else "complete"
        failure: PodHealth = rng.choice(("crashloop", "imagepull"))
        created = now - rng.randint(2, 200) * 86400
        rolled = now - (rng.randint(600, 3000) if progress == "stuck" else rng.randint(3600, 30 * 86400))
        deployment_uid = random_uid(rng)
        healths = [failure if progress == "stuck" else _weighted(rng, POD_HEALTH) for _ in range(replicas)]
        ready = sum(1 for health in healths if health in ("running", "oomkilled", "terminating"))
        rs_name = f"{app}-{template.template_hash}"
        containers = {"containers": containers_bytes(template)}
        deployment = build_deployment(
            namespace=namespace,
            name=app,
            uid=deployment_uid,
            created=created,
            template=template,
            replicas=replicas,
            ready=ready,
            updated=replicas,
            revision=revision,
            new_replica_set=rs_name,
            progress=progress,
            changed=rolled,
            containers=slot("containers"),
        )
        yield "deployments", _spliced(deployment, self._next_rv(), containers)
        if revision > 1:
            old = make_template(rng, namespace, app, f"v1.{revision - 1}.0")
            old_rs = build_replicaset(
                namespace=namespace,
                name=f"{app}-{old.template_hash}",
                uid=random_uid(rng),
                created=created,
                template=old,
                replicas=0,
                ready=0,
                revision=revision - 1,
                deployment=(app, deployment_uid),
                containers=slot("containers"),
            )
            yield "replicasets", _spliced(old_rs, self._next_rv(), {"containers": containers_bytes(old)})
        owner = (rs_name, random_uid(rng))
        replica_set = build_replicaset(
            namespace=namespace,
            name=rs_name,
            uid=owner[1],
            created=rolled,
            template=template,
            replicas=replicas,
            ready=ready,
            revision=revision,
            deployment=(app, deployment_uid),
            containers=slot("containers"),
        )
        yield "replicasets", _spliced(replica_set, self._next_rv(), containers)
        for offset, health in enumerate(healths):
            node = rng.choice(self.placeable) if health != "pending" and self.placeable else None
            health = health if node is not None else "pending"
            facts = random_facts(
                rng,
                name=f"{rs_name}-{random_suffix(rng, 5)}",
                health=health,
                containers=len(template.containers),
                created=rolled + rng.randint(0, 20),
                now=now,
                node=node,
                pod_ip=pod_ip(first_pod + offset),
            )
            yield (
                "pods",
                self.pods.encode(
                    namespace=namespace,
                    template=template,
                    owner=owner,
                    health=health,
                    facts=facts,
                    rv=self._next_rv(),
                ),
            )
            if health in RUNNING:
                yield "podmetrics", self._pod_metrics(namespace, facts.name, template)
            if health != "running" or rng.random() < self.event_chance:
                resource, event = pod_event(rng, namespace, facts, template.containers[0], health, now)
                yield resource, self._versioned(event)

    def _pod_metrics(self, namespace: str, name: str, template: PodTemplate) -> Encoded:
        count = len(template.containers)
        skeleton = self._metrics.get(count)
        if skeleton is None:
            slots = [(slot(f"c{i}"), slot(f"cpu{i}"), slot(f"mem{i}")) for i in range(count)]
            shape = build_pod_metrics(
                namespace=slot("namespace"),
                name=slot("name"),
                labels=slot("labels"),
                usage=slots,
                now=self.plan.now,
            )
            skeleton = self._metrics[count] = Skeleton(shape)
        if template is not self._usage_template:
            self._start_usage(namespace, template)
        factor = 0.7 + 0.6 * self.rng.random()
        encoded = dict(self._usage_values)
        encoded[b"name"] = quote(name)
        for i, (cpu, memory) in enumerate(self._usage):
            if self._in_nanocores:
                encoded[b"cpu%d" % i], encoded[b"mem%d" % i] = (
                    b'"%dn"' % (cpu * factor * 1e6),
                    b'"%dKi"' % (memory * factor * 1024),
                )
            else:
                encoded[b"cpu%d" % i], encoded[b"mem%d" % i] = (
                    b'"%dm"' % (cpu * factor),
                    b'"%dMi"' % (memory * factor),
                )
        return Encoded(namespace, name, template.labels, {}, 0, skeleton.fill_encoded(encoded))

    def _start_usage(self, namespace: str, template: PodTemplate) -> None:
        """A deployment's pods use about the same: draw its usage once, vary it a little per pod."""
        self._usage_template = template
        self._usage = [
            (c.cpu_request_m * self.rng.uniform(0.05, 1.5), c.memory_request_mi * self.rng.uniform(0.3, 1.3))
            for c in template.containers
        ]
        self._in_nanocores = self.rng.random() < 0.8  # metrics-server says "123456n"; some servers "12m"
        shared: dict[str, Value] = {"namespace": namespace, "labels": self.pods.labels(template)}
        shared.update((f"c{i}", c.name) for i, c in enumerate(template.containers))
        self._usage_values = encode_values(shared)


def generate(plan: Plan) -> Output:
    return iter(Generator(plan))
