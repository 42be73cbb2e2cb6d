"""The outbox's bookkeeping and delivery order, on a real journal, with senders scripted per test.

The senders' own clients are tested against loopback servers that keep each API's contract
(tests/integration); here the question is what the outbox does with their answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from modulo_watch.incident.journal import IncidentJournal, JournalError, load
from modulo_watch.outbound.delivery import DeliveryError, OutboxItem, Receipt
from modulo_watch.outbound.dispatch import Dispatcher
from modulo_watch.outbound.outbox import Delivery, Tracked, replay, summary

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
Outcome = Receipt | DeliveryError | Exception


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


class ScriptedSender:
    """Answers each send with the next scripted outcome (then success); remembers what it was asked."""

    def __init__(self, *outcomes: Outcome, idempotent: bool = False, found: Outcome | None = None) -> None:
        self.outcomes = list(outcomes)
        self.sent: list[tuple[str, dict[str, Receipt]]] = []
        self.asked: list[str] = []
        self._idempotent = idempotent
        self._found = found

    def idempotent(self, item: OutboxItem) -> bool:
        return self._idempotent

    async def send(self, item: OutboxItem, receipts: Mapping[str, Receipt]) -> Receipt:
        self.sent.append((item.id, dict(receipts)))
        outcome = self.outcomes.pop(0) if self.outcomes else {"n": str(len(self.sent))}
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def find(
        self, item: OutboxItem, attempted_at: datetime, receipts: Mapping[str, Receipt]
    ) -> Receipt | None:
        self.asked.append(item.id)
        if isinstance(self._found, Exception):
            raise self._found
        return self._found


class Run:
    """A dispatcher running on a journal in ``directory``, with a way to wait for a state."""

    def __init__(self, directory: Path, senders: Mapping[str, ScriptedSender], clock: Clock) -> None:
        self.journal = IncidentJournal(directory)
        self.changed = asyncio.Event()
        self.dispatcher = Dispatcher(self.journal, senders, clock, self.changed.set, jitter=lambda: 1.0)

    async def until(self, predicate: Callable[[], bool]) -> None:
        async with asyncio.timeout(10):
            while not predicate():
                self.changed.clear()
                await self.changed.wait()

    def state(self, item: OutboxItem) -> Tracked:
        return next(t for t in self.dispatcher.items if t.item.id == item.id)

    async def until_state(self, item: OutboxItem, *states: Delivery) -> Tracked:
        await self.until(lambda: self.state(item).state in states)
        return self.state(item)


@asynccontextmanager
async def running(
    directory: Path, senders: Mapping[str, ScriptedSender], clock: Clock, incident: str = "INC-1"
) -> AsyncIterator[Run]:
    run = Run(directory, senders, clock)
    path = directory / f"{incident}.jsonl"
    if path.exists():
        run.dispatcher.load(replay(load(path).entries, incident))
    task = asyncio.create_task(run.dispatcher.run())
    try:
        yield run
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


def kinds(directory: Path, incident: str = "INC-1") -> list[str]:
    return [entry["kind"] for entry in load(directory / f"{incident}.jsonl").entries]


def rate_limited(seconds: float) -> DeliveryError:
    return DeliveryError("Slack is rate limiting (429)", retryable=True, retry_after=seconds)


async def test_an_item_is_journaled_queued_attempted_and_sent(tmp_path: Path) -> None:
    slack = ScriptedSender({"ts": "1.2"})
    async with running(tmp_path, {"slack": slack}, Clock()) as run:
        item = run.dispatcher.enqueue("INC-1", "slack.post", "Slack #incidents", {"text": "hello"})
        tracked = await run.until_state(item, Delivery.SENT)
    assert tracked.receipt == {"ts": "1.2"}
    assert kinds(tmp_path) == ["outbox_queued", "outbox_attempt", "outbox_sent"]
    replayed = replay(load(tmp_path / "INC-1.jsonl").entries, "INC-1")
    assert replayed[item.id].state is Delivery.SENT
    assert replayed[item.id].item.payload == {"text": "hello"}


async def test_a_rate_limit_holds_its_lane_until_retry_after_and_keeps_the_order(tmp_path: Path) -> None:
    clock = Clock()
    statuspage = ScriptedSender(rate_limited(30))
    async with running(tmp_path, {"statuspage": statuspage}, clock) as run:
        first = run.dispatcher.enqueue(
            "INC-1", "statuspage.create", "Statuspage", {"status": "investigating"}
        )
        second = run.dispatcher.enqueue("INC-1", "statuspage.update", "Statuspage", {"status": "resolved"})
        waiting = await run.until_state(first, Delivery.RETRYING)
        assert waiting.retry_at == START + timedelta(seconds=30)
        assert run.state(second).state is Delivery.QUEUED  # never overtakes the item before it
        clock.now += timedelta(seconds=30)
        run.dispatcher.wake()
        await run.until_state(second, Delivery.SENT)
    assert [item_id for item_id, _ in statuspage.sent] == [first.id, first.id, second.id]


def _failed_after(run: Run, item: OutboxItem, attempts: int) -> bool:
    tracked = run.state(item)
    return tracked.attempts == attempts and tracked.retry_at is not None


async def test_backoff_doubles_from_two_seconds(tmp_path: Path) -> None:
    clock = Clock()
    outage = DeliveryError("Statuspage failed: 503", retryable=True)
    statuspage = ScriptedSender(outage, outage, outage)
    waits = []
    async with running(tmp_path, {"statuspage": statuspage}, clock) as run:
        item = run.dispatcher.enqueue("INC-1", "statuspage.create", "Statuspage", {})
        for attempt in (1, 2, 3):
            await run.until(partial(_failed_after, run, item, attempt))
            retry_at = run.state(item).retry_at
            assert retry_at is not None
            waits.append((retry_at - clock.now).total_seconds())
            clock.now = retry_at
            run.dispatcher.wake()
        await run.until_state(item, Delivery.SENT)
    assert waits == [2.0, 4.0, 8.0]


async def test_one_lane_down_does_not_hold_another(tmp_path: Path) -> None:
    statuspage = ScriptedSender(DeliveryError("Statuspage failed: 500", retryable=True))
    slack = ScriptedSender()
    async with running(tmp_path, {"statuspage": statuspage, "slack": slack}, Clock()) as run:
        down = run.dispatcher.enqueue("INC-1", "statuspage.create", "Statuspage", {})
        up = run.dispatcher.enqueue("INC-1", "slack.post", "Slack #incidents", {"text": "x"})
        await run.until_state(up, Delivery.SENT)
        assert run.state(down).state is Delivery.RETRYING


async def test_a_refusal_waits_for_a_person_and_steps_aside(tmp_path: Path) -> None:
    slack = ScriptedSender(DeliveryError("Slack refused the bot token (invalid_auth)", retryable=False))
    async with running(tmp_path, {"slack": slack}, Clock()) as run:
        refused = run.dispatcher.enqueue("INC-1", "slack.post", "Slack #incidents", {"text": "1"})
        behind = run.dispatcher.enqueue("INC-1", "slack.post", "Slack #incidents", {"text": "2"})
        await run.until_state(behind, Delivery.SENT)
        failed = run.state(refused)
        assert failed.state is Delivery.FAILED
        assert failed.error == "Slack refused the bot token (invalid_auth)"
        assert run.dispatcher.retry(refused.id)
        await run.until_state(refused, Delivery.SENT)
    assert summary(run.dispatcher.items) == "2 sent"


async def test_an_item_gets_the_receipt_of_the_item_it_follows(tmp_path: Path) -> None:
    slack = ScriptedSender({"channel_id": "C42"})
    async with running(tmp_path, {"slack": slack}, Clock()) as run:
        channel = run.dispatcher.enqueue("INC-1", "slack.create_channel", "Slack", {"name": "incident-x"})
        post = run.dispatcher.enqueue("INC-1", "slack.post", "Slack", {"text": "x"}, after=channel.id)
        await run.until_state(post, Delivery.SENT)
    assert slack.sent[1] == (post.id, {channel.id: {"channel_id": "C42"}})


async def test_an_item_waits_while_the_one_it_follows_has_failed(tmp_path: Path) -> None:
    statuspage = ScriptedSender(DeliveryError("Statuspage refused the API key", retryable=False))
    async with running(tmp_path, {"statuspage": statuspage}, Clock()) as run:
        create = run.dispatcher.enqueue("INC-1", "statuspage.create", "Statuspage", {})
        update = run.dispatcher.enqueue("INC-1", "statuspage.update", "Statuspage", {}, after=create.id)
        await run.until_state(create, Delivery.FAILED)
        assert run.state(update).state is Delivery.QUEUED
        run.dispatcher.retry(create.id)
        await run.until_state(update, Delivery.SENT)


async def test_a_queued_item_survives_a_restart_and_is_sent_once(tmp_path: Path) -> None:
    IncidentJournal(tmp_path)  # the first run queues and stops before any delivery
    first = Run(tmp_path, {}, Clock())
    item = first.dispatcher.enqueue("INC-1", "slack.post", "Slack #incidents", {"text": "update"})
    slack = ScriptedSender()
    async with running(tmp_path, {"slack": slack}, Clock()) as run:
        await run.until_state(item, Delivery.SENT)
    assert [item_id for item_id, _ in slack.sent] == [item.id]
    assert kinds(tmp_path) == ["outbox_queued", "outbox_attempt", "outbox_sent"]


def _crashed_mid_send(directory: Path) -> OutboxItem:
    """A journal left by a process killed after its attempt was recorded, before any answer."""
    journal = IncidentJournal(directory)
    run = Run(directory, {}, Clock())
    item = run.dispatcher.enqueue("INC-1", "slack.post", "Slack #incidents", {"text": "update"})
    journal.record_outbox("INC-1", START, "outbox_attempt", {"id": item.id, "attempt": 1})
    return item


async def test_after_a_crash_mid_send_the_api_is_asked_before_sending_again(tmp_path: Path) -> None:
    item = _crashed_mid_send(tmp_path)
    assert replay(load(tmp_path / "INC-1.jsonl").entries, "INC-1")[item.id].state is Delivery.UNCONFIRMED
    slack = ScriptedSender(found={"ts": "9.9"})
    async with running(tmp_path, {"slack": slack}, Clock()) as run:
        tracked = await run.until_state(item, Delivery.SENT)
    assert slack.asked == [item.id]
    assert slack.sent == []  # it had arrived: never posted twice
    assert tracked.receipt == {"ts": "9.9"}


async def test_after_a_crash_an_item_the_api_never_saw_is_sent(tmp_path: Path) -> None:
    item = _crashed_mid_send(tmp_path)
    slack = ScriptedSender(found=None)
    async with running(tmp_path, {"slack": slack}, Clock()) as run:
        await run.until_state(item, Delivery.SENT)
    assert slack.asked == [item.id]
    assert [item_id for item_id, _ in slack.sent] == [item.id]


async def test_an_idempotent_call_is_simply_sent_again(tmp_path: Path) -> None:
    item = _crashed_mid_send(tmp_path)
    slack = ScriptedSender(idempotent=True)
    async with running(tmp_path, {"slack": slack}, Clock()) as run:
        await run.until_state(item, Delivery.SENT)
    assert slack.asked == []
    assert len(slack.sent) == 1


async def test_an_unknown_outcome_nobody_can_check_waits_for_a_person(tmp_path: Path) -> None:
    item = _crashed_mid_send(tmp_path)
    webhook = ScriptedSender(found=DeliveryError("an incoming webhook cannot be asked", retryable=False))
    async with running(tmp_path, {"slack": webhook}, Clock()) as run:
        tracked = await run.until_state(item, Delivery.FAILED)
        assert webhook.sent == []
        assert tracked.error.startswith("may have been delivered, and cannot be checked")
        run.dispatcher.retry(item.id)  # the responder decides to post it again
        await run.until_state(item, Delivery.SENT)
    assert len(webhook.sent) == 1


async def test_a_timeout_leaves_the_item_unconfirmed_and_the_retry_asks_first(tmp_path: Path) -> None:
    clock = Clock()
    timeout = DeliveryError("Slack did not answer within 10 s", retryable=True, maybe_delivered=True)
    slack = ScriptedSender(timeout, found={"ts": "1.0"})
    async with running(tmp_path, {"slack": slack}, clock) as run:
        item = run.dispatcher.enqueue("INC-1", "slack.post", "Slack #incidents", {"text": "x"})
        tracked = await run.until_state(item, Delivery.UNCONFIRMED)
        assert tracked.retry_at is not None
        clock.now = tracked.retry_at
        run.dispatcher.wake()
        await run.until_state(item, Delivery.SENT)
    assert len(slack.sent) == 1
    assert slack.asked == [item.id]


async def test_a_sender_bug_fails_the_item_not_the_outbox(tmp_path: Path) -> None:
    slack = ScriptedSender(KeyError("channel_id"))
    async with running(tmp_path, {"slack": slack}, Clock()) as run:
        broken = run.dispatcher.enqueue("INC-1", "slack.post", "Slack #incidents", {"text": "1"})
        fine = run.dispatcher.enqueue("INC-1", "slack.post", "Slack #incidents", {"text": "2"})
        await run.until_state(fine, Delivery.SENT)
        assert run.state(broken).state is Delivery.FAILED


async def test_an_unconfigured_destination_is_said(tmp_path: Path) -> None:
    async with running(tmp_path, {}, Clock()) as run:
        item = run.dispatcher.enqueue("INC-1", "statuspage.create", "Statuspage", {})
        tracked = await run.until_state(item, Delivery.FAILED)
    assert tracked.error == "Statuspage: not configured now"


def test_nothing_is_queued_when_the_journal_cannot_be_written(tmp_path: Path) -> None:
    (tmp_path / "not-a-dir").write_text("")
    run = Run(tmp_path / "not-a-dir", {}, Clock())
    with pytest.raises(JournalError):
        run.dispatcher.enqueue("INC-1", "slack.post", "Slack #incidents", {"text": "x"})
    assert run.dispatcher.items == ()


def test_replay_skips_foreign_and_damaged_entries() -> None:
    at = START.isoformat()
    entries: list[dict[str, Any]] = [
        {"at": at, "kind": "outbox_queued", "id": "ob-1", "type": "slack.post", "label": "S", "payload": {}},
        {"at": at, "kind": "outbox_queued", "id": "ob-2", "type": "no-dot", "label": "S", "payload": {}},
        {"at": at, "kind": "outbox_queued", "id": 3},
        {"at": at, "kind": "outbox_sent", "id": "ob-unknown", "receipt": {}},
        {"at": at, "kind": "outbox_failed", "id": "ob-1", "error": "x", "retry_at": "garbage"},
        {"at": at, "kind": "declared", "title": "t"},
    ]
    replayed = replay(entries, "INC-1")
    assert list(replayed) == ["ob-1"]
    assert replayed["ob-1"].state is Delivery.FAILED


def test_a_late_failure_does_not_undo_a_delivery() -> None:
    at = START.isoformat()
    entries: list[dict[str, Any]] = [
        {"at": at, "kind": "outbox_queued", "id": "ob-1", "type": "slack.post", "label": "S", "payload": {}},
        {"at": at, "kind": "outbox_sent", "id": "ob-1", "receipt": {"ts": "1"}},
        {"at": at, "kind": "outbox_failed", "id": "ob-1", "error": "x", "retry_at": None},
    ]
    assert replay(entries, "INC-1")["ob-1"].state is Delivery.SENT
