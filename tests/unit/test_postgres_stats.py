"""Cumulative counters as rates and recent increases: first sample, resets, new and dropped databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from modulo_watch.collectors.models import PgDatabaseSize, PgEventCount
from modulo_watch.collectors.postgres.stats import (
    Counters,
    CounterTracker,
    DatabaseCounters,
    SizeSample,
    SizeTracker,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RESET = datetime(2026, 2, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def db(datid: int, stats_reset: datetime | None = RESET, **counters: int) -> DatabaseCounters:
    return DatabaseCounters(datid, Counters(**counters), stats_reset)


def test_the_first_sample_has_no_rates_but_a_cumulative_cache_hit_ratio() -> None:
    activity = CounterTracker().update(at(0), [db(1, commits=500, blocks_hit=99, blocks_read=1, deadlocks=4)])

    assert (activity.commits_per_second, activity.rollbacks_per_second) == (None, None)
    assert activity.cache_hit_ratio == pytest.approx(0.99)
    assert activity.deadlocks == PgEventCount(0, 0), "a lifetime total is not news"


def test_rates_are_the_increase_over_the_interval_summed_over_databases() -> None:
    tracker = CounterTracker()
    tracker.update(at(0), [db(1, commits=100, rollbacks=1), db(2, commits=50)])

    activity = tracker.update(at(2), [db(1, commits=300, rollbacks=5), db(2, commits=70)])

    assert activity.commits_per_second == pytest.approx(110.0)
    assert activity.rollbacks_per_second == pytest.approx(2.0)


def test_the_cache_hit_ratio_is_over_the_interval_and_cumulative_when_it_read_nothing() -> None:
    tracker = CounterTracker()
    tracker.update(at(0), [db(1, blocks_hit=1_000_000, blocks_read=0)])
    cold = tracker.update(at(1), [db(1, blocks_hit=1_000_050, blocks_read=50)])
    quiet = tracker.update(at(2), [db(1, blocks_hit=1_000_050, blocks_read=50)])

    assert cold.cache_hit_ratio == pytest.approx(0.5)
    assert quiet.cache_hit_ratio == pytest.approx(1_000_050 / 1_000_100)


def test_a_counter_that_falls_is_a_reset_no_rate_and_nothing_added() -> None:
    tracker = CounterTracker()
    tracker.update(at(0), [db(1, commits=1_000, deadlocks=3)])
    after_crash = tracker.update(at(1), [db(1, commits=10, deadlocks=1)])
    next_one = tracker.update(at(2), [db(1, commits=30, deadlocks=2)])

    assert after_crash.commits_per_second is None
    assert after_crash.deadlocks == PgEventCount(0, 0)
    assert next_one.commits_per_second == pytest.approx(20.0)
    assert next_one.deadlocks == PgEventCount(1, 1)


def test_a_changed_reset_time_is_a_reset_even_if_the_counters_grew_past_their_old_values() -> None:
    tracker = CounterTracker()
    tracker.update(at(0), [db(1, commits=10)])

    activity = tracker.update(at(1), [db(1, stats_reset=at(0.5), commits=20)])

    assert activity.commits_per_second is None


def test_the_first_reset_time_of_a_new_database_is_no_reset() -> None:
    tracker = CounterTracker()
    tracker.update(at(0), [db(1, stats_reset=None)])

    activity = tracker.update(at(1), [db(1, stats_reset=at(0.5), commits=20)])

    assert activity.commits_per_second == pytest.approx(20.0)


def test_a_new_database_starts_its_baseline_and_a_dropped_one_just_leaves() -> None:
    tracker = CounterTracker()
    tracker.update(at(0), [db(1, commits=100), db(2, commits=5_000)])

    activity = tracker.update(at(1), [db(1, commits=110), db(3, commits=9_000)])

    assert activity.commits_per_second == pytest.approx(10.0)


def test_deadlocks_count_over_the_last_minute_and_since_the_monitor_started() -> None:
    tracker = CounterTracker()
    tracker.update(at(0), [db(1, deadlocks=7)])
    tracker.update(at(10), [db(1, deadlocks=9)])
    tracker.update(at(50), [db(1, deadlocks=9)])
    within = tracker.update(at(70), [db(1, deadlocks=10)])
    later = tracker.update(at(140), [db(1, deadlocks=10)])

    assert within.deadlocks == PgEventCount(recent=1, since_start=3), "the +2 came a minute or more ago"
    assert later.deadlocks == PgEventCount(recent=0, since_start=3)


def test_temp_files_and_their_bytes_count_the_same_way() -> None:
    tracker = CounterTracker()
    tracker.update(at(0), [db(1, temp_files=2, temp_bytes=1_000)])

    activity = tracker.update(at(5), [db(1, temp_files=5, temp_bytes=9_000)])

    assert (activity.temp_files, activity.temp_bytes) == (PgEventCount(3, 3), PgEventCount(8_000, 8_000))


def test_a_zero_interval_gives_no_rate() -> None:
    tracker = CounterTracker()
    tracker.update(at(0), [db(1, commits=1)])

    assert tracker.update(at(0), [db(1, commits=2)]).commits_per_second is None


def test_growth_needs_samples_a_minute_apart_and_is_per_hour() -> None:
    tracker = SizeTracker()
    first = tracker.update(at(0), [SizeSample(1, "shop", 1_000_000)])
    soon = tracker.update(at(30), [SizeSample(1, "shop", 1_500_000)])
    later = tracker.update(at(120), [SizeSample(1, "shop", 3_000_000)])

    assert first == (PgDatabaseSize("shop", 1_000_000, None),)
    assert soon[0].growth_per_hour is None
    assert later[0].growth_per_hour == pytest.approx(2_000_000 * 30)


def test_growth_is_measured_over_at_most_the_last_hour() -> None:
    tracker = SizeTracker()
    tracker.update(at(0), [SizeSample(1, "shop", 0)])
    tracker.update(at(1800), [SizeSample(1, "shop", 10_000)])
    sizes = tracker.update(at(3700), [SizeSample(1, "shop", 10_000)])

    assert sizes[0].growth_per_hour == pytest.approx(0.0), "the early growth has left the window"


def test_an_unreadable_size_has_no_growth_and_a_dropped_database_is_forgotten() -> None:
    tracker = SizeTracker()
    tracker.update(at(0), [SizeSample(1, "shop", 100), SizeSample(2, "secret", None)])
    tracker.update(at(60), [SizeSample(2, "secret", None)])
    sizes = tracker.update(at(120), [SizeSample(1, "shop", 500), SizeSample(2, "secret", None)])

    assert sizes == (PgDatabaseSize("shop", 500, None), PgDatabaseSize("secret", None, None))
