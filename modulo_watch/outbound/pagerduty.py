"""PagerDuty's REST API v2: the open incidents and who is on call, and the ``PagerDuty`` sender that
acknowledges or resolves an incident.

The API token travels in the ``Authorization`` header and is named in every call's ``secrets``: no error
line, log record or repr shows it. Every failure, a refused token or an answer in a shape not expected
included, is one ``DeliveryError`` line. The Events API v2 (dedup keys: the sender that acts by one, and
matching an alert to the incident it opened) is in ``pagerduty_events``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from modulo_watch.config import Secret
from modulo_watch.outbound.api_http import MAX_BODY, Refusal, call, error_words, phrase, status_error
from modulo_watch.outbound.delivery import DeliveryError, OutboxItem, Receipt

WHERE = "PagerDuty"
ACCEPT = "application/vnd.pagerduty+json;version=2"
PAGE = 100  # PagerDuty's largest page
MAX_PAGE_BODY = 512 * 1024  # bytes: a page of 100 incidents at some 3 KB each, bounded against a flood
MAX_PAGES = 50  # 500 open incidents or on-call entries: more is a flood, not a war room
OPEN = ("triggered", "acknowledged")
# Each operation's status, and the statuses that already satisfy it: a resolved incident needs no ack.
OPERATIONS: Mapping[str, tuple[str, frozenset[str]]] = {
    "acknowledge": ("acknowledged", frozenset({"acknowledged", "resolved"})),
    "resolve": ("resolved", frozenset({"resolved"})),
}


@dataclass(frozen=True, slots=True)
class PagerDutyIncident:
    """An incident as the war room shows it. Every string is PagerDuty's data, untouched: display escapes."""

    id: str
    number: int
    title: str
    status: str  # triggered | acknowledged | resolved
    urgency: str  # high | low
    assignees: tuple[str, ...]  # names
    escalation_level: int | None  # not in PagerDuty's incident: see ``with_escalation_levels``
    escalation_policy: str  # name
    html_url: str
    incident_key: str  # the Events API's dedup_key
    created_at: datetime | None
    escalation_policy_id: str = ""
    assignee_ids: tuple[str, ...] = ()

    @property
    def open(self) -> bool:
        return self.status in OPEN


@dataclass(frozen=True, slots=True)
class OnCall:
    """One person on call at one level of an escalation policy."""

    level: int
    name: str
    email: str
    schedule: str  # the schedule's name; empty when the policy names the person directly
    until: datetime | None  # None: on call until the policy changes
    user_id: str = ""


# --- Reading ----------------------------------------------------------------------------------------------


async def open_incidents(
    client: httpx.AsyncClient, api_url: str, token: Secret
) -> tuple[PagerDutyIncident, ...]:
    """The triggered and acknowledged incidents, oldest first, at most ``MAX_PAGES`` pages of them."""
    # date_range=all: without it PagerDuty lists the last month only, and an old incident can still be open.
    params = {"statuses[]": list(OPEN), "date_range": "all"}
    pages = await _pages(client, f"{_base(api_url)}/incidents", token, "incidents", params)
    return tuple(_incident(raw) for raw in pages)


async def incident(
    client: httpx.AsyncClient, api_url: str, token: Secret, incident_id: str
) -> PagerDutyIncident:
    """One incident, by id: the state a sender left it in."""
    body = await _rest(client, "GET", _incident_url(api_url, incident_id), token)
    return _incident(_field(body, "incident", dict, "an incident"))


async def oncall_levels(
    client: httpx.AsyncClient, api_url: str, token: Secret, escalation_policy_id: str
) -> tuple[OnCall, ...]:
    """Who is on call now at each level of the policy, sorted by level (then name)."""
    params = {
        "escalation_policy_ids[]": [escalation_policy_id],
        "include[]": ["users"],  # the names and emails, not just references
        "earliest": "true",  # one entry per level and person, not one per schedule layer
    }
    pages = await _pages(client, f"{_base(api_url)}/oncalls", token, "oncalls", params)
    return tuple(sorted((_oncall(raw) for raw in pages), key=lambda on: (on.level, on.name)))


def next_oncall(levels: Sequence[OnCall], after_level: int) -> OnCall | None:
    """Who the incident escalates to from ``after_level``: the first person at the lowest level above it.
    None at the last level (a policy that repeats starts over at level 1: that is PagerDuty's to say)."""
    above = [on for on in levels if on.level > after_level]
    return min(above, key=lambda on: (on.level, on.name)) if above else None


def with_escalation_levels(
    incidents: Sequence[PagerDutyIncident], levels: Sequence[OnCall], escalation_policy_id: str
) -> tuple[PagerDutyIncident, ...]:
    """The incidents on that policy with their escalation level: the lowest level of the policy at which
    one of their assignees is on call. PagerDuty's incident does not carry its level; its assignees do."""
    return tuple(
        replace(one, escalation_level=_level_of(one, levels))
        if one.escalation_policy_id == escalation_policy_id
        else one
        for one in incidents
    )


def _level_of(one: PagerDutyIncident, levels: Sequence[OnCall]) -> int | None:
    found = [on.level for on in levels if on.user_id and on.user_id in one.assignee_ids]
    return min(found) if found else one.escalation_level


# --- The sender -------------------------------------------------------------------------------------------


class PagerDuty:
    """The outbox's sender for ``pagerduty.acknowledge`` and ``pagerduty.resolve``, payload
    ``{"incident_id"}``; receipt ``{"incident_id", "status"}``. Setting a status is idempotent."""

    def __init__(
        self, client: httpx.AsyncClient, api_url: str, token: Secret, from_email: str | None
    ) -> None:
        self._client = client
        self._api_url = api_url
        self._token = token
        self._from_email = from_email

    def __repr__(self) -> str:
        return f"PagerDuty({self._api_url!r}, from_email={self._from_email!r})"

    def idempotent(self, item: OutboxItem) -> bool:
        return True  # it sets a status; setting it twice leaves it set

    async def send(self, item: OutboxItem, receipts: Mapping[str, Receipt]) -> Receipt:
        incident_id, (status, done) = _target(item)
        headers = {"From": self._requester()}
        body = {"incident": {"type": "incident_reference", "status": status}}
        try:
            answer = await _rest(
                self._client, "PUT", _incident_url(self._api_url, incident_id), self._token, headers, body
            )
        except DeliveryError as refused:
            return await self._settled(refused, incident_id, done)
        try:
            now = _incident(_field(answer, "incident", dict, "the incident it changed"))
        except DeliveryError as exc:  # the status may have changed: the outbox asks before sending again
            raise DeliveryError(str(exc), retryable=False, maybe_delivered=True) from None
        return {"incident_id": incident_id, "status": now.status}

    async def find(
        self, item: OutboxItem, attempted_at: datetime, receipts: Mapping[str, Receipt]
    ) -> Receipt | None:
        incident_id, (_status, done) = _target(item)
        return await self._reached(incident_id, done)

    async def _settled(self, refused: DeliveryError, incident_id: str, done: frozenset[str]) -> Receipt:
        """PagerDuty refuses to acknowledge or resolve a resolved incident: when the incident is already
        where the item would put it (a second attempt, a colleague quicker), the item is done. Otherwise
        the refusal stands, also when the incident cannot be read to tell."""
        if refused.status != HTTPStatus.BAD_REQUEST:  # how PagerDuty refuses to touch a resolved incident
            raise refused
        try:
            reached = await self._reached(incident_id, done)
        except DeliveryError:
            reached = None
        if reached is None:
            raise refused
        return reached

    async def _reached(self, incident_id: str, done: frozenset[str]) -> Receipt | None:
        now = await incident(self._client, self._api_url, self._token, incident_id)
        return {"incident_id": incident_id, "status": now.status} if now.status in done else None

    def _requester(self) -> str:
        if not self._from_email:  # PagerDuty records who acted: a change without a From header is refused
            raise DeliveryError(
                "PagerDuty needs [pagerduty] from_email (your PagerDuty login) to acknowledge or resolve",
                retryable=False,
            )
        return self._from_email


def _target(item: OutboxItem) -> tuple[str, tuple[str, frozenset[str]]]:
    operation = OPERATIONS.get(item.operation)
    if item.sender != "pagerduty" or operation is None:
        raise DeliveryError(f"PagerDuty cannot deliver a {item.kind!r} item", retryable=False)
    incident_id = item.payload.get("incident_id", "")
    if not incident_id.strip():
        raise DeliveryError(f"PagerDuty {item.operation}: no incident id", retryable=False)
    return incident_id, operation


# --- Calls and shapes -------------------------------------------------------------------------------------


async def _rest(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    token: Secret,
    headers: Mapping[str, str] | None = None,
    json_body: object = None,
    params: Mapping[str, Any] | None = None,
    max_body: int = MAX_BODY,
) -> Any:
    """One call to the REST API; its JSON body."""
    _status, body = await call(
        client,
        method,
        url,
        where=WHERE,
        secrets=[token.value],
        headers={"Authorization": f"Token token={token.value}", "Accept": ACCEPT, **(headers or {})},
        params=params,
        json_body=json_body,
        refusal=_refusal(method, [url, token.value]),
        max_body=max_body,
    )
    return body


def _refusal(method: str, secrets: Sequence[str]) -> Refusal:
    """A refused token said plainly, once (PagerDuty's words add nothing to the status); any other refusal
    with PagerDuty's reason from its error body."""

    def refused(response: httpx.Response, body: bytes) -> DeliveryError:
        code = response.status_code
        if code in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
            hint = ": is it a read-only key?" if code == HTTPStatus.FORBIDDEN and method != "GET" else ""
            return DeliveryError(
                f"{WHERE} refused the API token ({code} {phrase(code)}){hint}", retryable=False, status=code
            )
        return status_error(WHERE, response, reason_of(response, body, secrets), sends=method != "GET")

    return refused


def reason_of(response: httpx.Response, body: bytes, secrets: Sequence[str]) -> str:
    """Why PagerDuty refused, from the error body of either API: the REST API's ``{"error": {"message",
    "errors"}}``, the Events API's ``{"status", "message", "errors"}``. The errors name the cause, the
    message only its kind; empty when all it says is the status's own phrase."""
    said = error_words(body, secrets, "error.errors", "error.message", "errors", "message")
    return "" if said == phrase(response.status_code) else said


async def _pages(
    client: httpx.AsyncClient, url: str, token: Secret, key: str, params: Mapping[str, Any]
) -> list[object]:
    """Every entry of a classic-paginated list (``limit``, ``offset``, ``more``), at most ``MAX_PAGES``."""
    entries: list[object] = []
    for _page in range(MAX_PAGES):
        page_params = {**params, "limit": PAGE, "offset": len(entries)}
        body = await _rest(client, "GET", url, token, params=page_params, max_body=MAX_PAGE_BODY)
        page = _field(body, key, list, f"its {key}")
        entries.extend(page)
        if not page or body.get("more") is not True:
            break
    return entries


def _field(body: object, key: str, kind: type, what: str) -> Any:
    value = body.get(key) if isinstance(body, dict) else None
    if not isinstance(value, kind):
        raise DeliveryError(
            f"PagerDuty answered with {what} in a shape modulo-watch cannot read", retryable=False
        )
    return value


def _incident(raw: object) -> PagerDutyIncident:
    if not (isinstance(raw, dict) and isinstance(raw.get("id"), str) and isinstance(raw.get("status"), str)):
        raise DeliveryError("PagerDuty answered with an incident modulo-watch cannot read", retryable=False)
    policy = _mapping(raw.get("escalation_policy"))
    people = [_mapping(_mapping(one).get("assignee")) for one in _list(raw.get("assignments"))]
    return PagerDutyIncident(
        id=raw["id"],
        number=_int(raw.get("incident_number")) or 0,
        title=_str(raw.get("title")),
        status=raw["status"],
        urgency=_str(raw.get("urgency")),
        assignees=tuple(_str(person.get("summary")) for person in people),
        escalation_level=None,
        escalation_policy=_str(policy.get("summary")),
        html_url=_str(raw.get("html_url")),
        incident_key=_str(raw.get("incident_key")),
        created_at=_time(raw.get("created_at")),
        escalation_policy_id=_str(policy.get("id")),
        assignee_ids=tuple(_str(person.get("id")) for person in people),
    )


def _oncall(raw: object) -> OnCall:
    entry = _mapping(raw)
    level = _int(entry.get("escalation_level"))
    if level is None:
        raise DeliveryError(
            "PagerDuty answered with an on-call entry modulo-watch cannot read", retryable=False
        )
    user = _mapping(entry.get("user"))
    return OnCall(
        level=level,
        name=_str(user.get("name")) or _str(user.get("summary")),
        email=_str(user.get("email")),
        schedule=_str(_mapping(entry.get("schedule")).get("summary")),
        until=_time(entry.get("end")),
        user_id=_str(user.get("id")),
    )


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _time(value: object) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if parsed is not None and parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)  # PagerDuty's times are UTC ("...Z"); never keep a naive one
    return parsed


def _base(api_url: str) -> str:
    return api_url.rstrip("/")


def _incident_url(api_url: str, incident_id: str) -> str:
    return f"{_base(api_url)}/incidents/{quote(incident_id, safe='')}"
