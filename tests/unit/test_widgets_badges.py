from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rich.text import Text

from modulo_watch.collectors.models import SourceName, SourceState, SourceStatus
from modulo_watch.widgets.badges import (
    DEFAULT_PALETTE,
    Palette,
    format_age,
    format_duration,
    severity_level,
    severity_style,
    severity_text,
    since,
    source_badge,
)
from tests.hostile import HOSTILE_STRINGS

NOW = datetime(2026, 3, 1, 12, 5, 0, tzinfo=UTC)


def _badge(status: SourceStatus, monotonic: float = 100.0) -> Text:
    return source_badge(status, now=NOW, monotonic=monotonic, tz=UTC)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (-5, "0s"),
        (0, "0s"),
        (42.9, "42s"),
        (60, "1m"),
        (5 * 60 + 59, "5m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 12 * 60 + 5, "3h12m"),
        (2 * 86400, "2d"),
        (2 * 86400 + 4 * 3600, "2d4h"),
        (12 * 86400 + 4 * 3600, "12d"),
    ],
)
def test_format_age(seconds: float, expected: str) -> None:
    assert format_age(seconds) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (-1, "0.0s"),
        (0.42, "0.4s"),
        (9.95, "9.9s"),
        (42, "42s"),
        (5 * 60 + 3, "5m03s"),
        (3 * 3600 + 12 * 60, "3h12m"),
        (2 * 86400 + 4 * 3600 + 59, "2d4h"),
    ],
)
def test_format_duration(seconds: float, expected: str) -> None:
    assert format_duration(seconds) == expected


def test_since() -> None:
    assert since(NOW - timedelta(minutes=90), NOW) == "1h30m"


def test_live_badge_on_time_gives_the_age_bound_and_stays_the_same() -> None:
    status = SourceStatus(
        SourceName.PODS,
        SourceState.LIVE,
        last_success=NOW - timedelta(seconds=1),
        interval=2.0,
        fresh_until=104.0,
    )
    badge = source_badge(status, now=NOW, monotonic=100.0)
    assert badge.plain == "● live · ≤2s old"
    assert str(badge.style) == DEFAULT_PALETTE.ok
    later = source_badge(status, now=NOW + timedelta(seconds=1), monotonic=101.0)
    assert later == badge, "no repaint while polls come on time"


def test_live_badge_once_a_poll_is_late_shows_the_age() -> None:
    status = SourceStatus(
        SourceName.PODS,
        SourceState.LIVE,
        last_success=NOW - timedelta(seconds=14),
        interval=2.0,
        fresh_until=104.0,
    )
    badge = source_badge(status, now=NOW, monotonic=110.0)
    assert badge.plain == "● live · 14s old"


def test_connecting_and_not_configured_badges() -> None:
    assert _badge(SourceStatus(SourceName.POSTGRES, SourceState.CONNECTING)).plain == "◌ connecting…"
    status = SourceStatus(SourceName.METRICS, SourceState.NOT_CONFIGURED, hint="set [prometheus] url")
    assert _badge(status).plain == "○ not configured · set [prometheus] url"


def test_stale_badge_counts_down_and_shows_the_error() -> None:
    status = SourceStatus(
        SourceName.PODS,
        SourceState.STALE,
        last_success=datetime(2026, 3, 1, 12, 4, 30, tzinfo=UTC),
        stale_since=datetime(2026, 3, 1, 12, 4, 31, tzinfo=UTC),
        last_error="connection refused",
        retry_at=107.2,
    )
    assert _badge(status).plain == "▲ stale since 12:04:31 · retrying in 8 s · connection refused"
    assert _badge(status, monotonic=110.0).plain.startswith("▲ stale since 12:04:31 · retrying now ·")
    assert "retrying in 3m20s" in _badge(status, monotonic=-92.8).plain


def test_connecting_after_a_failure_shows_retry() -> None:
    status = SourceStatus(
        SourceName.ALERTS, SourceState.CONNECTING, last_error="timeout after 5 s", retry_at=101
    )
    assert _badge(status).plain == "◌ connecting… · retrying in 1 s · timeout after 5 s"


@pytest.mark.parametrize("hostile", HOSTILE_STRINGS)
def test_badge_error_and_hint_are_inert(hostile: str) -> None:
    stale = SourceStatus(SourceName.PODS, SourceState.STALE, last_error=hostile, retry_at=1)
    missing = SourceStatus(SourceName.PODS, SourceState.NOT_CONFIGURED, hint=hostile)
    for badge in (_badge(stale), _badge(missing)):
        assert "\x1b" not in badge.plain
        assert "\n" not in badge.plain
        assert len(badge.plain) < 120


def test_severity_levels_and_styles() -> None:
    assert severity_level("critical") == 1
    assert severity_level(" Warning ") == 2
    assert severity_level("P3") == 3
    assert severity_level("whatever") == 4
    palette = Palette(ok="#00ff00", warning="#ffff00", error="#ff0000")
    assert severity_style("page", palette) == "bold #ff0000"
    assert severity_style("warning", palette) == "#ffff00"
    assert severity_style("bogus", palette) == ""
    text = severity_text("[bold]critical\x1b[2J")
    assert text.plain == "[bold]criti…"
    assert not text.spans


def test_palette_from_theme_variables() -> None:
    palette = Palette.from_theme({"success": "#4EBF71", "warning": "#FEA62B", "error": "#B93C5B"})
    assert palette == Palette(ok="#4EBF71", warning="#FEA62B", error="#B93C5B")
