"""Bad answers, slow answers and hostile text: errors with a clear message, never a crash or a leak."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import pytest

from modulo_watch.collectors.alertmanager import http
from modulo_watch.collectors.alertmanager.collector import AlertmanagerCollector
from modulo_watch.collectors.alertmanager.http import AlertSourceError
from modulo_watch.collectors.clock import SystemClock
from modulo_watch.collectors.hub import Hub
from modulo_watch.collectors.models import SourceName, SourceState
from modulo_watch.collectors.runner import SourceRunner
from modulo_watch.config import AlertmanagerSettings
from tests.alertmanager_server import AlertmanagerServer, alert
from tests.hostile import HOSTILE_STRINGS
from tests.integration.alertmanager_support import collector_for, fetch_until
from tests.junk_http import JunkServer

GOOD_ALERT = {
    "labels": {"alertname": "HighErrorRate", "severity": "critical"},
    "annotations": {"summary": "5xx above 5%"},
    "startsAt": "2026-11-27T04:00:00.000Z",
    "endsAt": "2026-11-27T05:00:00.000Z",
    "fingerprint": "0df005333d9e37c9",
    "receivers": [{"name": "null"}],
    "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
    "updatedAt": "2026-11-27T04:00:00.000Z",
    "generatorURL": "http://prometheus.test/graph",
}


@pytest.fixture
def junk() -> Iterator[JunkServer]:
    with JunkServer() as server:
        yield server


@pytest.fixture
async def collector(junk: JunkServer) -> AsyncIterator[AlertmanagerCollector]:
    made = AlertmanagerCollector(AlertmanagerSettings(url=junk.url), SystemClock(), request_timeout=0.5)
    yield made
    await made.aclose()


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<html>502 Bad Gateway</html>", "the answer is not JSON"),
        (b'{"alerts": []}', "expected a JSON list, got an object"),
        (b"null", "expected a JSON list, got null"),
        (b'"alerts"', "expected a JSON list, got a string"),
        (b"[", "the answer is not JSON"),
        (b"", "the answer is not JSON"),
    ],
)
async def test_an_answer_of_the_wrong_shape_is_a_clear_error(
    junk: JunkServer, collector: AlertmanagerCollector, body: bytes, problem: str
) -> None:
    junk.body = body
    with pytest.raises(AlertSourceError) as raised:
        await collector.fetch()
    assert str(raised.value) == f"Alertmanager at {junk.url}: unreadable answer to /api/v2/alerts: {problem}"


async def test_unreadable_alerts_in_a_good_list_are_left_out_and_counted(
    junk: JunkServer, collector: AlertmanagerCollector
) -> None:
    naive_time = {**GOOD_ALERT, "startsAt": "2026-11-27T04:00:00"}
    number_label = {**GOOD_ALERT, "labels": {"alertname": 7}}
    no_status = {key: value for key, value in GOOD_ALERT.items() if key != "status"}
    junk.body = json.dumps([GOOD_ALERT, naive_time, number_label, no_status, "x", None, []]).encode()

    snapshot = await collector.fetch()

    assert [a.name for a in snapshot.alerts] == ["HighErrorRate"] and snapshot.unreadable == 6


async def test_nulls_where_lists_are_expected_read_as_empty(
    junk: JunkServer, collector: AlertmanagerCollector
) -> None:
    status = {"state": "active", "silencedBy": None, "inhibitedBy": None}
    junk.body = json.dumps([{**GOOD_ALERT, "status": status, "annotations": None}]).encode()

    (read,) = (await collector.fetch()).alerts

    assert (read.silenced_by, read.inhibited_by, read.annotations) == ((), (), ())


async def test_a_server_error_is_reported_with_its_status_and_the_start_of_its_explanation(
    junk: JunkServer, collector: AlertmanagerCollector
) -> None:
    junk.status, junk.body = 503, b"overloaded\n\x1b[2J " + b"x" * 500
    with pytest.raises(
        AlertSourceError, match=r": answered 503 Service Unavailable: overloaded \x1b\[2J x+…$"
    ):
        await collector.fetch()


async def test_bytes_that_are_not_http_are_an_error(
    junk: JunkServer, collector: AlertmanagerCollector
) -> None:
    junk.raw = b"SSH-2.0-OpenSSH_9.2\r\n\x00\xff garbage\r\n\r\n"
    with pytest.raises(AlertSourceError, match=rf"^Alertmanager at {junk.url}: RemoteProtocolError"):
        await collector.fetch()


async def test_a_server_that_never_answers_times_out_with_a_clear_error(
    junk: JunkServer, collector: AlertmanagerCollector
) -> None:
    junk.hang = True
    with pytest.raises(AlertSourceError, match=r": no answer within 0\.5 s$"):
        await collector.fetch()


async def test_a_hanging_server_makes_the_source_stale_not_the_runner_stuck(
    junk: JunkServer, collector: AlertmanagerCollector
) -> None:
    hub = Hub()
    runner = SourceRunner(collector, hub, SystemClock())
    await runner.poll_once()
    junk.hang = True

    await runner.poll_once()

    status = hub.status(SourceName.ALERTS)
    assert status is not None and status.state is SourceState.STALE
    assert status.last_error is not None and status.last_error.endswith("no answer within 0.5 s")


async def test_an_answer_too_big_to_be_alerts_is_refused(
    junk: JunkServer, collector: AlertmanagerCollector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http, "MAX_BODY_BYTES", 1000)
    junk.body = json.dumps([GOOD_ALERT] * 10).encode()
    with pytest.raises(AlertSourceError, match=r": answer too big \(\d+ bytes\)$"):
        await collector.fetch()


async def test_credentials_in_the_url_are_sent_as_basic_auth_and_never_shown(junk: JunkServer) -> None:
    url = junk.url.replace("http://", "http://watcher:s3cr%40t@")
    collector = AlertmanagerCollector(AlertmanagerSettings(url=url), SystemClock(), request_timeout=0.5)
    junk.status, junk.body = 401, b"who are you"
    try:
        with pytest.raises(AlertSourceError) as raised:
            await collector.fetch()
    finally:
        await collector.aclose()
    assert junk.authorization == ["Basic d2F0Y2hlcjpzM2NyQHQ="]  # watcher:s3cr@t
    assert "s3cr" not in str(raised.value) and "watcher" not in str(raised.value)
    assert str(raised.value).startswith("Alertmanager at http://***@127.0.0.1:")


async def test_hostile_annotation_and_label_text_reaches_the_model_unchanged(
    alertmanager: AlertmanagerServer,
) -> None:
    # JSON cannot carry a lone surrogate: no Alertmanager can send one.
    texts = [text for text in HOSTILE_STRINGS if not any("\ud800" <= char <= "\udfff" for char in text)]
    alertmanager.post_alerts(
        alert(
            f"Hostile{n}",
            "critical",
            {"pod": text},
            {"summary": text, "description": text, "runbook_url": text},
        )
        for n, text in enumerate(texts)
    )
    collector = collector_for(alertmanager.url)
    try:
        snapshot = await fetch_until(collector, lambda s: len(s.alerts) == len(texts), "every hostile alert")
    finally:
        await collector.aclose()

    read = {int(a.name.removeprefix("Hostile")): a for a in snapshot.alerts}
    for n, text in enumerate(texts):
        assert (read[n].summary, read[n].description, read[n].runbook_url) == (text, text, text)
        assert ("pod", text) in read[n].labels or not text, "an empty label value is no label"


async def test_a_redirect_is_an_error_not_a_page_to_read(
    junk: JunkServer, collector: AlertmanagerCollector
) -> None:
    junk.status, junk.body, junk.content_type = 302, b"<a href='/login'>login</a>", "text/html"
    with pytest.raises(AlertSourceError, match=r": answered 302 Found: <a href='/login'>login</a>$"):
        await collector.fetch()


async def test_a_url_the_http_client_cannot_use_fails_each_fetch_not_the_start() -> None:
    collector = AlertmanagerCollector(AlertmanagerSettings(url="http://[::1"), SystemClock())
    try:
        with pytest.raises(AlertSourceError, match=r"^Alertmanager at http://\[::1: not a usable URL"):
            await collector.fetch()
    finally:
        await collector.aclose()
