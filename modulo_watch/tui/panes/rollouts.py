"""The Rollouts pane: "check recent deployments". Every Deployment revision of the last hours, newest
first, with its image change and how its rollout is going; revisions that went out shortly before
the error rate rose are marked as suspects."""

from __future__ import annotations

from datetime import datetime
from operator import attrgetter
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType

from modulo_watch.collectors.models import (
    Rollout,
    RolloutSnapshot,
    RolloutState,
    Snapshot,
    SourceName,
    image_repository,
)
from modulo_watch.tui.keys import ROLLOUT_KEYS, bindings
from modulo_watch.tui.panes.base import FilteredPane, expect
from modulo_watch.tui.panes.evidence import Captured, rollout_evidence
from modulo_watch.widgets.badges import Palette, since
from modulo_watch.widgets.filter_bar import FilterBar
from modulo_watch.widgets.safe_text import inert
from modulo_watch.widgets.table import VirtualTable
from modulo_watch.widgets.table_layout import Column

SUSPECT_MARK = "◆"

COLUMNS = (
    Column("suspect", "", 1),
    Column("namespace", "NAMESPACE", 11),
    Column("deployment", "DEPLOYMENT", min_width=16),
    Column("revision", "REV", 4, "right"),
    Column("state", "STATE", 11),
    Column("ready", "READY", 7, "right"),
    Column("started", "STARTED", 7, "right"),
    Column("images", "IMAGE CHANGE", min_width=28),
    Column("message", "MESSAGE", min_width=12),
)


def state_style(state: RolloutState, palette: Palette) -> str:
    return {
        RolloutState.STUCK: f"bold {palette.error}",
        RolloutState.PROGRESSING: f"bold {palette.warning}",
        RolloutState.PAUSED: palette.warning,
        RolloutState.SUPERSEDED: palette.muted,
    }.get(state, "")


def short_image(image: str) -> str:
    """The image without its registry and path: the column is narrow, the filter still sees it whole."""
    return image.rsplit("/", 1)[-1]


def image_change(rollout: Rollout) -> str:
    """What this revision changed: "modulo-api:v2.13.2 → v2.14.0", or its images if it is the first."""
    if not rollout.previous_images:
        return ", ".join(map(short_image, rollout.images))
    changes = rollout.changed_images
    if not changes:
        return "same images"
    return ", ".join(
        f"{short_image(before)} → {after[len(image_repository(after)) :].lstrip(':@')}"
        if before and image_repository(before) == image_repository(after)
        else f"+ {short_image(after)}"
        for before, after in changes
    )


def rollout_cells(rollout: Rollout, now: datetime, suspect: bool, palette: Palette) -> tuple[Text | str, ...]:
    ready_style = palette.warning if rollout.ready < rollout.desired else ""
    return (
        Text(SUSPECT_MARK, f"bold {palette.error}") if suspect else "",
        inert(rollout.namespace, max_length=11),
        inert(rollout.deployment, "bold" if suspect else ""),
        str(rollout.revision),
        Text(rollout.state.value, state_style(rollout.state, palette)),
        Text(f"{rollout.ready}/{rollout.desired}", ready_style),
        since(rollout.since, now),
        inert(image_change(rollout), "" if rollout.changed_images else palette.muted),
        inert(rollout.message, palette.error),
    )


def matches(rollout: Rollout, needle: str) -> bool:
    texts = (rollout.namespace, rollout.deployment, rollout.replica_set, rollout.state.value, *rollout.images)
    return any(needle in text.lower() for text in texts)


class RolloutsPane(FilteredPane):
    SOURCE = SourceName.ROLLOUTS
    TITLE = "Rollouts"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(ROLLOUT_KEYS))

    def __init__(self, number: int, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(number, id=id)
        self._snapshot = RolloutSnapshot(datetime.min, ())
        self._suspects: frozenset[str] = frozenset()
        self._rise: datetime | None = None

    def compose(self) -> ComposeResult:
        yield VirtualTable[Rollout](
            COLUMNS,
            key=attrgetter("key"),
            cells=self._cells,
            empty_message="waiting for deployments…",
            id="rollouts-table",
        )
        yield FilterBar("filter rollouts: deployment, image or state", id="rollouts-filter")

    def _cells(self, rollout: Rollout) -> tuple[Text | str, ...]:
        suspect = rollout.key in self._suspects
        return rollout_cells(rollout, self._snapshot.collected_at, suspect, self.palette)

    def apply(self, snapshot: Snapshot) -> None:
        self._snapshot = expect(snapshot, RolloutSnapshot)
        self.show_rows()

    def show_suspects(self, suspects: frozenset[str], rise: datetime | None) -> None:
        """Mark the rollouts that went out shortly before the error rate rose at ``rise``."""
        if (suspects, rise) != (self._suspects, self._rise):
            self._suspects, self._rise = suspects, rise
            self.show_rows()

    @property
    def rollouts(self) -> tuple[Rollout, ...]:
        return self._snapshot.rollouts

    def suspects(self) -> list[Rollout]:
        return [rollout for rollout in self.rollouts if rollout.key in self._suspects]

    def captured(self, now: datetime) -> Captured | None:
        """The revision under the cursor, as evidence; None when no rollout is listed."""
        rollout = self.query_one(VirtualTable).cursor_row
        if not isinstance(rollout, Rollout):
            return None
        suspect = rollout.key in self._suspects
        return rollout_evidence(rollout, now, image_change(rollout), suspect, self._snapshot.collected_at)

    def tab_label(self) -> Text:
        label = super().tab_label()
        suspects = len(self.suspects())
        if suspects:
            label.append(f" {SUSPECT_MARK}{suspects}", f"bold {self.palette.error}")
        return label

    def show_rows(self) -> None:
        rollouts = self._snapshot.rollouts
        shown = tuple(rollout for rollout in rollouts if not self.needle or matches(rollout, self.needle))
        table = self.query_one(VirtualTable)
        table.empty_message = "no rollout matches" if rollouts else "no deployment changed in the last 6 h"
        table.set_rows(shown)
        self.set_summary(self._summary_text(len(shown)) + self.filter_note())

    def _summary_text(self, shown: int) -> Text:
        rollouts = self._snapshot.rollouts
        summary = Text(f"{len(rollouts)}", "bold")
        if shown != len(rollouts):
            summary = Text.assemble((f"{shown} of ", "bold"), summary)
        for state in (RolloutState.STUCK, RolloutState.PROGRESSING, RolloutState.PAUSED):
            count = sum(1 for rollout in rollouts if rollout.state is state)
            if count:
                summary.append(f"  {state.value} {count}", state_style(state, self.palette))
        suspects = self.suspects()
        if suspects and self._rise is not None:
            names = ", ".join(sorted({rollout.deployment for rollout in suspects}))
            summary.append(f"  {SUSPECT_MARK} suspect: ", f"bold {self.palette.error}")
            summary.append_text(inert(names, f"bold {self.palette.error}", max_length=40))
            rose = since(self._rise, self._snapshot.collected_at)
            summary.append(f" (errors rose {rose} ago)", self.palette.muted)
        return summary
