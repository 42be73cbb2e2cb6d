"""Drill scenarios: the shipped ones load, and their worlds evolve as their timelines say."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from modulo_watch.collectors.drill import (
    Scenario,
    ScenarioError,
    World,
    available_scenarios,
    drill_start,
    load_scenario,
)
from modulo_watch.collectors.models import Alert, Node, Pod, SourceName

START = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
SHIPPED = ["bad-deploy", "db-connections", "node-disk-pressure"]


def world(scenario: Scenario, minutes: float) -> World:
    return scenario.world_at(minutes * 60, START)


def pods_of(w: World, app: str) -> list[Pod]:
    return [p for p in w.pods.pods if dict(p.labels).get("app") == app]


def alert_names(w: World) -> set[str]:
    return {a.name for a in w.alerts.alerts}


def alert(w: World, name: str) -> Alert:
    return next(a for a in w.alerts.alerts if a.name == name)


def node(w: World, name: str) -> Node:
    return next(n for n in w.nodes.nodes if n.name == name)


def template_hashes(pods: list[Pod]) -> set[str]:
    return {dict(p.labels)["pod-template-hash"] for p in pods}


def ratio(w: World) -> float:
    latest = w.metrics.error_ratio.latest
    assert latest is not None
    return latest


def test_available_scenarios_are_the_shipped_ones() -> None:
    infos = available_scenarios()

    assert [info.name for info in infos] == SHIPPED
    for info in infos:
        assert info.title and info.description
        assert 20 * 60 <= info.duration_seconds <= 40 * 60


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_has_a_realistic_cluster_throughout(name: str) -> None:
    scenario = load_scenario(name)
    assert scenario.incident.severity in {"P0", "P1", "P2", "P3"}
    assert scenario.incident.title and scenario.incident.impact

    for minute in range(0, int(scenario.info.duration_seconds // 60) + 1):
        w = world(scenario, minute)
        assert 25 <= len(w.pods.pods) <= 60
        assert 4 <= len(w.nodes.nodes) <= 8
        assert {"modulo", "modulo-data", "kube-system", "ingress-nginx"} <= {p.namespace for p in w.pods.pods}
        assert len({p.key for p in w.pods.pods}) == len(w.pods.pods)
        assert len({b.pid for b in w.postgres.backends}) == len(w.postgres.backends)
        assert len(w.postgres.backends) <= w.postgres.max_connections
        assert w.postgres.server_version.startswith("15.")
        assert all(p.created_at <= START + timedelta(minutes=minute) for p in w.pods.pods)


@pytest.mark.parametrize("name", SHIPPED)
def test_scenario_starts_healthy(name: str) -> None:
    w = world(load_scenario(name), 0)

    assert w.alerts.alerts == ()
    assert w.sources_down == frozenset()
    assert all(p.status == "Running" for p in w.pods.pods)
    assert all(n.ready and not n.pressures for n in w.nodes.nodes)
    assert ratio(w) < 0.01
    assert any(p.name == "postgres-0" for p in w.pods.pods)
    assert any(p.name.startswith("coredns-") for p in w.pods.pods)


def test_error_ratio_keeps_fifteen_minutes_of_fifteen_second_points() -> None:
    scenario = load_scenario("bad-deploy")
    at = 12 * 60 + 7.5
    series = scenario.world_at(at, START).metrics.error_ratio

    times = [t for t, _ in series.points]
    assert len(times) == 60
    assert all(b - a == timedelta(seconds=15) for a, b in itertools.pairwise(times))
    assert START + timedelta(seconds=at - 15) < times[-1] <= START + timedelta(seconds=at)
    # At the very start the graph already shows the quiet quarter hour before the drill.
    first = scenario.world_at(0, START).metrics.error_ratio
    assert len(first.points) == 60
    assert first.points[0][0] < START
    assert all(0 < value < 0.01 for _, value in first.points)


def test_bad_deploy_rolls_out_crash_loops_and_recovers_after_rollback() -> None:
    scenario = load_scenario("bad-deploy")
    before = world(scenario, 0)
    original = template_hashes(pods_of(before, "modulo-api"))
    assert len(original) == 1

    rolling = world(scenario, 3.5)
    assert len(template_hashes(pods_of(rolling, "modulo-api"))) == 2
    assert any(p.status == "Terminating" for p in pods_of(rolling, "modulo-api"))

    peak_early, peak = world(scenario, 10), world(scenario, 16)
    assert ratio(peak) > 0.10
    looping = [p for p in pods_of(peak, "modulo-api") if p.status == "CrashLoopBackOff"]
    assert len(looping) >= 4
    early = {p.name: p.restarts for p in pods_of(peak_early, "modulo-api")}
    assert all(p.restarts > early.get(p.name, 0) for p in looping)
    assert all(p.ready_containers < p.total_containers and p.last_restart_at for p in looping)
    assert {"HighErrorRate", "KubePodCrashLooping"} <= alert_names(peak)
    high = alert(peak, "HighErrorRate")
    assert high.severity == "critical" and high.runbook_url.startswith("https://")
    assert ("alertname", "HighErrorRate") in high.labels
    assert high.starts_at == START + timedelta(minutes=8)

    recovered = world(scenario, 26)
    assert ratio(recovered) < 0.01
    api = pods_of(recovered, "modulo-api")
    assert len(api) == 6 and all(p.status == "Running" for p in api)
    assert template_hashes(api) == original  # a rollback returns to the old pod template
    assert recovered.alerts.alerts == ()


def test_bad_deploy_drops_the_metrics_source_for_a_while() -> None:
    scenario = load_scenario("bad-deploy")

    assert world(scenario, 9.9).sources_down == frozenset()
    assert world(scenario, 10.5).sources_down == {SourceName.METRICS}
    assert world(scenario, 11.6).sources_down == frozenset()


def test_db_connections_builds_a_lock_chain_and_exhausts_connections() -> None:
    scenario = load_scenario("db-connections")
    w = world(scenario, 13)
    pg = w.postgres
    by_pid = {b.pid: b for b in pg.backends}

    two_blockers = [b for b in pg.backends if len(b.blocked_by) == 2]
    assert len(two_blockers) == 1
    roots = {pid for b in two_blockers for pid in b.blocked_by if not by_pid[pid].blocked_by}
    assert len(roots) == 1
    root = by_pid[roots.pop()]
    assert root.state == "idle in transaction"
    assert root.wait_event_type == "Client"
    assert all(by_pid[pid].wait_event_type for b in pg.backends for pid in b.blocked_by)
    assert pg.waiting >= 20
    assert all(b.wait_event_type == "Lock" for b in pg.backends if b.blocked_by)
    assert len(pg.backends) == pg.max_connections
    assert 0.05 <= ratio(w) <= 0.10
    assert {"PostgresTooManyConnections", "HighErrorRate"} <= alert_names(w)
    assert sum(p.status == "CrashLoopBackOff" for p in pods_of(w, "modulo-worker")) == 2

    assert world(scenario, 14.5).sources_down == {SourceName.POSTGRES}

    drained = world(scenario, 19)
    assert drained.postgres.waiting == 0
    assert root.pid not in {b.pid for b in drained.postgres.backends}

    recovered = world(scenario, 30)
    assert recovered.alerts.alerts == ()
    assert ratio(recovered) < 0.01
    assert len(recovered.postgres.backends) < 0.5 * recovered.postgres.max_connections


def test_db_connections_ramps_connections_gradually() -> None:
    scenario = load_scenario("db-connections")
    counts = [len(world(scenario, minute).postgres.backends) for minute in range(3, 14)]

    assert counts == sorted(counts)
    assert counts[0] < 80 and counts[-1] == 200


def test_node_disk_pressure_evicts_then_goes_not_ready_then_recovers() -> None:
    scenario = load_scenario("node-disk-pressure")
    assert node(world(scenario, 3), "worker-b-2").pressures == ()

    evicted = world(scenario, 6)
    assert node(evicted, "worker-b-2").pressures == ("DiskPressure",)
    gone = [p for p in evicted.pods.pods if p.status == "Evicted"]
    pending = [p for p in evicted.pods.pods if p.status == "Pending"]
    assert gone and all(p.node == "worker-b-2" and p.ready_containers == 0 for p in gone)
    assert len(pending) == len(gone) and all(p.node == "" for p in pending)

    down = world(scenario, 10)
    bad = node(down, "worker-b-2")
    assert not bad.ready and "DiskPressure" in bad.pressures and bad.status == "NotReady"
    assert bad.cpu_percent is None
    assert "KubeNodeNotReady" in alert_names(down)
    assert 0.005 < ratio(world(scenario, 14)) < 0.05
    assert node(world(scenario, 14), "worker-b-2").unschedulable

    back = world(scenario, 24)
    healed = node(back, "worker-b-2")
    assert healed.ready and not healed.pressures and not healed.unschedulable
    assert not any(p.status == "Pending" for p in back.pods.pods)
    assert any(p.node == "worker-b-2" and p.status == "Running" for p in pods_of(back, "modulo-api"))
    assert "KubeNodeNotReady" not in alert_names(back)
    assert ratio(world(scenario, 28)) < 0.01


@pytest.mark.parametrize("name", SHIPPED)
def test_world_is_a_pure_function_of_elapsed_time(name: str) -> None:
    stepped, fresh = load_scenario(name), load_scenario(name)
    for second in range(0, 20 * 60, 10):
        stepped.world_at(second, START)

    for at in (0.0, 333.3, 725.0, 1199.9):
        assert stepped.world_at(at, START) == fresh.world_at(at, START)


def test_load_scenario_by_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    text = (Path(__file__).parents[2] / "modulo_watch/collectors/drill/scenarios/bad-deploy.toml").read_text()
    path.write_text(text.replace('name = "bad-deploy"', 'name = "my-drill"'))

    assert load_scenario(str(path)).name == "my-drill"


def test_unknown_scenario_name_lists_the_available_ones() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario("bad-deplyo")

    assert str(caught.value) == (
        "unknown scenario 'bad-deplyo' (available: bad-deploy, db-connections, node-disk-pressure; "
        "or give a .toml path)"
    )


def test_missing_scenario_file_is_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ScenarioError, match=r"nope\.toml: cannot read the scenario file"):
        load_scenario(str(path))


def test_drill_start_is_launch_time_to_the_second() -> None:
    now = datetime(2026, 11, 26, 14, 3, 27, 654321, tzinfo=UTC)

    assert drill_start(now) == datetime(2026, 11, 26, 14, 3, 27, tzinfo=UTC)
    assert drill_start(now.replace(tzinfo=None)).tzinfo is UTC
