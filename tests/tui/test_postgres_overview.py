"""The Postgres pane's two overview lines: the figures, their warning levels, and what a role cannot read."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from rich.text import Text

from modulo_watch.collectors.models import (
    PgBackend,
    PgDatabaseSize,
    PgEventCount,
    PgOverview,
    PgReplica,
    PgSnapshot,
    SourceName,
)
from modulo_watch.tui.panes.postgres_overview import format_bytes, format_rate, overview
from modulo_watch.widgets.badges import Palette
from modulo_watch.widgets.live_text import LiveText
from tests.fakes import EPOCH
from tests.hostile import FORBIDDEN_OUTPUT, HOSTILE_STRINGS
from tests.tui.support import drill_app, wait_until

PALETTE = Palette()
NOW = EPOCH


def ago(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def session(
    pid: int, state: str, xact_seconds: float | None = None, blocked_by: tuple[int, ...] = ()
) -> PgBackend:
    xact_start = None if xact_seconds is None else NOW - ago(xact_seconds)
    return PgBackend(
        pid,
        "shop",
        "app",
        "api",
        "10.0.0.1",
        state,
        "SELECT 1",
        xact_start,
        xact_start,
        blocked_by=blocked_by,
    )


def snapshot(
    info: PgOverview | None, backends: tuple[PgBackend, ...] = (), max_connections: int = 200
) -> PgSnapshot:
    return PgSnapshot(NOW, "15.8", max_connections, backends, info)


BUSY = PgOverview(
    started_at=NOW - timedelta(days=3, hours=4),
    commits_per_second=1234.0,
    rollbacks_per_second=3.0,
    cache_hit_ratio=0.992,
    deadlocks=PgEventCount(2, 5),
    temp_files=PgEventCount(14, 14),
    temp_bytes=PgEventCount(1_395_864_371, 1_395_864_371),
    databases=(PgDatabaseSize("shop", 12 << 30, 210 << 20), PgDatabaseSize("postgres", 7 << 20, 0.0)),
    replicas=(PgReplica("r1", "10.0.0.9", "streaming", "async", 0.4, 1024),),
)


def line(text: Text, number: int) -> str:
    return text.plain.split("\n")[number]


def style_of(text: Text, needle: str) -> str:
    """The style of the span that starts where ``needle`` does."""
    start = text.plain.index(needle)
    styles = [str(span.style) for span in text.spans if span.start <= start < span.end]
    return " ".join(styles)


def test_line_one_counts_the_sessions_with_the_oldest_idle_transaction_and_the_longest_one() -> None:
    backends = (
        session(1, "active", 360),
        session(2, "idle in transaction", 252),
        session(3, "idle in transaction", 30),
        session(4, "idle"),
        session(5, "active", 5, blocked_by=(1,)),
    )
    text = overview(snapshot(BUSY, backends), PALETTE)

    assert line(text, 0) == (
        "PG 15.8 up 3d4h  conns 5/200 (2%)  waiting 1  active 2  idle in tx 2 (oldest 4m12s)"
        "  longest tx 6m00s  idle 1"
    )
    assert PALETTE.error in style_of(text, "longest tx")


def test_line_two_has_throughput_cache_deadlocks_temp_files_sizes_and_replicas() -> None:
    text = overview(snapshot(BUSY), PALETTE)

    assert line(text, 1) == (
        "commits/s 1.2k  rollbacks/s 3  deadlocks +2 in 1m (5 since watching)  cache 99.2%"
        "  replicas: r1 0.4s  temp files +14 (1.3 GB) in 1m  db 12 GB +210 MB/h"
    )


@pytest.mark.parametrize(
    ("ratio", "level"), [(0.995, ""), (0.95, PALETTE.warning), (0.85, f"bold {PALETTE.error}")]
)
def test_the_cache_hit_ratio_warns_below_99_and_is_an_error_below_90(ratio: float, level: str) -> None:
    text = overview(snapshot(PgOverview(NOW, cache_hit_ratio=ratio)), PALETTE)

    assert style_of(text, "cache") == level


@pytest.mark.parametrize(
    ("lag", "shown", "level"),
    [(2.0, "2.0s", ""), (30.0, "30s", PALETTE.warning), (90.0, "1m30s", f"bold {PALETTE.error}")],
)
def test_replica_lag_warns_past_10_seconds_and_is_an_error_past_a_minute(
    lag: float, shown: str, level: str
) -> None:
    info = PgOverview(NOW, replicas=(PgReplica("r1", "", "streaming", "async", lag, 0),))
    text = overview(snapshot(info), PALETTE)

    assert f"replicas: r1 {shown}  temp files" in line(text, 1)
    assert style_of(text, f" {shown}") == level


def test_any_deadlock_is_an_error() -> None:
    text = overview(snapshot(PgOverview(NOW, deadlocks=PgEventCount(1, 1))), PALETTE)

    assert PALETTE.error in style_of(text, "deadlocks +1")


def test_a_connection_count_near_max_connections_is_critical() -> None:
    backends = tuple(session(pid, "idle") for pid in range(96))
    text = overview(snapshot(BUSY, backends, max_connections=100), PALETTE)

    assert f"bold {PALETTE.error}" in style_of(text, "conns 96/100 (96%)")


def test_a_recent_restart_stands_out() -> None:
    text = overview(snapshot(PgOverview(NOW - ago(90))), PALETTE)

    assert "up 1m" in line(text, 0)
    assert PALETTE.warning in style_of(text, " up 1m")


def test_what_the_role_may_not_read_says_so_instead_of_failing() -> None:
    info = PgOverview(
        NOW,
        databases=(PgDatabaseSize("shop", None), PgDatabaseSize("postgres", 8 << 20)),
        replicas=(PgReplica("r1", "10.0.0.9", None, None, None, None),),
    )
    hidden = (session(1, ""), session(2, ""), session(3, "active", 1))
    text = overview(snapshot(info, hidden), PALETTE)

    assert "conns 3/200 (2%) 2 hidden n/a (no privilege)  waiting 0  active 1" in line(text, 0)
    assert "db 8.0 MB (1 n/a (no privilege))" in line(text, 1)
    assert "replicas: r1 n/a (no privilege)" in line(text, 1)
    only_unreadable = PgOverview(NOW, databases=(PgDatabaseSize("shop", None),))
    assert "db size n/a (no privilege)" in line(overview(snapshot(only_unreadable), PALETTE), 1)


def test_the_first_refresh_shows_dashes_for_rates_not_zeroes() -> None:
    text = overview(snapshot(PgOverview(NOW)), PALETTE)

    assert "commits/s -  rollbacks/s -" in line(text, 1)
    assert "cache -" in line(text, 1)


def test_a_standby_says_so_with_its_replay_delay() -> None:
    text = overview(
        snapshot(PgOverview(NOW - ago(7200), in_recovery=True, standby_delay_seconds=75.0)), PALETTE
    )

    assert "standby, 1m15s behind" in line(text, 0)
    assert f"bold {PALETTE.error}" in style_of(text, "standby")


def test_a_caught_up_replica_shows_its_byte_lag_when_the_server_stopped_timing_it() -> None:
    info = PgOverview(NOW, replicas=(PgReplica("r1", "", "streaming", "sync", None, 0),))

    assert "replicas: r1 0 bytes (sync)" in line(overview(snapshot(info), PALETTE), 1)


def test_a_snapshot_without_server_figures_still_has_two_lines() -> None:
    text = overview(snapshot(None), PALETTE)

    assert line(text, 1) == "server figures not read yet"


@pytest.mark.parametrize("hostile", HOSTILE_STRINGS)
def test_a_replicas_name_and_state_are_inert(hostile: str) -> None:
    info = PgOverview(NOW, replicas=(PgReplica(hostile, hostile, hostile, hostile, None, None),))
    text = overview(snapshot(info), PALETTE)

    assert text.plain.count("\n") == 1, "a name cannot add a line"
    for forbidden in (*FORBIDDEN_OUTPUT, "\x1b"):
        assert forbidden not in text.plain
    assert all(part.isprintable() for part in text.plain.split("\n"))


@pytest.mark.parametrize(
    ("rate", "shown"),
    [(0.0, "0"), (0.45, "0.5"), (3.0, "3"), (42.4, "42"), (1234.0, "1.2k"), (34_567.0, "35k")],
)
def test_rates_are_compact(rate: float, shown: str) -> None:
    assert format_rate(rate) == shown


@pytest.mark.parametrize(
    ("size", "shown"), [(812, "812 bytes"), (1536, "1.5 kB"), (12 << 30, "12 GB"), (3 << 40, "3.0 TB")]
)
def test_sizes_use_pg_size_pretty_units(size: int, shown: str) -> None:
    assert format_bytes(size) == shown


async def test_the_drill_shows_the_same_overview_during_connection_exhaustion(tmp_path: Path) -> None:
    app = drill_app(tmp_path, scenario="db-connections", minute=12)
    async with app.run_test(size=(200, 48)) as pilot:
        await wait_until(pilot, partial(app.shows_data_of, SourceName.POSTGRES), "postgres on screen")
        shown = app.query_one("#postgres-overview", LiveText).text.plain
        assert app.query_one("#postgres-overview").size.height == 2

    sessions, server = shown.split("\n")
    assert sessions.startswith("PG 15.6 up ")
    assert "conns 195/200 (98%)" in sessions
    for figure in ("commits/s ", "rollbacks/s ", "cache ", "deadlocks 0", "temp files +", "db ", "/h"):
        assert figure in server
    assert "replicas: dr-replica " in server


def test_a_packagers_version_string_shows_as_the_version_alone() -> None:
    packaged = replace(snapshot(BUSY), server_version="15.18 (Debian 15.18-1.pgdg120+1)")

    assert line(overview(packaged, PALETTE), 0).startswith("PG 15.18 up 3d4h  conns")
