"""Finding when the error rate rose, and the rollouts that went out shortly before."""

from __future__ import annotations

from datetime import datetime, timedelta

from modulo_watch.collectors.models import Rollout, RolloutState, Series
from modulo_watch.incident.suspects import SUSPECT_LEAD, RiseTracker, error_rise, suspects
from tests.fakes import EPOCH

STEP = timedelta(seconds=15)


def series(values: list[float], start: datetime = EPOCH) -> Series:
    return Series("5xx ratio", tuple((start + i * STEP, value) for i, value in enumerate(values)), "ratio")


def rollout(name: str, started: datetime) -> Rollout:
    return Rollout(
        namespace="modulo",
        deployment=name,
        replica_set=f"{name}-5659dd754f",
        revision=2,
        images=(f"registry/{name}:v2",),
        created_at=started,
        desired=3,
        ready=3,
        state=RolloutState.COMPLETE,
        previous_images=(f"registry/{name}:v1",),
    )


def test_a_quiet_noisy_series_has_no_rise() -> None:
    assert error_rise(series([0.004, 0.005, 0.003, 0.006, 0.004, 0.005] * 10)) is None


def test_the_rise_is_the_first_point_of_the_run_still_going() -> None:
    values = [0.004] * 30 + [0.09, 0.004] + [0.004] * 10 + [0.05, 0.12, 0.14, 0.13]
    found = error_rise(series(values))
    assert found is not None
    assert found[0] == EPOCH + 42 * STEP  # the blip at 30 came and went: not the rise


def test_a_ratio_that_came_back_down_is_no_rise() -> None:
    assert error_rise(series([0.004] * 30 + [0.14] * 10 + [0.004] * 3)) is None


def test_too_few_points_tell_nothing() -> None:
    assert error_rise(series([0.0, 0.5, 0.5])) is None


def test_the_tracker_keeps_a_rise_that_scrolled_out_of_the_window_while_the_ratio_stays_up() -> None:
    tracker = RiseTracker()
    first = tracker.update(series([0.004] * 40 + [0.14] * 20))
    assert first == EPOCH + 40 * STEP
    # Fifteen minutes later every point of the window is high.
    later = tracker.update(series([0.14] * 60, start=EPOCH + 60 * STEP))
    assert later == first
    recovered = tracker.update(series([0.14] * 40 + [0.004] * 20, start=EPOCH + 80 * STEP))
    assert recovered is None


def test_rollouts_shortly_before_the_rise_are_suspects_and_later_ones_are_not() -> None:
    rise = EPOCH + timedelta(hours=1)
    rollouts = [
        rollout("modulo-api", rise - timedelta(minutes=4)),
        rollout("modulo-worker", rise - SUSPECT_LEAD - timedelta(minutes=5)),
        rollout("modulo-frontend", rise + timedelta(minutes=10)),  # a rollback, say: a remedy
    ]
    assert suspects(rollouts, rise) == {"modulo/modulo-api-5659dd754f"}
    assert suspects(rollouts, None) == frozenset()


def test_a_rise_that_fills_most_of_the_window_is_still_found_from_its_quiet_minute() -> None:
    found = error_rise(series([0.004, 0.005, 0.004, 0.004, 0.003] + [0.15, 0.16, 0.14] * 18))
    assert found is not None and found[0] == EPOCH + 5 * STEP
