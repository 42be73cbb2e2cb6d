"""The Statuspage sender's edges that a contract server does not reach: the forms Statuspage's refusals and
answers may take, and what a hostile or broken answer may not smuggle into a receipt or an error line."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from modulo_watch.config import Secret
from modulo_watch.outbound.delivery import DeliveryError, OutboxItem
from modulo_watch.outbound.statuspage import (
    COMPONENT_STATUS_LABELS,
    COMPONENT_STATUSES,
    INCIDENT_STATUS_LABELS,
    INCIDENT_STATUSES,
    KINDS,
    Statuspage,
)

KEY = "k3y-0123456789abcdef"
AT = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
Handler = Callable[[httpx.Request], httpx.Response]


def sender(handler: Handler) -> Statuspage:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return Statuspage(client, "https://api.statuspage.test/v1/", "page01", Secret(KEY))


def answering(status: int, document: object, headers: dict[str, str] | None = None) -> Handler:
    return lambda request: httpx.Response(status, json=document, headers=headers)


def create(name: str = "Checkout errors") -> OutboxItem:
    payload = {"name": name, "status": "investigating", "body": "Looking.", "components": ""}
    return OutboxItem(
        id="c1", incident_id="i1", kind="statuspage.create", label="Statuspage", payload=payload
    )


def update(status: str = "resolved", components: str = "cmp1") -> OutboxItem:
    payload = {"status": status, "body": "Fixed.\r\n", "components": components, "component_status": ""}
    return OutboxItem(
        id="u1", incident_id="i1", kind="statuspage.update", label="Statuspage", payload=payload, after="c1"
    )


async def error_of(handler: Handler, item: OutboxItem | None = None) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        await sender(handler).send(item or create(), {"c1": {"incident_id": "inc1"}})
    assert KEY not in str(caught.value)
    return caught.value


def test_the_vocabulary_for_the_ui() -> None:
    assert INCIDENT_STATUSES == ("investigating", "identified", "monitoring", "resolved")
    assert COMPONENT_STATUSES[0] == "operational" and COMPONENT_STATUSES[-1] == "major_outage"
    assert INCIDENT_STATUS_LABELS["monitoring"] == "Monitoring"
    assert COMPONENT_STATUS_LABELS["degraded_performance"] == "Degraded performance"
    assert KINDS == ("statuspage.create", "statuspage.update")


def test_nothing_is_idempotent() -> None:
    statuspage = sender(answering(200, {}))

    assert not statuspage.idempotent(create()) and not statuspage.idempotent(update())


async def test_the_key_travels_in_the_oauth_header_and_the_path_is_the_pages() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"id": "inc1"})

    assert await sender(handler).send(create(), {}) == {"incident_id": "inc1"}
    assert seen[0].headers["Authorization"] == f"OAuth {KEY}"
    assert seen[0].url == "https://api.statuspage.test/v1/pages/page01/incidents"


async def test_resolving_sets_the_components_operational() -> None:
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json={"id": "inc1", "incident_updates": []})

    receipt = await sender(handler).send(update(components="cmp1, cmp2,"), {"c1": {"incident_id": "inc1"}})

    assert receipt == {"incident_id": "inc1"}
    assert seen == [
        {
            "incident": {
                "status": "resolved",
                "body": "Fixed.\r\n",
                "component_ids": ["cmp1", "cmp2"],
                "components": {"cmp1": "operational", "cmp2": "operational"},
            }
        }
    ]


@pytest.mark.parametrize(
    ("document", "said"),
    [
        ({"error": ["Name can't be blank", "Status is invalid"]}, "Name can't be blank; Status is invalid"),
        ({"message": "Component not found"}, "Component not found"),
        ({"error": ""}, '{"error":""}'),
        ("plain words", '"plain words"'),
    ],
)
async def test_the_forms_of_a_422(document: object, said: str) -> None:
    error = await error_of(answering(422, document))

    assert str(error) == f"Statuspage refused the change: {said}" and error.status == 422


async def test_a_422_without_words() -> None:
    error = await error_of(lambda request: httpx.Response(422))

    assert str(error) == "Statuspage refused the change: 422 Unprocessable Entity"


async def test_a_forbidden_key_names_the_page() -> None:
    error = await error_of(answering(403, {"error": f"Key {KEY} lacks the incident manager role"}))

    assert str(error) == "Statuspage: the API key may not change page page01 (403 Forbidden)"
    assert not error.retryable and error.status == 403


async def test_a_hostile_page_id_is_shown_printable() -> None:
    client = httpx.AsyncClient(transport=httpx.MockTransport(answering(404, {"error": "Not found"})))
    statuspage = Statuspage(client, "https://api.statuspage.test/v1", "pa/ge\x1b[2J", Secret(KEY))

    with pytest.raises(DeliveryError) as caught:
        await statuspage.send(create(), {})

    assert str(caught.value) == "Statuspage has no page 'pa/ge?[2J' (or the API key cannot see it)"


@pytest.mark.parametrize("incident_id", ["../../admin", "inc\x1b]0;x\x07", "", 42])
async def test_an_answer_with_no_plain_incident_id_is_refused(incident_id: object) -> None:
    error = await error_of(answering(201, {"id": incident_id}))

    assert str(error) == "Statuspage answered 201 without an incident id"
    assert error.maybe_delivered and not error.retryable


@pytest.mark.parametrize(
    "shortlink", ["javascript:alert(1)", "https://stspg.io/x\x1b[2J", "https://x/" + "a" * 300, 7]
)
async def test_a_shortlink_that_is_no_link_is_left_out(shortlink: object) -> None:
    receipt = await sender(answering(201, {"id": "inc1", "shortlink": shortlink})).send(create(), {})

    assert receipt == {"incident_id": "inc1"}


async def test_an_update_answered_for_another_incident_is_one_line() -> None:
    error = await error_of(answering(200, {"id": "other1"}), update())

    assert str(error) == "Statuspage answered 200 without the incident" and error.maybe_delivered


async def test_find_reads_times_with_an_offset_and_a_naive_attempt() -> None:
    listing = [
        {"id": "broken1", "name": "Checkout errors", "created_at": "yesterday"},
        {"id": "early1", "name": "Checkout errors", "created_at": "2026-11-27T13:00:30+01:00"},
        {"id": "later1", "name": "Checkout errors", "created_at": "2026-11-27T12:05:00.000Z"},
    ]
    statuspage = sender(answering(200, listing))

    found = await statuspage.find(create(), AT.replace(tzinfo=None), {})

    assert found == {"incident_id": "early1"}  # 12:00:30 UTC: the earliest within the slack


async def test_find_an_update_whose_body_statuspage_trimmed() -> None:
    incident = {
        "id": "inc1",
        "incident_updates": [
            {"id": "upd2", "status": "resolved", "body": "Fixed.", "created_at": AT.isoformat()},
            {
                "id": "old1",
                "status": "resolved",
                "body": "Fixed.",
                "created_at": (AT - timedelta(hours=1)).isoformat(),
            },
        ],
    }
    found = await sender(answering(200, incident)).find(update(), AT, {"c1": {"incident_id": "inc1"}})

    assert found == {"incident_id": "inc1", "update_id": "upd2"}


async def test_find_for_an_unknown_kind_is_refused() -> None:
    item = OutboxItem(id="x", incident_id="i1", kind="statuspage.delete", label="Statuspage")

    with pytest.raises(DeliveryError, match=r"^Statuspage cannot delete$"):
        await sender(answering(200, [])).find(item, AT, {})
