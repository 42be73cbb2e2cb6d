"""`modulo-watch incidents`: list, show and export what the journals hold."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from modulo_watch.cli import main
from modulo_watch.incident.journal import IncidentJournal, default_directory
from tests.fakes import EPOCH

HOSTILE = "DB \x1b]0;owned\x07down \x1b[2J *now*"


@pytest.fixture
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["incidents", *args], env={})
    out, err = capsys.readouterr()
    return status, out, err


def declare_two() -> tuple[str, str]:
    real = IncidentJournal(default_directory(drill=False))
    incident = real.declare(HOSTILE, "P1", EPOCH, "payments fail")
    incident = real.change_severity(incident, EPOCH + timedelta(minutes=3), "P0", reason="all regions")
    real.record_action(incident, EPOCH + timedelta(minutes=5), "terminate", "pid 4242 \x1b[31m", "done")
    real.resolve(incident, EPOCH + timedelta(minutes=42))
    drill = IncidentJournal(default_directory(drill=True))
    practice = drill.declare("Bad deploy", "P2", EPOCH + timedelta(hours=1), drill=True)
    return incident.id, practice.id


def test_no_incidents_says_so(state_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys)
    assert status == 0
    assert out.startswith("No incidents journaled yet")


def test_list_shows_real_and_drill_incidents_newest_first(
    state_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real_id, drill_id = declare_two()
    status, out, _ = run(capsys, "list")
    assert status == 0
    header, first, second = out.splitlines()
    assert header.split()[:6] == ["ID", "SEV", "STATE", "STARTED", "DURATION", "KIND"]
    assert first.startswith(drill_id) and " open " in first and " drill " in first
    assert second.startswith(real_id) and " P0 " in second and " resolved " in second
    assert "42m 00s" in second and " real " in second
    assert "\x1b" not in out and "\x07" not in out
    assert "␛]0;owned␇down" in second


def test_show_prints_a_readable_timeline(state_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real_id, _ = declare_two()
    status, out, _ = run(capsys, "show", real_id)
    assert status == 0
    assert "\x1b" not in out
    assert out.splitlines()[0] == f"{real_id}  P0  resolved  (real)"
    assert "2026-11-26 14:03:00 UTC  severity      P1 -> P0 (all regions)" in out
    assert "2026-11-26 14:05:00 UTC  action        terminate pid 4242 ␛[31m: done" in out
    assert "2026-11-26 14:42:00 UTC  resolved" in out


def test_export_json_keeps_the_entries_as_written(
    state_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real_id, _ = declare_two()
    status, out, _ = run(capsys, "export", real_id, "--format", "json")
    assert status == 0
    assert "\x1b" not in out, "escaped as \\u001b"
    document = json.loads(out)
    assert document["incident"]["title"] == HOSTILE
    assert document["incident"]["state"] == "resolved"
    assert [entry["kind"] for entry in document["entries"]] == [
        "declared",
        "severity_changed",
        "action",
        "resolved",
    ]


def test_export_markdown_to_a_file(
    state_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real_id, _ = declare_two()
    target = tmp_path / "timeline.md"
    status, out, err = run(capsys, "export", real_id, "-o", str(target))
    assert (status, out) == (0, "")
    assert str(target) in err
    markdown = target.read_text(encoding="utf-8")
    assert markdown.startswith(f"# {real_id}: DB ␛\\]0;owned␇down ␛\\[2J \\*now\\*\n")
    assert "## Timeline" in markdown
    assert "- 2026-11-26 14:42:00 UTC **resolved**" in markdown
    assert "- Duration: 42m 00s" in markdown


def test_an_unknown_id_is_a_clear_error(state_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    declare_two()
    for command in ("show", "export"):
        status, out, err = run(capsys, command, "../../etc/\x1b[2Jpasswd")
        assert status == 1 and out == ""
        assert "no incident ../../etc/␛[2Jpasswd" in err
        assert "modulo-watch incidents list" in err


def test_a_bad_subcommand_is_a_usage_error(state_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "delete", "INC-1")
    assert status == 2
    assert err.startswith("modulo-watch incidents: error:")


def test_the_incidents_command_never_loads_textual(state_home: Path) -> None:
    probe = (
        "import sys; from modulo_watch.cli import main; main(['incidents']); print('textual' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1] == "False"
