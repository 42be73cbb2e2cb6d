"""What every outside system's client shares: the item it is asked to deliver, the receipt it gives back,
and the one kind of error it raises.

A ``Sender`` turns an ``OutboxItem`` into one call to its API. The outbox (``outbound/outbox.py``) decides
when to call it, journals each attempt and its outcome, and retries; a sender never retries by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

# What a delivered item left behind that later items or a check may need: a Slack channel id and message
# ts, a Statuspage incident id. Plain strings only: receipts are journaled. Never a secret.
Receipt = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One message or call waiting to leave: everything needed to send it again after a restart."""

    id: str  # unique across journals; also the idempotency key sent where an API takes one
    incident_id: str
    kind: str  # "<sender>.<operation>": "slack.post", "statuspage.create", "pagerduty.acknowledge" ...
    label: str  # the destination as the responder reads it: "Slack #incidents", "Statuspage (investigating)"
    payload: Mapping[str, str] = field(default_factory=dict)  # the text, channel, status ...: never a secret
    after: str | None = None  # the item whose receipt this one needs (the channel it posts to ...)
    queued_at: datetime | None = None

    @property
    def sender(self) -> str:
        return self.kind.partition(".")[0]

    @property
    def operation(self) -> str:
        return self.kind.partition(".")[2]


class DeliveryError(Exception):
    """A delivery that failed; ``str()`` is one line for the responder that holds no secret.

    ``retryable``: the same call may succeed later (a 5xx, a 429, a refused connection). Not retryable: the
    call itself is wrong (a refused token, an unknown channel), and only a person can fix it.
    ``retry_after``: seconds the API asked us to wait (429 Retry-After), when it said.
    ``maybe_delivered``: the request may have reached the API before the failure (a read timeout, a dropped
    connection): sending it again could deliver it twice, unless the API can be asked first.
    """

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        retry_after: float | None = None,
        maybe_delivered: bool = False,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.maybe_delivered = maybe_delivered
        self.status = status  # the HTTP status of a refusal, when there was an answer


class Sender(Protocol):
    """One outside system's client, as the outbox uses it. ``receipts`` maps item ids to the receipts of
    the items already delivered (an item's ``after`` is among them when it is called)."""

    def idempotent(self, item: OutboxItem) -> bool:
        """May ``item`` be sent again safely when an earlier attempt's outcome is unknown? True when the API
        deduplicates it (an idempotency or dedup key) or the call sets a state rather than adding one."""
        ...

    async def send(self, item: OutboxItem, receipts: Mapping[str, Receipt]) -> Receipt:
        """Deliver ``item``; raises ``DeliveryError``."""
        ...

    async def find(
        self, item: OutboxItem, attempted_at: datetime, receipts: Mapping[str, Receipt]
    ) -> Receipt | None:
        """After an attempt whose outcome is unknown: the receipt if the API shows ``item`` was delivered,
        None if it shows it was not. Raises ``DeliveryError`` when it cannot tell (``retryable=False``:
        this API cannot be asked, so a person must decide)."""
        ...
