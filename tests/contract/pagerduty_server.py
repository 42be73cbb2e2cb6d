"""A loopback server that keeps the contract of PagerDuty's REST API v2 and Events API v2, for the tests that
drive ``modulo_watch.outbound.pagerduty`` and ``pagerduty_events`` against it.

The REST API contract kept (the calls modulo-watch makes):

- Every call carries ``Authorization: Token token=<key>``; an unknown key is 401
  ``{"error": {"message": "Authentication failed", "code": 2006}}``. A read-only key reads, and is 403
  ``{"error": {"message": "Access Denied", "code": 2010}}`` on a PUT.
- ``GET /incidents`` with ``statuses[]`` (repeated), ``date_range``, ``limit`` (at most 100, and at most
  ``max_limit`` here, so a test can make it page), ``offset``: ``{"incidents": [...], "limit", "offset",
  "more", "total": null}``, oldest first. An incident has ``id``, ``incident_number``, ``title``, ``status``,
  ``urgency``, ``html_url``, ``incident_key``, ``created_at``, ``assignments[].assignee`` (a
  ``user_reference`` whose ``summary`` is the name) and ``escalation_policy`` (a reference, ``summary`` its
  name). PagerDuty's incident does not say its escalation level: the server keeps it, and assigns the
  incident to whoever is on call at that level.
- ``GET /incidents/{id}``: ``{"incident": {...}}``; an unknown id is 404
  ``{"error": {"message": "Not Found", "code": 2100}}``.
- ``PUT /incidents/{id}`` with ``{"incident": {"type": "incident_reference", "status": ...}}`` needs a
  ``From`` header naming a user of the account: without one, or with a stranger's, 400 (code 2001).
  A resolved incident cannot be acknowledged or resolved again: 400 ``Incident Already Resolved``.
- ``GET /oncalls`` with ``escalation_policy_ids[]``, ``include[]=users`` (the user in full: ``name``,
  ``email``; otherwise a reference with ``summary``), paged as incidents are: ``{"oncalls": [...]}``, each
  with ``escalation_level``, ``escalation_policy``, ``schedule`` (null for a person named directly),
  ``user``, ``start``, ``end``.

The Events API contract kept: ``POST /v2/enqueue`` with ``routing_key`` (32 characters, of an integration
the account has), ``event_action`` (``trigger``, ``acknowledge``, ``resolve``) and ``dedup_key`` (needed to
acknowledge or resolve; at most 255 characters). No auth header. Accepted: 202
``{"status": "success", "message": "Event processed", "dedup_key": ...}``, which acts on the open incident
whose ``incident_key`` is the dedup key (when there is none, nothing happens, and it is still 202); a
trigger opens one. Refused: 400 ``{"status": "invalid event", "message": "Event object is invalid",
"errors": [...]}``.

PagerDuty's words in the error bodies are approximated; their shapes and status codes are the documented
ones. Rate limits (429) and outages (5xx) are for a test's ``script``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.contract.http_server import Answer, ContractServer, Received

MAX_LIMIT = 100  # PagerDuty's largest page
POLICY_ID = "PEP0001"
POLICY_NAME = "Payments on-call"


@dataclass(slots=True)
class User:
    id: str
    name: str
    email: str


@dataclass(slots=True)
class Incident:
    id: str
    number: int
    title: str
    incident_key: str
    created_at: str
    status: str = "triggered"
    urgency: str = "high"
    escalation_level: int = 1
    policy_id: str = POLICY_ID
    assignee_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class OnCallEntry:
    level: int
    user_id: str
    schedule: str | None  # a schedule's name; None when the policy names the person directly
    end: str | None


class PagerDutyServer(ContractServer):
    def __init__(self) -> None:
        super().__init__()
        self.token = uuid.uuid4().hex[:20]
        self.read_only_token = uuid.uuid4().hex[:20]
        self.routing_key = uuid.uuid4().hex  # 32 characters, as PagerDuty's integration keys
        self.max_limit = MAX_LIMIT
        self.policies = {POLICY_ID: POLICY_NAME}
        self.users: dict[str, User] = {}
        self.oncalls: list[OnCallEntry] = []
        self.incidents: dict[str, Incident] = {}

    # --- Setting the account up ---------------------------------------------------------------------------

    def add_user(self, name: str, email: str) -> User:
        user = User(f"PU{len(self.users) + 1:05d}", name, email)
        self.users[user.id] = user
        return user

    def put_on_call(
        self, user: User, level: int, schedule: str | None = None, end: str | None = None
    ) -> None:
        self.oncalls.append(OnCallEntry(level, user.id, schedule, end))

    def add_incident(
        self,
        title: str,
        *,
        incident_key: str | None = None,
        status: str = "triggered",
        urgency: str = "high",
        level: int = 1,
        created_at: str | None = None,
    ) -> Incident:
        number = len(self.incidents) + 1
        made = Incident(
            id=f"PI{number:05d}",
            number=number,
            title=title,
            incident_key=incident_key if incident_key is not None else uuid.uuid4().hex,
            created_at=created_at or f"2026-11-27T{number // 60 % 24:02d}:{number % 60:02d}:00Z",
            status=status,
            urgency=urgency,
            escalation_level=level,
            assignee_ids=[on.user_id for on in self.oncalls if on.level == level],
        )
        self.incidents[made.id] = made
        return made

    # --- The contract ---------------------------------------------------------------------------------------

    def contract(self, request: Received) -> Answer:
        if request.path == "/v2/enqueue":
            return self._enqueue(request)
        token = request.headers.get("authorization", "").removeprefix("Token token=")
        if token not in (self.token, self.read_only_token):
            return _error(401, "Authentication failed", 2006)
        parts = request.path.strip("/").split("/")
        if request.method == "GET" and parts == ["incidents"]:
            return self._list_incidents(request)
        if request.method == "GET" and parts == ["oncalls"]:
            return self._list_oncalls(request)
        if len(parts) == 2 and parts[0] == "incidents":
            found = self.incidents.get(parts[1])
            if found is None:
                return _error(404, "Not Found", 2100)
            if request.method == "GET":
                return Answer.of_json(200, {"incident": self._incident(found)})
            if request.method == "PUT":
                if token == self.read_only_token:
                    return _error(403, "Access Denied", 2010)
                return self._update(found, request)
        return _error(404, "Not Found", 2100)

    def _list_incidents(self, request: Received) -> Answer:
        statuses = request.query.get("statuses[]") or ["triggered", "acknowledged", "resolved"]
        chosen = [self._incident(one) for one in self.incidents.values() if one.status in statuses]
        return self._page(request, "incidents", chosen)

    def _list_oncalls(self, request: Received) -> Answer:
        policies = request.query.get("escalation_policy_ids[]") or list(self.policies)
        full = "users" in request.query.get("include[]", [])
        chosen = [self._oncall(on, full) for on in self.oncalls if POLICY_ID in policies]
        return self._page(request, "oncalls", chosen)

    def _page(self, request: Received, key: str, entries: list[dict[str, Any]]) -> Answer:
        try:
            limit = min(int(request.query.get("limit", ["25"])[-1]), self.max_limit)
            offset = int(request.query.get("offset", ["0"])[-1])
        except ValueError:
            return _error(400, "Invalid Input Provided", 2001, ["limit and offset must be integers"])
        page = entries[offset : offset + limit]
        more = offset + len(page) < len(entries)
        return Answer.of_json(200, {key: page, "limit": limit, "offset": offset, "more": more, "total": None})

    def _update(self, found: Incident, request: Received) -> Answer:
        requester = request.headers.get("from", "")
        if not requester:
            return _error(400, "Invalid Input Provided", 2001, ["A valid From header is required"])
        if requester not in {user.email for user in self.users.values()}:
            return _error(400, "Invalid Input Provided", 2001, ["Requester User Not Found"])
        try:
            wanted = request.json()["incident"]
            status = wanted["status"]
        except (ValueError, KeyError, TypeError):
            return _error(400, "Invalid Input Provided", 2001, ["incident.status is required"])
        if wanted.get("type") not in ("incident", "incident_reference") or status not in (
            "acknowledged",
            "resolved",
        ):
            return _error(400, "Invalid Input Provided", 2001, ["Incident status is invalid"])
        if found.status == "resolved":
            return _error(400, "Invalid Input Provided", 2001, ["Incident Already Resolved"])
        found.status = status
        return Answer.of_json(200, {"incident": self._incident(found)})

    def _enqueue(self, request: Received) -> Answer:
        if request.method != "POST":
            return Answer(405)
        try:
            event = request.json()
        except ValueError:
            return _invalid_event("Invalid JSON")
        if not isinstance(event, dict):
            return _invalid_event("Event object must be a JSON object")
        if event.get("routing_key") != self.routing_key:
            return _invalid_event("Invalid routing key")
        action, key = event.get("event_action"), event.get("dedup_key")
        if action not in ("trigger", "acknowledge", "resolve"):
            return _invalid_event("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)")
        if key is not None and (not isinstance(key, str) or len(key) > 255):
            return _invalid_event("'dedup_key' must be a string of at most 255 characters")
        if action != "trigger" and not key:
            return _invalid_event("'dedup_key' is required for acknowledge and resolve events")
        key = key or uuid.uuid4().hex
        self._act(action, key, event)
        body = {"status": "success", "message": "Event processed", "dedup_key": key}
        return Answer.of_json(202, body)

    def _act(self, action: str, key: str, event: dict[str, Any]) -> None:
        open_one = next(
            (one for one in self.incidents.values() if one.incident_key == key and one.status != "resolved"),
            None,
        )
        if action == "trigger" and open_one is None:
            summary = (
                event.get("payload", {}).get("summary", "") if isinstance(event.get("payload"), dict) else ""
            )
            self.add_incident(str(summary), incident_key=key)
        elif open_one is not None and action != "trigger":
            open_one.status = "acknowledged" if action == "acknowledge" else "resolved"

    # --- PagerDuty's shapes ---------------------------------------------------------------------------------

    def _incident(self, one: Incident) -> dict[str, Any]:
        return {
            "id": one.id,
            "type": "incident",
            "summary": f"[#{one.number}] {one.title}",
            "self": f"{self.url}/incidents/{one.id}",
            "html_url": f"https://modulo.pagerduty.com/incidents/{one.id}",
            "incident_number": one.number,
            "title": one.title,
            "created_at": one.created_at,
            "status": one.status,
            "urgency": one.urgency,
            "incident_key": one.incident_key,
            "assignments": [
                {"at": one.created_at, "assignee": self._user_reference(self.users[user_id])}
                for user_id in one.assignee_ids
            ],
            "escalation_policy": {
                "id": one.policy_id,
                "type": "escalation_policy_reference",
                "summary": self.policies[one.policy_id],
            },
        }

    def _oncall(self, on: OnCallEntry, full: bool) -> dict[str, Any]:
        user = self.users[on.user_id]
        shown = {**self._user_reference(user), "type": "user", "name": user.name, "email": user.email}
        return {
            "escalation_policy": {
                "id": POLICY_ID,
                "type": "escalation_policy_reference",
                "summary": POLICY_NAME,
            },
            "escalation_level": on.level,
            "schedule": {"id": "PS0001", "type": "schedule_reference", "summary": on.schedule}
            if on.schedule
            else None,
            "user": shown if full else self._user_reference(user),
            "start": "2026-11-27T08:00:00Z",
            "end": on.end,
        }

    def _user_reference(self, user: User) -> dict[str, str]:
        return {"id": user.id, "type": "user_reference", "summary": user.name}


def _error(status: int, message: str, code: int, errors: list[str] | None = None) -> Answer:
    error: dict[str, Any] = {"message": message, "code": code}
    if errors:
        error["errors"] = errors
    return Answer.of_json(status, {"error": error})


def _invalid_event(*errors: str) -> Answer:
    body = {"status": "invalid event", "message": "Event object is invalid", "errors": list(errors)}
    return Answer.of_json(400, body)
