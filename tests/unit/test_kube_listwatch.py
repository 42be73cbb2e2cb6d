"""ListWatch on its own, through scripted pages and streams: the paths the loopback server cannot
reach on demand, such as a stream that stays silent with its connection open."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import pytest

from modulo_watch.collectors.kube import listwatch
from modulo_watch.collectors.kube.decode import ListPage, WatchEvent, WatchStatus
from modulo_watch.collectors.kube.listwatch import Endpoint, KubeApiError, ListWatch, Stream


class ScriptedStream:
    """A watch stream that hands out its lines, then either ends or stays silent forever."""

    def __init__(self, lines: list[bytes], *, silent_after: bool = False) -> None:
        self._lines = lines
        self._silent_after = silent_after
        self.closed = False

    async def readline(self) -> bytes:
        if self._lines:
            return self._lines.pop(0)
        if self._silent_after:
            await asyncio.Event().wait()  # a half-open connection: nothing, ever
        return b""

    def close(self) -> None:
        self.closed = True


class Server:
    """Pages of names, and the streams to hand out, in order."""

    def __init__(self, pages: list[list[str]], streams: list[ScriptedStream]) -> None:
        self.pages = pages
        self.streams = streams
        self.lists = 0
        self.watched_from: list[str] = []

    async def list_page(self, token: str | None, limit: int) -> bytes:
        index = int(token or 0)
        if index == 0:
            self.lists += 1
        following = str(index + 1) if index + 1 < len(self.pages) else None
        return json.dumps({"rv": "100", "continue": following, "items": self.pages[index]}).encode()

    async def open_watch(self, resource_version: str, seconds: int) -> Stream:
        self.watched_from.append(resource_version)
        return self.streams.pop(0)


def decode_page(raw: bytes) -> ListPage[str]:
    body = json.loads(raw)
    return ListPage(tuple(body["items"]), body["rv"], body["continue"])


def decode_event(line: bytes) -> WatchEvent[str]:
    body = json.loads(line)
    if body["type"] == "ERROR":
        return WatchEvent("ERROR", "", error=WatchStatus(body["code"], "", "too old"))
    return WatchEvent(body["type"], body["rv"], body.get("name"))


def event(kind: str, rv: str, name: str | None = None) -> bytes:
    return json.dumps({"type": kind, "rv": rv, "name": name}).encode() + b"\n"


def peek(raw: bytes) -> str | None:
    token: str | None = json.loads(raw)["continue"]
    return token


def list_watch(server: Server, *, prefetch: bool = True) -> ListWatch[str]:
    """With ``prefetch``, the next page is fetched while this one is decoded; without, the token
    cannot be read ahead (as with a body that is not a list) and the pages come one after another."""
    endpoint = Endpoint("things", server.list_page, server.open_watch, decode_page, decode_event, str)
    return ListWatch(replace(endpoint, peek_continue=peek) if prefetch else endpoint)


@pytest.mark.parametrize("prefetch", [True, False])
async def test_pages_make_one_cache_and_the_watch_starts_from_the_lists_version(prefetch: bool) -> None:
    stream = ScriptedStream([event("ADDED", "101", "c"), event("DELETED", "102", "a")])
    server = Server([["a"], ["b"], ["d", "e"]], [stream])
    watch = list_watch(server, prefetch=prefetch)
    await watch.step(1.0)
    assert set(watch.items) == {"a", "b", "d", "e"} and watch.synced
    await watch.step(1.0)
    assert server.watched_from == ["100"]
    assert set(watch.items) == {"b", "c", "d", "e"}


async def test_a_page_that_fails_to_decode_fails_the_list_and_drops_the_prefetch() -> None:
    server = Server([["a"], ["b"]], [])
    fetched: list[str | None] = []

    async def list_page(token: str | None, limit: int) -> bytes:
        fetched.append(token)
        return await server.list_page(token, limit)

    def decode_broken(raw: bytes) -> ListPage[str]:
        raise ValueError("garbage")

    endpoint = Endpoint("things", list_page, server.open_watch, decode_broken, decode_event, str, peek)
    watch = ListWatch(endpoint)
    with pytest.raises(ValueError, match="garbage"):
        await watch.step(1.0)
    assert not watch.synced and fetched[0] is None


async def test_a_silent_stream_is_taken_for_a_dead_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listwatch, "SILENT_STREAM_SECONDS", 0.05)
    silent = ScriptedStream([event("BOOKMARK", "105")], silent_after=True)
    server = Server([["a"]], [silent, ScriptedStream([event("ADDED", "106", "b")])])
    watch = list_watch(server)
    await watch.step(1.0)
    with pytest.raises(ConnectionError, match="silent"):
        await watch.step(0.2)
    assert silent.closed
    await watch.step(0.05)  # the next step reconnects from the bookmark, without relisting
    assert server.watched_from == ["100", "105"] and server.lists == 1
    assert set(watch.items) == {"a", "b"}


async def test_a_quiet_window_is_not_an_error_while_the_stream_is_young() -> None:
    server = Server([["a"]], [ScriptedStream([], silent_after=True)])
    watch = list_watch(server)
    await watch.step(1.0)
    await watch.step(0.02)
    assert set(watch.items) == {"a"}


async def test_gone_relists_and_other_errors_raise() -> None:
    gone = ScriptedStream([json.dumps({"type": "ERROR", "code": 410}).encode() + b"\n"])
    broken = ScriptedStream([json.dumps({"type": "ERROR", "code": 500}).encode() + b"\n"])
    server = Server([["a"]], [gone, broken])
    watch = list_watch(server)
    await watch.step(1.0)
    await watch.step(1.0)  # the 410 drops the version ...
    server.pages = [["z"]]
    await watch.step(1.0)  # ... so this step relists, and the cache is rebuilt: no ghost "a"
    assert set(watch.items) == {"z"} and watch.relists == 2
    with pytest.raises(KubeApiError):
        await watch.step(1.0)
