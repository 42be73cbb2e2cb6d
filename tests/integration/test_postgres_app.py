"""The app watching a real PostgreSQL server and nothing else."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from modulo_watch.collectors.models import SourceName
from modulo_watch.collectors.sources import live_sources
from modulo_watch.config import PostgresSettings, Settings
from modulo_watch.tui.panes.postgres import PostgresPane
from tests.pg_server import PgServer
from tests.tui.support import custom_app, wait_until


async def test_watching_postgres_alone_its_pane_takes_the_kubernetes_panes_room(
    pg_server: PgServer, tmp_path: Path
) -> None:
    settings = Settings(postgres=PostgresSettings(dsn=pg_server.dsn(), interval=0.2))
    app = custom_app(tmp_path, live_sources(settings), settings)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, partial(app.shows_data_of, SourceName.POSTGRES), "postgres on screen")
        postgres = app.query_one(PostgresPane)

        assert not app.query_one("#kube-views").display and not app.query_one("#nodes-pane").display
        assert postgres.size.width > 110 and postgres.size.height > 25, "both columns, most of the height"
        assert app.focused is not None and postgres in app.focused.ancestors_with_self
        await pilot.press("1")
        assert app.focused is not None and postgres in app.focused.ancestors_with_self, "1 leads nowhere"
