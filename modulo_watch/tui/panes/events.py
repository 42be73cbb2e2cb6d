"""The Events pane: the cluster's events, most recently seen first, as ``kubectl get events -A``
shows them; warnings stand out, ``/`` filters by object, reason or message, ``w`` keeps warnings."""

from __future__ import annotations

from datetime import datetime
from operator import attrgetter
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType

from modulo_watch.collectors.models import EventSnapshot, KubeEvent, Snapshot, SourceName
from modulo_watch.tui.keys import EVENT_KEYS, bindings
from modulo_watch.tui.panes.base import FilteredPane, PodChosen, expect
from modulo_watch.tui.panes.evidence import Captured, event_evidence
from modulo_watch.widgets.badges import Palette, since
from modulo_watch.widgets.filter_bar import FilterBar
from modulo_watch.widgets.safe_text import inert
from modulo_watch.widgets.table import VirtualTable
from modulo_watch.widgets.table_layout import Column

COLUMNS = (
    Column("namespace", "NAMESPACE", 11),
    Column("last_seen", "LAST SEEN", 9, "right"),
    Column("type", "TYPE", 7),
    Column("reason", "REASON", 18),
    Column("object", "OBJECT", 34),
    Column("count", "COUNT", 5, "right"),
    Column("message", "MESSAGE", min_width=32),
)


def event_cells(event: KubeEvent, now: datetime, palette: Palette) -> tuple[Text | str, ...]:
    seen = event.last_seen or event.first_seen
    type_style = f"bold {palette.warning}" if event.warning else palette.muted
    return (
        inert(event.namespace, max_length=11),
        since(seen, now) if seen is not None else "-",
        inert(event.type, type_style, max_length=7),
        inert(event.reason, palette.warning if event.warning else "", max_length=18),
        inert(event.involved),
        str(event.count),
        inert(event.message),
    )


def matches(event: KubeEvent, needle: str) -> bool:
    """A case-insensitive substring of the object, the reason, the message or the namespace."""
    return any(
        needle in text.lower() for text in (event.involved, event.reason, event.message, event.namespace)
    )


def visible_events(events: tuple[KubeEvent, ...], needle: str, warnings_only: bool) -> tuple[KubeEvent, ...]:
    return tuple(
        event
        for event in events
        if (event.warning or not warnings_only) and (not needle or matches(event, needle))
    )


def warnings_label(warnings: int, palette: Palette) -> Text:
    return Text(f"Warning {warnings}", f"bold {palette.warning}" if warnings else palette.muted)


class EventsPane(FilteredPane):
    """At most ``MAX_EVENTS`` rows: filtering scans them all on every keystroke, which is cheap."""

    SOURCE = SourceName.EVENTS
    TITLE = "Events"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(EVENT_KEYS))

    def __init__(self, number: int, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(number, id=id)
        self._snapshot = EventSnapshot(datetime.min, ())
        self._warnings_only = False

    def compose(self) -> ComposeResult:
        yield VirtualTable[KubeEvent](
            COLUMNS,
            key=attrgetter("key"),
            cells=self._cells,
            empty_message="waiting for events…",
            id="events-table",
        )
        yield FilterBar("filter events: object, reason, message or namespace", id="events-filter")

    def _cells(self, event: KubeEvent) -> tuple[Text | str, ...]:
        return event_cells(event, self._snapshot.collected_at, self.palette)

    def apply(self, snapshot: Snapshot) -> None:
        self._snapshot = expect(snapshot, EventSnapshot)
        self.show_rows()

    def tab_label(self) -> Text:
        label = super().tab_label()
        warnings = self._snapshot.warnings
        if warnings:
            label.append(f" ▲{warnings}", f"bold {self.palette.warning}")
        return label

    def show_rows(self) -> None:
        snapshot = self._snapshot
        shown = visible_events(snapshot.events, self.needle, self._warnings_only)
        table = self.query_one(VirtualTable)
        table.empty_message = "no event matches" if snapshot.events else "no events in the last hour"
        table.set_rows(shown)
        summary = Text(f"{len(snapshot.events)}", "bold")
        if len(shown) != len(snapshot.events):
            summary = Text.assemble((f"{len(shown)} of ", "bold"), summary)
        if snapshot.total > len(snapshot.events):
            summary.append(f" newest of {snapshot.total}", self.palette.muted)
        summary.append("  ")
        summary.append_text(warnings_label(snapshot.warnings, self.palette))
        if self._warnings_only:
            summary.append("  warnings only", f"bold {self.palette.warning}")
        self.set_summary(summary + self.filter_note())

    def captured(self, now: datetime) -> Captured | None:
        """The event under the cursor, as evidence; None when no event is listed."""
        event = self.query_one(VirtualTable).cursor_row
        return event_evidence(event, self._snapshot.collected_at) if isinstance(event, KubeEvent) else None

    def action_toggle_warnings(self) -> None:
        self._warnings_only = not self._warnings_only
        self.show_rows()

    @on(VirtualTable.RowSelected)
    def _row_selected(self, event: VirtualTable.RowSelected) -> None:
        """Enter on an event about a pod opens that pod's detail."""
        event.stop()
        rows = self.query_one(VirtualTable).rows
        chosen = rows[event.index] if event.index < len(rows) else None
        if isinstance(chosen, KubeEvent) and chosen.key == event.key and chosen.involved_kind == "Pod":
            self.post_message(PodChosen(chosen.namespace, chosen.involved_name))
