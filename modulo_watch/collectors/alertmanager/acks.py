"""Acknowledgements as Alertmanager silences: which silences are ours, and the silence an ack asks for.

Free of httpx, so a drill's actions can share these types without loading it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from modulo_watch.collectors.alertmanager.wire import WireSilence
from modulo_watch.collectors.models import Acknowledgement, Alert

# Starts the comment of every silence modulo-watch makes: what tells an acknowledgement from any other
# silence, here and for whoever reads the silence in Alertmanager's own UI or amtool.
ACK_MARK = "[modulo-watch ack]"
DEFAULT_ACK_DURATION = timedelta(minutes=15)


class AlertSourceError(Exception):
    """A failure of an alerts source (Alertmanager or Prometheus), or of an action on it; its message is
    safe to show."""


@dataclass(frozen=True, slots=True)
class Matcher:
    """An equality matcher on one label."""

    name: str
    value: str


class NothingToMatch(ValueError):
    """The alerts share no label: a silence of them all would have no matcher."""


def matchers_for(alerts: Sequence[Alert]) -> tuple[Matcher, ...]:
    """The labels every one of ``alerts`` carries with the same value: all of one alert's, or what a
    group's alerts have in common (at least what they are grouped by)."""
    if not alerts:
        raise NothingToMatch("no alert to acknowledge")
    common = set(alerts[0].labels).intersection(*(alert.labels for alert in alerts[1:]))
    if not common:
        raise NothingToMatch("the alerts share no label to silence them by")
    return tuple(Matcher(name, value) for name, value in sorted(common))


def silence_request(
    matchers: Sequence[Matcher], author: str, comment: str, starts: datetime, duration: timedelta
) -> dict[str, Any]:
    """The body of ``POST /api/v2/silences`` for an acknowledgement."""
    return {
        "matchers": [{"name": m.name, "value": m.value, "isRegex": False, "isEqual": True} for m in matchers],
        "startsAt": _rfc3339(starts),
        "endsAt": _rfc3339(starts + duration),
        "createdBy": author,
        "comment": f"{ACK_MARK} {comment}".rstrip(),
    }


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def acknowledgements(silences: Iterable[WireSilence]) -> dict[str, Acknowledgement]:
    """The active silences that are acknowledgements, by silence id."""
    return {
        silence.id: Acknowledgement(
            silence_id=silence.id,
            by=silence.created_by,
            until=silence.ends_at,
            comment=silence.comment.removeprefix(ACK_MARK).strip(),
        )
        for silence in silences
        if silence.status.state == "active" and silence.comment.startswith(ACK_MARK)
    }


def latest_acknowledgement(
    silenced_by: Iterable[str], acks: Mapping[str, Acknowledgement]
) -> Acknowledgement | None:
    """Of the acknowledgements silencing an alert, the one that lasts longest."""
    mine = [acks[silence_id] for silence_id in silenced_by if silence_id in acks]
    return max(mine, key=lambda ack: ack.until, default=None)


class AlertActions(Protocol):
    """What the responder may do to alerts: acknowledge them (a silence), and take that back.

    Both raise AlertSourceError when the source refuses or does not answer."""

    async def acknowledge(
        self, matchers: Sequence[Matcher], author: str, comment: str, duration: timedelta
    ) -> str:
        """Silence what ``matchers`` match for ``duration``; returns the silence id."""
        ...

    async def unacknowledge(self, silence_id: str) -> None:
        """Expire the silence now."""
        ...

    async def aclose(self) -> None: ...
