"""Sending the incident's messages (the clipboard through OSC 52, a Slack webhook), and its postmortem."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from rich.text import Text
from textual import work

from modulo_watch.incident.incident import Incident
from modulo_watch.incident.journal import load
from modulo_watch.tui.clipboard import CLIPBOARD_FALLBACK_HINT, copy_to_clipboard
from modulo_watch.tui.incident_actions import IncidentApp
from modulo_watch.tui.pg_actions import ACTIONS_OFF
from modulo_watch.tui.screens.comms import CommsScreen, Destination, TextViewScreen
from modulo_watch.tui.screens.confirm import ConfirmScreen
from modulo_watch.widgets.safe_text import clean, inert


class CommsApp(IncidentApp):
    """Adds the keys that take the incident's words out of the war room: ``n`` and ``x``."""

    @property
    def current_incident(self) -> Incident | None:
        return self.incident or self.resolved_incident

    def _webhook_label(self) -> str | None:
        """The webhook as the responder may see it (never its secret path), when posting is allowed."""
        from modulo_watch.outbound.webhook import webhook_host  # httpx: not needed for the first frame

        url = self.settings.slack.webhook_url
        if url is None or self.drill:
            return None
        return f"Slack webhook at {webhook_host(url)}"

    @work(group="notify")
    async def action_send_update(self) -> None:
        incident = self.current_incident
        if incident is None:
            return
        name, text = self.message_for(incident, self.sources.clock.now())
        outgoing = await self.push_screen_wait(CommsScreen(name, text, self._webhook_label()))
        if outgoing is None:
            return
        if outgoing.destination is Destination.CLIPBOARD:
            copy_to_clipboard(self, outgoing.text)
            if self.record_update(incident, "clipboard", outgoing.text, name):
                note = (
                    f"{name} copied to the clipboard and recorded; the update clock restarts. "
                    + CLIPBOARD_FALLBACK_HINT
                )
                await self.push_screen_wait(TextViewScreen(note, outgoing.text))
            return
        await self._post(incident, name, outgoing.text)

    async def _post(self, incident: Incident, name: str, text: str) -> None:
        from modulo_watch.outbound.webhook import (
            WebhookError,
            post_webhook,
            slack_text,
            webhook_client,
            webhook_host,
        )

        url = self.settings.slack.webhook_url
        if url is None:
            return
        if not self.sources.actions_enabled:
            self.notify(ACTIONS_OFF, title="Read-only", severity="warning", timeout=10, markup=False)
            return
        host = webhook_host(url)
        question = Text.assemble(
            "Post this to the Slack webhook at ", (host, "bold"), "?\n\n", inert(text, single_line=False)
        )
        if not await self.push_screen_wait(ConfirmScreen(question)):
            return
        try:
            async with webhook_client() as client:
                await post_webhook(client, url, slack_text(text))
        except WebhookError as exc:
            self.notify(clean(str(exc)), title="Not posted", severity="error", timeout=20, markup=False)
            return
        if self.record_update(incident, f"Slack webhook ({host})", text, name):
            self.notify(f"{name} posted to the Slack webhook at {host} and recorded", markup=False)

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
