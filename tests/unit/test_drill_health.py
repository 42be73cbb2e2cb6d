"""The drill's health checks: the scenario format, the shipped scenarios' story, and the drill collector."""

from __future__ import annotations

from datetime import timedelta

import pytest

from modulo_watch.collectors.drill import ScenarioError, drill_collectors, load_scenario, parse_scenario
from modulo_watch.collectors.drill.engine import Scenario
from modulo_watch.collectors.drill.health import PROBE_STEP
from modulo_watch.collectors.models import HealthProbe, HealthSnapshot, ProbeFailure, SourceName
from tests.fakes import EPOCH, FakeClock

TINY = """\
[scenario]
name = "tiny"
title = "A tiny drill"
description = "One node, one deployment, two checks."
duration = "20m"

[incident]
title = "tiny trouble"
severity = "P3"
impact = "none"

[cluster]
namespaces = ["modulo"]

[[node]]
name = "worker-a-1"

[[workload]]
name = "modulo-api"
namespace = "modulo"
replicas = 2

[[health_check]]
name = "API"
url = "https://user:pw@api.example.com/healthz"
latency_ms = 40

[[health_check]]
name = "Login"
url = "https://example.com/login"
latency_ms = 100
timeout = "2s"
"""


def tiny(events: str = "") -> Scenario:
    return Scenario(parse_scenario(TINY + events, "tiny.toml"))


def probes_at(scenario: Scenario, minutes: float) -> dict[str, HealthProbe]:
    snapshot = scenario.world_at(minutes * 60, EPOCH).health
    assert snapshot.collected_at == EPOCH + timedelta(minutes=minutes)
    return {probe.name: probe for probe in snapshot.probes}


def test_checks_are_healthy_until_an_event_says_otherwise() -> None:
    probes = probes_at(tiny(), 5)

    assert list(probes) == ["API", "Login"]
    assert all(probe.ok and probe.status_code == 200 for probe in probes.values())
    api = probes["API"]
    assert api.latency is not None and 0.028 <= api.latency <= 0.052  # 40 ms, give or take the noise
    assert api.url == "https://***@api.example.com/healthz"
    assert api.checked_at == EPOCH + timedelta(minutes=5)


def test_a_failing_check_remembers_since_when_and_its_last_failure_after_recovery() -> None:
    scenario = tiny(
        """
[[event]]
at = "2m"
health = "API"
status = 503

[[event]]
at = "6m"
health = "API"
"""
    )

    failing = probes_at(scenario, 4)["API"]
    recovered = probes_at(scenario, 8)["API"]

    assert failing.failure is ProbeFailure.STATUS and failing.error == "503 Service Unavailable"
    assert failing.failing_since == EPOCH + timedelta(minutes=2)
    assert recovered.ok and recovered.failing_since is None
    assert recovered.last_failure == EPOCH + timedelta(minutes=6) - timedelta(seconds=PROBE_STEP)
    assert recovered.last_error == "503 Service Unavailable"
    assert probes_at(scenario, 8)["Login"].last_failure is None  # the other check never failed


def test_errors_and_a_latency_past_the_timeout() -> None:
    scenario = tiny(
        """
[[event]]
at = "1m"
health = "API"
error = "refused"

[[event]]
at = "1m"
health = "Login"
latency_ms = 5000
over = "2m"
"""
    )

    probes = probes_at(scenario, 4)

    assert probes["API"].failure is ProbeFailure.REFUSED and probes["API"].error == "connection refused"
    assert probes["Login"].failure is ProbeFailure.TIMEOUT and probes["Login"].error == "no answer within 2 s"
    assert probes["Login"].latency is None


def test_a_share_of_probes_fail() -> None:
    scenario = tiny(
        """
[[event]]
at = "0s"
health = "API"
status = 502
share = 0.5
"""
    )

    outcomes = [probes_at(scenario, step * PROBE_STEP / 60)["API"].ok for step in range(60)]

    assert 10 <= outcomes.count(False) <= 50  # some of each: intermittent, not down


def test_the_same_moment_is_the_same_world_whatever_came_before() -> None:
    scenario = load_scenario("bad-deploy")
    later_first = load_scenario("bad-deploy")
    probes_at(later_first, 25)  # jump ahead, then back

    for minute in (3, 9, 14.5, 21):
        assert probes_at(scenario, minute) == probes_at(later_first, minute)


def test_bad_deploy_payments_fails_while_the_error_ratio_is_high() -> None:
    scenario = load_scenario("bad-deploy")

    before, during, after = (probes_at(scenario, minute) for minute in (4, 14, 26))

    assert all(probe.ok for probe in before.values())
    assert during["Payments"].status_code == 502 and during["Payments"].failing_since is not None
    assert during["Login"].ok
    assert all(probe.ok for probe in after.values())
    assert after["API"].last_failure is not None and after["Payments"].last_failure is not None


def test_bad_deploy_api_fails_intermittently() -> None:
    scenario = load_scenario("bad-deploy")

    api = [probes_at(scenario, 6 + step * PROBE_STEP / 60)["API"] for step in range(60)]

    assert any(probe.ok for probe in api) and any(not probe.ok for probe in api)


def test_db_connections_login_slows_then_times_out_then_recovers() -> None:
    scenario = load_scenario("db-connections")

    slow, stuck, recovered = (probes_at(scenario, minute)["Login"] for minute in (8, 15, 26))

    assert slow.ok and slow.latency is not None and slow.latency > 0.4
    assert stuck.failure is ProbeFailure.TIMEOUT
    assert recovered.ok and recovered.last_error == "no answer within 3 s"


def test_a_scenario_without_checks_has_an_empty_health_snapshot() -> None:
    scenario = load_scenario("node-disk-pressure")

    assert scenario.world_at(600, EPOCH).health == HealthSnapshot(EPOCH + timedelta(minutes=10), ())


async def test_the_drill_collector_serves_the_health_and_its_outage() -> None:
    scenario = tiny(
        """
[[event]]
at = "3m"
source_down = "health"
duration = "1m"
"""
    )
    clock = FakeClock()
    clock.elapsed = 60
    collector = next(c for c in drill_collectors(scenario, clock) if c.source is SourceName.HEALTH)

    snapshot = await collector.fetch()
    assert isinstance(snapshot, HealthSnapshot) and len(snapshot.probes) == 2
    clock.elapsed = 3 * 60 + 30
    with pytest.raises(ConnectionError, match="health unreachable"):
        await collector.fetch()


@pytest.mark.parametrize(
    ("extra", "fragment", "message"),
    [
        (
            '\n[[event]]\nat = "1m"\nhealth = "Payments"\n',
            'health = "Payments"',
            "unknown health check 'Payments' (expected one of: API, Login)",
        ),
        (
            '\n[[event]]\nat = "1m"\nhealth = "API"\nstatus = 503\nerror = "timeout"\n',
            "status = 503",
            "a probe that fails with an 'error' gets no 'status'",
        ),
        (
            '\n[[event]]\nat = "1m"\nhealth = "API"\nerror = "reset"\n',
            'error = "reset"',
            "unknown health error 'reset'",
        ),
        (
            '\n[[event]]\nat = "1m"\nhealth = "API"\nstatus = 700\n',
            "status = 700",
            "'status' must be an HTTP",
        ),
        (
            '\n[[event]]\nat = "1m"\nhealth = "API"\nshare = 2\n',
            "share = 2",
            "'share' must be between 0 and 1",
        ),
        (
            '\n[[health_check]]\nname = "API"\nurl = "https://b"\n',
            'name = "API"\nurl = "https://b"',
            "a health check named 'API' is already defined",
        ),
        ('\n[[health_check]]\nname = "X"\n', '[[health_check]]\nname = "X"', "missing key 'url'"),
        (
            '\n[[health_check]]\nname = "X"\nurl = "https://x"\nlatncy_ms = 3\n',
            "latncy_ms",
            "unknown key 'latncy_ms' (did you mean 'latency_ms'?)",
        ),
    ],
)
def test_mistakes_are_reported_on_their_line(extra: str, fragment: str, message: str) -> None:
    text = TINY + extra

    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "tiny.toml")

    line = text[: text.rindex(fragment)].count("\n") + 1
    assert str(caught.value).startswith(f"tiny.toml:{line}: ")
    assert message in str(caught.value)


def test_a_health_event_needs_a_declared_check() -> None:
    text = TINY[: TINY.index("[[health_check]]")] + '[[event]]\nat = "1m"\nhealth = "API"\n'

    with pytest.raises(ScenarioError, match=r"declare the check first, as a \[\[health_check\]\] table"):
        parse_scenario(text, "tiny.toml")
