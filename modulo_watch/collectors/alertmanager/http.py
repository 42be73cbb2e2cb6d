"""JSON over HTTP for the alert sources: bounded in time and size, with errors that never show credentials."""

from __future__ import annotations

from typing import Any

import httpx

from modulo_watch.collectors.alertmanager.acks import AlertSourceError
from modulo_watch.config import redact_url

__all__ = ["AlertSourceError", "JsonHttp"]

REQUEST_TIMEOUT = 5.0  # seconds, for each of connecting, sending, and every wait for the next bytes
MAX_BODY_BYTES = 64 * 1024 * 1024  # ~60,000 alerts; more is a misdirected URL, not an answer
MAX_QUOTED_BODY = 120  # characters of an error answer quoted in the message


class JsonHttp:
    """One server's HTTP API. URL credentials go in an Authorization header and never in a message."""

    def __init__(self, url: str, server: str, timeout: float = REQUEST_TIMEOUT) -> None:
        self.timeout = timeout
        self._where = f"{server} at {redact_url(url)}"
        self._invalid: AlertSourceError | None = None
        try:
            given = httpx.URL(url)
        except httpx.InvalidURL as err:
            # The settings' check let it through: the source's error on every fetch, not a crash at start.
            self._invalid, given = self.error(f"not a usable URL ({err})"), httpx.URL()
        auth = httpx.BasicAuth(given.username, given.password) if given.username or given.password else None
        self._client = httpx.AsyncClient(
            base_url=given.copy_with(username=None, password=None),
            auth=auth,
            timeout=timeout,
            headers={"Accept": "application/json"},
        )

    async def get(self, path: str) -> bytes:
        return await self._send(self._client.build_request("GET", path))

    async def post_json(self, path: str, body: Any) -> bytes:
        return await self._send(self._client.build_request("POST", path, json=body))

    async def delete(self, path: str) -> bytes:
        return await self._send(self._client.build_request("DELETE", path))

    async def _send(self, request: httpx.Request) -> bytes:
        if self._invalid is not None:
            raise self._invalid
        try:
            response = await self._client.send(request, stream=True)
            try:
                body = await self._read_bounded(response)
            finally:
                await response.aclose()
        except httpx.TimeoutException:
            raise self.error(f"no answer within {self.timeout:g} s") from None
        except httpx.HTTPError as err:
            raise self.error(f"{type(err).__name__}: {err}") from None
        if not response.is_success:  # a redirect too: to a login page, most likely
            raise self.error(f"answered {response.status_code} {response.reason_phrase}{_quoted(body)}")
        return body

    async def _read_bounded(self, response: httpx.Response) -> bytes:
        size = response.headers.get("Content-Length", "")
        if size.isdigit() and int(size) > MAX_BODY_BYTES:
            raise self.error(f"answer too big ({size} bytes)")
        chunks = bytearray()
        async for chunk in response.aiter_bytes():
            chunks += chunk
            if len(chunks) > MAX_BODY_BYTES:
                raise self.error(f"answer too big (over {MAX_BODY_BYTES} bytes)")
        return bytes(chunks)

    def error(self, problem: str) -> AlertSourceError:
        return AlertSourceError(f"{self._where}: {problem}")

    async def aclose(self) -> None:
        await self._client.aclose()


def _quoted(body: bytes) -> str:
    """The start of an error answer: servers explain there (a bad matcher, an unknown silence)."""
    text = " ".join(body.decode(errors="replace").split())
    if not text:
        return ""
    return f": {text[:MAX_QUOTED_BODY]}{'…' if len(text) > MAX_QUOTED_BODY else ''}"
