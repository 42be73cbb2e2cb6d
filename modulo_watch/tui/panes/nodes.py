"""The Nodes pane: readiness, pressure conditions and use of allocatable CPU and memory."""

from __future__ import annotations

from datetime import datetime
from operator import attrgetter

from rich.text import Text
from textual.app import ComposeResult

from modulo_watch.collectors.models import Node, NodeSnapshot, Snapshot, SourceName
from modulo_watch.tui.panes.base import SourcePane, expect
from modulo_watch.tui.panes.evidence import Captured, node_evidence
from modulo_watch.widgets.badges import Palette, since
from modulo_watch.widgets.safe_text import inert
from modulo_watch.widgets.table import VirtualTable
from modulo_watch.widgets.table_layout import Column

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


def node_cells(node: Node, now: datetime, palette: Palette) -> tuple[Text | str, ...]:
    status_style = (
        f"bold {palette.error}" if not node.ready else palette.warning if node.unschedulable else ""
    )
    return (
        inert(node.name),
        inert(node.status, status_style, max_length=14),
        inert(",".join(node.pressures) or "-", palette.warning if node.pressures else palette.muted),
        percent(node.cpu_percent, palette),
        percent(node.memory_percent, palette),
        str(node.pod_count),
        since(node.created_at, now),
        inert(",".join(node.roles) or "<none>", palette.muted, max_length=8),
        inert(node.version, palette.muted, max_length=8),
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
    """Only the rows on screen are formatted: a cluster has up to 5,000 nodes, and a busy one
    changes some pod count on every snapshot."""

    SOURCE = SourceName.NODES
    TITLE = "Nodes"

    def __init__(self, number: int, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(number, id=id)
        self._now = datetime.min

    def compose(self) -> ComposeResult:
        yield VirtualTable[Node](
            COLUMNS,
            key=attrgetter("name"),
            cells=self._cells,
            empty_message="waiting for nodes…",
            id="nodes-table",
        )

    def _cells(self, node: Node) -> tuple[Text | str, ...]:
        return node_cells(node, self._now, self.palette)

    def apply(self, snapshot: Snapshot) -> None:
        snapshot = expect(snapshot, NodeSnapshot)
        self._now = snapshot.collected_at
        nodes = sorted(snapshot.nodes, key=lambda node: (not is_fault(node), node.name))
        self.query_one(VirtualTable).set_rows(nodes)
        self.set_summary(node_summary(snapshot.nodes, self.palette))

    def captured(self, now: datetime) -> Captured | None:
        """The node under the cursor, as evidence; None when no node is listed."""
        node = self.query_one(VirtualTable).cursor_row
        return node_evidence(node, now, self._now) if isinstance(node, Node) else None
