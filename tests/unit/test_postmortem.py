"""The postmortem draft from a real journal and the runbook; `incidents export ID --format postmortem`."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from modulo_watch.cli import main
from modulo_watch.incident.incident import Incident
from modulo_watch.incident.journal import IncidentJournal, default_directory, load
from modulo_watch.incident.postmortem import (
    postmortem_markdown,
    postmortem_path,
    redact_secrets,
    write_postmortem,
)
from modulo_watch.incident.runbook import Runbook, load_runbook, parse_runbook
from modulo_watch.widgets.safe_text import clean
from tests.fakes import EPOCH

ALERT = (
    "\N{POLICE CARS REVOLVING LIGHT} INCIDENT ALERT - P1\nTitle: Checkout failing\nStatus: Investigating\n"
    "Impact: {impact}\nETA: [If known]\n"
)
HOSTILE_TITLE = (
    "# Owned\n## Injected [click](http://evil.example/) <img src=x> \x1b]0;pwned\x07 *bold* | cell"
)
TEAM_RUNBOOK = """\
# Team runbook
## Severity
### Critical (P0)
- **Definition:** Down
- **Response Time:** 5 min
## Incident Response Process
### 1. Afterwards
#### Within 2 hours:
- [ ] Tell the [customers](http://x)
"""


def at(minutes: float) -> datetime:
    return EPOCH + timedelta(minutes=minutes)


@pytest.fixture(scope="module")
def runbook() -> Runbook:
    return load_runbook(None)


def worked_incident(directory: Path) -> Incident:
    """Declared, acknowledged, raised to P0, worked on and resolved against the evidence."""
    journal = IncidentJournal(directory)
    incident = journal.declare("Checkout failing", "P1", EPOCH, "Customers cannot pay")
    incident = journal.acknowledge(incident, at(2))
    incident = journal.tick_checklist(
        incident, at(3), "Are payments going through?", checklist="Initial Assessment Checklist"
    )
    incident = journal.record_update(
        incident, at(4), "#incidents", ALERT.format(impact="10% of checkouts fail"), template="INCIDENT ALERT"
    )
    incident = journal.change_severity(incident, at(6), "P0", reason="all regions")
    journal.capture_evidence(incident, at(7), "postgres", "pgbouncer pool exhausted", "120/120 clients")
    journal.record_action(incident, at(8), "cancel backend", "pid 4242", "cancelled")
    incident = journal.record_update(
        incident, at(9), "#incidents", ALERT.format(impact="every checkout fails"), template="INCIDENT ALERT"
    )
    incident = journal.record_update(incident, at(10), "status page", "Impact: nothing to see", template="")
    incident = journal.escalate(incident, at(20), "team lead", "P0 over 15 minutes")
    for minute, done in ((30, True), (31, False)):  # ticked, then unticked by hand: the last state counts
        incident = journal.tick_checklist(
            incident,
            at(minute),
            "Latency within the usual range",
            done,
            checklist="Resolution Verification Checklist",
        )
    incident = journal.tick_checklist(
        incident,
        at(35),
        "modulo-api error rate back to its normal level",
        checklist="Resolution Verification Checklist",
        auto=True,
        evidence="2.1% falling",
    )
    return journal.resolve(
        incident,
        at(42),
        resolution="Rolled back modulo-api to r41",
        override="latency lags, customers pay again",
    )


def draft(directory: Path, incident: Incident, runbook: Runbook, now: datetime | None = None) -> str:
    timeline = load(directory / f"{incident.id}.jsonl")
    return postmortem_markdown(timeline, runbook, at(60) if now is None else now, clean)


def section(markdown: str, title: str) -> list[str]:
    """The lines of one ``## title`` section, without its heading and blank lines."""
    body = markdown.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in body.splitlines() if line]


def test_the_sections_in_order(tmp_path: Path, runbook: Runbook) -> None:
    markdown = draft(tmp_path, worked_incident(tmp_path), runbook)
    assert markdown.startswith(
        "# Postmortem: Checkout failing\n\nDraft written by modulo-watch from the journal"
    )
    assert re.findall(r"(?m)^## (.+)$", markdown) == [
        "Summary",
        "Impact",
        "Resolution",
        "Timeline",
        "Checklists",
        "Action items",
        "Root cause",
        "What went well",
        "What went wrong",
        "Lessons learned",
    ]
    for title in ("Root cause", "What went well", "What went wrong", "Lessons learned"):
        assert section(markdown, title)[0].startswith("_To be written: ")


def test_summary(tmp_path: Path, runbook: Runbook) -> None:
    incident = worked_incident(tmp_path)
    assert section(draft(tmp_path, incident, runbook), "Summary") == [
        f"- Incident: {incident.id}",
        "- Title: Checkout failing",
        "- Description: Customers cannot pay",
        "- Severity: P0 (declared P1; P1 -> P0 at 2026-11-26 14:06:00 UTC: all regions)",
        "- State: resolved",
        "- Started: 2026-11-26 14:00:00 UTC",
        "- Acknowledged: 2026-11-26 14:02:00 UTC (2m 00s after the start)",
        "- Resolved: 2026-11-26 14:42:00 UTC",
        "- Duration: 42m 00s",
        "- Channel: \\#incident-20261126-checkout-failing",
    ]


def test_impact_is_the_declared_one_and_the_last_alert_sent(tmp_path: Path, runbook: Runbook) -> None:
    assert section(draft(tmp_path, worked_incident(tmp_path), runbook), "Impact") == [
        "- As declared: Customers cannot pay",
        "- As announced in the last incident alert (2026-11-26 14:09:00 UTC): every checkout fails",
    ]


def test_the_resolution_says_plainly_that_the_evidence_was_overridden(
    tmp_path: Path, runbook: Runbook
) -> None:
    lines = section(draft(tmp_path, worked_incident(tmp_path), runbook), "Resolution")
    assert lines[0] == "Fix: Rolled back modulo-api to r41"
    assert lines[1].startswith("**Resolved against the evidence:** the resolution checks did not agree")
    assert lines[1].endswith("The responder's reason for resolving anyway: latency lags, customers pay again")


def test_the_timeline_keeps_every_entry(tmp_path: Path, runbook: Runbook) -> None:
    incident = worked_incident(tmp_path)
    lines = section(draft(tmp_path, incident, runbook), "Timeline")
    assert len(lines) == len(load(tmp_path / f"{incident.id}.jsonl").entries) == 14
    assert lines[0] == "- 2026-11-26 14:00:00 UTC **declared** P1 Checkout failing: Customers cannot pay"
    assert (
        "- 2026-11-26 14:07:00 UTC **evidence** postgres: pgbouncer pool exhausted (120/120 clients)" in lines
    )
    assert "- 2026-11-26 14:08:00 UTC **action** cancel backend pid 4242: cancelled" in lines
    assert "- 2026-11-26 14:20:00 UTC **escalated** to team lead (P0 over 15 minutes)" in lines
    assert lines[-1].startswith("- 2026-11-26 14:42:00 UTC **resolved**")


def test_checklists_show_each_items_final_state(tmp_path: Path, runbook: Runbook) -> None:
    lines = section(draft(tmp_path, worked_incident(tmp_path), runbook), "Checklists")
    assert lines == [
        "### Initial Assessment Checklist",
        "- [ ] Can users reach modulo-frontend and log in?",
        "- [ ] Is modulo-api responding?",
        "- [ ] Is PostgreSQL accepting connections?",
        "- [x] Are payments going through?",
        "- [ ] How many users are affected?",
        "### Resolution Verification Checklist",
        "- [ ] Login, payments and the main pages work again",
        "- [x] modulo-api error rate back to its normal level (auto: 2.1% falling)",
        "- [ ] Latency within the usual range",
        "- [ ] No new related alerts firing",
        "- [ ] Status page shows all systems operational",
    ]


def test_action_items_fall_due_after_the_resolution(tmp_path: Path, runbook: Runbook) -> None:
    lines = section(draft(tmp_path, worked_incident(tmp_path), runbook), "Action items")
    assert lines[:2] == [
        "### Immediate (Within 1 hour)",
        "- [ ] Update final status page message — due 2026-11-26 15:42:00 UTC",
    ]
    assert "### Within 24 hours" in lines
    assert "- [ ] Complete postmortem draft — due 2026-11-27 14:42:00 UTC" in lines
    assert "### Within 1 week" in lines
    assert lines[-1] == "- [ ] Update runbooks and documentation — due 2026-12-03 14:42:00 UTC"
    items = [line for line in lines if line.startswith("- ")]
    assert len(items) == sum(len(checklist.items) for checklist in runbook.post_incident)


def test_an_open_incident_is_drafted_as_it_stands(tmp_path: Path, runbook: Runbook) -> None:
    journal = IncidentJournal(tmp_path)
    incident = journal.declare("Bad deploy", "P2", EPOCH, drill=True)
    markdown = draft(tmp_path, incident, runbook, now=at(12))
    assert markdown.startswith("# Postmortem (drill): Bad deploy\n")
    assert "The incident was still open" in markdown
    summary = section(markdown, "Summary")
    assert "- State: open" in summary
    assert "- Drill: yes, a practice incident; nothing real was affected" in summary
    assert "- Acknowledged: never" in summary
    assert "- Resolved: not yet" in summary
    assert "- Duration: 12m 00s so far" in summary
    assert section(markdown, "Resolution") == ["Not resolved yet."]
    assert section(markdown, "Impact") == [
        "_Not recorded: describe who and what was affected, and for how long._"
    ]
    assert section(markdown, "Checklists") == ["_No checklist item was ticked._"]
    assert "- [ ] Complete postmortem draft — due 1d 00h after resolution" in section(
        markdown, "Action items"
    )


def test_an_old_journal_without_the_newer_fields(tmp_path: Path, runbook: Runbook) -> None:
    """Ticks without a checklist title, a resolution without text: what journals held before."""
    path = tmp_path / "INC-20261126-140000.jsonl"
    entries = [
        {
            "at": at(0).isoformat(),
            "kind": "declared",
            "title": "Old one",
            "severity": "P2",
            "description": "",
        },
        {
            "at": at(1).isoformat(),
            "kind": "checklist_ticked",
            "item": "Is modulo-api responding?",
            "done": True,
        },
        {"at": at(2).isoformat(), "kind": "checklist_ticked", "item": "Coffee made", "done": True},
        {
            "at": at(3).isoformat(),
            "kind": "update_sent",
            "audience": "#x",
            "message": "INCIDENT ALERT\nImpact: few",
        },
        {"at": at(5).isoformat(), "kind": "resolved"},
    ]
    path.write_text("".join(json.dumps(entry) + "\n" for entry in entries), encoding="utf-8")
    markdown = postmortem_markdown(load(path), runbook, at(60), clean)
    checklists = section(markdown, "Checklists")
    assert checklists[0] == "### Initial Assessment Checklist"
    assert "- [x] Is modulo-api responding?" in checklists
    assert checklists[-2:] == ["### Other items", "- [x] Coffee made"]
    assert section(markdown, "Impact") == [
        "- As announced in the last incident alert (2026-11-26 14:03:00 UTC): few"
    ]
    assert section(markdown, "Resolution") == ["_Not recorded: describe the fix._"]


def test_outside_text_stays_text(tmp_path: Path, runbook: Runbook) -> None:
    journal = IncidentJournal(tmp_path)
    incident = journal.declare(HOSTILE_TITLE, "P1", EPOCH, description="<script>alert(1)</script>\n# also")
    journal.capture_evidence(
        incident, at(1), "pod \x1b[2J", "`rm -rf` \x9b31m", "![img](http://evil.example/)"
    )
    journal.tick_checklist(
        incident, at(2), "[x] forged\n- [x] item", checklist="## Mine", auto=True, evidence="_e_"
    )
    journal.resolve(incident, at(3), resolution="**done**", override="<b>because</b>")
    markdown = draft(tmp_path, incident, runbook)
    for forbidden in ("\x1b", "\x07", "\x9b", "**done**", "\n## Injected"):
        assert forbidden not in markdown
    assert re.search(r"(?<!\\)[<>]", markdown) is None, "every angle bracket escaped: no HTML"
    assert re.search(r"(?<!\\)\]\(", markdown) is None, "no link or image"
    assert "\\<script\\>alert(1)\\</script\\>⏎\\# also" in markdown
    assert re.findall(r"(?m)^#{1,3} .*$", markdown)[0] == (
        "# Postmortem: \\# Owned⏎\\#\\# Injected \\[click\\](http://evil.example/) \\<img src=x\\>"
        " ␛\\]0;pwned␇ \\*bold\\* \\| cell"
    )
    assert "### \\#\\# Mine" in markdown
    assert "- [x] \\[x\\] forged⏎- \\[x\\] item (auto: \\_e\\_)" in markdown
    headings = re.findall(r"(?m)^## (.+)$", markdown)
    assert len(headings) == 10, headings


def test_secrets_in_outside_text_are_masked(tmp_path: Path, runbook: Runbook) -> None:
    journal = IncidentJournal(tmp_path)
    incident = journal.declare("DB down", "P1", EPOCH)
    journal.capture_evidence(
        incident, at(1), "postgres", "login failed", "postgresql://app:hunter2@db:5432/modulo"
    )
    journal.record_action(incident, at(2), "post", "https://hooks.slack.com/services/T0/B0/s3cr3t", "sent")
    journal.capture_evidence(
        incident, at(3), "env", "password=swordfish token = abc123, login token: expired", ""
    )
    markdown = draft(tmp_path, incident, runbook)
    for secret in ("hunter2", "s3cr3t", "swordfish", "abc123"):
        assert secret not in markdown
    assert "postgresql://\\*\\*\\*@db:5432/modulo" in markdown
    assert "login token: expired" in markdown
    assert redact_secrets("https://user:pw@host/x?api_key=k1 and PGPASSWORD=p") == (
        "https://***@host/x?api_key=*** and PGPASSWORD=***"
    )


def test_a_runbook_without_follow_ups(tmp_path: Path) -> None:
    bare = parse_runbook(TEAM_RUNBOOK.split("## Incident Response Process")[0], "team.md")
    incident = worked_incident(tmp_path)
    lines = section(draft(tmp_path, incident, bare), "Action items")
    assert lines == ["_The runbook lists no post-incident follow-ups._"]


def test_write_postmortem_replaces_the_draft_atomically(tmp_path: Path, runbook: Runbook) -> None:
    incident = worked_incident(tmp_path)
    timeline = load(tmp_path / f"{incident.id}.jsonl")
    path = postmortem_path(tmp_path, incident.id)
    assert path == tmp_path / f"{incident.id}.postmortem.md"
    path.write_text("stale draft", encoding="utf-8")
    os.chmod(path, 0o644)
    assert write_postmortem(tmp_path, timeline, runbook, at(60), clean) == path
    assert path.read_text(encoding="utf-8") == postmortem_markdown(timeline, runbook, at(60), clean)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{incident.id}.jsonl", path.name]


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path, runbook: Runbook) -> None:
    incident = worked_incident(tmp_path)
    timeline = load(tmp_path / f"{incident.id}.jsonl")
    postmortem_path(tmp_path, incident.id).mkdir()  # os.replace cannot put a file over a directory
    with pytest.raises(OSError):
        write_postmortem(tmp_path, timeline, runbook, at(60), clean)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"{incident.id}.jsonl",
        f"{incident.id}.postmortem.md",
    ]


# --- `modulo-watch incidents export ID --format postmortem` ------------------------------------------------


@pytest.fixture
def homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Journals and the config file under tmp_path; no runbook from the environment."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("MODULO_WATCH_RUNBOOK_PATH", raising=False)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["incidents", *args], env={})
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_exports_the_draft_to_a_file(homes: Path, capsys: pytest.CaptureFixture[str]) -> None:
    incident = worked_incident(default_directory(drill=False))
    target = homes / "postmortem.md"
    status, out, err = run(capsys, "export", incident.id, "--format", "postmortem", "-o", str(target))
    assert (status, out) == (0, "")
    assert f"{incident.id} exported to {target}" in err
    markdown = target.read_text(encoding="utf-8")
    assert markdown.startswith("# Postmortem: Checkout failing\n")
    assert (
        "- [ ] Schedule postmortem meeting — due 2026-11-26 15:42:00 UTC" in markdown
    )  # the shipped runbook


def test_cli_prints_the_draft_without_a_file(homes: Path, capsys: pytest.CaptureFixture[str]) -> None:
    journal = IncidentJournal(default_directory(drill=False))
    incident = journal.declare(HOSTILE_TITLE, "P1", EPOCH)
    status, out, _ = run(capsys, "export", incident.id, "--format", "postmortem")
    assert status == 0
    assert out.startswith("# Postmortem: \\# Owned⏎")
    assert "\x1b" not in out and "\x07" not in out
    assert "- State: open" in out


def test_cli_uses_the_runbook_flag_then_the_configured_runbook(
    homes: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    incident = worked_incident(default_directory(drill=False))
    team = homes / "team.md"
    team.write_text(TEAM_RUNBOOK, encoding="utf-8")
    expected = "- [ ] Tell the customers (http://x) — due 2026-11-26 16:42:00 UTC"

    status, out, _ = run(capsys, "export", incident.id, "--format", "postmortem", "--runbook", str(team))
    assert status == 0 and expected in out and "Schedule postmortem meeting" not in out

    config = homes / "config" / "modulo-watch" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f"[runbook]\npath = {json.dumps(str(team))}\n", encoding="utf-8")
    status, out, _ = run(capsys, "export", incident.id, "--format", "postmortem")
    assert status == 0 and expected in out

    config.unlink()
    monkeypatch.setenv("MODULO_WATCH_RUNBOOK_PATH", str(team))
    status, out, _ = run(capsys, "export", incident.id, "--format", "postmortem")
    assert status == 0 and expected in out


def test_cli_reports_a_runbook_it_cannot_read(homes: Path, capsys: pytest.CaptureFixture[str]) -> None:
    incident = worked_incident(default_directory(drill=False))
    missing = homes / "nope.md"
    status, out, err = run(capsys, "export", incident.id, "--format", "postmortem", "--runbook", str(missing))
    assert (status, out) == (2, "")
    assert err == f"modulo-watch incidents: runbook {missing}: no such file\n"

    status, _, err = run(capsys, "export", incident.id, "--format", "json", "--runbook", str(missing))
    assert status == 2
    assert "--runbook: only meaningful with --format postmortem" in err


def test_cli_reports_a_bad_config_file(homes: Path, capsys: pytest.CaptureFixture[str]) -> None:
    incident = worked_incident(default_directory(drill=False))
    config = homes / "config" / "modulo-watch" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[runbook\n", encoding="utf-8")
    status, out, err = run(capsys, "export", incident.id, "--format", "postmortem")
    assert (status, out) == (2, "")
    assert "invalid TOML" in err


def test_it_loads_without_textual_or_rich() -> None:
    probe = "import sys, modulo_watch.incident.postmortem; print('\\n'.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(result.stdout.split())
    assert "textual" not in loaded and "rich" not in loaded
    assert not any(name.startswith(("modulo_watch.tui", "modulo_watch.widgets")) for name in loaded)


def test_the_outbox_on_the_timeline_names_each_destination(tmp_path: Path, runbook: Runbook) -> None:
    journal = IncidentJournal(tmp_path)
    incident = journal.declare("Checkout failing", "P1", EPOCH)
    queued = {"id": "ob-1", "incident": incident.id, "type": "slack.post", "label": "Slack #incidents"}
    journal.record_outbox(incident.id, at(1), "outbox_queued", {**queued, "payload": {"text": "x"}})
    journal.record_outbox(incident.id, at(1), "outbox_attempt", {"id": "ob-1", "attempt": 1})
    failed = {"id": "ob-1", "error": "Slack failed: 503", "retry_at": at(2).isoformat()}
    journal.record_outbox(incident.id, at(1), "outbox_failed", failed)
    journal.record_outbox(incident.id, at(2), "outbox_sent", {"id": "ob-1", "receipt": {"ts": "1.0"}})
    lines = section(draft(tmp_path, incident, runbook), "Timeline")
    assert [line.split("**", 2)[2].strip().replace("\\#", "#") for line in lines[1:]] == [
        "queued for Slack #incidents",
        "sending to Slack #incidents (attempt 1)",
        f"not delivered to Slack #incidents: Slack failed: 503; retrying at {at(2).isoformat()}",
        "delivered to Slack #incidents",
    ]
