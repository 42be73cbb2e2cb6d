"""The Error rate pane: the 5xx ratio against the runbook's P2 (5%) and P1 (10%) lines."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult

from modulo_watch.collectors.models import MetricsSnapshot, Snapshot, SourceName
from modulo_watch.tui.panes.base import SourcePane, expect
from modulo_watch.widgets.rate_graph import RateGraph


class ErrorRatePane(SourcePane):
    SOURCE = SourceName.METRICS
    TITLE = "Error rate"
    can_focus = True

    def compose(self) -> ComposeResult:
        yield RateGraph(id="error-rate-graph")

    def apply(self, snapshot: Snapshot) -> None:
        snapshot = expect(snapshot, MetricsSnapshot)
        self.query_one(RateGraph).apply(snapshot.error_ratio)
        self.set_summary(Text(f"5xx ratio · last {snapshot.window_seconds // 60} min", self.palette.muted))
