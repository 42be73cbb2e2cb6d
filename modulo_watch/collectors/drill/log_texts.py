"""What each kind of drill container writes to its log, given what the world is going through.

A profile makes one line from a seeded ``Dice`` and the ``Conditions`` of the moment (the 5xx ratio,
how full PostgreSQL is, whether peers are down), so an API pod's log turns to 5xx and connection
errors exactly while the error-rate graph climbs. Runs start and end with the lines real programs
print: a version banner, a Go panic, a Python traceback, a SIGTERM.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from modulo_watch.collectors.drill.noise import mix, unit


@dataclass(frozen=True, slots=True)
class Conditions:
    """The world around a container at one moment."""

    error_ratio: float = 0.0
    pg_load: float = 0.0  # backends / max_connections
    lock_waits: int = 0
    node_trouble: bool = False  # DiskPressure or another pressure on the pod's node
    peers_down: int = 0  # pods of the same app not running

    @property
    def database_full(self) -> bool:
        return self.pg_load >= 0.9


@dataclass(frozen=True, slots=True)
class Facts:
    """The container whose log it is."""

    workload: str
    container: str
    version: str
    pod_ip: str
    namespace: str


class Dice:
    """Deterministic choices from a seed."""

    def __init__(self, *seed: int) -> None:
        self._seed = mix(*seed)
        self._rolls = 0

    def roll(self) -> float:
        self._rolls += 1
        return unit(self._seed, self._rolls)

    def pick(self, options: tuple[str, ...]) -> str:
        return options[int(self.roll() * len(options))]

    def number(self, low: int, high: int) -> int:
        return low + int(self.roll() * (high - low + 1))

    def hex(self, digits: int) -> str:
        self._rolls += 1
        return f"{mix(self._seed, 99, self._rolls):016x}"[:digits]


LineMaker = Callable[[Dice, Conditions, Facts, datetime], str]


@dataclass(frozen=True, slots=True)
class Profile:
    period: float  # seconds between lines, on average
    line: LineMaker
    banner: Callable[[Facts], tuple[str, ...]]
    endings: Mapping[str, tuple[str, ...]]


_PATHS = (
    "/api/orders",
    "/api/orders/{id}",
    "/api/cart",
    "/api/checkout",
    "/api/users/me",
    "/api/products/{id}",
)
_STATEMENT_TIMEOUT = "pq: canceling statement due to statement timeout"
_TOO_MANY = "FATAL: sorry, too many clients already (SQLSTATE 53300)"
_GO_PANIC = (
    "panic: runtime error: invalid memory address or nil pointer dereference",
    "[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x9a4f12]",
    "",
    "goroutine 4182 [running]:",
    "modulo.example.com/api/internal/orders.(*Serializer).discountCode(0xc0004a2c80, 0x0)",
    "\t/src/internal/orders/serialize.go:212 +0x52",
    "modulo.example.com/api/internal/orders.(*Serializer).Order(0xc0004a2c80, 0xc0019e4000)",
    "\t/src/internal/orders/serialize.go:87 +0x2a5",
    "modulo.example.com/api/internal/http.(*Handler).getOrder(0xc00012e3c0, {0xbd1f40, 0xc0021b6000})",
    "\t/src/internal/http/orders.go:64 +0x1b8",
    "net/http.HandlerFunc.ServeHTTP(...)",
    "\t/usr/local/go/src/net/http/server.go:2171",
)
_GO_STOP = (
    'level=info msg="received signal, shutting down" signal=terminated',
    'level=info msg="http server stopped" in_flight=0',
)


def _path(dice: Dice) -> str:
    return dice.pick(_PATHS).replace("{id}", str(dice.number(1000, 99999)))


def _api_line(dice: Dice, world: Conditions, facts: Facts, moment: datetime) -> str:
    path, took = _path(dice), dice.number(3, 140)
    method = "POST" if path in ("/api/cart", "/api/checkout") else "GET"
    if dice.roll() < min(0.9, world.error_ratio * 1.6):
        if world.database_full:
            return (
                f'level=error msg="query failed" path={path} status=503 duration_ms={took} err="{_TOO_MANY}"'
            )
        if world.lock_waits:
            return (
                f'level=error msg="query failed" path={path} status=504 duration_ms=5000 '
                f'query=orders.byCustomer err="{_STATEMENT_TIMEOUT}"'
            )
        if world.peers_down and dice.roll() < 0.5:
            return (
                f'level=error msg="upstream call failed" path={path} status=502 err="Post '
                f'\\"http://modulo-pricing.{facts.namespace}.svc:8080/v1/quote\\": '
                'dial tcp 172.20.14.9:8080: connect: connection refused"'
            )
        return (
            f'level=error msg="request failed" method={method} path={path} status=500 duration_ms={took} '
            'err="runtime error: invalid memory address or nil pointer dereference" recovered=true'
        )
    if world.lock_waits and dice.roll() < 0.3:
        return f'level=warn msg="slow query" query=orders.byCustomer duration_ms={dice.number(1200, 4800)}'
    if world.node_trouble and dice.roll() < 0.2:
        cache = f"/tmp/cache-{dice.hex(6)}"
        return f'level=error msg="cache write failed" err="write {cache}: no space left on device"'
    status = dice.pick(("200", "200", "200", "200", "201", "204", "304", "404"))
    return (
        f"level=info msg=request method={method} path={path} status={status} duration_ms={took} "
        f"request_id={dice.hex(12)}"
    )


def _api_banner(facts: Facts) -> tuple[str, ...]:
    return (
        f'level=info msg="starting {facts.workload}" version={facts.version} go=go1.22.5',
        'level=info msg="connected to postgres" host=pgbouncer.modulo-data.svc:6432 pool_max=20',
        f"level=info msg=listening addr={facts.pod_ip}:8080",
    )


def _worker_line(dice: Dice, world: Conditions, facts: Facts, moment: datetime) -> str:
    job = dice.pick(("send_receipt", "sync_inventory", "charge_order", "archive_orders", "email_digest"))
    if world.database_full and dice.roll() < 0.6:
        return "ERROR    worker.db      could not connect: FATAL:  sorry, too many clients already"
    if world.lock_waits and dice.roll() < 0.4:
        retry = dice.number(1, 5)
        return (
            f'WARNING  worker.jobs    job={job} retry={retry} error="canceling statement due to lock timeout"'
        )
    if dice.roll() < world.error_ratio:
        return f"ERROR    worker.jobs    job={job} failed: upstream modulo-api returned 503"
    return f"INFO     worker.jobs    job={job} id={dice.hex(8)} status=done took={dice.number(12, 900)}ms"


def _worker_banner(facts: Facts) -> tuple[str, ...]:
    return (
        f"INFO     worker.main    starting {facts.workload} {facts.version} (python 3.12.4, 8 threads)",
        "INFO     worker.db      connection pool ready (min=2 max=10)",
    )


def _frontend_line(dice: Dice, world: Conditions, facts: Facts, moment: datetime) -> str:
    client = f"10.0.{dice.number(1, 3)}.{dice.number(2, 250)}"
    if dice.roll() < world.error_ratio * 0.8:
        return (
            f"[error] 31#31: *{dice.number(1000, 99999)} connect() failed (111: Connection refused) while "
            f'connecting to upstream, client: {client}, server: _, request: "GET /api/cart HTTP/1.1", '
            f'upstream: "http://172.20.31.4:8080/api/cart"'
        )
    asset = dice.pick(("/", "/static/js/app.3f9c2a.js", "/static/css/app.81be.css", "/favicon.ico", "/cart"))
    return f'{client} - - "GET {asset} HTTP/1.1" 200 {dice.number(300, 48000)} "-" "Mozilla/5.0"'


def _ingress_line(dice: Dice, world: Conditions, facts: Facts, moment: datetime) -> str:
    path, size = _path(dice), dice.number(200, 9000)
    stamp = moment.strftime("%d/%b/%Y:%H:%M:%S +0000")
    client = f"203.0.113.{dice.number(2, 250)}"
    upstream = f"10.0.{dice.number(1, 3)}.{dice.number(2, 250)}:8080"
    status, took = "200", dice.number(4, 160) / 1000
    if dice.roll() < world.error_ratio:
        status = dice.pick(("502", "503", "500"))
    line = (
        f'{client} - - [{stamp}] "GET {path} HTTP/2.0" {status} {size} "-" "Mozilla/5.0" 41 {took:.3f} '
        f"[modulo-modulo-api-8080] [] {upstream} {size} {took:.3f} {status} {dice.hex(32)}"
    )
    if status == "502":
        return (
            f"[error] 214#214: *{dice.number(10000, 999999)} connect() failed (111: Connection refused) "
            f'while connecting to upstream, client: {client}, request: "GET {path} HTTP/2.0", '
            f'upstream: "http://{upstream}{path}"'
        )
    return line


def _postgres_line(dice: Dice, world: Conditions, facts: Facts, moment: datetime) -> str:
    prefix = f"{moment:%Y-%m-%d %H:%M:%S}.{moment.microsecond // 1000:03d} UTC [{dice.number(2000, 9999)}]"
    if world.database_full and dice.roll() < 0.6:
        return f"{prefix} FATAL:  sorry, too many clients already"
    if world.lock_waits and dice.roll() < 0.6:
        return (
            f"{prefix} LOG:  process {dice.number(2000, 9999)} still waiting for AccessExclusiveLock on "
            f"relation 16412 of database 16384 after {dice.number(1000, 9000)}.{dice.number(100, 999)} ms"
        )
    if dice.roll() < 0.5:
        return f"{prefix} LOG:  checkpoint starting: time"
    return (
        f"{prefix} LOG:  checkpoint complete: wrote {dice.number(200, 4000)} buffers "
        f"({dice.number(1, 20)}.{dice.number(0, 9)}%); 0 WAL file(s) added, 0 removed, 1 recycled"
    )


def _pgbouncer_line(dice: Dice, world: Conditions, facts: Facts, moment: datetime) -> str:
    if world.pg_load >= 0.8 and dice.roll() < 0.5:
        return (
            f"WARNING C-0x55d1{dice.hex(8)}: modulo/modulo_api@10.0.1.{dice.number(2, 250)}:"
            f"{dice.number(30000, 60000)} pooler error: query_wait_timeout"
        )
    xacts = dice.number(150, 400)
    return (
        f"LOG stats: {xacts} xacts/s, {xacts * 2} queries/s, 0 client parses/s, in {xacts * 280} B/s, "
        f"out {xacts * 940} B/s, xact {dice.number(900, 4000)} us, query {dice.number(400, 2000)} us"
    )


def _dns_line(dice: Dice, world: Conditions, facts: Facts, moment: datetime) -> str:
    name = dice.pick(
        ("pgbouncer.modulo-data", "modulo-api.modulo", "postgres.modulo-data", "kube-dns.kube-system")
    )
    return (
        f"[INFO] 10.0.{dice.number(1, 3)}.{dice.number(2, 250)}:{dice.number(30000, 60000)} - "
        f'{dice.number(1000, 65000)} "A IN {name}.svc.cluster.local. udp 64 false 512" NOERROR qr,aa,rd 142 '
        f"0.000{dice.number(100, 999)}s"
    )


def _klog_line(dice: Dice, world: Conditions, facts: Facts, moment: datetime) -> str:
    stamp = f"I{moment:%m%d %H:%M:%S}.{moment.microsecond:06d}       1"
    if dice.roll() < 0.5:
        return f'{stamp} proxier.go:805] "Syncing iptables rules" ipFamily="IPv4"'
    elapsed = f"{dice.number(20, 90)}.{dice.number(1, 9)}ms"
    return f'{stamp} proxier.go:1543] "SyncProxyRules complete" elapsed="{elapsed}"'


def _envoy_line(dice: Dice, world: Conditions, facts: Facts, moment: datetime) -> str:
    stamp = f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"
    path = _path(dice)
    if world.peers_down and dice.roll() < min(0.9, world.error_ratio * 3):
        return (
            f'[{stamp}] "GET {path} HTTP/1.1" 503 UF,URX upstream_reset_before_response_started'
            f'{{connection_failure,delayed_connect_error:_111}} 0 91 0 - "-" "Go-http-client/1.1" '
            f'"{dice.hex(16)}" "{facts.workload}.{facts.namespace}.svc:8080" "127.0.0.1:8080"'
        )
    took = dice.number(2, 120)
    return (
        f'[{stamp}] "GET {path} HTTP/1.1" 200 - 0 {dice.number(200, 9000)} {took} {took - 1} "-" '
        f'"Go-http-client/1.1" "{dice.hex(16)}" "{facts.workload}.{facts.namespace}.svc:8080" '
        '"127.0.0.1:8080"'
    )


def _exporter_line(dice: Dice, world: Conditions, facts: Facts, moment: datetime) -> str:
    stamp = f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"
    if world.database_full:
        return (
            f'ts={stamp} level=error msg="Error opening connection to database" '
            'err="pq: sorry, too many clients already"'
        )
    return (
        f'ts={stamp} caller=collector.go:201 level=info msg="collector succeeded" name=database '
        f"duration_seconds=0.0{dice.number(10, 99)}"
    )


def _cni_line(dice: Dice, world: Conditions, facts: Facts, moment: datetime) -> str:
    stamp = f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"
    assigned = dice.number(8, 27)
    return (
        f'{{"level":"info","ts":"{stamp}","caller":"ipamd/ipamd.go:1207","msg":"IP pool stats: '
        f'Total IPs/Prefixes = 29/0, AssignedIPs/CooldownIPs: {assigned}/0, c.maxIPsPerENI = 10"}}'
    )


def _generic_line(dice: Dice, world: Conditions, facts: Facts, moment: datetime) -> str:
    return f'level=info msg="health check passed" component={facts.container} latency_ms={dice.number(1, 40)}'


def _no_banner(facts: Facts) -> tuple[str, ...]:
    return ()


_STOP_ONLY: dict[str, tuple[str, ...]] = {
    "stop": ("received SIGTERM, shutting down",),
    "evicted": ("received SIGTERM, shutting down",),
}
PROFILES: dict[str, Profile] = {
    "api": Profile(
        1.5,
        _api_line,
        _api_banner,
        {
            "panic": ('level=warn msg="legacy discount code" code=SUMMER19 order_id=88121', *_GO_PANIC),
            "oom": (
                'level=warn msg="retrying order serialization" attempt=3 queue=4211',
                'level=warn msg="memory high" heap_inuse_mb=598 goroutines=4211',
            ),
            "db": (
                f'level=error msg="cannot connect to postgres" err="{_TOO_MANY}" attempt=5',
                'level=fatal msg="giving up: database unavailable"',
            ),
            "stop": _GO_STOP,
            "evicted": _GO_STOP,
        },
    ),
    "worker": Profile(
        4.0,
        _worker_line,
        _worker_banner,
        {
            "db": (
                "Traceback (most recent call last):",
                '  File "/app/worker/main.py", line 48, in <module>',
                "    pool = create_pool(settings.database_url)",
                '  File "/app/worker/db.py", line 22, in create_pool',
                "    conn = psycopg.connect(url, connect_timeout=5)",
                "psycopg.OperationalError: connection failed: FATAL:  sorry, too many clients already",
            ),
            "panic": ("CRITICAL worker.main    unhandled error in job loop: KeyError: 'discount_code'",),
            "oom": ("WARNING  worker.jobs    batch of 5000 orders held in memory",),
            "stop": ("INFO     worker.main    SIGTERM: finishing the current job, then exiting",),
            "evicted": ("INFO     worker.main    SIGTERM: finishing the current job, then exiting",),
        },
    ),
    "frontend": Profile(3.0, _frontend_line, _no_banner, _STOP_ONLY),
    "ingress": Profile(1.0, _ingress_line, _no_banner, _STOP_ONLY),
    "postgres": Profile(
        20.0, _postgres_line, _no_banner, {"stop": ("LOG:  received fast shutdown request",)}
    ),
    "pgbouncer": Profile(30.0, _pgbouncer_line, _no_banner, _STOP_ONLY),
    "dns": Profile(15.0, _dns_line, _no_banner, _STOP_ONLY),
    "klog": Profile(30.0, _klog_line, _no_banner, _STOP_ONLY),
    "envoy": Profile(2.0, _envoy_line, _no_banner, _STOP_ONLY),
    "exporter": Profile(30.0, _exporter_line, _no_banner, _STOP_ONLY),
    "cni": Profile(60.0, _cni_line, _no_banner, _STOP_ONLY),
    "generic": Profile(30.0, _generic_line, _no_banner, _STOP_ONLY),
}
_BY_NAME = (
    ("api", "api"),
    ("worker", "worker"),
    ("frontend", "frontend"),
    ("ingress", "ingress"),
    ("pgbouncer", "pgbouncer"),
    ("postgres-exporter", "exporter"),
    ("postgres", "postgres"),
    ("coredns", "dns"),
    ("proxy", "klog"),
    ("envoy", "envoy"),
    ("node", "cni"),
)


def profile_of(container: str) -> Profile:
    """The profile for a container, by its name (the drill names app containers after the workload)."""
    return next((PROFILES[kind] for part, kind in _BY_NAME if part in container), PROFILES["generic"])
