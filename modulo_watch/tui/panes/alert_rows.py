"""The alerts pane's rows: alerts grouped (by alertname and severity by default), a group a row of its own
that opens to show its alerts, each with where it stands with the responder.

Free of widgets, so the grouping and the rows can be tested and measured without an app.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from rich.text import Text

from modulo_watch.collectors.models import Alert, AlertState, severity_level
from modulo_watch.incident.alert_clock import AckStanding, AckState, ack_standing, most_urgent
from modulo_watch.widgets.badges import Palette, format_age, format_duration, severity_style, since
from modulo_watch.widgets.safe_text import clean, inert
from modulo_watch.widgets.table_layout import Column, Row

DEFAULT_GROUP_BY = ("alertname", "severity")

# What to do about it (the state, with the acknowledgement clock) before the name: a narrow pane cuts
# from the right.
COLUMNS = (
    Column("severity", "SEV", 4),
    Column("state", "STATE", 11),
    Column("name", "ALERT", min_width=16),
    Column("age", "AGE", 5, "right"),
    Column("summary", "SUMMARY", min_width=7),
)


def column(key: str) -> int:
    """The position of the column ``key`` in a row's cells."""
    return next(index for index, column in enumerate(COLUMNS) if column.key == key)


_GROUP_KEY_PREFIX = "group\x00"
_OPEN, _CLOSED = "▾", "▸"
_LABELS_SHOWN = 3  # of an alert in a group: the labels that tell it from the others


@dataclass(frozen=True, slots=True)
class AlertGroup:
    """Alerts that share the values of the grouping labels; most severe, then oldest, first."""

    key: tuple[tuple[str, str], ...]
    alerts: tuple[Alert, ...]
    # Labels on which its alerts differ: what tells one from another inside the group.
    distinct_labels: tuple[str, ...] = field(default=())

    @property
    def row_key(self) -> str:
        return _GROUP_KEY_PREFIX + "\x00".join(f"{name}={value}" for name, value in self.key)

    @property
    def name(self) -> str:
        return dict(self.key).get("alertname") or self.alerts[0].name

    @property
    def severity(self) -> str:
        return self.alerts[0].severity

    @property
    def starts_at(self) -> datetime:
        return min(alert.starts_at for alert in self.alerts)


def is_group_key(row_key: str) -> bool:
    return row_key.startswith(_GROUP_KEY_PREFIX)


def _label_value(alert: Alert, name: str) -> str:
    for label, value in alert.labels:
        if label == name:
            return value
    # Alerts always carry these two, but a source may send them only as fields.
    return {"alertname": alert.name, "severity": alert.severity}.get(name, "")


def alert_order(alert: Alert) -> tuple[int, datetime, str]:
    return severity_level(alert.severity), alert.starts_at, alert.fingerprint


def group_alerts(alerts: Iterable[Alert], group_by: Sequence[str] = DEFAULT_GROUP_BY) -> list[AlertGroup]:
    """The alerts grouped by the values of ``group_by``; most severe, then longest firing, groups first."""
    buckets: dict[tuple[tuple[str, str], ...], list[Alert]] = {}
    for alert in alerts:
        key = tuple((name, _label_value(alert, name)) for name in group_by)
        buckets.setdefault(key, []).append(alert)
    groups = [
        AlertGroup(key, tuple(sorted(members, key=alert_order)), _distinct_labels(members, group_by))
        for key, members in buckets.items()
    ]
    groups.sort(key=lambda group: (alert_order(group.alerts[0])[0], group.starts_at, group.name))
    return groups


def _distinct_labels(alerts: list[Alert], group_by: Sequence[str]) -> tuple[str, ...]:
    if len(alerts) == 1:
        return ()
    common = set(alerts[0].labels).intersection(*(alert.labels for alert in alerts[1:]))
    differing = {name for alert in alerts for name, value in alert.labels if (name, value) not in common}
    return tuple(sorted(differing - set(group_by)))


@dataclass(frozen=True, slots=True)
class RowContext:
    now: datetime
    palette: Palette
    flashing: Collection[str] = ()  # fingerprints of alerts new enough to be flashed
    _standings: dict[str, AckStanding] = field(default_factory=dict)  # by fingerprint, worked out once

    def standing(self, alert: Alert) -> AckStanding:
        found = self._standings.get(alert.fingerprint)
        if found is None:
            found = self._standings[alert.fingerprint] = ack_standing(alert, self.now)
        return found


def alert_rows(groups: Sequence[AlertGroup], expanded: Collection[str], context: RowContext) -> list[Row]:
    """A group of one is a row of its own; a bigger group a row that opens (``expanded``) onto its alerts."""
    rows: list[Row] = []
    for group in groups:
        if len(group.alerts) == 1:
            rows.append(_alert_row(group.alerts[0], group.name, context))
            continue
        is_open = group.row_key in expanded
        rows.append(_group_row(group, is_open, context))
        if is_open:
            rows.extend(_alert_row(alert, _labels_cell(alert, group), context) for alert in group.alerts)
    return rows


def _alert_row(alert: Alert, name: str | Text, context: RowContext) -> Row:
    return Row(
        key=alert.fingerprint,
        cells=(
            _severity_cell(alert.severity, context.palette),
            state_cell(alert.state, context.standing(alert), context.palette),
            inert(name, "bold", max_length=80) if isinstance(name, str) else name,
            since(alert.starts_at, context.now),
            inert(alert.summary),
        ),
        style="reverse" if alert.fingerprint in context.flashing else "",
    )


def _group_row(group: AlertGroup, is_open: bool, context: RowContext) -> Row:
    # The count first: a narrow column cuts the name's end, never how many alerts the group holds.
    name = Text(f"{_OPEN if is_open else _CLOSED} ", context.palette.muted)
    name.append(f"{len(group.alerts)} ", f"bold {context.palette.accent}")
    name.append_text(inert(group.name, "bold", max_length=60))
    standing = most_urgent([context.standing(alert) for alert in group.alerts])
    states = {alert.state for alert in group.alerts}
    state = states.pop() if len(states) == 1 else AlertState.ACTIVE
    flashing = any(alert.fingerprint in context.flashing for alert in group.alerts)
    return Row(
        key=group.row_key,
        cells=(
            _severity_cell(group.severity, context.palette),
            state_cell(state, standing, context.palette),
            name,
            since(group.starts_at, context.now),
            inert(_shared_summary(group.alerts)),
        ),
        style="reverse" if flashing else "",
    )


def _severity_cell(severity: str, palette: Palette) -> Text:
    """Four letters ("crit", "warn", "info") in the severity's colour: the full word is in the detail."""
    return inert(severity.strip()[:4], severity_style(severity, palette))


def _shared_summary(alerts: Sequence[Alert]) -> str:
    summaries = {alert.summary for alert in alerts if alert.summary}
    if len(summaries) <= 1:
        return next(iter(summaries), "")
    return f"{alerts[0].summary} (+{len(summaries) - 1} more)"


def _labels_cell(alert: Alert, group: AlertGroup) -> Text:
    """An alert inside its group: the labels it differs on (``pod=api-7c9``), else its fingerprint."""
    labels = dict(alert.labels)
    shown = [f"{name}={labels[name]}" for name in group.distinct_labels if name in labels][:_LABELS_SHOWN]
    return Text("  ").append(clean(" ".join(shown) or alert.fingerprint, max_length=120))


def state_cell(state: str, standing: AckStanding, palette: Palette) -> Text:
    """Where the alert stands: acknowledged with the time left, or the runbook's 5 minutes to acknowledge
    a critical alert, or else the state Alertmanager reports."""
    left = standing.left.total_seconds()
    if standing.state is AckState.ACKNOWLEDGED:
        return Text(f"ack {format_age(left)}", palette.accent)
    if standing.state is AckState.EXPIRING:
        return Text(f"ack! {_clock(left)}", f"bold {palette.warning}")
    if standing.state is AckState.DUE:
        return Text(f"ack in {_clock(left)}", f"bold {palette.warning}")
    if standing.state is AckState.OVERDUE:
        return Text(f"unacked {format_age(-left)}", f"bold {palette.error}")
    if state == AlertState.ACTIVE:
        return Text("firing", palette.error)
    return inert(state, palette.muted, max_length=11)


def _clock(seconds: float) -> str:
    """A countdown a responder reads at a glance: "4:05", then "0:09"."""
    if seconds >= 3600:
        return format_duration(seconds)
    whole = max(0, int(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def alert_summary(alerts: Sequence[Alert], groups: int, context: RowContext) -> Text:
    """The pane's title counts: firing, critical, how many wait for an acknowledgement, acknowledged."""
    palette = context.palette
    firing = [alert for alert in alerts if alert.state != AlertState.PENDING]
    summary = Text(f"{len(firing)} firing", "bold" if firing else palette.muted)
    critical = sum(1 for alert in firing if severity_level(alert.severity) == 1)
    if critical:
        summary.append(f"  critical {critical}", f"bold {palette.error}")
    standings = [context.standing(alert).state for alert in alerts]
    waiting = sum(1 for state in standings if state in (AckState.DUE, AckState.OVERDUE))
    if waiting:
        summary.append(f"  unacked {waiting}", f"bold {palette.warning}")
    acked = sum(1 for state in standings if state in (AckState.ACKNOWLEDGED, AckState.EXPIRING))
    if acked:
        summary.append(f"  acked {acked}", palette.accent)
    if groups != len(alerts):  # last: the border cuts what does not fit
        summary.append(f"  {groups} groups", palette.muted)
    return summary
