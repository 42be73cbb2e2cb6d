"""The Pods pane: every pod, faults first, with counts by status in the border; ``/`` filters,
``f`` shows faults only."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from itertools import takewhile
from operator import attrgetter
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType

from modulo_watch.collectors.models import (
    HEALTHY_POD_STATUSES,
    Pod,
    PodSnapshot,
    Snapshot,
    SourceName,
    is_fault,
)
from modulo_watch.tui.keys import POD_KEYS, bindings
from modulo_watch.tui.panes.base import FilteredPane, PodChosen, expect
from modulo_watch.tui.panes.evidence import Captured, pod_evidence
from modulo_watch.widgets.badges import Palette, since
from modulo_watch.widgets.filter_bar import FilterBar
from modulo_watch.widgets.safe_text import inert
from modulo_watch.widgets.table import VirtualTable
from modulo_watch.widgets.table_layout import Column

FAILING = frozenset(
    {
        "CrashLoopBackOff",
        "Error",
        "OOMKilled",
        "ImagePullBackOff",
        "ErrImagePull",
        "Evicted",
        "Failed",
        "Unknown",
    }
)

COLUMNS = (
    Column("namespace", "NAMESPACE", 11),
    Column("name", "NAME", min_width=24),
    Column("ready", "READY", 5, "right"),
    Column("status", "STATUS", 17),
    Column("restarts", "RESTARTS", 12, "right"),
    Column("age", "AGE", 5, "right"),
    Column("cpu", "CPU", 6, "right"),
    Column("memory", "MEM", 6, "right"),
    Column("cpu_request", "%CPU/R", 6, "right"),
    Column("cpu_limit", "%CPU/L", 6, "right"),
    Column("memory_request", "%MEM/R", 6, "right"),
    Column("memory_limit", "%MEM/L", 6, "right"),
    Column("node", "NODE", 22),
)


def status_style(status: str, palette: Palette) -> str:
    if status in FAILING:
        return f"bold {palette.error}"
    if status in HEALTHY_POD_STATUSES:
        return palette.muted if status != "Running" else ""
    return palette.warning


def format_memory(size: int | None) -> str:
    if size is None:
        return "-"
    mebibytes = size / 2**20
    return f"{mebibytes / 1024:.1f}Gi" if mebibytes >= 1024 else f"{mebibytes:.0f}Mi"


def percent_of(used: int | None, of: int | None, palette: Palette) -> Text | str:
    """Use as a share of a request or limit, as k9s shows it: loud near and over a limit."""
    if used is None or not of:
        return "-"
    share = 100 * used / of
    style = f"bold {palette.error}" if share >= 100 else palette.warning if share >= 80 else ""
    return Text(f"{share:.0f}", style)


def pod_cells(pod: Pod, snapshot: PodSnapshot, palette: Palette) -> tuple[Text | str, ...]:
    now = snapshot.collected_at
    cpu, memory = snapshot.usage_of(pod)
    restarts = str(pod.restarts)
    if pod.last_restart_at is not None and pod.restarts:
        restarts += f" ({since(pod.last_restart_at, now)})"
    ready_style = palette.warning if pod.ready_containers < pod.total_containers else ""
    return (
        inert(pod.namespace, max_length=11),
        inert(pod.name),
        Text(f"{pod.ready_containers}/{pod.total_containers}", ready_style),
        inert(pod.status, status_style(pod.status, palette), max_length=17),
        Text(restarts, palette.warning if pod.restarts else ""),
        since(pod.created_at, now),
        "-" if cpu is None else f"{cpu}m",
        format_memory(memory),
        percent_of(cpu, pod.cpu_request_millicores, palette),
        percent_of(cpu, pod.cpu_limit_millicores, palette),
        percent_of(memory, pod.memory_request_bytes, palette),
        percent_of(memory, pod.memory_limit_bytes, palette),
        inert(pod.node, palette.muted, max_length=22),
    )


def status_summary(snapshot: PodSnapshot, palette: Palette) -> Text:
    counts = snapshot.status_counts()
    summary = Text(f"{len(snapshot.pods)}", "bold")
    for status, count in sorted(counts.items(), key=lambda item: (item[0] in HEALTHY_POD_STATUSES, -item[1])):
        summary.append("  ")
        summary.append_text(inert(f"{status} {count}", status_style(status, palette), max_length=28))
    return summary


def pod_matcher(needle: str, statuses: Iterable[str]) -> Callable[[Pod], bool]:
    """Whether a pod's namespace/name, node or status holds ``needle`` (lower case).

    Names, namespaces and node names are lower case by the API's own rules, so only the few
    distinct statuses need lowering: a keystroke over 150k pods stays within a few tens of ms.
    """
    matching_statuses = frozenset(status for status in statuses if needle in status.lower())
    return lambda pod: needle in pod.key or needle in pod.node or pod.status in matching_statuses


def visible_pods(
    pods: tuple[Pod, ...], needle: str, faults_only: bool, statuses: Iterable[str]
) -> tuple[Pod, ...]:
    """The pods to show; ``statuses`` are every status among them (the filter matches those too)."""
    if faults_only:
        # Faults come first in a snapshot: stop at the first healthy pod instead of scanning 150k.
        pods = tuple(takewhile(is_fault, pods))
    if needle:
        pods = tuple(filter(pod_matcher(needle, statuses), pods))
    return pods


class PodsPane(FilteredPane):
    """Only the rows on screen are formatted, and the snapshot comes in display order: a snapshot
    of 150k pods costs the pane next to nothing."""

    SOURCE = SourceName.PODS
    TITLE = "Pods"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(POD_KEYS))

    def __init__(self, number: int, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(number, id=id)
        self._snapshot = PodSnapshot(datetime.min, ())
        self._faults_only = False
        self._shown: tuple[Pod, ...] = ()
        self._shown_for: tuple[PodSnapshot, str, bool] | None = None

    def _candidates(self) -> tuple[Pod, ...]:
        """The pods the filter must look at: typing one more letter only narrows what is shown."""
        if self._shown_for is not None:
            snapshot, needle, faults_only = self._shown_for
            narrowing = self.needle.startswith(needle) and (self._faults_only or not faults_only)
            if snapshot is self._snapshot and narrowing:
                return self._shown
        return self._snapshot.pods

    def compose(self) -> ComposeResult:
        yield VirtualTable[Pod](
            COLUMNS,
            key=attrgetter("key"),
            cells=self._cells,
            empty_message="waiting for pods…",
            id="pods-table",
        )
        yield FilterBar("filter pods: name, namespace, status or node", id="pods-filter")

    def _cells(self, pod: Pod) -> tuple[Text | str, ...]:
        return pod_cells(pod, self._snapshot, self.palette)

    def apply(self, snapshot: Snapshot) -> None:
        self._snapshot = expect(snapshot, PodSnapshot)
        self.show_rows()

    def show_rows(self) -> None:
        pods = self._snapshot.pods
        shown = visible_pods(
            self._candidates(), self.needle, self._faults_only, self._snapshot.status_counts()
        )
        self._shown, self._shown_for = shown, (self._snapshot, self.needle, self._faults_only)
        table = self.query_one(VirtualTable)
        table.empty_message = "no pod matches" if pods else "waiting for pods…"
        table.set_rows(shown)
        summary = status_summary(self._snapshot, self.palette)
        if len(shown) != len(pods):
            summary = Text.assemble((f"{len(shown)} of ", "bold"), summary)
        if self._faults_only:
            summary.append("  faults only", f"bold {self.palette.warning}")
        self.set_summary(summary + self.filter_note())

    def captured(self, now: datetime) -> Captured | None:
        """The pod under the cursor, as evidence; None when no pod is listed."""
        pod = self.query_one(VirtualTable).cursor_row
        if not isinstance(pod, Pod):
            return None
        return pod_evidence(pod, now, self._snapshot.usage_of(pod), self._snapshot.collected_at)

    def action_toggle_faults(self) -> None:
        self._faults_only = not self._faults_only
        self.show_rows()

    @on(VirtualTable.RowSelected)
    def _row_selected(self, event: VirtualTable.RowSelected) -> None:
        event.stop()
        rows = self.query_one(VirtualTable).rows
        pod = rows[event.index] if event.index < len(rows) else None
        if isinstance(pod, Pod) and pod.key == event.key:
            self.post_message(PodChosen(pod.namespace, pod.name))
