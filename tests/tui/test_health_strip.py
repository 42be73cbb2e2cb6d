"""The health strip under the error-rate graph, through Pilot: on the drills and on a live endpoint."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from modulo_watch.collectors.models import SourceName, SourceState, SourceStatus
from modulo_watch.collectors.sources import live_sources
from modulo_watch.config import HealthCheck, HealthSettings, Settings
from modulo_watch.tui.app import WarRoomApp
from modulo_watch.widgets.health_strip import HealthStrip
from tests.fakes import EPOCH
from tests.junk_http import JunkServer
from tests.tui.support import custom_app, drill_app, screen_text, wait_until

WIDE, NARROW = (200, 50), (80, 30)


def strip_of(app: WarRoomApp) -> HealthStrip:
    return app.query_one("#error-rate-pane").query_one(HealthStrip)


def words_on_screen(app: WarRoomApp) -> str:
    return " ".join(screen_text(app).split())


def strip_line(app: WarRoomApp) -> str:
    strip = strip_of(app)
    return strip.render().plain if strip.display and strip.region.height == 1 else ""


async def test_bad_deploy_shows_payments_failing_and_the_api_flapping(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=14)
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(
            pilot, lambda: "Payments ✗ 502 8m" in words_on_screen(app), "payments failing on screen"
        )

        assert strip_line(app) == "API ✗ 503 10s  Login ● 133ms  Payments ✗ 502 8m"


async def test_at_80_columns_names_are_abbreviated_and_latency_dropped(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=14)
    async with app.run_test(size=NARROW) as pilot:
        await wait_until(pilot, lambda: "Pay ✗ 502" in strip_line(app), "the abbreviated strip")

        strip = strip_of(app)
        assert strip_line(app) == "API ✗ 503 Log ● Pay ✗ 502"
        assert strip.region.width >= len(strip_line(app))


async def test_db_connections_login_times_out(tmp_path: Path) -> None:
    app = drill_app(tmp_path, scenario="db-connections", minute=15)
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: "Login ✗ timeout" in strip_line(app), "login timing out")


async def test_no_checks_no_strip(tmp_path: Path) -> None:
    app = drill_app(tmp_path, scenario="node-disk-pressure", minute=5)
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: app.shows_data_of(SourceName.HEALTH), "the empty health snapshot")
        await pilot.pause()

        assert not strip_of(app).display and strip_of(app).region.height == 0


async def test_a_stale_health_source_says_so(tmp_path: Path) -> None:
    app = drill_app(tmp_path, minute=14)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("4", "z")  # maximised: room for the whole line, whatever the layout around it
        await wait_until(pilot, lambda: bool(strip_line(app)), "the strip")
        # Health polls every 10 s: nothing republishes it before the strip has shown this.
        stale = SourceStatus(
            SourceName.HEALTH, SourceState.STALE, stale_since=EPOCH.replace(minute=14, second=5)
        )
        app.sources.hub.publish_status(stale)

        await wait_until(pilot, lambda: "▲ stale since 14:14:05" in strip_line(app), "the strip's staleness")
        assert strip_line(app).startswith("API ✗ 503")  # the last checks stay, dimmed


async def test_a_live_endpoint_answering_503(tmp_path: Path) -> None:
    with JunkServer(b"down", status=503) as server:
        settings = replace(Settings(), health=HealthSettings((HealthCheck("Payments", server.url),)))
        app = custom_app(tmp_path, live_sources(settings), settings)
        async with app.run_test(size=WIDE) as pilot:
            await wait_until(pilot, lambda: strip_line(app).startswith("Payments ✗ 503"), "the live failure")

            status = app.sources.hub.status(SourceName.HEALTH)
            assert status is not None and status.state is SourceState.LIVE


async def test_live_without_checks_there_is_no_strip(tmp_path: Path) -> None:
    settings = Settings()
    app = custom_app(tmp_path, live_sources(settings), settings)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()

        status = app.sources.hub.status(SourceName.HEALTH)
        assert status is not None and status.state is SourceState.NOT_CONFIGURED
        assert not strip_of(app).display
