"""One line of the critical endpoints' health: ``API ● 42ms  Login ● 80ms  Payments ✗ 503 2m``.

No I/O: it shows the health source's latest snapshot and status. On a narrow screen the line gives up
detail in steps (the healthy checks' latency, whole names, how long failures have lasted) before it is
cut; it is hidden while there are no checks to show.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from rich.text import Text
from textual.widget import Widget

from modulo_watch.collectors.models import (
    HealthProbe,
    HealthSnapshot,
    ProbeFailure,
    SourceState,
    SourceStatus,
)
from modulo_watch.widgets.badges import DEFAULT_PALETTE, Palette, format_age
from modulo_watch.widgets.safe_text import inert

__all__ = ["HealthStrip", "health_line"]

OK_MARK, FAILING_MARK = "●", "✗"
SLOW = 1.0  # seconds: an answer this slow is shown as a warning
RECENT = timedelta(minutes=5)  # an ok check that failed this recently is shown as a warning (flapping)
MAX_NAME = 24  # cells of a name, in full
SHORT_NAME = 3  # cells a name keeps once names are abbreviated: "Pay", "Log"
_FAILURE_LABELS = {
    ProbeFailure.TIMEOUT: "timeout",
    ProbeFailure.REFUSED: "refused",
    ProbeFailure.UNREACHABLE: "unreachable",
    ProbeFailure.PROTOCOL: "bad HTTP",
}


class _Detail(NamedTuple):
    """How much of each check the line shows."""

    latency: bool  # the healthy checks' latency
    short: bool  # names abbreviated
    age: bool  # how long the failing checks have failed
    gap: str


# From the most detail to the least: the first that fits is shown.
_DETAILS = (
    _Detail(latency=True, short=False, age=True, gap="  "),
    _Detail(latency=False, short=False, age=True, gap="  "),
    _Detail(latency=False, short=True, age=True, gap="  "),
    _Detail(latency=False, short=True, age=False, gap=" "),
)


def _latency(seconds: float) -> str:
    return f"{seconds * 1000:.0f}ms" if seconds < 1 else f"{seconds:.1f}s"


def _failure_label(probe: HealthProbe) -> str:
    if probe.status_code is not None:
        return str(probe.status_code)
    return _FAILURE_LABELS.get(probe.failure or ProbeFailure.STATUS, "failing")


def _name(probe: HealthProbe, short: bool) -> Text:
    name = inert(probe.name, max_length=MAX_NAME)
    if short:
        name.truncate(SHORT_NAME, overflow="crop")
    return name


def _entry(probe: HealthProbe, at: datetime, palette: Palette, detail: _Detail) -> Text:
    entry = _name(probe, detail.short)
    if not probe.ok:
        entry.append(f" {FAILING_MARK} {_failure_label(probe)}", f"bold {palette.error}")
        if detail.age and probe.failing_since is not None:
            entry.append(f" {format_age((at - probe.failing_since).total_seconds())}", palette.error)
        return entry
    flapping = probe.last_failure is not None and at - probe.last_failure <= RECENT
    entry.append(f" {OK_MARK}", palette.warning if flapping else palette.ok)
    if detail.latency and probe.latency is not None:
        entry.append(
            f" {_latency(probe.latency)}", palette.warning if probe.latency >= SLOW else palette.muted
        )
    return entry


def _staleness(status: SourceStatus | None, palette: Palette, detail: _Detail) -> Text:
    """Said after the checks when the health source itself has stopped answering."""
    if status is None or status.state is not SourceState.STALE:
        return Text()
    label = "▲ stale"
    if status.stale_since is not None and not detail.short:
        label += f" since {status.stale_since.astimezone():%H:%M:%S}"
    return Text(detail.gap + label, f"bold {palette.warning}")


def health_line(
    snapshot: HealthSnapshot, status: SourceStatus | None, width: int, palette: Palette = DEFAULT_PALETTE
) -> Text:
    """The checks in ``width`` cells, with as much detail as fits (then cut with "…"); dimmed, and
    followed by since when, while the health source itself is stale."""
    stale = status is not None and status.state is SourceState.STALE
    for detail in _DETAILS:
        entries = (_entry(probe, snapshot.collected_at, palette, detail) for probe in snapshot.probes)
        line = Text(detail.gap).join(entries)
        if stale:
            line.stylize(palette.muted)
        line.append_text(_staleness(status, palette, detail))
        if line.cell_len <= width:
            break
    line.truncate(width, overflow="ellipsis")
    line.no_wrap, line.end = True, ""
    return line


class HealthStrip(Widget):
    """The health line under the error-rate graph; hidden while there is no check to show."""

    DEFAULT_CSS = """
    HealthStrip { height: 1; display: none; }
    HealthStrip.-shown { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._snapshot: HealthSnapshot | None = None
        self._status: SourceStatus | None = None
        self._palette = DEFAULT_PALETTE

    def show(self, snapshot: HealthSnapshot | None, status: SourceStatus | None, palette: Palette) -> None:
        self._snapshot, self._status, self._palette = snapshot, status, palette
        self.set_class(snapshot is not None and bool(snapshot.probes), "-shown")
        self.refresh()

    def render(self) -> Text:
        if self._snapshot is None:
            return Text()
        return health_line(self._snapshot, self._status, self.content_size.width, self._palette)
