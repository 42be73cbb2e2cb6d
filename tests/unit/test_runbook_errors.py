"""Runbooks that cannot be read: one line naming the file and the line, from the parser and the CLI."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from modulo_watch.cli import main
from modulo_watch.incident.runbook import RunbookError, load_runbook, parse_runbook
from modulo_watch.incident.runbook_read import MAX_BYTES

GOOD_LEVEL = "### Critical (P0)\n- **Definition:** Down\n- **Response Time:** < 5 minutes\n"
HEAD = "# Runbook\n\n## Incident Severity Levels\n\n"


def error_of(text: str) -> str:
    with pytest.raises(RunbookError) as caught:
        parse_runbook(text, "team.md")
    message = str(caught.value)
    assert "\n" not in message
    return message


def load_error(path: Path) -> str:
    with pytest.raises(RunbookError) as caught:
        load_runbook(path)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("text", ["", "\n\n   \n", "\t"])
def test_an_empty_runbook(text: str) -> None:
    assert error_of(text) == "team.md:1: empty runbook"


def test_a_runbook_without_severity_levels() -> None:
    message = error_of("# Runbook\n\n## Overview\n\nSome words.\n")
    assert message.startswith("team.md:1: no severity levels")


def test_a_severity_section_without_levels() -> None:
    assert error_of(HEAD + "Ask the lead.\n").startswith("team.md:3: no severity levels under this heading")


def test_a_severity_table_with_a_bad_response_time() -> None:
    text = HEAD + (
        "| Level | Name | Definition | Response time |\n"
        "|---|---|---|---|\n"
        "| P0 | Critical | Down | 5 min |\n"
        "| P1 | High | Slow | soon |\n"
    )
    assert error_of(text) == ('team.md:8: P1: cannot read the response time "soon" (e.g. "< 15 minutes")')


def test_a_severity_table_row_without_a_level() -> None:
    text = HEAD + "| Level | Definition | Response |\n|---|---|---|\n| | Down | 5 min |\n"
    assert error_of(text) == 'team.md:7: severity "" names no level such as P0 or (P1)'


def test_a_severity_heading_without_a_level() -> None:
    text = HEAD + GOOD_LEVEL + "\n### Major\n- **Definition:** Bad\n- **Response Time:** 1 hour\n"
    assert error_of(text) == 'team.md:9: severity "Major" names no level such as P0 or (P1)'


def test_a_severity_level_without_a_definition() -> None:
    assert error_of(HEAD + "### High (P1)\n- **Response Time:** 1 hour\n") == "team.md:5: P1: no definition"


def test_a_response_time_names_its_own_line() -> None:
    text = HEAD + "### High (P1)\n- **Definition:** Bad\n- **Escalation:** Page\n- **Response Time:** ASAP\n"
    assert error_of(text).startswith('team.md:8: P1: cannot read the response time "ASAP"')


def test_a_level_defined_twice() -> None:
    assert (
        error_of(HEAD + GOOD_LEVEL + "\n" + GOOD_LEVEL) == "team.md:9: P0 is defined twice (first on line 5)"
    )


def test_a_template_code_block_never_closed() -> None:
    text = (
        HEAD
        + GOOD_LEVEL
        + (
            "\n## Incident Response Process\n\n### 2. Initial Response\n\n#### Communication Template:\n"
            "```\n\N{POLICE CARS REVOLVING LIGHT} INCIDENT ALERT - P[0/1]\nTitle: [Brief description]\n"
        )
    )
    assert error_of(text) == "team.md:14: code block opened here is never closed (add a ``` line)"


def test_a_code_block_left_open_inside_a_list_item() -> None:
    text = (
        HEAD + GOOD_LEVEL + "\n## Process\n### 1. Look\n1. Check\n   ```bash\n   kubectl get pods\n2. Next\n"
    )
    assert error_of(text).startswith("team.md:12: code block opened here is never closed")


def test_a_closed_fence_of_tildes_or_longer_markers_is_fine() -> None:
    text = HEAD + GOOD_LEVEL + "\n## Quick Reference Commands\n### K\n~~~~sh\nkubectl get nodes\n~~~~~\n"
    assert parse_runbook(text, "team.md").commands[0].commands[0].text == "kubectl get nodes"


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "garbage.md"
    noise = random.Random(6).randbytes(4096)
    path.write_bytes(b"# Runbook\n\nfine\n\xff" + noise)  # 0xff never occurs in UTF-8
    assert load_error(path) == f"{path}:4: not UTF-8 text"


def test_nul_bytes_are_binary(tmp_path: Path) -> None:
    path = tmp_path / "nul.md"
    path.write_bytes(b"# Runbook\n\n## Severity\n\x00\x01\x02\n")
    assert load_error(path) == f"{path}:4: binary data (a NUL byte), not a Markdown runbook"


def test_a_huge_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.md"
    line = "- " + "x" * 97 + "\n"  # 100 bytes a line
    path.write_text(HEAD + GOOD_LEVEL + line * (MAX_BYTES // 100 + 10))
    message = load_error(path)
    number = int(message.split(":")[1])
    assert message == f"{path}:{number}: too large: a runbook must be under 256 KiB"
    assert MAX_BYTES // 100 - 10 < number < MAX_BYTES // 100 + 10  # the line where the limit is crossed


def test_a_missing_file_and_a_directory(tmp_path: Path) -> None:
    assert load_error(tmp_path / "nope.md") == f"{tmp_path / 'nope.md'}: no such file"
    assert load_error(tmp_path) == f"{tmp_path}: is a directory, not a runbook file"


def test_cli_names_the_line_of_a_broken_runbook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "team.md"
    path.write_text(HEAD + "### High (P1)\n- **Definition:** Slow\n- **Response Time:** eventually\n")

    assert main(["--check-config", "--runbook", str(path)], env={}) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    problem = 'P1: cannot read the response time "eventually" (e.g. "< 15 minutes")'
    assert captured.err == f"modulo-watch: runbook {path}:7: {problem}\n"


def test_cli_checks_the_runbook_from_the_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runbook = tmp_path / "team.md"
    runbook.write_text("```\nnever closed\n")
    config = tmp_path / "config.toml"
    config.write_text(f'[runbook]\npath = "{runbook}"\n')

    assert main(["--check-config", "--config", str(config)], env={}) == 2

    assert capsys.readouterr().err.splitlines() == [
        f"modulo-watch: runbook {runbook}:1: code block opened here is never closed (add a ``` line)"
    ]


def test_cli_flag_overrides_the_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.md"
    good.write_text(HEAD + GOOD_LEVEL)
    config = tmp_path / "config.toml"
    config.write_text(f'[runbook]\npath = "{tmp_path / "missing.md"}"\n')

    assert main(["--check-config", "--config", str(config), "--runbook", str(good)], env={}) == 0

    assert f'path = "{good}"' in capsys.readouterr().out


def test_cli_reports_a_missing_runbook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check-config", "--runbook", str(tmp_path / "none.md")], env={}) == 2
    assert capsys.readouterr().err == f"modulo-watch: runbook {tmp_path / 'none.md'}: no such file\n"
