"""A small asyncio HTTP/1.1 server on 127.0.0.1: the base of the loopback servers that keep an outside API's
contract (Slack, Statuspage, PagerDuty) for the tests that drive the real client code against them.

A subclass answers in ``contract()``. A test can override it: ``script`` answers the next requests in order
(a 429 with Retry-After, then the contract again), ``hang`` accepts requests and never answers, and
``drop_after_reading`` reads a request, lets the contract act on it, then closes the connection without an
answer (the request was delivered; the client cannot know). ``received`` holds every request that arrived.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True, slots=True)
class Received:
    method: str
    path: str  # without the query
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        """A form-encoded body (Slack's Web API accepts one), one value per field."""
        return {key: values[-1] for key, values in parse_qs(self.body.decode()).items()}


@dataclass(slots=True)
class Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of_json(cls, status: int, document: object, headers: dict[str, str] | None = None) -> Answer:
        content = {"Content-Type": "application/json", **(headers or {})}
        return cls(status, json.dumps(document).encode(), content)


class ContractServer:
    def __init__(self) -> None:
        self.script: list[Answer] = []
        self.hang = False
        self.drop_after_reading = False
        self.received: list[Received] = []
        self._release = asyncio.Event()
        self._server: asyncio.Server | None = None

    @property
    def host(self) -> str:
        assert self._server is not None
        address, port = self._server.sockets[0].getsockname()[:2]
        return f"{address}:{port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def close(self) -> None:
        self._release.set()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    def contract(self, request: Received) -> Answer:
        raise NotImplementedError

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:  # keep-alive: httpx reuses its connections
                request = await _read_request(reader)
                if request is None:
                    return
                self.received.append(request)
                if self.hang:
                    await self._release.wait()
                    return
                answer = self.script.pop(0) if self.script else self.contract(request)
                if self.drop_after_reading:
                    return
                writer.write(_response(answer))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client gave up (a timeout test): nothing to answer
        finally:
            writer.close()


async def _read_request(reader: asyncio.StreamReader) -> Received | None:
    try:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    except asyncio.IncompleteReadError:
        return None  # the client closed an idle connection
    request_line, *lines = head.split("\r\n")
    method, target, _version = request_line.split(" ", 2)
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines if ln)}
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    parts = urlsplit(target)
    return Received(method, parts.path, parse_qs(parts.query), headers, body)


def _response(answer: Answer) -> bytes:
    headers = {"Content-Type": "text/plain", "Content-Length": str(len(answer.body))} | answer.headers
    lines = [f"HTTP/1.1 {answer.status} Whatever"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + answer.body
