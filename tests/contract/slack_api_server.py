"""A loopback server that keeps the contract of Slack's Web API for a bot token, for the tests that drive
``SlackBot`` against it.

The contract kept, for five methods (``conversations.create``, ``conversations.list``,
``conversations.join``, ``chat.postMessage``, ``conversations.history``) under ``/api/<method>``:

- Every answer is HTTP 200 with a JSON object: ``{"ok": true, ...}``, or ``{"ok": false, "error": code}``
  for a refusal. An unknown method is ``unknown_method``.
- Authentication: ``Authorization: Bearer <token>``, or a ``token`` field in a form body or the query
  string (never in a JSON body). No token is ``not_authed``, another token ``invalid_auth``. A scope the
  token lacks is ``missing_scope`` with ``needed`` and ``provided``.
- Arguments: the query string, plus a JSON body (``application/json``) or a form body
  (``application/x-www-form-urlencoded``, where ``metadata`` is a JSON string). A JSON body that does not
  parse is ``invalid_json``.
- Channels have ids (``C...``) and lowercase names. A name is at most 80 lowercase letters, digits, ``-``
  and ``_``: ``invalid_name_required``, ``invalid_name_maxlength``, ``invalid_name_specials``,
  ``invalid_name_punctuation``; a name in use, archived or not, is ``name_taken``. The creator is a member.
- Posting takes a channel id or name (``#`` optional); the bot must be a member (``not_in_channel``) of an
  unarchived (``is_archived``) channel that exists (``channel_not_found``); the text is required
  (``no_text``) and at most 40 000 characters (``msg_too_long``). Each message gets a unique ``ts``.
- Joining a channel the bot is in succeeds with the warning ``already_in_channel``.
- History takes a channel id only, needs membership, returns messages newest first with ``ts`` above
  ``oldest`` (``inclusive``: or equal), and their ``metadata`` only with ``include_all_metadata``.
- Lists page by ``limit`` (clamped to the method's maximum) and ``cursor``: an opaque
  ``response_metadata.next_cursor``, empty on the last page; an unreadable cursor is ``invalid_cursor``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.contract.http_server import Answer, ContractServer, Received

BOT_USER = "U0MODULOBOT"
MAX_TEXT = 40_000
MAX_NAME = 80
# The scope each method needs, for a bot token.
NEEDED_SCOPES = {
    "conversations.create": "channels:manage",
    "conversations.list": "channels:read",
    "conversations.join": "channels:join",
    "chat.postMessage": "chat:write",
    "conversations.history": "channels:history",
}
_NAME = re.compile(r"[a-z0-9_-]+")

Document = dict[str, Any]


class Refused(Exception):
    """A method's ``"ok": false`` answer: ``code`` and any more fields (``needed``, ``provided``)."""

    def __init__(self, code: str, **more: str) -> None:
        super().__init__(code)
        self.document: Document = {"ok": False, "error": code, **more}


@dataclass(slots=True)
class Channel:
    id: str
    name: str
    created: int
    archived: bool = False
    member: bool = False
    messages: list[Document] = field(default_factory=list)  # oldest first

    def document(self) -> Document:
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": True,
            "is_private": False,
            "is_archived": self.archived,
            "is_member": self.member,
            "created": self.created,
        }


class SlackApiServer(ContractServer):
    """Slack's Web API on 127.0.0.1 at ``url + "/api"``, with one bot token (``token``) and its ``scopes``.

    It starts with ``#general`` (the bot a member) and ``#incidents`` (the bot not a member). ``clock``
    gives the time a message's ``ts`` is made from.
    """

    def __init__(self) -> None:
        super().__init__()
        self.token = f"xoxb-{uuid.uuid4().hex}"
        self.scopes: set[str] = set(NEEDED_SCOPES.values())
        self.channels: dict[str, Channel] = {}
        self.clock: Callable[[], float] = time.time
        self._last_ts = 0.0
        self.add_channel("general", member=True)
        self.add_channel("incidents")

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    # --- for the tests ----------------------------------------------------------------------------------

    def add_channel(self, name: str, *, member: bool = False, archived: bool = False) -> Channel:
        channel = Channel(f"C{uuid.uuid4().hex[:10].upper()}", name, int(self.clock()), archived, member)
        self.channels[channel.id] = channel
        return channel

    def channel(self, name: str) -> Channel:
        [found] = [channel for channel in self.channels.values() if channel.name == name.lstrip("#")]
        return found

    def calls(self) -> list[str]:
        """The methods called, in order."""
        return [request.path.rpartition("/")[2] for request in self.received]

    # --- the contract -----------------------------------------------------------------------------------

    def contract(self, request: Received) -> Answer:
        method = request.path.removeprefix("/api/")
        handler = self._handlers().get(method)
        try:
            if handler is None or not request.path.startswith("/api/"):
                raise Refused("unknown_method")
            arguments = _arguments(request)
            self._authenticate(request, arguments)
            if NEEDED_SCOPES[method] not in self.scopes:
                raise Refused(
                    "missing_scope", needed=NEEDED_SCOPES[method], provided=",".join(sorted(self.scopes))
                )
            document = handler(arguments)
        except Refused as refused:
            document = refused.document
        return Answer.of_json(200, document)

    def _handlers(self) -> dict[str, Callable[[Document], Document]]:
        return {
            "conversations.create": self._create,
            "conversations.list": self._list,
            "conversations.join": self._join,
            "chat.postMessage": self._post,
            "conversations.history": self._history,
        }

    def _authenticate(self, request: Received, arguments: Document) -> None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme != "Bearer" or not token:
            token = arguments.get("token", "")
        if not token:
            raise Refused("not_authed")
        if token != self.token:
            raise Refused("invalid_auth")

    def _create(self, arguments: Document) -> Document:
        name = arguments.get("name")
        if not isinstance(name, str) or not name:
            raise Refused("invalid_name_required")
        if len(name) > MAX_NAME:
            raise Refused("invalid_name_maxlength")
        if not _NAME.fullmatch(name):
            raise Refused("invalid_name_specials")
        if not name.strip("-_"):
            raise Refused("invalid_name_punctuation")
        if any(channel.name == name for channel in self.channels.values()):
            raise Refused("name_taken")  # an archived channel keeps its name
        return {"ok": True, "channel": self.add_channel(name, member=True).document()}

    def _list(self, arguments: Document) -> Document:
        # Only public channels exist here: every ``types`` that asks for them gets them all.
        channels = [
            channel.document()
            for channel in self.channels.values()
            if not (channel.archived and _flag(arguments.get("exclude_archived")))
        ]
        page, cursor = _page(channels, arguments, default=100, maximum=1000)
        return {"ok": True, "channels": page, "response_metadata": {"next_cursor": cursor}}

    def _join(self, arguments: Document) -> Document:
        channel = self._by_id(arguments.get("channel"))
        if channel.archived:
            raise Refused("is_archived")
        if channel.member:
            return {
                "ok": True,
                "channel": channel.document(),
                "warning": "already_in_channel",
                "response_metadata": {"warnings": ["already_in_channel"]},
            }
        channel.member = True
        return {"ok": True, "channel": channel.document()}

    def _post(self, arguments: Document) -> Document:
        channel = self._by_id_or_name(arguments.get("channel"))
        if channel.archived:
            raise Refused("is_archived")
        if not channel.member:
            raise Refused("not_in_channel")
        text = arguments.get("text")
        if not isinstance(text, str) or not text:
            raise Refused("no_text")
        if len(text) > MAX_TEXT:
            raise Refused("msg_too_long")
        message: Document = {"type": "message", "user": BOT_USER, "text": text, "ts": self._next_ts()}
        metadata = _metadata(arguments.get("metadata"))
        channel.messages.append(message | ({"metadata": metadata} if metadata else {}))
        return {"ok": True, "channel": channel.id, "ts": message["ts"], "message": message}

    def _history(self, arguments: Document) -> Document:
        channel = self._by_id(arguments.get("channel"))
        if not channel.member:
            raise Refused("not_in_channel")
        oldest = _timestamp(arguments.get("oldest", "0"), "invalid_ts_oldest")
        inclusive = _flag(arguments.get("inclusive"))
        with_metadata = _flag(arguments.get("include_all_metadata"))
        messages = [
            message if with_metadata else {k: v for k, v in message.items() if k != "metadata"}
            for message in reversed(channel.messages)
            if float(message["ts"]) > oldest or (inclusive and float(message["ts"]) == oldest)
        ]
        page, cursor = _page(messages, arguments, default=100, maximum=999)
        return {
            "ok": True,
            "messages": page,
            "has_more": bool(cursor),
            "pin_count": 0,
            "response_metadata": {"next_cursor": cursor},
        }

    def _by_id(self, value: object) -> Channel:
        if not isinstance(value, str) or value not in self.channels:
            raise Refused("channel_not_found")
        return self.channels[value]

    def _by_id_or_name(self, value: object) -> Channel:
        if isinstance(value, str) and value in self.channels:
            return self.channels[value]
        name = value.removeprefix("#") if isinstance(value, str) else None
        for channel in self.channels.values():
            if channel.name == name:
                return channel
        raise Refused("channel_not_found")

    def _next_ts(self) -> str:
        # Slack's ts is seconds with microseconds, and unique in a channel.
        self._last_ts = max(round(self.clock(), 6), round(self._last_ts + 0.000001, 6))
        return f"{self._last_ts:.6f}"


def _arguments(request: Received) -> Document:
    arguments: Document = {key: values[-1] for key, values in request.query.items()}
    content_type = request.headers.get("content-type", "")
    if request.method != "POST" or not request.body:
        return arguments
    if content_type.startswith("application/json"):
        try:
            body = request.json()
        except ValueError:
            raise Refused("invalid_json") from None
        if not isinstance(body, dict):
            raise Refused("invalid_json")
        return arguments | {key: value for key, value in body.items() if key != "token"}
    if content_type.startswith("application/x-www-form-urlencoded"):
        return arguments | request.form()
    return arguments


def _flag(value: object) -> bool:
    return value is True or value in ("true", "1")


def _timestamp(value: object, code: str) -> float:
    try:
        return float(str(value))
    except ValueError:
        raise Refused(code) from None


def _metadata(value: object) -> Document | None:
    """A message's metadata: an object (JSON body) or its JSON text (form body)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise Refused("invalid_metadata_format") from None
    if not (
        isinstance(value, dict)
        and isinstance(value.get("event_type"), str)
        and isinstance(value.get("event_payload"), dict)
    ):
        raise Refused("invalid_metadata_format")
    return value


def _page(
    entries: list[Document], arguments: Document, *, default: int, maximum: int
) -> tuple[list[Document], str]:
    """One page of ``entries`` and the cursor of the next, empty on the last."""
    try:
        limit = int(arguments.get("limit", default)) or default
    except (TypeError, ValueError):
        raise Refused("invalid_limit") from None
    limit = min(max(limit, 1), maximum)
    start = _offset(arguments.get("cursor", ""))
    end = start + limit
    return entries[start:end], (_cursor(end) if end < len(entries) else "")


def _cursor(offset: int) -> str:
    return base64.b64encode(f"next:{offset}".encode()).decode()


def _offset(cursor: object) -> int:
    if not cursor:
        return 0
    try:
        prefix, _, offset = base64.b64decode(str(cursor), validate=True).decode().partition(":")
        if prefix == "next" and offset.isdigit():
            return int(offset)
    except (binascii.Error, UnicodeDecodeError):
        pass
    raise Refused("invalid_cursor")
