"""What the drill's controllers did while the pods were compiled.

The pod compiler plays the Deployment, ReplicaSet, StatefulSet and DaemonSet controllers; it notes
here each pod it made or deleted, each ReplicaSet it scaled and each revision it made current, so
the events and the rollouts views tell the same story as the pods table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from modulo_watch.collectors.drill.spec import WorkloadSpec


@dataclass(frozen=True, slots=True)
class PodChange:
    """The workload's controller created (or deleted) pod ``pod`` of template ``template`` at ``at``."""

    at: float
    workload: WorkloadSpec
    pod: str
    template: str
    created: bool


@dataclass(frozen=True, slots=True)
class Scaling:
    """The Deployment controller scaled ReplicaSet ``<workload>-<template>`` from ``before`` to ``after``."""

    at: float
    workload: WorkloadSpec
    template: str
    before: int
    after: int


@dataclass(frozen=True, slots=True)
class Revision:
    """A Deployment's pod template became the current one at ``at``: first rollout, rollout or rollback."""

    at: float
    workload: WorkloadSpec
    template: str


@dataclass
class ControllerLog:
    """Filled while compiling; each list in time order once ``PodCompiler.compile`` returns."""

    changes: list[PodChange] = field(default_factory=list)
    scalings: list[Scaling] = field(default_factory=list)
    revisions: list[Revision] = field(default_factory=list)

    def sort(self) -> None:
        self.changes.sort(key=lambda change: change.at)
        self.scalings.sort(key=lambda scaling: scaling.at)
        self.revisions.sort(key=lambda revision: revision.at)
