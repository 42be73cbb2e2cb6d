"""Evidence builders: what each pane's selection becomes on the incident's timeline (raw, cut to size)."""

from __future__ import annotations

from datetime import timedelta

from modulo_watch.collectors.models import (
    Acknowledgement,
    Alert,
    KubeEvent,
    MetricsSnapshot,
    Node,
    PgBackend,
    Pod,
    Rollout,
    RolloutState,
    Series,
)
from modulo_watch.tui.panes.evidence import (
    MESSAGE_LIMIT,
    NAME_LIMIT,
    QUERY_LIMIT,
    SUMMARY_LIMIT,
    Captured,
    alert_evidence,
    backend_evidence,
    cut,
    error_rate_evidence,
    event_evidence,
    find_capturing_pane,
    node_evidence,
    pod_evidence,
    rollout_evidence,
)
from tests.fakes import EPOCH
from tests.hostile import HOSTILE_STRINGS

NOW = EPOCH
AGO = EPOCH - timedelta(hours=3)


def lines(captured: Captured) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in captured.detail.splitlines() if ": " in line)


def test_cut_keeps_short_values_and_marks_a_cut() -> None:
    assert cut("abc", 3) == "abc"
    assert cut("abcdef", 4) == "abc…"
    assert len(cut("x" * 10_000, 200)) == 200
    assert cut("", 0) == ""


def test_pod_summary_names_it_with_status_and_restarts() -> None:
    pod = Pod(
        "modulo",
        "modulo-api-7d9-abc",
        1,
        2,
        "CrashLoopBackOff",
        14,
        AGO,
        node="ip-10-0-1-23",
        last_restart_at=NOW - timedelta(seconds=40),
        owner="ReplicaSet/modulo-api-7d9",
    )
    captured = pod_evidence(pod, NOW, (250, 300 * 2**20), seen_at=NOW)
    assert captured.source == "pods"
    assert captured.summary == "pod modulo/modulo-api-7d9-abc CrashLoopBackOff, 14 restarts"
    detail = lines(captured)
    assert detail["ready"] == "1/2"
    assert detail["restarts"] == "14 (last 40s ago)"
    assert detail["node"] == "ip-10-0-1-23"
    assert detail["age"] == "3h"
    assert detail["owner"] == "ReplicaSet/modulo-api-7d9"
    assert detail["cpu"] == "250m" and detail["memory"] == "300Mi"
    assert detail["seen at"] == NOW.isoformat(timespec="seconds")


def test_a_pod_with_one_restart_and_no_metrics() -> None:
    captured = pod_evidence(Pod("ns", "p", 1, 1, "Running", 1, AGO), NOW)
    assert captured.summary == "pod ns/p Running, 1 restart"
    assert "cpu" not in lines(captured) and "memory" not in lines(captured), "no metrics, no line"


def test_node_summary_has_status_pressure_and_usage() -> None:
    node = Node("n1", False, AGO, pressures=("MemoryPressure",), cpu_percent=93.4, memory_percent=88.0)
    captured = node_evidence(node, NOW)
    assert captured.summary == "node n1 NotReady, pressure MemoryPressure, cpu 93%, memory 88%"
    assert lines(captured)["pressure"] == "MemoryPressure"
    quiet = node_evidence(Node("n2", True, AGO), NOW)
    assert quiet.summary == "node n2 Ready" and lines(quiet)["pressure"] == "none"


def test_event_summary_has_object_reason_count_and_message() -> None:
    event = KubeEvent(
        "modulo", "e1", "Warning", "BackOff", "Back-off restarting", "Pod", "api-x", 6, AGO, NOW, "kubelet"
    )
    captured = event_evidence(event)
    assert captured.summary == "event Warning BackOff on pod/api-x in modulo, 6 times: Back-off restarting"
    detail = lines(captured)
    assert detail["object"] == "pod/api-x" and detail["count"] == "6" and detail["reported by"] == "kubelet"


def test_a_long_event_message_is_cut_in_both() -> None:
    event = KubeEvent("ns", "e", "Warning", "R", "m" * 50_000, "Pod", "p", 1, None, None)
    captured = event_evidence(event)
    assert len(captured.summary) == SUMMARY_LIMIT and captured.summary.endswith("…")
    assert len(lines(captured)["message"]) == MESSAGE_LIMIT


def test_rollout_names_revision_state_image_change_and_suspicion() -> None:
    rollout = Rollout(
        "modulo",
        "modulo-api",
        "modulo-api-5659",
        7,
        ("reg/modulo-api:v2.14.0",),
        AGO,
        6,
        2,
        RolloutState.PROGRESSING,
        ("reg/modulo-api:v2.13.2",),
    )
    captured = rollout_evidence(rollout, NOW, "modulo-api:v2.13.2 → v2.14.0", suspect=True)
    assert captured.summary.startswith(
        "rollout modulo/modulo-api revision 7 progressing: modulo-api:v2.13.2 → v2.14.0 (suspect"
    )
    detail = lines(captured)
    assert detail["ready"] == "2/6" and detail["images"] == "reg/modulo-api:v2.14.0"
    assert "suspect" not in lines(rollout_evidence(rollout, NOW, "x"))


def test_backend_has_pid_who_state_wait_duration_and_query_on_one_line() -> None:
    backend = PgBackend(
        4242,
        "orders",
        "app",
        "api",
        "10.0.0.1",
        "active",
        "SELECT *\n  FROM orders\n  WHERE id = 1",
        query_start=NOW - timedelta(seconds=12),
        xact_start=NOW - timedelta(seconds=30),
        blocked_by=(17, 18),
    )
    captured = backend_evidence(backend, NOW, blocks=3)
    assert captured.summary == (
        "backend 4242 app@orders active 12s, blocked by 17,18, blocks 3: SELECT * FROM orders WHERE id = 1"
    )
    detail = lines(captured)
    assert detail["wait"] == "blocked by 17,18" and detail["running for"] == "12s"
    assert captured.detail.endswith("query: SELECT *\n  FROM orders\n  WHERE id = 1"), "the query kept whole"


def test_an_idle_transaction_counts_from_its_start_and_names_its_wait_event() -> None:
    backend = PgBackend(
        7,
        "db",
        "u",
        "",
        "",
        "idle in transaction",
        "UPDATE t SET x = 1",
        query_start=NOW - timedelta(seconds=5),
        xact_start=NOW - timedelta(minutes=4),
        wait_event_type="Client",
        wait_event="ClientRead",
    )
    captured = backend_evidence(backend, NOW)
    assert (
        captured.summary == "backend 7 u@db idle in transaction 4m00s, Client:ClientRead: UPDATE t SET x = 1"
    )


def test_a_huge_query_is_cut() -> None:
    backend = PgBackend(1, "db", "u", "", "", "active", "INSERT " + "(1)," * 100_000)
    captured = backend_evidence(backend, NOW)
    assert len(lines(captured)["query"]) == QUERY_LIMIT
    assert len(captured.summary) <= SUMMARY_LIMIT


def alert(name: str, pod: str, acknowledgement: Acknowledgement | None = None) -> Alert:
    labels = (("alertname", name), ("namespace", "modulo"), ("pod", pod), ("severity", "warning"))
    return Alert(
        f"fp-{pod}",
        name,
        "warning",
        "active",
        AGO,
        f"{pod} restarts",
        labels,
        acknowledgement=acknowledgement,
    )


def test_an_alert_has_name_severity_firing_and_labels() -> None:
    captured = alert_evidence((alert("CrashLooping", "api-1"),), "CrashLooping", NOW)
    assert captured.summary == "alert CrashLooping warning firing: api-1 restarts"
    assert lines(captured)["labels"] == "alertname=CrashLooping namespace=modulo pod=api-1 severity=warning"


def test_a_group_has_its_shared_labels_and_each_member_by_what_differs() -> None:
    ack = Acknowledgement("s1", "me", NOW + timedelta(hours=1))
    group = (alert("CrashLooping", "api-1"), alert("CrashLooping", "api-2", acknowledgement=ack))
    captured = alert_evidence(group, "CrashLooping (2 alerts)", NOW)
    assert captured.summary == "alerts CrashLooping (2 alerts) warning firing: api-1 restarts"
    detail = lines(captured)
    assert detail["shared labels"] == "alertname=CrashLooping namespace=modulo severity=warning"
    assert detail["acknowledged"] == "1 of 2"
    assert "members:\n  pod=api-1\n  pod=api-2" in captured.detail


def ratio(*values: float) -> Series:
    return Series(
        "5xx", tuple((NOW - timedelta(minutes=len(values) - i), v) for i, v in enumerate(values)), "ratio"
    )


def test_error_rate_has_the_ratio_now_its_peak_and_the_window() -> None:
    snapshot = MetricsSnapshot(NOW, ratio(0.01, 0.155, 0.145))
    captured = error_rate_evidence(snapshot, "15 min", latency=False)
    assert captured is not None
    assert captured.summary == "5xx ratio 14.5% (peak 15.5% over the last 15 min)"
    assert lines(captured)["view"] == "5xx ratio"


def test_error_rate_in_the_latency_view_adds_p95_p99_and_the_request_rate() -> None:
    snapshot = MetricsSnapshot(
        NOW,
        ratio(0.02),
        3600,
        latency_p95=Series("p95", ((NOW, 1.2),), "seconds"),
        latency_p99=Series("p99", ((NOW, 2.5),), "seconds"),
        request_rate=Series("rate", ((NOW, 244.0),), "req/s"),
    )
    captured = error_rate_evidence(snapshot, "1 h", latency=True)
    assert captured is not None
    assert captured.summary == "5xx ratio 2.0% (peak 2.0% over the last 1 h); p95 1.20s, p99 2.50s, 244 req/s"
    failed = MetricsSnapshot(NOW, ratio(0.02), latency_error="HTTP 400")
    failing = error_rate_evidence(failed, "15 min", latency=True)
    assert failing is not None and failing.summary.endswith("; latency: no data")
    assert lines(failing)["latency error"] == "HTTP 400"


def test_no_error_rate_reading_is_no_evidence() -> None:
    assert error_rate_evidence(MetricsSnapshot(NOW, Series("5xx", ())), "15 min", latency=False) is None


def test_hostile_text_stays_raw_only_cut() -> None:
    """The journal keeps what the source sent: the display layer makes it inert, not the evidence."""
    for text in HOSTILE_STRINGS:
        name = cut(text, NAME_LIMIT)
        pod = pod_evidence(Pod(text, text, 0, 1, "Running", 0, AGO, node=text), NOW)
        assert pod.summary == cut(f"pod {name}/{name} Running, 0 restarts", SUMMARY_LIMIT)
        assert f"pod: {name}/{name}" in pod.detail
        backend = backend_evidence(PgBackend(1, "db", "u", "", "", "active", text), NOW)
        if text.strip():
            assert backend.detail.endswith(f"query: {cut(text, QUERY_LIMIT)}")


class Holder:
    def __init__(self, parent: object = None) -> None:
        self.parent = parent


class Capturing(Holder):
    def captured(self, now: object) -> Captured | None:
        return None


def test_the_capturing_pane_is_the_focused_widget_or_its_nearest_ancestor_that_can() -> None:
    pane = Capturing(Holder())
    table = Holder(Holder(pane))
    assert find_capturing_pane(table) is pane
    assert find_capturing_pane(pane) is pane
    assert find_capturing_pane(Holder(Holder())) is None
    assert find_capturing_pane(None) is None
