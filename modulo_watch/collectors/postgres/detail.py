"""What the responder sees of one backend up close, and what they may do to it: from a server or a drill.

Free of psycopg, so the drill's inspector shares these types without loading it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from modulo_watch.collectors.models import PgBackend


@dataclass(frozen=True, slots=True)
class PgLock:
    """A row of pg_locks: one lock the backend holds (granted) or waits for."""

    locktype: str
    mode: str
    granted: bool
    relation: str = ""  # its name when readable from here, else its oid; "" when no relation
    page: int | None = None
    tuple_: int | None = None
    transactionid: str = ""
    virtualxid: str = ""
    waitstart: datetime | None = None  # PostgreSQL 14 and later

    @property
    def target(self) -> str:
        """What is locked, as a DBA names it: ``orders``, ``tuple (0,5) of orders``, ``transaction 743``."""
        if self.locktype == "relation":
            return self.relation
        if self.locktype == "tuple":
            return f"tuple ({self.page},{self.tuple_}) of {self.relation}"
        if self.locktype == "page":
            return f"page {self.page} of {self.relation}"
        if self.locktype == "transactionid":
            return f"transaction {self.transactionid}"
        if self.locktype == "virtualxid":
            return f"virtual transaction {self.virtualxid}"
        return f"{self.locktype} {self.relation}".strip()


@dataclass(frozen=True, slots=True)
class BackendDetail:
    backend: PgBackend
    locks: tuple[PgLock, ...]
    relations_named: bool = True  # False: read from another database, relations show as oids
    xid: str = ""  # the transaction id it was assigned, if it wrote
    xmin: str = ""  # the oldest snapshot it holds: what keeps vacuum from cleaning up


class PgAction(enum.Enum):
    CANCEL = "cancel"  # its current query
    TERMINATE = "terminate"  # its whole session

    @property
    def verb(self) -> str:
        return "Cancel the query of" if self is PgAction.CANCEL else "Terminate"


class PgOutcome(enum.Enum):
    SIGNALLED = "signalled"
    GONE = "gone"  # the backend had ended, or its pid now belongs to another
    REFUSED = "refused"  # the server would not send the signal


class PostgresError(Exception):
    """A failure of the source, its message safe to show (no password)."""


class BackendGone(Exception):
    def __init__(self, pid: int) -> None:
        super().__init__(f"backend {pid} has ended")
        self.pid = pid


class PgInspector(Protocol):
    """A backend's detail, and cancel or terminate. Failures raise the source's error, safe to show."""

    async def detail(self, pid: int) -> BackendDetail:
        """Raises ``BackendGone`` when there is no such backend any more."""
        ...

    async def act(self, action: PgAction, target: PgBackend) -> PgOutcome: ...

    async def aclose(self) -> None: ...
