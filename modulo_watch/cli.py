"""The ``modulo-watch`` command: flags and settings first, the Textual app only once both are valid.

Kept import-light on purpose: a typo in a flag or the config file is reported before textual is
imported, and always as one line on stderr with exit code 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import difflib
import json
import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import NoReturn

from modulo_watch import __version__
from modulo_watch.config import (
    ConfigError,
    Settings,
    default_config_path,
    display_path,
    is_http_url,
    load_settings,
    redact_url,
    render_settings,
    with_kube_context,
)

PROG = "modulo-watch"
DEFAULT_SCENARIO = "bad-deploy"
USAGE_EXIT = 2


class UsageError(Exception):
    """A bad command line; ``str()`` is one line naming the flag."""


class _ParserExit(Exception):
    """argparse finished on its own (--help, --version): return its status instead of exiting."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse says "argument --speed: ..."; the flag alone reads better.
        raise UsageError(message.removeprefix("argument ") + self._flag_suggestion(message))

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            sys.stderr.write(message)
        raise _ParserExit(status)

    def _flag_suggestion(self, message: str) -> str:
        if not message.startswith("unrecognized arguments:"):
            return ""
        flags = [word.split("=")[0] for word in message.split()[2:] if word.startswith("--")]
        matches = difflib.get_close_matches(flags[0], self._option_string_actions, n=1) if flags else []
        return f"; did you mean {matches[0]}?" if matches else ""


@dataclass(frozen=True, slots=True)
class Options:
    config: Path | None  # None: the default user config file, which may be missing
    drill: str | None  # a shipped scenario name or a .toml path, resolved by the drill package
    speed: float  # drill time factor
    check_config: bool
    context: str | None = None  # a kubeconfig context instead of [kubernetes] context
    dsn: str | None = None  # a PostgreSQL DSN instead of [postgres] dsn
    prometheus: str | None = None  # a Prometheus URL instead of [prometheus] url
    alertmanager: str | None = None  # an Alertmanager URL instead of [alertmanager] url
    runbook: Path | None = None  # a Markdown runbook instead of [runbook] path


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {json.dumps(text)}")
    return value


def _context_name(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError(f"expected a kubeconfig context name, got {json.dumps(text)}")
    return text


def _dsn(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError('expected a PostgreSQL DSN, e.g. "host=db1 dbname=app user=monitor"')
    return text


def _http_url(example: str, text: str) -> str:
    if not is_http_url(text):
        shown = json.dumps(redact_url(text))
        raise argparse.ArgumentTypeError(f"expected an http:// or https:// URL, e.g. {example}, got {shown}")
    return text


def _parser() -> _Parser:
    parser = _Parser(
        prog=PROG,
        description="A terminal war-room dashboard for incident responders.",
        epilog=(
            f"Settings are read from {display_path(default_config_path())} (TOML, one [section] per source);"
            " MODULO_WATCH_<SECTION>_<KEY> environment variables override the file,"
            " e.g. MODULO_WATCH_PROMETHEUS_URL."
            f" `{PROG} incidents --help`: list, show and export the journaled incidents."
        ),
        allow_abbrev=False,  # prefixes of flags would change meaning as flags are added
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--config", type=Path, metavar="PATH", help="settings file (must exist when given)")
    parser.add_argument(
        "--drill",
        nargs="?",
        const=DEFAULT_SCENARIO,
        metavar="SCENARIO",
        help=f"replay a practice incident: a shipped scenario or a .toml file (default: {DEFAULT_SCENARIO})",
    )
    parser.add_argument(
        "--speed",
        type=_positive_float,
        metavar="X",
        help="drill time factor, e.g. 10 for ten times faster (default: 1)",
    )
    parser.add_argument(
        "--context",
        type=_context_name,
        metavar="NAME",
        help="the kubeconfig context to watch (default: [kubernetes] context, else the current context)",
    )
    parser.add_argument(
        "--dsn",
        type=_dsn,
        metavar="DSN",
        help="the PostgreSQL server to watch, as libpq takes it (default: [postgres] dsn, else the PG*"
        " variables); keep the password in ~/.pgpass, not here",
    )
    parser.add_argument(
        "--prometheus",
        type=partial(_http_url, "http://prometheus:9090"),
        metavar="URL",
        help="the Prometheus server to query for the error rate (default: [prometheus] url)",
    )
    parser.add_argument(
        "--alertmanager",
        type=partial(_http_url, "http://alertmanager:9093"),
        metavar="URL",
        help="the Alertmanager to read alerts from and acknowledge them in (default: [alertmanager] url;"
        " without one, alerts are read from Prometheus)",
    )
    parser.add_argument(
        "--runbook",
        type=Path,
        metavar="PATH",
        help="the team's Markdown runbook (default: [runbook] path, else the runbook shipped for Modulo)",
    )
    parser.add_argument(
        "--check-config",
        action="store_true",
        help="validate the settings, print them with secrets redacted, and exit",
    )
    return parser


def parse_args(argv: Sequence[str]) -> Options:
    """Parse the command line; raises UsageError, or _ParserExit after --help and --version."""
    namespace = _parser().parse_args(list(argv))
    if namespace.speed is not None and namespace.drill is None:
        raise UsageError("--speed: only meaningful with --drill")
    if namespace.context is not None and namespace.drill is not None:
        raise UsageError("--context: a drill watches no cluster; drop --context or --drill")
    if namespace.dsn is not None and namespace.drill is not None:
        raise UsageError("--dsn: a drill watches no database; drop --dsn or --drill")
    if namespace.prometheus is not None and namespace.drill is not None:
        raise UsageError("--prometheus: a drill makes its own metrics; drop --prometheus or --drill")
    if namespace.alertmanager is not None and namespace.drill is not None:
        raise UsageError("--alertmanager: a drill makes its own alerts; drop --alertmanager or --drill")
    return Options(
        config=namespace.config,
        drill=namespace.drill,
        speed=1.0 if namespace.speed is None else namespace.speed,
        check_config=namespace.check_config,
        context=namespace.context,
        dsn=namespace.dsn,
        prometheus=namespace.prometheus,
        alertmanager=namespace.alertmanager,
        runbook=namespace.runbook,
    )


def prepare(argv: Sequence[str], env: Mapping[str, str]) -> tuple[Settings, Options]:
    """Everything up to starting the app: raises UsageError or ConfigError."""
    options = parse_args(argv)
    settings = load_settings(options.config, env)
    if options.context is not None:
        settings = with_kube_context(settings, options.context)
    if options.dsn is not None:
        settings = replace(settings, postgres=replace(settings.postgres, dsn=options.dsn))
    if options.prometheus is not None:
        settings = replace(settings, prometheus=replace(settings.prometheus, url=options.prometheus))
    if options.alertmanager is not None:
        settings = replace(settings, alertmanager=replace(settings.alertmanager, url=options.alertmanager))
    if options.runbook is not None:
        settings = replace(settings, runbook=replace(settings.runbook, path=str(options.runbook)))
    _check_runbook(settings)
    return settings, options


def _check_runbook(settings: Settings) -> None:
    """A runbook that cannot be read is a settings error: reported with its line before the app starts."""
    if settings.runbook.path is None:
        return  # the shipped runbook, which the tests read
    # Imported here: markdown-it and ftfy load only when a runbook file is named.
    from modulo_watch.incident.runbook import RunbookError, load_runbook

    try:
        load_runbook(Path(settings.runbook.path))
    except RunbookError as err:
        raise ConfigError(f"runbook {err}") from None


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """The console script: returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "incidents":  # a subcommand of its own: the app's flags mean nothing to it
        from modulo_watch.cli_incidents import main as incidents_main

        return incidents_main(argv[1:])
    try:
        settings, options = prepare(argv, os.environ if env is None else env)
    except _ParserExit as done:
        return done.status
    except UsageError as err:
        print(f"{PROG}: error: {err} (see {PROG} --help)", file=sys.stderr)
        return USAGE_EXIT
    except ConfigError as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return USAGE_EXIT
    if options.check_config:
        for warning in settings.warnings:  # on stderr: stdout stays TOML
            print(f"{PROG}: warning: {warning}", file=sys.stderr)
        sys.stdout.write(render_settings(settings))
        return 0
    # Imported here so that textual loads only after the flags and the settings are known to be good.
    from modulo_watch.tui.app import run_app

    return run_app(settings, drill=options.drill, speed=options.speed)


if __name__ == "__main__":
    sys.exit(main())
