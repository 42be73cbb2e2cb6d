"""--prometheus overrides [prometheus] url; a bad URL is one line and exit code 2; no credentials shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from modulo_watch.cli import main, prepare


def test_the_flag_beats_the_file_and_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[prometheus]\nurl = "http://prom-file:9090"\n')

    settings, options = prepare(
        ["--config", str(path), "--prometheus", "http://prom-flag:9090"],
        {"MODULO_WATCH_PROMETHEUS_URL": "http://prom-env:9090"},
    )

    assert options.prometheus == settings.prometheus.url == "http://prom-flag:9090"


def test_check_config_hides_the_credentials_of_the_url(capsys: pytest.CaptureFixture[str]) -> None:
    url = "https://watcher:hunter2@prom.internal:9090"

    assert main(["--check-config", "--prometheus", url], env={}) == 0

    out = capsys.readouterr().out
    assert 'url = "https://***@prom.internal:9090"' in out and "hunter2" not in out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["--prometheus", "prom.internal:9090"],
            "--prometheus: expected an http:// or https:// URL, e.g. http://prometheus:9090,"
            ' got "prom.internal:9090"',
        ),
        (
            ["--prometheus", "ftp://watcher:hunter2@prom.internal"],
            "--prometheus: expected an http:// or https:// URL, e.g. http://prometheus:9090,"
            ' got "ftp://***@prom.internal"',
        ),
        (
            ["--prometheus", "http://prom:9090", "--drill"],
            "--prometheus: a drill makes its own metrics; drop --prometheus or --drill",
        ),
    ],
)
def test_bad_prometheus_flags(argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv, env={}) == 2

    err = capsys.readouterr().err
    assert err == f"modulo-watch: error: {expected} (see modulo-watch --help)\n"
    assert "hunter2" not in err
