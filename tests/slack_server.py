"""A loopback server that keeps the contract of Slack's incoming webhooks, for the tests that post to one.

Slack answers 200 ``ok``; a refusal is a plain-text reason: 400 ``invalid_payload``, 403 ``invalid_token``,
404 ``no_service`` or ``channel_not_found``, 429 with ``Retry-After``, 500 ``rollup_error``.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(slots=True)
class Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class SlackServer:
    """Incoming webhooks on 127.0.0.1: ``/services/<team>/<bot>/<token>``, each token known or not.

    ``answer`` overrides the contract (a rate limit, an outage, a redirect); ``hang`` accepts the request
    and never answers. ``received`` holds every request that arrived.
    """

    def __init__(self) -> None:
        self.token = uuid.uuid4().hex[:24]
        self.path = f"/services/T0MODULO1/B0WATCH01/{self.token}"
        self.archived_path = f"/services/T0MODULO1/B0ARCHIVE/{uuid.uuid4().hex[:24]}"
        self.answer: Answer | None = None
        self.hang = False
        self.received: list[Received] = []
        self._release = asyncio.Event()
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}{self.path}"

    @property
    def host(self) -> str:
        assert self._server is not None
        address, port = self._server.sockets[0].getsockname()[:2]
        return f"{address}:{port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def close(self) -> None:
        self._release.set()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            request_line, *lines = head.split("\r\n")
            method, path, _version = request_line.split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines if ln)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.received.append(Received(method, path, headers, body))
            if self.hang:
                await self._release.wait()
                return
            answer = self.answer or self._contract(method, path, headers, body)
            writer.write(_response(answer))
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client gave up (a timeout test): nothing to answer
        finally:
            writer.close()

    def _contract(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if method != "POST" or not path.startswith("/services/"):
            return Answer(404, b"no_service")
        if path == self.archived_path:
            return Answer(404, b"channel_not_found")
        if path != self.path:
            return Answer(403, b"invalid_token")
        try:
            message = json.loads(body)
        except ValueError:
            return Answer(400, b"invalid_payload")
        if not headers.get("content-type", "").startswith("application/json") or not (
            isinstance(message, dict) and isinstance(message.get("text"), str) and message["text"]
        ):
            return Answer(400, b"invalid_payload")
        return Answer(200, b"ok")


def _response(answer: Answer) -> bytes:
    headers = {"Content-Type": "text/plain", "Content-Length": str(len(answer.body)), "Connection": "close"}
    lines = [f"HTTP/1.1 {answer.status} Whatever"] + [
        f"{k}: {v}" for k, v in (headers | answer.headers).items()
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + answer.body
