"""The webhook's host, and the failures no loopback server can stage: DNS, a connect timeout, a bad URL."""

from __future__ import annotations

import socket
from collections.abc import Callable

import httpx
import pytest

from modulo_watch.outbound.webhook import WebhookError, post_webhook, webhook_client, webhook_host

TOKEN = "xoxTOKEN1a2b3c4d5e6f7g8h"
WEBHOOK = f"https://hooks.slack.com/services/T0MODULO1/B0WATCH01/{TOKEN}"


@pytest.mark.parametrize(
    ("url", "host"),
    [
        (WEBHOOK, "hooks.slack.com"),
        ("https://user:pw@chat.example.com:8443/hooks/abc", "chat.example.com:8443"),
        ("http://[::1]:8080/hooks/abc", "[::1]:8080"),
        ("hooks.slack.com/services/x", ""),
        ("https://[oops/services/x", ""),
    ],
)
def test_webhook_host(url: str, host: str) -> None:
    assert webhook_host(url) == host


def failing(exc: Exception) -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return httpx.AsyncClient(transport=httpx.MockTransport(handler), timeout=10)


def lookup_failure() -> Exception:
    error = httpx.ConnectError(f"cannot resolve {WEBHOOK}")
    error.__cause__ = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return error


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lookup_failure, "cannot reach the Slack webhook at hooks.slack.com: name lookup failed"),
        (
            lambda: httpx.ConnectTimeout(f"timed out on {WEBHOOK}"),
            "cannot reach the Slack webhook at hooks.slack.com: no connection within 10 s",
        ),
        (
            lambda: httpx.ReadError(f"reset while reading {WEBHOOK}"),
            "cannot reach the Slack webhook at hooks.slack.com: connection failed (ReadError)",
        ),
        (
            lambda: httpx.RemoteProtocolError(f"junk from {WEBHOOK}"),
            "cannot reach the Slack webhook at hooks.slack.com: not an HTTP answer",
        ),
    ],
)
async def test_transport_failures_are_one_line_without_the_path(
    make: Callable[[], Exception], expected: str
) -> None:
    async with failing(make()) as client:
        with pytest.raises(WebhookError) as caught:
            await post_webhook(client, WEBHOOK, "Investigating")

    assert str(caught.value) == expected
    assert caught.value.__suppress_context__ and caught.value.__cause__ is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            f"https://hooks.slack.com:abc/services/{TOKEN}",
            "the Slack webhook at hooks.slack.com:abc: not a usable URL",
        ),
        (
            f"ftp://hooks.slack.com/services/{TOKEN}",
            "cannot reach the Slack webhook at hooks.slack.com: not an http:// or https:// URL",
        ),
    ],
)
async def test_an_unusable_url(url: str, expected: str) -> None:
    async with webhook_client() as client:
        with pytest.raises(WebhookError) as caught:
            await post_webhook(client, url, "Investigating")

    assert str(caught.value) == expected


async def test_any_2xx_is_a_success() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(204)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        await post_webhook(client, WEBHOOK, "Resolved")

    assert [request.content for request in sent] == [b'{"text":"Resolved"}']


def test_the_client_follows_no_redirect_and_has_a_timeout() -> None:
    client = webhook_client()

    assert not client.follow_redirects
    assert client.timeout == httpx.Timeout(10.0)


def test_slack_text_keeps_slack_markup_out() -> None:
    from modulo_watch.outbound.webhook import slack_text

    escaped = slack_text("<!channel> pod <http://x|y> & co")
    assert escaped == "&lt;!channel&gt; pod &lt;http://x|y&gt; &amp; co"
