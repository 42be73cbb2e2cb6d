"""The outbox: every message and call to an outside system, kept in the incident journal until delivered.

Each step is journaled (fsynced) before it counts: ``outbox_queued`` when the responder sends, then for each
try an ``outbox_attempt`` *before* the request leaves and an ``outbox_sent`` or ``outbox_failed`` after. A
restart replays the journals: what was queued is still queued, and an attempt with no outcome after it is
*unconfirmed*, since the request may have left. An unconfirmed item is only sent again when its API
deduplicates it (``Sender.idempotent``) or says it never arrived (``Sender.find``); otherwise a person
decides. That is how a network failure, or a ``kill -9``, neither loses an update nor sends it twice.

This module is the bookkeeping; ``outbound/dispatch.py`` runs the deliveries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from modulo_watch.incident.journal import journal_paths, load
from modulo_watch.outbound.delivery import OutboxItem, Receipt

QUEUED = "outbox_queued"
ATTEMPT = "outbox_attempt"
SENT = "outbox_sent"
FAILED = "outbox_failed"
KINDS = (QUEUED, ATTEMPT, SENT, FAILED)
RESTART_JOURNALS = 20  # the newest journals whose undelivered messages a restart picks up


class Delivery(StrEnum):
    QUEUED = "queued"  # waiting its turn, or for the item it follows
    SENDING = "sending"
    RETRYING = "retrying"  # failed for now; tried again at retry_at
    UNCONFIRMED = "unconfirmed"  # an attempt's outcome is unknown: the API is asked before any resend
    FAILED = "failed"  # needs a person (a refused token, an unknown channel): sent again only on request
    SENT = "sent"

    @property
    def pending(self) -> bool:
        """Still to be delivered without anyone's help."""
        return self in (Delivery.QUEUED, Delivery.SENDING, Delivery.RETRYING, Delivery.UNCONFIRMED)


@dataclass(frozen=True, slots=True)
class Tracked:
    """An item and where its delivery stands."""

    item: OutboxItem
    state: Delivery = Delivery.QUEUED
    attempts: int = 0
    attempted_at: datetime | None = None
    retry_at: datetime | None = None
    error: str = ""
    receipt: Receipt = field(default_factory=dict)
    sent_at: datetime | None = None

    def attempted(self, at: datetime) -> Tracked:
        return replace(
            self, state=Delivery.SENDING, attempts=self.attempts + 1, attempted_at=at, retry_at=None
        )

    def delivered(self, at: datetime, receipt: Receipt) -> Tracked:
        return replace(self, state=Delivery.SENT, sent_at=at, receipt=dict(receipt), error="", retry_at=None)

    def failed(self, error: str, retry_at: datetime | None, maybe_delivered: bool) -> Tracked:
        if retry_at is None:
            state = Delivery.FAILED
        else:
            state = Delivery.UNCONFIRMED if maybe_delivered else Delivery.RETRYING
        return replace(self, state=state, error=error, retry_at=retry_at)

    def requeued(self) -> Tracked:
        """Sent again on a person's say-so: no question asked of the API first."""
        return replace(self, state=Delivery.QUEUED, retry_at=None)


# --- Journal entries --------------------------------------------------------------------------------------


def queued_fields(item: OutboxItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "incident": item.incident_id,
        "type": item.kind,
        "label": item.label,
        "payload": dict(item.payload),
        "after": item.after,
    }


def failed_fields(
    item_id: str, error: str, retry_at: datetime | None, maybe_delivered: bool
) -> dict[str, Any]:
    return {
        "id": item_id,
        "error": error,
        "retry_at": retry_at.isoformat() if retry_at else None,
        "maybe_delivered": maybe_delivered,
    }


def replay(entries: Iterable[Mapping[str, Any]], journal_id: str) -> dict[str, Tracked]:
    """The outbox of one journal as its entries leave it, in the order queued. A foreign or damaged entry is
    skipped; an attempt with no outcome after it (the process died mid-send) is unconfirmed."""
    tracked: dict[str, Tracked] = {}
    for entry in entries:
        kind, item_id = entry.get("kind"), entry.get("id")
        if kind not in KINDS or not isinstance(item_id, str):
            continue
        at = datetime.fromisoformat(entry["at"])
        if kind == QUEUED:
            item = _item(entry, journal_id, at)
            if item is not None and item_id not in tracked:
                tracked[item_id] = Tracked(item)
            continue
        current = tracked.get(item_id)
        if current is not None:
            tracked[item_id] = _step(current, kind, entry, at)
    return {
        key: replace(t, state=Delivery.UNCONFIRMED) if t.state is Delivery.SENDING else t
        for key, t in tracked.items()
    }


def _item(entry: Mapping[str, Any], journal_id: str, at: datetime) -> OutboxItem | None:
    payload, kind, label = entry.get("payload"), entry.get("type"), entry.get("label")
    if not (isinstance(payload, dict) and isinstance(kind, str) and "." in kind and isinstance(label, str)):
        return None
    after = entry.get("after")
    return OutboxItem(
        id=str(entry["id"]),
        incident_id=str(entry.get("incident") or journal_id),
        kind=kind,
        label=label,
        payload={str(key): str(value) for key, value in payload.items()},
        after=after if isinstance(after, str) else None,
        queued_at=at,
    )


def _step(current: Tracked, kind: str, entry: Mapping[str, Any], at: datetime) -> Tracked:
    if current.state is Delivery.SENT:
        return current  # a second instance's late entry cannot undo a delivery
    if kind == ATTEMPT:
        return current.attempted(at)
    if kind == SENT:
        receipt = entry.get("receipt")
        clean = {str(k): str(v) for k, v in receipt.items()} if isinstance(receipt, dict) else {}
        return current.delivered(at, clean)
    retry_at = entry.get("retry_at")
    try:
        when = datetime.fromisoformat(retry_at) if isinstance(retry_at, str) else None
    except ValueError:
        when = None
    return current.failed(str(entry.get("error", "")), when, bool(entry.get("maybe_delivered")))


def receipts(tracked: Iterable[Tracked]) -> dict[str, Receipt]:
    """The receipts of the delivered items, by item id: what a later item may need."""
    return {t.item.id: t.receipt for t in tracked if t.state is Delivery.SENT}


def summary(tracked: Iterable[Tracked]) -> str:
    """One line for the responder panel: "2 sent · 1 retrying · 1 failed"."""
    counts: dict[Delivery, int] = {}
    for t in tracked:
        counts[t.state] = counts.get(t.state, 0) + 1
    order = (
        Delivery.SENT,
        Delivery.SENDING,
        Delivery.QUEUED,
        Delivery.RETRYING,
        Delivery.UNCONFIRMED,
        Delivery.FAILED,
    )
    return " · ".join(f"{counts[state]} {state}" for state in order if counts.get(state))


def journal_outboxes(directory: Path, newest: int = RESTART_JOURNALS) -> dict[str, Tracked]:
    """The outboxes of the ``newest`` journals in ``directory``, read back after a restart: a message queued
    just before an incident was resolved, or before a crash, is still delivered."""
    found: dict[str, Tracked] = {}
    for path in journal_paths(directory)[:newest]:
        try:
            found |= replay(load(path).entries, path.stem)
        except OSError:
            continue  # a journal removed or unreadable since it was listed: the others still count
    return found
