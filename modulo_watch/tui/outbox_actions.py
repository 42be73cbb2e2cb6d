"""The outbox in the war room: the dispatcher runs as a worker from the first frame on, and every state
change repaints the responder panel and the outbox screen.

The HTTP client, the senders and the journals' outboxes are set up after the first frame (httpx and the
journals' reading cost time the first frame must not wait for).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING

from textual import work

from modulo_watch.incident.incident import Incident
from modulo_watch.incident.journal import JournalError
from modulo_watch.outbound.outbox import Delivery, Tracked
from modulo_watch.tui.incident_actions import IncidentApp
from modulo_watch.tui.pg_actions import ACTIONS_OFF
from modulo_watch.widgets.safe_text import clean

if TYPE_CHECKING:  # httpx and the senders load after the first frame
    import httpx

    from modulo_watch.outbound.delivery import OutboxItem
    from modulo_watch.outbound.dispatch import Dispatcher


CLIENT_TIMEOUT = 10.0  # seconds to wait for the outbox's HTTP client: then it did not start, and that is said


class OutboxApp(IncidentApp):
    """Adds the outbox: ``enqueue_outgoing`` for the keys that send, ``o`` to watch deliveries."""

    dispatcher: Dispatcher | None = None
    outbound_client: httpx.AsyncClient | None = None
    _said_failed: frozenset[str] = frozenset()  # failures the responder has been told of
    _client_made: asyncio.Event | None = None

    def _client_event(self) -> asyncio.Event:
        if self._client_made is None:
            self._client_made = asyncio.Event()
        return self._client_made

    async def wait_for_client(self) -> httpx.AsyncClient | None:
        """The outbox's HTTP client, made just after the first frame; None when it is not there within
        ``CLIENT_TIMEOUT``, or has closed."""
        try:
            async with asyncio.timeout(CLIENT_TIMEOUT):
                await self._client_event().wait()
        except TimeoutError:
            return None
        client = self.outbound_client
        return None if client is None or client.is_closed else client

    @work(group="outbox", exit_on_error=False)
    async def start_outbox(self) -> None:
        """Build the senders, read back what the journals still owe, and deliver until the app ends."""
        from modulo_watch.outbound.api_http import api_client
        from modulo_watch.outbound.dispatch import Dispatcher
        from modulo_watch.outbound.outbox import journal_outboxes
        from modulo_watch.outbound.senders import build_senders

        self.outbound_client = client = api_client()
        self._client_event().set()
        senders = build_senders(self.settings, client, self.drill)
        dispatcher = Dispatcher(self.journal, senders, self.sources.clock.now, self.outbox_changed)
        self.dispatcher = dispatcher
        try:
            owed = await asyncio.to_thread(journal_outboxes, self.journal.directory)
            self._said_failed = frozenset(key for key, t in owed.items() if t.state is Delivery.FAILED)
            dispatcher.load(owed)
            await dispatcher.run()
        finally:
            self.dispatcher = None
            await client.aclose()

    def can_send(self) -> bool:
        """Anything that leaves the machine needs actions enabled; a drill's outbox keeps it here."""
        if self.drill or self.sources.actions_enabled:
            return True
        self.notify(ACTIONS_OFF, title="Read-only", severity="warning", timeout=10, markup=False)
        return False

    def enqueue_outgoing(
        self,
        incident: Incident,
        kind: str,
        label: str,
        payload: Mapping[str, str],
        after: str | None = None,
    ) -> OutboxItem | None:
        """Queue one message or call (journaled first); None, and said, when it cannot be saved or the
        outbox is not running yet. The caller has asked the responder to confirm."""
        if self.dispatcher is None:
            self.notify("The outbox is still starting; try again in a moment", markup=False)
            return None
        try:
            return self.dispatcher.enqueue(incident.id, kind, label, payload, after)
        except JournalError as exc:
            self._not_saved(exc)
            return None

    def outbox_of(self, incident: Incident | None) -> tuple[Tracked, ...]:
        if incident is None or self.dispatcher is None:
            return ()
        return self.dispatcher.of_incident(incident.id)

    def outbox_changed(self) -> None:
        """A delivery moved: the panel's outbox lines and an open outbox screen follow."""
        from modulo_watch.tui.screens.outbox import OutboxScreen

        if not self.is_running or self.dispatcher is None:
            return
        self._say_new_failures(self.dispatcher.items)
        self.show_incident(self.sources.clock.now())
        if isinstance(self.screen, OutboxScreen):
            self.screen.show(self.outbox_of(self.screen.incident))

    def _say_new_failures(self, items: tuple[Tracked, ...]) -> None:
        """A delivery that needs a person is said once, loudly: the panel alone is easy to miss."""
        failed = {t.item.id: t for t in items if t.state is Delivery.FAILED}
        for key in failed.keys() - self._said_failed:
            tracked = failed[key]
            self.notify(
                f"{clean(tracked.item.label)}: {clean(tracked.error)} · o lists it, R sends it again",
                title="Not delivered",
                severity="error",
                timeout=30,
                markup=False,
            )
        self._said_failed = frozenset(failed)

    def action_outbox(self) -> None:
        from modulo_watch.tui.screens.outbox import OutboxScreen

        incident = self.incident or self.resolved_incident
        if incident is None:
            return
        self.push_screen(OutboxScreen(incident, self.outbox_of(incident), self._retry_outgoing))

    def _retry_outgoing(self, item_id: str) -> None:
        if self.dispatcher is not None and self.can_send() and self.dispatcher.retry(item_id):
            self.notify("Sending it again now", markup=False)
