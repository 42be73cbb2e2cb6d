"""Range queries through ``prometheus-api-client``.

The library is synchronous: the collector calls this from a thread. It is imported on the first
query, in that thread, so neither the first frame nor the event loop pays for it (or for requests).
"""

from __future__ import annotations

import ast
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from modulo_watch.collectors.prometheus.result import Point, PrometheusError, single_series, single_value

if TYPE_CHECKING:
    from prometheus_api_client.prometheus_connect import PrometheusConnect


@dataclass(frozen=True, slots=True)
class RangeQuery:
    promql: str
    start: datetime
    end: datetime
    step: int  # seconds


class RangeClient:
    """One HTTP session to one Prometheus; every request bounded by ``timeout`` seconds."""

    def __init__(self, url: str, timeout: float) -> None:
        self._url = url
        self._timeout = timeout
        self._where = _host(url)
        self._connection: PrometheusConnect | None = None
        self._lock = threading.Lock()  # a timed-out query may still be running in its thread

    def series(self, query: RangeQuery, what: str = "error-ratio") -> tuple[Point, ...]:
        """The query's one series; raises PrometheusError with a line fit for the pane's border.

        ``what`` names the query in that line ("the latency p95 query returned 3 series")."""
        result = self._ask(
            lambda prometheus: prometheus.custom_query_range(
                query.promql,
                start_time=query.start,
                end_time=query.end,
                step=str(query.step),
                params=self._server_timeout(),
            )
        )
        return single_series(result, what)

    def latest(self, promql: str, at: datetime, what: str = "error-ratio") -> Point | None:
        """The query's value at ``at`` (an instant query), None when it has none; raises like ``series``."""
        result = self._ask(
            lambda prometheus: prometheus.custom_query(
                promql, params={"time": at.timestamp()} | self._server_timeout()
            )
        )
        return single_value(result, what)

    def _server_timeout(self) -> dict[str, str]:
        # The server stops evaluating when the client stops waiting: no work nobody will read.
        return {"timeout": f"{self._timeout:g}s"}

    def _ask(self, call: Callable[[PrometheusConnect], object]) -> object:
        """``call``'s answer; every way it can fail as a PrometheusError."""
        from prometheus_api_client.exceptions import PrometheusApiClientException
        from requests import ConnectionError as RequestsConnectionError
        from requests import RequestException, Timeout

        try:
            return call(self._connect())
        except Timeout:
            raise PrometheusError(f"{self._where}: no answer within {self._timeout:g} s") from None
        except RequestsConnectionError as err:
            raise PrometheusError(f"{self._where}: cannot connect: {_reason(err)}") from None
        except PrometheusApiClientException as err:
            raise PrometheusError(f"{self._where}: {_refusal(str(err))}") from None
        except (ValueError, KeyError, TypeError):  # the body is not JSON, or not an API answer
            raise PrometheusError(f"{self._where}: the answer is not a Prometheus API response") from None
        except RequestException as err:
            raise PrometheusError(f"{self._where}: {type(err).__name__}") from None

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _connect(self) -> PrometheusConnect:
        from prometheus_api_client.prometheus_connect import PrometheusConnect
        from urllib3.util.retry import Retry

        with self._lock:
            if self._connection is None:
                self._connection = PrometheusConnect(
                    url=self._url.rstrip("/"),
                    # The collector's runner retries, with backoff and jitter; the library's own retries
                    # (three, a second apart) would only stretch a failure past the runner's timeout.
                    retry=Retry(0, read=False),  # requests' own default: a read timeout stays a timeout
                    timeout=self._timeout,  # type: ignore[arg-type]  # requests takes a float; annotated int
                )
            return self._connection


def _host(url: str) -> str:
    """Where the server is, for messages: host and port, never the userinfo a URL may carry."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")


def _reason(err: Exception) -> str:
    """The operating system's word ("Connection refused") from requests' long nested message."""
    match = _ERRNO.search(str(err))
    return match[1].strip().lower() if match else "connection failed"


_REFUSAL = re.compile(r"HTTP Status Code (\d+) \((b(['\"]).*\3)\)$", re.DOTALL)


def _refusal(message: str) -> str:
    """The library's "HTTP Status Code 400 (b'{...}')" as "HTTP 400: <Prometheus's error>"."""
    match = _REFUSAL.match(message)
    if match is None:
        return message
    status, body = match[1], match[2]
    try:
        error = json.loads(ast.literal_eval(body))["error"]
    except (ValueError, SyntaxError, KeyError, TypeError):
        return f"HTTP {status}"
    return f"HTTP {status}: {error}" if isinstance(error, str) else f"HTTP {status}"
