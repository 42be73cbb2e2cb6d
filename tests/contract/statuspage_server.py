"""A loopback server that keeps the contract of Atlassian Statuspage's REST API (v1) for incidents, for the
tests that drive the real Statuspage sender against it.

The contract kept, as developer.statuspage.io documents it:

- Every request carries ``Authorization: OAuth <api key>``; without the right key the answer is 401
  ``{"error": "Could not authenticate"}``, before anything else is looked at.
- Paths live under ``/v1/pages/<page id>/``; an unknown page, incident or path is 404 ``{"error": ...}``.
- ``POST incidents`` with ``{"incident": {name, status, body, component_ids, components}}`` opens an incident
  (201): its first incident update carries the status and body, and each of ``components`` (id: status)
  takes its new status. ``PATCH incidents/<id>`` (or PUT) with the same fields changes it (200) and, when a
  status or body is given, adds an incident update. ``GET incidents``, ``incidents/unresolved`` (neither
  resolved nor postmortem) and ``incidents/<id>`` read them; ``GET components`` lists the page's components.
- An incident has ``id``, ``name``, ``status``, ``created_at``, ``shortlink``, ``components`` (the affected
  ones, with their current status) and ``incident_updates`` (newest first: ``id``, ``status``, ``body``,
  ``created_at``, ``affected_components``). Lists are newest first. Times are ISO 8601 in UTC.
- A refused change is 422 ``{"error": ...}``: an empty name, a status or component status outside the
  vocabulary, an unknown component. A body that is not a JSON object is 400.
- Rate limiting (420 or 429 with ``Retry-After``) and outages are not the contract's: a test scripts them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from tests.contract.http_server import Answer, ContractServer, Received

INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved", "postmortem")
COMPONENT_STATUSES = (
    "operational",
    "under_maintenance",
    "degraded_performance",
    "partial_outage",
    "major_outage",
)
_CLOSED = ("resolved", "postmortem")
COMPONENT_NAMES = ("API", "Checkout", "Dashboard")

Incident = dict[str, Any]


class StatuspageServer(ContractServer):
    """One page with three operational components; ``incidents`` in the order they were opened."""

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        super().__init__()
        self.clock = clock
        self.api_key = uuid.uuid4().hex
        self.page_id = _new_id()
        self.components: dict[str, dict[str, Any]] = {}
        for position, name in enumerate(COMPONENT_NAMES, 1):
            component_id = _new_id()
            self.components[component_id] = {
                "id": component_id,
                "page_id": self.page_id,
                "name": name,
                "status": "operational",
                "position": position,
            }
        self.incidents: dict[str, Incident] = {}

    @property
    def api_url(self) -> str:
        return f"{self.url}/v1"

    @property
    def component_ids(self) -> tuple[str, ...]:
        return tuple(self.components)

    def component_status(self, component_id: str) -> str:
        return str(self.components[component_id]["status"])

    def add_incident(
        self, name: str, status: str = "investigating", created_at: datetime | None = None
    ) -> str:
        """An incident opened by someone else (a colleague, or long ago): its id."""
        incident = self._open(name, created_at or self.clock())
        self._add_update(incident, status, "", incident["created_at"])
        incident["status"] = status
        return str(incident["id"])

    # --- the contract ---------------------------------------------------------------------------------

    def contract(self, request: Received) -> Answer:
        if request.headers.get("authorization") != f"OAuth {self.api_key}":
            return _error(401, "Could not authenticate")
        parts = request.path.split("/")
        if parts[:3] != ["", "v1", "pages"] or len(parts) < 5:
            return _error(404, "Not found")
        if parts[3] != self.page_id:
            return _error(404, "The page could not be found")
        return self._route(request, tuple(parts[4:]))

    def _route(self, request: Received, path: tuple[str, ...]) -> Answer:
        method = request.method
        match path:
            case ("incidents",) if method == "POST":
                return self._create(request)
            case ("incidents",) if method == "GET":
                return Answer.of_json(200, self._newest_first(self.incidents.values()))
            case ("incidents", "unresolved") if method == "GET":
                open_ = [i for i in self.incidents.values() if i["status"] not in _CLOSED]
                return Answer.of_json(200, self._newest_first(open_))
            case ("incidents", incident_id) if incident_id in self.incidents:
                if method == "GET":
                    return Answer.of_json(200, self.incidents[incident_id])
                if method in ("PATCH", "PUT"):
                    return self._update(request, self.incidents[incident_id])
                return _error(405, "Method not allowed")
            case ("components",) if method == "GET":
                return Answer.of_json(200, list(self.components.values()))
        return _error(404, "Not found")

    def _create(self, request: Received) -> Answer:
        fields = _incident_fields(request)
        if isinstance(fields, Answer):
            return fields
        name = fields.get("name")
        if not isinstance(name, str) or not name.strip():
            return _error(422, "Name can't be blank")
        refused = self._refusal(fields)
        if refused is not None:
            return refused
        incident = self._open(name, self.clock())
        self._change(incident, fields, always_update=True)
        return Answer.of_json(201, incident)

    def _update(self, request: Received, incident: Incident) -> Answer:
        fields = _incident_fields(request)
        if isinstance(fields, Answer):
            return fields
        name = fields.get("name", incident["name"])
        if not isinstance(name, str) or not name.strip():
            return _error(422, "Name can't be blank")
        refused = self._refusal(fields)
        if refused is not None:
            return refused
        incident["name"] = name
        self._change(incident, fields, always_update=False)
        return Answer.of_json(200, incident)

    def _refusal(self, fields: Mapping[str, Any]) -> Answer | None:
        """422 for what Statuspage would not store; None when every field is acceptable."""
        if fields.get("status", "investigating") not in INCIDENT_STATUSES:
            return _error(422, "Status is not included in the list")
        if not isinstance(fields.get("body", ""), str):
            return _error(422, "Body is invalid")
        ids, states = fields.get("component_ids", []), fields.get("components", {})
        if not (isinstance(ids, list) and isinstance(states, dict)):
            return _error(422, "Components are invalid")
        if any(component not in self.components for component in [*ids, *states]):
            return _error(422, "Component could not be found")
        if any(state not in COMPONENT_STATUSES for state in states.values()):
            return _error(422, "Component status is not included in the list")
        return None

    # --- the page's state -----------------------------------------------------------------------------

    def _open(self, name: str, at: datetime) -> Incident:
        incident_id = _new_id()
        incident: Incident = {
            "id": incident_id,
            "page_id": self.page_id,
            "name": name,
            "status": "investigating",
            "impact": "none",
            "created_at": _time(at),
            "updated_at": _time(at),
            "started_at": _time(at),
            "monitoring_at": None,
            "resolved_at": None,
            "shortlink": f"https://stspg.io/{incident_id[:7]}",
            "components": [],
            "incident_updates": [],
        }
        self.incidents[incident_id] = incident
        return incident

    def _change(self, incident: Incident, fields: Mapping[str, Any], *, always_update: bool) -> None:
        now = _time(self.clock())
        affected = self._set_components(fields.get("components", {}))
        ids = fields.get("component_ids")
        if ids is not None:
            incident["components"] = [
                self.components[c] for c in dict.fromkeys([*ids, *fields.get("components", {})])
            ]
        status = fields.get("status", incident["status"])
        if always_update or "status" in fields or "body" in fields:
            self._add_update(incident, status, fields.get("body", ""), now, affected)
        if status == "monitoring" and incident["monitoring_at"] is None:
            incident["monitoring_at"] = now
        if status == "resolved" and incident["resolved_at"] is None:
            incident["resolved_at"] = now
        incident["status"] = status
        incident["updated_at"] = now

    def _set_components(self, states: Mapping[str, str]) -> list[dict[str, str]]:
        affected = []
        for component_id, state in states.items():
            component = self.components[component_id]
            old, component["status"] = component["status"], state
            affected.append(
                {"code": component_id, "name": component["name"], "old_status": old, "new_status": state}
            )
        return affected

    def _add_update(
        self,
        incident: Incident,
        status: str,
        body: str,
        at: str,
        affected: list[dict[str, str]] | None = None,
    ) -> None:
        update = {
            "id": _new_id(),
            "incident_id": incident["id"],
            "status": status,
            "body": body,
            "created_at": at,
            "updated_at": at,
            "display_at": at,
            "affected_components": affected or None,
            "deliver_notifications": True,
        }
        incident["incident_updates"].insert(0, update)  # newest first, as Statuspage lists them

    @staticmethod
    def _newest_first(incidents: Iterable[Incident]) -> list[Incident]:
        in_order = list(incidents)  # opened in this order: it breaks a tie within a millisecond
        ranked = sorted(enumerate(in_order), key=lambda pair: (str(pair[1]["created_at"]), pair[0]))
        return [incident for _, incident in reversed(ranked)]


def _incident_fields(request: Received) -> dict[str, Any] | Answer:
    """The ``incident`` object of a create or update, or the 400 that refuses its body."""
    try:
        document = request.json()
    except ValueError:
        return _error(400, "The request body is not valid JSON")
    fields = document.get("incident") if isinstance(document, dict) else None
    if not isinstance(fields, dict):
        return _error(400, "The incident parameter is missing")
    return fields


def _error(status: int, message: str) -> Answer:
    return Answer.of_json(status, {"error": message})


def _new_id() -> str:
    return uuid.uuid4().hex[:12]


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
