"""PagerDuty behind the alerts: each firing alert with the PagerDuty incident it opened (status, assignees,
escalation level, urgency), or with the dedup key it would carry when only an Events API routing key is
configured; ``a`` acknowledges and ``r`` resolves the selected row's incident.

This module holds the rows (made from the alerts snapshot and PagerDuty's answer, or made up for a drill),
what acting on one means (``plan``: the outbox kind, its payload, the question naming the destination) and
the screen that shows them. The app (``tui/pagerduty_actions.py``) reads PagerDuty, asks and queues.
Everything PagerDuty or an alert says reaches the screen through ``inert``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from modulo_watch.collectors.models import Alert, AlertSnapshot, AlertState, severity_level
from modulo_watch.outbound.pagerduty import OnCall, PagerDutyIncident
from modulo_watch.outbound.pagerduty_events import alertmanager_dedup_key, incident_for_alert, label_set
from modulo_watch.tui.keys import PAGERDUTY_KEYS, bindings
from modulo_watch.widgets.safe_text import clean, inert

__all__ = [
    "NOT_CONFIGURED",
    "PagerDutyRow",
    "PagerDutyScreen",
    "Planned",
    "alert_dedup_key",
    "drill_rows",
    "firing_alerts",
    "host",
    "oncall_line",
    "plan",
    "row_prompt",
    "rows_by_dedup_key",
    "rows_with_incidents",
]

NOT_CONFIGURED = (
    "PagerDuty is not configured: set [pagerduty] api_token_file (or MODULO_WATCH_PAGERDUTY_API_TOKEN) and"
    " from_email to see and act on the incidents behind the alerts, or [pagerduty] routing_key_file (or"
    " MODULO_WATCH_PAGERDUTY_ROUTING_KEY) to acknowledge and resolve by dedup key."
)
OPERATIONS = {"acknowledge": "Acknowledge", "resolve": "Resolve"}
DRILL_POLICY = "Drill escalation policy"
DRILL_ASSIGNEE = "Primary On-Call (drill)"
ROW_ID = "row-"  # option ids: "row-3" is rows[3]
MAX_NAME = 60
MAX_TITLE = 100
MAX_STATUS = 600  # a status line wraps: an error's line is some 200 characters


@dataclass(frozen=True, slots=True)
class PagerDutyRow:
    """A firing alert (None: an open PagerDuty incident no alert matched) and what can act on it: the
    incident behind it (REST API, or made up in a drill) and/or the dedup key (Events API)."""

    alert: Alert | None
    incident: PagerDutyIncident | None = None
    dedup_key: str = ""  # set when only the Events API can act
    drill: bool = False

    @property
    def target(self) -> str:
        """What a/r act on: two rows with the same target are the same PagerDuty incident."""
        if self.incident is not None:
            return f"incident {self.incident.id}"
        return f"key {self.dedup_key}" if self.dedup_key else ""


@dataclass(frozen=True, slots=True)
class Planned:
    """An acknowledge or resolve, ready to confirm and queue."""

    kind: str
    label: str
    payload: dict[str, str]
    question: Text


# --- The rows -----------------------------------------------------------------------------------------------


def firing_alerts(snapshot: object) -> tuple[Alert, ...]:
    """The alerts that fire (a pending one has not paged anyone yet), the most severe first."""
    if not isinstance(snapshot, AlertSnapshot):
        return ()
    firing = [alert for alert in snapshot.alerts if alert.state != AlertState.PENDING]
    return tuple(sorted(firing, key=lambda alert: (severity_level(alert.severity), alert.name)))


def rows_with_incidents(
    alerts: Sequence[Alert], incidents: Sequence[PagerDutyIncident], events: bool = False
) -> tuple[PagerDutyRow, ...]:
    """Each alert with the incident behind it (``incident_for_alert``'s rule), then the open incidents no
    alert matched. ``events``: a routing key is configured too, so an alert without a found incident can
    still be acted on by its dedup key."""
    rows: list[PagerDutyRow] = []
    for alert in alerts:
        found = incident_for_alert(incidents, alert.name, alert.labels, alert.fingerprint)
        rows.append(PagerDutyRow(alert, found, "" if found or not events else alert_dedup_key(alert)))
    matched = {row.incident.id for row in rows if row.incident}
    rows += [PagerDutyRow(None, one) for one in incidents if one.open and one.id not in matched]
    return tuple(rows)


def rows_by_dedup_key(alerts: Sequence[Alert]) -> tuple[PagerDutyRow, ...]:
    return tuple(PagerDutyRow(alert, dedup_key=alert_dedup_key(alert)) for alert in alerts)


def alert_dedup_key(alert: Alert) -> str:
    """The key Alertmanager's PagerDuty receiver sends for the alert's group when its route groups by
    ``alertname`` (the usual root route): other routes' keys cannot be computed without Alertmanager's
    configuration, so this one is named in the confirmation, to be checked."""
    return alertmanager_dedup_key(group_key(alert))


def group_key(alert: Alert) -> str:
    return f"{{}}:{label_set({'alertname': alert.name})}"


def drill_rows(alerts: Sequence[Alert]) -> tuple[PagerDutyRow, ...]:
    """One made-up PagerDuty incident per alert name, as Alertmanager grouping by ``alertname`` opens them;
    every one marked DRILL. Acting on one queues to the drill outbox, which delivers nowhere."""
    made: dict[str, PagerDutyIncident] = {}
    for alert in alerts:
        if alert.name not in made:
            group = [one for one in alerts if one.name == alert.name]
            made[alert.name] = drill_incident(alert, len(group), len(made) + 1)
    return tuple(PagerDutyRow(alert, made[alert.name], drill=True) for alert in alerts)


def drill_incident(alert: Alert, firing: int, number: int) -> PagerDutyIncident:
    """Titled as Alertmanager's PagerDuty receiver titles a group: ``[FIRING:2] KubePodCrashLooping``."""
    summary = f": {alert.summary}" if alert.summary and firing == 1 else ""
    return PagerDutyIncident(
        id=f"DRILL{number}",
        number=number,
        title=f"[DRILL] [FIRING:{firing}] {alert.name}{summary}",
        status="triggered",
        urgency="high" if severity_level(alert.severity) == 1 else "low",
        assignees=(DRILL_ASSIGNEE,),
        escalation_level=1,
        escalation_policy=DRILL_POLICY,
        html_url="",
        incident_key=alert_dedup_key(alert),
        created_at=alert.starts_at,
    )


# --- Acting on a row ----------------------------------------------------------------------------------------


def plan(
    row: PagerDutyRow, operation: str, api_url: str, events_url: str, from_email: str | None
) -> Planned | str:
    """The outbox item for ``operation`` on the row, with a question naming the exact destination and
    action; or why there is none (a line to show)."""
    if row.incident is not None:
        return _plan_rest(row, row.incident, operation, api_url, from_email)
    if row.dedup_key:
        return _plan_events(row, row.dedup_key, operation, events_url)
    name = row.alert.name if row.alert else "this row"
    return (
        f"No open PagerDuty incident found behind {clean(name, max_length=MAX_NAME)}: nothing to {operation}"
    )


def _plan_rest(
    row: PagerDutyRow, incident: PagerDutyIncident, operation: str, api_url: str, from_email: str | None
) -> Planned | str:
    already = {"acknowledge": ("acknowledged", "resolved"), "resolve": ("resolved",)}[operation]
    if incident.status in already:
        return f"PagerDuty #{incident.number} is {clean(incident.status, max_length=20)} already"
    if not row.drill and not from_email:  # PagerDuty refuses a change without it: say so before asking
        return "PagerDuty needs [pagerduty] from_email (your PagerDuty login) to acknowledge or resolve"
    who = from_email or "you (drill)"
    question = Text.assemble(
        f"{OPERATIONS[operation]} PagerDuty incident #{incident.number} '",
        inert(incident.title, "bold", max_length=MAX_TITLE),
        "' as ",
        inert(who, "bold", max_length=MAX_NAME),
        "?\n\n",
        _destination(row.drill, f"PagerDuty's REST API at {host(api_url)}"),
    )
    return Planned(
        kind=f"pagerduty.{operation}",
        label=f"PagerDuty #{incident.number} {operation}",
        payload={"incident_id": incident.id},
        question=question,
    )


def _plan_events(row: PagerDutyRow, dedup_key: str, operation: str, events_url: str) -> Planned:
    alert = row.alert
    question = Text.assemble(
        f"{OPERATIONS[operation]} by dedup key ",
        inert(dedup_key, "bold"),
        " through PagerDuty's Events API?\n\n",
        "The key Alertmanager sends for the group ",
        inert(group_key(alert) if alert else "", max_length=MAX_TITLE),
        " (a route grouping by alertname); an incident opened under another key is not touched.\n",
        _destination(row.drill, f"PagerDuty's Events API at {host(events_url)}"),
    )
    return Planned(
        kind=f"pagerduty_events.{operation}",
        label=f"PagerDuty key {dedup_key[:12]}… {operation}",
        payload={"dedup_key": dedup_key},
        question=question,
    )


def _destination(drill: bool, where: str) -> Text:
    if drill:
        return Text("To: the drill outbox (a drill: nothing leaves this machine)", "bold")
    return Text.assemble("To: ", inert(where, "bold"), "\nThe outbox sends it, retries it, and o shows it.")


def host(url: str) -> str:
    """The address's host (and port): what the responder checks, without a path that might carry more."""
    try:
        return urlsplit(url).netloc or url
    except ValueError:
        return "an address that cannot be read"


# --- Showing them -------------------------------------------------------------------------------------------


def row_prompt(row: PagerDutyRow, queued: str = "") -> Text:
    """Two or three lines: the alert, the incident behind it (or its dedup key), what was queued."""
    prompt = _alert_line(row.alert)
    prompt.append("\n  ")
    prompt.append_text(_incident_line(row))
    if queued:
        prompt.append(f"\n  {queued}", "bold")
    return prompt


def _alert_line(alert: Alert | None) -> Text:
    if alert is None:
        return Text("(no firing alert matched)", "italic")
    line = inert(alert.name, "bold", max_length=MAX_NAME)
    line.append("  ")
    line.append_text(inert(alert.severity, max_length=20))
    if alert.state == AlertState.SUPPRESSED:
        line.append("  silenced")
    if alert.summary:
        line.append("  ")
        line.append_text(inert(alert.summary, max_length=MAX_TITLE))
    return line


def _incident_line(row: PagerDutyRow) -> Text:
    one = row.incident
    if one is None:
        if row.dedup_key:
            return Text.assemble("Events API · dedup key ", inert(row.dedup_key, max_length=70))
        return Text("no open PagerDuty incident found", "italic")
    line = Text("DRILL ", "bold reverse") if row.drill else Text()
    line.append(f"#{one.number} ", "bold")
    line.append_text(inert(one.status.upper(), "bold", max_length=20))
    line.append(" · ")
    line.append_text(inert(one.urgency or "?", max_length=20))
    line.append(" urgency")
    if one.escalation_level is not None:
        line.append(f" · level {one.escalation_level}")
    line.append(" · ")
    line.append_text(inert(", ".join(one.assignees) or "unassigned", max_length=MAX_NAME))
    line.append("\n  ")
    line.append_text(inert(one.title, "italic", max_length=MAX_TITLE))
    return line


def oncall_line(levels: Sequence[OnCall]) -> str:
    """``On call: level 1 Ana Lima · level 2 Dana Reyes`` (plain: the caller makes it inert)."""
    if not levels:
        return "On call: nobody listed for the escalation policy"
    return "On call: " + " · ".join(f"level {on.level} {on.name or 'unnamed'}" for on in levels)


class PagerDutyScreen(ModalScreen[None]):
    """The rows, a status line (reading, an error, what is on call); ``a``/``r`` hand the selected row and
    the operation to ``act`` (the app confirms and queues)."""

    BINDINGS: ClassVar[list[BindingType]] = list(bindings(PAGERDUTY_KEYS))

    DEFAULT_CSS = """
    PagerDutyScreen { align: center middle; }
    PagerDutyScreen > Vertical {
        width: 120; max-width: 95%; height: auto; max-height: 90%;
        border: thick $accent; padding: 0 1; background: $surface;
    }
    PagerDutyScreen OptionList, PagerDutyScreen OptionList:focus {
        height: auto; max-height: 30; border: none; padding: 0;
    }
    PagerDutyScreen .pagerduty-line { height: auto; color: $text-muted; }
    """

    def __init__(self, title: str, act: Callable[[PagerDutyRow, str], None], status: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.rows: tuple[PagerDutyRow, ...] = ()
        self.status = status
        self.oncall = ""
        self._act = act
        self._queued: dict[str, str] = {}  # a row's target -> what was queued for it

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            box.border_subtitle = "a acknowledge · r resolve · escape back"
            yield OptionList(markup=False, id="pagerduty-list")
            yield Static(
                inert(self.status, single_line=False), id="pagerduty-status", classes="pagerduty-line"
            )
            yield Static(inert(self.oncall), id="pagerduty-oncall", classes="pagerduty-line")

    def on_mount(self) -> None:
        self._redraw()  # rows given before the screen was shown
        self.query_one(OptionList).focus()

    def show_rows(self, rows: Sequence[PagerDutyRow]) -> None:
        self.rows = tuple(rows)
        self._redraw()

    def show_status(self, line: str) -> None:
        """One line: reading, an error, nothing to show. Outside text: made inert here."""
        self.status = line
        for shown in self.query("#pagerduty-status").results(Static):  # none before the screen is shown
            shown.update(inert(line, max_length=MAX_STATUS))

    def show_oncall(self, line: str) -> None:
        self.oncall = line
        for shown in self.query("#pagerduty-oncall").results(Static):
            shown.update(inert(line, max_length=MAX_STATUS))

    def mark(self, row: PagerDutyRow, queued: str) -> None:
        """Every row acting on the same incident says what was queued for it."""
        self._queued[row.target] = queued
        self._redraw()

    def _redraw(self) -> None:
        found = self.query(OptionList)
        if not found:  # not shown yet: on_mount draws them
            return
        options = found.first()
        highlighted = options.highlighted
        prompts: list[Option | None] = []
        for index, row in enumerate(self.rows):
            if index:
                prompts.append(None)  # a divider between rows
            prompts.append(Option(row_prompt(row, self._queued.get(row.target, "")), id=f"{ROW_ID}{index}"))
        options.set_options(prompts)
        if self.rows:
            options.highlighted = min(highlighted or 0, len(self.rows) - 1)

    @property
    def selected(self) -> PagerDutyRow | None:
        options = self.query_one(OptionList)
        if options.highlighted is None or not self.rows:
            return None
        option_id = options.get_option_at_index(options.highlighted).id or ""
        return self.rows[int(option_id.removeprefix(ROW_ID))] if option_id.startswith(ROW_ID) else None

    def action_act(self, operation: str) -> None:
        row = self.selected
        if row is not None:
            self._act(row, operation)

    def action_close(self) -> None:
        self.dismiss(None)
