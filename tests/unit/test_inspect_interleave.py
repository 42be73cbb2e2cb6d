"""Every pod of an app as one stream: tails merged by time, then new lines as they come."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta

from modulo_watch.collectors.inspect import LOG_TAIL, InspectError, LogLine, PodDetail, interleaved_logs

T0 = datetime(2026, 11, 26, 14, tzinfo=UTC)
DEADLINE = 5.0


class FakeInspector:
    """Tails from fixed lines; followed streams read from a queue per pod (None ends one)."""

    def __init__(self, tails: dict[str, list[int]], failing: frozenset[str] = frozenset()) -> None:
        self.tails = tails
        self.failing = failing
        self.live: dict[str, asyncio.Queue[int | None]] = {pod: asyncio.Queue() for pod in tails}
        self.follows: dict[str, datetime | None] = {}
        self.closed: set[str] = set()

    async def describe(self, namespace: str, name: str) -> PodDetail:
        raise NotImplementedError

    async def selector_pods(self, namespace: str, selector: str) -> list[str]:
        return sorted(self.tails)

    async def aclose(self) -> None:
        """Nothing to close."""

    async def logs(
        self,
        namespace: str,
        name: str,
        *,
        container: str | None = None,
        tail: int | None = LOG_TAIL,
        previous: bool = False,
        follow: bool = False,
        since: datetime | None = None,
    ) -> AsyncGenerator[LogLine, None]:
        if name in self.failing:
            raise InspectError(f'container "{container}" in pod "{name}" is waiting to start')
        if not follow:
            for second in self.tails[name]:
                yield LogLine(name, container or "", f"{name} {second}", T0 + timedelta(seconds=second))
            return
        self.follows[name] = since
        try:
            while (live := await self.live[name].get()) is not None:
                yield LogLine(name, container or "", f"{name} {live}", T0 + timedelta(seconds=live))
        finally:
            self.closed.add(name)


async def test_tails_merge_by_time_and_a_failing_pod_is_a_note() -> None:
    inspector = FakeInspector({"a": [1, 4, 6], "b": [2, 3, 9], "c": []}, failing=frozenset({"c"}))
    async with asyncio.timeout(DEADLINE):
        lines = [line async for line in interleaved_logs(inspector, "ns", ["a", "b", "c"], container="app")]
    assert lines[0].note and lines[0].pod == "c" and "waiting to start" in lines[0].text
    assert [line.text for line in lines[1:]] == ["a 1", "b 2", "b 3", "a 4", "a 6", "b 9"]


async def test_following_carries_on_from_each_pods_last_line_until_every_stream_ends() -> None:
    inspector = FakeInspector({"a": [1], "b": [], "c": []}, failing=frozenset({"c"}))
    stream = interleaved_logs(inspector, "ns", ["a", "b", "c"], container="app", follow=True)
    async with asyncio.timeout(DEADLINE):
        assert (await anext(stream)).note, "c cannot be read: it says so once and is not followed"
        assert (await anext(stream)).text == "a 1"
        await inspector.live["b"].put(5)
        assert (await anext(stream)).text == "b 5"
        assert inspector.follows == {"a": T0 + timedelta(seconds=1), "b": None}
        await inspector.live["a"].put(None)  # one pod's stream ends; the other goes on
        await inspector.live["b"].put(7)
        assert (await anext(stream)).text == "b 7"
        await inspector.live["b"].put(None)
        assert [line async for line in stream] == []


async def test_closing_the_stream_stops_every_pods_stream() -> None:
    inspector = FakeInspector({"a": [1], "b": [2]})
    stream = interleaved_logs(inspector, "ns", ["a", "b"], container="app", follow=True)
    async with asyncio.timeout(DEADLINE):
        await anext(stream)
        await anext(stream)
        await inspector.live["a"].put(3)
        await anext(stream)
        await stream.aclose()
    assert inspector.closed == {"a", "b"}
