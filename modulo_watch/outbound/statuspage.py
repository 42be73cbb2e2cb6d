"""Atlassian Statuspage as an outbox sender: opening an incident on the public status page and posting its
updates (investigating, identified, monitoring, resolved), with the statuses of the components it affects.

Statuspage's REST API (``https://api.statuspage.io/v1``) takes the API key as ``Authorization: OAuth <key>``;
no error line here quotes the key, even when an answer echoes it. Neither call is idempotent: every POST
opens an incident and every PATCH with a body adds an incident update. So after an attempt whose outcome is
unknown, ``find()`` asks Statuspage what arrived: the unresolved incident of the same name, or the update of
the same status and body, created since shortly before the attempt.

Kinds (``OutboxItem.operation``) and payload keys:

- ``create``: ``name``, ``status``, ``body``, ``components`` (comma-separated component ids, or empty),
  ``component_status`` (default ``major_outage``). Receipt: ``incident_id``, and ``shortlink`` when given.
- ``update``: ``status``, ``body``, ``components``, ``component_status``; the incident is the one in the
  receipt of ``item.after``. On ``resolved`` the components go back to ``operational``. Receipt:
  ``incident_id``, and ``update_id`` when the answer shows the new incident update.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from modulo_watch.config import Secret
from modulo_watch.outbound.api_http import call, error_words, phrase, retry_after
from modulo_watch.outbound.delivery import DeliveryError, OutboxItem, Receipt

WHERE = "Statuspage"
KINDS = ("statuspage.create", "statuspage.update")

# The vocabulary of Statuspage's API, in the order a responder walks through it; labels as its UI shows them.
INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
INCIDENT_STATUS_LABELS = {status: status.capitalize() for status in INCIDENT_STATUSES}
COMPONENT_STATUSES = (
    "operational",
    "under_maintenance",
    "degraded_performance",
    "partial_outage",
    "major_outage",
)
COMPONENT_STATUS_LABELS = {status: status.replace("_", " ").capitalize() for status in COMPONENT_STATUSES}
DEFAULT_COMPONENT_STATUS = "major_outage"
RESOLVED = "resolved"
RESOLVED_COMPONENT_STATUS = "operational"

# How far before the attempt a match may have been created: Statuspage's clock against ours.
CLOCK_SLACK = timedelta(seconds=60)
# Statuspage's older rate-limit answer: it still sends it to integrations that were built on it.
_ENHANCE_YOUR_CALM = 420
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # Statuspage's ids are short and plain: anything else is not one
_MAX_SHORTLINK = 200
_MAX_SHOWN = 40


@dataclass(frozen=True, slots=True)
class _Change:
    """What an item asks of the incident: its status, the update's text and the components' state."""

    status: str
    body: str
    components: tuple[str, ...]
    component_status: str

    def fields(self) -> dict[str, Any]:
        """The ``incident`` object of a create or an update."""
        fields: dict[str, Any] = {"status": self.status, "body": self.body}
        if self.components:
            # Resolving an incident puts its components back in order: that is what the page's readers see.
            state = RESOLVED_COMPONENT_STATUS if self.status == RESOLVED else self.component_status
            fields["component_ids"] = list(self.components)
            fields["components"] = dict.fromkeys(self.components, state)
        return fields


class Statuspage:
    """The ``statuspage`` sender: one page of one Statuspage account, reached with ``client``."""

    def __init__(self, client: httpx.AsyncClient, api_url: str, page_id: str, api_key: Secret) -> None:
        self._client = client
        self._page_id = page_id
        self._page_url = f"{api_url.rstrip('/')}/pages/{quote(page_id, safe='')}"
        self._api_key = api_key

    def idempotent(self, item: OutboxItem) -> bool:
        return False  # a second POST opens a second incident, a second PATCH posts a second update

    async def send(self, item: OutboxItem, receipts: Mapping[str, Receipt]) -> Receipt:
        if item.operation == "create":
            return await self._create(item)
        if item.operation == "update":
            return await self._update(item, receipts)
        raise _unknown_kind(item)

    async def find(
        self, item: OutboxItem, attempted_at: datetime, receipts: Mapping[str, Receipt]
    ) -> Receipt | None:
        since = _aware(attempted_at) - CLOCK_SLACK
        if item.operation == "create":
            return await self._find_incident(item, since)
        if item.operation == "update":
            return await self._find_update(item, receipts, since)
        raise _unknown_kind(item)

    # --- create -------------------------------------------------------------------------------------------

    async def _create(self, item: OutboxItem) -> Receipt:
        change = _change(item.payload)
        incident = {"name": item.payload.get("name", ""), **change.fields()}
        if not change.components:  # the documented shape: no component affected is an empty list
            incident |= {"component_ids": [], "components": {}}
        status, document = await self._call("POST", "/incidents", {"incident": incident}, self._no_page)
        return _incident_receipt(document, status, sent=True)

    async def _find_incident(self, item: OutboxItem, since: datetime) -> Receipt | None:
        """The unresolved incident of the item's name created since ``since``; the earliest, if several."""
        status, document = await self._call("GET", "/incidents/unresolved", None, self._no_page)
        if not isinstance(document, list):
            raise _shape_error(status, "without a list of incidents", sent=False)
        name = item.payload.get("name", "")
        found = [
            (created, incident)
            for incident in document
            if isinstance(incident, dict)
            and incident.get("name") == name
            and (created := _created_at(incident)) is not None
            and created >= since
        ]
        if not found:
            return None
        return _incident_receipt(min(found, key=lambda pair: pair[0])[1], status, sent=False)

    # --- update -------------------------------------------------------------------------------------------

    async def _update(self, item: OutboxItem, receipts: Mapping[str, Receipt]) -> Receipt:
        incident_id, change = _incident_of(item, receipts), _change(item.payload)
        status, document = await self._call(
            "PATCH",
            f"/incidents/{incident_id}",
            {"incident": change.fields()},
            self._no_incident(incident_id),
        )
        if not (isinstance(document, dict) and document.get("id") == incident_id):
            raise _shape_error(status, "without the incident", sent=True)
        return _update_receipt(incident_id, _matching_update(document, change, since=None))

    async def _find_update(
        self, item: OutboxItem, receipts: Mapping[str, Receipt], since: datetime
    ) -> Receipt | None:
        incident_id, change = _incident_of(item, receipts), _change(item.payload)
        status, document = await self._call(
            "GET", f"/incidents/{incident_id}", None, self._no_incident(incident_id)
        )
        if not isinstance(document, dict):
            raise _shape_error(status, "without the incident", sent=False)
        update = _matching_update(document, change, since)
        return None if update is None else _update_receipt(incident_id, update)

    # --- HTTP ---------------------------------------------------------------------------------------------

    @property
    def _no_page(self) -> str:
        return f"{WHERE} has no page {_shown(self._page_id)} (or the API key cannot see it)"

    def _no_incident(self, incident_id: str) -> str:
        return f"{WHERE} has no incident {incident_id} on page {_shown(self._page_id)}"

    async def _call(self, method: str, path: str, body: object, not_found: str) -> tuple[int, Any]:
        """One request to the page's API; its 2xx status and JSON, else a ``DeliveryError``."""
        return await call(
            self._client,
            method,
            self._page_url + path,
            where=WHERE,
            secrets=[self._api_key.value],
            headers={"Authorization": f"OAuth {self._api_key.value}"},
            json_body=body,
            refusal=lambda response, answer: self._refusal(response, answer, not_found),
        )

    def _refusal(self, response: httpx.Response, body: bytes, not_found: str) -> DeliveryError | None:
        """Statuspage's own answers as one line each; None leaves the rest (429, 5xx, 3xx, 400) to call()."""
        code = response.status_code
        status = f"{code} {phrase(code)}".rstrip()
        if code == _ENHANCE_YOUR_CALM:  # read as call() reads a 429
            wait = retry_after(response.headers.get("Retry-After"))
            later = f"; retry after {wait:g} s" if wait is not None else ""
            return DeliveryError(
                f"{WHERE} is rate limiting ({status}){later}", retryable=True, retry_after=wait, status=code
            )
        line = self._refused(code, status, body, not_found)
        return None if line is None else DeliveryError(line, retryable=False, status=code)

    def _refused(self, code: int, status: str, body: bytes, not_found: str) -> str | None:
        if code == HTTPStatus.UNAUTHORIZED:
            return f"{WHERE} refused the API key ({status})"
        if code == HTTPStatus.FORBIDDEN:
            return f"{WHERE}: the API key may not change page {_shown(self._page_id)} ({status})"
        if code == HTTPStatus.NOT_FOUND:
            return not_found
        if code == HTTPStatus.UNPROCESSABLE_ENTITY:
            said = error_words(body, [self._api_key.value], "error", "message", "errors")
            return f"{WHERE} refused the change: {said or status}"
        return None


# --- Payloads and answers ----------------------------------------------------------------------------------


def _change(payload: Mapping[str, str]) -> _Change:
    """The item's status, body and components, checked against Statuspage's vocabulary before sending."""
    status = payload.get("status", "")
    component_status = payload.get("component_status") or DEFAULT_COMPONENT_STATUS
    if status not in INCIDENT_STATUSES:
        raise DeliveryError(f"{WHERE}: {_shown(status)} is not an incident status", retryable=False)
    if component_status not in COMPONENT_STATUSES:
        raise DeliveryError(f"{WHERE}: {_shown(component_status)} is not a component status", retryable=False)
    components = tuple(part.strip() for part in payload.get("components", "").split(",") if part.strip())
    return _Change(status, payload.get("body", ""), components, component_status)


def _incident_of(item: OutboxItem, receipts: Mapping[str, Receipt]) -> str:
    """The Statuspage incident an update is for: the one its ``after`` item opened."""
    receipt = receipts.get(item.after or "", {})
    incident_id = receipt.get("incident_id", "")
    if not _ID.fullmatch(incident_id):
        raise DeliveryError(f"{WHERE}: no incident to update (it was not opened)", retryable=False)
    return incident_id


def _incident_receipt(document: object, status: int, *, sent: bool) -> Receipt:
    incident_id = document.get("id") if isinstance(document, dict) else None
    if not (isinstance(incident_id, str) and _ID.fullmatch(incident_id)):
        raise _shape_error(status, "without an incident id", sent=sent)
    receipt = {"incident_id": incident_id}
    shortlink = document.get("shortlink") if isinstance(document, dict) else None
    if _is_link(shortlink):
        receipt["shortlink"] = str(shortlink)
    return receipt


def _update_receipt(incident_id: str, update: Mapping[str, Any] | None) -> Receipt:
    update_id = update.get("id") if update is not None else None
    if isinstance(update_id, str) and _ID.fullmatch(update_id):
        return {"incident_id": incident_id, "update_id": update_id}
    return {"incident_id": incident_id}


def _matching_update(
    incident: Mapping[str, Any], change: _Change, since: datetime | None
) -> Mapping[str, Any] | None:
    """The latest of the incident's updates with the change's status and body (created since ``since``)."""
    updates = incident.get("incident_updates")
    found = [
        (created, update)
        for update in (updates if isinstance(updates, list) else [])
        if isinstance(update, dict)
        and update.get("status") == change.status
        and _same_text(update.get("body"), change.body)
        and (created := _created_at(update)) is not None
        and (since is None or created >= since)
    ]
    return max(found, key=lambda pair: pair[0])[1] if found else None


def _same_text(stored: object, sent: str) -> bool:
    # Compared as Statuspage may keep it: line endings and the edges' whitespace are not worth a duplicate.
    def norm(text: str) -> str:
        return text.replace("\r\n", "\n").strip()

    return isinstance(stored, str) and norm(stored) == norm(sent)


def _created_at(document: Mapping[str, Any]) -> datetime | None:
    value = document.get("created_at")
    if not isinstance(value, str):
        return None
    try:
        return _aware(datetime.fromisoformat(value))
    except ValueError:
        return None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _is_link(value: object) -> bool:
    return (
        isinstance(value, str)
        and value.startswith(("https://", "http://"))
        and len(value) <= _MAX_SHORTLINK
        and value.isprintable()
        and " " not in value
    )


def _shown(text: str) -> str:
    """A value from config or a payload in an error line: as it is when a plain id, else quoted, printable
    and short."""
    if _ID.fullmatch(text):
        return text
    text = "".join(c if c.isprintable() else "?" for c in text)
    return repr(text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…")


def _shape_error(status: int, problem: str, *, sent: bool) -> DeliveryError:
    # A 2xx to a POST or PATCH means it arrived: a person (or find) must check before it is sent again.
    return DeliveryError(f"{WHERE} answered {status} {problem}", retryable=False, maybe_delivered=sent)


def _unknown_kind(item: OutboxItem) -> DeliveryError:
    return DeliveryError(f"{WHERE} cannot {_shown(item.operation)}", retryable=False)
