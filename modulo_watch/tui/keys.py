"""Every global key binding, as plain data.

Kept free of Textual so the CLI can check a config's keymap before the UI is imported. Users
rebind by id in the config: ``[ui.keymap] maximize = "f11"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.binding import Binding


@dataclass(frozen=True, slots=True)
class KeySpec:
    id: str
    keys: str
    action: str
    description: str
    help: str
    show: bool = True
    priority: bool = False


# Pane numbers are their focus keys; events and rollouts share the pods pane's place (see KUBE_VIEWS).
PANE_ORDER = ("pods", "nodes", "postgres", "error-rate", "alerts", "responder", "events", "rollouts")
KUBE_VIEWS = ("pods", "events", "rollouts")

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
    KeySpec(
        "send-update",
        "n",
        "send_update",
        "Update",
        "the INCIDENT ALERT (or RESOLVED) message, filled in: edit, copy, post; restarts the update clock",
    ),
    KeySpec(
        "postmortem", "x", "postmortem", "Postmortem", "export the incident's postmortem draft", show=False
    ),
    KeySpec(
        "capture-evidence",
        "m",
        "capture_evidence",
        "Mark",
        "record the selected row or value as evidence in the incident's journal",
        show=False,  # the footer has no room at 80 columns; the panel and help say it
    ),
    KeySpec("drill-pause", "p", "toggle_pause", "Pause", "pause or resume the drill's clock"),
    KeySpec("switch-context", "k", "switch_context", "Context", "watch another Kubernetes context"),
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

EVENT_KEYS: tuple[KeySpec, ...] = (
    KeySpec(
        "events-filter", "slash", "filter", "Filter", "events: filter by object, reason, message or namespace"
    ),
    KeySpec("events-warnings-only", "w", "toggle_warnings", "Warnings", "events: warnings only, or all"),
)

ROLLOUT_KEYS: tuple[KeySpec, ...] = (
    KeySpec("rollouts-filter", "slash", "filter", "Filter", "rollouts: filter by deployment, image or state"),
)

POSTGRES_KEYS: tuple[KeySpec, ...] = (
    KeySpec(
        "postgres-filter",
        "slash",
        "filter",
        "Filter",
        "postgres: filter by pid, user, application, database, client, state or query",
    ),
    KeySpec("postgres-idle", "e", "toggle_idle", "Idle", "postgres: show idle backends too, or hide them"),
    KeySpec("postgres-sort", "s", "cycle_sort", "Sort", "postgres: sort by running time, or by state"),
    KeySpec("postgres-cancel", "c", "backend('cancel')", "Cancel", "postgres: cancel the backend's query"),
    KeySpec(
        "postgres-terminate", "K", "backend('terminate')", "Terminate", "postgres: terminate the backend"
    ),
)

ALERT_KEYS: tuple[KeySpec, ...] = (
    KeySpec(
        "alerts-filter",
        "slash",
        "filter",
        "Filter",
        "alerts: filter by name, severity, state, summary or label",
    ),
    KeySpec(
        "alerts-acknowledge",
        "a",
        "acknowledge",
        "Ack alert",
        "alerts: acknowledge the alert or group (a silence in Alertmanager, after you confirm)",
    ),
    KeySpec("alerts-unacknowledge", "u", "unacknowledge", "Unack", "alerts: take the acknowledgement back"),
)

# Keys of the alert detail screen (Enter on an alert).
ALERT_DETAIL_KEYS: tuple[KeySpec, ...] = (
    KeySpec("alert-detail-close", "escape,q", "close", "Back", "alert detail: back to the war room"),
    KeySpec("alert-detail-acknowledge", "a", "acknowledge", "Ack", "alert detail: acknowledge it"),
    KeySpec("alert-detail-unacknowledge", "u", "unacknowledge", "Unack", "alert detail: take the ack back"),
)

ERROR_RATE_KEYS: tuple[KeySpec, ...] = (
    KeySpec(
        "error-rate-window", "t", "cycle_window", "Window", "error rate: show the last 15 min, 1 h or 6 h"
    ),
    KeySpec(
        "error-rate-latency", "v", "toggle_latency", "Latency", "error rate: latency and request rate, or 5xx"
    ),
)

# Keys of the backend detail screen (Enter on a backend).
BACKEND_DETAIL_KEYS: tuple[KeySpec, ...] = (
    KeySpec("backend-detail-close", "escape,q", "close", "Back", "backend detail: back to the war room"),
    KeySpec("backend-detail-cancel", "c", "act('cancel')", "Cancel", "backend detail: cancel its query"),
    KeySpec("backend-detail-terminate", "K", "act('terminate')", "Terminate", "backend detail: terminate it"),
)

# Keys of the pod detail screen (Enter on a pod).
POD_DETAIL_KEYS: tuple[KeySpec, ...] = (
    KeySpec("pod-detail-close", "escape,q", "close", "Back", "pod detail: back to the war room"),
    KeySpec("pod-detail-follow", "f", "toggle_follow", "Follow", "pod detail: follow the log, or stop"),
    KeySpec(
        "pod-detail-previous", "p", "toggle_previous", "Previous", "pod detail: the previous container's log"
    ),
    KeySpec(
        "pod-detail-container", "c", "next_container", "Container", "pod detail: the next container's log"
    ),
    KeySpec(
        "pod-detail-all-pods",
        "l",
        "toggle_all_pods",
        "All pods",
        "pod detail: every pod of the app, interleaved",
    ),
    KeySpec("pod-detail-search", "slash", "search", "Search", "pod detail: search the log"),
    KeySpec("pod-detail-next-match", "n", "next_match", "Next", "pod detail: next match", show=False),
    KeySpec(
        "pod-detail-previous-match", "N", "previous_match", "Prev", "pod detail: previous match", show=False
    ),
)


# Keys of the responder panel, active while it has the focus.
RESPONDER_KEYS: tuple[KeySpec, ...] = (
    KeySpec("responder-down", "down,j", "cursor(1)", "Down", "responder: next checklist item", show=False),
    KeySpec("responder-up", "up,k", "cursor(-1)", "Up", "responder: previous checklist item", show=False),
    KeySpec("responder-tick", "space", "toggle_item", "Tick", "responder: tick the item by hand, or untick"),
    KeySpec("responder-steps", "s", "app.guide", "Steps", "responder: the runbook's steps, linked to panes"),
    KeySpec("responder-escalate", "e", "app.escalate", "Escalate", "responder: escalate to the next contact"),
    KeySpec("responder-severity", "S", "app.change_severity", "Severity", "responder: change the severity"),
    KeySpec(
        "responder-links", "l", "app.links", "Links", "responder: the runbook's tools and Grafana dashboards"
    ),
    KeySpec(
        "responder-outbox",
        "o",
        "app.outbox",
        "Outbox",
        "responder: every message and call sent, queued or failed, and retrying one",
    ),
    KeySpec(
        "responder-pagerduty",
        "P",
        "app.pagerduty",
        "PagerDuty",
        "responder: the PagerDuty incidents behind the alerts; acknowledge or resolve them",
    ),
)

# Keys of the guided steps screen (the runbook's investigation steps, each linked to its pane).
STEPS_KEYS: tuple[KeySpec, ...] = (
    KeySpec("steps-close", "escape,q", "close", "Back", "steps: back to the war room"),
    KeySpec(
        "steps-go",
        "enter",
        "go",
        "Go",
        "steps: go to the pane that answers the step, or show the commands to run",
        priority=True,
    ),
)

# Keys of the outbox screen (every message and call of the incident, and where its delivery stands).
OUTBOX_KEYS: tuple[KeySpec, ...] = (
    KeySpec("outbox-close", "escape,q", "close", "Back", "outbox: back to the war room"),
    KeySpec(
        "outbox-view", "enter", "view", "View", "outbox: the message, its payload and receipt", priority=True
    ),
    KeySpec("outbox-retry", "R", "retry", "Send again", "outbox: send a failed or waiting item again now"),
)

# Keys of the PagerDuty screen (the incidents behind the firing alerts).
PAGERDUTY_KEYS: tuple[KeySpec, ...] = (
    KeySpec(
        "pagerduty-acknowledge",
        "a",
        "act('acknowledge')",
        "Acknowledge",
        "pagerduty: acknowledge the selected alert's incident (asks first)",
    ),
    KeySpec(
        "pagerduty-resolve",
        "r",
        "act('resolve')",
        "Resolve",
        "pagerduty: resolve the selected alert's incident (asks first)",
    ),
    KeySpec("pagerduty-close", "escape,q", "close", "Back", "pagerduty: back to the war room"),
)


def bindings(specs: tuple[KeySpec, ...]) -> list[Binding]:
    """Textual bindings of ``specs``, rebindable by their ids."""
    from textual.binding import Binding  # this module stays free of Textual for the CLI

    return [
        Binding(spec.keys, spec.action, spec.description, show=spec.show, priority=spec.priority, id=spec.id)
        for spec in specs
    ]


def binding_ids() -> frozenset[str]:
    keys = (
        *GLOBAL_KEYS,
        *POD_KEYS,
        *EVENT_KEYS,
        *ROLLOUT_KEYS,
        *POSTGRES_KEYS,
        *ERROR_RATE_KEYS,
        *BACKEND_DETAIL_KEYS,
        *POD_DETAIL_KEYS,
        *ALERT_KEYS,
        *ALERT_DETAIL_KEYS,
        *STEPS_KEYS,
        *OUTBOX_KEYS,
        *PAGERDUTY_KEYS,
        *RESPONDER_KEYS,
    )
    return frozenset(spec.id for spec in keys)


def unknown_keymap_ids(keymap: dict[str, str]) -> list[str]:
    """The ids in a user's keymap that name no binding."""
    return sorted(set(keymap) - binding_ids())
