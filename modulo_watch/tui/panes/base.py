"""What every source pane shares: a numbered border title and a border line with its source's status."""

from __future__ import annotations

from abc import abstractmethod
from datetime import datetime
from typing import ClassVar, TypeVar

from rich.text import Text
from textual import on
from textual.containers import Vertical
from textual.message import Message

from modulo_watch.collectors.models import Snapshot, SourceName, SourceState, SourceStatus
from modulo_watch.widgets.badges import DEFAULT_PALETTE, Palette, source_badge
from modulo_watch.widgets.filter_bar import FilterBar
from modulo_watch.widgets.safe_text import inert
from modulo_watch.widgets.table import VirtualTable

SnapshotT = TypeVar("SnapshotT", bound=Snapshot)


def expect(snapshot: Snapshot, kind: type[SnapshotT]) -> SnapshotT:
    """The snapshot as the type a pane shows; a mismatch is a wiring bug, not bad data."""
    if not isinstance(snapshot, kind):
        raise TypeError(f"expected {kind.__name__}, got {type(snapshot).__name__}")
    return snapshot


class PodChosen(Message):
    """Enter on a pod (or on an event about one): the app opens its detail."""

    def __init__(self, pod_namespace: str, pod_name: str) -> None:
        super().__init__()
        self.pod_namespace = pod_namespace
        self.pod_name = pod_name


class SourcePane(Vertical):
    """A region fed by one source. Panes are dumb: ``apply`` a snapshot, ``show_status``; no I/O.

    The last good data stays on screen when the source fails; the ``-stale`` class dims it and
    the border says since when.
    """

    SOURCE: ClassVar[SourceName]
    TITLE: ClassVar[str]
    ALLOW_MAXIMIZE = True

    DEFAULT_CSS = """
    SourcePane {
        border: round $panel-lighten-2;
        border-title-color: $text;
        border-subtitle-align: right;
        padding: 0;
        &:focus-within { border: round $accent; border-title-style: bold; }
        &.-stale { border: round $warning; }
        &.-stale > * { opacity: 0.7; }
    }
    """

    def __init__(self, number: int, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.number = number
        self.palette: Palette = DEFAULT_PALETTE
        self._summary = Text()
        self._aside = Text()
        self._badge = Text()

    def on_mount(self) -> None:
        self.palette = Palette.from_theme(self.app.theme_variables)
        self._render_title()

    @abstractmethod
    def apply(self, snapshot: Snapshot) -> None:
        """Show a new snapshot from this pane's source."""

    def show_status(self, status: SourceStatus, now: datetime, monotonic: float) -> None:
        """Put the source's status (and the age of its data) in the bottom border."""
        badge = source_badge(status, now=now, monotonic=monotonic, palette=self.palette)
        # Setting a border text repaints the whole pane, even to the same text: only on a change.
        if badge != self._badge:
            self._badge = badge
            self.border_subtitle = badge
        self.set_class(status.state is SourceState.STALE, "-stale")

    def set_summary(self, summary: Text) -> None:
        """Counts for the top border, beside the title (for example pods by status)."""
        if summary != self._summary:
            self._summary = summary
            self._render_title()

    def set_aside(self, aside: Text) -> None:
        """A note after the summary: the views that share this pane's place, and what they hold."""
        if aside != self._aside:
            self._aside = aside
            self._render_title()

    def tab_label(self) -> Text:
        """How the views sharing this pane's place name it: its number and title."""
        return Text.assemble((f"{self.number} ", "bold"), self.TITLE)

    def _render_title(self) -> None:
        title = Text.assemble((f"{self.number} ", "bold"), (self.TITLE, "bold"))
        if self._summary:
            title.append("  ")
            title.append_text(self._summary)
        if self._aside:
            title.append("  │ ", self.palette.muted)
            title.append_text(self._aside)
        self.border_title = title


class FilteredPane(SourcePane):
    """A pane whose table has a filter bar under it: ``/`` opens it, the rows follow as you type."""

    def __init__(self, number: int, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(number, id=id)
        self.needle = ""  # the filter, lower-cased

    @abstractmethod
    def show_rows(self) -> None:
        """Put the snapshot's rows that pass the filter in the table, and the counts in the border."""

    def filter_note(self) -> Text:
        """The filter as the border shows it, "" when there is none."""
        if not self.needle:
            return Text()
        return Text.assemble("  /", inert(self.needle, self.palette.accent, max_length=24))

    def action_filter(self) -> None:
        self.query_one(FilterBar).open()

    @on(FilterBar.Filtered)
    def _filter_changed(self, event: FilterBar.Filtered) -> None:
        self.needle = event.text.strip().lower()
        self.show_rows()

    @on(FilterBar.Closed)
    def _filter_closed(self) -> None:
        self.query_one(VirtualTable).focus()
