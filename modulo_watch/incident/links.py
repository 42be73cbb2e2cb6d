"""The runbook's outside tools and the team's Grafana dashboards, as addresses a responder can open or copy.

A dashboard's address carries the incident's time range (from a few minutes before it started to its end,
or ``now`` while it is open), so it opens on the incident itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

from modulo_watch.config import GrafanaDashboard
from modulo_watch.incident.runbook_model import Runbook

# Dashboards open on the incident with this much of the time before it: what changed just before matters.
LEAD_TIME = timedelta(minutes=15)
GRAFANA_GROUP = "Grafana dashboards"


@dataclass(frozen=True, slots=True)
class Link:
    group: str  # "Monitoring and Alerting", "Grafana dashboards"
    name: str  # "Grafana", "modulo-api"
    url: str | None  # None: the runbook names the tool without an address ("[Pipeline URL]")
    note: str = ""  # what the runbook says instead of an address


def is_web_address(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def runbook_links(runbook: Runbook) -> tuple[Link, ...]:
    """Every entry of the runbook's "Tools and Resources", with its address when it has one."""
    links = []
    for group in runbook.tools:
        for entry in group.entries:
            value = entry.value.strip()
            if is_web_address(value):
                links.append(Link(group.title, entry.name, value))
            else:
                links.append(Link(group.title, entry.name, None, value.removeprefix("[").removesuffix("]")))
    return tuple(links)


def dashboard_links(
    grafana_url: str | None, dashboards: Sequence[GrafanaDashboard], start: datetime, end: datetime | None
) -> tuple[Link, ...]:
    """Each dashboard at ``<grafana>/d/<uid>?from=…&to=…`` (epoch milliseconds; ``to=now`` while open)."""
    if not grafana_url:
        return tuple(Link(GRAFANA_GROUP, d.name, None, "set [grafana] url") for d in dashboards)
    window = {"from": _epoch_ms(start - LEAD_TIME), "to": _epoch_ms(end) if end else "now"}
    base = grafana_url.rstrip("/")
    return tuple(Link(GRAFANA_GROUP, d.name, f"{base}/d/{d.uid}?{urlencode(window)}") for d in dashboards)


def _epoch_ms(at: datetime) -> str:
    return str(int(at.timestamp() * 1000))
