"""Container logs: generated on first read (deterministic per container), appendable, and endable."""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tests.kube_server.objects import JSON
from tests.kube_server.status import ApiError

ROUTES = ("/api/orders", "/api/cart", "/api/users/me", "/healthz", "/api/search", "/api/checkout")
PROBLEMS = (
    "WARN upstream request slow upstream=postgres:5432 elapsed_ms=2104",
    "ERROR failed to reach upstream: dial tcp 10.96.12.4:5432: connect: connection refused",
    "WARN retrying request attempt=2 backoff_ms=400",
)


@dataclass
class LogBuffer:
    lines: list[tuple[float, str]] = field(default_factory=list)  # (unix time, text without newline)
    ended: bool = False  # a followed stream ends once it has sent everything


def timestamp(ts: float) -> str:
    """RFC 3339 with nanoseconds, as ``timestamps=true`` prefixes each line."""
    moment = datetime.fromtimestamp(ts, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + f"{int(ts * 1e9) % 1000:03d}Z"


def generated_log(key: str, *, now: float, crash: str | None, count: int = 200) -> LogBuffer:
    """``count`` lines of an HTTP service; a previous container's log ends with how it died."""
    rng = random.Random(zlib.crc32(key.encode()))
    structured = rng.random() < 0.5
    lines: list[tuple[float, str]] = []
    moment = now - count * 2.0
    for _ in range(count):
        moment += rng.uniform(0.5, 3.5)
        route, status, took = (
            rng.choice(ROUTES),
            rng.choice((200, 200, 200, 201, 404, 500)),
            rng.randint(1, 900),
        )
        if rng.random() < 0.05:
            text = rng.choice(PROBLEMS)
        elif structured:
            text = (
                f'{{"level":"info","ts":"{timestamp(moment)}","logger":"http","msg":"request completed",'
                f'"method":"GET","path":"{route}","status":{status},"duration_ms":{took}}}'
            )
        else:
            text = f"INFO  request completed method=GET path={route} status={status} duration_ms={took}"
        lines.append((moment, text))
    if crash == "OOMKilled":
        lines.append((moment + 1, "fatal error: runtime: out of memory"))
    elif crash is not None:
        lines.append((moment + 1, "panic: runtime error: invalid memory address or nil pointer dereference"))
        lines.append((moment + 1, "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x6c1f3a]"))
    return LogBuffer(lines, ended=crash is not None)


def log_target(pod: JSON, container: str | None, previous: bool) -> tuple[str, str | None]:
    """The container a log request reads, and how its previous run ended (for ``previous``): or a 400."""
    name = pod["metadata"]["name"]
    names = [c["name"] for c in pod["spec"]["containers"]]
    if container is None:
        if len(names) > 1:
            choices = " ".join(names)
            raise ApiError(
                400, f"a container name must be specified for pod {name}, choose one of: [{choices}]"
            )
        container = names[0]
    if container not in names:
        raise ApiError(400, f"container {container} is not valid for pod {name}")
    status = {s["name"]: s for s in pod["status"].get("containerStatuses", [])}.get(container)
    last = (status or {}).get("lastState", {}).get("terminated")
    if previous and last is None:
        raise ApiError(400, f'previous terminated container "{container}" in pod "{name}" not found')
    if status is None or (not previous and "waiting" in status["state"] and not status.get("restartCount")):
        waiting = (status or {}).get("state", {}).get("waiting", {}).get("reason", "ContainerCreating")
        raise ApiError(400, f'container "{container}" in pod "{name}" is waiting to start: {waiting}')
    return container, last["reason"] if previous and last is not None else None


def render(lines: list[tuple[float, str]], timestamps: bool) -> bytes:
    if timestamps:
        return "".join(f"{timestamp(moment)} {text}\n" for moment, text in lines).encode()
    return "".join(f"{text}\n" for _, text in lines).encode()
