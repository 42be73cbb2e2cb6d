"""PagerDuty in the war room: the incident behind an alert, acknowledging and resolving it, who is on call.

``P`` opens the PagerDuty screen on the firing alerts: with an API token, each with the PagerDuty incident
behind it (read through the outbox's HTTP client in a worker); with only an Events API routing key, each with
its dedup key; in a drill, each with a made-up incident marked DRILL. ``a``/``r`` there confirm the exact
action and destination, then queue the call in the incident's outbox (a drill's outbox delivers nothing).

With an API token and ``[pagerduty] escalation_policy_id``, who is on call at each level is read after the
outbox starts and every five minutes, so the escalation clock and question name the person. A failed reading
keeps the last good one and says so only in the PagerDuty screen's on-call line.

httpx and the outbound modules load inside the functions: the first frame does without them.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import on, work
from textual.events import Mount

from modulo_watch.collectors.models import SourceName
from modulo_watch.tui.outbox_actions import OutboxApp
from modulo_watch.tui.screens.confirm import ConfirmScreen
from modulo_watch.widgets.safe_text import clean

if TYPE_CHECKING:
    import httpx

    from modulo_watch.collectors.models import Alert
    from modulo_watch.outbound.pagerduty import OnCall
    from modulo_watch.tui.screens.pagerduty import PagerDutyRow, PagerDutyScreen

ONCALL_EVERY = 300.0  # seconds between readings of who is on call: schedules hand over hourly at most
DRILL_NOTE = (
    "DRILL: one made-up PagerDuty incident per alert name; a and r queue to the drill outbox,"
    " which delivers nothing."
)
DECLARE_FIRST = (
    "Declare the incident first (i): PagerDuty calls go through the incident's outbox, kept in its journal"
)


class PagerDutyApp(OutboxApp):
    """Adds ``P`` in the responder panel: the PagerDuty incidents behind the firing alerts."""

    _oncall: tuple[OnCall, ...] = ()  # the last good reading
    _oncall_status = ""  # the PagerDuty screen's on-call line: the reading, or why it failed

    def oncall_now(self) -> tuple[OnCall, ...]:
        return self._oncall

    # --- the screen -------------------------------------------------------------------------------------

    def action_pagerduty(self) -> None:
        from modulo_watch.tui.screens.pagerduty import (
            NOT_CONFIGURED,
            PagerDutyScreen,
            drill_rows,
            firing_alerts,
            rows_by_dedup_key,
        )

        settings = self.settings.pagerduty
        alerts = firing_alerts(self.sources.hub.snapshot(SourceName.ALERTS))
        screen = PagerDutyScreen("PagerDuty · DRILL" if self.drill else "PagerDuty", self._pagerduty_act)
        screen.show_oncall("" if self.drill else self._oncall_status)
        if self.drill:
            screen.show_rows(drill_rows(alerts))
            screen.show_status(DRILL_NOTE if alerts else "No alert fires in the drill yet.")
        elif settings.api_token is not None:
            screen.show_status("Reading PagerDuty's open incidents…")
            self._read_incidents(screen, alerts)
        elif settings.routing_key is not None:
            screen.show_rows(rows_by_dedup_key(alerts))
            screen.show_status(
                "Events API only (no API token): acting by each alert's dedup key; incidents cannot be read."
                if alerts
                else "No alert fires."
            )
        else:
            screen.show_status(NOT_CONFIGURED)
        self.push_screen(screen)

    @work(group="pagerduty-read", exclusive=True, exit_on_error=False)
    async def _read_incidents(self, screen: PagerDutyScreen, alerts: tuple[Alert, ...]) -> None:
        """The open incidents, matched to the alerts, with their escalation levels when the policy is set."""
        from modulo_watch.outbound.delivery import DeliveryError
        from modulo_watch.outbound.pagerduty import open_incidents, with_escalation_levels
        from modulo_watch.tui.screens.pagerduty import rows_with_incidents

        settings = self.settings.pagerduty
        client = await self.wait_for_client()
        if client is None or settings.api_token is None:
            screen.show_status("The outbox has not started, so PagerDuty cannot be read; try P again")
            return
        try:
            incidents = await open_incidents(client, settings.api_url, settings.api_token)
        except DeliveryError as exc:  # its line names no token: still inert, as everything PagerDuty says
            screen.show_status(f"PagerDuty not read: {clean(str(exc))}")
            return
        if settings.escalation_policy_id:
            await self._read_oncall(client)
            incidents = with_escalation_levels(incidents, self._oncall, settings.escalation_policy_id)
        screen.show_rows(rows_with_incidents(alerts, incidents, events=settings.routing_key is not None))
        at = self.sources.clock.now()
        screen.show_status(
            f"{len(incidents)} open PagerDuty incident(s), {len(alerts)} firing alert(s) · read {at:%H:%M:%S}"
        )

    # --- acknowledge, resolve ---------------------------------------------------------------------------

    def _pagerduty_act(self, row: PagerDutyRow, operation: str) -> None:
        self._confirm_pagerduty(row, operation)

    @work(group="pagerduty-act", exclusive=True)
    async def _confirm_pagerduty(self, row: PagerDutyRow, operation: str) -> None:
        """Declared incident, actions on, a target, the responder's yes: then the outbox sends it."""
        from modulo_watch.tui.screens.pagerduty import PagerDutyScreen, plan

        incident = self.incident
        if incident is None:
            self.notify(DECLARE_FIRST, title="PagerDuty", severity="warning", markup=False)
            return
        if not self.can_send():
            return
        settings = self.settings.pagerduty
        planned = plan(row, operation, settings.api_url, settings.events_url, settings.from_email)
        if isinstance(planned, str):
            self.notify(planned, title="PagerDuty", severity="warning", markup=False)
            return
        if not await self.push_screen_wait(ConfirmScreen(planned.question)):
            return
        current = self.incident  # acknowledged or updated meanwhile: still the same incident
        if current is None or current.id != incident.id:
            return
        if self.enqueue_outgoing(current, planned.kind, planned.label, planned.payload) is None:
            return
        self.notify(f"{planned.label} queued; o shows its delivery", markup=False)
        if isinstance(self.screen, PagerDutyScreen):
            self.screen.mark(row, f"{operation} queued: o shows its delivery")

    # --- who is on call ---------------------------------------------------------------------------------

    @on(Mount)
    def _watch_oncall_after_first_frame(self) -> None:
        settings = self.settings.pagerduty
        if not self.drill and settings.api_token is not None and settings.escalation_policy_id:
            self.call_after_refresh(self.watch_oncall)

    @work(group="pagerduty-oncall", exit_on_error=False)
    async def watch_oncall(self) -> None:
        """Who is on call, read once the outbox's client exists and every ``ONCALL_EVERY`` after."""
        while True:
            client = await self.wait_for_client()
            if client is not None:
                await self._read_oncall(client)
            await asyncio.sleep(ONCALL_EVERY)

    async def _read_oncall(self, client: httpx.AsyncClient) -> None:
        from modulo_watch.outbound.delivery import DeliveryError
        from modulo_watch.outbound.pagerduty import oncall_levels
        from modulo_watch.tui.screens.pagerduty import oncall_line

        settings = self.settings.pagerduty
        if settings.api_token is None or not settings.escalation_policy_id:
            return
        now = self.sources.clock.now()
        try:
            levels = await oncall_levels(
                client, settings.api_url, settings.api_token, settings.escalation_policy_id
            )
        except DeliveryError as exc:  # quiet: the clock keeps the last names; the screen says why
            self._oncall_status = f"On call not read at {now:%H:%M:%S}: {clean(str(exc))}"
        else:
            self._oncall = levels
            self._oncall_status = f"{oncall_line(levels)} · read {now:%H:%M:%S}"
            self.show_incident(now)
        self._show_oncall_status()

    def _show_oncall_status(self) -> None:
        from modulo_watch.tui.screens.pagerduty import PagerDutyScreen

        for screen in self.screen_stack:
            if isinstance(screen, PagerDutyScreen):
                screen.show_oncall(self._oncall_status)
