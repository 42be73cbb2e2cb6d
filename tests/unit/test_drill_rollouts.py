"""The drill's rollouts: the Deployments' revisions, as the pods and the pod detail show them."""

from __future__ import annotations

from datetime import timedelta
from importlib import resources

import pytest

from modulo_watch.collectors.clock import DrillClock
from modulo_watch.collectors.drill import (
    Scenario,
    drill_collectors,
    drill_start,
    load_scenario,
    parse_scenario,
)
from modulo_watch.collectors.drill.inspect import DrillInspector
from modulo_watch.collectors.drill.rollouts import PROGRESS_DEADLINE
from modulo_watch.collectors.models import ROLLOUT_WINDOW, Pod, Rollout, RolloutState, SourceName
from tests.fakes import EPOCH, FakeClock

START = drill_start(EPOCH)
ROLLOUT_AT, ROLLBACK_AT = 2 * 60, 18 * 60  # bad-deploy's rollout and rollback of modulo-api


@pytest.fixture(scope="module")
def bad_deploy() -> Scenario:
    return load_scenario("bad-deploy")


def rollouts(scenario: Scenario, minutes: float) -> tuple[Rollout, ...]:
    snapshot = scenario.rollouts.snapshot(minutes * 60, START)
    assert snapshot.collected_at == START + timedelta(minutes=minutes)
    return snapshot.rollouts


def api_pods(scenario: Scenario, minutes: float) -> list[Pod]:
    pods = scenario.world_at(minutes * 60, START).pods.pods
    return [p for p in pods if dict(p.labels).get("app") == "modulo-api"]


def template(pod: Pod) -> str:
    return dict(pod.labels)["pod-template-hash"]


async def container_images(scenario: Scenario, minutes: float, pod: Pod) -> tuple[str, ...]:
    clock = DrillClock(START)
    clock.pause()
    clock.jump_to(minutes * 60)
    detail = await DrillInspector(scenario, clock, START).describe(pod.namespace, pod.name)
    return tuple(container.image for container in detail.containers)


async def test_the_bad_deploy_is_progressing_with_the_images_the_pods_run(bad_deploy: Scenario) -> None:
    old_pod = api_pods(bad_deploy, 1)[0]
    (row,) = rollouts(bad_deploy, 3)
    new_pods = [p for p in api_pods(bad_deploy, 3) if template(p) != template(old_pod)]

    assert (row.namespace, row.deployment, row.revision) == ("modulo", "modulo-api", 2)
    assert row.replica_set == f"modulo-api-{template(new_pods[0])}"
    assert {template(p) for p in new_pods} == {row.replica_set.removeprefix("modulo-api-")}
    assert row.state is RolloutState.PROGRESSING and row.message == ""
    assert (row.desired, row.ready) == (6, sum(p.status == "Running" for p in new_pods))
    assert row.created_at == row.started_at == START + timedelta(seconds=ROLLOUT_AT)
    assert row.images == await container_images(bad_deploy, 3, new_pods[0])
    assert row.previous_images == await container_images(bad_deploy, 1, old_pod)
    assert row.changed_images == (
        ("registry.modulo.example.com/modulo-api:v2.13.2", "registry.modulo.example.com/modulo-api:v2.14.0"),
    )


def test_complete_once_every_new_pod_is_ready_and_the_old_ones_are_gone(bad_deploy: Scenario) -> None:
    (row,) = rollouts(bad_deploy, 5.2)
    assert (row.state, row.desired, row.ready) == (RolloutState.COMPLETE, 6, 6)


def test_the_crash_looping_release_is_stuck_once_its_deadline_passes(bad_deploy: Scenario) -> None:
    # Its last pod became ready at 4m38s, before the crashes began: the deadline runs from there.
    assert PROGRESS_DEADLINE == 600
    (before,) = rollouts(bad_deploy, 14.5)
    (after,) = rollouts(bad_deploy, 14.7)

    assert before.state is RolloutState.PROGRESSING and before.ready < 6
    assert after.state is RolloutState.STUCK
    assert after.message == f'ReplicaSet "{after.replica_set}" has timed out progressing.'
    assert (after.revision, after.desired, after.ready) == (2, 6, 1)


def test_the_rollback_is_a_new_revision_of_the_old_replica_set(bad_deploy: Scenario) -> None:
    (bad,) = rollouts(bad_deploy, 3)
    back, undone = rollouts(bad_deploy, 19)
    old_set = f"modulo-api-{template(api_pods(bad_deploy, 1)[0])}"

    assert rollouts(bad_deploy, 1) == (), "the first revision is days old and complete"
    assert (back.replica_set, back.revision, back.state) == (old_set, 3, RolloutState.PROGRESSING)
    assert back.images == bad.previous_images, "the old images again"
    assert back.previous_images == bad.images, "what the rollback undid"
    assert back.started_at == START + timedelta(seconds=ROLLBACK_AT)
    assert back.created_at < START - timedelta(days=5), "the ReplicaSet made when the Deployment was"
    assert (undone.replica_set, undone.revision, undone.state) == (
        bad.replica_set,
        2,
        RolloutState.SUPERSEDED,
    )
    assert undone.previous_images == (), "its own predecessor now goes by revision 3"
    assert undone.desired == sum(
        template(p) == bad.replica_set.removeprefix("modulo-api-") and p.status != "Terminating"
        for p in api_pods(bad_deploy, 19)
    )

    done, _ = rollouts(bad_deploy, 21)
    assert (done.revision, done.state, done.ready) == (3, RolloutState.COMPLETE, 6)


def test_revisions_leave_the_window_unless_unfinished(bad_deploy: Scenario) -> None:
    later = (ROLLBACK_AT + ROLLOUT_WINDOW.total_seconds()) / 60
    assert [r.revision for r in rollouts(bad_deploy, later - 1)] == [3]
    assert rollouts(bad_deploy, later + 1) == ()


def test_a_revision_that_loses_pods_to_a_node_shows_until_whole_but_is_never_stuck() -> None:
    scenario = load_scenario("node-disk-pressure")
    assert rollouts(scenario, 4) == ()
    during = rollouts(scenario, 16)

    assert {r.deployment for r in during} >= {"modulo-api"}
    assert all(r.state is RolloutState.PROGRESSING and r.ready < r.desired for r in during)
    assert all(r.revision == 1 and r.started_at is not None and r.started_at < START for r in during)
    assert rollouts(scenario, 20) == ()


def test_only_deployments_have_rollouts(bad_deploy: Scenario) -> None:
    names = {r.deployment for minutes in (3, 19) for r in rollouts(bad_deploy, minutes)}
    assert names == {"modulo-api"}


@pytest.mark.parametrize("source", [SourceName.ROLLOUTS, SourceName.EVENTS])
async def test_a_scripted_outage_of_the_source_fails_its_collector(source: SourceName) -> None:
    text = resources.files("modulo_watch.collectors.drill.scenarios").joinpath("bad-deploy.toml").read_text()
    scenario = Scenario(
        parse_scenario(text.replace('source_down = "metrics"', f'source_down = "{source}"'), "x")
    )
    clock = FakeClock()
    clock.elapsed = 10 * 60 + 30
    collectors = {c.source: c for c in drill_collectors(scenario, clock)}

    with pytest.raises(ConnectionError, match=rf"^drill: {source} unreachable \(scripted outage\)$"):
        await collectors[source].fetch()
    await collectors[SourceName.METRICS].fetch()
