"""The Nodes pane: readiness, pressure conditions and use of allocatable CPU and memory."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult

from modulo_watch.collectors.models import Node, NodeSnapshot, Snapshot, SourceName
from modulo_watch.tui.panes.base import SourcePane, expect
from modulo_watch.widgets.badges import Palette, since
from modulo_watch.widgets.safe_text import inert
from modulo_watch.widgets.table import VirtualTable
from modulo_watch.widgets.table_layout import Column, Row

COLUMNS = (
    Column("name", "NAME", min_width=14),
    Column("status", "STATUS", 14),
    Column("conditions", "PRESSURE", 13),
    Column("cpu", "CPU", 4, "right"),
    Column("memory", "MEM", 4, "right"),
    Column("pods", "PODS", 4, "right"),
    Column("age", "AGE", 5, "right"),
    Column("roles", "ROLES", 8),
    Column("version", "VERSION", 8),
)


def is_fault(node: Node) -> bool:
    return not node.ready or node.unschedulable or bool(node.pressures)


def percent(value: float | None, palette: Palette) -> Text:
    if value is None:
        return Text("-")
    style = palette.error if value >= 90 else palette.warning if value >= 75 else ""
    return Text(f"{value:.0f}%", style)


def node_row(node: Node, now: datetime, palette: Palette) -> Row:
    status_style = (
        f"bold {palette.error}" if not node.ready else palette.warning if node.unschedulable else ""
    )
    return Row(
        key=node.name,
        cells=(
            inert(node.name),
            inert(node.status, status_style, max_length=14),
            inert(",".join(node.pressures) or "-", palette.warning if node.pressures else palette.muted),
            percent(node.cpu_percent, palette),
            percent(node.memory_percent, palette),
            str(node.pod_count),
            since(node.created_at, now),
            inert(",".join(node.roles) or "<none>", palette.muted, max_length=8),
            inert(node.version, palette.muted, max_length=8),
        ),
    )


def node_summary(nodes: tuple[Node, ...], palette: Palette) -> Text:
    not_ready = sum(1 for node in nodes if not node.ready)
    pressured = sum(1 for node in nodes if node.pressures)
    summary = Text(f"{len(nodes)}", "bold")
    if not_ready:
        summary.append(f"  NotReady {not_ready}", f"bold {palette.error}")
    if pressured:
        summary.append(f"  pressure {pressured}", palette.warning)
    return summary


class NodesPane(SourcePane):
    SOURCE = SourceName.NODES
    TITLE = "Nodes"

    def compose(self) -> ComposeResult:
        yield VirtualTable(COLUMNS, empty_message="waiting for nodes…", id="nodes-table")

    def apply(self, snapshot: Snapshot) -> None:
        snapshot = expect(snapshot, NodeSnapshot)
        nodes = sorted(snapshot.nodes, key=lambda node: (not is_fault(node), node.name))
        self.query_one(VirtualTable).set_rows(
            [node_row(node, snapshot.collected_at, self.palette) for node in nodes]
        )
        self.set_summary(node_summary(snapshot.nodes, self.palette))
