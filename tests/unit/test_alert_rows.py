"""The alerts pane's grouping, its rows, and where each alert stands with the responder."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from modulo_watch.collectors.models import Acknowledgement, Alert, AlertState
from modulo_watch.incident.alert_clock import AckState, ack_standing, most_urgent
from modulo_watch.tui.panes.alert_rows import (
    RowContext,
    alert_rows,
    alert_summary,
    column,
    group_alerts,
    is_group_key,
)
from modulo_watch.widgets.badges import Palette
from tests.fakes import EPOCH

STATE, NAME = column("state"), column("name")

NOW = EPOCH + timedelta(hours=1)


def make_alert(name: str, severity: str, minutes_ago: float, **labels: str) -> Alert:
    every = {"alertname": name, "severity": severity, **labels}
    return Alert(
        fingerprint=f"{name}-{'-'.join(sorted(labels.values()))}",
        name=name,
        severity=severity,
        state=AlertState.ACTIVE,
        starts_at=NOW - timedelta(minutes=minutes_ago),
        summary=f"{name} summary",
        labels=tuple(sorted(every.items())),
    )


def acknowledged(alert: Alert, minutes_left: float) -> Alert:
    ack = Acknowledgement("s1", "alice", NOW + timedelta(minutes=minutes_left))
    return replace(alert, state=AlertState.SUPPRESSED, silenced_by=("s1",), acknowledgement=ack)


def context(*flashing: str) -> RowContext:
    return RowContext(NOW, Palette(), frozenset(flashing))


def texts(row_cells: tuple[object, ...]) -> list[str]:
    return [str(cell) for cell in row_cells]


CRASH = [make_alert("KubePodCrashLooping", "warning", m, pod=f"api-{m}") for m in (3, 9, 6)]
HIGH = make_alert("HighErrorRate", "critical", 2, service="api")
DISK = make_alert("DiskFilling", "warning", 30, node="n1")


def test_alerts_group_by_name_and_severity_most_severe_then_oldest_first() -> None:
    groups = group_alerts([*CRASH, HIGH, DISK])
    assert [group.name for group in groups] == ["HighErrorRate", "DiskFilling", "KubePodCrashLooping"]
    crash = groups[2]
    assert [alert.labels for alert in crash.alerts] == [CRASH[1].labels, CRASH[2].labels, CRASH[0].labels]
    assert crash.distinct_labels == ("pod",)
    assert crash.starts_at == CRASH[1].starts_at


def test_the_grouping_labels_are_configurable() -> None:
    groups = group_alerts([*CRASH, HIGH, DISK], group_by=("severity",))
    assert [(group.severity, len(group.alerts)) for group in groups] == [("critical", 1), ("warning", 4)]


def test_a_group_is_one_row_that_opens_onto_its_alerts_labelled_by_what_tells_them_apart() -> None:
    groups = group_alerts([*CRASH, HIGH])
    closed = alert_rows(groups, expanded=(), context=context())
    assert len(closed) == 2
    group_row = closed[1]
    assert is_group_key(group_row.key) and not is_group_key(closed[0].key)
    assert "▸ 3 KubePodCrashLooping" in texts(group_row.cells)[NAME]

    opened = alert_rows(groups, expanded={group_row.key}, context=context())
    assert len(opened) == 5
    assert "▾ 3 KubePodCrashLooping" in texts(opened[1].cells)[NAME]
    assert texts(opened[2].cells)[NAME].strip() == "pod=api-9"


def test_a_critical_alert_counts_down_the_runbooks_5_minutes_then_shows_how_long_it_is_overdue() -> None:
    due = ack_standing(HIGH, NOW)  # firing for 2 minutes
    assert due.state is AckState.DUE and due.left == timedelta(minutes=3)
    row = alert_rows(group_alerts([HIGH]), (), context())[0]
    assert texts(row.cells)[STATE] == "ack in 3:00"

    late = replace(HIGH, starts_at=NOW - timedelta(minutes=12))
    assert ack_standing(late, NOW).state is AckState.OVERDUE
    assert texts(alert_rows(group_alerts([late]), (), context())[0].cells)[STATE] == "unacked 7m"


def test_warnings_pending_and_others_silences_ask_nothing_of_the_responder() -> None:
    assert ack_standing(DISK, NOW).state is AckState.NONE
    assert ack_standing(replace(HIGH, state=AlertState.PENDING), NOW).state is AckState.NONE
    silenced = replace(HIGH, state=AlertState.SUPPRESSED, silenced_by=("someone-elses",))
    assert ack_standing(silenced, NOW).state is AckState.NONE
    assert texts(alert_rows(group_alerts([silenced]), (), context())[0].cells)[STATE] == "suppressed"
    assert texts(alert_rows(group_alerts([DISK]), (), context())[0].cells)[STATE] == "firing"


def test_an_acknowledgement_shows_its_time_left_and_is_flagged_when_about_to_end() -> None:
    fresh = acknowledged(HIGH, 14.5)
    assert ack_standing(fresh, NOW).state is AckState.ACKNOWLEDGED
    assert texts(alert_rows(group_alerts([fresh]), (), context())[0].cells)[STATE] == "ack 14m"

    ending = acknowledged(HIGH, 1.5)
    assert ack_standing(ending, NOW).state is AckState.EXPIRING
    assert texts(alert_rows(group_alerts([ending]), (), context())[0].cells)[STATE] == "ack! 1:30"


def test_a_group_shows_its_most_urgent_alert() -> None:
    standings = [ack_standing(acknowledged(HIGH, 10), NOW), ack_standing(HIGH, NOW)]
    assert most_urgent(standings).state is AckState.DUE
    both = [replace(HIGH, fingerprint="a"), replace(acknowledged(HIGH, 10), fingerprint="b")]
    group_row = alert_rows(group_alerts(both), (), context())[0]
    assert texts(group_row.cells)[STATE] == "ack in 3:00"


def test_new_alerts_flash_and_so_does_their_closed_group() -> None:
    rows = alert_rows(group_alerts([*CRASH, HIGH]), (), context(CRASH[0].fingerprint))
    assert [row.style for row in rows] == ["", "reverse"]


def test_the_title_counts_firing_critical_unacked_and_acked() -> None:
    alerts = [*CRASH, HIGH, acknowledged(replace(HIGH, fingerprint="x"), 10)]
    summary = str(alert_summary(alerts, 3, context()))
    assert summary == "5 firing  critical 2  unacked 1  acked 1  3 groups"


def test_hostile_labels_and_names_are_inert_in_the_rows() -> None:
    evil = make_alert("Evil\x1b[2J\x07", "critical", 1, pod="\x1b]52;c;cHduZWQ=\x07")
    twin = replace(make_alert("Evil\x1b[2J\x07", "critical", 1, pod="other"), fingerprint="twin")
    groups = group_alerts([evil, twin])
    rows = alert_rows(groups, {groups[0].row_key}, context())
    for row in rows:
        for cell in texts(row.cells):
            assert "\x1b" not in cell and "\x07" not in cell
