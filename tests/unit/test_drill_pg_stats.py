"""The drill's PostgreSQL overview: plausible, deterministic, and following the sessions of the moment."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from modulo_watch.collectors.drill.pg_stats import drill_overview
from modulo_watch.collectors.drill.scenario import load_scenario
from modulo_watch.collectors.drill.spec import PostgresSpec
from modulo_watch.collectors.models import PgBackend

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SPEC = PostgresSpec("15.6", 100, "shop", (("api", "app"),), (), ("SELECT 1",), replicas=("dr",))


def sessions(active: int, waiting: int = 0, idle: int = 0) -> list[PgBackend]:
    made = [PgBackend(n, "shop", "app", "api", "", "active", "SELECT 1") for n in range(active)]
    made += [
        PgBackend(1000 + n, "shop", "app", "api", "", "active", "UPDATE", blocked_by=(0,))
        for n in range(waiting)
    ]
    made += [PgBackend(2000 + n, "shop", "app", "api", "", "idle", "SELECT 1") for n in range(idle)]
    return made


def test_the_same_seed_and_time_give_the_same_figures() -> None:
    first = drill_overview(SPEC, 7, 125.0, START, sessions(10))

    assert drill_overview(SPEC, 7, 125.0, START, sessions(10)) == first
    assert drill_overview(SPEC, 8, 125.0, START, sessions(10)) != first


def test_throughput_follows_the_working_sessions() -> None:
    quiet = drill_overview(SPEC, 7, 60.0, START, sessions(2))
    busy = drill_overview(SPEC, 7, 60.0, START, sessions(20))

    assert quiet.commits_per_second is not None and busy.commits_per_second is not None
    assert busy.commits_per_second > 5 * quiet.commits_per_second


def test_sessions_stuck_behind_a_lock_raise_the_rollbacks_and_the_replica_lag_near_saturation() -> None:
    calm = drill_overview(SPEC, 7, 60.0, START, sessions(10, idle=20))
    jammed = drill_overview(SPEC, 7, 60.0, START, sessions(10, waiting=60, idle=28))

    assert calm.rollbacks_per_second is not None and jammed.rollbacks_per_second is not None
    assert jammed.rollbacks_per_second > 10 * calm.rollbacks_per_second
    calm_lag, jammed_lag = calm.replicas[0].replay_lag_seconds, jammed.replicas[0].replay_lag_seconds
    assert calm_lag is not None and jammed_lag is not None and jammed_lag > calm_lag + 3


def test_the_database_grows_and_its_growth_shows_after_a_minute_as_live() -> None:
    early = drill_overview(SPEC, 7, 30.0, START, sessions(5))
    later = drill_overview(SPEC, 7, 3630.0, START, sessions(5))

    assert early.databases[0].growth_per_hour is None
    growth = later.databases[0].growth_per_hour
    early_size, later_size = early.databases[0].size_bytes, later.databases[0].size_bytes
    assert growth is not None and early_size is not None and later_size is not None
    assert later_size - early_size == pytest.approx(growth, abs=1)


def test_the_connection_exhaustion_scenario_drives_the_overview() -> None:
    scenario = load_scenario("db-connections")
    before, during = (scenario.world_at(minute * 60, START).postgres.overview for minute in (1, 12))

    assert before is not None and during is not None
    assert before.rollbacks_per_second is not None and during.rollbacks_per_second is not None
    assert during.rollbacks_per_second > 10 * before.rollbacks_per_second
    assert [replica.name for replica in during.replicas] == ["dr-replica"]
    assert before.started_at == during.started_at, "the server did not restart"
