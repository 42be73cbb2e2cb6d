"""The lines of one drill container run, at moments fixed by the seed.

Time is cut into slots of a profile's period; each slot holds zero to two lines whose moments and
texts depend only on (pod, container, slot). So the last 100 lines before any moment, or the lines
between two moments, can be produced without replaying the run from its start, and a followed log
shows exactly the lines a later tail would.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterator
from datetime import datetime, timedelta

from modulo_watch.collectors.drill.inspect_story import WAITING_STATUSES, Run, Worlds
from modulo_watch.collectors.drill.log_texts import Conditions, Dice, Facts, Profile, profile_of
from modulo_watch.collectors.drill.noise import text_key
from modulo_watch.collectors.drill.pod_life import CRASH_STATUSES

BANNER_GAP = 0.2  # seconds between a program's first lines
QUIET_START = 1.0  # no traffic lines in a run's first second
_CACHED_CONDITIONS = 512

Stamped = tuple[float, str]  # (drill seconds, text)


class ConditionsAt:
    """``Conditions`` by moment, from the world, computed once per bucket of a few periods."""

    def __init__(self, worlds: Worlds) -> None:
        self._worlds = worlds
        self._memo: OrderedDict[tuple[int, str, str], Conditions] = OrderedDict()

    def __call__(self, at: float, bucket: float, node: str, app: str) -> Conditions:
        key = (math.floor(at / bucket), node, app)
        conditions = self._memo.get(key)
        if conditions is None:
            conditions = self._memo[key] = self._measure(key[0] * bucket, node, app)
            if len(self._memo) > _CACHED_CONDITIONS:
                self._memo.popitem(last=False)
        return conditions

    def _measure(self, at: float, node: str, app: str) -> Conditions:
        world = self._worlds.at(at)
        postgres = world.postgres
        troubled = next((n for n in world.nodes.nodes if n.name == node), None)
        peers_down = sum(
            1
            for pod in world.pods.pods
            if app
            and dict(pod.labels).get("app") == app
            and (pod.status in CRASH_STATUSES or pod.status in WAITING_STATUSES)
        )
        return Conditions(
            error_ratio=world.metrics.error_ratio.latest or 0.0,
            pg_load=len(postgres.backends) / max(postgres.max_connections, 1),
            lock_waits=postgres.waiting,
            node_trouble=troubled is not None and bool(troubled.pressures),
            peers_down=peers_down,
        )


class LogWriter:
    """Writes the log of container runs for one pod."""

    def __init__(self, conditions: ConditionsAt, start: datetime, seed: int, node: str, app: str) -> None:
        self._conditions = conditions
        self._start = start
        self._seed = seed
        self._node = node
        self._app = app

    def lines(self, run: Run, facts: Facts, low: float, high: float, limit: int | None) -> list[Stamped]:
        """The run's lines stamped in (``low``, ``high``], the last ``limit`` of them, oldest first."""
        if limit is not None and limit <= 0:
            return []
        seed = text_key(facts.container) ^ self._seed
        profile = profile_of(facts.container)
        banner = [(run.start + BANNER_GAP * (i + 1), text) for i, text in enumerate(profile.banner(facts))]
        ending: list[Stamped] = []
        if run.end is not None:
            texts = profile.endings.get(run.ending, ())
            ending = [(run.end - 0.001 * (len(texts) - i), text) for i, text in enumerate(texts)]
        picked: list[Stamped] = [line for line in reversed(ending) if low < line[0] <= high]
        body_end = min(high, ending[0][0] if ending else (run.end if run.end is not None else high))
        body_start = max(low, run.start + QUIET_START)
        for stamped in self._body(profile, seed, facts, body_start, body_end):
            if limit is not None and len(picked) >= limit:
                break
            picked.append(stamped)
        picked.extend(line for line in reversed(banner) if low < line[0] <= high)
        picked.reverse()
        return picked if limit is None else picked[-limit:]

    def _body(self, profile: Profile, seed: int, facts: Facts, low: float, high: float) -> Iterator[Stamped]:
        """Traffic lines in (low, high), newest first."""
        period = profile.period
        bucket = max(15.0, 5 * period)  # the world is read once a bucket: a tail costs a few dozen worlds
        slot = math.floor(high / period)
        while slot * period + period > low:
            dice = Dice(seed, slot)
            count = 0 if (roll := dice.roll()) < 0.15 else 1 if roll < 0.8 else 2
            moments = sorted(slot * period + period * dice.roll() for _ in range(count))
            for moment in reversed(moments):
                if low < moment < high:
                    world = self._conditions(moment, bucket, self._node, self._app)
                    when = self._start + timedelta(seconds=moment)
                    yield moment, profile.line(Dice(seed, slot, int(moment * 1000)), world, facts, when)
            slot -= 1
