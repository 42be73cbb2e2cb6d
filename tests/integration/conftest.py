"""Real services for the integration tests, started here; a missing one skips a laptop run, fails CI."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.pg_server import PgServer, PgServerUnavailable


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
