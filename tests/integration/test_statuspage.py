"""The Statuspage sender against a loopback server that keeps Statuspage's incidents contract.

Opening an incident and walking it to resolved; every refusal as one line that never quotes the API key;
rate limits (420 and 429) and outages worth a retry; and, after an attempt whose outcome is unknown (a hang,
a dropped answer), ``find()`` telling what arrived so that nothing is opened or posted twice.
"""

from __future__ import annotations

import json
import logging
import traceback
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from modulo_watch.config import Secret
from modulo_watch.outbound.api_http import api_client
from modulo_watch.outbound.delivery import DeliveryError, OutboxItem, Receipt
from modulo_watch.outbound.statuspage import Statuspage
from tests.contract.http_server import Answer
from tests.contract.statuspage_server import StatuspageServer
from tests.hostile import HOSTILE_STRINGS

HANG_TIMEOUT = 0.3  # seconds the client waits on the hanging server: the test's own speed, not a timing
NAME = "Elevated error rates on checkout"
OPENING = "We are investigating failed payments at checkout."


@pytest.fixture
def sender(statuspage: StatuspageServer, client: httpx.AsyncClient) -> Statuspage:
    return sender_for(statuspage, client)


def sender_for(server: StatuspageServer, client: httpx.AsyncClient, key: str | None = None) -> Statuspage:
    return Statuspage(client, server.api_url, server.page_id, Secret(key or server.api_key))


def create(
    name: str = NAME, body: str = OPENING, components: str = "", status: str = "investigating"
) -> OutboxItem:
    payload = {"name": name, "status": status, "body": body, "components": components}
    return OutboxItem(
        id=f"create-{uuid.uuid4().hex[:8]}",
        incident_id="incident-1",
        kind="statuspage.create",
        label=f"Statuspage ({status})",
        payload=payload | {"component_status": "major_outage"},
    )


def update(
    after: OutboxItem, status: str, body: str, components: str = "", component_status: str = ""
) -> OutboxItem:
    payload = {"status": status, "body": body, "components": components, "component_status": component_status}
    return OutboxItem(
        id=f"update-{uuid.uuid4().hex[:8]}",
        incident_id="incident-1",
        kind="statuspage.update",
        label=f"Statuspage ({status})",
        payload=payload,
        after=after.id,
    )


async def opened(sender: Statuspage, components: str = "") -> tuple[OutboxItem, dict[str, Receipt]]:
    """An incident opened on the page: its create item, and the receipts an update needs."""
    item = create(components=components)
    return item, {item.id: await sender.send(item, {})}


async def failure(
    sender: Statuspage, item: OutboxItem, receipts: dict[str, Receipt] | None = None
) -> DeliveryError:
    """The error of a failed send, checked to be one printable line with no traceback of httpx's."""
    with pytest.raises(DeliveryError) as caught:
        await sender.send(item, receipts or {})
    message = str(caught.value)
    assert message.isprintable() and "\x1b" not in message
    error = caught.value  # nothing of httpx's chained: its texts may quote the request
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)
    return error


def now() -> datetime:
    return datetime.now(UTC)


# --- the happy path ----------------------------------------------------------------------------------------


async def test_create_opens_an_incident_with_its_components_in_major_outage(
    statuspage: StatuspageServer, sender: Statuspage
) -> None:
    api, checkout, dashboard = statuspage.component_ids

    receipt = await sender.send(create(components=f"{api}, {checkout}"), {})

    [incident] = statuspage.incidents.values()
    assert receipt == {"incident_id": incident["id"], "shortlink": incident["shortlink"]}
    assert (incident["name"], incident["status"]) == (NAME, "investigating")
    assert [u["body"] for u in incident["incident_updates"]] == [OPENING]
    assert [c["id"] for c in incident["components"]] == [api, checkout]
    assert [statuspage.component_status(c) for c in (api, checkout, dashboard)] == [
        "major_outage",
        "major_outage",
        "operational",
    ]
    [request] = statuspage.received
    assert (request.method, request.path) == ("POST", f"/v1/pages/{statuspage.page_id}/incidents")
    assert request.headers["authorization"] == f"OAuth {statuspage.api_key}"
    assert request.json() == {
        "incident": {
            "name": NAME,
            "status": "investigating",
            "body": OPENING,
            "component_ids": [api, checkout],
            "components": {api: "major_outage", checkout: "major_outage"},
        }
    }


async def test_create_without_components_sends_empty_ones(
    statuspage: StatuspageServer, sender: Statuspage
) -> None:
    await sender.send(create(components=""), {})

    fields = statuspage.received[0].json()["incident"]
    assert (fields["component_ids"], fields["components"]) == ([], {})
    assert {statuspage.component_status(c) for c in statuspage.component_ids} == {"operational"}


async def test_updates_walk_the_incident_to_resolved(
    statuspage: StatuspageServer, sender: Statuspage
) -> None:
    api, checkout, _ = statuspage.component_ids
    first, receipts = await opened(sender, components=f"{api},{checkout}")
    steps = [
        ("identified", "A bad deploy of the payments service.", "partial_outage"),
        ("monitoring", "Rolled back; error rates are falling.", "degraded_performance"),
        ("resolved", "Payments have been normal for 30 minutes.", "major_outage"),
    ]
    seen = []
    for status, body, component_status in steps:
        receipt = await sender.send(
            update(first, status, body, f"{api},{checkout}", component_status), receipts
        )
        seen.append((statuspage.component_status(api), statuspage.component_status(checkout)))
        incident = statuspage.incidents[receipts[first.id]["incident_id"]]
        assert receipt == {"incident_id": incident["id"], "update_id": incident["incident_updates"][0]["id"]}

    assert incident["status"] == "resolved"
    oldest_first = list(reversed(incident["incident_updates"]))
    assert [(u["status"], u["body"]) for u in oldest_first] == [
        ("investigating", OPENING),
        *[(status, body) for status, body, _ in steps],
    ]
    # Resolving puts the components back in order, whatever component status the item carried.
    assert seen == [
        ("partial_outage", "partial_outage"),
        ("degraded_performance", "degraded_performance"),
        ("operational", "operational"),
    ]
    patch = statuspage.received[-1]
    assert (patch.method, patch.path) == (
        "PATCH",
        f"/v1/pages/{statuspage.page_id}/incidents/{incident['id']}",
    )


async def test_an_update_without_components_leaves_them_alone(
    statuspage: StatuspageServer, sender: Statuspage
) -> None:
    api = statuspage.component_ids[0]
    first, receipts = await opened(sender, components=api)

    await sender.send(update(first, "identified", "Found it."), receipts)

    assert statuspage.received[-1].json() == {"incident": {"status": "identified", "body": "Found it."}}
    assert statuspage.component_status(api) == "major_outage"


@pytest.mark.parametrize(
    "text", [*HOSTILE_STRINGS[:6], "<script>alert(1)</script><b>bold</b> &amp; <a href='x'>link</a>"]
)
async def test_hostile_text_is_sent_as_given(
    statuspage: StatuspageServer, sender: Statuspage, text: str
) -> None:
    first, receipts = await opened(sender)

    await sender.send(update(first, "identified", text), receipts)

    assert statuspage.received[-1].json()["incident"]["body"] == text
    [incident] = statuspage.incidents.values()
    assert incident["incident_updates"][0]["body"] == text


# --- refusals ----------------------------------------------------------------------------------------------


async def test_a_refused_key_is_one_line_that_never_shows_it(
    statuspage: StatuspageServer, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong_key = f"wrong-{uuid.uuid4().hex}"

    error = await failure(sender_for(statuspage, client, wrong_key), create())

    assert str(error) == "Statuspage refused the API key (401 Unauthorized)"
    assert not error.retryable and not error.maybe_delivered and error.status == 401
    shown = "".join(traceback.format_exception(error))
    assert wrong_key not in shown and wrong_key not in caplog.text
    assert statuspage.incidents == {}


async def test_the_key_never_reaches_the_logs(
    statuspage: StatuspageServer, sender: Statuspage, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    first, receipts = await opened(sender)
    item = update(first, "identified", "Found it.")
    await sender.send(item, receipts)
    await sender.find(item, now(), receipts)

    assert "HTTP Request: PATCH" in caplog.text and statuspage.api_key not in caplog.text


async def test_a_refusal_echoing_the_key_does_not_show_it(
    statuspage: StatuspageServer, sender: Statuspage
) -> None:
    statuspage.script.append(Answer.of_json(422, {"error": f"key {statuspage.api_key} may not do that"}))

    error = await failure(sender, create())

    assert str(error) == "Statuspage refused the change: key *** may not do that"


async def test_an_unknown_page_is_named(statuspage: StatuspageServer, client: httpx.AsyncClient) -> None:
    sender = Statuspage(client, statuspage.api_url, "nosuchpage01", Secret(statuspage.api_key))

    error = await failure(sender, create())

    assert str(error) == "Statuspage has no page nosuchpage01 (or the API key cannot see it)"
    assert not error.retryable


async def test_an_unknown_incident_is_named(statuspage: StatuspageServer, sender: Statuspage) -> None:
    first = create()
    receipts: dict[str, Receipt] = {first.id: {"incident_id": "gone0000000a"}}

    error = await failure(sender, update(first, "resolved", "Done."), receipts)

    assert str(error) == f"Statuspage has no incident gone0000000a on page {statuspage.page_id}"
    assert not error.retryable and error.status == 404


async def test_an_empty_name_is_refused_with_statuspages_reason(
    statuspage: StatuspageServer, sender: Statuspage
) -> None:
    error = await failure(sender, create(name=""))

    assert str(error) == "Statuspage refused the change: Name can't be blank"
    assert not error.retryable and not error.maybe_delivered


async def test_a_long_hostile_refusal_is_one_short_line(
    statuspage: StatuspageServer, sender: Statuspage
) -> None:
    statuspage.script.append(Answer.of_json(422, {"error": ["bad\r\nthing \x1b]0;pwned\x07 " + "x" * 5000]}))

    error = await failure(sender, create())

    said = str(error).removeprefix("Statuspage refused the change: ")
    assert said.startswith("bad thing ]0;pwned x") and len(said) == 80 and said.endswith("…")


async def test_a_status_outside_the_vocabulary_is_refused_before_sending(
    statuspage: StatuspageServer, sender: Statuspage
) -> None:
    error = await failure(sender, create(status="on fire\x1b[2J"))

    assert str(error) == "Statuspage: 'on fire?[2J' is not an incident status"
    assert not error.retryable and statuspage.received == []


async def test_an_update_of_an_incident_never_opened_is_refused(
    statuspage: StatuspageServer, sender: Statuspage
) -> None:
    error = await failure(sender, update(create(), "identified", "Found it."))

    assert str(error) == "Statuspage: no incident to update (it was not opened)"
    assert not error.retryable and statuspage.received == []


async def test_an_unknown_kind(sender: Statuspage) -> None:
    item = OutboxItem(id="x", incident_id="incident-1", kind="statuspage.delete", label="Statuspage")

    error = await failure(sender, item)

    assert str(error) == "Statuspage cannot delete" and not error.retryable


# --- worth a retry -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "status"), [(420, "420"), (429, "429 Too Many Requests")])
async def test_a_rate_limit_says_when_to_retry(
    statuspage: StatuspageServer, sender: Statuspage, code: int, status: str
) -> None:
    statuspage.script.append(Answer.of_json(code, {"error": "Rate limit exceeded"}, {"Retry-After": "30"}))

    error = await failure(sender, create())

    assert str(error) == f"Statuspage is rate limiting ({status}); retry after 30 s"
    assert (error.retryable, error.retry_after, error.maybe_delivered) == (True, 30.0, False)
    assert error.status == code
    await sender.send(create(), {})  # and the next try goes through
    assert len(statuspage.incidents) == 1


async def test_a_rate_limit_without_a_usable_retry_after(
    statuspage: StatuspageServer, sender: Statuspage
) -> None:
    statuspage.script.append(Answer.of_json(420, {"error": "Rate limit exceeded"}, {"Retry-After": "soon"}))

    error = await failure(sender, create())

    assert str(error) == "Statuspage is rate limiting (420)"
    assert error.retryable and error.retry_after is None


async def test_a_server_error_is_worth_a_retry(statuspage: StatuspageServer, sender: Statuspage) -> None:
    statuspage.script.append(Answer.of_json(500, {"error": "Internal server error"}))

    error = await failure(sender, create())

    assert str(error) == 'Statuspage failed: 500 Internal Server Error: {"error": "Internal server error"}'
    assert error.retryable and not error.maybe_delivered


async def test_an_answer_without_an_incident_is_one_line(
    statuspage: StatuspageServer, sender: Statuspage
) -> None:
    statuspage.script.append(Answer.of_json(201, {"unexpected": [1, 2]}))

    error = await failure(sender, create())

    assert str(error) == "Statuspage answered 201 without an incident id"
    assert not error.retryable and error.maybe_delivered


async def test_an_answer_that_is_not_json_is_one_line(
    statuspage: StatuspageServer, sender: Statuspage
) -> None:
    statuspage.script.append(Answer(200, b"<html>maintenance</html>", {"Content-Type": "text/html"}))

    error = await failure(sender, create())

    assert str(error) == "Statuspage answered 200 with something that is not JSON"
    assert error.maybe_delivered


# --- unknown outcomes, and find() ---------------------------------------------------------------------------


async def test_a_hanging_api_may_have_delivered(statuspage: StatuspageServer) -> None:
    statuspage.hang = True

    async with api_client(timeout=HANG_TIMEOUT) as client:
        error = await failure(sender_for(statuspage, client), create())

    assert str(error) == "Statuspage did not answer within 0.3 s"
    assert error.retryable and error.maybe_delivered


async def test_a_dropped_create_is_found_not_opened_twice(
    statuspage: StatuspageServer, sender: Statuspage
) -> None:
    item, attempted_at = create(), now()
    statuspage.drop_after_reading = True

    error = await failure(sender, item)
    statuspage.drop_after_reading = False
    found = await sender.find(item, attempted_at, {})

    assert error.maybe_delivered and error.retryable
    [incident] = statuspage.incidents.values()
    assert found == {"incident_id": incident["id"], "shortlink": incident["shortlink"]}
    assert statuspage.received[-1].path == f"/v1/pages/{statuspage.page_id}/incidents/unresolved"


async def test_a_dropped_update_is_found_not_posted_twice(
    statuspage: StatuspageServer, sender: Statuspage
) -> None:
    first, receipts = await opened(sender)
    item, attempted_at = update(first, "monitoring", "A fix is in place."), now()
    statuspage.drop_after_reading = True

    error = await failure(sender, item, receipts)
    statuspage.drop_after_reading = False
    found = await sender.find(item, attempted_at, receipts)

    assert error.maybe_delivered and error.retryable
    [incident] = statuspage.incidents.values()
    assert [u["status"] for u in incident["incident_updates"]] == ["monitoring", "investigating"]
    assert found == {"incident_id": incident["id"], "update_id": incident["incident_updates"][0]["id"]}


async def test_a_create_never_sent_is_not_found(statuspage: StatuspageServer, sender: Statuspage) -> None:
    attempted_at = now()
    statuspage.add_incident("Another incident")
    statuspage.add_incident(NAME, status="resolved")  # the same name, but no longer listed as unresolved
    statuspage.add_incident(NAME, created_at=attempted_at - timedelta(hours=2))  # an older one of that name

    assert await sender.find(create(), attempted_at, {}) is None


async def test_find_takes_the_earliest_match(statuspage: StatuspageServer, sender: Statuspage) -> None:
    attempted_at = now()
    earliest = statuspage.add_incident(NAME, created_at=attempted_at - timedelta(seconds=30))
    statuspage.add_incident(NAME, created_at=attempted_at + timedelta(seconds=5))

    found = await sender.find(create(), attempted_at, {})

    assert found is not None and found["incident_id"] == earliest


async def test_an_update_never_sent_is_not_found(statuspage: StatuspageServer, sender: Statuspage) -> None:
    first, receipts = await opened(sender)
    await sender.send(update(first, "identified", "Found it."), receipts)

    for item in (
        update(first, "identified", "Something else."),  # another body
        update(first, "monitoring", "Found it."),  # another status
    ):
        assert await sender.find(item, now(), receipts) is None


async def test_an_update_of_long_ago_is_not_this_attempt(
    statuspage: StatuspageServer, sender: Statuspage
) -> None:
    first, receipts = await opened(sender)
    item = update(first, "identified", "Found it.")
    await sender.send(item, receipts)

    assert await sender.find(item, now() + timedelta(hours=1), receipts) is None


async def test_find_when_statuspage_refuses_says_so(
    statuspage: StatuspageServer, client: httpx.AsyncClient
) -> None:
    with pytest.raises(DeliveryError) as caught:
        await sender_for(statuspage, client, "wrong-key").find(create(), now(), {})

    assert str(caught.value) == "Statuspage refused the API key (401 Unauthorized)"
    assert not caught.value.retryable


async def test_find_with_a_listing_that_is_no_list(statuspage: StatuspageServer, sender: Statuspage) -> None:
    statuspage.script.append(Answer.of_json(200, {"incidents": []}))

    with pytest.raises(DeliveryError) as caught:
        await sender.find(create(), now(), {})

    assert str(caught.value) == "Statuspage answered 200 without a list of incidents"
    assert not caught.value.maybe_delivered


# --- the contract server itself ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"name": "x", "status": "on_fire"}, "Status is not included in the list"),
        ({"name": " "}, "Name can't be blank"),
        ({"name": "x", "components": {"nosuchcomponent": "major_outage"}}, "Component could not be found"),
    ],
)
async def test_the_server_refuses_what_statuspage_refuses(
    statuspage: StatuspageServer, client: httpx.AsyncClient, fields: dict[str, object], said: str
) -> None:
    response = await client.post(
        f"{statuspage.api_url}/pages/{statuspage.page_id}/incidents",
        headers={"Authorization": f"OAuth {statuspage.api_key}"},
        json={"incident": fields},
    )

    assert (response.status_code, response.json()) == (422, {"error": said})
    assert statuspage.incidents == {}


async def test_the_server_lists_components_and_wants_the_key(
    statuspage: StatuspageServer, client: httpx.AsyncClient
) -> None:
    url = f"{statuspage.api_url}/pages/{statuspage.page_id}/components"

    listed = await client.get(url, headers={"Authorization": f"OAuth {statuspage.api_key}"})
    refused = await client.get(url)

    assert [c["status"] for c in listed.json()] == ["operational"] * 3
    assert (refused.status_code, json.loads(refused.content)) == (401, {"error": "Could not authenticate"})
