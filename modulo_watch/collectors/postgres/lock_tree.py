"""Blocking chains as a tree: root blockers first, each with everything it holds up beneath it.

A session waiting on several blockers (two readers in front of an ALTER TABLE, say) appears under
each of them, as it really waits on all; its own waiters are drawn once, under its first blocker, so a
tangle of locks cannot multiply the rows. Kept apart from psycopg, so the drill's pane uses it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from modulo_watch.collectors.models import PgBackend


@dataclass(frozen=True, slots=True)
class LockNode:
    backend: PgBackend
    depth: int  # 0 for a root blocker
    blocks: int  # sessions held up by this one, directly or through others
    repeated: bool = False  # already drawn (with its waiters) under another blocker


def waiters_of(backends: Iterable[PgBackend]) -> dict[int, list[PgBackend]]:
    """Each blocking pid with the sessions waiting on it directly, by pid."""
    waiting: dict[int, list[PgBackend]] = {}
    for backend in sorted(backends, key=lambda b: b.pid):
        for blocker in backend.blocked_by:
            waiting.setdefault(blocker, []).append(backend)
    return waiting


def held_up(pid: int, waiting: dict[int, list[PgBackend]]) -> set[int]:
    """Every session ``pid`` holds up, directly or through the sessions waiting on it."""
    seen: set[int] = set()
    stack = [pid]
    while stack:
        for waiter in waiting.get(stack.pop(), ()):
            if waiter.pid not in seen and waiter.pid != pid:
                seen.add(waiter.pid)
                stack.append(waiter.pid)
    return seen


def unlisted(pid: int) -> PgBackend:
    """A blocker outside the list: a server process (autovacuum …) or a session we may not see."""
    return PgBackend(pid, "", "", "", "", "", "(not a client session: autovacuum, or hidden from this role)")


def lock_tree(backends: Iterable[PgBackend]) -> list[LockNode]:
    """The tree in drawing order: roots (blocking, not blocked) holding up the most first.

    A session waiting on several blockers is drawn in full under the first; under each other root it is
    drawn again, marked ``repeated``, so every root shows all it holds up. Within one root's tree it is
    drawn once: a queue of row-lock waiters each waits on all ahead of it, and would fill the screen.
    """
    backends = list(backends)
    by_pid = {backend.pid: backend for backend in backends}
    waiting = waiters_of(backends)
    counts = {pid: len(held_up(pid, waiting)) for pid in waiting}
    for pid in waiting.keys() - by_pid.keys():  # a blocker we do not list is still the root of its chain
        by_pid[pid] = unlisted(pid)
    roots = [by_pid[pid] for pid in waiting if not by_pid[pid].blocked_by]
    roots.sort(key=lambda root: (-counts[root.pid], root.pid))
    nodes: list[LockNode] = []
    drawn: set[int] = set()

    def draw(backend: PgBackend, depth: int, tree: set[int]) -> None:
        if backend.pid in tree:
            return  # already under another of its blockers in this tree, whose WAIT column names them all
        tree.add(backend.pid)
        repeated = backend.pid in drawn
        nodes.append(LockNode(backend, depth, counts.get(backend.pid, 0), repeated))
        if repeated:
            return
        drawn.add(backend.pid)
        for waiter in waiting.get(backend.pid, ()):
            draw(waiter, depth + 1, tree)

    for root in roots:
        draw(root, 0, set())
    return nodes
