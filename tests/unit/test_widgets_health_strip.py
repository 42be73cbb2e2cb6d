"""The health line: what each check shows, how it gives up detail on a narrow screen, hostile names."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rich.console import Console

from modulo_watch.collectors.models import (
    HealthProbe,
    HealthSnapshot,
    ProbeFailure,
    SourceName,
    SourceState,
    SourceStatus,
)
from modulo_watch.widgets.badges import Palette
from modulo_watch.widgets.health_strip import health_line
from tests.fakes import EPOCH
from tests.hostile import FORBIDDEN_OUTPUT, HOSTILE_STRINGS

PALETTE = Palette()
LIVE = SourceStatus(SourceName.HEALTH, SourceState.LIVE)


def ok(name: str, latency: float = 0.042, last_failure: timedelta | None = None) -> HealthProbe:
    failed = None if last_failure is None else EPOCH - last_failure
    return HealthProbe(name, "https://x", EPOCH, latency, 200, last_failure=failed)


def failing(name: str, status: int | None = 503, since: timedelta = timedelta(minutes=2)) -> HealthProbe:
    failure = ProbeFailure.STATUS if status is not None else ProbeFailure.TIMEOUT
    return HealthProbe(
        name, "https://x", EPOCH, None, status, failure, "why", EPOCH, "why", failing_since=EPOCH - since
    )


THREE = HealthSnapshot(EPOCH, (ok("API"), ok("Login", 0.080), failing("Payments")))


def test_in_full() -> None:
    assert health_line(THREE, LIVE, 200).plain == "API ● 42ms  Login ● 80ms  Payments ✗ 503 2m"


@pytest.mark.parametrize(
    ("width", "shown"),
    [
        (43, "API ● 42ms  Login ● 80ms  Payments ✗ 503 2m"),
        (42, "API ●  Login ●  Payments ✗ 503 2m"),  # the healthy checks' latency goes first
        (32, "API ●  Log ●  Pay ✗ 503 2m"),  # then whole names
        (25, "API ● Log ● Pay ✗ 503"),  # then how long the failures have lasted
        (12, "API ● Log ●…"),  # then the line is cut
    ],
)
def test_detail_is_given_up_in_steps(width: int, shown: str) -> None:
    line = health_line(THREE, LIVE, width)

    assert line.plain == shown
    assert line.cell_len <= width


def test_colours_say_ok_failing_slow_and_flapping() -> None:
    snapshot = HealthSnapshot(
        EPOCH, (ok("API"), ok("Slow", 1.5), ok("Flaps", last_failure=timedelta(minutes=1)), failing("Pay"))
    )

    line = health_line(snapshot, LIVE, 200, PALETTE)

    def style_of(fragment: str) -> str:
        start = line.plain.index(fragment)
        return " ".join(str(span.style) for span in line.spans if span.start <= start < span.end)

    assert line.plain == "API ● 42ms  Slow ● 1.5s  Flaps ● 42ms  Pay ✗ 503 2m"
    assert style_of("●") == PALETTE.ok
    assert style_of("1.5s") == PALETTE.warning
    assert style_of("● 42ms  Pay") == PALETTE.warning  # Flaps failed a minute ago
    assert style_of("✗") == f"bold {PALETTE.error}"


def test_a_failure_without_an_answer_says_what_happened() -> None:
    snapshot = HealthSnapshot(EPOCH, (failing("Login", status=None, since=timedelta(seconds=30)),))

    assert health_line(snapshot, LIVE, 80).plain == "Login ✗ timeout 30s"


def test_a_stale_source_is_dimmed_and_says_since_when() -> None:
    stale = SourceStatus(SourceName.HEALTH, SourceState.STALE, stale_since=EPOCH + timedelta(seconds=31))

    line = health_line(THREE, stale, 200, PALETTE)

    assert line.plain.endswith("Payments ✗ 503 2m  ▲ stale since 14:00:31")
    assert any(span.style == PALETTE.muted and span.start == 0 for span in line.spans)
    assert health_line(THREE, stale, 30).plain.endswith("▲ stale")


@pytest.mark.parametrize("name", HOSTILE_STRINGS)
def test_hostile_names_stay_inert(name: str) -> None:
    snapshot = HealthSnapshot(EPOCH, (ok(name), failing(name)))
    console = Console(width=200, force_terminal=True, color_system="truecolor")

    with console.capture() as capture:
        console.print(health_line(snapshot, LIVE, 200))

    written = capture.get()
    assert not any(forbidden in written for forbidden in FORBIDDEN_OUTPUT)
