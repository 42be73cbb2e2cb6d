"""The Error rate pane: the 5xx ratio against the runbook's P2 (5%) and P1 (10%) lines, or the latency
view (p95 and p99 over the request rate), over the last 15 min, 1 h or 6 h."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.message import Message

from modulo_watch.collectors.graph_view import WINDOWS, next_window, window_label
from modulo_watch.collectors.models import HealthSnapshot, MetricsSnapshot, Snapshot, SourceName, SourceStatus
from modulo_watch.tui.keys import ERROR_RATE_KEYS, bindings
from modulo_watch.tui.panes.base import SourcePane, expect
from modulo_watch.tui.panes.evidence import Captured, error_rate_evidence
from modulo_watch.widgets.health_strip import HealthStrip
from modulo_watch.widgets.rate_graph import RateGraph
from modulo_watch.widgets.safe_text import inert


class GraphViewChosen(Message):
    """The window the responder chose, or the graph's new width: the app has the metrics follow it."""

    def __init__(self, window_seconds: int, columns: int) -> None:
        super().__init__()
        self.window_seconds = window_seconds
        self.columns = columns


class ErrorRatePane(SourcePane):
    SOURCE = SourceName.METRICS
    TITLE = "Error rate"
    can_focus = True
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(ERROR_RATE_KEYS))

    DEFAULT_CSS = """
    ErrorRatePane {
        & #latency-view { height: 1fr; display: none; }
        &.-latency #latency-view { display: block; }
        &.-latency #error-rate-graph { display: none; }
        & #latency-graph { height: 2fr; }
        /* Squeezed, the request rate keeps its value line: "244 req/s →". */
        & #request-rate-graph { height: 1fr; min-height: 1; }
    }
    """

    def __init__(self, number: int, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(number, id=id)
        self.window_seconds = WINDOWS[0]  # the window chosen; the snapshot says which one is shown
        self.latency = False
        self._snapshot: MetricsSnapshot | None = None
        self._columns = 0

    def compose(self) -> ComposeResult:
        yield RateGraph(id="error-rate-graph")
        with Vertical(id="latency-view"):
            yield RateGraph((), id="latency-graph")
            yield RateGraph((), id="request-rate-graph")
        yield HealthStrip(id="health-strip")

    def apply(self, snapshot: Snapshot) -> None:
        snapshot = expect(snapshot, MetricsSnapshot)
        self._snapshot = snapshot
        window = snapshot.window_seconds
        self.query_one("#error-rate-graph", RateGraph).apply(snapshot.error_ratio, window=window)
        self.query_one("#latency-graph", RateGraph).apply(
            snapshot.latency_p95, overlay=snapshot.latency_p99, window=window
        )
        self.query_one("#request-rate-graph", RateGraph).apply(snapshot.request_rate, window=window)
        self._show_summary()

    def show_health(self, snapshot: HealthSnapshot | None, status: SourceStatus | None) -> None:
        """The critical endpoints' checks, under the graph: the health source has no pane of its own."""
        self.query_one(HealthStrip).show(snapshot, status, self.palette)

    def captured(self, now: datetime) -> Captured | None:
        """The error ratio shown (and the latency, in that view), as evidence; None before any reading."""
        snapshot = self._snapshot
        if snapshot is None:
            return None
        return error_rate_evidence(snapshot, window_label(snapshot.window_seconds), self.latency)

    def action_cycle_window(self) -> None:
        self.window_seconds = next_window(self.window_seconds)
        self.post_message(GraphViewChosen(self.window_seconds, self._columns))
        self._show_summary()

    def show_latency(self) -> None:
        if not self.latency:
            self.action_toggle_latency()

    def action_toggle_latency(self) -> None:
        self.latency = not self.latency
        self.set_class(self.latency, "-latency")
        self._show_summary()

    def on_resize(self) -> None:
        # One point per column: a wider graph asks for a finer step at its next fetch.
        if self.content_size.width != self._columns:
            self._columns = self.content_size.width
            self.post_message(GraphViewChosen(self.window_seconds, self._columns))

    def _show_summary(self) -> None:
        """What is shown and over which window; a window asked for but not yet fetched, after an arrow."""
        muted = self.palette.muted
        snapshot = self._snapshot
        shown = snapshot.window_seconds if snapshot is not None else self.window_seconds
        summary = Text(
            f"{'latency · req/s' if self.latency else '5xx ratio'} · last {window_label(shown)}", muted
        )
        if shown != self.window_seconds:
            summary.append(f" → {window_label(self.window_seconds)}", muted)
        if self.latency and snapshot is not None and snapshot.latency_error:
            summary.append(" · ", muted)
            summary.append_text(inert(snapshot.latency_error, self.palette.warning, max_length=100))
        self.set_summary(summary)
