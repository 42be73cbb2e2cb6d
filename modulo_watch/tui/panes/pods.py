"""The Pods pane: every pod, faults first, with counts by status in the border."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from operator import attrgetter

from rich.text import Text
from textual.app import ComposeResult

from modulo_watch.collectors.models import HEALTHY_POD_STATUSES, Pod, PodSnapshot, Snapshot, SourceName
from modulo_watch.tui.panes.base import SourcePane, expect
from modulo_watch.widgets.badges import Palette, since
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
    Column("cpu", "CPU", 5, "right"),
    Column("memory", "MEM", 6, "right"),
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
        inert(pod.node, palette.muted, max_length=22),
    )


def status_summary(pods: tuple[Pod, ...], palette: Palette) -> Text:
    counts = Counter(pod.status for pod in pods)
    summary = Text(f"{len(pods)}", "bold")
    for status, count in sorted(counts.items(), key=lambda item: (item[0] in HEALTHY_POD_STATUSES, -item[1])):
        summary.append("  ")
        summary.append_text(inert(f"{status} {count}", status_style(status, palette), max_length=28))
    return summary


class PodsPane(SourcePane):
    """Only the rows on screen are formatted, and the snapshot comes in display order: a snapshot
    of 150k pods costs the pane next to nothing."""

    SOURCE = SourceName.PODS
    TITLE = "Pods"

    def __init__(self, number: int, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(number, id=id)
        self._snapshot = PodSnapshot(datetime.min, ())

    def compose(self) -> ComposeResult:
        yield VirtualTable[Pod](
            COLUMNS,
            key=attrgetter("key"),
            cells=self._cells,
            empty_message="waiting for pods…",
            id="pods-table",
        )

    def _cells(self, pod: Pod) -> tuple[Text | str, ...]:
        return pod_cells(pod, self._snapshot, self.palette)

    def apply(self, snapshot: Snapshot) -> None:
        snapshot = expect(snapshot, PodSnapshot)
        self._snapshot = snapshot
        self.query_one(VirtualTable).set_rows(snapshot.pods)
        self.set_summary(status_summary(snapshot.pods, self.palette))
