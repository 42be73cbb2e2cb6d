"""The Postgres pane: connections against max_connections, then the non-idle backends, blocked first."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult

from modulo_watch.collectors.models import PgBackend, PgSnapshot, Snapshot, SourceName
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
    Column("pid", "PID", 7, "right"),
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


def backend_row(backend: PgBackend, now: datetime, palette: Palette) -> Row:
    state_style = palette.warning if backend.state.startswith("idle in transaction") else ""
    started = backend.xact_start if backend.state.startswith("idle in") else backend.query_start
    return Row(
        key=str(backend.pid),
        cells=(
            str(backend.pid),
            inert(backend.state, state_style, max_length=13),
            wait_text(backend, palette),
            duration_text(started, now, palette),
            inert(backend.query),
            inert(backend.user, max_length=10),
            inert(backend.application, palette.muted, max_length=12),
            inert(backend.database, max_length=10),
        ),
    )


def blocking_pids(backends: tuple[PgBackend, ...]) -> frozenset[int]:
    return frozenset(pid for backend in backends for pid in backend.blocked_by)


def active_backends(snapshot: PgSnapshot) -> list[PgBackend]:
    """Non-idle backends; blockers and the blocked first, then the longest running."""
    blockers = blocking_pids(snapshot.backends)
    shown = [b for b in snapshot.backends if b.state != "idle" or b.pid in blockers]
    far_past = snapshot.collected_at

    def rank(backend: PgBackend) -> tuple[int, datetime]:
        involved = 0 if backend.pid in blockers else 1 if backend.blocked_by else 2
        return involved, backend.xact_start or backend.query_start or far_past

    return sorted(shown, key=rank)


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
        now = snapshot.collected_at
        self.query_one("#postgres-overview", LiveText).show(overview(snapshot, self.palette))
        rows = [backend_row(backend, now, self.palette) for backend in active_backends(snapshot)]
        self.query_one(VirtualTable).set_rows(rows)
        self.set_summary(Text(f"{len(rows)} active", "bold"))
