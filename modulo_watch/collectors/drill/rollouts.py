"""The drill's rollouts: every Deployment's revisions, from the compiled pods and the controller log.

A ReplicaSet is named ``<deployment>-<pod-template-hash>``, as its pods' label says. Each template
the controller makes current gets the next revision number; a rollback makes an older ReplicaSet
current again under the next number, as Kubernetes does, and its old number is gone.

The current revision is complete when the Deployment's target of pods are ready in it and no older
pod is left. Otherwise it is progressing until ``PROGRESS_DEADLINE`` passes without one of its pods
becoming ready, and then stuck, with the controller's message. Kubernetes stops judging a rollout
the moment it first completes; the drill judges it at its deadline instead, so a release that
crashes under traffic a minute after it rolled out is stuck, while a revision that was complete at
its deadline and loses pods later (a node fails) is only progressing again, as the live view shows
a Deployment whose pods are not all ready.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from modulo_watch.collectors.drill.controller_log import Revision
from modulo_watch.collectors.drill.inspect_pod import (
    container_specs,
    first_templates,
    is_newer,
    kubernetes_version,
    workload_of,
)
from modulo_watch.collectors.drill.pod_life import TERMINAL_STATUSES, PodLife
from modulo_watch.collectors.drill.spec import NodeSpec, WorkloadSpec
from modulo_watch.collectors.models import (
    ROLLOUT_WINDOW,
    Rollout,
    RolloutSnapshot,
    RolloutState,
    rollout_order,
)

"""Revisions that started this recently are shown, as the live source shows them."""
PROGRESS_DEADLINE = 600.0
"""progressDeadlineSeconds, the Deployment default."""


@dataclass(frozen=True, slots=True)
class _ReplicaSet:
    workload: WorkloadSpec
    template: str
    lives: tuple[PodLife, ...]
    rises: tuple[float, ...]
    """When one of its pods became ready, in order: the progress the deadline waits for."""

    @property
    def name(self) -> str:
        return f"{self.workload.name}-{self.template}"

    def count(self, at: float) -> tuple[int, int]:
        """(active, ready) pods at ``at``; a deleted or failed pod is not active."""
        active = ready = 0
        for life in self.lives:
            if life.born <= at < life.gone:
                status = life.phase_at(at).status
                if status != "Terminating" and status not in TERMINAL_STATUSES:
                    active += 1
                    if status == "Running":
                        ready += 1
        return active, ready


@dataclass(frozen=True, slots=True)
class _Deployment:
    workload: WorkloadSpec
    history: tuple[Revision, ...]
    sets: dict[str, _ReplicaSet]  # by template

    def complete(self, current: _ReplicaSet, at: float) -> bool:
        others = (s for s in self.sets.values() if s is not current)
        return current.count(at)[1] == self.workload.replicas and all(s.count(at)[0] == 0 for s in others)

    def stuck(self, current: _ReplicaSet, started: float, at: float) -> bool:
        deadline = started + PROGRESS_DEADLINE
        for rise in current.rises:
            if rise <= started:
                continue
            if rise > at:
                break
            if rise > deadline and self.complete(current, deadline):
                return False  # complete at its deadline: later trouble is not this rollout's
            deadline = rise + PROGRESS_DEADLINE
        return at > deadline and not self.complete(current, deadline)


def _replica_set(w: WorkloadSpec, template: str, lives: tuple[PodLife, ...]) -> _ReplicaSet:
    prefix = f"{w.name}-{template}-"
    own = tuple(
        life
        for life in lives
        if life.namespace == w.namespace
        and life.name.startswith(prefix)
        and ("pod-template-hash", template) in life.labels
    )
    rises = sorted(phase.at for life in own for phase in life.phases if phase.status == "Running")
    return _ReplicaSet(w, template, own, tuple(rises))


class RolloutTimeline:
    def __init__(
        self,
        lives: tuple[PodLife, ...],
        revisions: list[Revision],
        nodes: tuple[NodeSpec, ...],
        postgres_version: str,
    ) -> None:
        histories: dict[str, list[Revision]] = {}
        for revision in revisions:
            histories.setdefault(revision.workload.name, []).append(revision)
        self._deployments = [
            _Deployment(
                history[0].workload,
                tuple(history),
                {r.template: _replica_set(r.workload, r.template, lives) for r in history},
            )
            for history in histories.values()
        ]
        self._lives = lives
        self._nodes = nodes
        self._postgres_version = postgres_version
        self._first: dict[str, frozenset[str]] | None = None
        self._images: dict[str, tuple[str, ...]] = {}  # by ReplicaSet

    def snapshot(self, at: float, start: datetime) -> RolloutSnapshot:
        rows = [row for deployment in self._deployments for row in self._rows(deployment, at, start)]
        rows.sort(key=rollout_order)
        return RolloutSnapshot(collected_at=start + timedelta(seconds=at), rollouts=tuple(rows))

    def _rows(self, deployment: _Deployment, at: float, start: datetime) -> Iterator[Rollout]:
        history = [revision for revision in deployment.history if revision.at <= at]
        if not history:
            return
        numbers = {revision.template: number for number, revision in enumerate(history, 1)}
        created: dict[str, float] = {}
        for revision in history:
            created.setdefault(revision.template, revision.at)
        order = sorted(numbers, key=numbers.__getitem__)
        previous: tuple[str, ...] = ()  # the next lower revision's images, as the live view pairs them
        for template in order:
            replica_set, number = deployment.sets[template], numbers[template]
            started = history[number - 1].at
            active, ready = replica_set.count(at)
            images = self._images_of(replica_set, start)
            if number == len(history):
                state = RolloutState.COMPLETE
                if not deployment.complete(replica_set, at):
                    stuck = deployment.stuck(replica_set, started, at)
                    state = RolloutState.STUCK if stuck else RolloutState.PROGRESSING
                desired, shown = deployment.workload.replicas, state is not RolloutState.COMPLETE
            else:
                state, desired, shown = RolloutState.SUPERSEDED, active, False
            if shown or started >= at - ROLLOUT_WINDOW.total_seconds():
                yield Rollout(
                    namespace=deployment.workload.namespace,
                    deployment=deployment.workload.name,
                    replica_set=replica_set.name,
                    revision=number,
                    images=images,
                    created_at=start + timedelta(seconds=created[template]),
                    desired=desired,
                    ready=ready,
                    state=state,
                    previous_images=previous,
                    message=f'ReplicaSet "{replica_set.name}" has timed out progressing.'
                    if state is RolloutState.STUCK
                    else "",
                    started_at=start + timedelta(seconds=started),
                )
            previous = images

    def _images_of(self, replica_set: _ReplicaSet, start: datetime) -> tuple[str, ...]:
        """Its containers' images, as the pod detail shows them for its pods."""
        images = self._images.get(replica_set.name)
        if images is None:
            if self._first is None:
                at_start = (life.pod_at(0.0, start) for life in self._lives if life.born <= 0.0 < life.gone)
                self._first = first_templates(at_start)
            life = replica_set.lives[0]
            pod = life.pod_at(life.born, start)
            workload = workload_of(pod)
            kubernetes = kubernetes_version(pod.node, self._nodes)
            newer = is_newer(self._first, workload)
            specs = container_specs(pod, workload, newer, self._postgres_version, kubernetes)
            images = self._images[replica_set.name] = tuple(spec.image for spec in specs)
        return images
