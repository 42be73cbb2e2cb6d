"""Hostile SQL text end to end: queries running on a real server, read by the live collector, and shown
in the Postgres pane as inert text."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack, suppress
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from modulo_watch.collectors.models import PgSnapshot, SourceName
from modulo_watch.collectors.sources import live_sources
from modulo_watch.config import ActionsSettings, PostgresSettings, Settings
from modulo_watch.incident.journal import read_entries
from modulo_watch.tui.app import WarRoomApp
from modulo_watch.tui.screens.confirm import ConfirmScreen
from modulo_watch.tui.screens.pg_backend import BackendScreen
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


async def test_a_hostile_backend_up_close_and_terminated_from_the_screen(
    pg_server: PgServer, tmp_path: Path
) -> None:
    """Every hostile string at once, in one multi-line query: its detail, the question, then the act."""
    query = sql.SQL("SELECT {}, pg_sleep(60)").format(
        sql.Literal("\n".join(text for text in HOSTILE_STRINGS if sendable(text)))
    )
    async with await psycopg.AsyncConnection.connect(
        pg_server.dsn(), autocommit=True, application_name=MARK
    ) as connection:
        running = asyncio.ensure_future(connection.execute(query))
        settings = Settings(
            postgres=PostgresSettings(dsn=pg_server.dsn(), interval=0.2),
            actions=ActionsSettings(enabled=True),
        )
        app = custom_app(tmp_path, live_sources(settings), settings)
        try:
            async with app.run_test(size=(160, 48)) as pilot:
                await wait_until(pilot, lambda: probes_shown(app) == 1, "the hostile query on screen")
                await pilot.press("3", "slash", *MARK, "enter", "enter")
                await wait_until(pilot, lambda: detail_read(app), "its detail")
                output = terminal_output(app)
                await pilot.press("K")
                await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
                output += terminal_output(app)
                await pilot.press("y")
                with pytest.raises(psycopg.errors.AdminShutdown):
                    await asyncio.wait_for(running, timeout=15)
                await wait_until(pilot, lambda: probes_shown(app) == 0, "the backend gone from the pane")
        finally:
            running.cancel()
            with suppress(asyncio.CancelledError, psycopg.Error):
                await running

    for forbidden in FORBIDDEN_OUTPUT:
        assert forbidden not in output, f"{forbidden!r} reached the terminal"
    assert "[bold red]x[/]" in output, "markup is shown literally, not interpreted"
    [entry] = list(read_entries(tmp_path / "actions.jsonl"))
    assert entry["action"] == "pg_terminate_backend" and entry["outcome"].endswith("terminated")


def probes_shown(app: WarRoomApp) -> int:
    snapshot = app.sources.hub.snapshot(SourceName.POSTGRES)
    return probes(snapshot) if isinstance(snapshot, PgSnapshot) else -1


def detail_read(app: WarRoomApp) -> bool:
    return isinstance(app.screen, BackendScreen) and app.screen.detail is not None
