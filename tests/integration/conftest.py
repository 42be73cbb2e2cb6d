"""Real services for the integration tests, started here; a missing one skips a laptop run, fails CI."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AsyncExitStack, ExitStack, suppress
from typing import Any

import httpx
import psycopg
import pytest

from modulo_watch.collectors.postgres.collector import PostgresCollector
from modulo_watch.outbound.api_http import api_client
from tests.alertmanager_server import AlertmanagerServer, AlertmanagerUnavailable
from tests.contract.pagerduty_server import PagerDutyServer
from tests.contract.slack_api_server import SlackApiServer
from tests.contract.statuspage_server import StatuspageServer
from tests.exporter import Exporter
from tests.integration.pg_support import Sessions, collector_for
from tests.pg_server import PgServer, PgServerUnavailable
from tests.prometheus_server import PrometheusServer, PrometheusUnavailable
from tests.slack_server import SlackServer


def _new_pg_server() -> PgServer:
    try:
        return PgServer()
    except PgServerUnavailable as err:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must test against a real PostgreSQL server: {err}")
        pytest.skip(f"no PostgreSQL server to start: {err}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One server for the session; tests keep apart in databases and roles of their own."""
    with _new_pg_server() as server:
        yield server


@pytest.fixture
def own_pg_server() -> Iterator[PgServer]:
    """A server for one test to stop and start without pulling it from under the others."""
    with _new_pg_server() as server:
        yield server


@pytest.fixture
def admin_dsn(pg_server: PgServer) -> str:
    return pg_server.dsn()


@pytest.fixture
async def sessions(pg_server: PgServer, admin_dsn: str) -> AsyncIterator[Sessions]:
    database = f"t_{uuid.uuid4().hex[:12]}"
    async with await psycopg.AsyncConnection.connect(admin_dsn, autocommit=True) as admin:
        await admin.execute(f"CREATE DATABASE {database}".encode())
        try:
            async with AsyncExitStack() as stack:
                made = Sessions(pg_server, database, stack, [])
                yield made
                # Dropping with FORCE terminates every session in it: the blocked and the sleeping too.
                await admin.execute(f"DROP DATABASE {database} WITH (FORCE)".encode())
                for task in made.running:
                    with suppress(psycopg.Error):
                        await task
        finally:
            await admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)".encode())


@pytest.fixture
def roles(admin_dsn: str) -> Iterator[tuple[str, str, str]]:
    """A monitoring role with pg_monitor, one without, and an application's role.

    Request it before ``sessions``: the sessions must end (last in, first out) before the roles go.
    """
    suffix = uuid.uuid4().hex[:8]
    names = (f"watcher_{suffix}", f"nobody_{suffix}", f"app_{suffix}")
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        for name in names:
            admin.execute(f"CREATE ROLE {name} LOGIN".encode())
        admin.execute(f"GRANT pg_monitor TO {names[0]}".encode())
        try:
            yield names
        finally:
            for name in names:
                admin.execute(f"DROP ROLE {name}".encode())


@pytest.fixture
async def collector(admin_dsn: str) -> AsyncIterator[PostgresCollector]:
    """The live collector, as the app makes it, watching the session's server as its superuser."""
    made = collector_for(admin_dsn)
    yield made
    await made.aclose()


def _new_alertmanager() -> AlertmanagerServer:
    try:
        return AlertmanagerServer()
    except AlertmanagerUnavailable as err:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must test against a real Alertmanager: {err}")
        pytest.skip(f"no Alertmanager to start: {err}")


@pytest.fixture
def alertmanager() -> Iterator[AlertmanagerServer]:
    """An Alertmanager of the test's own (it starts in a fraction of a second): no alert or silence of one
    test shows in another's, and a test may stop and start it."""
    with _new_alertmanager() as server:
        yield server


MakePrometheus = Callable[..., PrometheusServer]


@pytest.fixture
def exporter() -> Iterator[Exporter]:
    """modulo-api's request counters at a 2% error ratio, until the test scripts another."""
    with Exporter(error_ratio=0.02) as made:
        yield made


@pytest.fixture
def make_prometheus(exporter: Exporter) -> Iterator[MakePrometheus]:
    """Starts a Prometheus scraping ``exporter``: ``make_prometheus(rules=[...], alertmanager_url=...)``.

    Each test gets its own (it starts in a fraction of a second), so a stopped server or a scripted
    ratio never leaks into another test.
    """
    with ExitStack() as servers:

        def make(
            rules: Sequence[dict[str, Any]] = (), alertmanager_url: str | None = None
        ) -> PrometheusServer:
            try:
                server = PrometheusServer(exporter.address, rules, alertmanager_url)
            except PrometheusUnavailable as err:
                if os.environ.get("CI") == "true":
                    pytest.fail(f"CI must test against a real Prometheus: {err}")
                pytest.skip(f"no Prometheus to start: {err}")
            return servers.enter_context(server)

        yield make


@pytest.fixture
def prometheus(make_prometheus: MakePrometheus) -> PrometheusServer:
    return make_prometheus()


@pytest.fixture
async def slack() -> AsyncIterator[SlackServer]:
    server = SlackServer()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def slack_api() -> AsyncIterator[SlackApiServer]:
    """Slack's Web API, for the bot token's tests."""
    server = SlackApiServer()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def statuspage() -> AsyncIterator[StatuspageServer]:
    server = StatuspageServer()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def pagerduty() -> AsyncIterator[PagerDutyServer]:
    """PagerDuty's REST and Events APIs."""
    server = PagerDutyServer()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """The client the outbox's senders share in the app."""
    async with api_client() as made:
        yield made
