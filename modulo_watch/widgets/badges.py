"""Small formatters for pane borders and table cells: source status, ages, durations, severities.

Pure functions returning ``str`` or Rich ``Text``; they take the time as arguments (never read a
clock) so a drill and the tests get the same output as a live run. Colours come from a
:class:`Palette`, which a widget builds from the app theme (``Palette.from_theme``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import NamedTuple

from rich.text import Text

from modulo_watch.collectors.models import SourceState, SourceStatus, severity_level
from modulo_watch.widgets.safe_text import clean, inert

__all__ = [
    "DEFAULT_PALETTE",
    "Palette",
    "format_age",
    "format_duration",
    "severity_level",
    "severity_style",
    "severity_text",
    "since",
    "source_badge",
]

SEPARATOR = " · "


class Palette(NamedTuple):
    """Rich style strings for the meanings a badge can carry."""

    ok: str = "green"
    warning: str = "yellow"
    error: str = "red"
    muted: str = "dim"
    accent: str = "cyan"

    @classmethod
    def from_theme(cls, variables: Mapping[str, str]) -> Palette:
        """Build from ``App.theme_variables`` so badges follow the user's theme.

        Only plain colours are taken: the theme's muted colours carry alpha, which Rich cannot
        parse, so "muted" stays ``dim``.
        """
        default = cls()
        return cls(
            ok=variables.get("success", default.ok),
            warning=variables.get("warning", default.warning),
            error=variables.get("error", default.error),
            muted=default.muted,
            accent=variables.get("accent", default.accent),
        )


DEFAULT_PALETTE = Palette()


def format_age(seconds: float) -> str:
    """Coarse age, kubectl style: "42s", "5m", "3h12m", "2d4h", "12d".

    A negative age (a clock skewed into the future) shows as "0s".
    """
    total = max(0, int(seconds))
    if total < 60:
        return f"{total}s"
    minutes = total // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes}m" if minutes else f"{hours}h"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours}h" if hours and days < 10 else f"{days}d"


def since(moment: datetime, now: datetime) -> str:
    """:func:`format_age` of the time from ``moment`` to ``now``."""
    return format_age((now - moment).total_seconds())


def format_duration(seconds: float) -> str:
    """Finer than an age, for runtimes and countdowns: "0.4s", "42s", "5m03s", "3h12m", "2d4h"."""
    seconds = max(0.0, seconds)
    if seconds < 10:
        return f"{seconds:.1f}s"
    total = int(seconds)
    if total < 60:
        return f"{total}s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours}h"


# Alertmanager severities, incident levels and log levels, most severe first.
def severity_style(severity: str, palette: Palette = DEFAULT_PALETTE) -> str:
    """The style a severity name is shown in; unknown severities are plain."""
    level = severity_level(severity)
    if level == 1:
        return f"bold {palette.error}"
    if level == 2:
        return palette.warning
    if level == 3:
        return palette.muted
    return ""


def severity_text(severity: str, palette: Palette = DEFAULT_PALETTE, max_length: int = 12) -> Text:
    """The severity as it came from the source, made inert and coloured by its level."""
    return inert(severity, severity_style(severity, palette), max_length=max_length)


def live_badge(status: SourceStatus, now: datetime, monotonic: float, palette: Palette) -> Text:
    """ "● live · ≤2s old" while polls come on time; "● live · 14s old" once one is late.

    On time, the text stays the same from poll to poll, so the pane is not repainted every
    second just to move an age from 0s to 1s.
    """
    badge = Text("● live", palette.ok)
    on_time = status.fresh_until is not None and monotonic <= status.fresh_until
    if on_time and status.interval is not None:
        badge.append(f"{SEPARATOR}≤{format_age(math.ceil(status.interval))} old", palette.muted)
    elif status.last_success is not None:
        badge.append(f"{SEPARATOR}{since(status.last_success, now)} old", palette.warning)
    return badge


def source_badge(
    status: SourceStatus,
    *,
    now: datetime,
    monotonic: float,
    palette: Palette = DEFAULT_PALETTE,
    tz: tzinfo | None = None,
    max_error: int = 60,
) -> Text:
    """One line for a pane border saying where its source stands.

    Examples: "● live · ≤2s old", "◌ connecting…", "○ not configured · <hint>",
    "▲ stale since 12:04:31 · retrying in 8 s · <error>".

    Args:
        status: The source's status.
        now: The source clock's time (``last_success`` and ``stale_since`` are on that clock).
        monotonic: The monotonic time (``retry_at`` is a monotonic deadline).
        palette: Colours.
        tz: Zone for "stale since" times; None means the local zone.
        max_error: Cells the error message may take before it is cut with "…".
    """
    state = status.state
    if state is SourceState.LIVE:
        return live_badge(status, now, monotonic, palette)
    if state is SourceState.NOT_CONFIGURED:
        badge = Text("○ not configured", palette.muted)
        if status.hint:
            badge.append(SEPARATOR + clean(status.hint, max_length=max_error), palette.muted)
        return badge
    if state is SourceState.STALE:
        label = "▲ stale"
        if status.stale_since is not None:
            label += f" since {status.stale_since.astimezone(tz):%H:%M:%S}"
        badge = Text(label, f"bold {palette.warning}")
    else:
        badge = Text("◌ connecting…", palette.accent)
    if status.retry_at is not None:
        badge.append(SEPARATOR + _retry(status.retry_at - monotonic), palette.muted)
    if status.last_error:
        badge.append(SEPARATOR)
        badge.append_text(inert(status.last_error, palette.error, max_length=max_error))
    return badge


def _retry(remaining: float) -> str:
    if remaining <= 0:
        return "retrying now"
    if remaining < 100:
        return f"retrying in {math.ceil(remaining)} s"
    return f"retrying in {format_duration(remaining)}"
