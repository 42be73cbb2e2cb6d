"""The live rollouts source: "check recent deployments", from list-watches of Deployments and ReplicaSets.

Each ReplicaSet a Deployment owns is one of its revisions. The rows are the revisions that started
within ``ROLLOUT_WINDOW``, and the current revision of every Deployment whose rollout is not
complete, however old. ``build_rollouts`` makes them and is pure; the collector feeds it from its
caches, in a worker thread (a big cluster has 7k Deployments and 14k ReplicaSets).

The label selector goes to the ReplicaSet list-watch, where the API applies it: a ReplicaSet carries
its pod template's labels, so a Deployment shows when its pods would match. Deployments are all
watched (their own labels need not be their pods'), and one without a matching ReplicaSet has no rows.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from modulo_watch.collectors.clock import Clock
from modulo_watch.collectors.kube.collectors import FIRST_LIST_TIMEOUT, WATCH_WINDOW
from modulo_watch.collectors.kube.connection import KubeConnection
from modulo_watch.collectors.kube.convert import DeploymentInfo, ReplicaSetInfo, WorkloadCondition
from modulo_watch.collectors.kube.decode import DEPLOYMENTS, REPLICA_SETS
from modulo_watch.collectors.kube.watches import WatchGroup, after_pods
from modulo_watch.collectors.models import (
    ROLLOUT_WINDOW,
    Rollout,
    RolloutSnapshot,
    RolloutState,
    Snapshot,
    SourceName,
    rollout_order,
)
from modulo_watch.config import KubernetesSettings

DEADLINE_EXCEEDED = "ProgressDeadlineExceeded"


def build_rollouts(
    deployments: Iterable[DeploymentInfo],
    replica_sets: Iterable[ReplicaSetInfo],
    now: datetime,
    window: timedelta = ROLLOUT_WINDOW,
) -> tuple[Rollout, ...]:
    """The rows of "check recent deployments", the newest first."""
    owned: defaultdict[str, list[ReplicaSetInfo]] = defaultdict(list)
    for replica_set in replica_sets:
        if replica_set.owner_uid:  # by uid: a Deployment deleted and made again does not own the old sets
            owned[replica_set.owner_uid].append(replica_set)
    rows = [
        row
        for deployment in deployments
        if deployment.uid in owned
        for row in deployment_rollouts(deployment, owned[deployment.uid], now - window)
    ]
    rows.sort(key=rollout_order)
    return tuple(rows)


def deployment_rollouts(
    deployment: DeploymentInfo, replica_sets: list[ReplicaSetInfo], cutoff: datetime
) -> list[Rollout]:
    """One Deployment's revisions that started after ``cutoff``, and its current one if not complete.

    Rows are only made for what shows: most Deployments of a big cluster have none.
    """
    *older, current = sorted(replica_sets, key=lambda rs: (rs.revision, rs.created_at, rs.name))
    rows = [
        revision_row(deployment, replica_set, older[index - 1] if index else None, RolloutState.SUPERSEDED)
        for index, replica_set in enumerate(older)
        if replica_set.created_at >= cutoff
    ]
    previous = older[-1] if older else None
    state, message = current_state(deployment, current)
    started = current.created_at
    if previous is not None and started < previous.created_at:
        # A rollback: the controller made this older set current again, with the next revision number.
        started = rollback_start(deployment, previous)
    if started >= cutoff or state is not RolloutState.COMPLETE:
        rows.append(revision_row(deployment, current, previous, state, message, started))
    return rows


def revision_row(
    deployment: DeploymentInfo,
    replica_set: ReplicaSetInfo,
    previous: ReplicaSetInfo | None,
    state: RolloutState,
    message: str = "",
    started: datetime | None = None,
) -> Rollout:
    """``previous`` is the next-lower revision: the one this replaced, unless this was rolled back."""
    current = state is not RolloutState.SUPERSEDED
    return Rollout(
        namespace=replica_set.namespace,
        deployment=deployment.name,
        replica_set=replica_set.name,
        revision=replica_set.revision,
        images=replica_set.images,
        created_at=replica_set.created_at,
        # The Deployment's target, not the set's: mid-rollout the set is scaled up a few pods at a time.
        desired=deployment.desired if current else replica_set.desired,
        ready=replica_set.ready,
        state=state,
        previous_images=previous.images if previous is not None else (),
        message=message,
        started_at=started or replica_set.created_at,
    )


def current_state(deployment: DeploymentInfo, replica_set: ReplicaSetInfo) -> tuple[RolloutState, str]:
    """How the rollout to the current revision goes, and the controller's message when it is stuck."""
    if 0 < deployment.revision < replica_set.revision:
        # The ReplicaSet watch saw the new set before the Deployment watch saw its status: just begun.
        return RolloutState.PROGRESSING, ""
    progressing = condition(deployment, "Progressing")
    if progressing is not None and progressing.status == "False" and progressing.reason == DEADLINE_EXCEEDED:
        return RolloutState.STUCK, progressing.message
    if deployment.paused:
        return RolloutState.PAUSED, ""
    if deployment.observed_generation >= deployment.generation and (
        deployment.updated == deployment.ready == deployment.available == deployment.desired
    ):
        return RolloutState.COMPLETE, ""
    return RolloutState.PROGRESSING, ""


def rollback_start(deployment: DeploymentInfo, replaced: ReplicaSetInfo) -> datetime:
    """When a rollback from ``replaced`` began, as near as the API tells: no field records it.

    Rolling back a stuck rollout (the usual case in an incident) turns Progressing from False to True:
    its lastTransitionTime, when after ``replaced`` was made, is then the moment. Otherwise its
    lastUpdateTime, the rollback's last progress: later than the start, never earlier, so a fresh
    rollback never passes for an old one. Without either, ``replaced``'s creation, the earliest it can be.
    """
    progressing = condition(deployment, "Progressing")
    if progressing is None:
        return replaced.created_at
    transition = progressing.last_transition_time
    if progressing.status == "True" and transition is not None and transition > replaced.created_at:
        return transition
    return progressing.last_update_time or replaced.created_at


def condition(deployment: DeploymentInfo, kind: str) -> WorkloadCondition | None:
    return next((c for c in deployment.conditions if c.type == kind), None)


def next_expiry(
    rollouts: tuple[Rollout, ...], now: datetime, window: timedelta = ROLLOUT_WINDOW
) -> datetime | None:
    """When the next row leaves the window: the rows change then, though nothing on the server did."""
    return min((row.since + window for row in rollouts if row.since + window > now), default=None)


def workload_key(workload: DeploymentInfo | ReplicaSetInfo) -> str:
    return f"{workload.namespace}/{workload.name}"


class RolloutsCollector:
    source = SourceName.ROLLOUTS
    interval = 0.0  # fetch itself waits on the watches
    timeout = FIRST_LIST_TIMEOUT

    def __init__(
        self,
        connection: KubeConnection,
        settings: KubernetesSettings,
        clock: Clock,
        pods_listed: asyncio.Event | None = None,
    ) -> None:
        self._connection = connection
        self._clock = clock
        self._pods_listed = pods_listed
        namespaces, key = settings.namespaces, workload_key
        selector = {"labelSelector": settings.label_selector} if settings.label_selector else {}
        self.deployments = WatchGroup(
            connection, "/apis/apps/v1", "deployments", namespaces, DEPLOYMENTS, key
        )
        self.replica_sets = WatchGroup(
            connection, "/apis/apps/v1", "replicasets", namespaces, REPLICA_SETS, key, **selector
        )
        self._snapshot: RolloutSnapshot | None = None
        self._built_from = (-1, -1)
        self._expires: datetime | None = None

    def close_watches(self) -> None:
        self.deployments.close()
        self.replica_sets.close()

    async def fetch(self) -> Snapshot:
        await after_pods(self._pods_listed)
        await self._connection.open()
        await self.deployments.step(WATCH_WINDOW / 2)
        await self.replica_sets.step(WATCH_WINDOW / 2)
        now = self._clock.now()
        versions = (self.deployments.version, self.replica_sets.version)
        due = self._expires is not None and now >= self._expires
        if self._snapshot is None or versions != self._built_from or due:
            rows = await asyncio.to_thread(
                build_rollouts, self.deployments.items(), self.replica_sets.items(), now
            )
            if self._snapshot is None or rows != self._snapshot.rollouts:
                self._snapshot = RolloutSnapshot(now, rows)
            self._built_from = versions
            self._expires = next_expiry(rows, now)
        return self._snapshot

    async def aclose(self) -> None:
        """The shared connection is closed by whoever made it (see ``kube_collectors``)."""
        self.close_watches()
