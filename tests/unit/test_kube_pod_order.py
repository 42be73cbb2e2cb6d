"""The pods' display order kept change by change must equal sorting everything again."""

from __future__ import annotations

import random
from collections import Counter

from modulo_watch.collectors.kube.pod_order import PodOrder
from modulo_watch.collectors.models import Pod, fault_order
from tests.fakes import EPOCH

STATUSES = ("Running", "Running", "Running", "CrashLoopBackOff", "Pending", "Completed", "Error")


def pod(namespace: str, name: str, status: str = "Running", restarts: int = 0, node: str = "n1") -> Pod:
    return Pod(namespace, name, 1, 1, status, restarts, EPOCH, node=node)


def resorted(pods: dict[str, Pod]) -> tuple[Pod, ...]:
    return tuple(sorted(pods.values(), key=fault_order))


def test_random_changes_keep_the_order_and_the_counts_of_a_full_sort() -> None:
    rng = random.Random(5)
    truth = {p.key: p for p in (pod(f"ns{i % 3}", f"pod-{i:04d}") for i in range(300))}
    order = PodOrder(list(truth.values()))
    for step in range(2000):
        key = rng.choice([*truth, f"ns9/new-{step}"])
        if rng.random() < 0.15:
            truth.pop(key, None)
            order.update(key, None)
            continue
        namespace, name = key.split("/")
        status = rng.choice(STATUSES)
        changed = pod(namespace, name, status, rng.randrange(5), rng.choice(("n1", "n2", "")))
        truth[key] = changed
        order.update(key, changed)
    assert order.ordered() == resorted(truth)
    assert order.by_status == Counter(p.status for p in truth.values())
    assert order.by_node == Counter(p.node for p in truth.values() if p.node)
    assert order.by_namespace == Counter(p.namespace for p in truth.values())
    assert len(order) == len(truth)


def test_the_node_counts_version_moves_only_when_a_pod_count_of_a_node_changes() -> None:
    order = PodOrder([pod("ns", "a", node="n1")])
    before = order.nodes_version
    order.update("ns/a", pod("ns", "a", "CrashLoopBackOff", 3, node="n1"))
    assert order.nodes_version == before, "a status change on the same node"
    order.update("ns/a", pod("ns", "a", node="n2"))
    assert order.nodes_version == before + 1 and order.by_node == {"n2": 1}
    order.update("ns/a", None)
    assert order.nodes_version == before + 2 and not order.by_node
