"""The lock tree: roots first, every waiter under each root it waits on, totals of sessions held up."""

from __future__ import annotations

from modulo_watch.collectors.models import PgBackend
from modulo_watch.collectors.postgres.lock_tree import lock_tree


def session(pid: int, *blocked_by: int) -> PgBackend:
    return PgBackend(pid, "db", "app", "api", "10.0.0.1", "active", f"query {pid}", blocked_by=blocked_by)


def drawn(backends: list[PgBackend]) -> list[tuple[int, int, int, bool]]:
    return [(node.backend.pid, node.depth, node.blocks, node.repeated) for node in lock_tree(backends)]


def test_a_chain_is_drawn_from_its_root_with_the_totals() -> None:
    sessions = [session(3, 2), session(2, 1), session(1), session(9)]
    assert drawn(sessions) == [(1, 0, 2, False), (2, 1, 1, False), (3, 2, 0, False)]


def test_a_waiter_on_two_blockers_is_under_both_and_its_own_waiters_once() -> None:
    # Two readers (10, 11) in front of an ALTER TABLE (20), a SELECT (30) queued behind the ALTER.
    sessions = [session(10), session(11), session(20, 10, 11), session(30, 20)]
    assert drawn(sessions) == [
        (10, 0, 2, False),
        (20, 1, 1, False),
        (30, 2, 0, False),
        (11, 0, 2, False),
        (20, 1, 1, True),
    ]


def test_a_queue_of_waiters_each_on_all_ahead_of_it_is_drawn_once_each() -> None:
    # Row-lock waiters: each waits on the holder's transaction and on every waiter queued before it.
    sessions = [session(1), session(2, 1), session(3, 2), session(4, 2, 3), session(5, 2, 3, 4)]
    assert drawn(sessions) == [
        (1, 0, 4, False),
        (2, 1, 3, False),
        (3, 2, 2, False),
        (4, 3, 1, False),
        (5, 4, 0, False),
    ]


def test_the_root_holding_up_the_most_comes_first() -> None:
    sessions = [session(1), session(2, 1), session(5), session(6, 5), session(7, 5)]
    assert [node.backend.pid for node in lock_tree(sessions) if node.depth == 0] == [5, 1]


def test_a_blocker_outside_the_list_is_still_a_root() -> None:
    nodes = lock_tree([session(4, 99)])
    assert [(node.backend.pid, node.depth) for node in nodes] == [(99, 0), (4, 1)]
    assert "autovacuum" in nodes[0].backend.query


def test_no_blocking_no_tree() -> None:
    assert lock_tree([session(1), session(2)]) == []
