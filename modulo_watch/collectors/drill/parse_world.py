"""Reading the static part of a scenario file: metadata, cluster, PostgreSQL and metrics."""

from __future__ import annotations

from modulo_watch.collectors.drill.reader import Table
from modulo_watch.collectors.drill.spec import (
    NODE_CONDITIONS,
    PG_STATES,
    SEVERITIES,
    WORKLOAD_KINDS,
    HealthCheckSpec,
    Meta,
    MetricsSpec,
    NodeSpec,
    PostgresSpec,
    SuggestedIncident,
    WorkloadSpec,
)

_DEFAULT_QUERIES = (
    "SELECT id, status, total_cents FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20",
    "SELECT * FROM sessions WHERE token_hash = $1",
    "UPDATE sessions SET last_seen_at = now() WHERE id = $1",
    "INSERT INTO order_events (order_id, kind, payload) VALUES ($1, $2, $3)",
    "SELECT count(*) FROM cart_items WHERE cart_id = $1",
    "UPDATE inventory SET reserved = reserved + $1 WHERE sku = $2",
    "SELECT p.id, p.name, p.price_cents FROM products p WHERE p.id = ANY($1)",
    "COMMIT",
)


def read_meta(root: Table) -> Meta:
    table = _required(root, "scenario")
    meta = Meta(
        name=table.text("name"),
        title=table.text("title"),
        description=" ".join(table.text("description").split()),
        duration=table.duration("duration"),
        seed=table.integer("seed", 1),
    )
    if meta.duration <= 0:
        raise table.error("duration", "'duration' must be longer than zero")
    table.finish()
    return meta


def read_incident(root: Table) -> SuggestedIncident:
    table = _required(root, "incident")
    incident = SuggestedIncident(
        title=table.text("title"),
        severity=table.choice("severity", SEVERITIES, what="severity"),
        impact=" ".join(table.text("impact").split()),
    )
    table.finish()
    return incident


def read_namespaces(root: Table) -> tuple[str, ...]:
    table = _required(root, "cluster")
    namespaces = table.strings("namespaces")
    if not namespaces:
        raise table.error("namespaces", "list at least one namespace")
    table.finish()
    return namespaces


def read_nodes(root: Table) -> tuple[NodeSpec, ...]:
    nodes: list[NodeSpec] = []
    for table in root.tables("node", "[[node]]"):
        node = NodeSpec(
            name=table.text("name"),
            roles=table.strings("roles"),
            version=table.text("version", "v1.29.3"),
            cpu_millicores=table.cpu_millicores("cpu", "4"),
            memory_bytes=table.memory_bytes("memory", "16Gi"),
            age=table.duration("age", "30d"),
            conditions=frozenset(table.choices("conditions", NODE_CONDITIONS, what="node condition")),
        )
        if any(node.name == other.name for other in nodes):
            raise table.error("name", f"a node named {node.name!r} is already defined")
        table.finish()
        nodes.append(node)
    if not nodes:
        raise root.error(None, "define at least one [[node]]")
    return tuple(nodes)


def read_workloads(
    root: Table, namespaces: tuple[str, ...], nodes: tuple[NodeSpec, ...]
) -> tuple[WorkloadSpec, ...]:
    node_names = [node.name for node in nodes]
    workloads: list[WorkloadSpec] = []
    for table in root.tables("workload", "[[workload]]"):
        name = table.text("name")
        kind = table.choice("kind", WORKLOAD_KINDS, "Deployment", what="workload kind")
        if kind == "DaemonSet" and table.has("replicas"):
            raise table.error("replicas", "a DaemonSet runs one pod per node: drop 'replicas'")
        workload = WorkloadSpec(
            name=name,
            namespace=table.choice("namespace", namespaces, what="namespace"),
            kind=kind,
            replicas=len(nodes) if kind == "DaemonSet" else table.integer("replicas", minimum=1),
            containers=table.integer("containers", 1, minimum=1),
            cpu_millicores=table.cpu_millicores("cpu", "100m"),
            memory_bytes=table.memory_bytes("memory", "128Mi"),
            age=table.duration("age", "7d"),
            nodes=table.choices("nodes", node_names, what="node"),
            labels=table.string_map("labels") or (("app", name),),
        )
        if any(name == other.name for other in workloads):
            raise table.error("name", f"a workload named {name!r} is already defined")
        table.finish()
        workloads.append(workload)
    return tuple(workloads)


def read_postgres(root: Table) -> PostgresSpec:
    table = root.table("postgres", "[postgres]") or root.empty("[postgres]")
    applications = table.string_map("applications") or (("modulo-api", "modulo"),)
    backends = table.table("backends", "[postgres.backends]") or table.empty("[postgres.backends]")
    counts: list[tuple[str, int]] = []
    for state in backends.names():
        backends.check_key(state, PG_STATES, "backend state")
        counts.append((state, backends.integer(state)))
    spec = PostgresSpec(
        server_version=table.text("server_version", "15.6"),
        max_connections=table.integer("max_connections", 100, minimum=1),
        database=table.text("database", "modulo"),
        applications=applications,
        backends=tuple(counts) or (("active", 2), ("idle", 10)),
        queries=table.strings("queries") or _DEFAULT_QUERIES,
        replicas=table.strings("replicas"),
    )
    if sum(count for _, count in spec.backends) > spec.max_connections:
        raise backends.error(None, f"more backends than max_connections ({spec.max_connections})")
    table.finish()
    return spec


def read_metrics(root: Table) -> MetricsSpec:
    table = root.table("metrics", "[metrics]") or root.empty("[metrics]")
    spec = MetricsSpec(
        series=table.text("series", "5xx ratio"),
        error_ratio=table.number("error_ratio", 0.003, high=1.0),
        noise=table.number("noise", 0.1, high=1.0),
        step=table.duration("step", "15s"),
        latency_p95=table.number("latency_p95", 0.18, low=0.001, high=3600.0),
        latency_p99=table.number("latency_p99", 0.45, high=3600.0),
        request_rate=table.number("request_rate", 240.0),
    )
    if spec.step < 1:
        raise table.error("step", "'step' must be at least 1s")
    if spec.latency_p99 < spec.latency_p95:
        raise table.error("latency_p99", "'latency_p99' must be at least 'latency_p95'")
    table.finish()
    return spec


def read_health_checks(root: Table) -> tuple[HealthCheckSpec, ...]:
    checks: list[HealthCheckSpec] = []
    for table in root.tables("health_check", "[[health_check]]"):
        check = HealthCheckSpec(
            name=table.text("name"),
            url=table.text("url"),
            latency_ms=table.number("latency_ms", 50, high=600_000),
            timeout=table.duration("timeout", "3s"),
        )
        if any(check.name == other.name for other in checks):
            raise table.error("name", f"a health check named {check.name!r} is already defined")
        if check.timeout <= 0:
            raise table.error("timeout", "'timeout' must be longer than zero")
        table.finish()
        checks.append(check)
    return tuple(checks)


def _required(root: Table, key: str) -> Table:
    table = root.table(key, f"[{key}]")
    if table is None:
        raise root.error(None, f"missing the [{key}] table")
    return table
