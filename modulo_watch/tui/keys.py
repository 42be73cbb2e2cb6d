"""Every global key binding, as plain data.

Kept free of Textual so the CLI can check a config's keymap before the UI is imported. Users
rebind by id in the config: ``[ui.keymap] maximize = "m"``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KeySpec:
    id: str
    keys: str
    action: str
    description: str
    help: str
    show: bool = True
    priority: bool = False


PANE_ORDER = ("pods", "nodes", "postgres", "error-rate", "alerts", "responder")

GLOBAL_KEYS: tuple[KeySpec, ...] = (
    *(
        KeySpec(
            f"focus-{pane}", str(number), f"focus_pane('{pane}')", pane, f"focus the {pane} pane", show=False
        )
        for number, pane in enumerate(PANE_ORDER, start=1)
    ),
    KeySpec("maximize", "z", "toggle_maximize", "Zoom", "maximise the focused pane, or restore it"),
    KeySpec("declare-incident", "i", "declare_incident", "Declare", "declare an incident"),
    KeySpec("acknowledge-incident", "a", "acknowledge_incident", "Ack", "acknowledge the open incident"),
    KeySpec("resolve-incident", "r", "resolve_incident", "Resolve", "resolve the open incident"),
    KeySpec("drill-pause", "p", "toggle_pause", "Pause", "pause or resume the drill's clock"),
    KeySpec("help", "question_mark,f1", "help", "Help", "this screen"),
    KeySpec(
        "command-palette",
        "ctrl+p",
        "command_palette",
        "Commands",
        "search every command",
        show=False,
        priority=True,
    ),
    KeySpec("quit", "q", "request_quit", "Quit", "quit (asks first while an incident is open)"),
    KeySpec("force-quit", "ctrl+q", "request_quit", "Quit", "quit, from anywhere", show=False, priority=True),
)


# Keys of one pane, active while it has the focus.
POD_KEYS: tuple[KeySpec, ...] = (
    KeySpec("pods-filter", "slash", "filter", "Filter", "pods: filter by name, namespace, status or node"),
    KeySpec("pods-faults-only", "f", "toggle_faults", "Faults", "pods: show faults only, or everything"),
)


def binding_ids() -> frozenset[str]:
    return frozenset(spec.id for spec in (*GLOBAL_KEYS, *POD_KEYS))


def unknown_keymap_ids(keymap: dict[str, str]) -> list[str]:
    """The ids in a user's keymap that name no binding."""
    return sorted(set(keymap) - binding_ids())
