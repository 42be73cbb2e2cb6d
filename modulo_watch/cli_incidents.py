"""``modulo-watch incidents``: list, show and export the journaled incidents, without starting the app.

Real and drill incidents are both listed (a column says which). Every string read from a journal is
made inert before it reaches the terminal: a title can carry escape sequences like any outside text.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from modulo_watch.incident.export import (
    Sanitize,
    duration,
    duration_text,
    rows,
    state,
    timestamp,
    to_json,
    to_markdown,
)
from modulo_watch.incident.journal import Timeline, default_directory, journal_paths, load

PROG = "modulo-watch incidents"
NOT_FOUND_EXIT = 1
USAGE_EXIT = 2
TITLE_CELLS = 60


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _parser() -> _Parser:
    parser = _Parser(prog=PROG, description="List, show and export the incidents in the journals.")
    commands = parser.add_subparsers(dest="command", metavar="{list,show,export}")
    commands.add_parser("list", help="every incident, newest first (the default)")
    show = commands.add_parser("show", help="an incident's timeline")
    show.add_argument("id", help="the incident id, e.g. INC-20261126-140000")
    export = commands.add_parser(
        "export", help="an incident's journal as JSON, a Markdown timeline or a postmortem draft"
    )
    export.add_argument("id", help="the incident id, e.g. INC-20261126-140000")
    export.add_argument("--format", choices=("markdown", "json", "postmortem"), default="markdown")
    export.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here instead of stdout")
    export.add_argument(
        "--runbook",
        type=Path,
        metavar="PATH",
        help="the runbook whose follow-ups the postmortem lists (default: [runbook] path, else the"
        " runbook shipped for Modulo)",
    )
    return parser


def journal_directories() -> tuple[Path, ...]:
    return (default_directory(drill=False), default_directory(drill=True))


def main(argv: Sequence[str], env: Mapping[str, str] | None = None) -> int:
    try:
        args = _parser().parse_args(list(argv))
    except _UsageError as err:
        print(f"{PROG}: error: {err} (see {PROG} --help)", file=sys.stderr)
        return USAGE_EXIT
    except SystemExit as done:  # --help
        return int(done.code or 0)
    if getattr(args, "runbook", None) is not None and args.format != "postmortem":
        print(f"{PROG}: error: --runbook: only meaningful with --format postmortem", file=sys.stderr)
        return USAGE_EXIT
    # Only this command needs it, and it pulls in rich: kept out of `modulo-watch --check-config`'s way.
    from modulo_watch.widgets.safe_text import clean

    if args.command in (None, "list"):
        return list_incidents(clean, datetime.now(UTC))
    timeline = find(args.id)
    if timeline is None:
        print(f"{PROG}: no incident {clean(args.id, max_length=40)} (see `{PROG} list`)", file=sys.stderr)
        return NOT_FOUND_EXIT
    if args.command == "show":
        sys.stdout.write(show(timeline, clean))
        return 0
    if args.format == "postmortem":
        return export_postmortem(
            timeline, args.runbook, args.output, os.environ if env is None else env, clean
        )
    return export(timeline, args.format, args.output, clean)


def all_timelines() -> list[Timeline]:
    paths = [path for directory in journal_directories() for path in journal_paths(directory)]
    return [load(path) for path in sorted(paths, key=lambda path: path.name, reverse=True)]


def find(wanted: str) -> Timeline | None:
    """By exact id: the id names a file only if one with that name was found, never as a path."""
    for directory in journal_directories():
        for path in journal_paths(directory):
            if path.stem == wanted:
                return load(path)
    return None


def list_incidents(sanitize: Sanitize, now: datetime) -> int:
    timelines = [timeline for timeline in all_timelines() if timeline.incident is not None]
    if not timelines:
        where = " or ".join(str(directory) for directory in journal_directories())
        print(f"No incidents journaled yet (looked in {where}).")
        return 0
    print(f"{'ID':<24} {'SEV':<3}  {'STATE':<8}  {'STARTED':<23}  {'DURATION':>8}  {'KIND':<5}  TITLE")
    for timeline in timelines:
        incident = timeline.incident
        assert incident is not None
        print(
            f"{sanitize(timeline.id):<24} {sanitize(incident.severity):<3}  {state(incident):<8}"
            f"  {timestamp(incident.started_at):<23}  {duration_text(duration(incident, now)):>8}"
            f"  {'drill' if incident.drill else 'real':<5}  {_title(incident.title, sanitize)}"
        )
    return 0


def _title(title: str, sanitize: Sanitize) -> str:
    cleaned = sanitize(title)
    return cleaned if len(cleaned) <= TITLE_CELLS else cleaned[: TITLE_CELLS - 1] + "…"


def show(timeline: Timeline, sanitize: Sanitize) -> str:
    incident = timeline.incident
    lines = []
    if incident is None:
        lines.append(f"{timeline.id}: no declaration in the journal")
    else:
        kind = "drill" if incident.drill else "real"
        lines += [
            f"{timeline.id}  {incident.severity}  {state(incident)}  ({kind})",
            sanitize(incident.title),
            f"channel {sanitize(incident.channel)}",
        ]
    lines.append("")
    for row in rows(timeline):
        lines.append(f"{timestamp(row.at)}  {row.label:<12}  {sanitize(row.text)}".rstrip())
    for damage in timeline.damage:
        lines.append(f"line {damage.line} skipped, not a whole entry (a write cut short?)")
    return "\n".join(lines) + "\n"


def export(timeline: Timeline, form: str, output: Path | None, sanitize: Sanitize) -> int:
    text = to_json(timeline) if form == "json" else to_markdown(timeline, sanitize)
    return _write(timeline, text, output)


def export_postmortem(
    timeline: Timeline,
    runbook_path: Path | None,
    output: Path | None,
    env: Mapping[str, str],
    sanitize: Sanitize,
) -> int:
    """The postmortem draft, with the follow-ups of the runbook the app would use: ``--runbook``, else
    ``[runbook] path`` (config file or environment, as for ``modulo-watch``), else the shipped one."""
    # Imported here: markdown-it and ftfy load only for a postmortem.
    from modulo_watch.config import ConfigError, load_settings
    from modulo_watch.incident.postmortem import postmortem_markdown
    from modulo_watch.incident.runbook import RunbookError, load_runbook

    try:
        if runbook_path is None:
            configured = load_settings(None, env).runbook.path
            runbook_path = None if configured is None else Path(configured)
        runbook = load_runbook(runbook_path)
    except ConfigError as err:
        print(f"{PROG}: {sanitize(str(err))}", file=sys.stderr)
        return USAGE_EXIT
    except RunbookError as err:
        print(f"{PROG}: runbook {sanitize(str(err))}", file=sys.stderr)
        return USAGE_EXIT
    return _write(timeline, postmortem_markdown(timeline, runbook, datetime.now(UTC), sanitize), output)


def _write(timeline: Timeline, text: str, output: Path | None) -> int:
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"{PROG}: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
        return NOT_FOUND_EXIT
    print(f"{timeline.id} exported to {output}", file=sys.stderr)
    return 0
