"""A scenario file as validated data: the initial world and the timeline of events.

Times are seconds relative to the drill's start (elapsed 0). Every event keeps the line it was
written on, so checks that need the whole timeline can still point at the right line.
"""

from __future__ import annotations

from dataclasses import dataclass

from modulo_watch.collectors.models import SourceName

Labels = tuple[tuple[str, str], ...]

POD_STATUSES = (
    "Running",
    "Pending",
    "ContainerCreating",
    "CrashLoopBackOff",
    "Error",
    "OOMKilled",
    "ImagePullBackOff",
    "ErrImagePull",
    "CreateContainerConfigError",
    "Terminating",
    "Evicted",
    "Completed",
    "Unknown",
)
NODE_CONDITIONS = (
    "NotReady",
    "DiskPressure",
    "MemoryPressure",
    "PIDPressure",
    "NetworkUnavailable",
    "SchedulingDisabled",
)
PG_STATES = (
    "active",
    "idle",
    "idle in transaction",
    "idle in transaction (aborted)",
    "fastpath function call",
    "disabled",
)
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
SEVERITIES = ("P0", "P1", "P2", "P3")
HEALTH_ERRORS = ("timeout", "refused")


@dataclass(frozen=True, slots=True)
class Meta:
    name: str
    title: str
    description: str
    duration: float
    seed: int


@dataclass(frozen=True, slots=True)
class SuggestedIncident:
    """What the scenario suggests the responder declares."""

    title: str
    severity: str
    impact: str


@dataclass(frozen=True, slots=True)
class NodeSpec:
    name: str
    roles: tuple[str, ...]
    version: str
    cpu_millicores: int
    memory_bytes: int
    age: float
    conditions: frozenset[str]

    @property
    def runs_workloads(self) -> bool:
        return "control-plane" not in self.roles


@dataclass(frozen=True, slots=True)
class WorkloadSpec:
    name: str
    namespace: str
    kind: str
    replicas: int
    containers: int
    cpu_millicores: int
    memory_bytes: int
    age: float
    nodes: tuple[str, ...]
    labels: Labels


@dataclass(frozen=True, slots=True)
class PostgresSpec:
    server_version: str
    max_connections: int
    database: str
    applications: Labels
    """(application_name, user) pairs the generic backends are drawn from."""
    backends: tuple[tuple[str, int], ...]
    queries: tuple[str, ...]
    replicas: tuple[str, ...] = ()
    """The application_name of each streaming standby."""


@dataclass(frozen=True, slots=True)
class MetricsSpec:
    series: str
    error_ratio: float
    noise: float
    step: float
    latency_p95: float  # seconds
    latency_p99: float
    request_rate: float  # requests per second


@dataclass(frozen=True, slots=True)
class HealthCheckSpec:
    """A critical endpoint the drill probes, as ``[[health.checks]]`` configures one live."""

    name: str
    url: str
    latency_ms: float  # the usual answer time
    timeout: float


# --- events -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ErrorRatioEvent:
    at: float
    line: int
    target: float
    over: float


@dataclass(frozen=True, slots=True)
class LatencyEvent:
    at: float
    line: int
    p95: float
    p99: float | None  # None: p99 keeps its baseline ratio to p95
    over: float


@dataclass(frozen=True, slots=True)
class RequestRateEvent:
    at: float
    line: int
    target: float
    over: float


@dataclass(frozen=True, slots=True)
class PodStatusEvent:
    at: float
    line: int
    workload: str
    status: str
    count: int | None


@dataclass(frozen=True, slots=True)
class RolloutEvent:
    """A new ReplicaSet replaces the pods one by one; ``rollback`` reuses the previous template."""

    at: float
    line: int
    workload: str
    status: str
    over: float
    rollback: bool


@dataclass(frozen=True, slots=True)
class NodeEvent:
    at: float
    line: int
    node: str
    add: frozenset[str]
    clear: frozenset[str]


@dataclass(frozen=True, slots=True)
class EvictEvent:
    """The pods on ``node`` get ``status``; their controllers create replacements in ``replacements``."""

    at: float
    line: int
    node: str
    status: str
    replacements: str


@dataclass(frozen=True, slots=True)
class SchedulePendingEvent:
    at: float
    line: int
    status: str


@dataclass(frozen=True, slots=True)
class BackendsEvent:
    at: float
    line: int
    targets: tuple[tuple[str, int], ...]
    over: float


@dataclass(frozen=True, slots=True)
class SessionSpec:
    id: str
    application: str
    user: str
    state: str
    query: str
    blocked_by: tuple[str, ...]
    wait_event: str
    count: int


@dataclass(frozen=True, slots=True)
class LockChainEvent:
    """Sessions join the named lock chain; several of one kind arrive spread over ``over``."""

    at: float
    line: int
    chain: str
    sessions: tuple[SessionSpec, ...]
    over: float


@dataclass(frozen=True, slots=True)
class EndLockChainEvent:
    at: float
    line: int
    chain: str


@dataclass(frozen=True, slots=True)
class AlertEvent:
    at: float
    line: int
    name: str
    severity: str
    summary: str
    labels: Labels
    runbook_url: str


@dataclass(frozen=True, slots=True)
class ResolveEvent:
    """Resolves the firing alerts called ``name`` whose labels include ``labels``."""

    at: float
    line: int
    name: str
    labels: Labels


@dataclass(frozen=True, slots=True)
class SourceDownEvent:
    at: float
    line: int
    source: SourceName
    duration: float


@dataclass(frozen=True, slots=True)
class HealthEvent:
    """A check's probes change: ``share`` of them fail with ``status`` (or ``error``, without an
    answer); the usual latency ramps to ``latency_ms`` over ``over`` (None keeps it)."""

    at: float
    line: int
    check: str
    status: int
    error: str  # "" or one of HEALTH_ERRORS
    share: float
    latency_ms: float | None
    over: float


Event = (
    ErrorRatioEvent
    | LatencyEvent
    | RequestRateEvent
    | PodStatusEvent
    | RolloutEvent
    | NodeEvent
    | EvictEvent
    | SchedulePendingEvent
    | BackendsEvent
    | LockChainEvent
    | EndLockChainEvent
    | AlertEvent
    | ResolveEvent
    | SourceDownEvent
    | HealthEvent
)


@dataclass(frozen=True, slots=True)
class ScenarioSpec:
    source: str
    meta: Meta
    incident: SuggestedIncident
    namespaces: tuple[str, ...]
    nodes: tuple[NodeSpec, ...]
    workloads: tuple[WorkloadSpec, ...]
    postgres: PostgresSpec
    metrics: MetricsSpec
    events: tuple[Event, ...]
    """Sorted by time; events at the same time keep their order in the file."""
    health_checks: tuple[HealthCheckSpec, ...] = ()
