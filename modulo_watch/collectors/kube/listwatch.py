"""List then watch one kind of Kubernetes object, keeping a cache keyed like ``namespace/name``.

Done the way the API asks (api-concepts "Efficient detection of changes"): a paginated list gives a
consistent snapshot and its resourceVersion; a watch from that version with bookmarks carries every
change after it; a 410 Gone (history compacted, or a continue token expired) means relist and
rebuild the cache, so no ghost or missing rows survive it.

Each ``step`` does a bounded amount of work and returns, so the collector runner stays in charge of
timeouts, backoff and the source's status. A failure raises; the next step resumes from the last
resourceVersion seen.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from modulo_watch.collectors.kube.decode import ListPage, WatchEvent, list_continue

T = TypeVar("T")

GONE = 410
PAGE_SIZE = 2000  # kubectl asks for 500; fewer, bigger pages cut the per-page cost of a 150k list by a fifth
# The server ends each watch after this long; a fresh one from the last version is cheap and proves
# the connection is alive.
WATCH_SECONDS = 45
# A stream silent for longer than this (no event, no bookmark, not even its normal end) is taken
# for a half-open connection: noticed within a minute.
SILENT_STREAM_SECONDS = WATCH_SECONDS + 10.0
# Opening a watch is one round trip; a server that accepts and never answers is as good as down.
OPEN_TIMEOUT = 30.0
MAX_RELISTS_PER_STEP = 3


class Stream(Protocol):
    """What a watch response must offer: newline-delimited events, and a way to let go of it."""

    async def readline(self) -> bytes: ...

    def close(self) -> None: ...


class KubeApiError(Exception):
    """The API answered with an error status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


PageFetcher = Callable[[str | None, int], Awaitable[bytes]]  # (continue token, limit) -> body
WatchOpener = Callable[[str, int], Awaitable[Stream]]  # (resourceVersion, timeoutSeconds) -> stream


@dataclass(frozen=True, slots=True)
class Endpoint(Generic[T]):
    """How to list, watch and decode one kind; the calls raise ``KubeApiError`` for error statuses."""

    kind: str
    list_page: PageFetcher
    open_watch: WatchOpener
    decode_page: Callable[[bytes], ListPage[T]]
    decode_event: Callable[[bytes], WatchEvent[T]]
    key: Callable[[T], str]
    peek_continue: Callable[[bytes], str | None] = list_continue


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """For decoding big responses: they create millions of objects that survive, and the cyclic
    collector would walk them again and again as they pile up, stalling the screen each time, to free
    nothing (refcounting still frees what is dropped)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class ListWatch(Generic[T]):
    """The cache of one kind. ``version`` grows with every change, so readers can tell when to rebuild."""

    def __init__(self, endpoint: Endpoint[T], page_size: int | None = None) -> None:
        self._endpoint = endpoint
        self._page_size = page_size  # None: PAGE_SIZE, as it is when the list starts
        self.items: dict[str, T] = {}
        self.version = 0
        # The keys changed since ``drain_changes``; None after a relist: everything may have changed.
        self._changed: set[str] | None = None
        self.relists = 0
        self._resource_version: str | None = None
        self._stream: Stream | None = None
        self._last_line = time.monotonic()

    @property
    def synced(self) -> bool:
        return self._resource_version is not None

    async def step(self, window: float) -> None:
        """List if there is no valid snapshot yet, else follow the watch for up to ``window`` seconds."""
        if self._resource_version is None:
            await self._relist()
        else:
            await self._follow(window)

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    async def _relist(self) -> None:
        self.close()
        for _ in range(MAX_RELISTS_PER_STEP):
            try:
                items, resource_version = await self._list_without_collections()
            except KubeApiError as exc:
                if exc.status == GONE:  # the continue token expired mid-list: start over
                    continue
                raise
            self.items = items
            self._resource_version = resource_version
            self._changed = None
            self.version += 1
            self.relists += 1
            # The cache lives long: move it out of the collector's way, or every full collection walks
            # 150k pods and stalls the screen for a second. Freed pods are still freed by refcount.
            gc.freeze()
            return
        raise KubeApiError(GONE, f"{self._endpoint.kind}: the list kept expiring before it was complete")

    async def _list_without_collections(self) -> tuple[dict[str, T], str]:
        with cyclic_gc_paused():
            return await self._list_all()

    async def _list_all(self) -> tuple[dict[str, T], str]:
        """Every page, each decoded in a thread while the next one is fetched: the server works on
        page n+1 while we decode page n, instead of each waiting for the other."""
        endpoint, items = self._endpoint, {}
        limit = self._page_size or PAGE_SIZE
        resource_version = ""
        raw = await endpoint.list_page(None, limit)
        while True:
            token = endpoint.peek_continue(raw)
            following = asyncio.ensure_future(endpoint.list_page(token, limit)) if token else None
            try:
                page = await asyncio.to_thread(endpoint.decode_page, raw)
            except BaseException:
                _abandon(following)
                raise
            for item in page.items:
                items[endpoint.key(item)] = item
            resource_version = resource_version or page.resource_version
            if following is None or page.continue_token != token:
                _abandon(following)
                if page.continue_token:  # the peek could not read what the page says: go on in step
                    raw = await endpoint.list_page(page.continue_token, limit)
                    continue
                return items, resource_version
            raw = await following

    async def _follow(self, window: float) -> None:
        deadline = time.monotonic() + window
        if self._stream is None:
            self._stream = await self._open_watch()
            self._last_line = time.monotonic()
        while (remaining := deadline - time.monotonic()) > 0:
            line = await self._next_line(remaining)
            if line is None:
                return
            if not line:  # the server ended the watch (timeoutSeconds): resume from the last version
                self.close()
                return
            if not self._apply(self._endpoint.decode_event(line)):
                return

    async def _open_watch(self) -> Stream:
        assert self._resource_version is not None
        try:
            async with asyncio.timeout(OPEN_TIMEOUT):
                return await self._endpoint.open_watch(self._resource_version, WATCH_SECONDS)
        except TimeoutError:
            raise ConnectionError(
                f"{self._endpoint.kind} watch: no answer within {OPEN_TIMEOUT:.0f} s"
            ) from None

    async def _next_line(self, wait: float) -> bytes | None:
        """The next line, b"" at the end of the stream, None if nothing came within ``wait``."""
        assert self._stream is not None
        try:
            async with asyncio.timeout(wait):
                line = await self._stream.readline()
        except TimeoutError:
            if time.monotonic() - self._last_line > SILENT_STREAM_SECONDS:
                self.close()
                raise ConnectionError(
                    f"{self._endpoint.kind} watch silent for {SILENT_STREAM_SECONDS:.0f} s; reconnecting"
                ) from None
            return None
        self._last_line = time.monotonic()
        return line

    def _apply(self, event: WatchEvent[T]) -> bool:
        """Apply one watch event; False when the watch must stop (it ended in an error)."""
        if event.error is not None:
            self.close()
            if event.error.gone:  # history compacted past our version: relist on the next step
                self._resource_version = None
                return False
            raise KubeApiError(event.error.code, f"{self._endpoint.kind} watch: {event.error.message}")
        if event.resource_version:
            self._resource_version = event.resource_version
        if event.type == "BOOKMARK" or event.object is None:
            return True
        key = self._endpoint.key(event.object)
        if event.type == "DELETED":
            self.items.pop(key, None)
        else:
            self.items[key] = event.object
        if self._changed is not None:
            self._changed.add(key)
        self.version += 1
        return True

    def drain_changes(self) -> set[str] | None:
        """The keys added, changed or deleted since the last call; None when the cache was rebuilt
        since (the first list, or a relist), so a reader must start over from ``items``."""
        changed, self._changed = self._changed, set()
        return changed


def _abandon(fetch: asyncio.Future[bytes] | None) -> None:
    """Cancel a prefetch that is no longer wanted; its outcome is taken, so no error goes unheard."""
    if fetch is not None:
        fetch.cancel()
        fetch.add_done_callback(lambda done: done.cancelled() or done.exception())
