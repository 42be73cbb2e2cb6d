"""The health collector against real HTTP servers on loopback: healthy, failing, hanging, closed, junk."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack

import pytest

from modulo_watch.collectors.clock import SystemClock
from modulo_watch.collectors.health import HealthCollector
from modulo_watch.collectors.hub import Hub
from modulo_watch.collectors.models import HealthProbe, HealthSnapshot, ProbeFailure, SourceName, SourceState
from modulo_watch.collectors.runner import SourceRunner
from modulo_watch.config import HealthCheck, HealthSettings
from tests.hostile import ESC
from tests.junk_http import JunkServer

HANG_TIMEOUT = 0.3  # seconds a probe of the hanging server waits: the test's own speed, not a timing


def closed_port() -> int:
    """A loopback port nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def redirect(location: str, status: int = 302) -> bytes:
    return (
        f"HTTP/1.1 {status} Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    ).encode()


@pytest.fixture
def servers() -> Iterator[dict[str, JunkServer]]:
    """One server per behaviour; each test sets what its servers answer."""
    with ExitStack() as stack:
        yield {name: stack.enter_context(JunkServer(b"ok")) for name in ("api", "login", "payments", "junk")}


async def probe_once(*checks: HealthCheck) -> HealthSnapshot:
    collector = HealthCollector(HealthSettings(checks), SystemClock())
    try:
        return await collector.fetch()
    finally:
        await collector.aclose()


async def probe_one(check: HealthCheck) -> HealthProbe:
    [probe] = (await probe_once(check)).probes
    return probe


async def test_a_healthy_endpoint(servers: dict[str, JunkServer]) -> None:
    probe = await probe_one(HealthCheck("api", servers["api"].url + "/healthz"))

    assert probe.ok and probe.status_code == 200 and probe.error is None
    assert probe.latency is not None and probe.latency >= 0
    assert servers["api"].requests == 1


async def test_a_500_is_failing_with_its_status(servers: dict[str, JunkServer]) -> None:
    servers["api"].status = 500

    probe = await probe_one(HealthCheck("api", servers["api"].url))

    assert probe.failure is ProbeFailure.STATUS and probe.status_code == 500
    assert probe.error == "500 Internal Server Error"
    assert probe.failing_since == probe.last_failure == probe.checked_at


async def test_a_hanging_endpoint_times_out(servers: dict[str, JunkServer]) -> None:
    servers["api"].hang = True

    probe = await probe_one(HealthCheck("api", servers["api"].url, timeout=HANG_TIMEOUT))

    assert probe.failure is ProbeFailure.TIMEOUT and probe.latency is None
    assert probe.error == f"no answer within {HANG_TIMEOUT:g} s"


async def test_a_closed_port_is_refused() -> None:
    probe = await probe_one(HealthCheck("api", f"http://127.0.0.1:{closed_port()}/healthz"))

    assert probe.failure is ProbeFailure.REFUSED and probe.error == "connection refused"


async def test_garbage_is_not_an_http_answer_and_is_not_quoted(servers: dict[str, JunkServer]) -> None:
    servers["junk"].raw = f"{ESC}]0;pwned\x07 garbage\r\n\r\n".encode()

    probe = await probe_one(HealthCheck("api", servers["junk"].url))

    assert probe.failure is ProbeFailure.PROTOCOL and probe.error == "not an HTTP answer"


async def test_a_redirect_to_a_login_page_is_not_followed_and_fails(servers: dict[str, JunkServer]) -> None:
    servers["login"].raw = redirect("https://sso.example.com/login?token=s3cret")

    probe = await probe_one(HealthCheck("login", servers["login"].url))

    assert probe.failure is ProbeFailure.STATUS and probe.status_code == 302
    assert probe.error == "302 Found, redirect to https://sso.example.com/login?token=***"
    assert servers["login"].requests == 1  # not followed


async def test_an_expected_redirect_is_healthy(servers: dict[str, JunkServer]) -> None:
    servers["login"].raw = redirect("/login")

    probe = await probe_one(HealthCheck("login", servers["login"].url, expect_status=(302,)))

    assert probe.ok and probe.status_code == 302


async def test_url_credentials_go_as_basic_auth_and_are_never_shown(servers: dict[str, JunkServer]) -> None:
    url = servers["api"].url.replace("http://", "http://oncall:s3cret@")

    probe = await probe_one(HealthCheck("api", url))

    assert probe.ok
    assert servers["api"].authorization == ["Basic b25jYWxsOnMzY3JldA=="]
    assert "s3cret" not in probe.url and probe.url.startswith("http://***@127.0.0.1:")


async def test_every_check_at_once_and_one_failure_fails_only_itself(servers: dict[str, JunkServer]) -> None:
    servers["payments"].status = 503
    servers["junk"].hang = True
    checks = (
        HealthCheck("API", servers["api"].url),
        HealthCheck("Hangs", servers["junk"].url, timeout=HANG_TIMEOUT),
        HealthCheck("Closed", f"http://127.0.0.1:{closed_port()}/"),
        HealthCheck("Payments", servers["payments"].url),
        HealthCheck("Login", servers["login"].url),
    )

    snapshot = await probe_once(*checks)

    assert [probe.name for probe in snapshot.probes] == ["API", "Hangs", "Closed", "Payments", "Login"]
    assert [probe.name for probe in snapshot.failing] == ["Hangs", "Closed", "Payments"]
    assert {probe.failure for probe in snapshot.failing} == {
        ProbeFailure.TIMEOUT,
        ProbeFailure.REFUSED,
        ProbeFailure.STATUS,
    }


@pytest.fixture
async def payments(servers: dict[str, JunkServer]) -> AsyncIterator[tuple[JunkServer, HealthCollector]]:
    collector = HealthCollector(
        HealthSettings((HealthCheck("Payments", servers["payments"].url),)), SystemClock()
    )
    yield servers["payments"], collector
    await collector.aclose()


async def test_recovery_keeps_the_last_failure(payments: tuple[JunkServer, HealthCollector]) -> None:
    server, collector = payments
    server.status = 503
    first = (await collector.fetch()).probes[0]
    second = (await collector.fetch()).probes[0]
    server.status = 200
    recovered = (await collector.fetch()).probes[0]

    assert second.failing_since == first.checked_at
    assert recovered.ok and recovered.failing_since is None
    assert recovered.last_failure == second.checked_at and recovered.last_error == "503 Service Unavailable"
    assert server.requests == 3  # one client, a new probe every fetch


async def test_behind_the_runner_the_source_is_live_while_a_check_fails(
    payments: tuple[JunkServer, HealthCollector],
) -> None:
    server, collector = payments
    server.status = 502
    hub = Hub()

    await SourceRunner(collector, hub, SystemClock()).poll_once()

    status = hub.status(SourceName.HEALTH)
    assert status is not None and status.state is SourceState.LIVE
    snapshot = hub.snapshot(SourceName.HEALTH)
    assert isinstance(snapshot, HealthSnapshot) and snapshot.failing[0].status_code == 502
