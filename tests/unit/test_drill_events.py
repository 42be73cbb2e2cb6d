"""The drill's event list: the pods' events as their detail shows them, and the controllers' and nodes'."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from modulo_watch.collectors.clock import DrillClock
from modulo_watch.collectors.drill import (
    Scenario,
    drill_collectors,
    drill_start,
    load_scenario,
    parse_scenario,
)
from modulo_watch.collectors.drill import events as drill_events
from modulo_watch.collectors.drill.events import EventLog
from modulo_watch.collectors.drill.inspect import DrillInspector
from modulo_watch.collectors.models import MAX_EVENTS, EventSnapshot, KubeEvent, Pod, SourceName, event_order
from tests.fakes import EPOCH, FakeClock

START = drill_start(EPOCH)
LONG_CRASH = """\
[scenario]
name = "long-crash"
title = "A crash loop nobody fixed"
description = "One deployment crash-loops from minute 2 on."
duration = "2h"

[incident]
title = "crash loop"
severity = "P3"
impact = "none"

[cluster]
namespaces = ["modulo"]

[[node]]
name = "worker-a-1"

[[workload]]
name = "modulo-api"
namespace = "modulo"
replicas = 2

[[event]]
at = "2m"
pods = "modulo-api"
status = "CrashLoopBackOff"
count = 1
"""


@pytest.fixture(scope="module")
def bad_deploy() -> Scenario:
    return load_scenario("bad-deploy")


@pytest.fixture(scope="module")
def disk_pressure() -> Scenario:
    return load_scenario("node-disk-pressure")


def pods_at(scenario: Scenario, minutes: float) -> tuple[Pod, ...]:
    return scenario.world_at(minutes * 60, START).pods.pods


def api_sets(scenario: Scenario, minutes: float) -> set[str]:
    """The ReplicaSets of modulo-api's pods at that moment."""
    pods = pods_at(scenario, minutes)
    return {
        f"modulo-api-{dict(p.labels)['pod-template-hash']}" for p in pods if p.name.startswith("modulo-api-")
    }


def of(snapshot: EventSnapshot, involved: str) -> list[KubeEvent]:
    return [e for e in snapshot.events if e.involved == involved]


def test_the_rollout_is_told_by_the_deployment_its_replica_sets_and_the_new_pods(
    bad_deploy: Scenario,
) -> None:
    snapshot = EventLog(bad_deploy, START).snapshot(3 * 60)
    (old,) = api_sets(bad_deploy, 1)
    (new,) = api_sets(bad_deploy, 3) - {old}

    scaling = [
        e.message for e in sorted(of(snapshot, "deployment/modulo-api"), key=lambda e: e.first_seen or START)
    ]
    assert scaling == [
        f"Scaled up replica set {new} from 0 to 1",
        f"Scaled down replica set {old} from 6 to 5",
        f"Scaled up replica set {new} from 1 to 2",
        f"Scaled down replica set {old} from 5 to 4",
        f"Scaled up replica set {new} from 2 to 3",
    ]
    created = of(snapshot, f"replicaset/{new}")
    assert {e.reason for e in created} == {"SuccessfulCreate"} and len(created) == 3
    assert all(e.message.startswith(f"Created pod: {new}-") for e in created)
    assert {e.reason for e in of(snapshot, f"replicaset/{old}")} == {"SuccessfulDelete"}
    assert all(e.source == "deployment-controller" for e in of(snapshot, "deployment/modulo-api"))
    assert snapshot.warnings == 0


def test_crash_looping_pods_show_back_off_warnings(bad_deploy: Scenario) -> None:
    snapshot = EventLog(bad_deploy, START).snapshot(8 * 60)
    crashing = [p for p in pods_at(bad_deploy, 8) if p.status == "CrashLoopBackOff"]

    assert len(crashing) == 4
    for pod in crashing:
        (back_off,) = (e for e in of(snapshot, f"pod/{pod.name}") if e.reason == "BackOff")
        assert back_off.type == "Warning" and back_off.warning and back_off.count > 1
        assert back_off.last_seen == snapshot.collected_at, "still backing off"
    assert snapshot.events[0].warning, "the newest events are the crash loop's"


@pytest.mark.parametrize(("name", "minutes"), [("bad-deploy", 8), ("node-disk-pressure", 16)])
async def test_each_pods_events_are_the_ones_its_detail_shows(name: str, minutes: float) -> None:
    scenario = load_scenario(name)
    log = EventLog(scenario, START)
    log.snapshot(minutes * 60 - 45)  # stories told earlier and kept must still tell the same
    snapshot = log.snapshot(minutes * 60)
    clock = DrillClock(START)
    clock.pause()
    clock.jump_to(minutes * 60)
    inspector = DrillInspector(scenario, clock, START)

    told = 0
    for pod in pods_at(scenario, minutes):
        detail = await inspector.describe(pod.namespace, pod.name)
        listed = [e for e in of(snapshot, f"pod/{pod.name}") if e.namespace == pod.namespace]
        assert listed == sorted(detail.events, key=event_order), pod.name
        told += bool(listed)
    assert told >= 5


def test_the_nodes_trouble_is_in_the_list(disk_pressure: Scenario) -> None:
    log = EventLog(disk_pressure, START)
    early, late = log.snapshot(10 * 60), log.snapshot(20 * 60)

    node = of(early, "node/worker-b-2")
    reasons = {e.reason: e for e in node}
    assert set(reasons) == {"NodeHasDiskPressure", "EvictionThresholdMet", "NodeNotReady"}
    assert all(e.namespace == "default" for e in node)
    assert reasons["NodeHasDiskPressure"].message == "Node worker-b-2 status is now: NodeHasDiskPressure"
    assert reasons["NodeHasDiskPressure"].source == "kubelet, worker-b-2"
    assert reasons["NodeNotReady"].source == "node-controller"
    threshold = reasons["EvictionThresholdMet"]
    assert (threshold.type, threshold.message) == ("Warning", "Attempting to reclaim ephemeral-storage")
    assert threshold.first_seen == START + timedelta(minutes=4) and threshold.count > 25

    evicted = [p for p in pods_at(disk_pressure, 10) if p.status == "Evicted"]
    assert evicted
    for pod in evicted:
        (warning,) = (e for e in of(early, f"pod/{pod.name}") if e.reason == "Evicted")
        assert warning.type == "Warning" and "low on resource: ephemeral-storage" in warning.message
    pending = [p for p in pods_at(disk_pressure, 10) if p.status == "Pending"]
    for pod in pending:
        owner = pod.name.rsplit("-", 1)[0]
        assert any(e.message == f"Created pod: {pod.name}" for e in of(early, f"replicaset/{owner}"))
        assert any(e.reason == "FailedScheduling" and e.warning for e in of(early, f"pod/{pod.name}"))

    recovered = {e.reason for e in of(late, "node/worker-b-2")}
    assert {"NodeNotSchedulable", "NodeHasNoDiskPressure", "NodeReady", "NodeSchedulable"} <= recovered


def test_events_are_named_and_ordered_as_the_api_lists_them(bad_deploy: Scenario) -> None:
    snapshot = EventLog(bad_deploy, START).snapshot(19 * 60)

    for event in snapshot.events:
        assert re.fullmatch(rf"{re.escape(event.involved_name)}\.[0-9a-f]{{16}}", event.name), event.name
        assert event.type in ("Normal", "Warning")
        assert event.first_seen is not None and event.last_seen is not None
        assert START < event.first_seen <= event.last_seen <= snapshot.collected_at
    assert len({e.key for e in snapshot.events}) == len(snapshot.events)
    assert list(snapshot.events) == sorted(snapshot.events, key=event_order)
    assert snapshot.total == len(snapshot.events) <= MAX_EVENTS
    combined = [e for e in snapshot.events if e.message.startswith("(combined from similar events): ")]
    assert combined and all(e.reason == "ScalingReplicaSet" and e.count > 1 for e in combined)


def test_the_same_moment_gives_the_same_list_however_it_was_reached(bad_deploy: Scenario) -> None:
    walked = EventLog(bad_deploy, START)
    for minutes in (3, 6, 8, 14, 16, 19):
        reached = walked.snapshot(minutes * 60)
        assert reached == EventLog(bad_deploy, START).snapshot(minutes * 60), minutes
    assert walked.snapshot(8 * 60) == EventLog(bad_deploy, START).snapshot(8 * 60), "back in time"


def test_events_expire_an_hour_after_they_were_last_seen(bad_deploy: Scenario) -> None:
    log = EventLog(bad_deploy, START)
    assert log.snapshot(70 * 60).events, "the rollback's events are not an hour old yet"
    assert log.snapshot(82 * 60).events == ()


def test_the_list_keeps_the_newest_and_counts_them_all(
    bad_deploy: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = EventLog(bad_deploy, START).snapshot(19 * 60)
    monkeypatch.setattr(drill_events, "MAX_EVENTS", 10)
    bounded = EventLog(bad_deploy, START).snapshot(19 * 60)

    assert bounded.events == whole.events[:10]
    assert bounded.total == whole.total > 10


async def test_the_collector_serves_the_list_at_the_world_tick(bad_deploy: Scenario) -> None:
    clock = FakeClock()
    clock.elapsed = 8 * 60 + 0.1
    collector = next(c for c in drill_collectors(bad_deploy, clock) if c.source is SourceName.EVENTS)

    snapshot = await collector.fetch()

    assert isinstance(snapshot, EventSnapshot)
    assert snapshot.collected_at == EPOCH + timedelta(minutes=8)
    assert snapshot == EventLog(bad_deploy, EPOCH).snapshot(8 * 60)


async def test_a_pod_crash_looping_for_over_an_hour_still_shows_its_back_off() -> None:
    scenario = Scenario(parse_scenario(LONG_CRASH, "long-crash.toml"))
    minutes = 90
    (pod,) = (p for p in pods_at(scenario, minutes) if p.status == "CrashLoopBackOff")
    clock = DrillClock(START)
    clock.pause()
    clock.jump_to(minutes * 60)

    snapshot = EventLog(scenario, START).snapshot(minutes * 60)
    detail = await DrillInspector(scenario, clock, START).describe(pod.namespace, pod.name)

    listed = of(snapshot, f"pod/{pod.name}")
    assert {e.reason for e in listed} >= {"BackOff", "Unhealthy"}
    assert listed == sorted(detail.events, key=event_order)
    assert all(e.involved == f"pod/{pod.name}" for e in snapshot.events), "the rest is over an hour old"
