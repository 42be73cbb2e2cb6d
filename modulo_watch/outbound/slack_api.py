"""Slack's Web API with a bot token, as the outbox's sender for ``slack.*`` items.

Two operations: ``create_channel`` (the incident's own channel) and ``post`` (a message into a channel, or
into the channel an earlier item created). Slack answers almost everything with HTTP 200 and a JSON object
whose ``ok`` says whether it acted; a refusal carries an ``error`` code, which becomes one
``DeliveryError`` line here. The token travels in the ``Authorization`` header only and is named to
``call()`` as a secret, so no error line quotes it even when a server echoes it.

Never posting twice: each message carries metadata with its outbox id, so after an attempt whose outcome is
unknown ``find()`` reads the channel's recent history for it instead of posting again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

from modulo_watch.config import Secret
from modulo_watch.outbound.api_http import call
from modulo_watch.outbound.delivery import DeliveryError, OutboxItem, Receipt
from modulo_watch.outbound.webhook import slack_text

log = logging.getLogger(__name__)

WHERE = "Slack"
EVENT_TYPE = "modulo_watch_message"  # the metadata event type that marks our own messages
PAGE_SIZE = 200  # Slack's advice for cursor pagination
MAX_PAGES = 50  # a workspace of 10 000 channels; bounded against a server that pages forever
# Our clock and Slack's may disagree: history is read from a minute before the attempt.
FIND_MARGIN = timedelta(seconds=60)

_AUTH = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"})
# Slack's own failures, worth a retry; of these, Slack says the first two may have acted before failing.
_MAY_HAVE_ACTED = frozenset({"internal_error", "fatal_error"})
_TRANSIENT = _MAY_HAVE_ACTED | {"service_unavailable", "request_timeout", "ratelimited", "rate_limited"}
_WORD = re.compile(r"[A-Za-z0-9_.:,-]{1,80}")  # an error code or scope list as Slack writes them


class SlackApiError(DeliveryError):
    """Slack answered ``"ok": false``; ``code`` is its error code (``name_taken``, ``not_in_channel`` ...)."""

    def __init__(self, message: str, code: str, *, retryable: bool, maybe_delivered: bool = False) -> None:
        super().__init__(message, retryable=retryable, maybe_delivered=maybe_delivered)
        self.code = code


class SlackBot:
    """The ``Sender`` for ``slack.create_channel`` and ``slack.post`` items, with a bot token.

    ``create_channel`` payload ``{"name": "incident-..."}`` (no ``#``) -> receipt ``{"channel_id",
    "channel"}``. ``post`` payload ``{"channel": "#incidents" or "", "text": ...}``, an empty channel meaning
    the channel of the ``after`` item's receipt -> receipt ``{"channel_id", "ts"}``.
    """

    def __init__(self, client: httpx.AsyncClient, api_url: str, token: Secret) -> None:
        self._client = client
        self._api_url = api_url.rstrip("/")
        self._token = token

    def __repr__(self) -> str:
        return f"SlackBot(api_url={self._api_url!r})"

    def idempotent(self, item: OutboxItem) -> bool:
        # A second create meets name_taken and reuses the channel; a second post is a second message.
        return item.operation == "create_channel"

    async def send(self, item: OutboxItem, receipts: Mapping[str, Receipt]) -> Receipt:
        if item.operation == "create_channel":
            return await self._create_channel(_payload(item, "name"))
        if item.operation == "post":
            return await self._post(item, receipts)
        raise _unknown_operation(item)

    async def find(
        self, item: OutboxItem, attempted_at: datetime, receipts: Mapping[str, Receipt]
    ) -> Receipt | None:
        if item.operation == "create_channel":
            name = _payload(item, "name")
            channel = await self._channel_named(name)
            return None if channel is None else {"channel_id": channel, "channel": f"#{name}"}
        if item.operation == "post":
            channel = await self._channel_id(_destination(item, receipts))
            ts = await self._message_ts(channel, item.id, attempted_at - FIND_MARGIN)
            return None if ts is None else {"channel_id": channel, "ts": ts}
        raise _unknown_operation(item)

    # --- the operations ---------------------------------------------------------------------------------

    async def _create_channel(self, name: str) -> Receipt:
        try:
            answer = await self._api("conversations.create", {"name": name})
            channel = _text_at(answer, "conversations.create", "channel", "id", sends=True)
        except SlackApiError as err:
            if err.code != "name_taken":
                raise
            # An earlier attempt (or a person) made it: the same channel, joined, is what was asked for.
            found = await self._channel_named(name)
            if found is None:
                raise DeliveryError(
                    f"Slack: #{name} is taken by a channel the bot cannot see (archived or private)",
                    retryable=False,
                ) from None
            await self._join(found)
            log.info("Slack channel #%s already existed: joined it", name)
            channel = found
        return {"channel_id": channel, "channel": f"#{name}"}

    async def _post(self, item: OutboxItem, receipts: Mapping[str, Receipt]) -> Receipt:
        channel = _destination(item, receipts)
        message = _message(item, channel)
        try:
            answer = await self._api("chat.postMessage", message)
        except SlackApiError as err:
            if err.code != "not_in_channel":
                raise
            # Refused outright, so nothing was posted: join, then post once more.
            channel = await self._channel_id(channel)
            await self._join(channel)
            answer = await self._api("chat.postMessage", {**message, "channel": channel})
        return {
            "channel_id": _text_at(answer, "chat.postMessage", "channel", sends=True),
            "ts": _text_at(answer, "chat.postMessage", "ts", sends=True),
        }

    # --- channels and history ---------------------------------------------------------------------------

    async def _join(self, channel_id: str) -> None:
        await self._api("conversations.join", {"channel": channel_id})  # already a member: ok, a warning

    async def _channel_id(self, channel: str) -> str:
        """A channel's id: ``channel`` itself, or the id of the public channel a ``#name`` names."""
        if not channel.startswith("#"):
            return channel
        found = await self._channel_named(channel[1:])
        if found is None:
            raise DeliveryError(f"Slack has no public channel {channel} the bot can see", retryable=False)
        return found

    async def _channel_named(self, name: str) -> str | None:
        def named(channel: object) -> str | None:
            if isinstance(channel, dict) and channel.get("name") == name:
                return _text_at(channel, "conversations.list", "id")
            return None

        params = {"types": "public_channel", "exclude_archived": "true"}
        return await self._first("conversations.list", params, "channels", named)

    async def _message_ts(self, channel_id: str, outbox_id: str, oldest: datetime) -> str | None:
        """The ts of the message in ``channel_id`` whose metadata carries ``outbox_id``, if it arrived."""

        def ours(message: object) -> str | None:
            if isinstance(message, dict) and _outbox_id(message) == outbox_id:
                return _text_at(message, "conversations.history", "ts")
            return None

        params = {
            "channel": channel_id,
            "oldest": f"{oldest.timestamp():.6f}",
            "include_all_metadata": "true",
        }
        try:
            return await self._first("conversations.history", params, "messages", ours)
        except SlackApiError as err:
            if err.code != "not_in_channel":
                raise
        # A bot with chat:write.public may post where it is not a member, but reads only where it is.
        await self._join(channel_id)
        return await self._first("conversations.history", params, "messages", ours)

    async def _first(
        self, method: str, params: Mapping[str, str], key: str, pick: Callable[[object], str | None]
    ) -> str | None:
        """The first non-None ``pick`` of an entry of the ``key`` lists, page after page, following
        ``response_metadata.next_cursor``; None when the last page has none."""
        cursor = ""
        for _ in range(MAX_PAGES):
            page = {**params, "limit": str(PAGE_SIZE)} | ({"cursor": cursor} if cursor else {})
            answer = await self._api(method, params=page)
            entries = answer.get(key)
            if not isinstance(entries, list):
                raise _not_slack(method, sends=False)
            for entry in entries:
                if (found := pick(entry)) is not None:
                    return found
            cursor = _next_cursor(answer)
            if not cursor:
                return None
        raise DeliveryError(f"Slack: {method} went on for more than {MAX_PAGES} pages", retryable=False)

    # --- one call ---------------------------------------------------------------------------------------

    async def _api(
        self, method: str, body: Mapping[str, Any] | None = None, *, params: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """One Web API call: a JSON POST with ``body``, else a GET with ``params`` (Slack's reading methods
        take no JSON). The answer when ``ok``; raises ``DeliveryError`` otherwise."""
        verb = "GET" if body is None else "POST"
        _status, answer = await call(
            self._client,
            verb,
            f"{self._api_url}/{method}",
            where=WHERE,
            secrets=[self._token.value],
            headers={"Authorization": f"Bearer {self._token.value}"},
            params=params,
            json_body=body,
        )
        if not isinstance(answer, dict) or not isinstance(answer.get("ok"), bool):
            raise _not_slack(method, sends=verb == "POST")
        if not answer["ok"]:
            raise refusal(method, answer, sends=verb == "POST")
        return answer


def refusal(method: str, answer: Mapping[str, Any], *, sends: bool) -> SlackApiError:
    """Slack's ``"ok": false`` answer to ``method`` as one line: a refused token or a wrong request needs a
    person; Slack's own failures are worth a retry. ``sends``: the call may have changed something."""
    code = _word(answer.get("error")) or "an unknown error"
    if code in _AUTH:
        return SlackApiError(f"Slack refused the bot token ({code})", code, retryable=False)
    if code == "missing_scope":
        needed = _word(answer.get("needed"))
        scope = f"the {needed} scope" if needed else "a scope"
        return SlackApiError(f"Slack: the bot token lacks {scope} (missing_scope)", code, retryable=False)
    if code in _TRANSIENT:
        return SlackApiError(
            f"Slack failed {method}: {code}",
            code,
            retryable=True,
            maybe_delivered=sends and code in _MAY_HAVE_ACTED,
        )
    return SlackApiError(f"Slack refused {method}: {code}", code, retryable=False)


def _word(value: object) -> str | None:
    """A code or scope list as Slack writes it, else None: a hostile server's text never reaches a line."""
    return value if isinstance(value, str) and _WORD.fullmatch(value) else None


def _not_slack(method: str, *, sends: bool) -> DeliveryError:
    return DeliveryError(
        f"Slack answered {method} with something that is not a Web API answer",
        retryable=False,
        maybe_delivered=sends,
    )


def _text_at(document: Mapping[str, Any], method: str, *path: str, sends: bool = False) -> str:
    """The string at ``path`` in an answer, or a one-line error: a short answer is not Slack's. ``sends``:
    the answer said ``ok`` to a call that changes something, so it did."""
    value: Any = document
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, str) or not value:
        raise _not_slack(method, sends=sends)
    return value


def _payload(item: OutboxItem, key: str) -> str:
    value = item.payload.get(key, "")
    if not value:
        raise DeliveryError(f"Slack: the {item.kind} item {item.id} has no {key}", retryable=False)
    return value


def _destination(item: OutboxItem, receipts: Mapping[str, Receipt]) -> str:
    """The ``#name`` or id to post to: the payload's channel, else the channel ``after`` created."""
    channel = item.payload.get("channel", "")
    if channel:
        return channel
    channel = receipts.get(item.after or "", {}).get("channel_id", "")
    if not channel:
        raise DeliveryError(
            f"Slack: no channel to post {item.id} to (its channel was not made)", retryable=False
        )
    return channel


def _message(item: OutboxItem, channel: str) -> dict[str, Any]:
    return {
        "channel": channel,
        "text": slack_text(_payload(item, "text")),
        # A link in an incident message is for reading, not for a preview that buries the message.
        "unfurl_links": False,
        "unfurl_media": False,
        "metadata": {
            "event_type": EVENT_TYPE,
            "event_payload": {"outbox_id": item.id, "incident_id": item.incident_id},
        },
    }


def _next_cursor(answer: Mapping[str, Any]) -> str:
    metadata = answer.get("response_metadata")
    cursor = metadata.get("next_cursor") if isinstance(metadata, dict) else None
    return cursor if isinstance(cursor, str) else ""


def _outbox_id(message: Mapping[str, Any]) -> str | None:
    metadata = message.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("event_type") != EVENT_TYPE:
        return None
    payload = metadata.get("event_payload")
    found = payload.get("outbox_id") if isinstance(payload, dict) else None
    return found if isinstance(found, str) else None


def _unknown_operation(item: OutboxItem) -> DeliveryError:
    return DeliveryError(f"Slack: no operation {item.operation!r} (item {item.id})", retryable=False)
