"""Sending the incident's messages (the clipboard through OSC 52, or the outbox to Slack, the status page,
a webhook), and its postmortem."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from rich.text import Text
from textual import work

from modulo_watch.incident.incident import Incident
from modulo_watch.incident.journal import load
from modulo_watch.tui.clipboard import CLIPBOARD_FALLBACK_HINT, copy_to_clipboard
from modulo_watch.tui.pagerduty_actions import PagerDutyApp
from modulo_watch.tui.screens.comms import CommsScreen, Outgoing, TextViewScreen
from modulo_watch.tui.screens.confirm import ConfirmScreen
from modulo_watch.widgets.safe_text import clean, inert


class CommsApp(PagerDutyApp):
    """Adds the keys that take the incident's words out of the war room: ``n`` and ``x``."""

    @property
    def current_incident(self) -> Incident | None:
        return self.incident or self.resolved_incident

    @work(group="notify")
    async def action_send_update(self) -> None:
        from modulo_watch.outbound.routes import default_status, destinations

        incident = self.current_incident
        if incident is None:
            return
        name, text = self.message_for(incident, self.sources.clock.now())
        outbox = self.outbox_of(incident)
        screen = CommsScreen(
            name, text, destinations(incident, self.settings, self.drill), default_status(incident, outbox)
        )
        outgoing = await self.push_screen_wait(screen)
        if outgoing is None:
            return
        if outgoing.copy:
            copy_to_clipboard(self, outgoing.text)
            if self.record_update(incident, "clipboard", outgoing.text, name):
                note = (
                    f"{name} copied to the clipboard and recorded; the update clock restarts. "
                    + CLIPBOARD_FALLBACK_HINT
                )
                await self.push_screen_wait(TextViewScreen(note, outgoing.text))
            return
        await self._send(incident, name, outgoing)

    async def _send(self, incident: Incident, name: str, outgoing: Outgoing) -> None:
        """Confirm the exact text and destinations, then queue it: the outbox delivers, retries and shows."""
        from modulo_watch.outbound.routes import plan

        if not self.can_send():
            return
        labels = [d.label for d in outgoing.destinations]
        if outgoing.status and any("Statuspage" in label for label in labels):
            labels = [f"{label}: {outgoing.status}" if label == "Statuspage" else label for label in labels]
        drill = " (the drill outbox: nothing leaves this machine)" if self.drill else ""
        question = Text("\n").join(
            [
                Text.assemble("Send this ", inert(name, "bold"), f"{drill} to:"),
                *(inert(f"  • {label}") for label in labels),
                Text(),
                inert(outgoing.text, single_line=False),
            ]
        )
        if not await self.push_screen_wait(ConfirmScreen(question)):
            return
        outbox = self.outbox_of(incident)
        queued: list[str] = []
        for planned in plan(
            incident, outgoing.destinations, outgoing.text, outgoing.status, outbox, self.settings
        ):
            after = queued[planned.after] if isinstance(planned.after, int) else planned.after
            item = self.enqueue_outgoing(incident, planned.kind, planned.label, planned.payload, after)
            if item is None:
                return
            queued.append(item.id)
        if self.record_update(incident, ", ".join(labels), outgoing.text, name):
            self.notify(f"{name} queued for {', '.join(labels)}; o shows each delivery", markup=False)

    @work(group="postmortem")
    async def action_postmortem(self) -> None:
        from modulo_watch.incident.postmortem import write_postmortem
        from modulo_watch.incident.runbook import load_runbook

        incident = self.current_incident
        if incident is None:
            return
        directory, runbook, now = self.journal.directory, self.runbook, self.sources.clock.now()

        def draft() -> tuple[Path, str]:
            """Read the journal, write the draft: file work, kept off the event loop."""
            timeline = load(directory / f"{incident.id}.jsonl")
            path = write_postmortem(directory, timeline, runbook or load_runbook(), now, clean)
            return path, path.read_text(encoding="utf-8")

        try:
            path, text = await asyncio.to_thread(draft)
        except OSError as exc:
            self.notify(
                f"Postmortem not written: {exc.strerror or exc}", severity="error", timeout=30, markup=False
            )
            return
        await self.push_screen_wait(TextViewScreen(f"Postmortem draft written to {path}", text))

    def action_links(self) -> None:
        """The runbook's tools, and the dashboards on the incident's time range (else the last hour)."""
        from modulo_watch.incident.links import dashboard_links, runbook_links
        from modulo_watch.tui.screens.links import LinksScreen

        incident, now = self.current_incident, self.sources.clock.now()
        start = incident.started_at if incident else now - timedelta(hours=1)
        end = incident.resolved_at if incident else None
        grafana = self.settings.grafana
        links = dashboard_links(grafana.url, grafana.dashboards, start, end)
        self.push_screen(LinksScreen((*links, *(runbook_links(self.runbook) if self.runbook else ()))))
