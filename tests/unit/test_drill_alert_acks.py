"""Acknowledging the drill's alerts: a silence in the drill's world, as Alertmanager would make it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from modulo_watch.collectors.alertmanager.acks import AlertSourceError, Matcher
from modulo_watch.collectors.clock import DrillClock
from modulo_watch.collectors.drill import Scenario, load_scenario
from modulo_watch.collectors.drill.alert_actions import DrillAlertActions
from modulo_watch.collectors.models import Alert, AlertState
from tests.fakes import EPOCH

MINUTE = 60.0


@dataclass
class Drill:
    scenario: Scenario
    clock: DrillClock
    actions: DrillAlertActions

    def alerts(self, minute: float) -> dict[str, list[Alert]]:
        """The drill's alerts at ``minute``, by name."""
        found: dict[str, list[Alert]] = {}
        for alert in self.scenario.world_at(minute * MINUTE, EPOCH).alerts.alerts:
            found.setdefault(alert.name, []).append(alert)
        return found


@pytest.fixture
def drill() -> Drill:
    scenario = load_scenario("bad-deploy")
    clock = DrillClock(start=EPOCH, speed=1.0)
    clock.pause()
    return Drill(scenario, clock, DrillAlertActions(scenario, clock, EPOCH))


async def test_an_acknowledgement_suppresses_what_it_matches_until_it_ends(
    drill: Drill,
) -> None:
    clock, actions = drill.clock, drill.actions
    clock.jump_to(12 * MINUTE)
    silence_id = await actions.acknowledge(
        [Matcher("alertname", "KubePodCrashLooping")], "alice@bastion", "INC-1", timedelta(minutes=15)
    )

    during = drill.alerts(12.5)
    for alert in during["KubePodCrashLooping"]:
        assert alert.state == AlertState.SUPPRESSED and alert.silenced_by == (silence_id,)
        assert alert.acknowledgement is not None
        assert alert.acknowledgement.by == "alice@bastion"
        assert alert.acknowledgement.until == EPOCH + timedelta(minutes=27)
    assert [a.state for a in during["HighErrorRate"]] == [AlertState.ACTIVE], "other alerts fire on"

    before = drill.alerts(11.9)  # the world before the acknowledgement is unchanged
    assert all(a.acknowledgement is None for a in before["KubePodCrashLooping"])


async def test_an_acknowledgement_ends_on_time_and_the_alert_fires_again(
    drill: Drill,
) -> None:
    clock, actions = drill.clock, drill.actions
    clock.jump_to(8 * MINUTE)
    await actions.acknowledge([Matcher("alertname", "HighErrorRate")], "bob", "", timedelta(minutes=5))
    assert drill.alerts(12.9)["HighErrorRate"][0].state == AlertState.SUPPRESSED
    assert drill.alerts(13.1)["HighErrorRate"][0].state == AlertState.ACTIVE


async def test_taking_an_acknowledgement_back_ends_its_silence_then(
    drill: Drill,
) -> None:
    clock, actions = drill.clock, drill.actions
    clock.jump_to(8 * MINUTE)
    silence_id = await actions.acknowledge(
        [Matcher("severity", "critical")], "bob", "", timedelta(minutes=15)
    )
    clock.jump_to(10 * MINUTE)
    await actions.unacknowledge(silence_id)
    assert drill.alerts(9.5)["HighErrorRate"][0].state == AlertState.SUPPRESSED
    assert drill.alerts(10.5)["HighErrorRate"][0].acknowledgement is None

    with pytest.raises(AlertSourceError, match="not active"):
        await actions.unacknowledge(silence_id)


async def test_a_silence_matches_on_every_matcher(
    drill: Drill,
) -> None:
    clock, actions = drill.clock, drill.actions
    clock.jump_to(12 * MINUTE)
    pod = "modulo-api-5659dd754f-4qfwx"
    await actions.acknowledge(
        [Matcher("alertname", "KubePodCrashLooping"), Matcher("pod", pod)], "alice", "", timedelta(minutes=15)
    )
    crash = drill.alerts(12.5)["KubePodCrashLooping"]
    silenced = [dict(a.labels)["pod"] for a in crash if a.state == AlertState.SUPPRESSED]
    assert silenced == [pod] and len(crash) == 4
