"""The command line: flags, exit codes and one-line errors, up to the point where the app starts."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from modulo_watch import __version__
from modulo_watch.cli import DEFAULT_SCENARIO, Options, UsageError, main, parse_args, prepare
from modulo_watch.config import Settings

REPO = Path(__file__).resolve().parents[2]


def clean_env(home: Path) -> dict[str, str]:
    """The current environment without modulo-watch settings, with a throwaway home."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("MODULO_WATCH_")}
    env["HOME"] = str(home)
    return env


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def stderr_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


def test_defaults() -> None:
    assert parse_args([]) == Options(config=None, drill=None, speed=1.0, check_config=False, context=None)


@pytest.mark.parametrize(
    ("argv", "drill", "speed"),
    [
        (["--drill"], DEFAULT_SCENARIO, 1.0),
        (["--drill", "db-lock"], "db-lock", 1.0),
        (["--drill=./my scenario.toml", "--speed", "10"], "./my scenario.toml", 10.0),
        (["--speed", "0.5", "--drill"], DEFAULT_SCENARIO, 0.5),
    ],
)
def test_drill_and_speed(argv: list[str], drill: str, speed: float) -> None:
    options = parse_args(argv)

    assert (options.drill, options.speed) == (drill, speed)
    assert DEFAULT_SCENARIO == "bad-deploy"


def test_prepare_loads_the_given_config(tmp_path: Path) -> None:
    path = write(tmp_path, '[ui]\ntheme = "nord"\n')

    settings, options = prepare(["--config", str(path)], {"MODULO_WATCH_UI_BELL": "true"})

    assert options.config == path
    assert (settings.ui.theme, settings.ui.bell) == ("nord", True)


def test_context_flag_beats_the_file_and_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, '[kubernetes]\ncontext = "prod-eu"\ncontexts = ["prod-eu", "prod-us"]\n')

    settings, options = prepare(
        ["--config", str(path), "--context", "staging"], {"MODULO_WATCH_KUBERNETES_CONTEXT": "prod-us"}
    )

    assert options.context == "staging"
    assert settings.kubernetes.context == "staging"
    assert settings.kubernetes.contexts == ("prod-eu", "prod-us"), "the switcher's list is untouched"


def test_without_the_context_flag_the_settings_decide(tmp_path: Path) -> None:
    path = write(tmp_path, '[kubernetes]\ncontext = "prod-eu"\n')

    settings, _ = prepare(["--config", str(path)], {})

    assert settings.kubernetes.context == "prod-eu"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--context", ""], '--context: expected a kubeconfig context name, got ""'),
        (
            ["--context", "prod", "--drill"],
            "--context: a drill watches no cluster; drop --context or --drill",
        ),
        (["--context"], "--context: expected one argument"),
    ],
)
def test_bad_context_flags(argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv, env={}) == 2

    assert stderr_line(capsys) == f"modulo-watch: error: {expected} (see modulo-watch --help)"


def test_check_config_shows_the_context_from_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, '[kubernetes]\ncontext = "prod-eu"\ncontexts = ["prod-eu", "prod-us"]\n')

    assert main(["--check-config", "--config", str(path), "--context", "prod-us"], env={}) == 0

    out = capsys.readouterr().out
    assert 'context = "prod-us"\ncontexts = ["prod-eu", "prod-us"]\n' in out
    assert "then the environment and flags" in out


def test_dsn_flag_beats_the_file_and_is_redacted_by_check_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, '[postgres]\ndsn = "host=db0 dbname=app"\n')
    dsn = "host=db1 dbname=app user=monitor password=hunter2"

    settings, options = prepare(
        ["--config", str(path), "--dsn", dsn], {"MODULO_WATCH_POSTGRES_DSN": "host=db2"}
    )
    assert options.dsn == dsn and settings.postgres.dsn == dsn

    assert main(["--check-config", "--config", str(path), "--dsn", dsn], env={}) == 0
    out = capsys.readouterr().out
    assert "host=db1" in out and "hunter2" not in out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--dsn", " "], '--dsn: expected a PostgreSQL DSN, e.g. "host=db1 dbname=app user=monitor"'),
        (["--dsn", "host=db1", "--drill"], "--dsn: a drill watches no database; drop --dsn or --drill"),
    ],
)
def test_bad_dsn_flags(argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv, env={}) == 2

    assert stderr_line(capsys) == f"modulo-watch: error: {expected} (see modulo-watch --help)"


def test_speed_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--drill", "--speed", "-3"], env={}) == 2

    assert stderr_line(capsys) == (
        'modulo-watch: error: --speed: expected a positive number, got "-3" (see modulo-watch --help)'
    )


@pytest.mark.parametrize("value", ["0", "fast", "inf", "nan"])
def test_speed_rejects_non_positive_or_non_numbers(value: str) -> None:
    with pytest.raises(UsageError, match=f'--speed: expected a positive number, got "{value}"'):
        parse_args(["--drill", "--speed", value])


def test_speed_without_drill_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--speed", "2"], env={}) == 2

    assert "--speed: only meaningful with --drill" in stderr_line(capsys)


def test_unknown_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sped", "2"], env={}) == 2

    assert stderr_line(capsys) == (
        "modulo-watch: error: unrecognized arguments: --sped 2; did you mean --speed?"
        " (see modulo-watch --help)"
    )


def test_abbreviated_flags_are_not_guessed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check"], env={}) == 2

    assert "unrecognized arguments: --check" in stderr_line(capsys)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"], env={}) == 0

    assert capsys.readouterr().out == f"modulo-watch {__version__}\n"
    assert __version__ == "0.1.0"


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"], env={}) == 0

    out = capsys.readouterr().out
    flags = (
        "--config PATH",
        "--drill [SCENARIO]",
        "--speed X",
        "--context NAME",
        "--check-config",
        "--version",
    )
    for flag in flags:
        assert flag in out


def test_check_config_prints_settings_without_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, '[postgres]\ndsn = "postgresql://app:pg-secret@db/modulo"\n')
    env = {"MODULO_WATCH_ALERTMANAGER_URL": "https://bob:am-secret@am/?token=tok-secret"}

    assert main(["--check-config", "--config", str(path)], env=env) == 0

    captured = capsys.readouterr()
    for secret in ("pg-secret", "am-secret", "tok-secret", "bob"):
        assert secret not in captured.out
    assert 'dsn = "postgresql://app:***@db/modulo"' in captured.out
    assert 'url = "https://***@am/?token=***"' in captured.out
    assert captured.err == ""


def test_check_config_reports_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "[prometheus]\ninterval = -1\n")

    assert main(["--check-config", "--config", str(path)], env={}) == 2

    assert stderr_line(capsys) == (
        f"modulo-watch: {path}: prometheus.interval: expected a positive number of seconds, got -1"
    )


def test_missing_explicit_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "absent.toml"

    assert main(["--config", str(missing)], env={}) == 2

    assert stderr_line(capsys) == f"modulo-watch: {missing}: no such file"


def test_main_hands_settings_and_drill_to_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Settings, str | None, float]] = []

    def run_app(settings: Settings, *, drill: str | None, speed: float) -> int:
        calls.append((settings, drill, speed))
        return 7

    fake_app = types.ModuleType("modulo_watch.tui.app")
    monkeypatch.setattr(fake_app, "run_app", run_app, raising=False)
    monkeypatch.setitem(sys.modules, "modulo_watch.tui.app", fake_app)
    path = write(tmp_path, '[ui]\ntheme = "nord"\n')

    assert main(["--config", str(path), "--drill", "db-lock", "--speed", "4"], env={}) == 7

    [(settings, drill, speed)] = calls
    assert (settings.ui.theme, drill, speed) == ("nord", "db-lock", 4.0)


def test_broken_config_in_a_real_process_has_no_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, '[postgres]\ninterval = "soon"\n')

    result = subprocess.run(
        [sys.executable, "-m", "modulo_watch.cli", "--check-config", "--config", str(path)],
        cwd=REPO,
        env=clean_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr == (
        f'modulo-watch: {path}: postgres.interval: expected a positive number of seconds, got "soon"\n'
    )


def test_python_dash_m_package_runs_the_cli(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "modulo_watch", "--version"],
        cwd=REPO,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert (result.returncode, result.stdout) == (0, f"modulo-watch {__version__}\n")


def test_flags_and_settings_load_without_textual(tmp_path: Path) -> None:
    path = write(tmp_path, '[ui]\ntheme = "nord"\n')
    script = (
        "import sys\n"
        "from modulo_watch.cli import prepare\n"
        f"prepare(['--check-config', '--config', {str(path)!r}], {{}})\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "assert not heavy, heavy\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
