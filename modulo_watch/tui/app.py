"""The war-room app: wires the sources' hub to the panes and the responder's keys to the incident journal."""

from __future__ import annotations

import asyncio
import gc
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.containers import Grid, Horizontal
from textual.screen import Screen
from textual.theme import BUILTIN_THEMES
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Footer

from modulo_watch.collectors.alertmanager.acks import (
    AlertActions,
    AlertSourceError,
    NothingToMatch,
    matchers_for,
)
from modulo_watch.collectors.drill import ScenarioError, load_scenario
from modulo_watch.collectors.models import HealthSnapshot, MetricsSnapshot, PgBackend, Snapshot, SourceName
from modulo_watch.collectors.postgres.detail import PgAction, PgOutcome, PostgresError
from modulo_watch.collectors.runner import SourceRunner
from modulo_watch.collectors.sources import Sources, drill_sources, empty_kube_snapshot, live_sources
from modulo_watch.config import Settings, display_path
from modulo_watch.incident.guide import Target
from modulo_watch.incident.journal import IncidentJournal, JournalError, default_directory
from modulo_watch.incident.suspects import RiseTracker, suspects
from modulo_watch.tui.alert_actions import (
    FROM_PROMETHEUS,
    ack_comment,
    ack_question,
    ack_target,
    responder,
    unack_question,
)
from modulo_watch.tui.comms_actions import CommsApp
from modulo_watch.tui.keys import GLOBAL_KEYS, KUBE_VIEWS, PANE_ORDER, bindings, unknown_keymap_ids
from modulo_watch.tui.panes.alerts import (
    AcknowledgeRequested,
    AlertChosen,
    AlertsPane,
    UnacknowledgeRequested,
)
from modulo_watch.tui.panes.base import PodChosen, SourcePane
from modulo_watch.tui.panes.error_rate import ErrorRatePane, GraphViewChosen
from modulo_watch.tui.panes.events import EventsPane
from modulo_watch.tui.panes.evidence import find_capturing_pane
from modulo_watch.tui.panes.nodes import NodesPane
from modulo_watch.tui.panes.pods import PodsPane
from modulo_watch.tui.panes.postgres import BackendActionRequested, BackendChosen, PostgresPane
from modulo_watch.tui.panes.responder import ResponderPanel
from modulo_watch.tui.panes.rollouts import RolloutsPane
from modulo_watch.tui.pg_actions import (
    ACTIONS_OFF,
    confirmation,
    outcome_message,
    record_action,
    record_target,
)
from modulo_watch.tui.screens.confirm import ConfirmScreen
from modulo_watch.tui.screens.help import HelpScreen
from modulo_watch.tui.top_bar import TopBar, top_bar_text
from modulo_watch.widgets.badges import Palette
from modulo_watch.widgets.safe_text import clean

# Repaints for new data come at most this often: a lone change is painted in the next frame, and a watch
# delivering hundreds of pod events a second still costs only a few frames a second.
REPAINT_DELAY = 0.2
NARROW_WIDTH = 120
MEDIUM_WIDTH = 160
SHORT_HEIGHT = 32
HANGUP_EXIT = 128 + signal.SIGHUP  # the shell's status for a process ended by SIGHUP
HANGUP_GRACE = 2.0  # seconds the shutdown may take after a hang-up before the process just ends
# Actions that need an open incident.
INCIDENT_ACTIONS = frozenset(
    {"acknowledge_incident", "resolve_incident", "escalate", "change_severity", "guide"}
)


class WarRoomApp(CommsApp):
    CSS_PATH = "app.tcss"
    TITLE = "modulo-watch"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(GLOBAL_KEYS))

    def __init__(self, settings: Settings, sources: Sources, journal: IncidentJournal) -> None:
        super().__init__(settings, sources, journal)
        self.palette = Palette()
        self._changed: set[SourceName] = set()
        self._last_repaint = -math.inf  # monotonic
        self._painted: dict[SourceName, Snapshot] = {}  # the snapshot each pane shows
        self._rise = RiseTracker()

    # --- building and feeding the screen --------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TopBar(id="top-bar")
        with Horizontal(id="body"):
            with Grid(id="main"):
                yield ErrorRatePane(4, id="error-rate-pane")
                alerts = self.settings.alertmanager
                yield AlertsPane(5, group_by=alerts.group_by, bell=self.settings.ui.bell, id="alerts-pane")
                # Pods, events and rollouts take turns in one place: the screen has no room for three.
                with ContentSwitcher(initial="pods-pane", id="kube-views"):
                    yield PodsPane(1, id="pods-pane")
                    yield EventsPane(PANE_ORDER.index("events") + 1, id="events-pane")
                    yield RolloutsPane(PANE_ORDER.index("rollouts") + 1, id="rollouts-pane")
                yield PostgresPane(3, id="postgres-pane")
                yield NodesPane(2, id="nodes-pane")
            yield ResponderPanel(6, id="responder-pane")
        yield Footer()

    def on_mount(self) -> None:
        self.theme = self.settings.ui.theme
        self.set_keymap(self.settings.ui.keymap_mapping)
        self.palette = Palette.from_theme(self.theme_variables)
        self.resume_incident()
        self.evidence_changed()
        for warning in self.settings.warnings:  # a token file others can read: said, not fatal
            self.notify(warning, title="Config", severity="warning", timeout=30, markup=False)
        # Textual leaves SIGHUP (a dropped SSH connection) at its default, which ends the process on the spot.
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._hang_up)
        self.sources.hub.subscribe(self._source_changed)
        self._changed.update(SourceName)
        self._repaint_changed()
        self._tick()
        self.set_interval(1.0, self._tick)
        # Watching PostgreSQL alone, the Kubernetes panes would be empty: the Postgres pane takes their room.
        self.screen.set_class(not self.sources.watches_kubernetes, "-no-kube")
        self.focus_pane("pods" if self.sources.watches_kubernetes else "postgres")
        # Collectors start after the first frame, so a slow source can never hold it back.
        self.call_after_refresh(self._start_collectors)
        self.call_after_refresh(self.load_runbook)
        self.call_after_refresh(self.start_outbox)

    async def on_unmount(self) -> None:
        gc.unfreeze()  # what was frozen at start is garbage now, in a process that goes on (the tests)
        await self.sources.aclose()

    def _hang_up(self) -> None:
        """The terminal is gone. Every journal entry is on disk already and this runs between callbacks, never
        mid-append, so a normal exit loses nothing; a watchdog ends the process should the teardown block
        writing to the dead terminal."""
        watchdog = threading.Timer(HANGUP_GRACE, os._exit, (HANGUP_EXIT,))
        watchdog.daemon = True  # a teardown that finishes in time exits at once
        watchdog.start()
        self.exit(HANGUP_EXIT, return_code=HANGUP_EXIT)

    def _source_changed(self, source: SourceName) -> None:
        """Note the change and repaint its pane in the next frame, or, within REPAINT_DELAY of the last
        repaint, in one frame with every other change that arrives meanwhile."""
        if not self._changed:
            wait = self._last_repaint + REPAINT_DELAY - time.monotonic()
            if wait > 0:
                self.set_timer(wait, self._repaint_changed)
            else:
                self.call_later(self._repaint_changed)
        self._changed.add(source)

    def _start_collectors(self) -> None:
        # What the first frame built (modules, widgets, styles) lives as long as the app: out of the
        # collector's way, or each full collection walks it all and stalls a repaint by tens of ms.
        # Collected first, so no garbage is kept for good.
        gc.collect()
        gc.freeze()
        self._run_collectors(self.sources.runners)
        self._learn_kube_context()

    def _run_collectors(self, runners: Iterable[SourceRunner]) -> None:
        for runner in runners:
            self.run_worker(
                runner.run(), name=f"collector:{runner.source}", group="collectors", exit_on_error=False
            )

    def on_resize(self) -> None:
        self.screen.set_class(self.size.width < NARROW_WIDTH, "-narrow")
        self.screen.set_class(NARROW_WIDTH <= self.size.width < MEDIUM_WIDTH, "-medium")
        self.screen.set_class(self.size.height < SHORT_HEIGHT, "-short")

    def _repaint_changed(self) -> None:
        changed, self._changed = self._changed, set()
        self._last_repaint = time.monotonic()
        if not self.is_running:  # shutting down: the panes may be gone
            return
        hub, clock = self.sources.hub, self.sources.clock
        with self.batch_update():
            for pane in self.source_panes():
                if pane.SOURCE not in changed:
                    continue
                snapshot, status = hub.snapshot(pane.SOURCE), hub.status(pane.SOURCE)
                if snapshot is not None and snapshot is not self._painted.get(pane.SOURCE):
                    pane.apply(snapshot)
                    self._painted[pane.SOURCE] = snapshot
                if status is not None:
                    pane.show_status(status, clock.now(), clock.monotonic())
            if changed & {SourceName.METRICS, SourceName.ROLLOUTS}:
                self._mark_suspects()
            self.sources_changed(changed)
            if changed & {SourceName.PODS, SourceName.EVENTS, SourceName.ROLLOUTS}:
                self._label_kube_views()
            if SourceName.HEALTH in changed:
                self._show_health()

    def _show_health(self) -> None:
        """The health source has no pane of its own: its strip sits under the error-rate graph."""
        snapshot = self.sources.hub.snapshot(SourceName.HEALTH)
        status = self.sources.hub.status(SourceName.HEALTH)
        shown = snapshot if isinstance(snapshot, HealthSnapshot) else None
        self.query_one(ErrorRatePane).show_health(shown, status)
        if shown is not None:
            self._painted[SourceName.HEALTH] = shown

    def _mark_suspects(self) -> None:
        """Rollouts that went out shortly before the error rate rose."""
        metrics = self._painted.get(SourceName.METRICS)
        rise = self._rise.update(metrics.error_ratio) if isinstance(metrics, MetricsSnapshot) else None
        rollouts = self.query_one(RolloutsPane)
        rollouts.show_suspects(suspects(rollouts.rollouts, rise), rise)

    def _label_kube_views(self) -> None:
        """Each of the views sharing the pods pane's place names the others, with what they hold."""
        views = [pane for pane in self.query("#kube-views > *") if isinstance(pane, SourcePane)]
        for view in views:
            others = [other.tab_label() for other in views if other is not view]
            view.set_aside(Text("  ").join(others))

    def _tick(self) -> None:
        """Once a second: ages, countdowns and clocks move on even when no data arrives."""
        if not self.is_running:  # shutting down: the panes may be gone (a pushed screen slows the teardown)
            return
        now, monotonic = self.sources.clock.now(), self.sources.clock.monotonic()
        with self.batch_update():
            for pane in self.source_panes():
                status = self.sources.hub.status(pane.SOURCE)
                if status is not None:
                    pane.show_status(status, now, monotonic)
            self.tick_incident(now)
            self.query_one(AlertsPane).tick(now)
            title = self.sources.scenario.info.title if self.sources.scenario else None
            self.query_one(TopBar).show(
                top_bar_text(
                    now,
                    self.sources.drill_clock,
                    title,
                    self.incident,
                    self.palette,
                    context=self.sources.kube_context,
                )
            )

    def shows_data_of(self, source: SourceName) -> bool:
        """Whether the source's newest snapshot is on screen (its repaint waits up to 0.2 s)."""
        snapshot = self.sources.hub.snapshot(source)
        return snapshot is not None and self._painted.get(source) is snapshot

    def source_panes(self) -> list[SourcePane]:
        return [pane for pane in self.query("#main SourcePane") if isinstance(pane, SourcePane)]

    # --- keys ---------------------------------------------------------------------------------------------

    def focus_pane(self, pane: str) -> None:
        region = self.query_one(f"#{pane}-pane", Widget)
        # A pane the layout leaves out (the Kubernetes ones, watching PostgreSQL alone) takes no focus.
        if pane in KUBE_VIEWS:
            switcher = self.query_one(ContentSwitcher)
            if not switcher.display:
                return
            switcher.current = f"{pane}-pane"
        elif not region.display:
            return
        # Focused now, not after the next message (``Widget.focus``): "5a" typed in one burst must reach the
        # alerts pane's "a", not the app's.
        if region.can_focus:
            self.screen.set_focus(region)
            return
        for widget in region.query("*"):
            if widget.can_focus:
                self.screen.set_focus(widget)
                return

    def action_focus_pane(self, pane: str) -> None:
        if self.screen.maximized is not None:
            self.screen.minimize()
        self.focus_pane(pane)

    def action_toggle_maximize(self) -> None:
        screen = self.screen
        if screen.maximized is not None:
            screen.minimize()
            return
        region = self.focused_region()
        if region is not None:
            screen.maximize(region, container=False)

    def focused_region(self) -> Widget | None:
        widget: object = self.focused
        while isinstance(widget, Widget):
            if isinstance(widget, SourcePane | ResponderPanel):
                return widget
            widget = widget.parent
        return None

    def action_help(self) -> None:
        keys: dict[str, list[str]] = {}
        for key, active in self.active_bindings.items():
            if active.binding.id:
                keys.setdefault(active.binding.id, []).append(key)
        self.push_screen(HelpScreen({binding_id: ",".join(bound) for binding_id, bound in keys.items()}))

    @on(GraphViewChosen)
    def _show_graph(self, event: GraphViewChosen) -> None:
        self.sources.show_graph(event.window_seconds, event.columns)

    @on(PodChosen)
    def _inspect_pod(self, event: PodChosen) -> None:
        inspector = self.sources.pod_inspector()
        if inspector is None:
            self.notify("No cluster is configured: there is no pod to inspect", markup=False)
            return
        from modulo_watch.tui.screens.pod_detail import PodDetailScreen  # not needed for the first frame

        self.push_screen(PodDetailScreen(inspector, event.pod_namespace, event.pod_name, self.sources.clock))

    # --- Alerts ---------------------------------------------------------------------------------------------

    @on(AlertChosen)
    def _inspect_alert(self, event: AlertChosen) -> None:
        from modulo_watch.tui.screens.alert_detail import AlertScreen  # not needed for the first frame

        self.push_screen(AlertScreen(event.alert, self.sources.hub, self.sources.clock))

    @on(AcknowledgeRequested)
    @work(group="alert-action")
    async def _acknowledge_alerts(self, event: AcknowledgeRequested) -> None:
        """Confirm, silence, then record: the timeline shows what was acknowledged, as whom, until when."""
        actions = self._alert_actions()
        if actions is None:
            return
        try:
            matchers = matchers_for(event.alerts)
        except NothingToMatch as exc:
            self.notify(f"Cannot acknowledge {event.what}: {exc}", severity="warning", markup=False)
            return
        duration = timedelta(minutes=self.settings.alertmanager.ack_minutes)
        author, drill = responder(), self.sources.scenario is not None
        if not await self.push_screen_wait(
            ConfirmScreen(ack_question(event.what, event.alerts, matchers, duration, author, drill))
        ):
            return
        comment = ack_comment(self.incident.id if self.incident else None)
        try:
            silence_id = await actions.acknowledge(matchers, author, comment, duration)
        except AlertSourceError as exc:
            self.notify(str(exc), title="Not acknowledged", severity="error", timeout=15, markup=False)
            return
        self.sources.refetch(SourceName.ALERTS)
        until = self.sources.clock.now() + duration
        message = f"{event.what}: acknowledged until {until.astimezone():%H:%M} (silence {silence_id})"
        self._record_action("alertmanager_silence", ack_target(event.what, matchers), message)

    @on(UnacknowledgeRequested)
    @work(group="alert-action")
    async def _unacknowledge_alerts(self, event: UnacknowledgeRequested) -> None:
        actions = self._alert_actions()
        if actions is None:
            return
        drill = self.sources.scenario is not None
        question = unack_question(event.what, event.acknowledgements, self.sources.clock.now(), drill)
        if not await self.push_screen_wait(ConfirmScreen(question)):
            return
        for ack in event.acknowledgements:
            try:
                await actions.unacknowledge(ack.silence_id)
            except AlertSourceError as exc:
                self.notify(str(exc), title="Still acknowledged", severity="error", timeout=15, markup=False)
                return
        self.sources.refetch(SourceName.ALERTS)
        silences = ", ".join(ack.silence_id for ack in event.acknowledgements)
        self._record_action(
            "alertmanager_expire_silence",
            f"{event.what} (silence {silences})",
            f"{event.what}: acknowledgement taken back",
        )

    def _alert_actions(self) -> AlertActions | None:
        """What acknowledges alerts, when the responder may; else None, and a notice that says why."""
        actions = self.sources.alert_actions()
        if actions is None:
            self.notify(
                FROM_PROMETHEUS, title="Nothing to silence with", severity="warning", timeout=10, markup=False
            )
        elif not self.sources.actions_enabled:
            self.notify(ACTIONS_OFF, title="Read-only", severity="warning", timeout=10, markup=False)
            return None
        return actions

    def _record_action(self, action: str, target: str, message: str, warn: bool = False) -> None:
        """On the incident's timeline (else actions.jsonl), then told: a change is never unrecorded."""
        try:
            self.journal.record_action(self.incident, self.sources.clock.now(), action, target, message)
        except JournalError as exc:
            self.notify(
                f"{message}, but not recorded: {exc}", title="Not saved", severity="error", timeout=30
            )
            return
        self.notify(message, severity="warning" if warn else "information", markup=False)

    # --- PostgreSQL backends ------------------------------------------------------------------------------

    @on(BackendChosen)
    def _inspect_backend(self, event: BackendChosen) -> None:
        inspector = self.sources.pg_inspector()
        if inspector is None:
            return
        from modulo_watch.tui.screens.pg_backend import BackendScreen  # not needed for the first frame

        self.push_screen(BackendScreen(inspector, event.backend, self.sources.hub, self.sources.clock))

    @on(BackendActionRequested)
    def _backend_action_requested(self, event: BackendActionRequested) -> None:
        self._act_on_backend(event.action, event.backend)

    @work(group="backend-action")
    async def _act_on_backend(self, action: PgAction, backend: PgBackend) -> None:
        """Confirm, act, then record: the timeline shows what was done, to whom, and how it went."""
        inspector = self.sources.pg_inspector()
        if inspector is None:
            return
        if not self.sources.actions_enabled:
            self.notify(ACTIONS_OFF, title="Read-only", severity="warning", timeout=10, markup=False)
            return
        drill = self.sources.scenario is not None
        if not await self.push_screen_wait(ConfirmScreen(confirmation(action, backend, drill))):
            return
        try:
            outcome = await inspector.act(action, backend)
        except PostgresError as error:
            self.notify(
                str(error), title=f"{action.value} failed", severity="error", timeout=15, markup=False
            )
            return
        signalled = outcome is PgOutcome.SIGNALLED
        message = outcome_message(action, outcome, backend.pid)
        self._record_action(record_action(action), record_target(backend), message, warn=not signalled)

    def go_to(self, target: Target) -> None:
        """Where a runbook step is answered: its pane, with the view inside it that the step asks for."""
        self.focus_pane(target.pane)
        if target is Target.LATENCY:
            self.query_one(ErrorRatePane).show_latency()
        elif target is Target.POD_LOGS:
            self.notify("Enter on a pod opens its log", markup=False)

    def action_toggle_pause(self) -> None:
        clock = self.sources.drill_clock
        if clock is not None:
            clock.toggle_pause()
            self._tick()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_pause":
            return self.sources.drill_clock is not None
        if action in INCIDENT_ACTIONS:
            return self.incident is not None
        if action in ("send_update", "postmortem"):
            return self.current_incident is not None
        if action == "declare_incident":
            return self.incident is None
        if action == "switch_context":  # live Kubernetes only, and from the war room itself
            return self.sources.can_switch_kube_context and self.screen is self.screen_stack[0]
        return True

    @work
    async def action_request_quit(self) -> None:
        if self.incident is not None:
            question = Text.assemble(
                ("An incident is open: ", "bold"),
                (self.incident.id, "bold"),
                "\nIts journal is saved; it resumes when you start modulo-watch again.\n\nQuit anyway?",
            )
            if not await self.push_screen_wait(ConfirmScreen(question)):
                return
        self.exit(0)

    def action_capture_evidence(self) -> None:
        """What the focused pane's cursor shows, on the open incident's timeline, with when it was taken."""
        if self.incident is None:
            self.notify(
                "No incident open: declare one with i to keep evidence", severity="warning", markup=False
            )
            return
        now, pane = self.sources.clock.now(), find_capturing_pane(self.focused)
        captured = pane.captured(now) if pane is not None else None
        if captured is None:
            self.notify("Nothing selected to keep as evidence", severity="warning", markup=False)
            return
        try:
            self.journal.capture_evidence(
                self.incident, now, captured.source, captured.summary, captured.detail
            )
        except JournalError as exc:
            self.notify(clean(str(exc)), title="Not saved", severity="error", timeout=30, markup=False)
            return
        self.notify(f"Evidence saved: {clean(captured.summary, max_length=160)}", markup=False)

    # --- Kubernetes contexts ------------------------------------------------------------------------------

    @work(exclusive=True, group="switch-context")
    async def action_switch_context(self) -> None:
        # Not needed for the first frame, and the kube stack loads only when a cluster is configured.
        from modulo_watch.collectors.kube.contexts import KubeContextError
        from modulo_watch.tui.screens.contexts import ContextScreen

        try:
            choices = await self.sources.kube_context_choices()
        except KubeContextError as exc:
            self.notify(clean(str(exc)), title="No contexts to switch to", severity="error", markup=False)
            return
        choice = await self.push_screen_wait(ContextScreen(choices.names, choices.current))
        if choice is not None and choice != choices.current:
            await self._switch_kube_context(choice)

    async def _switch_kube_context(self, name: str) -> None:
        """Every Kubernetes pane watches context ``name`` from now on; nothing of the old one stays."""
        retired = self.sources.pod_inspectors.made
        runners = self.sources.switch_kube_context(name)
        # Stopped before the next await: a runner left running would publish the old cluster's data again.
        switched = {runner.source for runner in runners}
        names = {f"collector:{source}" for source in switched}
        for worker in self.workers:
            if worker.group == "collectors" and worker.name in names:
                worker.cancel()
        now = self.sources.clock.now()
        for pane in self.source_panes():
            if pane.SOURCE in switched:
                pane.apply(empty_kube_snapshot(pane.SOURCE, now))
                self._painted.pop(pane.SOURCE, None)
        self._run_collectors(runners)
        self._tick()
        self.notify(f"Watching context {clean(name, max_length=60)}", markup=False)
        if retired is not None:
            await retired.aclose()

    @work
    async def _learn_kube_context(self) -> None:
        """Name the kubeconfig's current context in the top bar when none was chosen."""
        if not self.sources.can_switch_kube_context or self.sources.kube_context is not None:
            return
        from modulo_watch.collectors.kube.contexts import KubeContextError

        with suppress(KubeContextError):  # the Kubernetes panes say what is wrong with the kubeconfig
            await self.sources.kube_context_choices()
            self._tick()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for pane in PANE_ORDER:
            yield SystemCommand(
                f"Focus {pane}",
                f"Move the focus to the {pane} pane",
                lambda p=pane: self.action_focus_pane(p),
            )
        yield SystemCommand(
            "Zoom pane", "Maximise the focused pane, or restore it", self.action_toggle_maximize
        )
        yield SystemCommand("Keys", "Every key binding", self.action_help)
        if self.incident is None:
            yield SystemCommand(
                "Declare incident", "Open an incident with a title and severity", self.action_declare_incident
            )
        if self.sources.drill_clock is not None:
            yield SystemCommand(
                "Pause or resume drill", "Stop or restart the drill's clock", self.action_toggle_pause
            )
        if self.sources.can_switch_kube_context and screen is self.screen_stack[0]:
            yield SystemCommand(
                "Switch Kubernetes context", "Watch another cluster", self.action_switch_context
            )


def build_sources(settings: Settings, drill: str | None, speed: float) -> Sources:
    now = datetime.now(UTC)
    if drill is None:
        return live_sources(settings)
    return drill_sources(load_scenario(drill), speed, now, settings)


def ui_settings_problem(settings: Settings) -> str | None:
    """What is wrong with the [ui] settings that only the UI can check, in one line, or None."""
    where = display_path(settings.source_file) if settings.source_file else "the environment"
    if settings.ui.theme not in BUILTIN_THEMES:
        themes = ", ".join(sorted(BUILTIN_THEMES))
        return f"{where}: ui.theme: unknown theme {settings.ui.theme!r} (one of: {themes})"
    unknown = unknown_keymap_ids(dict(settings.ui.keymap))
    if unknown:
        return (
            f"{where}: ui.keymap: no binding has the id {', '.join(map(repr, unknown))} (see the ids with ?)"
        )
    return None


def run_app(settings: Settings, drill: str | None, speed: float) -> int:
    problem = ui_settings_problem(settings)
    if problem:
        print(f"modulo-watch: {problem}", file=sys.stderr)
        return 2
    try:
        sources = build_sources(settings, drill, speed)
    except ScenarioError as exc:
        print(f"modulo-watch: {exc}", file=sys.stderr)
        return 2
    app = WarRoomApp(settings, sources, IncidentJournal(default_directory(drill is not None)))
    app.run()
    return app.return_code or 0
