"""Malformed scenario files: one clear line that names the file and the line to fix."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from modulo_watch.collectors.drill import ScenarioError, load_scenario

MINIMAL = """\
[scenario]
name = "tiny"
title = "A tiny drill"
description = "Two nodes, one deployment."
duration = "20m"

[incident]
title = "tiny trouble"
severity = "P3"
impact = "none"

[cluster]
namespaces = ["modulo"]

[[node]]
name = "worker-a-1"

[[node]]
name = "worker-a-2"

[[workload]]
name = "modulo-api"
namespace = "modulo"
replicas = 2

[[event]]
at = "1m"
error_ratio = 0.2

[[event]]
at = "2m"
pods = "modulo-api"
status = "CrashLoopBackOff"

[[event]]
at = "3m"
source_down = "metrics"
duration = "1m"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "drill.toml"
    path.write_text(text)
    return path


def line_of(text: str, fragment: str) -> int:
    """1-based number of the only line containing ``fragment``."""
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line]
    assert len(lines) == 1, fragment
    return lines[0]


def error_for(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(str(path))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:")
    return message.removeprefix(f"{path}:")


def test_the_minimal_file_is_valid(tmp_path: Path) -> None:
    scenario = load_scenario(str(write(tmp_path, MINIMAL)))

    assert scenario.name == "tiny"
    assert len(scenario.world_at(0, datetime(2026, 11, 26, 14, 0, tzinfo=UTC)).pods.pods) == 2


def test_toml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    text = MINIMAL.replace("replicas = 2", "replicas = = 2")

    message = error_for(tmp_path, text)

    assert message.startswith(f"{line_of(text, 'replicas =')}:12: invalid TOML: ")


def test_unknown_key_in_an_event_names_its_line(tmp_path: Path) -> None:
    text = MINIMAL.replace('status = "CrashLoopBackOff"', 'status = "CrashLoopBackOff"\nstatsu = "x"')

    message = error_for(tmp_path, text)

    assert message.startswith(f"{line_of(text, 'statsu')}: ")
    assert "[[event]] #2 (at 2m): unknown key 'statsu'" in message


def test_unknown_top_level_table_names_its_header(tmp_path: Path) -> None:
    text = MINIMAL + '\n[alerts]\nfoo = "bar"\n'

    assert error_for(tmp_path, text).startswith(
        f"{line_of(text, '[alerts]')}: top level: unknown key 'alerts'"
    )


def test_bad_duration_names_its_line(tmp_path: Path) -> None:
    text = MINIMAL.replace('at = "2m"', 'at = "12x"')

    message = error_for(tmp_path, text)

    assert message == f"{line_of(text, '12x')}: [[event]] #2: bad duration '12x' for 'at' " + (
        '(write e.g. "12m", "1m30s", "2h")'
    )


def test_unknown_pod_status_names_its_line_and_suggests(tmp_path: Path) -> None:
    text = MINIMAL.replace('status = "CrashLoopBackOff"', 'status = "CrashLoop"')

    message = error_for(tmp_path, text)

    assert message.startswith(f"{line_of(text, 'CrashLoop')}: [[event]] #2 (at 2m): unknown pod status")
    assert "did you mean 'CrashLoopBackOff'?" in message


def test_unknown_source_names_its_line(tmp_path: Path) -> None:
    text = MINIMAL.replace('source_down = "metrics"', 'source_down = "grafana"')

    message = error_for(tmp_path, text)

    assert message.startswith(f"{line_of(text, 'grafana')}: [[event]] #3 (at 3m): unknown source 'grafana'")
    assert "pods, nodes, events, rollouts, postgres, metrics, alerts" in message


def test_event_for_a_missing_workload_names_its_line(tmp_path: Path) -> None:
    text = MINIMAL.replace('pods = "modulo-api"', 'pods = "modulo-apj"')

    message = error_for(tmp_path, text)

    assert message.startswith(f"{line_of(text, 'modulo-apj')}: ")
    assert "unknown workload 'modulo-apj' (did you mean 'modulo-api'?)" in message


def test_event_without_an_action_names_its_header(tmp_path: Path) -> None:
    text = MINIMAL + '\n[[event]]\nat = "4m"\n'

    message = error_for(tmp_path, text)

    assert message.startswith(f"{len(text.splitlines()) - 1}: [[event]] #4 (at 4m): say what happens")


def test_two_actions_in_one_event_are_refused(tmp_path: Path) -> None:
    text = MINIMAL.replace("error_ratio = 0.2", 'error_ratio = 0.2\nresolve = "X"')

    message = error_for(tmp_path, text)

    assert message.startswith(f"{line_of(text, 'resolve')}: ")
    assert "one action per [[event]]" in message


def test_resolving_an_alert_that_never_fired_names_its_line(tmp_path: Path) -> None:
    text = MINIMAL + '\n[[event]]\nat = "4m"\nresolve = "HighErrorRate"\n'

    message = error_for(tmp_path, text)

    assert message.startswith(f"{line_of(text, 'resolve =')}: ")
    assert "'HighErrorRate' has not fired before this event" in message


def test_rollback_without_an_earlier_revision_names_the_event(tmp_path: Path) -> None:
    text = MINIMAL + '\n[[event]]\nat = "5m"\nrollback = "modulo-api"\n'

    header = line_of(text, 'at = "5m"') - 1

    assert error_for(tmp_path, text) == f"{header}: modulo-api has no earlier revision to roll back to"


def test_lock_chain_blocker_must_be_defined_first(tmp_path: Path) -> None:
    text = MINIMAL + (
        '\n[[event]]\nat = "4m"\nlock_chain = "orders"\n\n'
        '[[event.session]]\nid = "root"\napplication = "psql"\n'
        'state = "idle in transaction"\nquery = "BEGIN"\n\n'
        '[[event.session]]\nid = "waiter"\napplication = "modulo-api"\nquery = "SELECT 1"\n'
        'blocked_by = ["root", "ghost"]\n'
    )

    message = error_for(tmp_path, text)

    assert message.startswith(f"{line_of(text, 'blocked_by')}: [[event.session]] #2: blocker 'ghost'")


def test_wrong_value_type_names_its_line(tmp_path: Path) -> None:
    text = MINIMAL.replace("replicas = 2", 'replicas = "two"')

    message = error_for(tmp_path, text)

    assert message == f"{line_of(text, 'replicas')}: [[workload]] #1: 'replicas' must be a whole number"


def test_missing_required_key_names_the_table(tmp_path: Path) -> None:
    text = MINIMAL.replace('title = "A tiny drill"\n', "")

    assert error_for(tmp_path, text) == "1: [scenario]: missing key 'title'"


def test_overlapping_rollout_is_refused(tmp_path: Path) -> None:
    text = MINIMAL + (
        '\n[[event]]\nat = "5m"\nrollout = "modulo-api"\nover = "4m"\n'
        '\n[[event]]\nat = "6m"\npods = "modulo-api"\nstatus = "Running"\n'
    )

    header = line_of(text, 'at = "6m"') - 1

    assert (
        error_for(tmp_path, text)
        == f"{header}: modulo-api is still rolling out or being replaced here: move the event later"
    )


def test_key_in_a_sub_table_names_its_line(tmp_path: Path) -> None:
    text = MINIMAL + "\n[postgres.backends]\nactive = 3\nactiv = 3\n"

    message = error_for(tmp_path, text)

    assert message.startswith(
        f"{line_of(text, 'activ =')}: [postgres.backends]: unknown backend state 'activ'"
    )
