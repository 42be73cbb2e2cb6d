"""Posting to a Slack-compatible incoming webhook, against a loopback server that keeps Slack's contract.

Slack answers 200 ``ok``; a refusal is a plain-text reason: 400 ``invalid_payload``, 403 ``invalid_token``,
404 ``no_service`` or ``channel_not_found``, 429 with ``Retry-After``, 500 ``rollup_error``. Every error
line must name the webhook by its host alone: the URL's path is its token.
"""

from __future__ import annotations

import json
import logging
import socket
import traceback
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from modulo_watch.outbound.webhook import WebhookError, post_webhook, webhook_client
from tests.hostile import HOSTILE_STRINGS
from tests.slack_server import Answer, SlackServer

HANG_TIMEOUT = 0.3  # seconds the client waits on the hanging server: the test's own speed, not a timing


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with webhook_client() as made:
        yield made


def closed_port() -> int:
    """A loopback port nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def error_for(client: httpx.AsyncClient, url: str, text: str = "Investigating") -> str:
    """The error line of a failed post, checked to be one line with nothing of the URL's path in it."""
    with pytest.raises(WebhookError) as caught:
        await post_webhook(client, url, text)
    message = str(caught.value)
    path = httpx.URL(url).path
    assert "\n" not in message and "\x1b" not in message
    # Not in a logged traceback either: httpx's own exceptions (which may quote the URL) are not chained.
    shown = "".join(traceback.format_exception(caught.value))
    for secret in (path, path.rsplit("/", 1)[1]):
        assert secret not in message and secret not in shown
    return message


async def test_a_post_sends_exactly_the_text_as_json(slack: SlackServer, client: httpx.AsyncClient) -> None:
    text = "*SEV2* payments: 5xx at 12% since 12:04 UTC\nnext update 12:30 — “quoted” \\ {braces}"

    await post_webhook(client, slack.url, text)

    [request] = slack.received
    assert (request.method, request.path) == ("POST", slack.path)
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.body) == {"text": text}


@pytest.mark.parametrize("text", HOSTILE_STRINGS[:6])
async def test_hostile_text_arrives_unchanged(
    slack: SlackServer, client: httpx.AsyncClient, text: str
) -> None:
    await post_webhook(client, slack.url, text)

    assert json.loads(slack.received[0].body) == {"text": text}


async def test_an_unknown_token_is_invalid_token(slack: SlackServer, client: httpx.AsyncClient) -> None:
    url = slack.url.replace(slack.token, uuid.uuid4().hex[:24])

    message = await error_for(client, url)

    assert message == f"the Slack webhook at {slack.host} refused the message: 403 Forbidden: invalid_token"


async def test_a_path_that_is_no_webhook_is_no_service(slack: SlackServer, client: httpx.AsyncClient) -> None:
    message = await error_for(client, f"http://{slack.host}/hooks/{slack.token}")

    assert message == f"the Slack webhook at {slack.host} refused the message: 404 Not Found: no_service"


async def test_an_archived_channel(slack: SlackServer, client: httpx.AsyncClient) -> None:
    message = await error_for(client, f"http://{slack.host}{slack.archived_path}")

    assert message.endswith(": 404 Not Found: channel_not_found")


async def test_an_empty_text_is_invalid_payload(slack: SlackServer, client: httpx.AsyncClient) -> None:
    message = await error_for(client, slack.url, text="")

    assert (
        message == f"the Slack webhook at {slack.host} refused the message: 400 Bad Request: invalid_payload"
    )


async def test_a_rate_limit_says_when_to_retry(slack: SlackServer, client: httpx.AsyncClient) -> None:
    slack.answer = Answer(429, b"rate_limited", {"Retry-After": "30"})

    message = await error_for(client, slack.url)

    assert message == (
        f"the Slack webhook at {slack.host} is rate limiting posts (429 Too Many Requests); retry after 30 s"
    )


async def test_a_rate_limit_without_retry_after(slack: SlackServer, client: httpx.AsyncClient) -> None:
    slack.answer = Answer(429, b"rate_limited", {"Retry-After": "soon\x1b[2J"})

    message = await error_for(client, slack.url)

    assert message.endswith("is rate limiting posts (429 Too Many Requests)")


async def test_a_server_error(slack: SlackServer, client: httpx.AsyncClient) -> None:
    slack.answer = Answer(500, b"rollup_error")

    message = await error_for(client, slack.url)

    assert message == f"the Slack webhook at {slack.host} failed: 500 Internal Server Error: rollup_error"


async def test_a_redirect_is_not_followed(slack: SlackServer, client: httpx.AsyncClient) -> None:
    slack.answer = Answer(302, b"", {"Location": f"http://{slack.host}/login?next={slack.token}"})

    message = await error_for(client, slack.url)

    assert message == (
        f"the Slack webhook at {slack.host} answered 302 Found, a redirect, which is not followed:"
        " is the webhook URL current?"
    )
    assert len(slack.received) == 1


async def test_a_long_hostile_body_is_one_short_line(slack: SlackServer, client: httpx.AsyncClient) -> None:
    slack.answer = Answer(400, b"bad\r\nthing \x1b]0;pwned\x07 " + b"x" * 5000)

    message = await error_for(client, slack.url)

    reason = message.split("400 Bad Request: ", 1)[1]
    assert reason.startswith("bad thing ]0;pwned x") and len(reason) == 80 and reason.endswith("…")


async def test_a_body_echoing_the_url_does_not_leak_the_token(
    slack: SlackServer, client: httpx.AsyncClient
) -> None:
    slack.answer = Answer(404, f"no webhook at {slack.url} (token {slack.token})".encode())

    message = await error_for(client, slack.url)

    assert message.endswith(": 404 Not Found: no webhook at *** (token ***)")


async def test_a_hanging_webhook_times_out(slack: SlackServer) -> None:
    slack.hang = True

    async with webhook_client(timeout=HANG_TIMEOUT) as client:
        message = await error_for(client, slack.url)

    assert message == f"the Slack webhook at {slack.host} did not answer within 0.3 s"


async def test_a_closed_port_is_connection_refused(client: httpx.AsyncClient) -> None:
    host = f"127.0.0.1:{closed_port()}"

    message = await error_for(client, f"http://{host}/services/T0/B0/{uuid.uuid4().hex}")

    assert message == f"cannot reach the Slack webhook at {host}: connection refused"


async def test_httpx_logs_show_the_host_only(
    slack: SlackServer, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    await post_webhook(client, slack.url, "Resolved")
    await error_for(client, slack.url.replace(slack.token, "wrong-token-1234"))

    assert f"POST http://{slack.host}/***" in caplog.text
    assert slack.token not in caplog.text and "wrong-token-1234" not in caplog.text
