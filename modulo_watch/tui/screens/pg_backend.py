"""A backend up close: who it is, what blocks it and whom it blocks, its locks, and its whole query.

It refreshes every few seconds while open; ``c`` and ``K`` ask to cancel or terminate it, as the
pane's keys do. The screen does no I/O of its own: it asks the ``PgInspector`` (a server or the drill).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from modulo_watch.collectors.clock import Clock
from modulo_watch.collectors.hub import Hub
from modulo_watch.collectors.models import PgBackend, PgSnapshot, SourceName
from modulo_watch.collectors.postgres.detail import (
    BackendDetail,
    BackendGone,
    PgAction,
    PgInspector,
    PgLock,
    PostgresError,
)
from modulo_watch.collectors.postgres.lock_tree import held_up
from modulo_watch.collectors.postgres.lock_tree import waiters_of as lock_waiters
from modulo_watch.tui.keys import BACKEND_DETAIL_KEYS, bindings
from modulo_watch.tui.panes.postgres import BackendActionRequested, duration_text
from modulo_watch.widgets.badges import Palette, since
from modulo_watch.widgets.live_text import LiveText
from modulo_watch.widgets.safe_text import clean, inert

MAX_WAITERS_LISTED = 40
REFRESH_EVERY = 2.0  # seconds between looks at the backend while its detail is open
MAX_QUERY = 20_000  # characters of query text shown; the server keeps track_activity_query_size of it
LABEL_WIDTH = 14


@dataclass(frozen=True, slots=True)
class Waiters:
    """The sessions a backend holds up: those waiting on it, and all held up through them too."""

    direct: tuple[int, ...] = ()
    in_all: int = 0


def waiters_of(pid: int, snapshot: PgSnapshot) -> Waiters:
    waiting = lock_waiters(snapshot.backends)
    return Waiters(tuple(b.pid for b in waiting.get(pid, ())), len(held_up(pid, waiting)))


def _clock(moment: datetime | None, now: datetime, palette: Palette, coloured: bool = True) -> Text:
    """The moment, and how long ago: coloured as a running time is, unless it is no cause for concern."""
    if moment is None:
        return Text("-", palette.muted)
    text = Text(f"{moment.astimezone():%H:%M:%S}  ")
    text.append_text(duration_text(moment, now, palette) if coloured else Text(since(moment, now)))
    return text


def identity(backend: PgBackend, detail: BackendDetail, now: datetime, palette: Palette) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True, min_width=LABEL_WIDTH)
    grid.add_column(overflow="fold")
    wait = f"{backend.wait_event_type}:{backend.wait_event}" if backend.wait_event else "-"
    rows: tuple[tuple[str, Text], ...] = (
        ("user", inert(backend.user or "-")),
        ("database", inert(backend.database or "-")),
        ("application", inert(backend.application or "-")),
        ("client", inert(backend.client or "-")),
        ("state", inert(backend.state or "-")),
        ("waiting for", inert(wait)),
        ("connected", _clock(backend.backend_start, now, palette, coloured=False)),
        ("transaction", _clock(backend.xact_start, now, palette)),
        ("query began", _clock(backend.query_start, now, palette)),
        ("xid / xmin", inert(f"{detail.xid or '-'} / {detail.xmin or '-'}")),
    )
    for label, value in rows:
        grid.add_row(label, value)
    return grid


def blocking(backend: PgBackend, waiters: Waiters, palette: Palette) -> Text:
    text = Text()
    if backend.blocked_by:
        text.append("blocked by  ", f"bold {palette.error}")
        text.append(", ".join(str(pid) for pid in backend.blocked_by))
        text.append("\n")
    direct = waiters.direct
    if direct:
        text.append(f"blocks {len(direct)}", f"bold {palette.error}")
        if waiters.in_all > len(direct):
            text.append(f" ({waiters.in_all} held up in all)", palette.error)
        text.append("   ")
        text.append(", ".join(str(pid) for pid in direct[:MAX_WAITERS_LISTED]))
        if len(direct) > MAX_WAITERS_LISTED:
            text.append(f" and {len(direct) - MAX_WAITERS_LISTED} more", palette.muted)
        text.append("\n")
    return text


def locks_table(detail: BackendDetail, now: datetime, palette: Palette) -> RenderableType:
    if not detail.locks:
        return Text("no locks: not in a transaction", palette.muted)
    table = Table(box=None, padding=(0, 2), header_style="bold", expand=False)
    for name in ("", "MODE", "ON", "WAITING FOR"):
        table.add_column(name, no_wrap=name != "ON", overflow="fold")
    for lock in detail.locks:
        table.add_row(*lock_cells(lock, now, palette))
    if not detail.relations_named:
        return Group(
            table, Text("relations by oid: the monitor could not connect to this database", palette.muted)
        )
    return table


def lock_cells(lock: PgLock, now: datetime, palette: Palette) -> tuple[Text, Text, Text, Text]:
    state = Text("held", palette.ok) if lock.granted else Text("WAITS", f"bold {palette.error}")
    waited = Text("-", palette.muted) if lock.granted else duration_text(lock.waitstart, now, palette)
    return state, inert(lock.mode), inert(lock.target, single_line=True), waited


def detail_body(detail: BackendDetail, waiters: Waiters, now: datetime, palette: Palette) -> Group:
    backend = detail.backend
    query = Text(clean(backend.query or "-", single_line=False, max_length=MAX_QUERY), overflow="fold")
    return Group(
        identity(backend, detail, now, palette),
        Text(""),
        blocking(backend, waiters, palette),
        Text("Locks", "bold underline"),
        locks_table(detail, now, palette),
        Text("\nQuery", "bold underline"),
        query,
    )


class BackendScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(BACKEND_DETAIL_KEYS))

    DEFAULT_CSS = """
    BackendScreen { background: $background; }
    #backend-title { height: 1; padding: 0 1; background: $panel; }
    #backend-body { height: 1fr; border: round $accent; padding: 0 1; }
    """

    def __init__(self, inspector: PgInspector, backend: PgBackend, hub: Hub, clock: Clock) -> None:
        super().__init__()
        self._inspector = inspector
        self._hub = hub
        self._clock = clock
        self.backend = backend  # as last seen: what an action asks about
        self.detail: BackendDetail | None = None
        self.palette = Palette()

    def compose(self) -> ComposeResult:
        yield LiveText(id="backend-title")
        with VerticalScroll(id="backend-body"):
            yield Static(Text("loading…", "dim"), id="backend-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.palette = Palette.from_theme(self.app.theme_variables)
        self._show_title("")
        self.query_one("#backend-body").focus()
        self.refresh_detail()
        self.set_interval(REFRESH_EVERY, self.refresh_detail)

    async def on_unmount(self) -> None:
        await self._inspector.aclose()

    def _show_title(self, note: str, style: str = "") -> None:
        title = Text.assemble((f"backend {self.backend.pid}", "bold"), "  ")
        title.append_text(inert(self.backend.user, max_length=30))
        title.append(" @ ")
        title.append_text(inert(self.backend.database, max_length=30))
        if note:
            title.append(f"   {note}", style)
        self.query_one("#backend-title", LiveText).show(title)

    @work(group="detail", exclusive=True, exit_on_error=False)
    async def refresh_detail(self) -> None:
        try:
            detail = await self._inspector.detail(self.backend.pid)
        except BackendGone:
            self._show_title("has ended: what it was doing last is below", f"bold {self.palette.warning}")
            return
        except PostgresError as error:
            self._show_title(f"not refreshed: {clean(str(error), max_length=200)}", self.palette.warning)
            return
        self.detail, self.backend = detail, detail.backend
        self._show_title("")
        now = self._clock.now()
        self.query_one("#backend-detail", Static).update(
            detail_body(detail, self._waiters(), now, self.palette)
        )

    def _waiters(self) -> Waiters:
        snapshot = self._hub.snapshot(SourceName.POSTGRES)
        return waiters_of(self.backend.pid, snapshot) if isinstance(snapshot, PgSnapshot) else Waiters()

    def action_act(self, action: str) -> None:
        self.post_message(BackendActionRequested(PgAction(action), self.backend))

    def action_close(self) -> None:
        self.dismiss(None)
