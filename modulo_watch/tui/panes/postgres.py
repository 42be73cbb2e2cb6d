"""The Postgres pane: connections against max_connections, then the blocking chains as a tree (root
blockers first), then the other non-idle backends, the longest running first."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult

from modulo_watch.collectors.models import PgBackend, PgSnapshot, Snapshot, SourceName
from modulo_watch.collectors.postgres.lock_tree import LockNode, lock_tree
from modulo_watch.tui.panes.base import SourcePane, expect
from modulo_watch.widgets.badges import Palette, format_duration
from modulo_watch.widgets.live_text import LiveText
from modulo_watch.widgets.safe_text import inert
from modulo_watch.widgets.table import VirtualTable
from modulo_watch.widgets.table_layout import Column, Row

WARN_CONNECTIONS = 0.80
CRITICAL_CONNECTIONS = 0.95
SLOW_SECONDS, VERY_SLOW_SECONDS = 1.0, 3.0

COLUMNS = (
    Column("pid", "PID", 11),
    Column("state", "STATE", 13),
    Column("wait", "WAIT", 14),
    Column("duration", "TIME", 7, "right"),
    Column("query", "QUERY", min_width=30),
    Column("user", "USER", 10),
    Column("application", "APP", 12),
    Column("database", "DB", 10),
)


def duration_text(started: datetime | None, now: datetime, palette: Palette) -> Text:
    if started is None:
        return Text("-")
    seconds = (now - started).total_seconds()
    style = (
        f"bold {palette.error}"
        if seconds >= VERY_SLOW_SECONDS
        else palette.warning
        if seconds >= SLOW_SECONDS
        else ""
    )
    return Text(format_duration(seconds), style)


def wait_text(backend: PgBackend, palette: Palette) -> Text:
    if backend.blocked_by:
        blockers = ",".join(str(pid) for pid in backend.blocked_by)
        return inert(f"← {blockers}", f"bold {palette.error}", max_length=14)
    label = f"{backend.wait_event_type}:{backend.wait_event}" if backend.wait_event else ""
    return inert(label, palette.muted, max_length=14)


def backend_cells(backend: PgBackend, now: datetime, palette: Palette) -> tuple[Text | str, ...]:
    """Every cell but the PID's."""
    state_style = palette.warning if backend.state.startswith("idle in transaction") else ""
    started = backend.xact_start if backend.state.startswith("idle in") else backend.query_start
    return (
        inert(backend.state, state_style, max_length=13),
        wait_text(backend, palette),
        duration_text(started, now, palette),
        inert(backend.query),
        inert(backend.user, max_length=10),
        inert(backend.application, palette.muted, max_length=12),
        inert(backend.database, max_length=10),
    )


def tree_row(node: LockNode, index: int, now: datetime, palette: Palette) -> Row:
    """A session of a blocking chain: indented under its blocker; a root says how many it holds up."""
    backend = node.backend
    branch = "  " * (node.depth - 1) + "└ " if node.depth else ""
    cells = list(backend_cells(backend, now, palette))
    if node.depth == 0:
        cells[1] = Text(f"▲ blocks {node.blocks}", f"bold {palette.error}")
    if node.repeated:  # drawn in full under its first blocker
        cells[3] = Text("(its waiters: see above)", palette.muted)
    pid = Text(f"{branch}{backend.pid}", f"bold {palette.error}" if node.depth == 0 else "")
    return Row(key=f"{backend.pid}#{index}" if node.repeated else str(backend.pid), cells=(pid, *cells))


def backend_row(backend: PgBackend, now: datetime, palette: Palette) -> Row:
    return Row(key=str(backend.pid), cells=(str(backend.pid), *backend_cells(backend, now, palette)))


def backend_rows(snapshot: PgSnapshot, palette: Palette) -> list[Row]:
    """The blocking chains as a tree, then the other non-idle backends, the longest running first."""
    now = snapshot.collected_at
    tree = lock_tree(snapshot.backends)
    rows = [tree_row(node, index, now, palette) for index, node in enumerate(tree)]
    in_tree = {node.backend.pid for node in tree}
    rest = [b for b in snapshot.backends if b.state != "idle" and b.pid not in in_tree]
    rest.sort(key=lambda backend: backend.xact_start or backend.query_start or now)
    return rows + [backend_row(backend, now, palette) for backend in rest]


def overview(snapshot: PgSnapshot, palette: Palette) -> Text:
    counts = snapshot.count_by_state()
    total = len(snapshot.backends)
    used = total / snapshot.max_connections if snapshot.max_connections else 0.0
    level = (
        f"bold {palette.error}"
        if used >= CRITICAL_CONNECTIONS
        else palette.warning
        if used >= WARN_CONNECTIONS
        else ""
    )
    idle_in_tx = sum(count for state, count in counts.items() if state.startswith("idle in transaction"))
    parts = [
        inert(f"PostgreSQL {snapshot.server_version}", "bold", max_length=24),
        Text(f"conns {total}/{snapshot.max_connections} ({used:.0%})", level),
        Text(f"active {counts.get('active', 0)}"),
        Text(f"idle {counts.get('idle', 0)}", palette.muted),
        Text(f"idle in tx {idle_in_tx}", palette.warning if idle_in_tx else palette.muted),
        Text(f"waiting {snapshot.waiting}", f"bold {palette.error}" if snapshot.waiting else palette.muted),
    ]
    return Text("  ").join(parts)


class PostgresPane(SourcePane):
    SOURCE = SourceName.POSTGRES
    TITLE = "Postgres"

    DEFAULT_CSS = """
    PostgresPane > #postgres-overview { height: 1; padding: 0 1; background: $panel; }
    """

    def compose(self) -> ComposeResult:
        yield LiveText(id="postgres-overview")
        yield VirtualTable(COLUMNS, empty_message="no active backends", id="postgres-table")

    def apply(self, snapshot: Snapshot) -> None:
        snapshot = expect(snapshot, PgSnapshot)
        self.query_one("#postgres-overview", LiveText).show(overview(snapshot, self.palette))
        rows = backend_rows(snapshot, self.palette)
        self.query_one(VirtualTable).set_rows(rows)
        self.set_summary(Text(f"{len(rows)} active", "bold"))
