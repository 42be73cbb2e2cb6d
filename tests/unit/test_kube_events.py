"""Choosing the newest events for the snapshot."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from modulo_watch.collectors.kube.events import newest_events
from modulo_watch.collectors.models import KubeEvent, event_order

NOW = datetime(2026, 5, 9, 12, 0, tzinfo=UTC)


def event(namespace: str, name: str, seconds_ago: int | None) -> KubeEvent:
    seen = None if seconds_ago is None else NOW - timedelta(seconds=seconds_ago)
    return KubeEvent(namespace, name, "Warning", "BackOff", "", "Pod", name, 1, seen, seen)


def names(events: tuple[KubeEvent, ...]) -> list[str]:
    return [e.key for e in events]


def test_newest_first_ties_by_namespace_and_name_never_seen_last() -> None:
    events = [
        event("b", "x", 5),
        event("a", "y", 5),
        event("a", "x", 5),
        event("a", "z", None),
        event("c", "w", 1),
    ]

    assert names(newest_events(events, limit=10)) == ["c/w", "a/x", "a/y", "b/x", "a/z"]


def test_the_limit_cuts_through_a_tie_in_the_same_place_whatever_the_input_order() -> None:
    events = [event(f"ns-{n % 7}", f"e-{n}", n % 50) for n in range(5_000)] + [event("a", "never", None)]
    expected = sorted(events, key=event_order)[:1_050]  # a hundred events a second: the cut splits one

    for seed in range(3):
        random.Random(seed).shuffle(events)
        assert list(newest_events(events, limit=1_050)) == expected
    kept, cut = set(expected), expected[-1].last_seen
    assert sum(1 for e in events if e.last_seen == cut and e not in kept) == 50


def test_fewer_events_than_the_limit_are_all_kept() -> None:
    events = [event("a", "old", None), event("a", "new", 0)]

    assert names(newest_events(events, limit=3)) == ["a/new", "a/old"]
    assert newest_events([], limit=3) == ()
