"""--check-config with tokens: stars and where each came from, warnings on stderr, never a token."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from modulo_watch.cli import main

REPO = Path(__file__).resolve().parents[2]
SLACK_TOKEN = "xoxb-1234-5678-SLACKsecretTOKEN"
PD_TOKEN = "u+PDsecret1234567890"


def clean_env(home: Path) -> dict[str, str]:
    """The current environment without modulo-watch settings, with a throwaway home."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("MODULO_WATCH_")}
    env["HOME"] = str(home)
    return env


def setup(tmp_path: Path, mode: int) -> tuple[Path, Path]:
    secret_path = tmp_path / "slack-token"
    secret_path.write_text(f"{SLACK_TOKEN}\n")
    secret_path.chmod(mode)
    path = tmp_path / "config.toml"
    path.write_text(f'[slack]\nbot_token_file = "{secret_path}"\n')
    return path, secret_path


def test_check_config_shows_stars_and_the_warning_never_the_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, secret_path = setup(tmp_path, 0o644)
    env = {"MODULO_WATCH_PAGERDUTY_API_TOKEN": PD_TOKEN}

    assert main(["--check-config", "--config", str(path)], env=env) == 0

    captured = capsys.readouterr()
    assert f'bot_token = "*** (from file {secret_path})"' in captured.out
    assert 'api_token = "*** (from MODULO_WATCH_PAGERDUTY_API_TOKEN)"' in captured.out
    assert captured.err == (
        f"modulo-watch: warning: slack.bot_token_file: {secret_path} is readable by others (mode 0644):"
        " chmod 600 it\n"
    )
    for token in (SLACK_TOKEN, PD_TOKEN):
        assert token not in captured.out and token not in captured.err
    tomllib.loads(captured.out)  # the warnings stay off stdout: it is still TOML


def test_check_config_without_warnings_says_nothing_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = setup(tmp_path, 0o600)

    assert main(["--check-config", "--config", str(path)], env={}) == 0

    captured = capsys.readouterr()
    assert captured.err == ""
    assert 'bot_token = "*** (from file' in captured.out and SLACK_TOKEN not in captured.out


def test_a_token_in_the_config_file_exits_2_without_echoing_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[slack]\nbot_token = "{SLACK_TOKEN}"\n')

    assert main(["--check-config", "--config", str(path)], env={}) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"modulo-watch: {path}: slack.bot_token: a token is not read from the config file"
        " (its value is not shown here); set MODULO_WATCH_SLACK_BOT_TOKEN, or bot_token_file to a file"
        " only you can read\n"
    )


@pytest.mark.parametrize("kind", ["directory", "missing", "empty"])
def test_a_bad_token_file_in_a_real_process_has_no_traceback(tmp_path: Path, kind: str) -> None:
    secret_path = tmp_path / "slack-token"
    if kind == "directory":
        secret_path.mkdir()
    elif kind == "empty":
        secret_path.write_text("\n")
    path = tmp_path / "config.toml"
    path.write_text(f'[slack]\nbot_token_file = "{secret_path}"\n')
    env = clean_env(tmp_path / "home") | {"MODULO_WATCH_PAGERDUTY_API_TOKEN": PD_TOKEN}

    result = subprocess.run(
        [sys.executable, "-m", "modulo_watch.cli", "--check-config", "--config", str(path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"modulo-watch: {path}: slack.bot_token_file: ")
    assert str(secret_path) in lines[0]
    assert PD_TOKEN not in result.stderr


def test_a_token_from_the_environment_in_a_real_process(tmp_path: Path) -> None:
    path, _ = setup(tmp_path, 0o640)
    env = clean_env(tmp_path / "home") | {"MODULO_WATCH_SLACK_BOT_TOKEN": "xoxb-from-env-9876"}

    result = subprocess.run(
        [sys.executable, "-m", "modulo_watch.cli", "--check-config", "--config", str(path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert (result.returncode, result.stderr) == (0, "")  # the environment wins: the file is not read
    assert 'bot_token = "*** (from MODULO_WATCH_SLACK_BOT_TOKEN)"' in result.stdout
    for token in ("xoxb-from-env-9876", SLACK_TOKEN):
        assert token not in result.stdout
