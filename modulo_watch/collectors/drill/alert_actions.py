"""The drill's alert actions: an acknowledgement silences the drill's alerts as Alertmanager's would."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from modulo_watch.collectors.alertmanager.acks import AlertSourceError, Matcher
from modulo_watch.collectors.drill.collectors import WORLD_TICK
from modulo_watch.collectors.drill.engine import Scenario
from modulo_watch.collectors.drill.inspect import DrillTime


class SilenceNotFound(AlertSourceError):
    """Expiring a silence that has already ended, as Alertmanager answers such a DELETE."""


class DrillAlertActions:
    def __init__(self, scenario: Scenario, clock: DrillTime, start: datetime) -> None:
        self._scenario = scenario
        self._clock = clock
        self._start = start

    async def acknowledge(
        self, matchers: Sequence[Matcher], author: str, comment: str, duration: timedelta
    ) -> str:
        if not matchers:
            raise ValueError("a silence needs at least one matcher")
        return self._scenario.acknowledge_alerts(
            matchers, self._now(), duration, author, comment, self._start
        )

    async def unacknowledge(self, silence_id: str) -> None:
        if not self._scenario.unacknowledge_alerts(silence_id, self._now()):
            raise SilenceNotFound(f"silence {silence_id} is not active")

    def _now(self) -> float:
        # At the world tick the collectors show now: a paused drill shows the change at once.
        elapsed = self._clock.elapsed
        return elapsed - elapsed % WORLD_TICK

    async def aclose(self) -> None:
        """Nothing to release: the drill's world is computed."""
