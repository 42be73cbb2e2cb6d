"""Frozen snapshot types shared by every layer.

Collectors (live or drill) build these; the hub stores them; panes and the incident
assessment read them. Values are kept raw (as the source sent them): making text
safe for the terminal is the display layer's job, and API calls need the raw value.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Literal

import msgspec


class SourceName(StrEnum):
    """The data sources, one pane (or more) each."""

    PODS = "pods"
    NODES = "nodes"
    EVENTS = "events"
    ROLLOUTS = "rollouts"
    POSTGRES = "postgres"
    METRICS = "metrics"
    ALERTS = "alerts"
    HEALTH = "health"  # no pane of its own: a strip in the error-rate pane


class SourceState(StrEnum):
    NOT_CONFIGURED = "not configured"
    CONNECTING = "connecting"
    LIVE = "live"
    STALE = "stale"


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """Where a source stands: what its pane's border shows.

    ``last_success`` is the source clock's time of the last good snapshot (simulated in a drill);
    ``retry_at`` and ``fresh_until`` are monotonic deadlines, so "retrying in N s" counts down in
    real seconds and a drill running faster than real time does not make its data look late.
    """

    source: SourceName
    state: SourceState
    last_success: datetime | None = None
    stale_since: datetime | None = None
    last_error: str | None = None
    retry_at: float | None = None
    hint: str | None = None
    interval: float | None = None
    fresh_until: float | None = None  # monotonic: until then live data is at most one interval old


# --- Kubernetes -------------------------------------------------------------------------------------------


class Pod(msgspec.Struct, frozen=True, gc=False):
    """A pod row. A msgspec Struct rather than a dataclass, unlike its neighbours: a big cluster makes
    150k of them in a list, and a Struct is built four times faster and never tracked by the cyclic
    garbage collector (it holds no cycles)."""

    namespace: str
    name: str
    ready_containers: int
    total_containers: int
    status: str
    restarts: int
    created_at: datetime
    node: str = ""
    last_restart_at: datetime | None = None
    cpu_millicores: int | None = None
    memory_bytes: int | None = None
    labels: tuple[tuple[str, str], ...] = ()
    uid: str = ""
    owner: str = ""  # "ReplicaSet/modulo-api-5659dd754f", "StatefulSet/postgres", "" for a bare pod
    cpu_request_millicores: int | None = None  # sums over the pod's containers; None when none sets one
    cpu_limit_millicores: int | None = None
    memory_request_bytes: int | None = None
    memory_limit_bytes: int | None = None
    # Built once, from namespace and name (whatever is passed): tables look rows up by key on every
    # update, across up to 150k pods.
    key: str = ""

    def __post_init__(self) -> None:
        msgspec.structs.force_setattr(self, "key", f"{self.namespace}/{self.name}")


HEALTHY_POD_STATUSES = frozenset({"Running", "Completed", "Succeeded"})


def is_fault(pod: Pod) -> bool:
    """Not running as it should: a bad status, or running with containers not ready."""
    return pod.status not in HEALTHY_POD_STATUSES or (
        pod.status == "Running" and pod.ready_containers < pod.total_containers
    )


def fault_order(pod: Pod) -> tuple[bool, int, str]:
    """Faults first (most restarts first among them), then by namespace and name."""
    fault = is_fault(pod)
    return (not fault, -pod.restarts if fault else 0, pod.key)


@dataclass(frozen=True, slots=True)
class PodSnapshot:
    """Every pod, in display order: faults first, then by namespace and name.

    ``usage`` is (CPU millicores, memory bytes) by pod key from metrics.k8s.io, kept apart from the
    pods so a metrics refresh does not rebuild 150k pod rows.
    """

    collected_at: datetime
    pods: tuple[Pod, ...]
    usage: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    by_status: Mapping[str, int] | None = None  # pods by status, when the collector keeps count

    def status_counts(self) -> Mapping[str, int]:
        """Pods by status: counted by the collector as changes come, else here (a drill's few pods)."""
        return self.by_status if self.by_status is not None else Counter(pod.status for pod in self.pods)

    def usage_of(self, pod: Pod) -> tuple[int | None, int | None]:
        cpu, memory = self.usage.get(pod.key, (pod.cpu_millicores, pod.memory_bytes))
        return cpu, memory


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    ready: bool
    created_at: datetime
    unschedulable: bool = False
    pressures: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    version: str = ""
    cpu_percent: float | None = None  # of allocatable, from metrics.k8s.io
    memory_percent: float | None = None
    pod_count: int = 0
    allocatable_cpu_millicores: int | None = None
    allocatable_memory_bytes: int | None = None

    @property
    def status(self) -> str:
        parts = ["Ready" if self.ready else "NotReady"]
        if self.unschedulable:
            parts.append("SchedulingDisabled")
        return ",".join(parts)


@dataclass(frozen=True, slots=True)
class NodeSnapshot:
    collected_at: datetime
    nodes: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class KubeEvent:
    """A Kubernetes event (core/v1 or events.k8s.io), as ``kubectl get events`` shows it."""

    namespace: str
    name: str
    type: str  # Normal, Warning
    reason: str
    message: str
    involved_kind: str
    involved_name: str
    count: int
    first_seen: datetime | None
    last_seen: datetime | None
    source: str = ""

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def involved(self) -> str:
        """The involved object as kubectl names it: "pod/modulo-api-5659dd754f-x2x7k"."""
        return f"{self.involved_kind.lower()}/{self.involved_name}"

    @property
    def warning(self) -> bool:
        return self.type == "Warning"


def event_order(event: KubeEvent) -> tuple[float, str, str]:
    """Display order: most recently seen first, never seen last, then by key (live and drill alike)."""
    seen = event.last_seen
    return (-seen.timestamp() if seen is not None else float("inf"), event.namespace, event.name)


MAX_EVENTS = 2000
"""The most events a snapshot carries: the newest by last seen. A big cluster keeps hundreds of
thousands for an hour; a responder reads the latest few screens."""


@dataclass(frozen=True, slots=True)
class EventSnapshot:
    """The newest events (at most ``MAX_EVENTS``), most recently seen first.

    ``total`` counts every event the source holds, so the pane can say how many were left out.
    """

    collected_at: datetime
    events: tuple[KubeEvent, ...]
    total: int = 0

    @property
    def warnings(self) -> int:
        return sum(1 for event in self.events if event.warning)


class RolloutState(StrEnum):
    PROGRESSING = "progressing"
    COMPLETE = "complete"
    STUCK = "stuck"  # ProgressDeadlineExceeded, or a rollout whose new pods never become ready
    PAUSED = "paused"
    SUPERSEDED = "superseded"  # an older revision, scaled down by a later rollout


@dataclass(frozen=True, slots=True)
class Rollout:
    """One revision of a Deployment: a ReplicaSet, what changed, and how its rollout is going.

    ``started_at`` is when this revision began to roll out: the ReplicaSet's creation, or the
    moment a rollback made an older ReplicaSet current again (as near as the API tells).
    """

    namespace: str
    deployment: str
    replica_set: str
    revision: int
    images: tuple[str, ...]
    created_at: datetime
    desired: int
    ready: int
    state: RolloutState
    previous_images: tuple[str, ...] = ()  # the images of the revision before, () for the first
    message: str = ""  # the Progressing condition's message, when it says something is wrong
    started_at: datetime | None = None

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.replica_set}"

    @property
    def since(self) -> datetime:
        return self.started_at or self.created_at

    @property
    def changed_images(self) -> tuple[tuple[str, str], ...]:
        """(before, after) for each image this revision changed; before is "" for an added image."""
        before = {image_repository(image): image for image in self.previous_images}
        return tuple(
            (before.get(image_repository(image), ""), image)
            for image in self.images
            if before.get(image_repository(image)) != image
        )


def image_repository(image: str) -> str:
    """The image without its tag or digest: "registry:5000/api:v2.14" -> "registry:5000/api"."""
    name = image.split("@", 1)[0]
    repository, colon, tag = name.rpartition(":")
    return repository if colon and "/" not in tag else name


ROLLOUT_WINDOW = timedelta(hours=6)
"""Revisions that started this recently are listed (and any rollout still under way)."""


def rollout_order(rollout: Rollout) -> tuple[float, str, str, int, str]:
    """Display order: newest first; ties by namespace, Deployment, the higher revision first, then name."""
    since = -rollout.since.timestamp()
    return (since, rollout.namespace, rollout.deployment, -rollout.revision, rollout.replica_set)


@dataclass(frozen=True, slots=True)
class RolloutSnapshot:
    """Revisions of every Deployment changed recently, or still rolling out; newest first."""

    collected_at: datetime
    rollouts: tuple[Rollout, ...]


# --- PostgreSQL -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PgBackend:
    pid: int
    database: str
    user: str
    application: str
    client: str
    state: str
    query: str
    query_start: datetime | None = None
    xact_start: datetime | None = None
    wait_event_type: str = ""
    wait_event: str = ""
    blocked_by: tuple[int, ...] = ()
    # With the pid, who the backend is: a pid is reused once its backend exits, and an action must
    # never reach a newcomer that took the pid between the confirmation and the act.
    backend_start: datetime | None = None


@dataclass(frozen=True, slots=True)
class PgEventCount:
    """A counter's increase while the monitor watched: over about the last minute, and in all."""

    recent: int
    since_start: int


@dataclass(frozen=True, slots=True)
class PgDatabaseSize:
    name: str
    size_bytes: int | None  # None: the monitor's role may not read it
    growth_per_hour: float | None = None  # None until two samples far enough apart


@dataclass(frozen=True, slots=True)
class PgReplica:
    """A standby streaming from the watched server; None where the role may not read it (no pg_monitor)."""

    name: str
    client: str
    state: str | None
    sync_state: str | None
    replay_lag_seconds: float | None
    replay_lag_bytes: int | None


@dataclass(frozen=True, slots=True)
class PgOverview:
    """The server-wide figures above the activity table. None: not known yet, or not readable."""

    started_at: datetime | None
    in_recovery: bool = False
    standby_delay_seconds: float | None = None  # a standby's own replay delay
    commits_per_second: float | None = None
    rollbacks_per_second: float | None = None
    cache_hit_ratio: float | None = None
    deadlocks: PgEventCount | None = None
    temp_files: PgEventCount | None = None
    temp_bytes: PgEventCount | None = None
    databases: tuple[PgDatabaseSize, ...] = ()
    replicas: tuple[PgReplica, ...] = ()


@dataclass(frozen=True, slots=True)
class PgSnapshot:
    collected_at: datetime
    server_version: str
    max_connections: int
    backends: tuple[PgBackend, ...]
    overview: PgOverview | None = None

    def count_by_state(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for backend in self.backends:
            counts[backend.state] = counts.get(backend.state, 0) + 1
        return counts

    @property
    def waiting(self) -> int:
        return sum(1 for b in self.backends if b.blocked_by)


# --- Metrics and alerts -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Series:
    """One time series, oldest point first."""

    name: str
    points: tuple[tuple[datetime, float], ...]
    unit: str = ""

    @property
    def latest(self) -> float | None:
        return self.points[-1][1] if self.points else None


@dataclass(frozen=True, slots=True)
class MetricsSnapshot:
    collected_at: datetime
    error_ratio: Series
    window_seconds: int = 15 * 60
    # The latency view's series; None when not fetched, or when its query failed (``latency_error`` says why).
    latency_p95: Series | None = None
    latency_p99: Series | None = None
    request_rate: Series | None = None
    latency_error: str | None = None


class AlertState(StrEnum):
    """An alert's state: Alertmanager's three, and Prometheus' pending (its "firing" reads as active)."""

    ACTIVE = "active"  # firing, neither silenced nor inhibited
    SUPPRESSED = "suppressed"  # silenced or inhibited
    UNPROCESSED = "unprocessed"  # received, not yet routed
    PENDING = "pending"  # Prometheus: its condition holds, not yet for its `for:` duration


_SEVERITY_LEVELS: dict[str, int] = {
    **dict.fromkeys(
        ("critical", "page", "fatal", "emergency", "error", "p0", "p1", "sev0", "sev1", "sev-0", "sev-1"), 1
    ),
    **dict.fromkeys(("warning", "warn", "high", "major", "p2", "sev2", "sev-2"), 2),
    **dict.fromkeys(("info", "low", "minor", "notice", "p3", "p4", "sev3", "sev4", "sev-3", "sev-4"), 3),
}


@cache  # a handful of distinct names, asked for once per alert per repaint
def severity_level(severity: str) -> int:
    """1 (page-worthy), 2 (warning), 3 (informational) or 4 (unknown), for sorting."""
    return _SEVERITY_LEVELS.get(severity.strip().lower(), 4)


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """A silence modulo-watch made to acknowledge an alert: who, why, and until when."""

    silence_id: str
    by: str
    until: datetime
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Alert:
    fingerprint: str
    name: str
    severity: str
    state: str  # an AlertState value
    starts_at: datetime
    summary: str = ""
    labels: tuple[tuple[str, str], ...] = ()
    runbook_url: str = ""
    description: str = ""
    annotations: tuple[tuple[str, str], ...] = ()
    generator_url: str = ""
    silenced_by: tuple[str, ...] = ()  # silence ids
    inhibited_by: tuple[str, ...] = ()  # fingerprints of the inhibiting alerts
    acknowledgement: Acknowledgement | None = None  # the latest-ending one, when acknowledged


AlertOrigin = Literal["alertmanager", "prometheus"]


@dataclass(frozen=True, slots=True)
class AlertSnapshot:
    """Every alert the source holds. From Prometheus (no Alertmanager configured) nothing can be silenced."""

    collected_at: datetime
    alerts: tuple[Alert, ...] = field(default_factory=tuple)
    origin: AlertOrigin = "alertmanager"
    unreadable: int = 0  # alerts left out because the source sent them in a shape that cannot be read


# --- Health checks ----------------------------------------------------------------------------------------


class ProbeFailure(StrEnum):
    """Why a probe of a critical endpoint failed."""

    STATUS = "status"  # it answered, with a status that was not expected (a 5xx, a 4xx, a redirect)
    TIMEOUT = "timeout"  # no answer within the check's timeout
    REFUSED = "refused"  # nothing listens there
    UNREACHABLE = "unreachable"  # no connection: name lookup, routing, TLS
    PROTOCOL = "protocol"  # it answered, but not in HTTP


@dataclass(frozen=True, slots=True)
class HealthProbe:
    """One endpoint's latest probe, and its failures across probes.

    ``error`` is a short reason (it may quote the server: show it inert); ``last_failure`` and
    ``last_error`` stay after a recovery; ``failing_since`` is the first failure of the current run.
    """

    name: str
    url: str  # secrets redacted: it is only ever shown
    checked_at: datetime
    latency: float | None  # seconds to the answer's status line; None without an answer
    status_code: int | None = None
    failure: ProbeFailure | None = None  # None: ok
    error: str | None = None
    last_failure: datetime | None = None
    last_error: str | None = None
    failing_since: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


@dataclass(frozen=True, slots=True)
class HealthSnapshot:
    """Every configured check, in configuration order."""

    collected_at: datetime
    probes: tuple[HealthProbe, ...] = ()

    @property
    def failing(self) -> tuple[HealthProbe, ...]:
        return tuple(probe for probe in self.probes if not probe.ok)

    def probe(self, name: str) -> HealthProbe | None:
        return next((probe for probe in self.probes if probe.name == name), None)


Snapshot = (
    PodSnapshot
    | NodeSnapshot
    | EventSnapshot
    | RolloutSnapshot
    | PgSnapshot
    | MetricsSnapshot
    | AlertSnapshot
    | HealthSnapshot
)
