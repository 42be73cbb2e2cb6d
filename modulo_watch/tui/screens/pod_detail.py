"""A pod up close: ``kubectl describe`` on the left, its log on the right.

The log starts with the last lines and can follow (``f``), show the previous container (``p``),
another container (``c``), or every pod of the same app interleaved (``l``); ``/`` searches and
``n``/``N`` walk the matches. The describe view refreshes every few seconds. The screen does no I/O
of its own: it asks the ``PodInspector`` (a live cluster or the drill) in workers, and lines arrive
in batches a few times a second, so a chatty pod costs a few frames a second.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from modulo_watch.collectors.clock import Clock
from modulo_watch.collectors.inspect import (
    LOG_TAIL,
    MAX_SELECTOR_PODS,
    InspectError,
    LogLine,
    PodDetail,
    PodInspector,
    interleaved_logs,
)
from modulo_watch.tui.keys import POD_DETAIL_KEYS, bindings
from modulo_watch.tui.panes.pods import status_style
from modulo_watch.tui.screens.pod_describe import describe, wrapped
from modulo_watch.widgets.badges import Palette
from modulo_watch.widgets.filter_bar import FilterBar
from modulo_watch.widgets.live_text import LiveText
from modulo_watch.widgets.log_view import MAX_LINES, LogView
from modulo_watch.widgets.safe_text import clean, inert

DESCRIBE_EVERY = 5.0  # seconds between refreshes of the describe view
FLUSH_EVERY = 0.1  # seconds: new log lines are drawn in batches at most this often
FLUSH_BATCH = 1_000  # lines drawn per batch, about 10 ms of work however fast they arrive
POD_COLOURS = ("cyan", "magenta", "green", "yellow", "blue", "bright_red", "bright_cyan", "bright_magenta")


def short_names(pods: list[str]) -> dict[str, str]:
    """Each pod's name without the part all share, cut at a dash: "modulo-api-5659dd754f-4qfwx" -> "4qfwx"."""
    if len(pods) < 2:
        return {pod: pod for pod in pods}
    # The prefix every name shares is the one the first and last in sorted order share.
    first, last = min(pods), max(pods)
    same = next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), len(first))
    cut = first[:same].rfind("-") + 1
    return {pod: pod[cut:] or pod for pod in pods}


class PodDetailScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(POD_DETAIL_KEYS))

    DEFAULT_CSS = """
    PodDetailScreen { background: $background; }
    #pod-detail-title { height: 1; padding: 0 1; background: $panel; }
    #pod-detail-body { height: 1fr; }
    #pod-detail-describe { width: 2fr; min-width: 40; border: round $panel-lighten-2; padding: 0 1; }
    #pod-detail-logs { width: 3fr; border: round $panel-lighten-2; }
    #pod-detail-logs:focus-within { border: round $accent; }
    #pod-detail-describe:focus-within { border: round $accent; }
    #pod-detail-log-status { height: 1; padding: 0 1; background: $boost; }
    PodDetailScreen.-narrow #pod-detail-body { layout: vertical; }
    PodDetailScreen.-narrow #pod-detail-describe { width: 1fr; height: 2fr; min-width: 0; }
    PodDetailScreen.-narrow #pod-detail-logs { width: 1fr; height: 3fr; }
    """

    NARROW_WIDTH = 120

    def __init__(self, inspector: PodInspector, namespace: str, name: str, clock: Clock) -> None:
        super().__init__()
        self._inspector = inspector
        self._pod_namespace = namespace
        self._pod_name = name
        self._clock = clock
        self.palette = Palette()
        self.detail: PodDetail | None = None
        self.container: str | None = None
        self.follow = False
        self.previous = False
        self.all_pods = False
        self._pods: list[str] = []
        self._pending: list[LogLine] = []
        self._generation = 0  # lines from a stream that was replaced are dropped
        self._state = "loading…"
        self.search_text = ""

    # --- layout -----------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield LiveText(id="pod-detail-title")
        with Horizontal(id="pod-detail-body"):
            with VerticalScroll(id="pod-detail-describe") as describe_panel:
                describe_panel.border_title = "describe"
                yield Static(Text("loading…", "dim"), id="pod-detail-describe-text")
            with Vertical(id="pod-detail-logs") as logs_panel:
                logs_panel.border_title = "logs"
                yield LiveText(id="pod-detail-log-status")
                yield LogView(id="pod-detail-log")
                yield FilterBar("search the log", id="pod-detail-search")
        yield Footer()

    def on_mount(self) -> None:
        self.palette = Palette.from_theme(self.app.theme_variables)
        self._show_title()
        self._show_status()
        self.query_one(LogView).focus()
        self.refresh_detail()
        self.set_interval(DESCRIBE_EVERY, self.refresh_detail)
        self.set_interval(FLUSH_EVERY, self._flush)

    async def on_unmount(self) -> None:
        await self._inspector.aclose()

    def on_resize(self) -> None:
        self.set_class(self.size.width < self.NARROW_WIDTH, "-narrow")

    # --- describe ---------------------------------------------------------------------------------------

    @work(group="describe", exclusive=True, exit_on_error=False)
    async def refresh_detail(self) -> None:
        panel = self.query_one("#pod-detail-describe")
        try:
            detail = await self._inspector.describe(self._pod_namespace, self._pod_name)
        except InspectError as error:
            if self.detail is None:
                self._show_describe(wrapped(str(error), f"bold {self.palette.error}"))
                self._state = "no logs: the pod could not be read"
                self._show_status()
            else:  # the last good detail stays, marked as such: the pod may just have been deleted
                panel.border_subtitle = inert(f"not refreshed: {error}", self.palette.warning, max_length=80)
            return
        first = self.detail is None
        self.detail = detail
        panel.border_subtitle = ""
        self._show_describe(describe(detail, self._clock.now(), self.palette))
        self._show_title()
        if first:
            names = detail.container_names
            self.container = names[0] if names else None
            self._restart_logs()

    def _show_describe(self, renderable: RenderableType) -> None:
        self.query_one("#pod-detail-describe-text", Static).update(renderable)

    def _show_title(self) -> None:
        title = Text("Pod ", "bold")
        title.append_text(inert(f"{self._pod_namespace}/{self._pod_name}", "bold", max_length=120))
        if self.detail is not None:
            detail = self.detail
            title.append("  ")
            title.append_text(inert(detail.status, status_style(detail.status, self.palette), max_length=30))
            title.append_text(inert(f"  ready {detail.ready}", self.palette.muted, max_length=20))
            title.append(f"  restarts {detail.restarts}", self.palette.muted)
        self.query_one("#pod-detail-title", LiveText).show(title)

    # --- logs -------------------------------------------------------------------------------------------

    def _restart_logs(self, *, resume: bool = False) -> None:
        """Start the log stream again for the current choices; ``resume`` keeps the lines shown."""
        self._generation += 1
        self._pending.clear()
        view = self.query_one(LogView)
        since = None
        if resume:
            since = next((line.timestamp for line in reversed(view.lines) if line.timestamp), None)
        else:
            view.clear()
            if self.search_text:
                view.search(self.search_text)
        self._state = "loading…"
        self._show_status()
        self._stream(self._generation, since)

    @work(group="logs", exclusive=True, exit_on_error=False)
    async def _stream(self, generation: int, since: datetime | None) -> None:
        container = self.container
        follow = self.follow and not self.previous
        try:
            if self.all_pods:
                await self._choose_pods()
                stream = interleaved_logs(
                    self._inspector, self._pod_namespace, self._pods, container=container or "", follow=follow
                )
            else:
                self.query_one(LogView).set_prefixes({})
                stream = self._inspector.logs(
                    self._pod_namespace,
                    self._pod_name,
                    container=container,
                    tail=None if since else LOG_TAIL,
                    previous=self.previous,
                    follow=follow,
                    since=since,
                )
            if follow:
                self._set_state(generation, "following")
            async for line in stream:
                if generation != self._generation:
                    return
                self._pending.append(line)
            self._set_state(generation, "the stream ended" if follow else "")
        except InspectError as error:
            if generation == self._generation:
                self._pending.append(LogLine(self._pod_name, container or "", str(error), note=True))
                self._set_state(generation, "")

    async def _choose_pods(self) -> None:
        selector = self.detail.app_selector if self.detail is not None else None
        if selector is None:
            raise InspectError("this pod has no app label (app, app.kubernetes.io/name or k8s-app)")
        pods = await self._inspector.selector_pods(self._pod_namespace, selector)
        if self._pod_name not in pods:
            pods.insert(0, self._pod_name)
        self._pods = pods[:MAX_SELECTOR_PODS]
        labels = short_names(self._pods)
        self.query_one(LogView).set_prefixes(
            {pod: (labels[pod], POD_COLOURS[i % len(POD_COLOURS)]) for i, pod in enumerate(self._pods)}
        )
        if len(pods) > MAX_SELECTOR_PODS:
            shown = clean(selector, max_length=60)
            self.notify(f"Showing {MAX_SELECTOR_PODS} of {len(pods)} pods of {shown}", markup=False)

    def _set_state(self, generation: int, state: str) -> None:
        if generation == self._generation:
            self._state = state
            self._flush()
            self._show_status()

    def _flush(self) -> None:
        if not self._pending:
            return
        if len(self._pending) > MAX_LINES:  # more than the view keeps arrived: the oldest would drop anyway
            del self._pending[:-MAX_LINES]
        batch, self._pending = self._pending[:FLUSH_BATCH], self._pending[FLUSH_BATCH:]
        self.query_one(LogView).append(batch)
        self._show_status()

    def _show_status(self) -> None:
        view = self.query_one(LogView)
        palette = self.palette
        status = inert(self.container or "-", "bold", max_length=40)
        if self.all_pods:
            selector = self.detail.app_selector if self.detail else None
            status.append(f"  all {len(self._pods)} pods of ", palette.accent)
            status.append_text(inert(selector or "-", palette.accent, max_length=60))
        if self.previous:
            status.append("  previous container", f"bold {palette.warning}")
        status.append(f"  {view.line_count:,} lines", palette.muted)
        if view.dropped:
            status.append(f" ({view.dropped:,} older dropped)", palette.muted)
        if self.search_text:
            status.append("  /")
            status.append_text(inert(self.search_text, palette.accent, max_length=30))
            position = view.match_position
            count = view.match_count
            where = f"{position} of {count}" if position else f"{count} matches"
            status.append(f" {where}", palette.accent if count else palette.warning)
        if self._state:
            status.append(
                f"  {self._state}", f"bold {palette.ok}" if self._state == "following" else palette.muted
            )
        self.query_one("#pod-detail-log-status", LiveText).show(status)

    # --- keys -------------------------------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss(None)

    def action_toggle_follow(self) -> None:
        if self.previous:
            self.notify("The previous container has ended: there is nothing to follow", markup=False)
            return
        self.follow = not self.follow
        if self.follow:
            # One pod resumes after its last line; several pods start over, each from its tail.
            self._restart_logs(resume=not self.all_pods)
        else:
            self.workers.cancel_group(self, "logs")
            self._generation += 1
            self._state = ""
            self._flush()
            self._show_status()

    def action_toggle_previous(self) -> None:
        self.previous = not self.previous
        self._restart_logs()

    def action_next_container(self) -> None:
        names = self.detail.container_names if self.detail is not None else ()
        if len(names) < 2:
            self.notify("This pod has one container", markup=False)
            return
        current = names.index(self.container) if self.container in names else -1
        self.container = names[(current + 1) % len(names)]
        self._restart_logs()

    def action_toggle_all_pods(self) -> None:
        self.all_pods = not self.all_pods
        self._restart_logs()

    def action_search(self) -> None:
        self.query_one(FilterBar).open()

    def action_next_match(self) -> None:
        self.query_one(LogView).next_match()
        self._show_status()

    def action_previous_match(self) -> None:
        self.query_one(LogView).next_match(backwards=True)
        self._show_status()

    @on(FilterBar.Filtered)
    def _search_changed(self, event: FilterBar.Filtered) -> None:
        self.search_text = event.text
        self.query_one(LogView).search(event.text)
        self._show_status()

    @on(FilterBar.Closed)
    def _search_closed(self) -> None:
        self.query_one(LogView).focus()
