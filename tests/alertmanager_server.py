"""A throwaway Alertmanager for the tests: Debian's binary, its own config and storage in a temp dir, on a
free loopback port, with clustering off. Alerts are posted straight to its v2 API, as Prometheus would."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.throwaway import ChildServer


def _binary() -> Path:
    """``MODULO_WATCH_ALERTMANAGER_BIN``, else Debian's name for it, else an ``alertmanager`` on PATH."""
    if "MODULO_WATCH_ALERTMANAGER_BIN" in os.environ:
        return Path(os.environ["MODULO_WATCH_ALERTMANAGER_BIN"])
    found = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    return Path(found) if found else Path("/usr/bin/prometheus-alertmanager")


BINARY = _binary()
REQUEST_TIMEOUT = 10.0
# Grouped as the alerts pane groups by default; the null receiver notifies nobody.
CONFIG = """\
route:
  receiver: "null"
  group_by: [alertname, severity]
receivers:
  - name: "null"
"""


class AlertmanagerUnavailable(RuntimeError):
    """The Alertmanager binary is missing."""


def alert(
    name: str,
    severity: str = "warning",
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    starts_at: datetime | None = None,
) -> dict[str, Any]:
    """One alert as Prometheus posts it; it stays firing for Alertmanager's resolve timeout (5 min)."""
    posted: dict[str, Any] = {
        "labels": {"alertname": name, "severity": severity, **(labels or {})},
        "annotations": dict(annotations or {}),
        "generatorURL": f"http://prometheus.test/graph?g0.expr={name}",
    }
    if starts_at is not None:
        posted["startsAt"] = starts_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return posted


class AlertmanagerServer(ChildServer):
    """``with AlertmanagerServer() as server:`` gives a running Alertmanager; ``stop()``, ``start()`` it."""

    NAME = "alertmanager"

    def __init__(self) -> None:
        if not BINARY.exists():
            raise AlertmanagerUnavailable(f"no {BINARY}")
        super().__init__()
        (self.root / "alertmanager.yml").write_text(CONFIG)

    def command(self) -> list[str]:
        return [
            str(BINARY),
            f"--config.file={self.root / 'alertmanager.yml'}",
            f"--storage.path={self.root / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--cluster.listen-address=",  # no gossip: one instance, no port of its own
            "--log.level=warn",
        ]

    def post_alerts(self, alerts: Iterable[Mapping[str, Any]]) -> None:
        """Post alerts as Prometheus does: ``POST /api/v2/alerts``."""
        response = httpx.post(f"{self.url}/api/v2/alerts", json=list(alerts), timeout=REQUEST_TIMEOUT)
        response.raise_for_status()

    def resolve(self, posted: Mapping[str, Any]) -> None:
        """Resolve an alert posted earlier: the same labels again, ended a moment ago."""
        ended = (datetime.now(UTC) - timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
        self.post_alerts([{**posted, "endsAt": ended}])

    def post_silence(self, labels: Mapping[str, str], created_by: str, comment: str) -> str:
        """A silence for an hour, made as amtool or the web UI would make it; returns its id."""
        now = datetime.now(UTC)
        silence = {
            "matchers": [
                {"name": name, "value": value, "isRegex": False, "isEqual": True}
                for name, value in labels.items()
            ],
            "startsAt": now.isoformat().replace("+00:00", "Z"),
            "endsAt": (now + timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
            "createdBy": created_by,
            "comment": comment,
        }
        response = httpx.post(f"{self.url}/api/v2/silences", json=silence, timeout=REQUEST_TIMEOUT)
        response.raise_for_status()
        silence_id: str = response.json()["silenceID"]
        return silence_id

    def alerts(self) -> list[dict[str, Any]]:
        return self._get("/api/v2/alerts")

    def silences(self) -> list[dict[str, Any]]:
        return self._get("/api/v2/silences")

    def _get(self, path: str) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.url}{path}", timeout=REQUEST_TIMEOUT)
        response.raise_for_status()
        found: list[dict[str, Any]] = response.json()
        return found
