"""The Alerts pane: alerts in groups, most severe and oldest first, each with where it stands with the
responder (acknowledged, or the runbook's 5 minutes to acknowledge it); new alerts flash."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message

from modulo_watch.collectors.models import Acknowledgement, Alert, AlertSnapshot, Snapshot, SourceName
from modulo_watch.tui.keys import ALERT_KEYS, bindings
from modulo_watch.tui.panes.alert_rows import (
    COLUMNS,
    DEFAULT_GROUP_BY,
    AlertGroup,
    RowContext,
    alert_rows,
    alert_summary,
    group_alerts,
    is_group_key,
)
from modulo_watch.tui.panes.base import FilteredPane, expect
from modulo_watch.tui.panes.evidence import Captured, alert_evidence
from modulo_watch.widgets.filter_bar import FilterBar
from modulo_watch.widgets.table import VirtualTable

FLASH_SECONDS = 10.0  # how long a new alert's row stays highlighted


class AlertChosen(Message):
    """Enter on an alert: the app opens its detail."""

    def __init__(self, alert: Alert) -> None:
        super().__init__()
        self.alert = alert


class AcknowledgeRequested(Message):
    """``a`` on an alert or a group: the app confirms, silences them and records it."""

    def __init__(self, alerts: tuple[Alert, ...], what: str) -> None:
        super().__init__()
        self.alerts = alerts
        self.what = what  # the alert's or the group's name, for the question and the record


class UnacknowledgeRequested(Message):
    """``u`` on an acknowledged alert or group: the app confirms and expires the silences."""

    def __init__(self, acknowledgements: tuple[Acknowledgement, ...], what: str) -> None:
        super().__init__()
        self.acknowledgements = acknowledgements
        self.what = what


class AlertsPane(FilteredPane):
    SOURCE = SourceName.ALERTS
    TITLE = "Alerts"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(ALERT_KEYS))

    def __init__(
        self,
        number: int,
        *,
        group_by: Sequence[str] = DEFAULT_GROUP_BY,
        bell: bool = False,
        id: str | None = None,  # noqa: A002 - Textual's name
    ) -> None:
        super().__init__(number, id=id)
        self._group_by = tuple(group_by)
        self._bell = bell
        self._snapshot: AlertSnapshot | None = None
        self._shown: list[Alert] = []  # the snapshot's alerts that pass the filter
        self._groups: list[AlertGroup] = []
        self._expanded: set[str] = set()
        self._now: datetime | None = None
        self._first_seen: dict[str, float] = {}  # fingerprint -> when this pane first showed it (monotonic)

    def compose(self) -> ComposeResult:
        yield VirtualTable(COLUMNS, empty_message="no alerts firing", id="alerts-table")
        yield FilterBar("filter alerts: name, severity, state, summary or any label")

    def apply(self, snapshot: Snapshot) -> None:
        snapshot = expect(snapshot, AlertSnapshot)
        self._note_new(snapshot.alerts)
        self._snapshot = snapshot
        self.show_rows()

    def tick(self, now: datetime) -> None:
        """Every second: the acknowledgement clocks and the ages move on (the groups stay as they are)."""
        self._now = now
        if self._shown:
            self._paint()

    def show_rows(self) -> None:
        """Filter and group the snapshot's alerts, then paint them."""
        snapshot = self._snapshot
        if snapshot is None:
            return
        self._shown = [alert for alert in snapshot.alerts if _matches(alert, self.needle)]
        self._groups = group_alerts(self._shown, self._group_by)
        self._paint()

    def _paint(self) -> None:
        snapshot = self._snapshot
        if snapshot is None:
            return
        now = self._now or snapshot.collected_at
        context = RowContext(now, self.palette, self._flashing())
        table: VirtualTable[object] = self.query_one(VirtualTable)
        table.empty_message = "no alert matches" if self.needle else "no alerts firing"
        table.set_rows(alert_rows(self._groups, self._expanded, context))
        summary = alert_summary(self._shown, len(self._groups), context)
        if snapshot.origin == "prometheus":
            summary.append("  from Prometheus", self.palette.muted)
        if snapshot.unreadable:
            summary.append(f"  {snapshot.unreadable} unreadable", self.palette.warning)
        self.set_summary(summary + self.filter_note())

    def _note_new(self, alerts: tuple[Alert, ...]) -> None:
        """Alerts not seen before flash (and ring the bell, if asked); the first snapshot's are not new."""
        first = self._snapshot is None
        moment = -math.inf if first else time.monotonic()
        current = {alert.fingerprint for alert in alerts}
        new = current - self._first_seen.keys()
        self._first_seen = {fp: self._first_seen.get(fp, moment) for fp in current}
        if first or not new:
            return
        self.set_timer(FLASH_SECONDS, self._paint)
        if self._bell:
            self.app.bell()

    def _flashing(self) -> frozenset[str]:
        if self._snapshot is None:
            return frozenset()
        since = time.monotonic() - FLASH_SECONDS
        return frozenset(fp for fp, seen in self._first_seen.items() if seen > since)

    # --- the cursor's alert or group ------------------------------------------------------------------------

    def _selection(self) -> tuple[tuple[Alert, ...], str] | None:
        """The alerts under the cursor (a group's, or one) and what to call them."""
        key = self.query_one(VirtualTable).cursor_key
        if key is None:
            return None
        for group in self._groups:
            if key == group.row_key:
                return group.alerts, f"{group.name} ({len(group.alerts)} alerts)"
            for alert in group.alerts:
                if alert.fingerprint == key:
                    return (alert,), alert.name
        return None

    def captured(self, now: datetime) -> Captured | None:
        """The alert or group under the cursor, as evidence; None when no alert is listed."""
        selection = self._selection()
        return alert_evidence(*selection, now) if selection is not None else None

    def action_acknowledge(self) -> None:
        selection = self._selection()
        if selection is not None:
            self.post_message(AcknowledgeRequested(*selection))

    def action_unacknowledge(self) -> None:
        selection = self._selection()
        if selection is None:
            return
        alerts, what = selection
        acks = {
            alert.acknowledgement.silence_id: alert.acknowledgement
            for alert in alerts
            if alert.acknowledgement
        }
        if not acks:
            self.notify(f"{what}: not acknowledged", markup=False)
            return
        self.post_message(UnacknowledgeRequested(tuple(acks.values()), what))

    @on(VirtualTable.RowSelected)
    def _row_selected(self, event: VirtualTable.RowSelected) -> None:
        """Enter on a group opens or closes it; on an alert, shows its detail."""
        event.stop()
        if is_group_key(event.key):
            self._expanded ^= {event.key}
            self._paint()
            return
        selection = self._selection()
        if selection is not None:
            self.post_message(AlertChosen(selection[0][0]))


def _matches(alert: Alert, needle: str) -> bool:
    if not needle:
        return True
    fields = (alert.name, alert.severity, alert.state, alert.summary, *(f"{k}={v}" for k, v in alert.labels))
    return any(needle in text.lower() for text in fields)
