"""Guided steps: every investigation step and playbook action linked to the pane that answers it, and the
playbook that fits the evidence offered first, on the user's runbook and on the shipped one."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from modulo_watch.incident.assess import Evidence, Verdict
from modulo_watch.incident.guide import FIT_RULES, LINK_RULES, GuideStep, Target, guide, link
from modulo_watch.incident.runbook import Runbook, load_runbook, parse_runbook
from modulo_watch.tui.keys import PANE_ORDER

SEED = Path(__file__).parent.parent / "data" / "incident-response-runbook.md"

# (procedure, title) -> the pane that answers it, for every investigation step and playbook action.
SEED_TARGETS: dict[tuple[str, str], Target | None] = {
    ("Investigation Steps", "Check recent deployments"): Target.ROLLOUTS,
    ("Investigation Steps", "Review monitoring dashboards"): Target.ERROR_RATE,
    ("Investigation Steps", "Check infrastructure status"): Target.NODES,
    ("Investigation Steps", "Review database health"): Target.POSTGRES,
    ("API Service Down", "Check pod status"): Target.PODS,
    ("API Service Down", "Check logs"): Target.POD_LOGS,
    ("API Service Down", "Check resource usage"): Target.NODES,
    ("API Service Down", "Check service/ingress"): None,
    ("Database Issues", "Check PostgreSQL logs"): Target.POSTGRES,
    ("Database Issues", "Check connections"): Target.POSTGRES,
    ("Database Issues", "Check disk space"): Target.POSTGRES,
    ("High Error Rate", "Check application logs for error patterns"): Target.POD_LOGS,
    ("High Error Rate", "Review recent deployments for correlation"): Target.ROLLOUTS,
    ("High Error Rate", "Check external service dependencies"): None,
    ("High Error Rate", "Monitor error rate trend in Grafana"): Target.ERROR_RATE,
    ("Performance Issues", "Check CPU/memory usage across nodes and pods"): Target.NODES,
    ("Performance Issues", "Review database query performance"): Target.POSTGRES,
    ("Performance Issues", "Check network latency and throughput"): Target.LATENCY,
    ("Performance Issues", "Review recent configuration changes"): None,
}

SHIPPED_TARGETS: dict[tuple[str, str], Target | None] = {
    ("Investigation Steps", "Check recent deployments"): Target.ROLLOUTS,
    ("Investigation Steps", "Review monitoring dashboards"): Target.ERROR_RATE,
    ("Investigation Steps", "Check infrastructure status"): Target.NODES,
    ("Investigation Steps", "Review database health"): Target.POSTGRES,
    ("modulo-api Down", "Check pod status"): Target.PODS,
    ("modulo-api Down", "Check logs"): Target.POD_LOGS,
    ("modulo-api Down", "Check why a pod restarts"): Target.PODS,
    ("modulo-api Down", "Check service and ingress"): None,
    ("modulo-api Down", "Roll back a bad release"): Target.ROLLOUTS,
    ("Login or Payments Failing", "Check the modulo-api logs for the failing route"): Target.POD_LOGS,
    ("Login or Payments Failing", "Check the payment processor's status page"): None,
    ("Login or Payments Failing", "Check recent configuration changes to secrets and feature flags"): None,
    ("PostgreSQL Issues", "Check PostgreSQL logs"): Target.POSTGRES,
    ("PostgreSQL Issues", "Check connections"): Target.POSTGRES,
    ("PostgreSQL Issues", "Check blocking locks in the modulo-watch PostgreSQL pane"): Target.POSTGRES_LOCKS,
    ("PostgreSQL Issues", "Check disk space"): Target.POSTGRES,
    ("High Error Rate", "Check modulo-api logs for error patterns"): Target.POD_LOGS,
    ("High Error Rate", "Review recent deployments for correlation"): Target.ROLLOUTS,
    ("High Error Rate", "Check external service dependencies (payment processor, email)"): None,
    ("High Error Rate", "Watch the error-rate trend in the modulo-watch graph"): Target.ERROR_RATE,
    ("Kubernetes Node Problems", "Check node conditions"): Target.NODES,
    ("Kubernetes Node Problems", "Check pods that cannot be scheduled"): Target.PODS,
    ("Kubernetes Node Problems", "Cordon a failing node"): Target.NODES,
}

RUNBOOKS = {"seed": (SEED, SEED_TARGETS), "shipped": (None, SHIPPED_TARGETS)}


def runbook(name: str) -> Runbook:
    return load_runbook(RUNBOOKS[name][0])


def evidence(**verdicts: str) -> tuple[Evidence, ...]:
    """Every reading, ok unless named: ``evidence(database="bad")``."""
    readings = {
        "error_rate": ("Error rate", "13.6% rising"),
        "apis": ("Critical APIs", "login 503 for 3m"),
        "pods": ("Pods ready", "3/5"),
        "database": ("Database connections", "12/100, 4 waiting on locks"),
        "alerts": ("Alerts firing", "2 (1 critical)"),
        "latency": ("Response time (p95)", "1.80 s"),
    }
    return tuple(
        Evidence(key, label, reading, Verdict(verdicts.get(key, "ok")))
        for key, (label, reading) in readings.items()
    )


def procedures(steps: tuple[GuideStep, ...]) -> list[str]:
    """The procedures in the order the guide offers them, each once."""
    return list(dict.fromkeys(step.procedure for step in steps))


# --- links ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", RUNBOOKS)
def test_every_investigation_step_and_playbook_action_links_to_the_pane_that_answers_it(name: str) -> None:
    steps = guide(runbook(name), evidence())

    assert {(step.procedure, step.title): step.target for step in steps} == RUNBOOKS[name][1]
    assert len(steps) == len(RUNBOOKS[name][1]), "each step once"


def test_a_step_keeps_what_the_runbook_says_with_its_commands_and_line() -> None:
    steps = {(step.procedure, step.title): step for step in guide(runbook("seed"), evidence())}

    logs = steps["API Service Down", "Check logs"]
    assert logs.action_text == "Check logs: kubectl logs -l app=modulo-api --tail=100"
    assert logs.commands == ("kubectl logs -l app=modulo-api --tail=100",)
    assert logs.line == 116 and logs.reason == "" and not logs.offered
    dashboards = steps["Investigation Steps", "Review monitoring dashboards"]
    assert dashboards.details[0] == "Grafana: System metrics, application metrics"
    assert dashboards.commands == ()


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("Check deployment history", Target.ROLLOUTS),
        ("Roll back the release", Target.ROLLOUTS),
        ("Look at recent cluster events", Target.EVENTS),
        ("Tail the logs", Target.POD_LOGS),
        ("See why the pod restarts", Target.PODS),
        ("Find CrashLoopBackOff containers", Target.PODS),
        ("Check memory pressure", Target.NODES),
        ("Look for deadlocks and blocking sessions", Target.POSTGRES_LOCKS),
        ("Check slow queries", Target.POSTGRES),  # a query is the database's before it is slow
        ("Check the 5xx ratio", Target.ERROR_RATE),
        ("Measure response times", Target.LATENCY),
        ("Look at what Prometheus fires", Target.ALERTS),
        ("Check the clock skew", None),  # "clock" is not a lock
        ("Call the vendor", None),
    ],
)
def test_the_rules_link_words_to_panes(text: str, target: Target | None) -> None:
    assert link(text) == target


def test_the_text_wins_over_the_bullets_and_the_commands() -> None:
    assert link("Check infra", commands=("kubectl get nodes",)) is Target.NODES
    assert (
        link("Check infra", details=("Grafana: latency",), commands=("kubectl get nodes",))
        is Target.ERROR_RATE
    )
    assert link("Check recent deployments", commands=("kubectl get events",)) is Target.ROLLOUTS


def test_the_rules_are_data_and_every_target_names_a_pane_of_the_war_room() -> None:
    assert {target for _, target in LINK_RULES} == set(Target)
    assert {key for key, _ in FIT_RULES} == {"apis", "pods", "database", "error_rate", "latency"}
    for target in Target:
        assert target.pane in PANE_ORDER
    assert (Target.POD_LOGS.pane, Target.POD_LOGS.view, Target.POD_LOGS.label) == ("pods", "logs", "pod logs")
    assert (Target.POSTGRES_LOCKS.pane, Target.POSTGRES_LOCKS.view) == ("postgres", "locks")
    assert (Target.LATENCY.pane, Target.LATENCY.view, Target.LATENCY.label) == (
        "error-rate",
        "latency",
        "latency",
    )
    assert (Target.ROLLOUTS.pane, Target.ROLLOUTS.view, Target.ROLLOUTS.label) == (
        "rollouts",
        None,
        "rollouts",
    )


# --- what is offered first ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "playbook"), [("seed", "Database Issues"), ("shipped", "PostgreSQL Issues")]
)
def test_a_bad_database_offers_the_database_playbook_first_with_its_reason(name: str, playbook: str) -> None:
    steps = guide(runbook(name), evidence(database="bad", alerts="bad"))

    assert procedures(steps)[0] == playbook
    first = [step for step in steps if step.procedure == playbook]
    assert steps[: len(first)] == tuple(first)
    assert all(step.reason == "Database connections: 12/100, 4 waiting on locks" for step in first)
    assert not any(step.offered for step in steps[len(first) :])
    unchanged = [step.procedure for step in guide(runbook(name), evidence())]
    assert procedures(steps)[1:] == [p for p in dict.fromkeys(unchanged) if p != playbook], (
        "the rest in order"
    )


@pytest.mark.parametrize("name", RUNBOOKS)
def test_nothing_bad_keeps_the_runbook_order(name: str) -> None:
    book = runbook(name)
    for readings in (evidence(), evidence(alerts="bad"), evidence(apis="unknown", database="unknown")):
        steps = guide(book, readings)
        assert [step.line for step in steps] == sorted(step.line for step in steps)
        assert not any(step.offered for step in steps)
    assert procedures(guide(book, ()))[0] == "Investigation Steps"


def test_failing_apis_offer_the_api_playbooks_before_the_database() -> None:
    seed = guide(runbook("seed"), evidence(apis="bad", database="bad", error_rate="bad", latency="bad"))
    assert procedures(seed)[:5] == [
        "API Service Down",
        "Database Issues",
        "High Error Rate",
        "Performance Issues",
        "Investigation Steps",
    ]
    assert seed[0].reason == "Critical APIs: login 503 for 3m"

    shipped = guide(runbook("shipped"), evidence(apis="bad", pods="bad"))
    assert procedures(shipped)[:3] == [
        "modulo-api Down",
        "Login or Payments Failing",
        "Kubernetes Node Problems",
    ]
    assert shipped[0].reason == "Critical APIs: login 503 for 3m · Pods ready: 3/5"
    nodes = next(step for step in shipped if step.procedure == "Kubernetes Node Problems")
    assert nodes.reason == "Pods ready: 3/5"


@pytest.mark.parametrize(
    ("bad", "playbook", "reason"),
    [
        ("pods", "API Service Down", "Pods ready: 3/5"),
        ("error_rate", "High Error Rate", "Error rate: 13.6% rising"),
        ("latency", "Performance Issues", "Response time (p95): 1.80 s"),
    ],
)
def test_each_bad_reading_offers_its_playbook(bad: str, playbook: str, reason: str) -> None:
    steps = guide(runbook("seed"), evidence(**{bad: "bad"}))

    assert (steps[0].procedure, steps[0].reason) == (playbook, reason)


def test_slow_responses_offer_nothing_when_the_runbook_has_no_performance_playbook() -> None:
    steps = guide(runbook("shipped"), evidence(latency="bad"))

    assert not any(step.offered for step in steps)
    assert procedures(steps)[0] == "Investigation Steps"


# --- other runbooks -------------------------------------------------------------------------------------


def without_troubleshooting() -> str:
    """The user's runbook with its "Common Issues Troubleshooting" section cut out."""
    text = SEED.read_bytes().decode("utf-8", errors="replace")
    start = text.index("#### Common Issues Troubleshooting")
    return text[:start] + text[text.index("### 4. Resolution", start) :]


def test_a_runbook_without_a_troubleshooting_section_guides_through_its_investigation() -> None:
    book = parse_runbook(without_troubleshooting(), "short.md")
    steps = guide(book, evidence(apis="bad", database="bad", error_rate="bad"))

    assert [(step.procedure, step.title, step.target) for step in steps] == [
        ("Investigation Steps", "Check recent deployments", Target.ROLLOUTS),
        ("Investigation Steps", "Review monitoring dashboards", Target.ERROR_RATE),
        ("Investigation Steps", "Check infrastructure status", Target.NODES),
        ("Investigation Steps", "Review database health", Target.POSTGRES),
    ]
    assert not any(step.offered for step in steps), "no playbook to offer"


def test_a_runbook_without_investigation_has_no_steps() -> None:
    book = runbook("seed")
    book = replace(book, steps=tuple(step for step in book.steps if "Investigation" not in step.title))
    assert guide(book, evidence(apis="bad")) == ()


def test_the_guide_loads_without_textual_or_rich() -> None:
    probe = "import sys, modulo_watch.incident.guide; print('\\n'.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(result.stdout.split())
    assert not {"textual", "rich"} & loaded
    assert not any(name.startswith(("modulo_watch.tui", "modulo_watch.widgets")) for name in loaded)
