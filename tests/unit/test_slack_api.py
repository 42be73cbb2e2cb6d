"""Slack's ``"ok": false`` answers as ``DeliveryError`` lines: who can fix it, and whether to retry."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from modulo_watch.config import Secret
from modulo_watch.outbound.delivery import DeliveryError, OutboxItem
from modulo_watch.outbound.slack_api import SlackBot, refusal

TOKEN = "xoxb-1111-2222-abcdefabcdef"


@pytest.mark.parametrize(
    "code", ["invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"]
)
def test_a_refused_token_needs_a_person(code: str) -> None:
    error = refusal("chat.postMessage", {"ok": False, "error": code}, sends=True)

    assert (str(error), error.retryable, error.code) == (f"Slack refused the bot token ({code})", False, code)


def test_a_missing_scope_names_the_scope() -> None:
    answer = {"ok": False, "error": "missing_scope", "needed": "chat:write", "provided": "channels:read"}

    error = refusal("chat.postMessage", answer, sends=True)

    assert str(error) == "Slack: the bot token lacks the chat:write scope (missing_scope)"
    assert not error.retryable


@pytest.mark.parametrize(
    ("code", "sends", "maybe_delivered"),
    [
        ("internal_error", True, True),  # Slack: some of the operation may have happened
        ("fatal_error", True, True),
        ("internal_error", False, False),  # a read changed nothing
        ("service_unavailable", True, False),
        ("ratelimited", True, False),
    ],
)
def test_slacks_own_failures_are_retryable(code: str, sends: bool, maybe_delivered: bool) -> None:
    error = refusal("chat.postMessage", {"ok": False, "error": code}, sends=sends)

    assert str(error) == f"Slack failed chat.postMessage: {code}"
    assert error.retryable and error.maybe_delivered is maybe_delivered


@pytest.mark.parametrize(
    "code", ["channel_not_found", "is_archived", "invalid_name_specials", "msg_too_long"]
)
def test_a_wrong_request_needs_a_person(code: str) -> None:
    error = refusal("chat.postMessage", {"ok": False, "error": code}, sends=True)

    assert str(error) == f"Slack refused chat.postMessage: {code}"
    assert not error.retryable and not error.maybe_delivered


@pytest.mark.parametrize(
    "answer",
    [
        {"ok": False},
        {"ok": False, "error": 42},
        {"ok": False, "error": "\x1b[2J" + "x" * 10},
        {"ok": False, "error": "y" * 81},
        {"ok": False, "error": f"token {TOKEN} is bad"},
    ],
)
def test_an_odd_error_code_is_not_quoted(answer: dict[str, Any]) -> None:
    assert (
        str(refusal("conversations.join", answer, sends=True))
        == "Slack refused conversations.join: an unknown error"
    )


def test_a_hostile_needed_scope_is_not_quoted() -> None:
    error = refusal(
        "chat.postMessage", {"ok": False, "error": "missing_scope", "needed": "a b\n"}, sends=True
    )

    assert str(error) == "Slack: the bot token lacks a scope (missing_scope)"


async def test_the_repr_does_not_show_the_token() -> None:
    async with httpx.AsyncClient() as client:
        bot = SlackBot(client, "https://slack.com/api/", Secret(TOKEN))

    assert repr(bot) == "SlackBot(api_url='https://slack.com/api')"


async def test_only_creating_a_channel_is_idempotent() -> None:
    async with httpx.AsyncClient() as client:
        bot = SlackBot(client, "https://slack.com/api", Secret(TOKEN))

    def item(kind: str) -> OutboxItem:
        return OutboxItem(id="1", incident_id="i", kind=kind, label="Slack")

    assert bot.idempotent(item("slack.create_channel"))
    assert not bot.idempotent(item("slack.post"))


async def test_an_unknown_operation_needs_a_person() -> None:
    item = OutboxItem(id="7", incident_id="i", kind="slack.archive", label="Slack")
    async with httpx.AsyncClient() as client:
        bot = SlackBot(client, "http://127.0.0.1:9/api", Secret(TOKEN))
        with pytest.raises(DeliveryError) as caught:
            await bot.send(item, {})

    assert str(caught.value) == "Slack: no operation 'archive' (item 7)"
    assert not caught.value.retryable
