"""Delivering the outbox: one lane per outside system, in the order queued, retried with backoff.

A lane's items go out one at a time and in order, so an update never overtakes the alert before it (a
status page must see "investigating" before "resolved"). A lane waits while its first pending item waits for
a retry, or for the item whose receipt it needs (the channel it posts to). One lane's outage never delays
another's. An item a person must look at (``failed``) steps out of the way of the ones behind it.

Backoff: 2 s, 4 s, 8 s ... at most 5 minutes, with jitter, and never sooner than a 429's Retry-After.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Protocol

from modulo_watch.incident.journal import JournalError
from modulo_watch.outbound.delivery import DeliveryError, OutboxItem, Receipt, Sender
from modulo_watch.outbound.outbox import (
    ATTEMPT,
    FAILED,
    QUEUED,
    SENT,
    Delivery,
    Tracked,
    failed_fields,
    queued_fields,
    receipts,
)

FIRST_BACKOFF = 2.0  # seconds
MAX_BACKOFF = 300.0
_IDLE = 3600.0  # seconds to sleep with nothing due: a new item or a retry request wakes the loop anyway

logger = logging.getLogger(__name__)


class OutboxJournal(Protocol):
    def record_outbox(self, journal: str, now: datetime, kind: str, fields: dict[str, object]) -> None: ...


class Dispatcher:
    """Runs the deliveries of every journal's outbox; ``on_change`` is called after each state change."""

    def __init__(
        self,
        journal: OutboxJournal,
        senders: Mapping[str, Sender],
        now: Callable[[], datetime],
        on_change: Callable[[], None] = lambda: None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._journal = journal
        self._senders = senders
        self._now = now
        self._on_change = on_change
        self._jitter = jitter
        self._items: dict[str, Tracked] = {}
        self._busy: dict[str, asyncio.Task[None]] = {}  # lane -> its delivery under way
        self._wake = asyncio.Event()

    @property
    def items(self) -> tuple[Tracked, ...]:
        return tuple(self._items.values())

    def of_incident(self, incident_id: str) -> tuple[Tracked, ...]:
        return tuple(t for t in self._items.values() if t.item.incident_id == incident_id)

    def load(self, tracked: Mapping[str, Tracked]) -> None:
        """Items replayed from a journal; the ones already known (this run queued them) are kept."""
        for key, value in tracked.items():
            self._items.setdefault(key, value)
        self._changed()

    def enqueue(
        self,
        incident_id: str,
        kind: str,
        label: str,
        payload: Mapping[str, str],
        after: str | None = None,
    ) -> OutboxItem:
        """Journal a new item and queue it; raises the journal's error when it cannot be saved (then nothing
        is queued: an unsaved message would be lost on a restart)."""
        now = self._now()
        item = OutboxItem(
            id=f"ob-{uuid.uuid4().hex}",
            incident_id=incident_id,
            kind=kind,
            label=label,
            payload=dict(payload),
            after=after,
            queued_at=now,
        )
        self._journal.record_outbox(incident_id, now, QUEUED, queued_fields(item))
        self._items[item.id] = Tracked(item)
        self._changed()
        return item

    def retry(self, item_id: str) -> bool:
        """Send a failed or waiting item now, at a person's request. False when there is nothing to retry."""
        tracked = self._items.get(item_id)
        if tracked is None or tracked.state in (Delivery.SENT, Delivery.SENDING, Delivery.QUEUED):
            return False
        self._items[item_id] = tracked.requeued()
        self._changed()
        return True

    def wake(self) -> None:
        """Look again at what is due: the clock was moved (a drill, a test) or the network came back."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver for ever: start each lane whose first item is due, sleep until the next is."""
        try:
            while True:
                self._wake.clear()
                for lane, tracked in self._due().items():
                    self._busy[lane] = asyncio.create_task(self._deliver(lane, tracked))
                await self._sleep(self._next_wait())
        finally:
            for task in self._busy.values():
                task.cancel()

    def _due(self) -> dict[str, Tracked]:
        now, due = self._now(), {}
        for lane, head in self._lane_heads().items():
            if lane in self._busy or not self._ready(head):
                continue
            if head.retry_at is None or head.retry_at <= now:
                due[lane] = head
        return due

    def _lane_heads(self) -> dict[str, Tracked]:
        """Each lane's first item still to deliver without help."""
        heads: dict[str, Tracked] = {}
        for tracked in self._items.values():
            if tracked.state.pending:
                heads.setdefault(tracked.item.sender, tracked)
        return heads

    def _ready(self, tracked: Tracked) -> bool:
        after = tracked.item.after
        return after is None or (after in self._items and self._items[after].state is Delivery.SENT)

    def _next_wait(self) -> float:
        waits = [
            (head.retry_at - self._now()).total_seconds()
            for lane, head in self._lane_heads().items()
            if lane not in self._busy and head.retry_at is not None and self._ready(head)
        ]
        return max(0.0, min(waits, default=_IDLE))

    async def _sleep(self, seconds: float) -> None:
        # asyncio.timeout, not wait_for: in 3.11 wait_for can swallow a cancellation that lands just as
        # the event is set, and the loop would then run on after its owner stopped it.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._wake.wait()

    def _changed(self) -> None:
        self._wake.set()
        self._on_change()

    async def _deliver(self, lane: str, tracked: Tracked) -> None:
        try:
            await self._try(tracked)
        except JournalError as exc:  # unrecorded, a delivery could be repeated after a restart: stop here
            current = self._items[tracked.item.id]
            self._set(tracked.item.id, current.failed(f"not sent: {exc}", None, current.attempts > 0))
        except Exception:  # a bug in a sender must not end the outbox: the item waits for a person
            logger.exception("delivering outbox item %s", tracked.item.id)
            self._set(tracked.item.id, self._items[tracked.item.id].failed("unexpected error", None, True))
        finally:
            del self._busy[lane]
            self._changed()

    async def _try(self, tracked: Tracked) -> None:
        item = tracked.item
        sender = self._senders.get(item.sender)
        if sender is None:
            self._fail(tracked, DeliveryError(f"{item.label}: not configured now", retryable=False))
            return
        done = receipts(self._items.values())
        if tracked.state is Delivery.UNCONFIRMED and not sender.idempotent(item):
            try:
                found = await sender.find(item, tracked.attempted_at or self._now(), done)
            except DeliveryError as error:
                self._fail(tracked, error, unconfirmed=True)
                return
            if found is not None:
                self._sent(tracked, found)
                return
        now = self._now()
        self._journal.record_outbox(
            item.incident_id, now, ATTEMPT, {"id": item.id, "attempt": tracked.attempts + 1}
        )
        tracked = self._set(item.id, tracked.attempted(now))
        try:
            receipt = await sender.send(item, done)
        except DeliveryError as error:
            self._fail(tracked, error)
            return
        self._sent(tracked, receipt)

    def _sent(self, tracked: Tracked, receipt: Receipt) -> None:
        now = self._now()
        self._journal.record_outbox(
            tracked.item.incident_id, now, SENT, {"id": tracked.item.id, "receipt": dict(receipt)}
        )
        self._set(tracked.item.id, tracked.delivered(now, receipt))

    def _fail(self, tracked: Tracked, error: DeliveryError, unconfirmed: bool = False) -> None:
        """Journal the failure and when it is tried again; an unknown outcome nobody can check waits for a
        person, with the reason said."""
        maybe_delivered = error.maybe_delivered or unconfirmed
        message = str(error)
        if unconfirmed and not error.retryable:
            message = f"may have been delivered, and cannot be checked: {message}"
        retry_at = self._retry_at(tracked.attempts, error) if error.retryable else None
        self._journal.record_outbox(
            tracked.item.incident_id,
            self._now(),
            FAILED,
            failed_fields(tracked.item.id, message, retry_at, maybe_delivered),
        )
        self._set(tracked.item.id, tracked.failed(message, retry_at, maybe_delivered))

    def _retry_at(self, attempts: int, error: DeliveryError) -> datetime:
        backoff = min(MAX_BACKOFF, FIRST_BACKOFF * 2 ** max(0, attempts - 1)) * (0.5 + self._jitter() / 2)
        wait = max(backoff, error.retry_after or 0.0)
        return self._now() + timedelta(seconds=wait)

    def _set(self, item_id: str, tracked: Tracked) -> Tracked:
        self._items[item_id] = tracked
        self._on_change()
        return tracked
