"""The drill outbox: in a drill, every outgoing message and call lands here, visibly, and nowhere else."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from modulo_watch.outbound.delivery import OutboxItem, Receipt

DRILL_RECEIPT = "kept in the drill outbox; nothing left this machine"


class DrillOutbox:
    """A sender for every destination that delivers nothing: no client, no network, no token."""

    def idempotent(self, item: OutboxItem) -> bool:
        return True

    async def send(self, item: OutboxItem, receipts: Mapping[str, Receipt]) -> Receipt:
        return {"drill": DRILL_RECEIPT}

    async def find(
        self, item: OutboxItem, attempted_at: datetime, receipts: Mapping[str, Receipt]
    ) -> Receipt | None:
        return None
