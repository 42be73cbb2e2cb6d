"""A misbehaving HTTP server on a free loopback port: it answers every request with what the test sets
(any status and body, bytes that are not HTTP at all), or never answers."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self


class JunkServer:
    """Set ``status``, ``body`` and ``content_type``; or ``raw`` (written as is, instead of an HTTP answer);
    or ``hang`` (accept the request and say nothing until closed). ``requests`` counts what arrived."""

    def __init__(self, body: bytes = b"[]", status: int = 200) -> None:
        self.body = body
        self.status = status
        self.content_type = "application/json"
        self.raw: bytes | None = None
        self.hang = False
        self.requests = 0
        self.authorization: list[str] = []
        self._closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        # Checks for shutdown every 50 ms, not 500: closing does not hold each test up.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        junk = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                junk.requests += 1
                junk.authorization.append(self.headers.get("Authorization", ""))
                if junk.hang:
                    junk._closing.wait()
                elif junk.raw is not None:
                    self.wfile.write(junk.raw)
                else:
                    self.send_response(junk.status)
                    self.send_header("Content-Type", junk.content_type)
                    self.send_header("Content-Length", str(len(junk.body)))
                    self.end_headers()
                    self.wfile.write(junk.body)
                self.close_connection = True

            do_GET = do_POST = do_DELETE = _answer

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
                pass  # quiet: the tests assert on what the client saw

        return Handler

    def close(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
