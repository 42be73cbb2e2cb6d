"""The user's runbook (the seed) and the shipped Modulo runbook read into the Runbook model."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path

import pytest

from modulo_watch.incident.runbook import (
    SHIPPED_NAME,
    SHIPPED_PACKAGE,
    Runbook,
    load_runbook,
    parse_runbook,
)

REPO = Path(__file__).resolve().parents[2]
# The user's runbook, byte for byte as they gave it (mis-encoded emoji and all): a copy lives with the
# tests, so a checkout without the project's shared files still reads it.
SEED = REPO / "tests" / "data" / "incident-response-runbook.md"
ALERT = "\N{POLICE CARS REVOLVING LIGHT}"  # U+1F6A8, 🚨
RESOLVED = "\N{WHITE HEAVY CHECK MARK}"  # U+2705, ✅


@pytest.fixture(scope="module")
def seed() -> Runbook:
    return load_runbook(SEED)


@pytest.fixture(scope="module")
def shipped() -> Runbook:
    return load_runbook(None)


def test_seed_severity_levels(seed: Runbook) -> None:
    assert [(s.level, s.label) for s in seed.severities] == [
        ("P0", "Critical"),
        ("P1", "High"),
        ("P2", "Medium"),
        ("P3", "Low"),
    ]
    assert [s.response_time for s in seed.severities] == [
        timedelta(minutes=5),
        timedelta(minutes=15),
        timedelta(hours=1),
        timedelta(hours=4),
    ]
    critical = seed.severities[0]
    assert critical.definition == "Complete service outage or data loss"
    assert critical.response_text == "Immediate (< 5 minutes)"
    assert critical.escalation == "Page on-call immediately, notify management"
    assert critical.examples == (
        "API completely down",
        "Data corruption or loss",
        "Security breach",
        "Payment processing failure",
    )
    assert critical.line == 9
    assert seed.severity("P1") is seed.severities[1]
    assert seed.severity("P7") is None


def test_seed_process_steps_and_checklists(seed: Runbook) -> None:
    assert [(step.order, step.title) for step in seed.steps] == [
        (1, "Detection and Acknowledgment"),
        (2, "Initial Response"),
        (3, "Investigation and Diagnosis"),
        (4, "Resolution and Communication"),
        (5, "Post-Incident Activities"),
    ]
    assessment = seed.steps[0].checklists[0]
    assert assessment.title == "Initial Assessment Checklist"
    assert [item.text for item in assessment.items] == [
        "Can users access the main application?",
        "Are critical APIs responding?",
        "Is data being processed correctly?",
        "Are payments working?",
        "How many users are affected?",
    ]
    assert not any(item.checked for item in assessment.items)
    assert assessment.items[0].line == 59
    verification = seed.steps[3].checklists[0]
    assert verification.title == "Resolution Verification Checklist"
    assert len(verification.items) == 5
    assert verification.items[-1].text == "Status page shows all systems operational"


def test_seed_procedures_keep_their_commands(seed: Runbook) -> None:
    alert_fires = seed.steps[0].procedures[0]
    assert alert_fires.title == "When an Alert Fires"
    assert alert_fires.actions[0].text == "Acknowledge the alert in PagerDuty within 5 minutes"
    investigation = seed.steps[2].procedures
    assert investigation[0].actions[2].commands == (
        "kubectl get nodes",
        "kubectl get pods --all-namespaces",
        "kubectl top nodes",
        "kubectl top pods --all-namespaces",
    )
    assert investigation[0].actions[1].details[0] == "Grafana: System metrics, application metrics"
    cases = {p.title: p for p in investigation if p.group == "Common Issues Troubleshooting"}
    assert list(cases) == ["API Service Down", "Database Issues", "High Error Rate", "Performance Issues"]
    assert cases["API Service Down"].actions[0].commands == ("kubectl get pods -l app=modulo-api",)


def test_seed_templates_keep_their_placeholders(seed: Runbook) -> None:
    alert, resolved = seed.templates
    assert (alert.name, alert.heading, alert.step) == ("INCIDENT ALERT", "Communication Template", 2)
    assert alert.text.splitlines()[0] == f"{ALERT} INCIDENT ALERT - P[0/1]"
    assert alert.placeholders == ("0/1", "Brief description", "User/service impact", "If known")
    assert "Updates: Every 15 minutes or when status changes" in alert.text
    assert (resolved.name, resolved.step) == ("INCIDENT RESOLVED", 4)
    assert resolved.text.splitlines()[0] == f"{RESOLVED} INCIDENT RESOLVED - P[0/1]"
    assert resolved.placeholders == (
        "0/1",
        "Brief description",
        "Brief description of fix",
        "Total incident duration",
        "date/time",
    )


def test_seed_mojibake_is_repaired_and_nothing_else_changes(seed: Runbook) -> None:
    texts = "".join(template.text for template in seed.templates)
    assert ALERT in texts and RESOLVED in texts
    for broken in ("\u00f0\u0178\u0161\u00a8", "\u00e2\u0153\u2026", "\u00c3", "\u00e2\u20ac"):
        assert broken not in texts
    raw = SEED.read_text(encoding="utf-8")
    assert "\u00f0\u0178\u0161\u00a8" in raw  # the seed really is mis-encoded: the repair is tested
    alert = seed.templates[0]
    assert alert.text.splitlines()[1:] == raw.splitlines()[alert.line + 1 : alert.line + 7]


def test_seed_post_incident_follow_ups(seed: Runbook) -> None:
    assert [(c.title, c.within) for c in seed.post_incident] == [
        ("Immediate (Within 1 hour)", timedelta(hours=1)),
        ("Within 24 hours", timedelta(hours=24)),
        ("Within 1 week", timedelta(weeks=1)),
    ]
    assert seed.post_incident[2].items[0].text == "Conduct blameless postmortem review"


def test_seed_contacts_and_tools(seed: Runbook) -> None:
    on_call = seed.contacts[0]
    assert on_call.title == "On-Call Escalation"
    assert [(e.name, e.value) for e in on_call.entries][:2] == [
        ("Primary On-Call", "[Check PagerDuty schedule]"),
        ("Secondary On-Call", "[Check PagerDuty schedule]"),
    ]
    assert [group.title for group in seed.contacts] == [
        "On-Call Escalation",
        "Key Personnel",
        "External Vendors",
    ]
    assert [group.title for group in seed.tools] == [
        "Monitoring and Alerting",
        "Infrastructure",
        "Communication",
        "Documentation",
    ]
    grafana = seed.tools[0].entries[0]
    assert (grafana.name, grafana.value, grafana.line) == (
        "Grafana",
        "https://grafana.modulo.example.com",
        205,
    )


def test_seed_escalation(seed: Runbook) -> None:
    rules = seed.escalation.rules
    assert (rules[0].level, rules[0].after) == ("P0", timedelta(minutes=30))
    assert (rules[1].level, rules[1].after) == ("P1", timedelta(hours=1))
    assert rules[2].text == "Incident requires specialized expertise"
    assert (rules[2].level, rules[2].after) == (None, None)
    assert seed.escalate_after("P0") == timedelta(minutes=30)
    assert seed.escalate_after("P3") is None
    assert seed.escalation.steps[0] == "Update PagerDuty with escalation request"
    assert seed.escalation.external[0].entries[-1].name == "Legal/Compliance"


def test_seed_quick_reference_commands(seed: Runbook) -> None:
    assert [section.title for section in seed.commands] == [
        "Kubernetes Debugging",
        "Database Debugging",
        "Log Analysis",
    ]
    kubernetes = seed.commands[0].commands
    assert (kubernetes[0].text, kubernetes[0].comment) == ("kubectl cluster-info", "Check cluster status")
    assert kubernetes[-1].text == "kubectl top pods --all-namespaces"
    assert kubernetes[-1].comment == "Check resource usage"
    assert all(not command.text.startswith("#") for section in seed.commands for command in section.commands)
    assert seed.commands[1].commands[0].text == "kubectl exec -it postgres-0 -- psql -U postgres"


def test_seed_title_and_overview(seed: Runbook) -> None:
    assert seed.title == "Incident Response Runbook"
    assert seed.overview.startswith("This runbook provides step-by-step procedures")
    assert seed.source == str(SEED)


def test_shipped_runbook_is_for_modulo(shipped: Runbook) -> None:
    assert shipped.source == SHIPPED_NAME
    assert [s.level for s in shipped.severities] == ["P0", "P1", "P2", "P3"]
    assert [s.response_time for s in shipped.severities] == [
        timedelta(minutes=5),
        timedelta(minutes=15),
        timedelta(hours=1),
        timedelta(hours=4),
    ]
    assert [t.name for t in shipped.templates] == ["INCIDENT ALERT", "INCIDENT RESOLVED"]
    assert shipped.templates[0].text.startswith(ALERT)
    assert shipped.templates[1].text.startswith(RESOLVED)
    assert len(shipped.post_incident) == 3
    assert shipped.escalate_after("P1") == timedelta(hours=1)
    everything = repr(shipped)
    for service in ("modulo-api", "Login", "Payments", "PostgreSQL", "kubectl -n modulo-data"):
        assert service in everything


def test_shipped_runbook_has_no_mojibake() -> None:
    text = (REPO / "modulo_watch" / "incident" / "runbooks" / SHIPPED_NAME).read_text(encoding="utf-8")
    assert parse_runbook(text, SHIPPED_NAME).templates[0].text == load_runbook(None).templates[0].text
    assert "\u00f0\u0178" not in text and "\u00e2\u0153" not in text


def test_shipped_runbook_is_package_data() -> None:
    """A non-editable install carries the runbook only if the package data rules cover it."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "*.md" in pyproject["tool"]["setuptools"]["package-data"]["*"]
    assert SHIPPED_PACKAGE == "modulo_watch.incident.runbooks"
    assert (REPO / "modulo_watch" / "incident" / "runbooks" / "__init__.py").exists()


def test_a_table_of_severities_reads_like_headings() -> None:
    text = (
        "# Team runbook\n\n## Severity\n\n"
        "| Level | Name | Definition | Response time | Escalation | Examples |\n"
        "|---|---|---|---|---|---|\n"
        "| P0 | Critical | Everything is down | 10 min | Page everyone | API down; data loss |\n"
        "| P1 | High | Login is down | 30m | Page on-call | |\n"
    )
    runbook = parse_runbook(text, "team.md")
    assert [(s.level, s.label, s.response_time) for s in runbook.severities] == [
        ("P0", "Critical", timedelta(minutes=10)),
        ("P1", "High", timedelta(minutes=30)),
    ]
    assert runbook.severities[0].examples == ("API down", "data loss")
    assert runbook.severities[1].line == 8
    assert (runbook.steps, runbook.templates, runbook.contacts, runbook.tools, runbook.commands) == (
        (),
        (),
        (),
        (),
        (),
    )
    assert runbook.escalation.rules == ()


def test_a_team_runbook_may_differ() -> None:
    """Other depths, plain "Key: value" bullets, a ticked checklist item and a template without a headline."""
    text = (
        "## Severities\n"
        "#### P2 - Minor\n"
        "* Definition: One feature broken\n"
        "* Response: within 2 hours\n"
        "## Response process\n"
        "#### Step 1: Triage\n"
        "- [x] Alert acknowledged\n"
        "- [ ] Impact known\n"
        "##### Status template\n"
        "~~~\nTitle: [What broke]\n~~~\n"
    )
    runbook = parse_runbook(text, "team.md")
    minor = runbook.severities[0]
    assert (minor.level, minor.label, minor.definition) == ("P2", "Minor", "One feature broken")
    assert minor.response_time == timedelta(hours=2)
    assert runbook.title == "team.md"
    triage = runbook.steps[0]
    assert (triage.order, triage.title) == (1, "Triage")
    assert [(item.text, item.checked) for item in triage.checklists[0].items] == [
        ("Alert acknowledged", True),
        ("Impact known", False),
    ]
    (template,) = runbook.templates
    assert (template.name, template.placeholders, template.step) == ("Status template", ("What broke",), 1)


def test_the_repair_leaves_correct_text_alone() -> None:
    """Only mojibake is undone: curly quotes, ligatures, full-width letters and emoji stay as written."""
    definition = "\u201cLogin\u201d down \ufb01le \uff21\uff22 caf\u00e9 \N{POLICE CARS REVOLVING LIGHT}"
    text = f"## Severity\n### Critical (P0)\n- **Definition:** {definition}\n- **Response Time:** 5 min\n"
    assert parse_runbook(text, "team.md").severities[0].definition == definition


def test_templates_in_a_section_of_their_own_and_flat_escalation_rules() -> None:
    text = (
        "## Severity\n### Critical (P0)\n- **Definition:** Down\n- **Response Time:** 5 min\n"
        "## Process\n### 1. Triage\n1. Look\n"
        "## Communication Templates\n### First message\n```\nDOWN: [Service]\n```\n"
        "### All clear\n```\n\N{WHITE HEAVY CHECK MARK} ALL CLEAR - [Service]\n```\n"
        "## Escalation\n- Unresolved P0 after 20 minutes\n"
    )
    runbook = parse_runbook(text, "team.md")
    assert [(t.name, t.heading, t.step, t.placeholders) for t in runbook.templates] == [
        ("First message", "First message", None, ("Service",)),
        ("ALL CLEAR", "All clear", None, ("Service",)),
    ]
    assert runbook.escalate_after("P0") == timedelta(minutes=20)
