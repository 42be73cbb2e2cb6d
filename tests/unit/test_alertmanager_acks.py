"""Acknowledgements as silences: the matchers an ack asks for, and which silences are acknowledgements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from modulo_watch.collectors.alertmanager.acks import (
    ACK_MARK,
    Matcher,
    NothingToMatch,
    acknowledgements,
    latest_acknowledgement,
    matchers_for,
    silence_request,
)
from modulo_watch.collectors.alertmanager.wire import WireSilence
from modulo_watch.collectors.models import Alert

NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)


def firing(**labels: str) -> Alert:
    return Alert(
        "f", labels.get("alertname", ""), "critical", "active", NOW, labels=tuple(sorted(labels.items()))
    )


def silence(
    silence_id: str, comment: str, ends_at: str = "2026-11-27T04:15:00Z", state: str = "active"
) -> WireSilence:
    raw = {
        "id": silence_id,
        "status": {"state": state},
        "endsAt": ends_at,
        "createdBy": "alice",
        "comment": comment,
    }
    return msgspec.convert(raw, WireSilence)


def test_one_alert_is_matched_by_all_its_labels() -> None:
    assert matchers_for([firing(alertname="Disk", severity="warning", node="n1")]) == (
        Matcher("alertname", "Disk"),
        Matcher("node", "n1"),
        Matcher("severity", "warning"),
    )


def test_a_group_is_matched_by_the_labels_its_alerts_share() -> None:
    group = [firing(alertname="Crash", severity="critical", pod=f"api-{n}", ns="prod") for n in range(3)]

    assert matchers_for(group) == (
        Matcher("alertname", "Crash"),
        Matcher("ns", "prod"),
        Matcher("severity", "critical"),
    )


def test_alerts_that_share_nothing_cannot_be_silenced_together() -> None:
    with pytest.raises(NothingToMatch):
        matchers_for([firing(alertname="A"), firing(alertname="B")])
    with pytest.raises(NothingToMatch):
        matchers_for([])


def test_the_silence_request_is_marked_and_ends_after_the_duration() -> None:
    request = silence_request([Matcher("alertname", "Disk")], "alice", "on it", NOW, timedelta(minutes=15))

    assert request == {
        "matchers": [{"name": "alertname", "value": "Disk", "isRegex": False, "isEqual": True}],
        "startsAt": "2026-11-27T04:00:00Z",
        "endsAt": "2026-11-27T04:15:00Z",
        "createdBy": "alice",
        "comment": f"{ACK_MARK} on it",
    }


def test_only_active_marked_silences_are_acknowledgements() -> None:
    found = acknowledgements(
        [
            silence("ours", f"{ACK_MARK} rolling back"),
            silence("theirs", "planned maintenance"),
            silence("expired", f"{ACK_MARK} earlier", state="expired"),
        ]
    )

    assert list(found) == ["ours"]
    assert (found["ours"].by, found["ours"].comment) == ("alice", "rolling back")
    assert found["ours"].until == datetime(2026, 11, 27, 4, 15, tzinfo=UTC)


def test_of_two_acknowledgements_the_one_lasting_longest_shows() -> None:
    acks = acknowledgements(
        [silence("short", ACK_MARK), silence("long", ACK_MARK, ends_at="2026-11-27T05:00:00Z")]
    )

    latest = latest_acknowledgement(["theirs", "short", "long"], acks)

    assert latest is not None and latest.silence_id == "long"
    assert latest_acknowledgement(["theirs"], acks) is None
