"""``kubectl describe pod`` as Rich renderables: what a responder reads first about a failing pod.

Every value in a ``PodDetail`` came from outside, so each one reaches the screen through ``inert``
(a single line, cut with "…") or ``wrapped`` (``clean`` text that may wrap, for messages).
"""

from __future__ import annotations

from datetime import datetime

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from modulo_watch.collectors.inspect import ContainerDetail, ContainerState, PodDetail
from modulo_watch.tui.panes.pods import status_style
from modulo_watch.widgets.badges import Palette, since
from modulo_watch.widgets.safe_text import clean, inert

LABEL_WIDTH = 13
MAX_VALUE = 300  # one value never takes more than a few lines of the panel


def wrapped(value: str, style: str = "") -> Text:
    """An outside string that may wrap over lines (a message), cleaned and bounded."""
    return Text(clean(value, max_length=MAX_VALUE), style, overflow="fold")


def _clock(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "-"
    return f"{moment.astimezone():%H:%M:%S} ({since(moment, now)} ago)"


def _grid() -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True, min_width=LABEL_WIDTH)
    grid.add_column(overflow="fold")
    return grid


def _heading(title: str) -> Text:
    return Text(f"\n{title}", "bold underline")


def _quantities(values: tuple[tuple[str, str], ...]) -> Text:
    text = Text()
    for index, (name, amount) in enumerate(values):
        text.append(" · " if index else "")
        text.append_text(inert(f"{name} {amount}", max_length=60))
    return text or Text("-", "dim")


def _state(state: ContainerState, now: datetime, palette: Palette) -> Text:
    if not state.kind:
        return Text("not reported yet", "dim")
    failed = state.kind == "Waiting" or (state.kind == "Terminated" and state.reason != "Completed")
    style = f"bold {palette.error}" if failed or state.exit_code else palette.ok
    text = Text()
    text.append(state.kind, style)
    if state.reason:
        text.append("  ")
        text.append_text(inert(state.reason, style, max_length=60))
    if state.exit_code is not None:
        text.append(f"  exit code {state.exit_code}", f"bold {palette.error}" if state.exit_code else "")
    if state.signal:
        text.append(f"  signal {state.signal}")
    if state.message:
        text.append("\n")
        text.append_text(wrapped(state.message, palette.muted))
    times = [
        f"{label} {_clock(moment, now)}"
        for label, moment in (("started", state.started_at), ("finished", state.finished_at))
        if moment
    ]
    if times:
        text.append("\n" + "\n".join(times), palette.muted)
    return text


def _container(container: ContainerDetail, now: datetime, palette: Palette) -> RenderableType:
    title = Text()
    title.append_text(inert(container.name, "bold", max_length=60))
    title.append("  ")
    title.append_text(inert(container.image, palette.muted, max_length=MAX_VALUE))
    if container.init:
        title.append("  (init)", palette.muted)
    grid = _grid()
    grid.add_row("State", _state(container.state, now, palette))
    if container.last_state is not None:
        grid.add_row("Last State", _state(container.last_state, now, palette))
    ready = Text(str(container.ready), "" if container.ready else palette.warning)
    ready.append(f"   restarts {container.restart_count}", palette.warning if container.restart_count else "")
    grid.add_row("Ready", ready)
    grid.add_row("Requests", _quantities(container.requests))
    grid.add_row("Limits", _quantities(container.limits))
    return Group(title, Padding(grid, (0, 0, 0, 2)))


def _pod_fields(detail: PodDetail, now: datetime, palette: Palette) -> Table:
    grid = _grid()
    status = inert(detail.status, status_style(detail.status, palette), max_length=40)
    if detail.phase:
        status.append_text(inert(f"  phase {detail.phase}", palette.muted, max_length=40))
    node = detail.node + (f" / {detail.host_ip}" if detail.host_ip else "")
    rows: list[tuple[str, Text]] = [
        ("Namespace", inert(detail.namespace, max_length=MAX_VALUE)),
        ("Name", inert(detail.name, max_length=MAX_VALUE)),
        ("Status", status),
        ("Ready", inert(f"{detail.ready}   restarts {detail.restarts}", max_length=40)),
        ("Node", inert(node or "-", max_length=MAX_VALUE)),
        ("IP", inert(", ".join(detail.pod_ips) or "-", max_length=MAX_VALUE)),
        ("Created", Text(_clock(detail.created_at, now))),
        ("Started", Text(_clock(detail.start_time, now))),
        ("QoS Class", inert(detail.qos_class or "-", max_length=40)),
        ("Controlled By", inert(detail.owner or "-", max_length=MAX_VALUE)),
    ]
    rows += [
        ("Labels" if i == 0 else "", inert(f"{k}={v}", max_length=MAX_VALUE))
        for i, (k, v) in enumerate(detail.labels)
    ]
    if detail.reason or detail.message:
        rows.append(("Reason", wrapped(f"{detail.reason}: {detail.message}".strip(": "), palette.warning)))
    for label, value in rows:
        grid.add_row(label, value)
    return grid


def _conditions(detail: PodDetail, now: datetime, palette: Palette) -> Table:
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    for column in ("Type", "Status", "Reason", "Since"):
        table.add_column(column, no_wrap=column != "Reason", overflow="fold")
    for condition in detail.conditions:
        good = condition.status == "True"
        table.add_row(
            inert(condition.type, max_length=40),
            inert(condition.status, "" if good else palette.warning, max_length=10),
            wrapped(condition.reason or condition.message, palette.muted),
            since(condition.last_transition, now) if condition.last_transition else "-",
        )
    return table


def _events(detail: PodDetail, now: datetime, palette: Palette) -> list[RenderableType]:
    if detail.events_error:
        return [wrapped(f"events unavailable: {detail.events_error}", palette.warning)]
    if not detail.events:
        return [Text("no events in the last hour", "dim")]
    lines: list[RenderableType] = []
    for event in detail.events:
        warning = event.type == "Warning"
        head = Text(f"{since(event.last_seen, now)} ago" if event.last_seen else "-", palette.muted)
        head.append("  ")
        head.append_text(inert(event.reason, f"bold {palette.warning}" if warning else "bold", max_length=40))
        if event.count > 1:
            head.append(f" x{event.count}", palette.muted)
        head.append("  ")
        head.append_text(inert(event.source, palette.muted, max_length=60))
        lines.append(head)
        lines.append(Padding(wrapped(event.message), (0, 0, 0, 2)))
    return lines


def describe(detail: PodDetail, now: datetime, palette: Palette) -> RenderableType:
    """The whole describe view, top to bottom."""
    parts: list[RenderableType] = [_pod_fields(detail, now, palette)]
    for heading, containers in (
        ("Init Containers:", detail.init_containers),
        ("Containers:", detail.containers),
    ):
        if containers:
            parts.append(_heading(heading))
            parts.extend(_container(container, now, palette) for container in containers)
    if detail.conditions:
        parts.append(_heading("Conditions:"))
        parts.append(_conditions(detail, now, palette))
    parts.append(_heading("Events (newest first):"))
    parts.extend(_events(detail, now, palette))
    return Group(*parts)
