"""Turning the initial workloads and the pod events into pod lives.

A small, deterministic stand-in for the controllers: every replica has a slot whose current pod
(its "holder") events act on; a rollout or an eviction gives the slot a new pod and lets the old
one terminate or linger as Evicted, the way ``kubectl get pods`` shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from modulo_watch.collectors.drill.controller_log import ControllerLog, PodChange, Revision, Scaling
from modulo_watch.collectors.drill.errors import scenario_error
from modulo_watch.collectors.drill.nodes import NodeTimeline
from modulo_watch.collectors.drill.noise import k8s_hash, k8s_token, mix, text_key, unit
from modulo_watch.collectors.drill.pod_life import (
    CRASH_STATUSES,
    TERMINAL_STATUSES,
    Phase,
    PodLife,
    crash_restarts,
)
from modulo_watch.collectors.drill.spec import (
    Event,
    EvictEvent,
    PodStatusEvent,
    RolloutEvent,
    SchedulePendingEvent,
    WorkloadSpec,
)

CREATE_SECONDS = 8.0
"""How long a new pod shows ContainerCreating before its scripted status."""
GRACE_SECONDS = 30.0
"""terminationGracePeriodSeconds: how long a deleted pod shows Terminating."""
_NEVER = float("inf")


@dataclass
class _Draft:
    """A pod life while the timeline is being applied."""

    workload: WorkloadSpec
    name: str
    template: str
    born: float
    phases: list[tuple[float, str, str]]
    gone: float = _NEVER
    restarts: int = 0
    last_restart: float | None = None

    def phase_at(self, at: float) -> tuple[float, str, str]:
        return next((p for p in reversed(self.phases) if p[0] <= at), self.phases[0])

    def set(self, at: float, status: str, node: str | None = None) -> None:
        """From ``at`` on show ``status``; changes scheduled after ``at`` are overridden."""
        if node is None and self.phases and self.phases[-1][0] <= at and self.phases[-1][1] == status:
            return  # already so: a crash loop keeps its restart count and backoff going
        current_node = self.phase_at(at)[2] if self.phases else ""
        self.phases = [p for p in self.phases if p[0] < at]
        self.phases.append((at, status, current_node if node is None else node))

    def start(self, at: float, status: str, node: str) -> None:
        """Scheduled on ``node`` at ``at``: ContainerCreating, then ``status``."""
        self.set(at, "ContainerCreating", node)
        self.phases.append((at + CREATE_SECONDS, status, node))

    def freeze(self, seed: int) -> PodLife:
        phases: list[Phase] = []
        restarts, last = self.restarts, self.last_restart
        for index, (at, status, node) in enumerate(self.phases):
            phases.append(Phase(at, status, node, restarts, last))
            if status in CRASH_STATUSES and index + 1 < len(self.phases):
                count, offset = crash_restarts(self.phases[index + 1][0] - at)
                if count:
                    restarts, last = restarts + count, at + offset
        w = self.workload
        hash_label = "pod-template-hash" if w.kind == "Deployment" else "controller-revision-hash"
        return PodLife(
            namespace=w.namespace,
            name=self.name,
            born=self.born,
            gone=self.gone,
            containers=w.containers,
            cpu_millicores=w.cpu_millicores,
            memory_bytes=w.memory_bytes,
            labels=tuple(sorted((*w.labels, (hash_label, self.template)))),
            noise_key=mix(seed, text_key(self.name)),
            phases=tuple(phases),
            starts=tuple(p.at for p in phases),
        )


@dataclass
class PodCompiler:
    seed: int
    source: str
    nodes: NodeTimeline
    workloads: tuple[WorkloadSpec, ...]
    _drafts: list[_Draft] = field(default_factory=list)
    _holders: dict[str, list[_Draft]] = field(default_factory=dict)
    _templates: dict[str, list[str]] = field(default_factory=dict)
    _minted: dict[str, int] = field(default_factory=dict)
    log: ControllerLog = field(default_factory=ControllerLog)

    def compile(self, events: tuple[Event, ...]) -> tuple[PodLife, ...]:
        for workload in self.workloads:
            self._initial(workload)
        for event in events:
            if isinstance(event, PodStatusEvent):
                self._status(event)
            elif isinstance(event, RolloutEvent):
                self._rollout(event)
            elif isinstance(event, EvictEvent):
                self._evict(event)
            elif isinstance(event, SchedulePendingEvent):
                self._schedule_pending(event)
        made = [d for d in self._drafts if d.born < _NEVER]
        self.log.changes += (PodChange(d.born, d.workload, d.name, d.template, created=True) for d in made)
        self.log.sort()
        lives = [d.freeze(self.seed) for d in made]
        return tuple(sorted(lives, key=lambda life: (life.namespace, life.name, life.born)))

    def _initial(self, w: WorkloadSpec) -> None:
        key = text_key(w.name)
        self._templates[w.name] = [self._template(w, 0)]
        holders = self._holders[w.name] = []
        for slot in range(w.replicas):
            # Replicas of one rollout were created within a few minutes of each other.
            born = -w.age - round(300 * unit(self.seed, key, slot))
            draft = self._new(w, slot, born)
            node = self.nodes.specs[slot].name if w.kind == "DaemonSet" else self._pick_node(w, born)
            draft.phases.append((born, "Running" if node else "Pending", node))
            if unit(self.seed, key, slot, 1) < 0.12:  # the odd pod with an old restart
                draft.restarts, draft.last_restart = 1, born + round(w.age * unit(self.seed, key, slot, 2))
            holders.append(draft)
        if w.kind == "Deployment":  # its ReplicaSet came with the first replica
            self.log.revisions.append(Revision(min(d.born for d in holders), w, self._templates[w.name][0]))

    def _status(self, event: PodStatusEvent) -> None:
        holders = self._settled(event.workload, event.at, event.line)
        for draft in holders[: event.count or len(holders)]:
            draft.set(event.at, event.status)

    def _rollout(self, event: RolloutEvent) -> None:
        w = next(w for w in self.workloads if w.name == event.workload)
        holders = self._settled(w.name, event.at, event.line)
        history = self._templates[w.name]
        if event.rollback and len(history) < 2:
            raise scenario_error(self.source, event.line, f"{w.name} has no earlier revision to roll back to")
        history.append(history[-2] if event.rollback else self._template(w, len(history)))
        if w.kind == "Deployment":
            self.log.revisions.append(Revision(event.at, w, history[-1]))
        replicas = len(holders)
        for slot, old in enumerate(holders):
            at = event.at + event.over * slot / replicas
            if w.kind == "StatefulSet":  # the same name cannot exist twice: delete first, then create
                old.set(at, "Terminating")
                old.gone = at + GRACE_SECONDS / 3
                new = self._new(w, slot, old.gone, name=old.name)
                deleted = at
            else:
                new = self._new(w, slot, at)
                deleted = at + CREATE_SECONDS
                old.set(deleted, "Terminating")
                old.gone = deleted + GRACE_SECONDS
            self.log.changes.append(PodChange(deleted, w, old.name, old.template, created=False))
            if w.kind == "Deployment":  # a surge of one: up the new set, then down the old one
                self.log.scalings.append(Scaling(at, w, new.template, slot, slot + 1))
                self.log.scalings.append(
                    Scaling(deleted, w, old.template, replicas - slot, replicas - slot - 1)
                )
            node = old.phase_at(at)[2] if w.kind == "DaemonSet" else self._pick_node(w, new.born)
            self._place(new, new.born, event.status, node)
            holders[slot] = new

    def _evict(self, event: EvictEvent) -> None:
        for w in self.workloads:
            if w.kind == "DaemonSet":  # DaemonSet pods tolerate the node's taints
                continue
            holders = self._holders[w.name]
            for slot, old in enumerate(holders):
                _, status, node = old.phase_at(event.at)
                if old.born > event.at or node != event.node or status in TERMINAL_STATUSES:
                    continue
                old.set(event.at, event.status)
                old.gone = self._gone_after_eviction(event, w)
                if w.kind == "StatefulSet" and event.status != "Terminating":  # see _gone_after_eviction
                    self.log.changes.append(PodChange(old.gone, w, old.name, old.template, created=False))
                # A StatefulSet pod's replacement reuses its name, so it waits for the old one to go.
                born = old.gone if w.kind == "StatefulSet" else event.at + 1
                new = self._new(w, slot, born, name=old.name if w.kind == "StatefulSet" else None)
                if event.replacements == "Pending":
                    new.phases.append((born, "Pending", ""))
                else:
                    self._place(new, born, event.replacements, self._pick_node(w, born))
                holders[slot] = new

    def _schedule_pending(self, event: SchedulePendingEvent) -> None:
        for w in self.workloads:
            for draft in self._holders[w.name]:
                _, status, node = draft.phase_at(event.at)
                if draft.born <= event.at and status == "Pending" and not node:
                    self._place(draft, event.at, event.status, self._pick_node(w, event.at))

    def _gone_after_eviction(self, event: EvictEvent, w: WorkloadSpec) -> float:
        if event.status == "Terminating":
            # A pod on an unreachable node stays Terminating until its kubelet is back.
            ready = self.nodes.ready_again(event.node, event.at)
            return _NEVER if ready is None else max(ready + 5, event.at + GRACE_SECONDS)
        # The StatefulSet controller deletes a failed pod to recreate it; other failed pods
        # stay listed until garbage-collected.
        return event.at + 1 if w.kind == "StatefulSet" else _NEVER

    def _place(self, draft: _Draft, at: float, status: str, node: str) -> None:
        if node:
            draft.start(at, status, node)
        else:
            draft.set(at, "Pending", "")

    def _pick_node(self, w: WorkloadSpec, at: float) -> str:
        """The least-loaded schedulable node, as the default scheduler would roughly choose."""
        allowed = [n for n in self.nodes.specs if (n.name in w.nodes if w.nodes else n.runs_workloads)]
        candidates = [n for n in allowed if not self.nodes.conditions(n.name, at)]
        if not candidates:
            return ""
        load = {n.name: 0 for n in candidates}
        for holders in self._holders.values():
            for draft in holders:
                node = draft.phase_at(at)[2]
                if node in load:
                    load[node] += 1
        rotation = mix(self.seed, text_key(w.name)) % len(candidates)
        order = {n.name: (i - rotation) % len(candidates) for i, n in enumerate(candidates)}
        return min(load, key=lambda name: (load[name], order[name]))

    def _settled(self, workload: str, at: float, line: int) -> list[_Draft]:
        holders = self._holders[workload]
        if any(d.born > at for d in holders):
            raise scenario_error(
                self.source,
                line,
                f"{workload} is still rolling out or being replaced here: move the event later",
            )
        return holders

    def _new(self, w: WorkloadSpec, slot: int, born: float, name: str | None = None) -> _Draft:
        minted = self._minted.get(w.name, 0)
        self._minted[w.name] = minted + 1
        template = self._templates[w.name][-1]
        if name is None:
            suffix = k8s_token(5, self.seed, text_key(w.name), minted, 5)
            name = {
                "Deployment": f"{w.name}-{template}-{suffix}",
                "StatefulSet": f"{w.name}-{slot}",
            }.get(w.kind, f"{w.name}-{suffix}")
        draft = _Draft(w, name, template, born, [])
        self._drafts.append(draft)
        return draft

    def _template(self, w: WorkloadSpec, revision: int) -> str:
        return k8s_hash(self.seed, text_key(w.name), revision)
