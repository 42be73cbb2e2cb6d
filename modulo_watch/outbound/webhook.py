"""Posting a message to a Slack-compatible incoming webhook.

The webhook URL is a secret: its path carries the token. No error line or log record here shows more of it
than its host ("the Slack webhook at hooks.slack.com"). Every failure is one ``WebhookError`` line for the
responder; Slack refuses a post with a short plain-text reason (``invalid_token``, ``no_service``,
``channel_not_found``, ``invalid_payload`` ...), which the line quotes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import datetime
from http import HTTPStatus
from urllib.parse import urlsplit

import httpx

from modulo_watch.config import REDACTED, redact_webhook_url
from modulo_watch.outbound.api_http import first_bytes, phrase, retry_after, transport_problem
from modulo_watch.outbound.delivery import DeliveryError, OutboxItem, Receipt

TIMEOUT = 10.0  # seconds, for each of connect, send, answer
USER_AGENT = "modulo-watch"
MAX_BODY = 1024  # bytes of a refusal read: Slack's reasons are one word
MAX_REASON = 80  # characters of the server's words kept in an error line
_MIN_TOKEN = 8  # a path segment this long may be (part of) the token: never echoed from a body


class WebhookError(DeliveryError):
    """A post that failed; ``str()`` is one line that names the webhook by its host only."""


def webhook_host(url: str) -> str:
    """The host (and port) of a webhook URL: the only part of it fit to show. Empty when there is none."""
    try:
        return urlsplit(url).netloc.rpartition("@")[2]
    except ValueError:
        return ""


def webhook_client(timeout: float = TIMEOUT) -> httpx.AsyncClient:
    """A client for posting: every step bounded by ``timeout``, and no redirect followed (one would
    carry the message somewhere the responder did not choose)."""
    return httpx.AsyncClient(timeout=timeout, follow_redirects=False, headers={"User-Agent": USER_AGENT})


# httpx logs every request's URL at INFO ("HTTP Request: POST https://hooks.slack.com/services/..."). While a
# webhook post is under way in this context, its records show the host only.
_POSTING: ContextVar[bool] = ContextVar("modulo_watch_webhook_posting", default=False)


class _HideWebhookUrl(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _POSTING.get() and isinstance(record.args, tuple):
            record.args = tuple(
                redact_webhook_url(str(arg)) if isinstance(arg, httpx.URL) else arg for arg in record.args
            )
        return True


logging.getLogger("httpx").addFilter(_HideWebhookUrl())


def slack_text(text: str) -> str:
    """Text as Slack reads it literally: its control sequences (``<!channel>``, ``<url|link>``) start with
    ``<``, so a pod name or alert label in a message can never ping a channel or forge a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


async def post_webhook(client: httpx.AsyncClient, url: str, text: str) -> None:
    """Post ``text`` as ``{"text": text}``; raises ``WebhookError`` unless the webhook answers 2xx."""
    where = f"the Slack webhook at {webhook_host(url) or 'an unusable URL'}"
    posting = _POSTING.set(True)
    try:
        # Streamed, so that only the first MAX_BODY bytes of an error page are ever read.
        async with client.stream("POST", url, json={"text": text}, follow_redirects=False) as response:
            if response.is_success:
                return
            body = await first_bytes(response, MAX_BODY)
    except httpx.TimeoutException as exc:
        raise _timeout_error(where, client.timeout, exc) from None
    except httpx.InvalidURL:  # its text quotes the URL
        raise WebhookError(f"{where}: not a usable URL", retryable=False) from None
    except httpx.HTTPError as exc:  # `from None`: httpx's own texts may quote the URL
        raise WebhookError(
            f"cannot reach {where}: {transport_problem(exc)}",
            retryable=True,
            maybe_delivered=isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError),
        ) from None
    finally:
        _POSTING.reset(posting)
    raise _status_error(where, response, _reason(body, url))


def _timeout_error(where: str, timeout: httpx.Timeout, exc: httpx.TimeoutException) -> WebhookError:
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return WebhookError(
            f"cannot reach {where}: no connection within {timeout.connect or 0:g} s", retryable=True
        )
    return WebhookError(
        f"{where} did not answer within {timeout.read or 0:g} s", retryable=True, maybe_delivered=True
    )


def _status_error(where: str, response: httpx.Response, reason: str) -> WebhookError:
    code = response.status_code
    status = f"{code} {phrase(code)}".rstrip()
    if code == HTTPStatus.TOO_MANY_REQUESTS:
        retry = retry_after(response.headers.get("Retry-After"))
        later = f"; retry after {retry:g} s" if retry else ""
        return WebhookError(
            f"{where} is rate limiting posts ({status}){later}", retryable=True, retry_after=retry
        )
    if 300 <= code < 400:
        return WebhookError(
            f"{where} answered {status}, a redirect, which is not followed: is the webhook URL current?",
            retryable=False,
        )
    said = f": {reason}" if reason else ""
    if code >= 500:
        return WebhookError(f"{where} failed: {status}{said}", retryable=True)
    return WebhookError(f"{where} refused the message: {status}{said}", retryable=False)


class WebhookSender:
    """The outbox's way to an incoming webhook (kind ``webhook.post``, payload ``text``). A webhook cannot be
    asked what it received: after an unknown outcome, a person decides whether to post again."""

    def __init__(self, client: httpx.AsyncClient, url: str) -> None:
        self._client = client
        self._url = url

    def idempotent(self, item: OutboxItem) -> bool:
        return False

    async def send(self, item: OutboxItem, receipts: Mapping[str, Receipt]) -> Receipt:
        await post_webhook(self._client, self._url, slack_text(item.payload["text"]))
        return {"host": webhook_host(self._url)}

    async def find(
        self, item: OutboxItem, attempted_at: datetime, receipts: Mapping[str, Receipt]
    ) -> Receipt | None:
        raise DeliveryError("an incoming webhook cannot be asked what it received", retryable=False)


def _reason(body: bytes, url: str) -> str:
    """The server's words on one short, printable line, with nothing of the URL's path in them."""
    text = body.decode("utf-8", "replace")
    for secret in _secrets(url):
        text = text.replace(secret, REDACTED)
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


def _secrets(url: str) -> list[str]:
    """The URL, its path and the path's longer segments, longest first: a server may echo any of them."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    segments = [segment for segment in parts.path.split("/") if len(segment) >= _MIN_TOKEN]
    found = [url, parts.path, parts.query, *segments]
    return sorted({secret for secret in found if secret}, key=len, reverse=True)
