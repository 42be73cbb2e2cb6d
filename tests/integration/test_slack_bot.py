"""The Slack bot sender against a loopback server that keeps Slack's Web API contract
(``tests/contract/slack_api_server.py``): channels made or reused, posts that join when they must, every
refusal one line without the token, and a post whose answer was lost found rather than sent again.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from modulo_watch.config import Secret
from modulo_watch.outbound.api_http import api_client
from modulo_watch.outbound.delivery import DeliveryError, OutboxItem, Receipt
from modulo_watch.outbound.slack_api import EVENT_TYPE, SlackBot
from tests.contract.http_server import Answer
from tests.contract.slack_api_server import SlackApiServer

HANG_TIMEOUT = 0.3  # seconds the client waits on the hanging server: the test's own speed, not a timing
CHANNEL = "incident-20261127-checkout-errors"
INCIDENT = "20261127-checkout-errors"
NO_RECEIPTS: Mapping[str, Receipt] = {}


@pytest.fixture
def slack(slack_api: SlackApiServer) -> SlackApiServer:
    return slack_api


@pytest.fixture
def bot(slack: SlackApiServer, client: httpx.AsyncClient) -> SlackBot:
    return SlackBot(client, slack.api_url, Secret(slack.token))


def create_item(name: str = CHANNEL) -> OutboxItem:
    return OutboxItem(
        id=f"create-{uuid.uuid4().hex[:8]}",
        incident_id=INCIDENT,
        kind="slack.create_channel",
        label=f"Slack #{name}",
        payload={"name": name},
    )


def post_item(
    text: str = "Investigating", channel: str = "#incidents", after: str | None = None
) -> OutboxItem:
    return OutboxItem(
        id=f"post-{uuid.uuid4().hex[:8]}",
        incident_id=INCIDENT,
        kind="slack.post",
        label=f"Slack {channel or 'incident channel'}",
        payload={"channel": channel, "text": text},
        after=after,
    )


async def failure(
    bot: SlackBot, item: OutboxItem, receipts: Mapping[str, Receipt] = NO_RECEIPTS
) -> DeliveryError:
    """The error of a failed send, checked to be one line with no token in it or in its traceback."""
    with pytest.raises(DeliveryError) as caught:
        await bot.send(item, receipts)
    message = str(caught.value)
    assert "\n" not in message and "\x1b" not in message
    shown = "".join(traceback.format_exception(caught.value))
    assert "xoxb-" not in shown
    return caught.value


# --- channels ---------------------------------------------------------------------------------------------


async def test_create_a_channel_then_post_into_it_via_after(slack: SlackApiServer, bot: SlackBot) -> None:
    create = create_item()
    channel_receipt = await bot.send(create, NO_RECEIPTS)

    made = slack.channel(CHANNEL)
    assert channel_receipt == {"channel_id": made.id, "channel": f"#{CHANNEL}"}
    assert made.id.startswith("C") and made.member

    post = post_item("Investigating 5xx on checkout", channel="", after=create.id)
    receipt = await bot.send(post, {create.id: channel_receipt})

    [message] = made.messages
    assert receipt == {"channel_id": made.id, "ts": message["ts"]}
    assert message["text"] == "Investigating 5xx on checkout"
    assert message["metadata"] == {
        "event_type": EVENT_TYPE,
        "event_payload": {"outbox_id": post.id, "incident_id": INCIDENT},
    }
    request = slack.received[-1]
    assert request.headers["authorization"] == f"Bearer {slack.token}"
    assert request.headers["content-type"] == "application/json"
    assert (request.json()["unfurl_links"], request.json()["unfurl_media"]) == (False, False)
    assert slack.calls() == ["conversations.create", "chat.postMessage"]


async def test_a_taken_name_reuses_the_channel_and_joins_it(slack: SlackApiServer, bot: SlackBot) -> None:
    for number in range(250):  # the existing channel is on the second page of the list
        slack.add_channel(f"team-{number:03}")
    existing = slack.add_channel(CHANNEL)

    receipt = await bot.send(create_item(), NO_RECEIPTS)

    assert receipt == {"channel_id": existing.id, "channel": f"#{CHANNEL}"}
    assert existing.member
    assert slack.calls() == [
        "conversations.create",
        "conversations.list",
        "conversations.list",
        "conversations.join",
    ]
    first, second = (r for r in slack.received if r.path.endswith("conversations.list"))
    assert first.query["types"] == ["public_channel"] and first.query["exclude_archived"] == ["true"]
    assert "cursor" not in first.query and second.query["cursor"]


async def test_creating_is_idempotent_after_a_lost_answer(slack: SlackApiServer, bot: SlackBot) -> None:
    item = create_item()
    assert bot.idempotent(item)
    slack.drop_after_reading = True

    lost = await failure(bot, item)

    assert lost.retryable and lost.maybe_delivered
    slack.drop_after_reading = False
    receipt = await bot.send(item, NO_RECEIPTS)
    assert receipt["channel_id"] == slack.channel(CHANNEL).id
    assert len([c for c in slack.channels.values() if c.name == CHANNEL]) == 1


async def test_a_name_taken_by_an_archived_channel_needs_a_person(
    slack: SlackApiServer, bot: SlackBot
) -> None:
    slack.add_channel(CHANNEL, archived=True)

    error = await failure(bot, create_item())

    assert str(error) == f"Slack: #{CHANNEL} is taken by a channel the bot cannot see (archived or private)"
    assert not error.retryable


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Incident-Checkout", "invalid_name_specials"),
        ("incident checkout", "invalid_name_specials"),
        ("x" * 81, "invalid_name_maxlength"),
        ("--", "invalid_name_punctuation"),
    ],
)
async def test_a_bad_name_is_refused(bot: SlackBot, name: str, code: str) -> None:
    error = await failure(bot, create_item(name))

    assert str(error) == f"Slack refused conversations.create: {code}"
    assert not error.retryable


# --- posts ------------------------------------------------------------------------------------------------


async def test_an_announcement_joins_incidents_when_not_in_it(slack: SlackApiServer, bot: SlackBot) -> None:
    incidents = slack.channel("incidents")
    assert not incidents.member

    receipt = await bot.send(post_item("SEV2 checkout errors"), NO_RECEIPTS)

    [message] = incidents.messages
    assert receipt == {"channel_id": incidents.id, "ts": message["ts"]}
    assert incidents.member
    assert slack.calls() == [
        "chat.postMessage",
        "conversations.list",
        "conversations.join",
        "chat.postMessage",
    ]
    assert slack.received[0].json()["channel"] == "#incidents"
    assert slack.received[-1].json()["channel"] == incidents.id


async def test_a_post_is_not_idempotent(bot: SlackBot) -> None:
    assert not bot.idempotent(post_item())


async def test_slack_control_sequences_arrive_escaped(slack: SlackApiServer, bot: SlackBot) -> None:
    slack.channel("incidents").member = True

    await bot.send(post_item("<!channel> pod <https://evil.example|ok> & more"), NO_RECEIPTS)

    [message] = slack.channel("incidents").messages
    assert message["text"] == "&lt;!channel&gt; pod &lt;https://evil.example|ok&gt; &amp; more"


async def test_an_unknown_channel(bot: SlackBot) -> None:
    error = await failure(bot, post_item(channel="#nowhere"))

    assert str(error) == "Slack refused chat.postMessage: channel_not_found"
    assert not error.retryable and not error.maybe_delivered


async def test_an_archived_channel(slack: SlackApiServer, bot: SlackBot) -> None:
    slack.add_channel("old-incident", member=True, archived=True)

    error = await failure(bot, post_item(channel="#old-incident"))

    assert str(error) == "Slack refused chat.postMessage: is_archived"
    assert not error.retryable


async def test_a_text_too_long(slack: SlackApiServer, bot: SlackBot) -> None:
    slack.channel("incidents").member = True

    error = await failure(bot, post_item("x" * 40_001))

    assert str(error) == "Slack refused chat.postMessage: msg_too_long"


# --- refusals and failures --------------------------------------------------------------------------------


@pytest.mark.parametrize(("token", "code"), [("xoxb-not-the-token", "invalid_auth")])
async def test_a_refused_token_is_one_line_without_the_token(
    slack: SlackApiServer,
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    token: str,
    code: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    bot = SlackBot(client, slack.api_url, Secret(token))

    error = await failure(bot, post_item())

    assert str(error) == f"Slack refused the bot token ({code})"
    assert not error.retryable
    assert "xoxb-" not in caplog.text and "xoxb-" not in repr(bot)


@pytest.mark.parametrize("token", ["", "xoxb-1234\n", "xoxb-12\r\n34", "xoxb-\u00e91234"])
async def test_a_token_no_header_can_carry_is_refused_before_sending(
    slack: SlackApiServer, client: httpx.AsyncClient, token: str
) -> None:
    error = await failure(SlackBot(client, slack.api_url, Secret(token)), post_item())

    assert str(error) == "Slack: the token is not usable in an HTTP header (not one word of ASCII?)"
    assert not error.retryable and not error.maybe_delivered and slack.received == []


async def test_a_token_with_a_space_is_slacks_to_refuse(
    slack: SlackApiServer, client: httpx.AsyncClient
) -> None:
    error = await failure(SlackBot(client, slack.api_url, Secret("xoxb-12 34")), post_item())

    assert str(error) == "Slack refused the bot token (invalid_auth)"
    assert not error.retryable


async def test_no_token_is_not_authed(slack: SlackApiServer, client: httpx.AsyncClient) -> None:
    answer = (await client.post(f"{slack.api_url}/conversations.create", json={"name": "x"})).json()

    assert answer == {"ok": False, "error": "not_authed"}


async def test_a_token_echoed_by_a_server_error_is_hidden(slack: SlackApiServer, bot: SlackBot) -> None:
    slack.script = [Answer(500, f"upstream failed for token {slack.token}".encode())]

    error = await failure(bot, post_item())

    assert str(error) == "Slack failed: 500 Internal Server Error: upstream failed for token ***"
    assert error.retryable


async def test_a_missing_scope_is_named(slack: SlackApiServer, bot: SlackBot) -> None:
    slack.scopes.discard("channels:join")

    error = await failure(bot, post_item())

    assert str(error) == "Slack: the bot token lacks the channels:join scope (missing_scope)"
    assert not error.retryable


async def test_a_rate_limit_says_when_to_retry(slack: SlackApiServer, bot: SlackBot) -> None:
    slack.script = [Answer.of_json(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"})]

    error = await failure(bot, post_item())

    assert str(error) == "Slack is rate limiting (429 Too Many Requests); retry after 30 s"
    assert error.retryable and error.retry_after == 30


async def test_a_server_error_is_retryable(slack: SlackApiServer, bot: SlackBot) -> None:
    slack.script = [Answer(500, b"")]

    error = await failure(bot, post_item())

    assert str(error) == "Slack failed: 500 Internal Server Error"
    assert error.retryable and not error.maybe_delivered


@pytest.mark.parametrize(("code", "maybe"), [("internal_error", True), ("service_unavailable", False)])
async def test_slacks_own_failure_is_retryable(
    slack: SlackApiServer, bot: SlackBot, code: str, maybe: bool
) -> None:
    slack.script = [Answer.of_json(200, {"ok": False, "error": code})]

    error = await failure(bot, post_item())

    assert str(error) == f"Slack failed chat.postMessage: {code}"
    assert error.retryable and error.maybe_delivered is maybe


async def test_a_hanging_api_may_have_delivered(slack: SlackApiServer) -> None:
    slack.hang = True

    async with api_client(timeout=HANG_TIMEOUT) as client:
        error = await failure(SlackBot(client, slack.api_url, Secret(slack.token)), post_item())

    assert str(error) == "Slack did not answer within 0.3 s"
    assert error.retryable and error.maybe_delivered


NOT_WEB_API = "Slack answered chat.postMessage with something that is not a Web API answer"


@pytest.mark.parametrize(
    ("answer", "line"),
    [
        (
            Answer(200, b"<html>proxy login</html>", {"Content-Type": "text/html"}),
            "Slack answered 200 with something that is not JSON",
        ),
        (Answer.of_json(200, ["ok"]), NOT_WEB_API),
        (Answer.of_json(200, {"ok": True}), NOT_WEB_API),
        (Answer.of_json(200, {"ok": "yes", "ts": "1.2"}), NOT_WEB_API),
    ],
)
async def test_an_answer_not_shaped_like_slacks_is_one_line(
    slack: SlackApiServer, bot: SlackBot, answer: Answer, line: str
) -> None:
    slack.script = [answer]

    error = await failure(bot, post_item())

    # Not retryable: a person must look; maybe delivered: the post went out and something said yes.
    assert str(error) == line
    assert not error.retryable and error.maybe_delivered


async def test_a_hostile_error_code_is_not_quoted(slack: SlackApiServer, bot: SlackBot) -> None:
    slack.script = [Answer.of_json(200, {"ok": False, "error": "x\x1b]0;pwned\x07\nsecond line"})]

    error = await failure(bot, post_item())

    assert str(error) == "Slack refused chat.postMessage: an unknown error"


# --- find: never posting twice ----------------------------------------------------------------------------


async def test_a_post_whose_answer_was_lost_is_found_not_sent_again(
    slack: SlackApiServer, bot: SlackBot
) -> None:
    incidents = slack.channel("incidents")
    incidents.member = True
    item = post_item("Mitigated: rolled back checkout")
    attempted_at = datetime.now(UTC)
    slack.drop_after_reading = True

    error = await failure(bot, item)

    assert error.retryable and error.maybe_delivered
    slack.drop_after_reading = False
    receipt = await bot.find(item, attempted_at, NO_RECEIPTS)
    [message] = incidents.messages
    assert receipt == {"channel_id": incidents.id, "ts": message["ts"]}
    assert await bot.find(post_item("never sent"), attempted_at, NO_RECEIPTS) is None
    assert slack.calls().count("chat.postMessage") == 1


async def test_find_reads_history_from_a_minute_before_the_attempt_with_metadata(
    slack: SlackApiServer, bot: SlackBot
) -> None:
    create = create_item()
    channel_receipt = await bot.send(create, NO_RECEIPTS)
    item = post_item("Update 3", channel="", after=create.id)
    receipts = {create.id: channel_receipt}
    await bot.send(item, receipts)
    for number in range(250):  # later chatter: ours is on the second page, newest first
        await bot.send(post_item(f"chatter {number}", channel="", after=create.id), receipts)
    attempted_at = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    slack.received.clear()

    receipt = await bot.find(item, attempted_at, receipts)

    assert receipt == {
        "channel_id": channel_receipt["channel_id"],
        "ts": slack.channel(CHANNEL).messages[0]["ts"],
    }
    first, second = slack.received
    assert first.query["channel"] == [channel_receipt["channel_id"]]
    assert first.query["oldest"] == [f"{(attempted_at - timedelta(seconds=60)).timestamp():.6f}"]
    assert first.query["include_all_metadata"] == ["true"]
    assert second.query["cursor"]


async def test_find_ignores_messages_before_the_window(slack: SlackApiServer, bot: SlackBot) -> None:
    slack.channel("incidents").member = True
    item = post_item()
    slack.clock = lambda: 1_000_000.0  # the message was posted long before the attempt asked about
    await bot.send(item, NO_RECEIPTS)

    assert await bot.find(item, datetime.fromtimestamp(1_000_061.0, UTC), NO_RECEIPTS) is None
    assert await bot.find(item, datetime.fromtimestamp(1_000_059.0, UTC), NO_RECEIPTS) is not None


async def test_find_joins_a_channel_it_cannot_read(slack: SlackApiServer, bot: SlackBot) -> None:
    item = post_item()
    assert not slack.channel("incidents").member

    assert await bot.find(item, datetime.now(UTC), NO_RECEIPTS) is None
    assert slack.calls() == [
        "conversations.list",
        "conversations.history",
        "conversations.join",
        "conversations.history",
    ]


async def test_find_a_created_channel(slack: SlackApiServer, bot: SlackBot) -> None:
    item = create_item()
    assert await bot.find(item, datetime.now(UTC), NO_RECEIPTS) is None

    made = slack.add_channel(CHANNEL)

    assert await bot.find(item, datetime.now(UTC), NO_RECEIPTS) == {
        "channel_id": made.id,
        "channel": f"#{CHANNEL}",
    }


# --- the server's own contract ----------------------------------------------------------------------------


async def test_the_server_takes_a_form_body_with_the_token_in_it(
    slack: SlackApiServer, client: httpx.AsyncClient
) -> None:
    general = slack.channel("general")
    form = {
        "token": slack.token,
        "channel": general.id,
        "text": "form",
        "metadata": '{"event_type": "t", "event_payload": {"k": "v"}}',
    }

    answer = (await client.post(f"{slack.api_url}/chat.postMessage", data=form)).json()

    assert answer["ok"] and answer["channel"] == general.id
    assert general.messages[0]["metadata"] == {"event_type": "t", "event_payload": {"k": "v"}}


async def test_the_server_refuses_a_token_in_a_json_body(
    slack: SlackApiServer, client: httpx.AsyncClient
) -> None:
    body = {"token": slack.token, "channel": "#general", "text": "json"}

    answer = (await client.post(f"{slack.api_url}/chat.postMessage", json=body)).json()

    assert answer == {"ok": False, "error": "not_authed"}


async def test_the_server_hides_metadata_unless_asked(
    slack: SlackApiServer, bot: SlackBot, client: httpx.AsyncClient
) -> None:
    slack.channel("incidents").member = True
    await bot.send(post_item(), NO_RECEIPTS)
    headers = {"Authorization": f"Bearer {slack.token}"}
    url = f"{slack.api_url}/conversations.history"

    plain = (await client.get(url, params={"channel": slack.channel("incidents").id}, headers=headers)).json()

    assert plain["ok"] and "metadata" not in plain["messages"][0]
    by_name = (await client.get(url, params={"channel": "#incidents"}, headers=headers)).json()
    assert by_name == {"ok": False, "error": "channel_not_found"}  # history takes an id only
    bad_cursor = {"channel": slack.channel("incidents").id, "cursor": "???"}
    assert (await client.get(url, params=bad_cursor, headers=headers)).json() == {
        "ok": False,
        "error": "invalid_cursor",
    }
