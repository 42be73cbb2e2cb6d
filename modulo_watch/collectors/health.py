"""Health checks of the critical endpoints (the API, login, payments): status, latency, failures over time.

Every check is probed at once through one httpx client, each bounded by its own timeout; a probe's failure
is that probe's result, never the collector's. Redirects are not followed: a health URL that redirects
(most often to a login page) is failing unless the check lists that status in ``expect_status``.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import ssl
import time
from dataclasses import dataclass, replace
from datetime import datetime
from http import HTTPStatus
from typing import TYPE_CHECKING

from modulo_watch.collectors.clock import Clock
from modulo_watch.collectors.models import HealthProbe, HealthSnapshot, ProbeFailure, SourceName
from modulo_watch.config import HealthCheck, HealthSettings, redact_url

if TYPE_CHECKING:
    import httpx

USER_AGENT = "modulo-watch health check"
FETCH_MARGIN = 1.0  # seconds the runner allows beyond the slowest check's own timeout
MAX_REASON = 80  # characters of a server's or a library's words kept in a reason


@dataclass(frozen=True, slots=True)
class ProbeOutcome:
    """One probe's result, before the history across probes is added."""

    latency: float | None
    status_code: int | None = None
    failure: ProbeFailure | None = None
    error: str | None = None


def record(
    name: str, url: str, outcome: ProbeOutcome, at: datetime, previous: HealthProbe | None
) -> HealthProbe:
    """The probe at ``at``: ``outcome`` plus the failures remembered from ``previous``."""
    probe = HealthProbe(name, url, at, outcome.latency, outcome.status_code)
    if outcome.failure is None:  # healthy: the last failure is remembered, the run of failures is over
        if previous is None:
            return probe
        return replace(probe, last_failure=previous.last_failure, last_error=previous.last_error)
    running_since = previous.failing_since if previous is not None else None
    return replace(
        probe,
        failure=outcome.failure,
        error=outcome.error,
        last_failure=at,
        last_error=outcome.error,
        failing_since=running_since or at,
    )


def judge_status(code: int, expected: tuple[int, ...], latency: float, location: str | None) -> ProbeOutcome:
    """Ok for an expected status (by default any 2xx); a redirect says where it leads."""
    if code in expected if expected else 200 <= code < 300:
        return ProbeOutcome(latency, code)
    reason = f"{code} {_phrase(code)}".rstrip()
    if 300 <= code < 400 and location:
        reason += f", redirect to {_short(redact_url(location))}"
    return ProbeOutcome(latency, code, ProbeFailure.STATUS, reason)


def _phrase(code: int) -> str:
    # The standard phrase, not the server's: nothing of a hostile status line reaches the reason.
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return ""


def judge_error(exc: BaseException, timeout: float) -> ProbeOutcome:
    """A probe that got no usable answer: why, in a few words."""
    import httpx

    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return timed_out(timeout)
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return ProbeOutcome(None, failure=ProbeFailure.UNREACHABLE, error="not a usable URL")
    if isinstance(exc, httpx.ConnectError):
        return _connect_failure(exc)
    if isinstance(exc, httpx.RemoteProtocolError):  # its text would quote the bytes the server sent
        return ProbeOutcome(None, failure=ProbeFailure.PROTOCOL, error="not an HTTP answer")
    return ProbeOutcome(None, failure=ProbeFailure.UNREACHABLE, error=_short(exc))


def timed_out(timeout: float) -> ProbeOutcome:
    return ProbeOutcome(None, failure=ProbeFailure.TIMEOUT, error=f"no answer within {timeout:g} s")


def refused() -> ProbeOutcome:
    return ProbeOutcome(None, failure=ProbeFailure.REFUSED, error="connection refused")


def _connect_failure(exc: BaseException) -> ProbeOutcome:
    causes = list(_chain(exc))
    if any(isinstance(c, OSError) and c.errno == errno.ECONNREFUSED for c in causes):
        return refused()
    if any(isinstance(c, socket.gaierror) for c in causes):
        return ProbeOutcome(None, failure=ProbeFailure.UNREACHABLE, error="name lookup failed")
    tls = any(isinstance(c, ssl.SSLError) for c in causes)
    error = f"TLS: {_short(exc)}" if tls else f"cannot connect: {_short(exc)}"
    return ProbeOutcome(None, failure=ProbeFailure.UNREACHABLE, error=error)


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes; httpx wraps the socket's own error a level or two down."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _short(value: object) -> str:
    """One short line; a URL in it (a library may quote the one it tried) loses its credentials."""
    text = " ".join(redact_url(word) for word in str(value).split()) or type(value).__name__
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


class HealthCollector:
    """Probes every configured check each ``[health] interval`` and remembers their failures."""

    source = SourceName.HEALTH

    def __init__(self, settings: HealthSettings, clock: Clock) -> None:
        self.interval = settings.interval
        # The runner's own deadline is a backstop: each probe keeps to its check's timeout.
        self.timeout = max((check.timeout for check in settings.checks), default=0.0) + FETCH_MARGIN
        self._checks = settings.checks
        self._clock = clock
        self._client: httpx.AsyncClient | None = None
        self._latest: dict[str, HealthProbe] = {}

    async def fetch(self) -> HealthSnapshot:
        client = self._client or self._make_client()
        outcomes = await asyncio.gather(*(self._probe(client, check) for check in self._checks))
        at = self._clock.now()
        for check, outcome in zip(self._checks, outcomes, strict=True):
            previous = self._latest.get(check.name)
            self._latest[check.name] = record(check.name, redact_url(check.url), outcome, at, previous)
        return HealthSnapshot(at, tuple(self._latest[check.name] for check in self._checks))

    def _make_client(self) -> httpx.AsyncClient:
        import httpx  # here: httpx loads only when there are endpoints to probe

        self._client = httpx.AsyncClient(
            follow_redirects=False,
            # A fresh connection per probe: a reused one would hide a failing handshake and its latency.
            limits=httpx.Limits(max_keepalive_connections=0),
            headers={"User-Agent": USER_AGENT},
        )
        return self._client

    async def _probe(self, client: httpx.AsyncClient, check: HealthCheck) -> ProbeOutcome:
        started = time.perf_counter()
        try:
            async with (
                asyncio.timeout(check.timeout),
                client.stream("GET", check.url, timeout=check.timeout) as response,
            ):
                # The status line is the answer: the body is never read.
                latency = time.perf_counter() - started
                location = response.headers.get("Location")
                return judge_status(response.status_code, check.expect_status, latency, location)
        except Exception as exc:  # one probe's failure is its result, never the collector's
            return judge_error(exc, check.timeout)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
