"""The Postgres pane: connections against max_connections, then the blocking chains as a tree (root
blockers first), then the other non-idle backends, the longest running first.

``e`` shows the idle ones too, ``s`` sorts by state instead, ``/`` filters; Enter opens a backend's
detail, ``c`` and ``K`` ask to cancel or terminate it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message

from modulo_watch.collectors.models import PgBackend, PgSnapshot, Snapshot, SourceName
from modulo_watch.collectors.postgres.detail import PgAction
from modulo_watch.collectors.postgres.lock_tree import LockNode, lock_tree
from modulo_watch.tui.keys import POSTGRES_KEYS, bindings
from modulo_watch.tui.panes.base import FilteredPane, expect
from modulo_watch.tui.panes.evidence import Captured, backend_evidence
from modulo_watch.tui.panes.postgres_overview import overview
from modulo_watch.widgets.badges import Palette, format_duration
from modulo_watch.widgets.filter_bar import FilterBar
from modulo_watch.widgets.live_text import LiveText
from modulo_watch.widgets.safe_text import inert
from modulo_watch.widgets.table import VirtualTable
from modulo_watch.widgets.table_layout import Column, Row

SLOW_SECONDS, VERY_SLOW_SECONDS = 1.0, 3.0
# Deeper waiters are drawn at this depth, so the PID column still holds the pid; the WAIT column names
# the blocker anyway.
MAX_INDENT = 4

COLUMNS = (
    Column("pid", "PID", 13),
    Column("state", "STATE", 13),
    Column("wait", "WAIT", 14),
    Column("duration", "TIME", 7, "right"),
    Column("query", "QUERY", min_width=30),
    Column("user", "USER", 10),
    Column("application", "APP", 12),
    Column("database", "DB", 10),
    Column("client", "CLIENT", 15),
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
        inert(backend.client, palette.muted, max_length=15),
    )


def tree_row(node: LockNode, index: int, now: datetime, palette: Palette) -> Row:
    """A session of a blocking chain: indented under its blocker; a root says how many it holds up."""
    backend = node.backend
    branch = "  " * (min(node.depth, MAX_INDENT) - 1) + "└ " if node.depth else ""
    cells = list(backend_cells(backend, now, palette))
    if node.depth == 0:
        cells[1] = Text(f"▲ blocks {node.blocks}", f"bold {palette.error}")
    if node.repeated:  # drawn in full under its first root
        note = "↑ above, with its waiters · " if node.blocks else "↑ also above · "
        cells[3] = Text.assemble((note, palette.muted), inert(backend.query, palette.muted))
    pid = Text(f"{branch}{backend.pid}", f"bold {palette.error}" if node.depth == 0 else "")
    return Row(key=f"{backend.pid}#{index}" if node.repeated else str(backend.pid), cells=(pid, *cells))


def backend_row(backend: PgBackend, now: datetime, palette: Palette) -> Row:
    return Row(key=str(backend.pid), cells=(str(backend.pid), *backend_cells(backend, now, palette)))


class SortOrder(enum.Enum):
    DURATION = "time"  # the longest running first
    STATE = "state"  # active first, idle last; the longest running first within each


# How states are grouped when sorting by state: what is doing work, then what holds a transaction open.
_STATE_RANK = {
    "active": 0,
    "idle in transaction": 1,
    "idle in transaction (aborted)": 2,
    "fastpath function call": 3,
    "disabled": 4,
    "idle": 5,
}


def running_since(backend: PgBackend, now: datetime) -> datetime:
    return backend.xact_start or backend.query_start or now


def sort_key(order: SortOrder, now: datetime) -> Callable[[PgBackend], tuple[int, datetime]]:
    if order is SortOrder.STATE:
        return lambda b: (_STATE_RANK.get(b.state, len(_STATE_RANK)), running_since(b, now))
    return lambda b: (0, running_since(b, now))


def matches(backend: PgBackend, needle: str) -> bool:
    """A case-insensitive substring of the pid, user, application, database, client, state or query."""
    texts = (
        backend.user,
        backend.application,
        backend.database,
        backend.client,
        backend.state,
        backend.query,
    )
    return needle in str(backend.pid) or any(needle in text.lower() for text in texts)


@dataclass(frozen=True, slots=True)
class View:
    """How the responder looks at the backends: idle ones too or not, the order, the filter."""

    show_idle: bool = False
    order: SortOrder = SortOrder.DURATION
    needle: str = ""

    def keeps(self, backend: PgBackend) -> bool:
        return (self.show_idle or backend.state != "idle") and (
            not self.needle or matches(backend, self.needle)
        )


def backend_rows(snapshot: PgSnapshot, palette: Palette, view: View = View()) -> list[Row]:
    """The blocking chains as a tree, then the other backends the view keeps, in its order."""
    now = snapshot.collected_at
    tree = lock_tree(snapshot.backends)
    rows = [
        tree_row(node, index, now, palette)
        for index, node in enumerate(tree)
        if not view.needle or matches(node.backend, view.needle)
    ]
    in_tree = {node.backend.pid for node in tree}
    rest = [b for b in snapshot.backends if b.pid not in in_tree and view.keeps(b)]
    rest.sort(key=sort_key(view.order, now))
    return rows + [backend_row(backend, now, palette) for backend in rest]


def row_pid(key: str) -> int:
    """The pid a row is about: a session drawn again under a second blocker has a key of its own."""
    return int(key.partition("#")[0])


class BackendChosen(Message):
    """Enter on a backend: the app opens its detail."""

    def __init__(self, backend: PgBackend) -> None:
        super().__init__()
        self.backend = backend


class BackendActionRequested(Message):
    """Cancel or terminate on a backend: the app confirms, acts and records it."""

    def __init__(self, action: PgAction, backend: PgBackend) -> None:
        super().__init__()
        self.action = action
        self.backend = backend


class PostgresPane(FilteredPane):
    SOURCE = SourceName.POSTGRES
    TITLE = "Postgres"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(POSTGRES_KEYS))

    DEFAULT_CSS = """
    PostgresPane > #postgres-overview {
        height: 2; padding: 0 1; background: $panel; text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    def __init__(self, number: int, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(number, id=id)
        self._snapshot: PgSnapshot | None = None
        self._view = View()

    def compose(self) -> ComposeResult:
        yield LiveText(id="postgres-overview")
        yield VirtualTable(COLUMNS, empty_message="no active backends", id="postgres-table")
        yield FilterBar("filter backends: pid, user, application, database, client, state or query")

    def apply(self, snapshot: Snapshot) -> None:
        snapshot = expect(snapshot, PgSnapshot)
        self._snapshot = snapshot
        self.query_one("#postgres-overview", LiveText).show(overview(snapshot, self.palette))
        self.show_rows()

    def show_rows(self) -> None:
        snapshot = self._snapshot
        if snapshot is None:
            return
        self._view = replace(self._view, needle=self.needle)
        rows = backend_rows(snapshot, self.palette, self._view)
        table = self.query_one(VirtualTable)
        table.empty_message = "no backend matches" if self.needle else "no active backends"
        table.set_rows(rows)
        # Counted as listed: the chains and every backend not idle (or every backend, with idle shown).
        listed = "match" if self.needle else "backends" if self._view.show_idle else "not idle"
        summary = Text(f"{len(rows)} {listed}", "bold")
        summary.append(f"  by {self._view.order.value}", self.palette.muted)
        if self._view.show_idle:
            summary.append("  idle shown", self.palette.muted)
        self.set_summary(summary + self.filter_note())

    def action_toggle_idle(self) -> None:
        self._view = replace(self._view, show_idle=not self._view.show_idle)
        self.show_rows()

    def action_cycle_sort(self) -> None:
        orders = list(SortOrder)
        following = orders[(orders.index(self._view.order) + 1) % len(orders)]
        self._view = replace(self._view, order=following)
        self.show_rows()

    def action_backend(self, action: str) -> None:
        backend = self._cursor_backend()
        if backend is not None:
            self.post_message(BackendActionRequested(PgAction(action), backend))

    def captured(self, now: datetime) -> Captured | None:
        """The backend under the cursor, as evidence; None when no backend is listed."""
        backend = self._cursor_backend()
        if backend is None or self._snapshot is None:
            return None
        # As the tree counts them: the sessions held up by this one, directly or through others.
        tree = lock_tree(self._snapshot.backends)
        blocks = max((node.blocks for node in tree if node.backend.pid == backend.pid), default=0)
        return backend_evidence(backend, now, blocks, self._snapshot.collected_at)

    def _cursor_backend(self) -> PgBackend | None:
        key = self.query_one(VirtualTable).cursor_key
        return self._backend(key) if key is not None else None

    def _backend(self, key: str) -> PgBackend | None:
        if self._snapshot is None:
            return None
        pid = row_pid(key)
        return next((b for b in self._snapshot.backends if b.pid == pid), None)

    @on(VirtualTable.RowSelected)
    def _row_selected(self, event: VirtualTable.RowSelected) -> None:
        event.stop()
        backend = self._backend(event.key)
        if backend is not None:
            self.post_message(BackendChosen(backend))
