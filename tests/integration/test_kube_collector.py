"""The live Kubernetes collectors against the loopback API server, through the real client."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from modulo_watch.collectors.clock import SystemClock
from modulo_watch.collectors.hub import Hub
from modulo_watch.collectors.kube import collectors as kube_collectors
from modulo_watch.collectors.kube import listwatch
from modulo_watch.collectors.kube.collectors import NodesCollector, PodsCollector
from modulo_watch.collectors.kube.connection import KubeConnection
from modulo_watch.collectors.models import NodeSnapshot, PodSnapshot, SourceName, SourceState, is_fault
from modulo_watch.collectors.runner import Backoff, SourceRunner
from modulo_watch.config import KubernetesSettings
from tests.kube_server import FakeCluster, KubeServer

DEADLINE_STEPS = 200


@dataclass
class Rig:
    cluster: FakeCluster
    server: KubeServer
    settings: KubernetesSettings
    pods: PodsCollector
    nodes: NodesCollector

    async def pod_snapshot(self) -> PodSnapshot:
        snapshot = await self.pods.fetch()
        assert isinstance(snapshot, PodSnapshot)
        return snapshot

    async def until(self, condition: Callable[[PodSnapshot], bool], what: str) -> PodSnapshot:
        """Fetch until ``condition`` holds on the snapshot; each fetch follows the watch for 0.5 s."""
        for _ in range(DEADLINE_STEPS):
            snapshot = await self.pod_snapshot()
            if condition(snapshot):
                return snapshot
        raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    cluster = FakeCluster.generate(pods=1_200, nodes=40, seed=3)
    async with KubeServer(cluster) as server:
        settings = KubernetesSettings(kubeconfig=str(server.write_kubeconfig(tmp_path / "config")))
        connection = KubeConnection(settings)
        pods = PodsCollector(connection, settings, SystemClock())
        yield Rig(cluster, server, settings, pods, NodesCollector(connection, pods, SystemClock()))
        await pods.aclose()
        await connection.close()


def keys(snapshot: PodSnapshot) -> list[str]:
    return [pod.key for pod in snapshot.pods]


def server_keys(cluster: FakeCluster) -> set[str]:
    return {f"{ns}/{name}" for ns, name in cluster.keys("pods")}


def a_pod(snapshot: PodSnapshot, healthy: bool = True) -> tuple[str, str]:
    pod = next(p for p in snapshot.pods if is_fault(p) is not healthy)
    return pod.namespace, pod.name


async def test_initial_sync_lists_every_pod_once_in_display_order(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listwatch, "PAGE_SIZE", 500)
    snapshot = await rig.pod_snapshot()

    assert len(snapshot.pods) == 1_200
    assert len(set(keys(snapshot))) == 1_200
    assert set(keys(snapshot)) == server_keys(rig.cluster)
    faults = [is_fault(pod) for pod in snapshot.pods]
    assert faults == sorted(faults, reverse=True), "faults first"
    pages = [r for r in rig.cluster.requests if r.path == "/api/v1/pods" and not r.watch]
    assert len(pages) == 3, "paginated: 500 a page"


async def test_a_status_change_on_the_server_reaches_the_snapshot(rig: Rig) -> None:
    namespace, name = a_pod(await rig.pod_snapshot())
    rig.cluster.set_pod_status(namespace, name, waiting="CrashLoopBackOff", restarts=10_000, ready=False)

    snapshot = await rig.until(
        lambda s: any(p.name == name and p.status == "CrashLoopBackOff" for p in s.pods), "the change"
    )
    assert snapshot.pods[0].name == name, "the new fault sorts first (most restarts)"


async def test_added_and_deleted_pods_follow_the_watch(rig: Rig) -> None:
    before = await rig.pod_snapshot()
    namespace, name = a_pod(before)
    rig.cluster.delete_pod(namespace, name)
    rig.cluster.add_pod(namespace, "newcomer-0")

    after = await rig.until(lambda s: f"{namespace}/newcomer-0" in keys(s), "the new pod")
    assert f"{namespace}/{name}" not in keys(after)
    assert set(keys(after)) == server_keys(rig.cluster)
    assert rig.pods.relists == 1


async def test_410_gone_relists_without_ghost_or_missing_rows(rig: Rig) -> None:
    await rig.pod_snapshot()
    rig.pods.close_watches()  # the next fetch opens a new watch from the last version, now compacted away
    victims = [a_pod(await rig.pod_snapshot())]
    for namespace, name in victims:
        rig.cluster.delete_pod(namespace, name)
    rig.cluster.add_pod(victims[0][0], "born-during-outage")
    rig.cluster.compact()

    snapshot = await rig.until(lambda s: rig.pods.relists >= 2 and rig.pods.synced, "the relist")
    snapshot = await rig.pod_snapshot()
    assert set(keys(snapshot)) == server_keys(rig.cluster)


async def test_an_expired_continue_token_restarts_the_list(rig: Rig) -> None:
    rig.cluster.faults.fail("/api/v1/pods", status=410, times=1, watch=False)

    snapshot = await rig.pod_snapshot()

    assert set(keys(snapshot)) == server_keys(rig.cluster)


async def test_a_dropped_stream_resumes_from_the_last_version(rig: Rig) -> None:
    await rig.pod_snapshot()
    rig.cluster.faults.drop_stream_after("/api/v1/pods", events=1, times=1)
    healthy = [pod for pod in (await rig.pod_snapshot()).pods if not is_fault(pod)][:5]
    for step, pod in enumerate(healthy):
        rig.cluster.set_pod_status(pod.namespace, pod.name, restarts=100 + step, waiting="CrashLoopBackOff")

    changed = {pod.key for pod in healthy}
    snapshot = await rig.until(
        lambda s: sum(1 for p in s.pods if p.key in changed and p.restarts >= 100) == 5, "all five changes"
    )
    assert len(snapshot.pods) == 1_200
    assert rig.pods.relists == 1, "resumed, not relisted"


async def test_nodes_carry_pod_counts(rig: Rig) -> None:
    await rig.pod_snapshot()
    snapshot = await rig.nodes.fetch()

    assert isinstance(snapshot, NodeSnapshot)
    assert len(snapshot.nodes) == 40
    assert sum(node.pod_count for node in snapshot.nodes) == sum(
        1 for p in (await rig.pod_snapshot()).pods if p.node
    )


@pytest.mark.parametrize("split", [False, True])
async def test_usage_comes_after_the_first_snapshot_whole_or_a_namespace_at_a_time(
    rig: Rig, monkeypatch: pytest.MonkeyPatch, split: bool
) -> None:
    if split:  # as on a cluster of more than 20k pods
        monkeypatch.setattr(kube_collectors, "SPLIT_METRICS_AT", 100)
    first = await rig.pod_snapshot()
    assert not first.usage, "the pods are shown before their usage is read"
    snapshot = await rig.until(lambda s: bool(s.usage), "usage")

    measured = {f"{namespace}/{name}" for namespace, name in rig.cluster.keys("podmetrics")}
    assert set(snapshot.usage) == measured and measured
    paths = {r.path for r in rig.cluster.requests if "metrics.k8s.io" in r.path and r.path.endswith("/pods")}
    namespaces = {pod.namespace for pod in snapshot.pods}
    if split:
        assert paths == {f"/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods" for ns in namespaces}
    else:
        assert paths == {"/apis/metrics.k8s.io/v1beta1/pods"}


async def test_failures_turn_stale_back_off_and_recover(rig: Rig) -> None:
    hub, clock = Hub(), SystemClock()
    runner = SourceRunner(rig.pods, hub, clock, Backoff(base=0.2, cap=0.4), random.Random(1))
    await runner.poll_once()
    rule = rig.cluster.faults.fail("/api/v1/pods", status=500)
    rig.pods.close_watches()

    await runner.poll_once()
    status = hub.status(SourceName.PODS)
    assert status is not None and status.state is SourceState.STALE
    assert status.last_error is not None and "500" in status.last_error
    assert rig.server.token not in status.last_error
    assert isinstance(hub.snapshot(SourceName.PODS), PodSnapshot), "the last good data stays"

    rig.cluster.faults.remove(rule)
    await runner.poll_once()
    status = hub.status(SourceName.PODS)
    assert status is not None and status.state is SourceState.LIVE


async def test_garbage_from_the_server_is_an_error_not_a_crash(rig: Rig) -> None:
    rig.cluster.faults.garbage("/api/v1/pods", times=1)

    with pytest.raises(ValueError, match="pod list"):
        await rig.pod_snapshot()
    assert len((await rig.pod_snapshot()).pods) == 1_200


async def test_a_watch_that_never_answers_is_noticed(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    import modulo_watch.collectors.kube.listwatch as listwatch

    monkeypatch.setattr(listwatch, "OPEN_TIMEOUT", 0.5)
    await rig.pod_snapshot()
    rig.pods.close_watches()
    rig.cluster.faults.stall("/api/v1/pods", watch=True, times=1)

    with pytest.raises(ConnectionError, match="no answer"):
        await rig.pod_snapshot()
    namespace, name = a_pod(await rig.pod_snapshot())
    rig.cluster.set_pod_status(namespace, name, restarts=42_000, waiting="CrashLoopBackOff", ready=False)
    await rig.until(lambda s: any(p.restarts == 42_000 for p in s.pods), "the watch to resume")
