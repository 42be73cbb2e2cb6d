"""Hostile SQL text end to end: queries running on a real server, read by the live collector, and shown
in the Postgres pane as inert text."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack, suppress
from pathlib import Path

import psycopg
from psycopg import sql

from modulo_watch.collectors.models import PgSnapshot, SourceName
from modulo_watch.collectors.sources import live_sources
from modulo_watch.config import PostgresSettings, Settings
from tests.hostile import FORBIDDEN_OUTPUT, HOSTILE_STRINGS
from tests.pg_server import PgServer
from tests.tui.support import custom_app, wait_until
from tests.tui.test_hostile import terminal_output

MARK = "hostile-probe"


def sendable(text: str) -> bool:
    """PostgreSQL takes no NUL in a string, and the wire is UTF-8: a lone surrogate cannot travel."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def probes(snapshot: PgSnapshot) -> int:
    return sum(1 for backend in snapshot.backends if backend.application.startswith(MARK) and backend.query)


async def test_hostile_query_text_from_a_real_server_is_inert_on_screen(
    pg_server: PgServer, tmp_path: Path
) -> None:
    texts = [text for text in HOSTILE_STRINGS if sendable(text)]
    async with AsyncExitStack() as stack:
        running = []
        for index, text in enumerate(texts):
            connection = await psycopg.AsyncConnection.connect(
                pg_server.dsn(), autocommit=True, application_name=f"{MARK}-{index}"
            )
            stack.push_async_callback(connection.close)
            # The hostile text first: the pane shows the start of a query.
            query = sql.SQL("SELECT {}, pg_sleep(60)").format(sql.Literal(text))
            running.append(asyncio.ensure_future(connection.execute(query)))

        settings = Settings(postgres=PostgresSettings(dsn=pg_server.dsn(), interval=0.2))
        app = custom_app(tmp_path, live_sources(settings), settings)
        try:
            async with app.run_test(size=(250, 70)) as pilot:

                def all_running() -> bool:
                    snapshot = app.sources.hub.snapshot(SourceName.POSTGRES)
                    shown = isinstance(snapshot, PgSnapshot) and probes(snapshot) == len(texts)
                    return shown and app.shows_data_of(SourceName.POSTGRES)

                await wait_until(pilot, all_running, "every hostile query on screen")
                await pilot.press("3")  # the focused table draws its cursor row too
                await pilot.pause()
                output = ""
                for _ in range(len(texts) // 10 + 1):  # every row passes through the screen
                    output += terminal_output(app)
                    await pilot.press("pagedown")
                    await pilot.pause()
        finally:
            for task in running:
                task.cancel()
            for task in running:
                with suppress(asyncio.CancelledError, psycopg.Error):
                    await task

    for forbidden in FORBIDDEN_OUTPUT:
        assert forbidden not in output, f"{forbidden!r} reached the terminal"
    assert "[bold red]x[/]" in output, "markup is shown literally, not interpreted"
