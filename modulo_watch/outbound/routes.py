"""Where an incident's message can go, and the outbox items that take it there.

One edit, several destinations (the issue's words): the incident channel (created with the first message),
the announcement channel, the status page (opened with the first message, moved through its statuses
after), and an incoming webhook. In a drill every destination is offered as if configured, and the drill
outbox delivers it nowhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from modulo_watch.config import Settings
from modulo_watch.incident.incident import Incident
from modulo_watch.outbound.outbox import Delivery, Tracked

STATUSPAGE_STATUSES = ("investigating", "identified", "monitoring", "resolved")
# How hard the affected components are hit, by severity: a P0 is an outage, a P3 barely shows.
COMPONENT_STATUS = {
    "P0": "major_outage",
    "P1": "partial_outage",
    "P2": "degraded_performance",
    "P3": "degraded_performance",
}


class Route(StrEnum):
    INCIDENT_CHANNEL = "incident-channel"
    ANNOUNCE = "announce"
    STATUSPAGE = "statuspage"
    WEBHOOK = "webhook"


@dataclass(frozen=True, slots=True)
class Destination:
    route: Route
    label: str  # "Slack #incident-20261127-checkout-errors"


@dataclass(frozen=True, slots=True)
class Planned:
    """An item to queue; ``after`` is an earlier planned item's index, or an id already in the outbox."""

    kind: str
    label: str
    payload: dict[str, str]
    after: int | str | None = None


def destinations(incident: Incident, settings: Settings, drill: bool) -> tuple[Destination, ...]:
    slack, statuspage = settings.slack, settings.statuspage
    found: list[Destination] = []
    if drill or slack.bot_token is not None:
        found.append(Destination(Route.INCIDENT_CHANNEL, f"Slack {incident.channel}"))
        found.append(Destination(Route.ANNOUNCE, f"Slack {slack.announce_channel}"))
    if drill or statuspage.configured:
        found.append(Destination(Route.STATUSPAGE, "Statuspage"))
    if slack.webhook_url is not None and not drill:
        from modulo_watch.outbound.webhook import webhook_host  # httpx: loaded only when configured

        found.append(Destination(Route.WEBHOOK, f"Slack webhook at {webhook_host(slack.webhook_url)}"))
    return tuple(found)


def default_status(incident: Incident, outbox: Sequence[Tracked]) -> str:
    """The status page's next status: resolved once the incident is; else where it was last moved."""
    if not incident.is_open:
        return "resolved"
    sent = [t.item.payload.get("status", "") for t in outbox if t.item.sender == "statuspage"]
    last = next((status for status in reversed(sent) if status in STATUSPAGE_STATUSES), "investigating")
    return "identified" if last == "resolved" else last


def plan(
    incident: Incident,
    chosen: Sequence[Destination],
    text: str,
    status: str,
    outbox: Sequence[Tracked],
    settings: Settings,
) -> list[Planned]:
    """The items that send ``text`` to each chosen destination, in order."""
    planned: list[Planned] = []
    for destination in chosen:
        match destination.route:
            case Route.INCIDENT_CHANNEL:
                planned += _to_incident_channel(incident, destination.label, text, outbox, len(planned))
            case Route.ANNOUNCE:
                channel = settings.slack.announce_channel
                planned.append(Planned("slack.post", destination.label, {"channel": channel, "text": text}))
            case Route.STATUSPAGE:
                planned += _to_statuspage(incident, text, status, outbox, settings)
            case Route.WEBHOOK:
                planned.append(Planned("webhook.post", destination.label, {"text": text}))
    return planned


def _first(outbox: Sequence[Tracked], kind: str) -> Tracked | None:
    """The incident's item of ``kind`` that others follow: the channel's creation, the page's incident."""
    usable = (t for t in outbox if t.item.kind == kind and t.state is not Delivery.FAILED)
    return next(usable, next((t for t in outbox if t.item.kind == kind), None))


def _to_incident_channel(
    incident: Incident, label: str, text: str, outbox: Sequence[Tracked], index: int
) -> list[Planned]:
    created = _first(outbox, "slack.create_channel")
    post = {"channel": "", "text": text}
    if created is not None:
        return [Planned("slack.post", label, post, after=created.item.id)]
    name = incident.channel.removeprefix("#")
    return [
        Planned("slack.create_channel", f"{label} (create)", {"name": name}),
        Planned("slack.post", label, post, after=index),
    ]


def _to_statuspage(
    incident: Incident, text: str, status: str, outbox: Sequence[Tracked], settings: Settings
) -> list[Planned]:
    payload = {
        "status": status,
        "body": text,
        "components": ",".join(settings.statuspage.components),
        "component_status": COMPONENT_STATUS.get(incident.severity, "major_outage"),
    }
    label = f"Statuspage ({status})"
    opened = _first(outbox, "statuspage.create")
    if opened is not None:
        return [Planned("statuspage.update", label, payload, after=opened.item.id)]
    return [Planned("statuspage.create", label, {"name": incident.title, **payload})]
