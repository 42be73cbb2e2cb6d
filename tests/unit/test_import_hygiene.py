"""The layers' boundaries, checked in a fresh interpreter: the domain never pulls in the UI."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEADLESS_MODULES = (
    "modulo_watch.collectors.models",
    "modulo_watch.collectors.runner",
    "modulo_watch.collectors.hub",
    "modulo_watch.collectors.sources",
    "modulo_watch.collectors.drill",
    "modulo_watch.collectors.postgres.collector",
    "modulo_watch.incident.journal",
    "modulo_watch.incident.clocks",
    "modulo_watch.config",
    "modulo_watch.cli",
)


def loaded_modules_after_import(module: str) -> set[str]:
    probe = f"import sys, {module}; print('\\n'.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


@pytest.mark.parametrize("module", HEADLESS_MODULES)
def test_module_loads_without_textual_or_rich(module: str) -> None:
    loaded = loaded_modules_after_import(module)

    assert "textual" not in loaded
    assert "rich" not in loaded
    assert not any(name.startswith(("modulo_watch.tui", "modulo_watch.widgets")) for name in loaded)


def test_psycopg_loads_only_when_a_server_is_configured() -> None:
    assert "psycopg" not in loaded_modules_after_import("modulo_watch.collectors.sources")


def test_the_probe_would_see_textual_if_it_were_imported() -> None:
    assert "textual" in loaded_modules_after_import("modulo_watch.tui.app")


@pytest.mark.parametrize("heavy", ["markdown_it", "ftfy", "httpx"])
def test_the_first_frame_needs_no_runbook_parser_and_no_webhook_client(heavy: str) -> None:
    """The runbook is parsed after the first frame, and the webhook client loads on its first post."""
    assert heavy not in loaded_modules_after_import("modulo_watch.tui.app")
