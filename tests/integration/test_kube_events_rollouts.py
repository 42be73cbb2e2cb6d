"""The live events and rollouts collectors against the loopback API server, through the real client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from modulo_watch.collectors.clock import SystemClock
from modulo_watch.collectors.kube.connection import KubeConnection
from modulo_watch.collectors.kube.events import EventsCollector
from modulo_watch.collectors.kube.rollouts import RolloutsCollector
from modulo_watch.collectors.models import MAX_EVENTS, EventSnapshot, Rollout, RolloutSnapshot, RolloutState
from modulo_watch.config import KubernetesSettings
from tests.hostile import HOSTILE_STRINGS
from tests.kube_server import FakeCluster, KubeServer

DEADLINE_STEPS = 200  # fetches, each following the watches for 0.5 s
PODS = 2_400  # with an event each: more events than a snapshot holds

S = TypeVar("S")
JSON = dict[str, Any]


@dataclass
class Rig:
    cluster: FakeCluster
    events: EventsCollector
    rollouts: RolloutsCollector

    async def event_snapshot(self) -> EventSnapshot:
        snapshot = await self.events.fetch()
        assert isinstance(snapshot, EventSnapshot)
        return snapshot

    async def rollout_snapshot(self) -> RolloutSnapshot:
        snapshot = await self.rollouts.fetch()
        assert isinstance(snapshot, RolloutSnapshot)
        return snapshot

    async def until_events(self, condition: Callable[[EventSnapshot], bool], what: str) -> EventSnapshot:
        return await until(self.event_snapshot, condition, what)

    async def until_rollouts(
        self, condition: Callable[[RolloutSnapshot], bool], what: str
    ) -> RolloutSnapshot:
        return await until(self.rollout_snapshot, condition, what)


async def until(fetch: Callable[[], Awaitable[S]], condition: Callable[[S], bool], what: str) -> S:
    for _ in range(DEADLINE_STEPS):
        snapshot = await fetch()
        if condition(snapshot):
            return snapshot
    raise AssertionError(f"timed out waiting for {what}")


@asynccontextmanager
async def serving(cluster: FakeCluster, tmp_path: Path, **options: Any) -> AsyncIterator[Rig]:
    """Both collectors on one connection, as ``kube_collectors`` makes them; ``options`` are settings."""
    async with KubeServer(cluster) as server:
        settings = KubernetesSettings(kubeconfig=str(server.write_kubeconfig(tmp_path / "config")), **options)
        connection, clock = KubeConnection(settings), SystemClock()
        rig = Rig(
            cluster,
            EventsCollector(connection, settings, clock),
            RolloutsCollector(connection, settings, clock),
        )
        try:
            yield rig
        finally:
            await rig.events.aclose()
            await rig.rollouts.aclose()
            await connection.close()


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster.generate(pods=PODS, events=PODS, seed=5)


@pytest.fixture
async def rig(cluster: FakeCluster, tmp_path: Path) -> AsyncIterator[Rig]:
    async with serving(cluster, tmp_path) as made:
        yield made


# --- what the server holds -------------------------------------------------------------------------------


def server_events(cluster: FakeCluster, namespace: str | None = None) -> list[JSON]:
    return [cluster.get("events", *key) for key in cluster.keys("events", namespace)]


def newest_keys(cluster: FakeCluster) -> list[str]:
    """The keys a snapshot should show, worked out from the server's JSON: newest lastTimestamp first."""

    def order(event: JSON) -> tuple[float, str, str]:
        meta = event["metadata"]
        return (-datetime.fromisoformat(event["lastTimestamp"]).timestamp(), meta["namespace"], meta["name"])

    ordered = sorted(server_events(cluster), key=order)
    return [f"{e['metadata']['namespace']}/{e['metadata']['name']}" for e in ordered[:MAX_EVENTS]]


def keys(snapshot: EventSnapshot) -> list[str]:
    return [event.key for event in snapshot.events]


def a_settled_deployment(cluster: FakeCluster) -> tuple[str, str]:
    """A deployment of a few pods whose last rollout completed."""
    for namespace, name in cluster.keys("deployments"):
        body = cluster.get("deployments", namespace, name)
        progressing = next(c for c in body["status"]["conditions"] if c["type"] == "Progressing")
        if progressing["reason"] == "NewReplicaSetAvailable" and 2 <= body["spec"]["replicas"] <= 10:
            return namespace, name
    raise AssertionError("no settled deployment")


def current_images(cluster: FakeCluster, namespace: str, name: str) -> tuple[str, ...]:
    """The images of the deployment's highest revision, read from its ReplicaSets."""
    uid = cluster.get("deployments", namespace, name)["metadata"]["uid"]
    owned = [
        body
        for body in (cluster.get("replicasets", *key) for key in cluster.keys("replicasets", namespace))
        if body["metadata"]["ownerReferences"][0]["uid"] == uid
    ]
    newest = max(
        owned, key=lambda body: int(body["metadata"]["annotations"]["deployment.kubernetes.io/revision"])
    )
    return tuple(c["image"] for c in newest["spec"]["template"]["spec"]["containers"])


def row(snapshot: RolloutSnapshot, replica_set: str) -> Rollout | None:
    return next((r for r in snapshot.rollouts if r.replica_set == replica_set), None)


def in_state(replica_set: str, state: RolloutState) -> Callable[[RolloutSnapshot], bool]:
    return lambda snapshot: (found := row(snapshot, replica_set)) is not None and found.state is state


# --- events ------------------------------------------------------------------------------------------------


async def test_the_newest_events_come_first_and_the_rest_are_only_counted(rig: Rig) -> None:
    snapshot = await rig.event_snapshot()

    assert rig.cluster.count("events") > MAX_EVENTS
    assert snapshot.total == rig.cluster.count("events")
    assert len(snapshot.events) == MAX_EVENTS
    assert keys(snapshot) == newest_keys(rig.cluster), "newest first; ties by namespace and name"
    assert await rig.event_snapshot() is snapshot, "nothing changed: the same snapshot"


async def test_a_new_event_and_a_repeat_of_it_arrive_through_the_watch(rig: Rig) -> None:
    before = await rig.event_snapshot()
    added = rig.cluster.add_event(
        "default", involved_kind="Pod", involved_name="api-0", reason="BackOff", message="Back-off restarting"
    )
    key = f"default/{added['metadata']['name']}"

    snapshot = await rig.until_events(lambda s: key in keys(s), "the new event")
    assert snapshot.total == before.total + 1
    assert len(snapshot.events) == MAX_EVENTS
    assert keys(snapshot) == newest_keys(rig.cluster)
    event = next(e for e in snapshot.events if e.key == key)
    assert (event.reason, event.message, event.count, event.involved) == (
        "BackOff",
        "Back-off restarting",
        1,
        "pod/api-0",
    )

    rig.cluster.add_event(
        "default", involved_kind="Pod", involved_name="api-0", reason="BackOff", message="Back-off restarting"
    )
    snapshot = await rig.until_events(
        lambda s: any(e.key == key and e.count == 2 for e in s.events), "the raised count"
    )
    assert snapshot.total == before.total + 1, "the same event, seen again"
    assert rig.events.watches.relists == 1, "through the watch, not a relist"


async def test_a_410_relist_leaves_no_ghost_rows(rig: Rig) -> None:
    first = await rig.event_snapshot()
    rig.events.watches.close()  # the next fetch watches from the last version, compacted away meanwhile
    gone = first.events[:5]
    for event in gone:
        rig.cluster.delete("events", event.namespace, event.name)
    born = rig.cluster.add_event(
        "default", involved_kind="Node", involved_name="ip-10-16-0-9", reason="NodeNotReady", message="down"
    )
    rig.cluster.compact()

    await rig.until_events(
        lambda s: rig.events.watches.relists >= 2 and rig.events.watches.synced, "the relist"
    )
    snapshot = await rig.event_snapshot()

    assert keys(snapshot) == newest_keys(rig.cluster)
    assert not {event.key for event in gone} & set(keys(snapshot))
    assert f"default/{born['metadata']['name']}" in keys(snapshot)
    assert snapshot.total == rig.cluster.count("events") == first.total - 4


async def test_events_follow_the_namespaces_but_not_the_label_selector(
    cluster: FakeCluster, tmp_path: Path
) -> None:
    namespace = "kube-system"
    async with serving(cluster, tmp_path, namespaces=(namespace,), label_selector="app=nothing") as rig:
        snapshot = await rig.event_snapshot()

    assert snapshot.total == len(server_events(cluster, namespace)) > 0
    assert {event.namespace for event in snapshot.events} == {namespace}
    asked = [r for r in cluster.requests if "/events" in r.path]
    assert {r.path for r in asked} == {f"/api/v1/namespaces/{namespace}/events"}
    assert not any("labelSelector" in r.query for r in asked)


async def test_a_hostile_message_arrives_exactly_as_sent(rig: Rig) -> None:
    """The collector keeps raw values; making them inert is the display's job."""
    for index, text in enumerate(HOSTILE_STRINGS):
        rig.cluster.add_event(
            "default", involved_kind="Pod", involved_name=f"hostile-{index}", reason="Hostile", message=text
        )

    snapshot = await rig.until_events(
        lambda s: sum(1 for e in s.events if e.reason == "Hostile") == len(HOSTILE_STRINGS), "every message"
    )
    received = {e.involved_name: e.message for e in snapshot.events if e.reason == "Hostile"}
    assert received == {f"hostile-{index}": text for index, text in enumerate(HOSTILE_STRINGS)}


# --- rollouts ----------------------------------------------------------------------------------------------


async def test_a_rollout_shows_progressing_then_complete_with_the_images_it_replaced(rig: Rig) -> None:
    namespace, name = a_settled_deployment(rig.cluster)
    replaced = current_images(rig.cluster, namespace, name)
    await rig.rollout_snapshot()

    pending = rig.cluster.start_rollout(namespace, name)
    snapshot = await rig.until_rollouts(
        in_state(pending.replica_set, RolloutState.PROGRESSING), "the rollout"
    )
    new = row(snapshot, pending.replica_set)
    assert new is not None and snapshot.rollouts[0] == new, "the newest first"
    assert (new.namespace, new.deployment, new.ready) == (namespace, name, 0)
    assert new.previous_images == replaced
    assert new.images != replaced and new.changed_images

    pending.finish()
    snapshot = await rig.until_rollouts(in_state(pending.replica_set, RolloutState.COMPLETE), "the end")
    done = row(snapshot, pending.replica_set)
    assert done is not None
    assert done.ready == done.desired == rig.cluster.get("deployments", namespace, name)["spec"]["replicas"]
    assert (done.previous_images, done.revision, done.message) == (replaced, new.revision, "")
    assert await rig.rollout_snapshot() is snapshot, "nothing changed: the same snapshot"


async def test_a_rollout_past_its_deadline_is_stuck_with_the_controllers_message(rig: Rig) -> None:
    namespace, name = a_settled_deployment(rig.cluster)
    await rig.rollout_snapshot()

    replica_set = rig.cluster.rollout(namespace, name, healthy=False)

    snapshot = await rig.until_rollouts(in_state(replica_set, RolloutState.STUCK), "the stuck rollout")
    stuck = row(snapshot, replica_set)
    assert stuck is not None
    assert stuck.message == f'ReplicaSet "{replica_set}" has timed out progressing.'
    assert stuck.ready == 0


async def test_every_stuck_deployment_shows_and_only_revisions_of_the_last_hours(rig: Rig) -> None:
    snapshot = await rig.rollout_snapshot()

    stuck_on_server = {
        key
        for key in rig.cluster.keys("deployments")
        if any(
            c["reason"] == "ProgressDeadlineExceeded"
            for c in rig.cluster.get("deployments", *key)["status"]["conditions"]
        )
    }
    assert stuck_on_server, "the generated cluster has a few"
    shown_stuck = {(r.namespace, r.deployment) for r in snapshot.rollouts if r.state is RolloutState.STUCK}
    assert shown_stuck == stuck_on_server
    since = [r.since for r in snapshot.rollouts]
    assert since == sorted(since, reverse=True)


async def test_rollouts_follow_the_namespaces_and_the_label_selector(
    cluster: FakeCluster, tmp_path: Path
) -> None:
    namespace, name = a_settled_deployment(cluster)
    app = cluster.get("deployments", namespace, name)["spec"]["selector"]["matchLabels"]["app"]
    async with serving(cluster, tmp_path, namespaces=(namespace,), label_selector=f"app={app}") as rig:
        await rig.rollout_snapshot()
        replica_set = cluster.rollout(namespace, name)
        snapshot = await rig.until_rollouts(in_state(replica_set, RolloutState.COMPLETE), "the rollout")

    assert {(r.namespace, r.deployment) for r in snapshot.rollouts} == {(namespace, name)}
    listed = {r.path: r.query for r in cluster.requests if not r.watch}
    assert listed[f"/apis/apps/v1/namespaces/{namespace}/replicasets"]["labelSelector"] == f"app={app}"
    assert "labelSelector" not in listed[f"/apis/apps/v1/namespaces/{namespace}/deployments"]
