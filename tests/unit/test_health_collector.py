"""The health collector's logic, without a network: judging an answer or an error, remembering failures."""

from __future__ import annotations

import errno
import socket
import ssl
from datetime import timedelta

import httpx
import pytest

from modulo_watch.collectors.health import (
    FETCH_MARGIN,
    HealthCollector,
    ProbeOutcome,
    judge_error,
    judge_status,
    record,
)
from modulo_watch.collectors.models import HealthProbe, ProbeFailure, SourceName
from modulo_watch.config import HealthCheck, HealthSettings
from tests.fakes import EPOCH, FakeClock

OK = ProbeOutcome(0.042, 200)
DOWN = ProbeOutcome(0.010, 503, ProbeFailure.STATUS, "503 Service Unavailable")
TIMED_OUT = ProbeOutcome(None, failure=ProbeFailure.TIMEOUT, error="no answer within 3 s")


def run(outcomes: list[ProbeOutcome]) -> list[HealthProbe]:
    """Each outcome recorded 10 s after the previous one, as the collector does."""
    probes: list[HealthProbe] = []
    for step, outcome in enumerate(outcomes):
        at = EPOCH + timedelta(seconds=10 * step)
        probes.append(record("API", "https://api/healthz", outcome, at, probes[-1] if probes else None))
    return probes


def test_a_healthy_probe_has_no_failure_to_remember() -> None:
    [probe] = run([OK])

    assert probe.ok and probe.status_code == 200 and probe.latency == 0.042
    assert (probe.error, probe.last_failure, probe.last_error, probe.failing_since) == (
        None,
        None,
        None,
        None,
    )
    assert probe.checked_at == EPOCH


def test_failing_since_is_the_first_failure_of_the_run() -> None:
    first, second, third = run([DOWN, TIMED_OUT, DOWN])

    assert not third.ok and third.failure is ProbeFailure.STATUS
    assert third.failing_since == first.checked_at
    assert third.last_failure == third.checked_at
    assert second.error == "no answer within 3 s" and second.latency is None


def test_a_recovery_keeps_the_last_failure_and_ends_the_run() -> None:
    probes = run([OK, DOWN, TIMED_OUT, OK, OK])

    recovered = probes[-1]
    assert recovered.ok and recovered.failing_since is None and recovered.error is None
    assert recovered.last_failure == probes[2].checked_at
    assert recovered.last_error == "no answer within 3 s"


def test_a_new_failure_after_a_recovery_starts_a_new_run() -> None:
    probes = run([DOWN, OK, DOWN])

    assert probes[-1].failing_since == probes[-1].checked_at != probes[0].checked_at


@pytest.mark.parametrize("code", [200, 201, 204, 299])
def test_any_2xx_is_healthy_by_default(code: int) -> None:
    assert judge_status(code, (), 0.1, None) == ProbeOutcome(0.1, code)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (500, "500 Internal Server Error"),
        (503, "503 Service Unavailable"),
        (404, "404 Not Found"),
        (401, "401 Unauthorized"),
        (599, "599"),  # no standard phrase: the server's own is never quoted
    ],
)
def test_other_statuses_fail_with_the_standard_phrase(code: int, reason: str) -> None:
    outcome = judge_status(code, (), 0.1, None)

    assert outcome == ProbeOutcome(0.1, code, ProbeFailure.STATUS, reason)


def test_a_redirect_fails_and_says_where_it_leads_without_secrets() -> None:
    outcome = judge_status(302, (), 0.1, "https://user:pw@sso.example.com/login?token=s3cret")

    assert outcome.failure is ProbeFailure.STATUS
    assert outcome.error == "302 Found, redirect to https://***@sso.example.com/login?token=***"


def test_an_expected_status_is_healthy_and_then_only_it() -> None:
    assert judge_status(302, (200, 302), 0.1, "/login").failure is None
    assert judge_status(204, (200, 302), 0.1, None).failure is ProbeFailure.STATUS


def test_a_long_location_is_cut() -> None:
    outcome = judge_status(301, (), 0.1, "https://example.com/" + "a" * 500)

    assert outcome.error is not None and len(outcome.error) < 120 and outcome.error.endswith("…")


def _caused(outer: Exception, cause: BaseException) -> Exception:
    outer.__cause__ = cause
    return outer


@pytest.mark.parametrize(
    ("exc", "failure", "error"),
    [
        (TimeoutError(), ProbeFailure.TIMEOUT, "no answer within 2.5 s"),
        (httpx.ReadTimeout("read"), ProbeFailure.TIMEOUT, "no answer within 2.5 s"),
        (
            _caused(httpx.ConnectError("[Errno 111]"), ConnectionRefusedError(errno.ECONNREFUSED, "refused")),
            ProbeFailure.REFUSED,
            "connection refused",
        ),
        (
            _caused(httpx.ConnectError("[Errno -2]"), socket.gaierror(-2, "Name or service not known")),
            ProbeFailure.UNREACHABLE,
            "name lookup failed",
        ),
        (
            _caused(httpx.ConnectError("certificate verify failed"), ssl.SSLError("bad cert")),
            ProbeFailure.UNREACHABLE,
            "TLS: certificate verify failed",
        ),
        (
            httpx.ConnectError("No route to host"),
            ProbeFailure.UNREACHABLE,
            "cannot connect: No route to host",
        ),
        (
            httpx.RemoteProtocolError("illegal status line: b'\\x1b]0;pwned'"),
            ProbeFailure.PROTOCOL,
            "not an HTTP answer",
        ),
        (httpx.UnsupportedProtocol("ftp"), ProbeFailure.UNREACHABLE, "not a usable URL"),
        (RuntimeError("something\nelse"), ProbeFailure.UNREACHABLE, "something else"),
        (
            httpx.ReadError("reset by http://oncall:s3cret@api/healthz"),
            ProbeFailure.UNREACHABLE,
            "reset by http://***@api/healthz",
        ),
    ],
)
def test_errors_are_short_reasons(exc: BaseException, failure: ProbeFailure, error: str) -> None:
    assert judge_error(exc, 2.5) == ProbeOutcome(None, failure=failure, error=error)


def test_the_runner_waits_longer_than_the_slowest_check() -> None:
    checks = (HealthCheck("a", "http://a", 1.0), HealthCheck("b", "http://b", 4.0))
    collector = HealthCollector(HealthSettings(checks, interval=7.0), FakeClock())

    assert collector.source is SourceName.HEALTH
    assert collector.interval == 7.0
    assert collector.timeout == 4.0 + FETCH_MARGIN


async def test_no_check_no_probe_and_nothing_to_close() -> None:
    collector = HealthCollector(HealthSettings(), FakeClock())

    snapshot = await collector.fetch()
    await collector.aclose()

    assert snapshot.probes == () and snapshot.collected_at == EPOCH
