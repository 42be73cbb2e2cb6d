"""The drill's pod inspector: describe and logs made from the scenario at the drill's time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from modulo_watch.collectors.clock import DrillClock
from modulo_watch.collectors.drill import drill_start, load_scenario
from modulo_watch.collectors.drill.inspect import DrillInspector
from modulo_watch.collectors.inspect import InspectError, LogLine, PodDetail, interleaved_logs
from modulo_watch.collectors.models import Pod
from tests.fakes import EPOCH

DEADLINE = 10.0


def drill(scenario: str, minute: float) -> tuple[DrillInspector, DrillClock, tuple[Pod, ...]]:
    """An inspector on a paused drill clock at ``minute``, and the pods the table shows then."""
    loaded = load_scenario(scenario)
    start = drill_start(EPOCH)
    clock = DrillClock(start)
    clock.pause()
    clock.jump_to(minute * 60)
    pods = loaded.world_at(minute * 60, start).pods.pods
    return DrillInspector(loaded, clock, start), clock, pods


def first(pods: tuple[Pod, ...], status: str, prefix: str = "") -> Pod:
    return next(p for p in pods if p.status == status and p.name.startswith(prefix))


async def read(stream: AsyncIterator[LogLine]) -> list[LogLine]:
    async with asyncio.timeout(DEADLINE):
        return [line async for line in stream]


async def test_a_crash_looping_pod_is_described_as_kubectl_would() -> None:
    inspector, _, pods = drill("bad-deploy", 12)
    pod = first(pods, "CrashLoopBackOff", "modulo-api-")
    detail = await inspector.describe(pod.namespace, pod.name)

    assert (detail.status, detail.phase, detail.restarts) == ("CrashLoopBackOff", "Running", pod.restarts)
    assert detail.ready == f"{pod.ready_containers}/{pod.total_containers}"
    app, sidecar = detail.containers
    assert app.name == "modulo-api" and app.image.endswith(":v2.14.0"), "the rollout's new version"
    assert (app.state.kind, app.state.reason) == ("Waiting", "CrashLoopBackOff")
    assert app.restart_count == pod.restarts
    assert app.last_state is not None
    assert app.last_state.reason in ("OOMKilled", "Error")
    assert app.last_state.exit_code == (137 if app.last_state.reason == "OOMKilled" else 2)
    assert app.last_state.finished_at is not None and app.last_state.started_at is not None
    assert sidecar.ready and sidecar.state.kind == "Running"
    ready = next(c for c in detail.conditions if c.type == "Ready")
    assert (ready.status, ready.reason) == ("False", "ContainersNotReady")
    back_off = next(e for e in detail.events if e.reason == "BackOff")
    assert back_off.type == "Warning" and back_off.count > 1
    stamps = [e.last_seen for e in detail.events if e.last_seen]
    assert stamps == sorted(stamps, reverse=True), "newest first"
    assert detail.owner.startswith("ReplicaSet/modulo-api-")
    assert detail.app_selector == "app=modulo-api"


async def test_crash_loop_logs_end_in_the_crash_and_previous_is_the_run_before() -> None:
    inspector, _, pods = drill("bad-deploy", 12)
    pod = first(pods, "CrashLoopBackOff", "modulo-api-")
    detail = await inspector.describe(pod.namespace, pod.name)
    current = await read(inspector.logs(pod.namespace, pod.name, container="modulo-api"))
    previous = await read(inspector.logs(pod.namespace, pod.name, container="modulo-api", previous=True))

    assert current and previous
    assert current[0].text.startswith('level=info msg="starting modulo-api" version=v2.14.0')
    assert detail.containers[0].last_state is not None
    crash = "panic: runtime error" if detail.containers[0].last_state.reason == "Error" else "memory high"
    assert any(crash in line.text for line in current)
    assert previous[-1].timestamp is not None and current[0].timestamp is not None
    assert previous[-1].timestamp < current[0].timestamp
    assert all(line.container == "modulo-api" and line.pod == pod.name for line in current)


async def test_describe_and_logs_are_deterministic() -> None:
    one, _, pods = drill("bad-deploy", 12)
    two, _, _ = drill("bad-deploy", 12)
    pod = first(pods, "CrashLoopBackOff", "modulo-api-")
    assert await one.describe(pod.namespace, pod.name) == await two.describe(pod.namespace, pod.name)
    logs = [await read(i.logs(pod.namespace, pod.name, container="envoy")) for i in (one, two)]
    assert logs[0] == logs[1] and len(logs[0]) == 100


async def test_healthy_api_pods_log_5xx_and_connection_refused_while_the_peers_crash() -> None:
    inspector, _, pods = drill("bad-deploy", 12)
    healthy = [p for p in pods if p.name.startswith("modulo-api-") and p.status == "Running"]
    texts = []
    for pod in healthy:
        texts += [
            line.text for line in await read(inspector.logs(pod.namespace, pod.name, container="modulo-api"))
        ]
    assert any("status=500" in text or "status=502" in text for text in texts)
    assert any("connection refused" in text for text in texts)


async def test_follow_emits_new_lines_as_the_drill_clock_moves() -> None:
    inspector, clock, pods = drill("bad-deploy", 12)
    pod = first(pods, "Running", "ingress-nginx-controller-")
    stream = inspector.logs(pod.namespace, pod.name, follow=True)
    async with asyncio.timeout(DEADLINE):
        tail = [await anext(stream) for _ in range(100)]
        clock.jump_to(12 * 60 + 30)
        fresh = await anext(stream)
    assert tail[-1].timestamp is not None and fresh.timestamp is not None
    assert tail[-1].timestamp < fresh.timestamp
    assert (fresh.timestamp - clock.now()).total_seconds() <= 0
    await stream.aclose()


async def test_follow_resumes_after_a_time_without_repeating() -> None:
    inspector, clock, pods = drill("bad-deploy", 12)
    pod = first(pods, "Running", "ingress-nginx-controller-")
    before = await read(inspector.logs(pod.namespace, pod.name))
    clock.jump_to(12 * 60 + 20)
    after = await read(inspector.logs(pod.namespace, pod.name, since=before[-1].timestamp, tail=None))
    assert after and after[0].timestamp is not None and before[-1].timestamp is not None
    assert after[0].timestamp > before[-1].timestamp
    whole = await read(inspector.logs(pod.namespace, pod.name, tail=None, since=before[0].timestamp))
    assert [line.text for line in whole] == [line.text for line in before[1:] + after]


async def test_database_exhaustion_shows_in_the_workers_and_postgres_logs() -> None:
    inspector, _, pods = drill("db-connections", 14)
    worker = first(pods, "CrashLoopBackOff", "modulo-worker-")
    worker_log = await read(inspector.logs(worker.namespace, worker.name))
    assert any("too many clients" in line.text for line in worker_log)
    postgres = first(pods, "Running", "postgres-")
    postgres_log = await read(inspector.logs(postgres.namespace, postgres.name, container="postgres"))
    assert any("too many clients" in line.text or "still waiting for" in line.text for line in postgres_log)


async def test_eviction_and_pending_pods_tell_why() -> None:
    inspector, _, pods = drill("node-disk-pressure", 10)
    evicted = first(pods, "Evicted")
    detail = await inspector.describe(evicted.namespace, evicted.name)
    assert (detail.phase, detail.reason) == ("Failed", "Evicted")
    assert "low on resource: ephemeral-storage" in detail.message
    assert any(e.reason == "Evicted" for e in detail.events)
    log = await read(inspector.logs(evicted.namespace, evicted.name, container=detail.container_names[0]))
    assert any("shutting down" in line.text for line in log[-3:]), "the kubelet's SIGTERM ends the log"

    pending = first(pods, "Pending")
    waiting: PodDetail = await inspector.describe(pending.namespace, pending.name)
    scheduled = next(c for c in waiting.conditions if c.type == "PodScheduled")
    assert (scheduled.status, scheduled.reason) == ("False", "Unschedulable")
    assert "disk-pressure" in scheduled.message
    failed = next(e for e in waiting.events if e.reason == "FailedScheduling")
    assert failed.type == "Warning"
    with pytest.raises(InspectError, match="does not have a host assigned"):
        await read(inspector.logs(pending.namespace, pending.name, container=waiting.container_names[0]))


async def test_errors_read_like_the_apis() -> None:
    inspector, _, pods = drill("bad-deploy", 12)
    pod = first(pods, "CrashLoopBackOff", "modulo-api-")
    with pytest.raises(InspectError, match="a container name must be specified"):
        await read(inspector.logs(pod.namespace, pod.name))
    with pytest.raises(InspectError, match="container nope is not valid"):
        await read(inspector.logs(pod.namespace, pod.name, container="nope"))
    with pytest.raises(InspectError, match='previous terminated container "envoy"'):
        await read(inspector.logs(pod.namespace, pod.name, container="envoy", previous=True))
    with pytest.raises(InspectError, match='pods "gone" not found'):
        await inspector.describe(pod.namespace, "gone")


async def test_all_pods_of_the_app_interleave_by_time() -> None:
    inspector, _, pods = drill("bad-deploy", 12)
    pod = first(pods, "Running", "modulo-api-")
    names = await inspector.selector_pods(pod.namespace, "app=modulo-api")
    assert pod.name in names and len(names) == sum(1 for p in pods if p.name.startswith("modulo-api-"))
    lines = await read(interleaved_logs(inspector, pod.namespace, names, container="modulo-api"))
    stamps = [line.timestamp for line in lines if line.timestamp]
    assert stamps == sorted(stamps)
    assert {line.pod for line in lines} == set(names)
    with pytest.raises(InspectError, match="unable to parse"):
        await inspector.selector_pods(pod.namespace, "app")
