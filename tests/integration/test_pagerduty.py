"""PagerDuty's REST API v2 (reading incidents and on-calls, acknowledging and resolving) and Events API v2
(acting by dedup key), against a loopback server that keeps their contract (``tests/contract``).

Every failure is one ``DeliveryError`` line, classified for the outbox; the API token and the routing key
appear in no error line, traceback or log record.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from modulo_watch.config import Secret
from modulo_watch.outbound import pagerduty
from modulo_watch.outbound.api_http import api_client
from modulo_watch.outbound.delivery import DeliveryError, OutboxItem, Receipt
from modulo_watch.outbound.pagerduty import (
    PagerDuty,
    PagerDutyIncident,
    incident,
    next_oncall,
    oncall_levels,
    open_incidents,
    with_escalation_levels,
)
from modulo_watch.outbound.pagerduty_events import PagerDutyEvents, alertmanager_dedup_key, incident_for_alert
from tests.contract.http_server import Answer
from tests.contract.pagerduty_server import POLICY_ID, POLICY_NAME, PagerDutyServer, User
from tests.hostile import HOSTILE_STRINGS

HANG_TIMEOUT = 0.3  # seconds the client waits on the hanging server: the test's own speed, not a timing
RESPONDER = "ana@modulo.example"
NO_RECEIPTS: dict[str, Receipt] = {}
ATTEMPTED = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # what find() is told; the API is not asked by time


@pytest.fixture
def server(pagerduty: PagerDutyServer) -> PagerDutyServer:
    return pagerduty


@pytest.fixture
def ana(server: PagerDutyServer) -> User:
    """The responder: a user of the account, on call at level 1."""
    user = server.add_user("Ana Lima", RESPONDER)
    server.put_on_call(user, 1, schedule="Primary", end="2026-11-28T08:00:00Z")
    return user


def token(server: PagerDutyServer) -> Secret:
    return Secret(server.token)


def rest_sender(
    server: PagerDutyServer, client: httpx.AsyncClient, from_email: str | None = RESPONDER
) -> PagerDuty:
    return PagerDuty(client, server.url, token(server), from_email)


def events_sender(
    server: PagerDutyServer, client: httpx.AsyncClient, key: str | None = None
) -> PagerDutyEvents:
    return PagerDutyEvents(client, server.url, Secret(key or server.routing_key))


def item(kind: str, **payload: str) -> OutboxItem:
    return OutboxItem(id="item-1", incident_id="inc-1", kind=kind, label="PagerDuty", payload=payload)


async def failure(call: Awaitable[Any], *secrets: str) -> DeliveryError:
    """The error a call raised, checked to be one line holding none of ``secrets``, traceback included."""
    with pytest.raises(DeliveryError) as caught:
        await call
    message = str(caught.value)
    shown = "".join(traceback.format_exception(caught.value))
    assert "\n" not in message and "\x1b" not in message
    for secret in secrets:
        assert secret not in message and secret not in shown
    return caught.value


# --- Reading incidents ------------------------------------------------------------------------------------


async def test_open_incidents_are_the_triggered_and_the_acknowledged(
    server: PagerDutyServer, client: httpx.AsyncClient, ana: User
) -> None:
    first = server.add_incident("[FIRING:1] HighErrorRate payments", incident_key="k-1", level=1)
    server.add_incident("old disk alert", status="resolved")
    second = server.add_incident("Checkout latency", status="acknowledged", urgency="low")

    found = await open_incidents(client, server.url, token(server))

    assert [one.id for one in found] == [first.id, second.id]
    assert found[0] == PagerDutyIncident(
        id=first.id,
        number=first.number,
        title="[FIRING:1] HighErrorRate payments",
        status="triggered",
        urgency="high",
        assignees=("Ana Lima",),
        escalation_level=None,
        escalation_policy=POLICY_NAME,
        html_url=f"https://modulo.pagerduty.com/incidents/{first.id}",
        incident_key="k-1",
        created_at=found[0].created_at,
        escalation_policy_id=POLICY_ID,
        assignee_ids=(ana.id,),
    )
    assert found[0].created_at is not None and found[0].created_at.tzinfo is not None
    assert (found[1].status, found[1].urgency) == ("acknowledged", "low")
    [request] = server.received
    assert request.headers["authorization"] == f"Token token={server.token}"
    assert request.headers["accept"] == "application/vnd.pagerduty+json;version=2"
    assert request.query["statuses[]"] == ["triggered", "acknowledged"]
    assert request.query["date_range"] == ["all"]  # else PagerDuty lists the last month only


async def test_open_incidents_follow_the_pages(server: PagerDutyServer, client: httpx.AsyncClient) -> None:
    server.max_limit = 2
    made = [server.add_incident(f"incident {n}") for n in range(5)]

    found = await open_incidents(client, server.url, token(server))

    assert [one.id for one in found] == [one.id for one in made]
    assert [r.query["offset"] for r in server.received] == [["0"], ["2"], ["4"]]


async def test_a_page_is_a_hundred_incidents_of_some_3_kb(
    server: PagerDutyServer, client: httpx.AsyncClient
) -> None:
    made = [server.add_incident(f"{n} " + "x" * 1400) for n in range(150)]

    found = await open_incidents(client, server.url, token(server))

    assert [one.id for one in found] == [one.id for one in made]
    assert [(r.query["limit"], r.query["offset"]) for r in server.received] == [
        (["100"], ["0"]),
        (["100"], ["100"]),
    ]


async def test_a_flooding_page_is_cut_short(server: PagerDutyServer, client: httpx.AsyncClient) -> None:
    server.script = [Answer.of_json(200, {"incidents": [{"title": "x" * 1024}] * 1024, "more": False})]

    error = await failure(open_incidents(client, server.url, token(server)))

    assert str(error) == "PagerDuty answered 200 with something that is not JSON"
    assert not error.retryable


async def test_paging_is_bounded(
    server: PagerDutyServer, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pagerduty, "MAX_PAGES", 3)
    server.max_limit = 1
    for n in range(10):
        server.add_incident(f"incident {n}")

    found = await open_incidents(client, server.url, token(server))

    assert len(found) == 3 and len(server.received) == 3


async def test_an_alert_is_matched_to_the_incident_it_opened(
    server: PagerDutyServer, client: httpx.AsyncClient
) -> None:
    # What Alertmanager's PagerDuty receiver sends for the root route grouping by alertname.
    key = alertmanager_dedup_key('{}:{alertname="HighErrorRate"}')
    server.add_incident("HighErrorRate (an older incident, by title only)")
    opened = server.add_incident("[FIRING:3] payments 5xx", incident_key=key)
    server.add_incident("HighErrorRateP99 is not this alert")

    found = await open_incidents(client, server.url, token(server))
    match = incident_for_alert(found, "HighErrorRate", {"alertname": "HighErrorRate", "severity": "page"})

    assert match is not None and match.id == opened.id


# --- Acknowledging and resolving over REST ----------------------------------------------------------------


async def test_acknowledge_then_resolve(
    server: PagerDutyServer, client: httpx.AsyncClient, ana: User
) -> None:
    opened = server.add_incident("payments down")
    sender = rest_sender(server, client)

    acked = await sender.send(item("pagerduty.acknowledge", incident_id=opened.id), NO_RECEIPTS)
    assert acked == {"incident_id": opened.id, "status": "acknowledged"}
    assert opened.status == "acknowledged"

    resolved = await sender.send(item("pagerduty.resolve", incident_id=opened.id), NO_RECEIPTS)
    assert resolved == {"incident_id": opened.id, "status": "resolved"}
    assert opened.status == "resolved"

    for request in server.received:
        assert (request.method, request.path) == ("PUT", f"/incidents/{opened.id}")
        assert request.headers["from"] == RESPONDER
        assert request.headers["authorization"] == f"Token token={server.token}"
    assert [r.json() for r in server.received] == [
        {"incident": {"type": "incident_reference", "status": "acknowledged"}},
        {"incident": {"type": "incident_reference", "status": "resolved"}},
    ]
    assert sender.idempotent(item("pagerduty.resolve", incident_id=opened.id))


async def test_without_from_email_nothing_is_sent(server: PagerDutyServer, client: httpx.AsyncClient) -> None:
    opened = server.add_incident("payments down")
    sender = rest_sender(server, client, from_email=None)

    error = await failure(sender.send(item("pagerduty.acknowledge", incident_id=opened.id), NO_RECEIPTS))

    assert str(error) == (
        "PagerDuty needs [pagerduty] from_email (your PagerDuty login) to acknowledge or resolve"
    )
    assert not error.retryable and server.received == [] and opened.status == "triggered"


async def test_a_from_email_pagerduty_does_not_know_is_refused(
    server: PagerDutyServer, client: httpx.AsyncClient, ana: User
) -> None:
    opened = server.add_incident("payments down")
    sender = rest_sender(server, client, from_email="stranger@elsewhere.example")

    error = await failure(sender.send(item("pagerduty.acknowledge", incident_id=opened.id), NO_RECEIPTS))

    assert str(error) == "PagerDuty refused the request: 400 Bad Request: Requester User Not Found"
    assert not error.retryable and error.status == 400 and opened.status == "triggered"


async def test_what_is_already_done_is_a_receipt(
    server: PagerDutyServer, client: httpx.AsyncClient, ana: User
) -> None:
    # PagerDuty refuses to touch a resolved incident: a repeat, or a colleague quicker, is still done.
    done = server.add_incident("payments down", status="resolved")
    sender = rest_sender(server, client)

    acked = await sender.send(item("pagerduty.acknowledge", incident_id=done.id), NO_RECEIPTS)
    resolved = await sender.send(item("pagerduty.resolve", incident_id=done.id), NO_RECEIPTS)

    assert acked == resolved == {"incident_id": done.id, "status": "resolved"}


async def test_a_refusal_stands_when_the_incident_cannot_be_read(
    server: PagerDutyServer, client: httpx.AsyncClient, ana: User
) -> None:
    opened = server.add_incident("payments down")
    refusal = {"error": {"message": "Invalid Input Provided", "code": 2001}}
    server.script = [Answer.of_json(400, refusal), Answer.of_json(500, {})]

    error = await failure(
        rest_sender(server, client).send(item("pagerduty.resolve", incident_id=opened.id), {})
    )

    assert str(error) == "PagerDuty refused the request: 400 Bad Request: Invalid Input Provided"
    assert not error.retryable and [r.method for r in server.received] == ["PUT", "GET"]


async def test_a_refused_change_is_not_read_back_unless_pagerduty_may_mean_done(
    server: PagerDutyServer, client: httpx.AsyncClient, ana: User
) -> None:
    opened = server.add_incident("payments down")
    server.script = [Answer.of_json(409, {"error": {"message": "Conflict", "errors": ["Try again later"]}})]

    error = await failure(
        rest_sender(server, client).send(item("pagerduty.resolve", incident_id=opened.id), {})
    )

    assert str(error) == "PagerDuty refused the request: 409 Conflict: Try again later"
    assert [r.method for r in server.received] == ["PUT"]


async def test_a_hostile_refusal_is_one_short_line_without_the_token(
    server: PagerDutyServer, client: httpx.AsyncClient, ana: User
) -> None:
    opened = server.add_incident("payments down")
    said = f"bad\r\nthing \x1b]0;pwned\x07 {server.token} " + "x" * 5000
    server.script = [Answer.of_json(400, {"error": {"message": "Invalid Input Provided", "errors": [said]}})]
    server.script.append(Answer.of_json(500, {}))

    error = await failure(
        rest_sender(server, client).send(item("pagerduty.resolve", incident_id=opened.id), {}), server.token
    )

    reason = str(error).removeprefix("PagerDuty refused the request: 400 Bad Request: ")
    assert reason.startswith("bad thing ]0;pwned *** x") and len(reason) == 80 and reason.endswith("…")


async def test_an_unknown_incident(server: PagerDutyServer, client: httpx.AsyncClient, ana: User) -> None:
    sender = rest_sender(server, client)

    error = await failure(sender.send(item("pagerduty.resolve", incident_id="PNOSUCH"), NO_RECEIPTS))

    assert str(error) == "PagerDuty refused the request: 404 Not Found"  # its "Not Found" said once
    assert not error.retryable and error.status == 404


async def test_find_tells_whether_the_status_was_set(
    server: PagerDutyServer, client: httpx.AsyncClient, ana: User
) -> None:
    opened = server.add_incident("payments down")
    sender = rest_sender(server, client)
    ack = item("pagerduty.acknowledge", incident_id=opened.id)
    resolve = item("pagerduty.resolve", incident_id=opened.id)
    assert (await incident(client, server.url, token(server), opened.id)).status == "triggered"

    assert await sender.find(ack, ATTEMPTED, NO_RECEIPTS) is None
    opened.status = "acknowledged"
    assert await sender.find(ack, ATTEMPTED, NO_RECEIPTS) == {
        "incident_id": opened.id,
        "status": "acknowledged",
    }
    assert await sender.find(resolve, ATTEMPTED, NO_RECEIPTS) is None
    opened.status = "resolved"
    assert await sender.find(ack, ATTEMPTED, NO_RECEIPTS) == {
        "incident_id": opened.id,
        "status": "resolved",
    }


async def test_an_item_of_another_kind_is_refused(server: PagerDutyServer, client: httpx.AsyncClient) -> None:
    sender = rest_sender(server, client)

    wrong = await failure(sender.send(item("pagerduty.snooze", incident_id="P1"), NO_RECEIPTS))
    empty = await failure(sender.send(item("pagerduty.resolve"), NO_RECEIPTS))

    assert str(wrong) == "PagerDuty cannot deliver a 'pagerduty.snooze' item"
    assert str(empty) == "PagerDuty resolve: no incident id"
    assert not wrong.retryable and not empty.retryable and server.received == []


# --- Acknowledging and resolving by dedup key (Events API) ------------------------------------------------


async def test_events_acknowledge_then_resolve_by_dedup_key(
    server: PagerDutyServer, client: httpx.AsyncClient
) -> None:
    opened = server.add_incident("payments down", incident_key="payments-5xx")
    sender = events_sender(server, client)

    acked = await sender.send(item("pagerduty_events.acknowledge", dedup_key="payments-5xx"), NO_RECEIPTS)
    assert acked == {"dedup_key": "payments-5xx"} and opened.status == "acknowledged"
    resolved = await sender.send(item("pagerduty_events.resolve", dedup_key="payments-5xx"), NO_RECEIPTS)
    assert resolved == {"dedup_key": "payments-5xx"} and opened.status == "resolved"

    assert [(r.method, r.path) for r in server.received] == [("POST", "/v2/enqueue")] * 2
    assert server.received[0].json() == {
        "routing_key": server.routing_key,
        "event_action": "acknowledge",
        "dedup_key": "payments-5xx",
    }
    assert "authorization" not in server.received[0].headers
    probe = item("pagerduty_events.resolve", dedup_key="payments-5xx")
    assert sender.idempotent(probe)
    assert await sender.find(probe, ATTEMPTED, NO_RECEIPTS) is None


async def test_events_refuse_a_missing_or_overlong_dedup_key(
    server: PagerDutyServer, client: httpx.AsyncClient
) -> None:
    sender = events_sender(server, client)

    for payload in ({}, {"dedup_key": " "}, {"dedup_key": "k" * 256}):
        error = await failure(sender.send(item("pagerduty_events.resolve", **payload), NO_RECEIPTS))
        assert str(error) == "PagerDuty resolve: the dedup key must be 1 to 255 characters"
        assert not error.retryable
    assert server.received == []


# --- Refusals, limits, outages ----------------------------------------------------------------------------


async def test_a_refused_token_is_one_plain_line(
    server: PagerDutyServer, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, ana: User
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-token-0123456789"
    opened = server.add_incident("payments down")
    server.script = [Answer.of_json(401, {"error": {"message": f"bad token {wrong}", "code": 2006}})]

    read = await failure(open_incidents(client, server.url, Secret(wrong)), wrong)
    sender = PagerDuty(client, server.url, Secret(wrong), RESPONDER)
    sent = await failure(sender.send(item("pagerduty.resolve", incident_id=opened.id), NO_RECEIPTS), wrong)

    assert str(read) == str(sent) == "PagerDuty refused the API token (401 Unauthorized)"
    assert not read.retryable and not sent.retryable and read.status == sent.status == 401
    assert "HTTP Request: PUT" in caplog.text and wrong not in caplog.text and wrong not in repr(sender)
    assert opened.status == "triggered"


async def test_a_read_only_token_cannot_change_an_incident(
    server: PagerDutyServer, client: httpx.AsyncClient, ana: User
) -> None:
    opened = server.add_incident("payments down")
    sender = PagerDuty(client, server.url, Secret(server.read_only_token), RESPONDER)

    error = await failure(sender.send(item("pagerduty.acknowledge", incident_id=opened.id), NO_RECEIPTS))

    assert str(error) == "PagerDuty refused the API token (403 Forbidden): is it a read-only key?"
    assert not error.retryable and opened.status == "triggered"


async def test_a_wrong_routing_key_is_one_plain_line(
    server: PagerDutyServer, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "0123456789abcdef0123456789abcdef"
    opened = server.add_incident("payments down", incident_key="payments-5xx")
    sender = events_sender(server, client, key=wrong)

    error = await failure(
        sender.send(item("pagerduty_events.acknowledge", dedup_key="payments-5xx"), {}), wrong
    )

    assert str(error) == (
        "PagerDuty's Events API refused the acknowledge event (400 Bad Request):"
        " Invalid routing key; is [pagerduty] routing_key right?"
    )
    assert not error.retryable and error.status == 400 and opened.status == "triggered"
    assert "HTTP Request: POST" in caplog.text and wrong not in caplog.text and wrong not in repr(sender)


async def test_an_echoed_routing_key_is_not_repeated(
    server: PagerDutyServer, client: httpx.AsyncClient
) -> None:
    sender = events_sender(server, client)
    server.script = [Answer.of_json(500, {"status": "error", "message": f"no {server.routing_key}"})]

    error = await failure(
        sender.send(item("pagerduty_events.resolve", dedup_key="k"), {}), server.routing_key
    )

    assert str(error) == "PagerDuty's Events API failed: 500 Internal Server Error: no ***"
    assert error.retryable


@pytest.mark.parametrize("events", [False, True], ids=["rest", "events"])
async def test_a_rate_limit_says_when_to_retry(
    server: PagerDutyServer, client: httpx.AsyncClient, ana: User, events: bool
) -> None:
    opened = server.add_incident("payments down", incident_key="payments-5xx")
    server.script = [
        Answer.of_json(429, {"error": {"message": "Rate Limit Exceeded"}}, {"Retry-After": "30"})
    ]

    error = await failure(send_one(server, client, events, opened.id))

    assert error.retryable and error.retry_after == 30 and not error.maybe_delivered
    assert "retry after 30 s" in str(error)


@pytest.mark.parametrize("events", [False, True], ids=["rest", "events"])
async def test_an_outage_is_worth_retrying(
    server: PagerDutyServer, client: httpx.AsyncClient, ana: User, events: bool
) -> None:
    opened = server.add_incident("payments down", incident_key="payments-5xx")
    server.script = [Answer.of_json(500, {"error": {"message": "Internal Server Error"}})]

    error = await failure(send_one(server, client, events, opened.id))

    assert error.retryable and not error.maybe_delivered and error.status == 500
    assert str(error).endswith(" failed: 500 Internal Server Error")  # its words only repeat the status


@pytest.mark.parametrize("events", [False, True], ids=["rest", "events"])
async def test_a_hanging_api_may_have_acted(server: PagerDutyServer, ana: User, events: bool) -> None:
    opened = server.add_incident("payments down", incident_key="payments-5xx")
    server.hang = True

    async with api_client(timeout=HANG_TIMEOUT) as client:
        error = await failure(send_one(server, client, events, opened.id))

    assert error.retryable and error.maybe_delivered
    assert str(error).endswith("did not answer within 0.3 s")


async def test_a_hanging_read_delivered_nothing(server: PagerDutyServer) -> None:
    server.hang = True

    async with api_client(timeout=HANG_TIMEOUT) as client:
        error = await failure(open_incidents(client, server.url, token(server)))

    assert str(error) == "PagerDuty did not answer within 0.3 s"
    assert error.retryable and not error.maybe_delivered


def send_one(
    server: PagerDutyServer, client: httpx.AsyncClient, events: bool, incident_id: str
) -> Awaitable[Receipt]:
    if events:
        return events_sender(server, client).send(
            item("pagerduty_events.resolve", dedup_key="payments-5xx"), {}
        )
    return rest_sender(server, client).send(item("pagerduty.resolve", incident_id=incident_id), {})


# --- Answers in a shape not expected ----------------------------------------------------------------------

GARBAGE: list[object] = [
    [],
    {"incidents": "none"},
    {"incidents": [1, 2]},
    {"incidents": [{"id": 7, "status": "triggered"}]},
    {"error": "what"},
    None,
]


@pytest.mark.parametrize("body", GARBAGE)
async def test_an_incident_list_in_another_shape(
    server: PagerDutyServer, client: httpx.AsyncClient, body: object
) -> None:
    server.script = [Answer(200, json.dumps(body).encode() if body is not None else b"", {})]

    error = await failure(open_incidents(client, server.url, token(server)))

    assert error.retryable is False
    assert str(error).startswith("PagerDuty answered with ")
    assert str(error).endswith("modulo-watch cannot read")


async def test_an_answer_that_is_not_json(server: PagerDutyServer, client: httpx.AsyncClient) -> None:
    server.script = [Answer(200, b"<html>captive portal\x1b[2J</html>")]

    error = await failure(open_incidents(client, server.url, token(server)))

    assert str(error) == "PagerDuty answered 200 with something that is not JSON"


async def test_oncalls_in_another_shape(server: PagerDutyServer, client: httpx.AsyncClient) -> None:
    server.script = [Answer.of_json(200, {"oncalls": [{"escalation_level": "one"}]})]

    error = await failure(oncall_levels(client, server.url, token(server), POLICY_ID))

    assert str(error) == "PagerDuty answered with an on-call entry modulo-watch cannot read"


async def test_a_change_answered_in_another_shape_may_have_been_made(
    server: PagerDutyServer, client: httpx.AsyncClient, ana: User
) -> None:
    opened = server.add_incident("payments down", incident_key="payments-5xx")
    server.script = [Answer.of_json(200, {"ok": True}), Answer.of_json(202, {"status": "queued?"})]

    rest = await failure(
        rest_sender(server, client).send(item("pagerduty.resolve", incident_id=opened.id), {})
    )
    events = await failure(
        events_sender(server, client).send(item("pagerduty_events.resolve", dedup_key="payments-5xx"), {})
    )

    assert str(rest) == "PagerDuty answered with the incident it changed in a shape modulo-watch cannot read"
    assert (
        str(events) == "PagerDuty's Events API answered the resolve event in a shape modulo-watch cannot read"
    )
    assert rest.maybe_delivered and events.maybe_delivered
    assert not rest.retryable and not events.retryable


# --- Who is on call ---------------------------------------------------------------------------------------


async def test_oncall_levels_and_who_is_next(
    server: PagerDutyServer, client: httpx.AsyncClient, ana: User
) -> None:
    bruno = server.add_user("Bruno Costa", "bruno@modulo.example")
    carla = server.add_user("Carla Dias", "carla@modulo.example")
    server.put_on_call(carla, 3)  # named directly in the policy: no schedule, no end
    server.put_on_call(bruno, 2, schedule="Secondary", end="2026-11-28T08:00:00Z")

    levels = await oncall_levels(client, server.url, token(server), POLICY_ID)

    assert [(on.level, on.name, on.email, on.schedule) for on in levels] == [
        (1, "Ana Lima", RESPONDER, "Primary"),
        (2, "Bruno Costa", "bruno@modulo.example", "Secondary"),
        (3, "Carla Dias", "carla@modulo.example", ""),
    ]
    assert levels[1].until is not None and levels[1].until.tzinfo is not None and levels[2].until is None
    assert next_oncall(levels, 1) == levels[1]
    assert next_oncall(levels, 2) == levels[2]
    assert next_oncall(levels, 3) is None
    [request] = server.received
    assert request.query["escalation_policy_ids[]"] == [POLICY_ID]
    assert request.query["include[]"] == ["users"]


async def test_an_incident_takes_the_level_of_its_assignee(
    server: PagerDutyServer, client: httpx.AsyncClient, ana: User
) -> None:
    bruno = server.add_user("Bruno Costa", "bruno@modulo.example")
    server.put_on_call(bruno, 2, schedule="Secondary")
    escalated = server.add_incident("payments down", level=2)
    fresh = server.add_incident("checkout slow", level=1)

    found = await open_incidents(client, server.url, token(server))
    levels = await oncall_levels(client, server.url, token(server), POLICY_ID)
    leveled = {one.id: one for one in with_escalation_levels(found, levels, POLICY_ID)}

    assert leveled[escalated.id].escalation_level == 2 and leveled[escalated.id].assignees == ("Bruno Costa",)
    assert leveled[fresh.id].escalation_level == 1
    assert with_escalation_levels(found, levels, "POTHER") == found  # another policy's levels say nothing


# --- Hostile data -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE_STRINGS)
async def test_hostile_titles_and_names_arrive_as_data(
    server: PagerDutyServer, client: httpx.AsyncClient, text: str
) -> None:
    person = server.add_user(text, "x@modulo.example")
    server.put_on_call(person, 1, schedule=text)
    server.add_incident(text, incident_key=text[:255])

    [found] = await open_incidents(client, server.url, token(server))
    [on] = await oncall_levels(client, server.url, token(server), POLICY_ID)

    assert (found.title, found.assignees, found.incident_key) == (text, (text,), text[:255])
    assert (on.name, on.schedule) == (text, text)
