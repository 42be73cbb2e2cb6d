"""A tiny exporter for the tests: modulo-api's request counters, with an error ratio the test scripts,
and its request-duration histogram, with a latency the test scripts.

Counters are computed from time (a steady request rate), so they only ever grow, and the ratio of their
increases over any window after ``set_error_ratio`` is exactly the ratio set: a test can wait for it.
Likewise the histogram's buckets grow in the shape last set by ``set_latency``.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

SERVICE = "modulo-api"
REQUESTS_PER_SECOND = 50.0
# Latency buckets (seconds) and the share of requests at or under each: a plausible shape (p95 0.375 s,
# p99 1 s by histogram_quantile's interpolation).
LATENCY_BUCKETS = ((0.05, 0.60), (0.1, 0.80), (0.25, 0.93), (0.5, 0.97), (1.0, 0.99), (2.5, 1.0))
# The same buckets in a slow spell: p95 2.125 s, p99 2.425 s.
SLOW_LATENCY_BUCKETS = ((0.05, 0.10), (0.1, 0.20), (0.25, 0.40), (0.5, 0.60), (1.0, 0.80), (2.5, 1.0))
Shape = tuple[tuple[float, float], ...]


class _Counts:
    """Requests and errors so far, with the error ratio changeable at any time."""

    def __init__(self, error_ratio: float) -> None:
        self._lock = threading.Lock()
        self._since = time.monotonic()
        self._requests = 0.0
        self._errors = 0.0
        self._ratio = error_ratio
        self._shape: Shape = LATENCY_BUCKETS
        self._under = [0.0] * len(LATENCY_BUCKETS)  # requests at or under each bucket's limit so far

    def set_ratio(self, ratio: float) -> None:
        with self._lock:
            self._advance()
            self._ratio = ratio

    def set_latency(self, shape: Shape) -> None:
        if [limit for limit, _ in shape] != [limit for limit, _ in LATENCY_BUCKETS]:
            raise ValueError("a histogram keeps its buckets")
        with self._lock:
            self._advance()
            self._shape = shape

    def now(self) -> tuple[float, float, tuple[float, ...]]:
        """(requests, errors, requests under each bucket's limit) so far."""
        with self._lock:
            self._advance()
            return self._requests, self._errors, tuple(self._under)

    def _advance(self) -> None:
        moment = time.monotonic()
        served = (moment - self._since) * REQUESTS_PER_SECOND
        self._requests += served
        self._errors += served * self._ratio
        self._under = [
            under + served * share for under, (_, share) in zip(self._under, self._shape, strict=True)
        ]
        self._since = moment


def exposition(requests: float, errors: float, under: tuple[float, ...]) -> str:
    """The metrics page, in Prometheus' text format."""
    lines = [
        "# TYPE http_requests_total counter",
        f'http_requests_total{{service="{SERVICE}",status="200"}} {requests - errors:.6f}',
        f'http_requests_total{{service="{SERVICE}",status="500"}} {errors:.6f}',
        "# TYPE http_request_duration_seconds histogram",
    ]
    lines += [
        f'http_request_duration_seconds_bucket{{service="{SERVICE}",le="{limit}"}} {count:.6f}'
        for (limit, _), count in zip(LATENCY_BUCKETS, under, strict=True)
    ]
    lines += [
        f'http_request_duration_seconds_bucket{{service="{SERVICE}",le="+Inf"}} {requests:.6f}',
        f'http_request_duration_seconds_sum{{service="{SERVICE}"}} {requests * 0.08:.6f}',
        f'http_request_duration_seconds_count{{service="{SERVICE}"}} {requests:.6f}',
    ]
    return "\n".join(lines) + "\n"


class Exporter:
    """``with Exporter(error_ratio=0.02) as exporter:`` serves /metrics on ``exporter.address``."""

    def __init__(self, error_ratio: float = 0.02) -> None:
        self._counts = _Counts(error_ratio)
        counts = self._counts

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = exposition(*counts.now()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
                pass  # one line per scrape would drown the test output

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="exporter", daemon=True)

    @property
    def address(self) -> str:
        """host:port, as a scrape target."""
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    def set_error_ratio(self, ratio: float) -> None:
        self._counts.set_ratio(ratio)

    def set_latency(self, shape: Shape) -> None:
        """The share of requests under each bucket's limit from now on (``SLOW_LATENCY_BUCKETS``)."""
        self._counts.set_latency(shape)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
