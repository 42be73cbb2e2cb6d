"""The app store: the latest snapshot and status of every source, and who wants to hear of changes."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from modulo_watch.collectors.models import Snapshot, SourceName, SourceStatus

Subscriber = Callable[[SourceName], None]


class Hub:
    """Holds the newest snapshot per source (older ones are simply replaced) and its status.

    Subscribers are called with the source's name after every change; they read what they
    need from the hub, so a slow reader only ever sees the newest data.
    """

    def __init__(self) -> None:
        self._snapshots: dict[SourceName, Snapshot] = {}
        self._statuses: dict[SourceName, SourceStatus] = {}
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add a subscriber; returns a function that removes it."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def publish_snapshot(self, source: SourceName, snapshot: Snapshot) -> None:
        self._snapshots[source] = snapshot
        self._notify(source)

    def publish_status(self, status: SourceStatus) -> None:
        if self._statuses.get(status.source) == status:
            return
        self._statuses[status.source] = status
        self._notify(status.source)

    def forget_snapshots(self, sources: Iterable[SourceName]) -> None:
        """Drop the sources' data: it came from a cluster they no longer watch. Their status stays
        until their new runner reports."""
        for source in sources:
            if self._snapshots.pop(source, None) is not None:
                self._notify(source)

    def snapshot(self, source: SourceName) -> Snapshot | None:
        return self._snapshots.get(source)

    def status(self, source: SourceName) -> SourceStatus | None:
        return self._statuses.get(source)

    def _notify(self, source: SourceName) -> None:
        for subscriber in tuple(self._subscribers):
            subscriber(source)
