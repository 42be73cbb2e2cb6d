"""A loopback server that keeps the contract of Slack's incoming webhooks, for the tests that post to one.

Slack answers 200 ``ok``; a refusal is a plain-text reason: 400 ``invalid_payload``, 403 ``invalid_token``,
404 ``no_service`` or ``channel_not_found``, 429 with ``Retry-After``, 500 ``rollup_error``.
"""

from __future__ import annotations

import json
import uuid

from tests.contract.http_server import Answer, ContractServer, Received

__all__ = ["Answer", "SlackServer"]


class SlackServer(ContractServer):
    """Incoming webhooks on 127.0.0.1: ``/services/<team>/<bot>/<token>``, each token known or not.

    ``answer`` overrides the contract for every request (a rate limit, an outage, a redirect); ``hang``
    accepts the request and never answers. ``received`` holds every request that arrived.
    """

    def __init__(self) -> None:
        super().__init__()
        self.token = uuid.uuid4().hex[:24]
        self.path = f"/services/T0MODULO1/B0WATCH01/{self.token}"
        self.archived_path = f"/services/T0MODULO1/B0ARCHIVE/{uuid.uuid4().hex[:24]}"
        self.answer: Answer | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}{self.path}"

    def contract(self, request: Received) -> Answer:
        return self.answer or _webhook_answer(request, self.path, self.archived_path)


def _webhook_answer(request: Received, path: str, archived_path: str) -> Answer:
    if request.method != "POST" or not request.path.startswith("/services/"):
        return Answer(404, b"no_service")
    if request.path == archived_path:
        return Answer(404, b"channel_not_found")
    if request.path != path:
        return Answer(403, b"invalid_token")
    try:
        message = json.loads(request.body)
    except ValueError:
        return Answer(400, b"invalid_payload")
    if not request.headers.get("content-type", "").startswith("application/json") or not (
        isinstance(message, dict) and isinstance(message.get("text"), str) and message["text"]
    ):
        return Answer(400, b"invalid_payload")
    return Answer(200, b"ok")
