"""The rollout rows ("check recent deployments") built from Deployments and their ReplicaSets."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from modulo_watch.collectors.kube.convert import DeploymentInfo, ReplicaSetInfo, WorkloadCondition
from modulo_watch.collectors.kube.decode import decode_deployment_list, decode_replicaset_list
from modulo_watch.collectors.kube.rollouts import build_rollouts, next_expiry
from modulo_watch.collectors.models import ROLLOUT_WINDOW, Rollout, RolloutState
from tests.unit.test_kube_decode import at, object_list, utc
from tests.unit.test_kube_decode_cluster import workload

NOW = datetime(2026, 5, 9, 12, 0, tzinfo=UTC)
STUCK_MESSAGE = 'ReplicaSet "api-7f9c" has timed out progressing.'


def ago(**delta: float) -> datetime:
    return NOW - timedelta(**delta)


def progressing(
    status: str = "True",
    reason: str = "NewReplicaSetAvailable",
    message: str = "",
    *,
    updated: datetime | None = None,
    transition: datetime | None = None,
) -> WorkloadCondition:
    return WorkloadCondition("Progressing", status, reason, message, updated, transition)


STUCK = progressing("False", "ProgressDeadlineExceeded", STUCK_MESSAGE)


def deployment(
    name: str = "api",
    *,
    namespace: str = "prod",
    revision: int = 2,
    desired: int = 3,
    updated: int = 3,
    ready: int = 3,
    available: int = 3,
    generation: int = 5,
    observed: int = 5,
    paused: bool = False,
    conditions: tuple[WorkloadCondition, ...] = (),
) -> DeploymentInfo:
    return DeploymentInfo(
        namespace=namespace,
        name=name,
        uid=f"uid-{namespace}-{name}",
        created_at=ago(days=100),
        generation=generation,
        observed_generation=observed,
        revision=revision,
        desired=desired,
        updated=updated,
        ready=ready,
        available=available,
        unavailable=desired - available,
        paused=paused,
        images=(),
        conditions=conditions,
    )


def revision(
    owner: DeploymentInfo,
    number: int,
    created: datetime,
    image: str,
    *,
    desired: int = 0,
    ready: int = 0,
    name: str | None = None,
) -> ReplicaSetInfo:
    return ReplicaSetInfo(
        namespace=owner.namespace,
        name=name or f"{owner.name}-rev{number}",
        uid=f"uid-{owner.name}-rev{number}",
        created_at=created,
        owner=f"Deployment/{owner.name}",
        owner_uid=owner.uid,
        revision=number,
        desired=desired,
        replicas=desired,
        ready=ready,
        available=ready,
        images=(image, "envoy:1.30"),
    )


def rows_of(api: DeploymentInfo, *sets: ReplicaSetInfo) -> tuple[Rollout, ...]:
    return build_rollouts([api], sets, NOW)


def current_of(api: DeploymentInfo, *sets: ReplicaSetInfo) -> Rollout:
    """The row of the highest revision, which an unfinished rollout always shows."""
    rows = rows_of(api, *sets)
    return next(row for row in rows if row.revision == max(rs.revision for rs in sets))


def test_a_recent_rollout_shows_its_revision_and_the_one_it_replaced() -> None:
    api = deployment()
    old = revision(api, 1, ago(hours=3), "api:v1")
    new = revision(api, 2, ago(hours=1), "api:v2", desired=3, ready=3)

    first, second = rows_of(api, old, new)

    assert (first.replica_set, first.state, first.revision) == ("api-rev2", RolloutState.COMPLETE, 2)
    assert first.images == ("api:v2", "envoy:1.30")
    assert first.previous_images == ("api:v1", "envoy:1.30")
    assert first.changed_images == (("api:v1", "api:v2"),)
    assert (first.desired, first.ready, first.message) == (3, 3, "")
    assert first.started_at == first.created_at == ago(hours=1)
    assert (second.replica_set, second.state, second.previous_images) == (
        "api-rev1",
        RolloutState.SUPERSEDED,
        (),
    )


def test_revisions_that_started_before_the_window_are_left_out() -> None:
    api = deployment(revision=3)
    sets = (
        revision(api, 1, ago(days=30), "api:v1"),
        revision(api, 2, NOW - ROLLOUT_WINDOW - timedelta(seconds=1), "api:v2"),
        revision(api, 3, NOW - ROLLOUT_WINDOW, "api:v3", desired=3, ready=3),
    )

    assert [row.revision for row in rows_of(api, *sets)] == [3]
    assert rows_of(api, *sets[:2]) == (), "a complete rollout, older than the window"


@pytest.mark.parametrize(
    ("api", "state"),
    [
        (deployment(), RolloutState.COMPLETE),
        (deployment(observed=4), RolloutState.PROGRESSING),  # the controller has not seen the new spec yet
        (deployment(updated=1), RolloutState.PROGRESSING),
        (deployment(ready=2), RolloutState.PROGRESSING),
        (deployment(ready=4), RolloutState.PROGRESSING),  # the old pods are not all gone
        (deployment(available=2), RolloutState.PROGRESSING),  # ready, but not for minReadySeconds yet
        (deployment(paused=True), RolloutState.PAUSED),
        (deployment(conditions=(STUCK,)), RolloutState.STUCK),
        (deployment(conditions=(STUCK,), paused=True), RolloutState.STUCK),
        (deployment(conditions=(progressing("False", "SomethingElse"),)), RolloutState.COMPLETE),
        (deployment(desired=0, updated=0, ready=0, available=0), RolloutState.COMPLETE),
    ],
)
def test_the_state_of_the_current_revision(api: DeploymentInfo, state: RolloutState) -> None:
    row = current_of(api, revision(api, 1, ago(days=9), "api:v1"), revision(api, 2, ago(hours=2), "api:v2"))

    assert row.state is state
    assert row.message == (STUCK_MESSAGE if state is RolloutState.STUCK else "")


def test_a_new_set_the_deployment_has_not_recorded_yet_is_progressing() -> None:
    """The two watches are not in step: the ReplicaSet may arrive before its Deployment's update."""
    api = deployment(revision=2, conditions=(STUCK,))  # still about revision 2

    row = current_of(
        api, revision(api, 2, ago(hours=2), "api:v2"), revision(api, 3, ago(seconds=1), "api:v3")
    )

    assert (row.revision, row.state, row.message) == (3, RolloutState.PROGRESSING, "")


@pytest.mark.parametrize(
    "api",
    [
        deployment(conditions=(STUCK,)),
        deployment(observed=4),
        deployment(paused=True),
    ],
    ids=["stuck", "progressing", "paused"],
)
def test_an_unfinished_rollout_shows_however_old(api: DeploymentInfo) -> None:
    sets = (revision(api, 1, ago(days=40), "api:v1"), revision(api, 2, ago(days=3), "api:v2", desired=1))

    (row,) = rows_of(api, *sets)

    assert row.revision == 2 and row.state is not RolloutState.COMPLETE
    assert row.desired == 3, "the Deployment's target"


def test_the_current_row_counts_the_deployments_target_and_its_own_ready_pods() -> None:
    api = deployment(desired=10, updated=4, ready=9, available=9)
    sets = (
        revision(api, 1, ago(hours=2), "api:v1", desired=7, ready=7),
        revision(api, 2, ago(minutes=5), "api:v2", desired=4, ready=2),
    )

    current, old = rows_of(api, *sets)

    assert (current.desired, current.ready, current.state) == (10, 2, RolloutState.PROGRESSING)
    assert (old.desired, old.ready, old.state) == (7, 7, RolloutState.SUPERSEDED)


def rolled_back(condition: WorkloadCondition | None) -> tuple[Rollout, ...]:
    """Revision 1 (v1, made 20 days ago) rolled out v2 an hour ago, then was rolled back: the controller
    gave the old set the next revision number, 3."""
    api = deployment(revision=3, conditions=() if condition is None else (condition,))
    return rows_of(
        api,
        revision(api, 2, ago(hours=1), "api:v2"),
        revision(api, 3, ago(days=20), "api:v1", name="api-rev1"),
    )


def test_a_rollback_after_a_stuck_rollout_started_when_progressing_turned_true() -> None:
    condition = progressing(updated=ago(minutes=2), transition=ago(minutes=20))

    back, undone = rolled_back(condition)

    assert (back.replica_set, back.revision, back.state) == ("api-rev1", 3, RolloutState.COMPLETE)
    assert back.started_at == back.since == ago(minutes=20)
    assert back.created_at == ago(days=20)
    assert back.previous_images == ("api:v2", "envoy:1.30"), "what the rollback undid"
    assert back.changed_images == (("api:v2", "api:v1"),)
    assert (undone.revision, undone.state) == (2, RolloutState.SUPERSEDED)


def test_a_rollback_otherwise_starts_at_its_last_progress() -> None:
    """Progressing has been True since before the undone revision: its last update is the best bound."""
    back, _ = rolled_back(progressing(updated=ago(minutes=2), transition=ago(days=3)))

    assert back.started_at == ago(minutes=2)


def test_a_rollback_without_times_starts_no_earlier_than_what_it_undid() -> None:
    back, _ = rolled_back(None)

    assert back.started_at == ago(hours=1)


def test_revisions_belong_to_their_deployment_by_uid() -> None:
    api = deployment()
    other = deployment(namespace="staging")
    again = replace(api, uid="uid-recreated")  # deleted and made again: the old sets are orphans now
    sets = (
        revision(api, 1, ago(hours=1), "api:v1"),
        revision(other, 7, ago(hours=2), "api:v7"),
        replace(revision(api, 4, ago(hours=1), "bare:1"), owner="", owner_uid=""),
    )

    assert [(row.namespace, row.revision) for row in build_rollouts([other, api], sets, NOW)] == [
        ("prod", 1),
        ("staging", 7),
    ]
    assert build_rollouts([again], sets, NOW) == ()
    assert build_rollouts([], sets, NOW) == ()


def test_rows_are_newest_first_with_ties_in_a_fixed_order() -> None:
    web, api, db, cache = (
        deployment("web"),
        deployment("api"),
        deployment("db", namespace="data"),
        deployment("cache"),
    )
    sets = [
        revision(web, 2, ago(minutes=30), "web:v2"),
        revision(api, 2, ago(minutes=30), "api:v2"),
        revision(db, 2, ago(minutes=30), "db:v2"),
        revision(api, 1, ago(minutes=90), "api:v1"),
        revision(cache, 2, ago(minutes=10), "cache:v2"),
    ]

    rows = build_rollouts([web, api, db, cache], sets, NOW)

    order = [(row.namespace, row.deployment, row.revision) for row in rows]
    assert order == [
        ("prod", "cache", 2),
        ("data", "db", 2),
        ("prod", "api", 2),
        ("prod", "web", 2),
        ("prod", "api", 1),
    ]
    assert build_rollouts([cache, db, api, web], reversed(sets), NOW) == rows


def test_the_snapshot_is_due_again_when_the_next_row_leaves_the_window() -> None:
    api, stuck = deployment(), deployment("worker", conditions=(STUCK,))
    rows = build_rollouts(
        [api, stuck],
        [
            revision(api, 1, ago(hours=5), "api:v1"),
            revision(api, 2, ago(hours=2), "api:v2"),
            revision(stuck, 1, ago(days=2), "worker:v1"),
        ],
        NOW,
    )

    assert len(rows) == 3
    assert next_expiry(rows, NOW) == ago(hours=5) + ROLLOUT_WINDOW, "the stuck one stays anyway"
    assert next_expiry(rows[2:], NOW) is None


def test_a_rollback_read_from_the_wire() -> None:
    """The Progressing condition's times are decoded for this: nothing else tells when a rollback began."""
    api = workload(
        "Deployment", "api", "3", "api:v1", updatedReplicas=3, readyReplicas=3, availableReplicas=3
    )
    api["status"]["conditions"] = [
        {
            "type": "Progressing",
            "status": "True",
            "reason": "NewReplicaSetAvailable",
            "message": 'ReplicaSet "api-v1" has successfully progressed.',
            "lastUpdateTime": at(40),
            "lastTransitionTime": at(30),
        }
    ]
    undone = workload("ReplicaSet", "api-v2", "2", "api:v2")
    undone["metadata"]["creationTimestamp"] = at(20)
    back = workload("ReplicaSet", "api-v1", "3", "api:v1")  # made at minute 2, current again since 30

    deployments = decode_deployment_list(object_list("DeploymentList", api)).items
    sets = decode_replicaset_list(object_list("ReplicaSetList", undone, back)).items
    first, second = build_rollouts(deployments, sets, utc(45))

    assert deployments[0].conditions[0].last_update_time == utc(40)
    assert (first.replica_set, first.state, first.created_at, first.started_at) == (
        "api-v1",
        RolloutState.COMPLETE,
        utc(2),
        utc(30),
    )
    assert first.previous_images == ("api:v2", "proxy:1.22")
    assert (second.replica_set, second.state) == ("api-v2", RolloutState.SUPERSEDED)
