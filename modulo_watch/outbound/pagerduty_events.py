"""PagerDuty's Events API v2, where an incident is named by its dedup key: the ``PagerDutyEvents`` sender
that acknowledges or resolves one by that key, and finding the incident an alert opened.

The routing key travels in the event's body and is named in the call's ``secrets``: no error line, log
record or repr shows it.

Which incident is an alert's (``incident_for_alert``), the rule:

1. Its dedup key, where it can be computed: an incident whose ``incident_key`` (the Events API's
   ``dedup_key``) is one of the alert's candidate keys. Alertmanager's PagerDuty receiver sends
   ``sha256(group key)`` in hex, the group key being ``<route key>:<group labels>`` (``{}:{alertname="X"}``
   for the root route grouping by alertname). Without Alertmanager's routing tree only the usual cases can
   be computed: the root route grouping by ``alertname`` or by every label (``group_by: ['...']``), plus
   any group key the caller knows (a webhook's ``groupKey``), and the alert's fingerprint as it is, which
   integrations that send one alert per incident use.
2. Otherwise, an incident whose title names the alert: the alert name as a whole word (``HighLatency``
   does not match ``HighLatencyP99``). Alertmanager's default summary starts ``[FIRING:1] <alertname>``.

Among several matches of the same rule, an open incident before a resolved one, then the newest.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from http import HTTPStatus

import httpx

from modulo_watch.config import Secret
from modulo_watch.outbound.api_http import Refusal, call, status_error
from modulo_watch.outbound.delivery import DeliveryError, OutboxItem, Receipt
from modulo_watch.outbound.pagerduty import PagerDutyIncident, reason_of

WHERE = "PagerDuty's Events API"
ACTIONS = ("acknowledge", "resolve")
MAX_DEDUP_KEY = 255  # characters: PagerDuty refuses a longer key
_OLDEST = datetime.min.replace(tzinfo=UTC)


class PagerDutyEvents:
    """The outbox's sender for ``pagerduty_events.acknowledge`` and ``pagerduty_events.resolve``, payload
    ``{"dedup_key"}``; receipt ``{"dedup_key"}``. PagerDuty deduplicates by the key: sending twice is safe."""

    def __init__(self, client: httpx.AsyncClient, events_url: str, routing_key: Secret) -> None:
        self._client = client
        self._url = f"{events_url.rstrip('/')}/v2/enqueue"
        self._routing_key = routing_key

    def __repr__(self) -> str:
        return f"PagerDutyEvents({self._url!r})"

    def idempotent(self, item: OutboxItem) -> bool:
        return True  # an event for the same dedup key acts on the same incident, once

    async def send(self, item: OutboxItem, receipts: Mapping[str, Receipt]) -> Receipt:
        action, dedup_key = _target(item)
        event = {"routing_key": self._routing_key.value, "event_action": action, "dedup_key": dedup_key}
        _status, answer = await call(
            self._client,
            "POST",
            self._url,
            where=WHERE,
            secrets=[self._routing_key.value],
            json_body=event,
            refusal=_refusal(action, [self._url, self._routing_key.value]),
        )
        if not (isinstance(answer, dict) and answer.get("status") == "success"):
            raise DeliveryError(
                f"{WHERE} answered the {action} event in a shape modulo-watch cannot read",
                retryable=False,
                maybe_delivered=True,
            )
        return {"dedup_key": dedup_key}

    async def find(
        self, item: OutboxItem, attempted_at: datetime, receipts: Mapping[str, Receipt]
    ) -> Receipt | None:
        return None  # the Events API cannot be asked; sending again is safe, so the outbox simply does


def _target(item: OutboxItem) -> tuple[str, str]:
    if item.sender != "pagerduty_events" or item.operation not in ACTIONS:
        raise DeliveryError(f"PagerDuty's Events API cannot deliver a {item.kind!r} item", retryable=False)
    dedup_key = item.payload.get("dedup_key", "")
    if not dedup_key.strip() or len(dedup_key) > MAX_DEDUP_KEY:
        raise DeliveryError(
            f"PagerDuty {item.operation}: the dedup key must be 1 to {MAX_DEDUP_KEY} characters",
            retryable=False,
        )
    return item.operation, dedup_key


def _refusal(action: str, secrets: Sequence[str]) -> Refusal:
    """Any refusal with PagerDuty's reason from its error body. The Events API refuses an unknown routing
    key and a malformed event alike, with 400 "invalid event": the event is checked before it is sent, so
    the key is named as the likely cause."""

    def refused(response: httpx.Response, body: bytes) -> DeliveryError:
        said = reason_of(response, body, secrets)
        if response.status_code != HTTPStatus.BAD_REQUEST:
            return status_error(WHERE, response, said)
        said = f"{said}; " if said else ""
        return DeliveryError(
            f"{WHERE} refused the {action} event (400 Bad Request): {said}is [pagerduty] routing_key right?",
            retryable=False,
            status=response.status_code,
        )

    return refused


# --- Which incident is an alert's -------------------------------------------------------------------------


def incident_for_alert(
    incidents: Sequence[PagerDutyIncident],
    alert_name: str,
    labels: Mapping[str, str] | Iterable[tuple[str, str]],
    fingerprint: str = "",
    group_keys: Iterable[str] = (),
) -> PagerDutyIncident | None:
    """The incident behind an alert, by the rule in this module's docstring; None when none matches."""
    keys = set(dedup_keys(alert_name, labels, fingerprint, group_keys))
    by_key = [one for one in incidents if one.incident_key and one.incident_key in keys]
    if by_key:
        return max(by_key, key=_preference)
    if not alert_name:
        return None
    named = re.compile(rf"(?<![A-Za-z0-9_:]){re.escape(alert_name)}(?![A-Za-z0-9_:])")
    by_title = [one for one in incidents if named.search(one.title)]
    return max(by_title, key=_preference) if by_title else None


def dedup_keys(
    alert_name: str,
    labels: Mapping[str, str] | Iterable[tuple[str, str]],
    fingerprint: str = "",
    group_keys: Iterable[str] = (),
) -> tuple[str, ...]:
    """The dedup keys the alert's incident may carry (see the module docstring), most specific first."""
    every = dict(labels.items() if isinstance(labels, Mapping) else labels)
    if alert_name:
        every["alertname"] = alert_name
    known = [*group_keys, f"{{}}:{label_set(every)}"]
    if alert_name:
        known.append(f"{{}}:{label_set({'alertname': alert_name})}")
    keys = [alertmanager_dedup_key(key) for key in known]
    return (fingerprint, *keys) if fingerprint else tuple(keys)


def alertmanager_dedup_key(group_key: str) -> str:
    """What Alertmanager sends as ``dedup_key`` for an alert group: the group key's SHA-256, in hex."""
    return hashlib.sha256(group_key.encode("utf-8", "surrogatepass")).hexdigest()


def label_set(labels: Mapping[str, str]) -> str:
    """A label set as Alertmanager (Go's ``model.LabelSet``) writes it: ``{a="1", b="2"}``, sorted by name,
    each value quoted as Go's ``strconv.Quote`` does."""
    return "{" + ", ".join(f"{name}={_go_quote(labels[name])}" for name in sorted(labels)) + "}"


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def _go_quote(value: str) -> str:
    out = []
    for char in value:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif char.isprintable():  # Go keeps printable characters, any script, as they are
            out.append(char)
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'


def _preference(one: PagerDutyIncident) -> tuple[bool, datetime, int]:
    return one.open, one.created_at or _OLDEST, one.number
