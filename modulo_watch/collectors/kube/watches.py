"""The list-watches of one kind as a group: one cluster-wide, or one per configured namespace."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from modulo_watch.collectors.kube.connection import KubeConnection
from modulo_watch.collectors.kube.decode import Kind, decode_list, decode_watch_event
from modulo_watch.collectors.kube.listwatch import Endpoint, ListWatch

M = TypeVar("M")

PODS_FIRST_GRACE = 20.0
"""Seconds the views behind keys (events, rollouts) wait for the pods' first list before their own."""


async def after_pods(pods_listed: asyncio.Event | None) -> None:
    """Wait until the pods are listed, so on a big cluster their list has the machine to itself; a
    cluster whose pods cannot be listed (RBAC, say) holds the others back for a grace period only."""
    if pods_listed is None or pods_listed.is_set():
        return
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(PODS_FIRST_GRACE):
            await pods_listed.wait()


class WatchGroup(Generic[M]):
    """Lists and watches one kind (``plural`` under ``api``, "/api/v1" or "/apis/apps/v1") in every
    namespace, or in each configured one; reads as one cache."""

    def __init__(
        self,
        connection: KubeConnection,
        api: str,
        plural: str,
        namespaces: tuple[str, ...],
        kind: Kind[Any, M],
        key: Callable[[M], str],
        **query: object,
    ) -> None:
        paths = [f"{api}/namespaces/{namespace}/{plural}" for namespace in namespaces] or [f"{api}/{plural}"]
        self._watches = [
            ListWatch(
                Endpoint(
                    kind=plural,
                    list_page=connection.lister(path, **query),
                    open_watch=connection.watcher(path, **query),
                    decode_page=lambda raw: decode_list(raw, kind),
                    decode_event=lambda line: decode_watch_event(line, kind),
                    key=key,
                )
            )
            for path in paths
        ]

    @property
    def version(self) -> int:
        """Grows with every change at any path."""
        return sum(watch.version for watch in self._watches)

    @property
    def relists(self) -> int:
        return sum(watch.relists for watch in self._watches)

    @property
    def synced(self) -> bool:
        return all(watch.synced for watch in self._watches)

    def items(self) -> list[M]:
        """A copy, for a worker thread to read while the watches go on changing the caches."""
        return [item for watch in self._watches for item in watch.items.values()]

    def get(self, key: str) -> M | None:
        for watch in self._watches:
            item = watch.items.get(key)
            if item is not None:
                return item
        return None

    def drain_changes(self) -> set[str] | None:
        """The keys changed at any path since the last call; None when any cache was rebuilt since."""
        changes = [watch.drain_changes() for watch in self._watches]
        if any(changed is None for changed in changes):
            return None
        return set().union(*(changed for changed in changes if changed is not None))

    async def step(self, window: float) -> None:
        """List what is not listed yet, else follow the watches for ``window`` seconds in all."""
        for watch in self._watches:
            await watch.step(window / len(self._watches))

    def close(self) -> None:
        """Let go of the open streams; the next step resumes from the last version seen."""
        for watch in self._watches:
            watch.close()
