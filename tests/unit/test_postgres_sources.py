"""A configured server gets a live collector; an unconfigured one says how to configure it."""

from __future__ import annotations

from modulo_watch.collectors.models import SourceName, SourceState
from modulo_watch.collectors.sources import live_sources
from modulo_watch.config import PostgresSettings, Settings


def test_a_configured_dsn_runs_the_postgres_collector() -> None:
    sources = live_sources(Settings(postgres=PostgresSettings(dsn="host=db.internal", interval=3.0)))

    assert [runner.source for runner in sources.runners] == [SourceName.POSTGRES]
    assert sources.hub.status(SourceName.POSTGRES) is None  # its runner reports once it starts


def test_without_a_dsn_the_pane_says_how_to_configure_it() -> None:
    status = live_sources(Settings()).hub.status(SourceName.POSTGRES)

    assert status is not None and status.state is SourceState.NOT_CONFIGURED
    assert status.hint and "[postgres] dsn" in status.hint
