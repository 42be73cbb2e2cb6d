"""HTTP calls to an outside system's API, with every failure turned into one ``DeliveryError`` line.

An API token travels in a header and a webhook's in its URL: no error line here quotes a request URL's
path, or any of the ``secrets`` a caller names, even when the server echoes them back.
"""

from __future__ import annotations

import errno
import json
import socket
import ssl
from collections.abc import Callable, Iterator, Mapping, Sequence
from http import HTTPStatus
from typing import Any

import httpx

from modulo_watch.config import REDACTED
from modulo_watch.outbound.delivery import DeliveryError

TIMEOUT = 10.0  # seconds, for each of connect, send, answer
USER_AGENT = "modulo-watch"
MAX_BODY = 64 * 1024  # bytes of an answer read: enough for a page of incidents, bounded against a flood
MAX_REASON = 80  # characters of the server's words kept in an error line
# An API's own reading of a refusal: (the answer, its first bytes) -> the error, or None for the standard one.
Refusal = Callable[[httpx.Response, bytes], DeliveryError | None]
_GATEWAY = (HTTPStatus.BAD_GATEWAY, HTTPStatus.GATEWAY_TIMEOUT)  # a proxy gave up: the API may have acted


def api_client(timeout: float = TIMEOUT) -> httpx.AsyncClient:
    """A client for an outside API: every step bounded by ``timeout``, no redirect followed (one would carry
    the token or the message somewhere the responder did not choose)."""
    return httpx.AsyncClient(timeout=timeout, follow_redirects=False, headers={"User-Agent": USER_AGENT})


async def call(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    where: str,
    secrets: Sequence[str] = (),
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, Any] | None = None,
    json_body: object = None,
    refusal: Refusal | None = None,
    max_body: int = MAX_BODY,
) -> tuple[int, Any]:
    """One request; on a 2xx answer, its status and decoded JSON body (None when the body is empty).

    ``where`` names the API for the responder ("Statuspage", "PagerDuty's Events API"). Raises
    ``DeliveryError``: retryable for a refused connection, a timeout, a 429 (with its Retry-After), a 5xx;
    not retryable for a refused token or a refused request; ``maybe_delivered`` when the request may have
    been acted on before the failure. ``refusal`` is asked first about a non-2xx answer, for an API whose
    error bodies say more than its status (a Statuspage 420, a PagerDuty ``errors`` list); it returns None
    to leave the answer to the standard reading.
    """
    sends = method.upper() not in ("GET", "HEAD")
    try:
        async with client.stream(
            method, url, headers=headers, params=params, json=json_body, follow_redirects=False
        ) as response:
            body = await first_bytes(response, max_body)
    except (httpx.LocalProtocolError, UnicodeEncodeError):  # a header httpx will not send: the token's
        raise DeliveryError(
            f"{where}: the token is not usable in an HTTP header (not one word of ASCII?)", retryable=False
        ) from None
    except httpx.TimeoutException as exc:
        raise _timeout_error(where, client.timeout, exc, sends) from None
    except httpx.InvalidURL:  # its text quotes the URL
        raise DeliveryError(f"{where}: not a usable URL", retryable=False) from None
    except httpx.HTTPError as exc:  # `from None`: httpx's own texts may quote the URL
        # A connection refused or reset before the request went out delivered nothing; a broken answer
        # came after the request, which the API may have acted on.
        answered_badly = isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError)
        raise DeliveryError(
            f"cannot reach {where}: {transport_problem(exc)}",
            retryable=True,
            maybe_delivered=sends and answered_badly,
        ) from None
    if not response.is_success:
        refused = refusal(response, body) if refusal is not None else None
        raise refused or status_error(where, response, reason(body, [url, *secrets]), sends)
    if not body.strip():
        return response.status_code, None
    try:
        return response.status_code, json.loads(body)
    except ValueError:
        raise DeliveryError(
            f"{where} answered {response.status_code} with something that is not JSON",
            retryable=False,
            maybe_delivered=sends,
        ) from None


async def first_bytes(response: httpx.Response, limit: int) -> bytes:
    """At most ``limit`` bytes of the body: a hostile or broken server cannot make us read forever."""
    body = b""
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) >= limit:
            break
    return body[:limit]


def _timeout_error(
    where: str, timeout: httpx.Timeout, exc: httpx.TimeoutException, sends: bool
) -> DeliveryError:
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return DeliveryError(
            f"cannot reach {where}: no connection within {timeout.connect or 0:g} s", retryable=True
        )
    return DeliveryError(
        f"{where} did not answer within {timeout.read or 0:g} s", retryable=True, maybe_delivered=sends
    )


def transport_problem(exc: httpx.HTTPError) -> str:
    causes = list(_chain(exc))
    if any(isinstance(c, OSError) and c.errno == errno.ECONNREFUSED for c in causes):
        return "connection refused"
    if any(isinstance(c, socket.gaierror) for c in causes):
        return "name lookup failed"
    for cause in causes:
        if isinstance(cause, ssl.SSLError):
            return f"TLS: {cause.reason or 'handshake failed'}"
    if isinstance(exc, httpx.RemoteProtocolError):  # its text would quote what the server sent
        return "not an HTTP answer"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "not an http:// or https:// URL"
    return f"connection failed ({type(exc).__name__})"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and its causes: httpx wraps the socket's own error a level or two down."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def status_error(where: str, response: httpx.Response, said: str, sends: bool = True) -> DeliveryError:
    """A non-2xx answer as one line: 429 and 5xx are worth retrying, the rest needs a person."""
    code = response.status_code
    status = f"{code} {phrase(code)}".rstrip()
    said = f": {said}" if said else ""
    if code == HTTPStatus.TOO_MANY_REQUESTS:
        wait = retry_after(response.headers.get("Retry-After"))
        later = f"; retry after {wait:g} s" if wait is not None else ""
        return DeliveryError(
            f"{where} is rate limiting ({status}){later}", retryable=True, retry_after=wait, status=code
        )
    if code in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
        return DeliveryError(f"{where} refused the token: {status}{said}", retryable=False, status=code)
    if 300 <= code < 400:
        return DeliveryError(
            f"{where} answered {status}, a redirect, which is not followed: is its URL current?",
            retryable=False,
            status=code,
        )
    if code >= 500:
        return DeliveryError(
            f"{where} failed: {status}{said}",
            retryable=True,
            maybe_delivered=sends and code in _GATEWAY,
            status=code,
        )
    return DeliveryError(f"{where} refused the request: {status}{said}", retryable=False, status=code)


def phrase(code: int) -> str:
    # The standard phrase, not the server's: nothing of a hostile status line reaches the error.
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return ""


def retry_after(value: str | None) -> float | None:
    """Seconds to wait, when the header gives them (Slack does); an HTTP date is not worth a clock."""
    if value is None or not value.strip().isdigit():
        return None
    return float(value)


def reason(body: bytes, secrets: Sequence[str]) -> str:
    """The server's words on one short, printable line, with none of ``secrets`` in them."""
    text = body.decode("utf-8", "replace")
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


def error_words(body: bytes, secrets: Sequence[str], *paths: str) -> str:
    """An API's reason in its JSON error body, on one short printable line without ``secrets``: the first
    non-empty string, or list of strings, at one of ``paths`` (``"error"``, ``"error.errors"`` ...); else
    the body itself."""
    try:
        document: object = json.loads(body)
    except ValueError:
        document = None
    for path in paths:
        value = document
        for key in path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, list) and all(isinstance(part, str) for part in value):
            value = "; ".join(value)
        if isinstance(value, str) and value.strip():
            return reason(value.encode(), secrets)
    return reason(body, secrets)
