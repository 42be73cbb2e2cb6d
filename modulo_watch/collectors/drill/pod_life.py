"""One pod's whole life in a drill, and what ``kubectl get pods`` shows of it at one moment.

A life is compiled once from the timeline; reading it at a time ``t`` is a binary search plus a
little arithmetic, so the whole pod list can be rebuilt every second for any ``t``.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime, timedelta

from modulo_watch.collectors.drill.noise import unit
from modulo_watch.collectors.models import Pod

CRASH_STATUSES = frozenset({"CrashLoopBackOff", "Error", "OOMKilled"})
TERMINAL_STATUSES = frozenset({"Evicted", "Completed"})

# The kubelet restarts a crashed container after 10 s, doubling up to 5 min; say each run lasts 6 s.
_RUN_SECONDS = 6.0
_BACKOFF_CAP = 300.0


def _restart_offsets() -> tuple[float, ...]:
    offsets: list[float] = []
    clock, backoff = 0.0, 10.0
    while backoff < _BACKOFF_CAP:
        clock += backoff
        offsets.append(clock)
        clock += _RUN_SECONDS
        backoff *= 2
    offsets.append(clock + _BACKOFF_CAP)
    return tuple(offsets)


_OFFSETS = _restart_offsets()
_CAPPED_PERIOD = _BACKOFF_CAP + _RUN_SECONDS


def crash_restarts(seconds: float) -> tuple[int, float]:
    """Restarts within ``seconds`` of crash-looping, and the offset of the last one (0.0 if none)."""
    if seconds < _OFFSETS[-1]:
        count = bisect.bisect_right(_OFFSETS, seconds)
        return count, _OFFSETS[count - 1] if count else 0.0
    extra = int((seconds - _OFFSETS[-1]) // _CAPPED_PERIOD)
    return len(_OFFSETS) + extra, _OFFSETS[-1] + extra * _CAPPED_PERIOD


@dataclass(frozen=True, slots=True)
class Phase:
    """From ``at`` on, the pod shows ``status`` on ``node``; restart counts are as of ``at``."""

    at: float
    status: str
    node: str
    restarts: int
    last_restart: float | None


@dataclass(frozen=True, slots=True)
class PodLife:
    namespace: str
    name: str
    born: float
    gone: float
    containers: int
    cpu_millicores: int
    memory_bytes: int
    labels: tuple[tuple[str, str], ...]
    noise_key: int
    phases: tuple[Phase, ...]
    starts: tuple[float, ...]

    def phase_at(self, at: float) -> Phase:
        return self.phases[max(0, bisect.bisect_right(self.starts, at) - 1)]

    def pod_at(self, at: float, start: datetime) -> Pod:
        phase = self.phase_at(at)
        restarts, last = phase.restarts, phase.last_restart
        if phase.status in CRASH_STATUSES:
            count, offset = crash_restarts(at - phase.at)
            if count:
                restarts, last = restarts + count, phase.at + offset
        running = phase.status == "Running"
        return Pod(
            namespace=self.namespace,
            name=self.name,
            ready_containers=self._ready(phase.status),
            total_containers=self.containers,
            status=phase.status,
            restarts=restarts,
            created_at=start + timedelta(seconds=self.born),
            node=phase.node,
            last_restart_at=None if last is None else start + timedelta(seconds=last),
            # Usage wanders a little, changing every 20 s (CPU) and 60 s (memory) of drill time.
            cpu_millicores=round(self.cpu_millicores * (0.7 + 0.6 * unit(self.noise_key, int(at // 20))))
            if running
            else None,
            memory_bytes=round(self.memory_bytes * (0.9 + 0.2 * unit(self.noise_key, int(at // 60), 1)))
            if running
            else None,
            labels=self.labels,
            # Requests at the typical use, limits above it, as a sized deployment would set them.
            cpu_request_millicores=self.cpu_millicores,
            cpu_limit_millicores=2 * self.cpu_millicores,
            memory_request_bytes=self.memory_bytes,
            memory_limit_bytes=self.memory_bytes * 3 // 2,
        )

    def _ready(self, status: str) -> int:
        if status == "Running":
            return self.containers
        # A crash-looping app leaves its sidecars ready.
        return self.containers - 1 if status in CRASH_STATUSES else 0
