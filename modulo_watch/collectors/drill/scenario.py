"""Finding, reading and validating scenario files (shipped ones by name, others by path)."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

from modulo_watch.collectors.drill.engine import Scenario, ScenarioInfo
from modulo_watch.collectors.drill.errors import Locator, ScenarioError
from modulo_watch.collectors.drill.parse_events import read_events
from modulo_watch.collectors.drill.parse_world import (
    read_health_checks,
    read_incident,
    read_meta,
    read_metrics,
    read_namespaces,
    read_nodes,
    read_postgres,
    read_workloads,
)
from modulo_watch.collectors.drill.reader import Document, Table
from modulo_watch.collectors.drill.spec import ScenarioSpec

SHIPPED_PACKAGE = "modulo_watch.collectors.drill.scenarios"
DEFAULT_SCENARIO = "bad-deploy"

_TOML_POSITION = re.compile(r"^(.*?)\s*\(at line (\d+), column (\d+)\)$")


def shipped_names() -> list[str]:
    folder = resources.files(SHIPPED_PACKAGE)
    return sorted(item.name.removesuffix(".toml") for item in folder.iterdir() if item.name.endswith(".toml"))


def available_scenarios() -> list[ScenarioInfo]:
    """The scenarios that ship with modulo-watch, by name."""
    return [load_scenario(name).info for name in shipped_names()]


def load_scenario(name_or_path: str) -> Scenario:
    """A shipped scenario by name (``bad-deploy``) or a scenario file by path (``./my-drill.toml``)."""
    if name_or_path.endswith(".toml") or "/" in name_or_path or "\\" in name_or_path:
        return Scenario(parse_scenario(_read_file(Path(name_or_path)), name_or_path))
    if name_or_path not in shipped_names():
        available = ", ".join(shipped_names())
        raise ScenarioError(
            f"unknown scenario {name_or_path!r} (available: {available}; or give a .toml path)"
        )
    text = resources.files(SHIPPED_PACKAGE).joinpath(f"{name_or_path}.toml").read_text(encoding="utf-8")
    return Scenario(parse_scenario(text, f"{name_or_path}.toml"))


def parse_scenario(text: str, source: str) -> ScenarioSpec:
    """Validate a scenario file's text; ``source`` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(_syntax_message(source, text, exc)) from None
    root = Table(data, (), "top level", Document(source, Locator(text)))
    meta = read_meta(root)
    namespaces = read_namespaces(root)
    nodes = read_nodes(root)
    workloads = read_workloads(root, namespaces, nodes)
    checks = read_health_checks(root)
    spec = ScenarioSpec(
        source=source,
        meta=meta,
        incident=read_incident(root),
        namespaces=namespaces,
        nodes=nodes,
        workloads=workloads,
        postgres=read_postgres(root),
        metrics=read_metrics(root),
        events=read_events(root, workloads, nodes, meta.duration, tuple(check.name for check in checks)),
        health_checks=checks,
    )
    root.finish()
    return spec


def _read_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a UTF-8 text file") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the scenario file ({exc.strerror or exc})") from None


def _syntax_message(source: str, text: str, exc: tomllib.TOMLDecodeError) -> str:
    message = str(exc)
    position = _TOML_POSITION.match(message)
    if position:
        reason, line, column = position.groups()
        return f"{source}:{line}:{column}: invalid TOML: {reason}"
    # "(at end of document)": point at the last line.
    reason = message.replace("(at end of document)", "").strip()
    return f"{source}:{max(1, len(text.splitlines()))}: invalid TOML: {reason}"
