"""The long-lived responses: watch streams (newline-delimited JSON events) and followed pod logs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator, Mapping

from aiohttp import web
from aiohttp.client_exceptions import ClientConnectionResetError

from tests.kube_server.cluster import FakeCluster
from tests.kube_server.encoding import dumps
from tests.kube_server.logs import render
from tests.kube_server.resources import Filter, ResourceType
from tests.kube_server.status import ApiError
from tests.kube_server.store import with_kind

WRITE_CHUNK = 1 << 16  # bytes per write when replaying many events (a watch's initial state)


def event_line(kind: str, rtype: ResourceType, raw: bytes) -> bytes:
    return b'{"type":"%s","object":%s}\n' % (kind.encode(), with_kind(rtype, raw))


def bookmark_line(rtype: ResourceType, rv: int, initial_events_end: bool = False) -> bytes:
    metadata: dict[str, object] = {"resourceVersion": str(rv)}
    if initial_events_end:
        metadata["annotations"] = {"k8s.io/initial-events-end": "true"}
    marker = {"kind": rtype.kind, "apiVersion": rtype.api_version, "metadata": metadata}
    return b'{"type":"BOOKMARK","object":%s}\n' % dumps(marker)


@contextlib.contextmanager
def subscription(cluster: FakeCluster) -> Iterator[asyncio.Event]:
    """An event set (from whichever thread writes) after every change to the cluster or its logs."""
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()

    def notify() -> None:
        with contextlib.suppress(RuntimeError):  # the loop already closed: nobody is waiting any more
            loop.call_soon_threadsafe(wake.set)

    unsubscribe = cluster.subscribe(notify)
    try:
        yield wake
    finally:
        unsubscribe()


async def wait(event: asyncio.Event, seconds: float | None) -> None:
    """Until ``event`` is set or ``seconds`` pass (None: no limit)."""
    if seconds is not None and seconds <= 0:
        return
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()


class Writer:
    """Writes lines to a streamed response; a ``drop_stream_after`` fault cuts it after so many lines."""

    def __init__(self, request: web.Request, response: web.StreamResponse, drop_after: int | None) -> None:
        self._request = request
        self._response = response
        self._drop_after = drop_after
        self.sent = 0

    async def send(self, lines: list[bytes]) -> bool:
        """Write ``lines``; False once the stream is cut (no closing chunk, as a dying proxy leaves it),
        or once the client has gone."""
        try:
            return await self._send(lines)
        except ClientConnectionResetError:
            return False

    async def _send(self, lines: list[bytes]) -> bool:
        cut = self._drop_after is not None and self.sent + len(lines) >= self._drop_after
        if cut and self._drop_after is not None:
            lines = lines[: self._drop_after - self.sent]
        chunk: list[bytes] = []
        size = 0
        for line in lines:
            chunk.append(line)
            size += len(line)
            if size >= WRITE_CHUNK:
                await self._response.write(b"".join(chunk))
                chunk, size = [], 0
        if chunk:
            await self._response.write(b"".join(chunk))
        self.sent += len(lines)
        if cut and self._request.transport is not None:
            self._request.transport.close()  # flushes what was written, then FIN without the last chunk
        return not cut


def query_flag(query: Mapping[str, str], name: str) -> bool:
    return query.get(name) in ("true", "1")


def query_number(query: Mapping[str, str], name: str) -> int | None:
    value = query.get(name)
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ApiError(400, f'{name}: Invalid value: "{value}"') from None


def tailed(lines: list[tuple[float, str]], tail: int | None) -> list[tuple[float, str]]:
    return lines if tail is None else lines[max(0, len(lines) - tail) :]


def _start_version(query: Mapping[str, str]) -> int | None:
    """None for "start with the current state" (no resourceVersion, or "0"), else the exact start."""
    value = query.get("resourceVersion", "")
    if value in ("", "0"):
        return None
    try:
        return int(value)
    except ValueError:
        raise ApiError(400, f'invalid resourceVersion: "{value}"') from None


async def watch(
    request: web.Request,
    cluster: FakeCluster,
    rtype: ResourceType,
    selection: Filter,
    closing: asyncio.Event,
    drop_after: int | None,
) -> web.StreamResponse:
    query = request.query
    start = _start_version(query)
    initial = query_flag(query, "sendInitialEvents")
    if initial and query.get("resourceVersionMatch") != "NotOlderThan":
        raise ApiError(
            422, "resourceVersionMatch: Forbidden: sendInitialEvents requires NotOlderThan", "Invalid"
        )
    bookmarks = query_flag(query, "allowWatchBookmarks")
    timeout = query_number(query, "timeoutSeconds")
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    writer = Writer(request, response, drop_after)
    loop = asyncio.get_running_loop()
    deadline = None if timeout is None else loop.time() + timeout
    next_bookmark = loop.time() + cluster.bookmark_interval
    with subscription(cluster) as wake:
        if start is None or initial:
            objects, cursor = cluster.current_state(rtype.name, selection)
            lines = [event_line("ADDED", rtype, raw) for raw in objects]
            if initial and bookmarks:
                lines.append(bookmark_line(rtype, cursor, initial_events_end=True))
            if not await writer.send(lines):
                return response
        else:
            cursor = start
        while not closing.is_set():
            wake.clear()
            try:
                changes, reached = cluster.changes_since(cursor)
            except ApiError as gone:  # compacted away: the client must relist, as with a real apiserver
                await writer.send([b'{"type":"ERROR","object":%s}\n' % gone.body()])
                break
            lines = []
            for change in changes:
                kind = change.event_type(selection) if change.resource == rtype.name else None
                if kind is not None:
                    lines.append(event_line(kind, rtype, change.raw))
            cursor = reached
            now = loop.time()
            if bookmarks and now >= next_bookmark:
                lines.append(bookmark_line(rtype, cursor))
                next_bookmark = now + cluster.bookmark_interval
            if lines and not await writer.send(lines):
                return response
            if deadline is not None and now >= deadline:
                break
            wakeups = [
                moment for moment in (deadline, next_bookmark if bookmarks else None) if moment is not None
            ]
            await wait(wake, min(wakeups) - now if wakeups else None)
    return response


async def follow_log(
    request: web.Request,
    cluster: FakeCluster,
    key: tuple[str, str, str | None, bool],
    tail: int | None,
    closing: asyncio.Event,
    drop_after: int | None,
) -> web.StreamResponse:
    """The log's tail, then new lines as they come, until the log ends or the client leaves."""
    timestamps = query_flag(request.query, "timestamps")
    with subscription(cluster) as wake:
        buffer = cluster.pod_log(*key)  # an unknown pod or container is an error before the stream starts
        position = len(buffer.lines)
        pending = tailed(buffer.lines[:position], tail)
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        writer = Writer(request, response, drop_after)
        while True:
            wake.clear()
            if pending and not await writer.send(render(pending, timestamps).splitlines(keepends=True)):
                break
            if closing.is_set() or (buffer.ended and position >= len(buffer.lines)):
                break
            await wait(wake, None)
            pending = buffer.lines[position:]
            position += len(pending)
    return response
