"""The Alerts pane: firing alerts, most severe and oldest first."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult

from modulo_watch.collectors.models import Alert, AlertSnapshot, AlertState, Snapshot, SourceName
from modulo_watch.tui.panes.base import SourcePane, expect
from modulo_watch.widgets.badges import Palette, format_age, severity_level, severity_text, since
from modulo_watch.widgets.safe_text import inert
from modulo_watch.widgets.table import VirtualTable
from modulo_watch.widgets.table_layout import Column, Row

COLUMNS = (
    Column("severity", "SEV", 8),
    Column("name", "ALERT", 24),
    Column("age", "AGE", 5, "right"),
    Column("summary", "SUMMARY", min_width=24),
    Column("state", "STATE", 10),
)


def state_cell(alert: Alert, now: datetime, palette: Palette) -> Text:
    """Acknowledged is a state of its own, not just "suppressed": with the time left until it fires again."""
    ack = alert.acknowledgement
    if ack is not None:
        return Text(f"ack {format_age((ack.until - now).total_seconds())}", palette.accent)
    return inert(alert.state, palette.muted if alert.state == AlertState.SUPPRESSED else "", max_length=10)


def alert_row(alert: Alert, now: datetime, palette: Palette) -> Row:
    return Row(
        key=alert.fingerprint,
        cells=(
            severity_text(alert.severity, palette, max_length=8),
            inert(alert.name, "bold", max_length=24),
            since(alert.starts_at, now),
            inert(alert.summary),
            state_cell(alert, now, palette),
        ),
    )


def alert_summary(alerts: tuple[Alert, ...], palette: Palette) -> Text:
    firing = [alert for alert in alerts if alert.state == "active"]
    critical = sum(1 for alert in firing if severity_level(alert.severity) == 1)
    summary = Text(f"{len(firing)} firing", "bold" if firing else palette.muted)
    if critical:
        summary.append(f"  critical {critical}", f"bold {palette.error}")
    return summary


class AlertsPane(SourcePane):
    SOURCE = SourceName.ALERTS
    TITLE = "Alerts"

    def compose(self) -> ComposeResult:
        yield VirtualTable(COLUMNS, empty_message="no alerts firing", id="alerts-table")

    def apply(self, snapshot: Snapshot) -> None:
        snapshot = expect(snapshot, AlertSnapshot)
        alerts = sorted(snapshot.alerts, key=lambda alert: (severity_level(alert.severity), alert.starts_at))
        now = snapshot.collected_at
        self.query_one(VirtualTable).set_rows([alert_row(alert, now, self.palette) for alert in alerts])
        self.set_summary(alert_summary(snapshot.alerts, self.palette))
